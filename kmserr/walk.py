"""grep -r: the files under the directories given, in a stable order, as GNU grep walks them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

STDIN = "-"


def files_under(operands: Iterable[str], on_error: Callable[[str, str], None]) -> Iterator[str]:
    """Each operand that is not a directory as it is; each directory's files in path order (the
    names of a folder sorted, a subfolder's files in its place, as `rg --sort path`).

    As GNU grep's -r: symbolic links met inside a directory are not followed (one given as an
    operand is); a directory that cannot be read is reported through `on_error` and skipped.
    """
    for operand in operands:
        if operand == STDIN or not os.path.isdir(operand):
            yield operand  # a missing or unreadable file is the search's to report
            continue
        yield from _walk(operand, on_error)


def _walk(folder: str, on_error: Callable[[str, str], None]) -> Iterator[str]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        on_error(folder, exc.strerror or str(exc))
        return
    for entry in entries:
        path = os.path.join(folder, entry.name)
        try:
            if entry.is_symlink():
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError as exc:
            on_error(path, exc.strerror or str(exc))
            continue
        if is_dir:
            yield from _walk(path, on_error)
        else:
            yield path
