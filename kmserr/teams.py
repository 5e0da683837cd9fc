"""Team catalogues: where their files come from, and how they merge over kmserr's own catalogue."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import cache

from . import catalogue
from .registry import Registry, default_registry

CATALOG_ENV = "KMSERR_CATALOG"


def team_paths(options: Sequence[str] = (), config_dir: str | None = None, env: str | None = None) -> list[str]:
    """Team catalogue files, in the order they load: the config folder's `*.toml` (sorted), then
    the KMSERR_CATALOG path list, then --catalog options. A later file may not contradict an earlier.

    Of the config folder, only regular files (or links to them) count: a FIFO, a device or a folder
    named `*.toml` there would block or fail every command. Files named elsewhere are all kept,
    so that one that is not a regular file is reported."""
    paths: list[str] = []
    if config_dir and os.path.isdir(config_dir):
        try:
            with os.scandir(config_dir) as found:
                paths += sorted(entry.path for entry in found if entry.name.endswith(".toml") and _regular(entry))
        except OSError:
            pass  # an unreadable config folder holds no team files we can use
    if env:
        paths += [p for p in env.split(os.pathsep) if p]
    paths += [os.fspath(p) for p in options]
    return list(dict.fromkeys(paths))


def _regular(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()  # follows a symlink: a link to a team's shared file is fine
    except OSError:
        return False


def load_registry(paths: Iterable[str | os.PathLike[str]] = ()) -> Registry:
    """kmserr's catalogue with these team files on top, in order (CatalogueError names a bad one).

    A team entry may override a bundled one, but two team files that define the same code
    differently are an error naming both. The same paths give the same registry object."""
    return _load(tuple(os.fspath(p) for p in paths))


@cache
def _load(paths: tuple[str, ...]) -> Registry:
    if not paths:
        return default_registry()
    merged = catalogue.overlay(catalogue.load(), paths)
    return Registry(merged.entries, merged.categories, team=merged.team, overridden=merged.overridden)
