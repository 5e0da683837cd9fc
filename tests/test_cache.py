"""The catalogue cache: a shortcut that is rebuilt, never trusted, when it is stale or damaged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kmserr import cache, catalogue

from .test_catalogue import GOOD_ENTRY


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KMSERR_CACHE_DIR", str(folder))
    return folder


def write(tmp_path: Path, text: str = GOOD_ENTRY) -> Path:
    path = tmp_path / "errors.toml"
    path.write_text(text, encoding="utf-8")
    return path


def cached_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.exists() else []


def test_first_load_writes_the_cache_and_the_second_reads_it(tmp_path: Path, cache_dir: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path)
    first = catalogue.load(path)
    [stored] = cached_files(cache_dir)
    assert stored.name.startswith("catalogue-") and not stored.name.startswith(".")

    def no_toml() -> None:
        raise AssertionError("the TOML was parsed again")

    monkeypatch.setattr(catalogue, "toml", no_toml)
    assert catalogue.load(path) == first


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_a_damaged_cache_is_rebuilt(tmp_path: Path, cache_dir: Path, damage: str) -> None:
    path = write(tmp_path)
    expected = catalogue.load(path)
    [stored] = cached_files(cache_dir)
    blob = stored.read_bytes()
    stored.write_bytes({
        "truncate": blob[: len(blob) // 2],
        "flip": blob[:-5] + bytes([blob[-5] ^ 0xFF]) + blob[-4:],
        "empty": b"",
        "garbage": os.urandom(len(blob)),
    }[damage])
    assert catalogue.load(path) == expected
    assert stored.read_bytes() == blob  # rewritten whole


def test_a_changed_catalogue_is_not_served_from_the_cache(tmp_path: Path, cache_dir: Path) -> None:
    path = write(tmp_path)
    catalogue.load(path)
    path.write_text(GOOD_ENTRY.replace("server internal error", "server exploded"), encoding="utf-8")
    assert catalogue.load(path).entries[0].message == "server exploded"


def test_a_cache_of_another_shape_is_ignored(tmp_path: Path, cache_dir: Path) -> None:
    path = write(tmp_path)
    data = path.read_bytes()
    cache.store(str(path), data, ("old shape", (), None, ()))
    assert catalogue.load(path).entries[0].code == "10050"


def test_an_invalid_catalogue_is_never_cached(tmp_path: Path, cache_dir: Path) -> None:
    path = write(tmp_path, GOOD_ENTRY.replace('retry = "idempotent"', 'retry = "maybe"'))
    for _ in range(2):
        with pytest.raises(catalogue.CatalogueError):
            catalogue.load(path)
    assert cached_files(cache_dir) == []


def test_an_unwritable_cache_folder_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("KMSERR_CACHE_DIR", str(blocker / "cache"))
    assert catalogue.load(write(tmp_path)).entries[0].code == "10050"


def test_an_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KMSERR_CACHE_DIR", "")
    assert cache.cache_dir() is None
    assert catalogue.load(write(tmp_path)).entries[0].code == "10050"


def test_code_objects_are_never_written(tmp_path: Path, cache_dir: Path) -> None:
    cache.store("x", b"data", (compile("1", "x", "eval"),))
    assert cached_files(cache_dir) == []


def test_no_temporary_file_is_left_behind(tmp_path: Path, cache_dir: Path) -> None:
    for n in range(3):
        catalogue.load(write(tmp_path, GOOD_ENTRY.replace("Retry.", f"Retry {n}.")))
    assert [p.name for p in cached_files(cache_dir) if p.name.startswith(".")] == []


def test_the_plain_lookup_path_imports_neither_rich_nor_the_scanner(cache_dir: Path) -> None:
    command = [sys.executable, "-X", "importtime", "-m", "kmserr", "lookup", "10630", "--format", "plain"]
    subprocess.run(command, capture_output=True, check=True)  # the first run fills the cache
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    modules = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "click" in modules
    unwanted = {"rich", "rich.console", "hyperscan", "kmserr.extract", "kmserr.scan", "tomllib", "dataclasses"}
    assert modules & unwanted == set()


def test_compiled_patterns_are_cached_and_a_damaged_copy_is_rebuilt(cache_dir: Path) -> None:
    from kmserr.engines import HyperscanEngine
    from kmserr.extract import prefilter_patterns

    prefilter = prefilter_patterns()
    located = [pattern for _, pattern in prefilter.located]
    line = b"x (10630) key is not existed\n"
    expected = HyperscanEngine(located, prefilter.parens, prefilter.names).candidates(line, 0, len(line))
    blobs = sorted(cache_dir.glob("hyperscan-*.bin"))
    assert blobs
    for blob in blobs:
        data = blob.read_bytes()
        blob.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))  # zeroed second half
    again = HyperscanEngine(located, prefilter.parens, prefilter.names).candidates(line, 0, len(line))
    assert again == expected and expected.parens == [2]
    assert all(blob.read_bytes() != bytes(len(blob.read_bytes())) for blob in blobs)  # rewritten
