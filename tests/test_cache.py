"""The catalogue cache: a shortcut that is rebuilt, never trusted, when it is stale or damaged."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    """The cached values, without the signing key."""
    return sorted(p for p in folder.iterdir() if p.name != cache.KEY_FILE) if folder.exists() else []


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
    unwanted = {"rich", "rich.console", "hyperscan", "kmserr.extract", "kmserr.forms", "kmserr.matcher", "kmserr.scan", "tomllib", "dataclasses"}
    assert modules & unwanted == set()


def test_compiled_patterns_are_cached_and_a_damaged_copy_is_rebuilt(cache_dir: Path) -> None:
    from kmserr.engines import HyperscanEngine, prefilter_patterns

    prefilter = prefilter_patterns()
    located = [pattern for _, pattern in prefilter.located]
    line = b"x (10630) key is not existed\n"
    expected = HyperscanEngine(located, prefilter.parens, prefilter.standalone).candidates(line, 0, len(line))
    blobs = sorted(cache_dir.glob("hyperscan-*.bin"))
    assert blobs
    for blob in blobs:
        data = blob.read_bytes()
        blob.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))  # zeroed second half
    again = HyperscanEngine(located, prefilter.parens, prefilter.standalone).candidates(line, 0, len(line))
    assert again == expected and expected.parens == [2]
    assert all(blob.read_bytes() != bytes(len(blob.read_bytes())) for blob in blobs)  # rewritten


# ---------------------------------------------------------------- a cache someone else wrote


def crc32c(data: bytes) -> int:
    """Hyperscan's own checksum of a serialized database (CRC-32C, no pre- or post-inversion)."""
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    crc = 0
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def damaged_database(blob: bytes, dumpb: Any) -> bytes:
    """A Hyperscan database with 64 bytes of its program overwritten and its checksum made right
    again: Hyperscan loads it, and scanning with it crashes the process (issue 13)."""
    import struct

    header = 32  # magic, version, length, platform (8 bytes), crc32, two reserved words
    length = struct.unpack_from("<I", blob, 8)[0]
    forged = bytearray(blob)
    forged[header + 300 : header + 364] = b"\xff" * 64
    struct.pack_into("<I", forged, 20, crc32c(bytes(forged[header : header + length])))
    return bytes(forged)


def other_database(blob: bytes, dumpb: Any) -> bytes:
    """A sound Hyperscan database of other patterns, which match nothing kmserr looks for."""
    import hyperscan

    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    database.compile(expressions=[b"never-in-a-log"], ids=[0], elements=1, flags=[0])
    dumped: bytes = dumpb(database)
    return dumped


LOG = b"2024-05-14 (10630) key is not existed\nok\n[TencentCloudSDKException] code:AuthFailure message:x requestId:r\n"


def grep(folder: Path, log: Path) -> subprocess.CompletedProcess[bytes]:
    """Python's core: the compiled one loads no engine for a few lines (nor, then, a database)."""
    env = {**os.environ, "KMSERR_CACHE_DIR": str(folder), "KMSERR_ENGINE": "hyperscan", "KMSERR_NO_EXTENSIONS": "1"}
    return subprocess.run([sys.executable, "-m", "kmserr", "grep", "-n", str(log)], capture_output=True, env=env,
                          timeout=120)


@pytest.mark.parametrize("forge", [damaged_database, other_database])
def test_a_hyperscan_database_written_by_someone_else_is_rebuilt(tmp_path: Path, forge: Any) -> None:
    """An attacker with a kmserr of their own signs a forged database with their own key; copied
    into the user's cache it is refused (it would crash grep or make it find nothing)."""
    import hyperscan

    log = tmp_path / "app.log"
    log.write_bytes(LOG)
    clean = grep(tmp_path / "clean", log)
    assert clean.returncode == 0 and clean.stdout.count(b"\n") == 2, clean

    theirs, ours = tmp_path / "theirs", tmp_path / "ours"
    script = (
        "import sys, hyperscan\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from tests.test_cache import " + forge.__name__ + " as forge\n"
        "real = hyperscan.dumpb\n"
        "hyperscan.dumpb = lambda database: forge(real(database), real)\n"
        "from kmserr.engines import select_engine\n"
        "from kmserr.engines import prefilter_patterns\n"
        "select_engine(prefilter_patterns())\n"
    )
    env = {**os.environ, "KMSERR_CACHE_DIR": str(theirs), "KMSERR_ENGINE": "hyperscan"}
    subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent.parent)], check=True, env=env, timeout=120)
    assert hyperscan.__name__ and sorted(theirs.glob("hyperscan-*.bin"))
    assert grep(ours, log).stdout == clean.stdout  # fills our own cache
    for forged in theirs.glob("hyperscan-*.bin"):
        (ours / forged.name).write_bytes(forged.read_bytes())
    for _ in range(2):  # the forged copy is refused, then the rewritten one is used
        again = grep(ours, log)
        assert (again.returncode, again.stdout, again.stderr) == (0, clean.stdout, b"")
    for forged in theirs.glob("hyperscan-*.bin"):
        assert (ours / forged.name).read_bytes() != forged.read_bytes()


def test_a_signed_database_that_hyperscan_cannot_load_is_rebuilt(cache_dir: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import hyperscan

    from kmserr.engines import HyperscanEngine, prefilter_patterns

    prefilter = prefilter_patterns()
    located = [pattern for _, pattern in prefilter.located]
    line = b"x (10630) key is not existed\n"
    expected = HyperscanEngine(located, prefilter.parens, prefilter.standalone).candidates(line, 0, len(line))
    with monkeypatch.context() as patch:  # signed with the user's key, but not a database
        patch.setattr(hyperscan, "dumpb", lambda database: b"\xdb" * 64)
        cache_dir_files = sorted(cache_dir.glob("hyperscan-*.bin"))
        for stored in cache_dir_files:
            stored.unlink()
        HyperscanEngine(located, prefilter.parens, prefilter.standalone)
    again = HyperscanEngine(located, prefilter.parens, prefilter.standalone).candidates(line, 0, len(line))
    assert again == expected


ROW = {name: index for index, name in enumerate(catalogue.Entry._fields)}


def retyped(blob: Any, field: str, value: object) -> Any:
    shape, categories, sdk_checked, rows = blob
    if field == "categories":
        return (shape, value, sdk_checked, rows)
    if field == "sdk_checked":
        return (shape, categories, value, rows)
    if field == "rows":
        return (shape, categories, sdk_checked, value)
    row = list(rows[0])
    row[ROW[field]] = value
    return (shape, categories, sdk_checked, (tuple(row), *rows[1:]))


@pytest.mark.parametrize(("field", "value"), [
    ("code", None), ("code", 10050), ("description", 7), ("description", ("a", "b")), ("message", 1.5),
    ("module_code", "10050"), ("module_code", True), ("module_code", -3), ("error_code", [4000]),
    ("links", (("title",),)), ("links", ("https://example.com",)), ("links", [("t", "https://x")]),
    ("links", (("t", 5),)), ("actions", ("Decrypt", 3)), ("actions", "Decrypt"), ("equivalents", None),
    ("message_templates", (b"%s",)), ("categories", (("server", 1),)), ("categories", {"server": "x"}),
    ("sdk_checked", 3), ("rows", [()]), ("rows", ((),)), ("module_code", 0), ("error_code", False),
    ("links", (("t", "https://x", "z"),)), ("links", ((b"t", "https://x"),)), ("message_templates", "%s"),
])
def test_a_wrongly_typed_catalogue_cache_is_rebuilt(tmp_path: Path, cache_dir: Path, field: str,
                                                    value: object) -> None:
    """Even signed with the user's key (a kmserr of another version, say), a cache whose fields
    are not of their types is rebuilt from the TOML: it would break table and JSON output."""
    path = write(tmp_path)
    expected = catalogue.load(path)
    data = path.read_bytes()
    blob = cache.load(str(path), data)
    cache.store(str(path), data, retyped(blob, field, value))
    assert cache.load(str(path), data) != blob  # the wrongly typed cache is in place, signed
    assert catalogue.load(path) == expected
    assert cache.load(str(path), data) == blob  # and rewritten


def test_a_repeated_string_is_stored_once(cache_dir: Path) -> None:
    """marshal writes a string it has seen as a reference, when it is the same object: the bundled
    catalogue's categories, sources and actions recur, and the file is a third smaller."""
    path = catalogue.bundled_path()
    fresh = catalogue.load(path)
    data = Path(path).read_bytes()
    rows = cache.load(os.path.abspath(path), data)[3]
    category = ROW["category"]
    assert len({id(row[category]) for row in rows}) == len({row[category] for row in rows}) < len(rows)
    assert catalogue.load(path) == fresh  # and read back as it was


def loads_from_cache(path: Path, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether loading the catalogue was served by the cache (the TOML parser was not called)."""
    parsed: list[bool] = []
    real = catalogue.toml

    def counting() -> Any:
        parsed.append(True)
        return real()

    with monkeypatch.context() as patch:
        patch.setattr(catalogue, "toml", counting)
        assert catalogue.load(path).entries[0].code == "10050"
    return not parsed


def test_a_private_cache_is_used(tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path)
    assert not loads_from_cache(path, monkeypatch)
    assert loads_from_cache(path, monkeypatch)
    assert cache_dir.stat().st_mode & 0o777 == 0o700
    assert (cache_dir / cache.KEY_FILE).stat().st_mode & 0o777 == 0o600


def someone_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every file look like another user's, as they look to someone who does not own them."""
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)


@pytest.mark.parametrize("unsafe", [
    "folder writable by the group", "folder writable by others", "folder of another user", "folder is a symlink",
    "file writable by the group", "file writable by others", "key readable by the group", "key readable by others",
    "key writable by others", "key is a symlink", "key too short", "key is a folder",
])
def test_a_cache_others_could_have_written_is_not_used(tmp_path: Path, cache_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch, unsafe: str) -> None:
    """As ssh refuses a ~/.ssh that others can write: the results stay right, from the TOML."""
    path = write(tmp_path)
    catalogue.load(path)
    [stored] = cached_files(cache_dir)
    key = cache_dir / cache.KEY_FILE
    if unsafe == "folder is a symlink":
        real = tmp_path / "real-cache"
        cache_dir.rename(real)
        cache_dir.symlink_to(real)
    elif unsafe == "folder of another user":
        someone_else(monkeypatch)
    elif unsafe.startswith("folder"):
        cache_dir.chmod(0o770 if "group" in unsafe else 0o707)
    elif unsafe.startswith("file"):
        stored.chmod(0o660 if "group" in unsafe else 0o606)
    elif unsafe == "key is a symlink":
        target = tmp_path / "elsewhere"
        target.write_bytes(key.read_bytes())
        target.chmod(0o600)
        key.unlink()
        key.symlink_to(target)
    elif unsafe == "key too short":
        key.write_bytes(key.read_bytes()[:16])
    elif unsafe == "key is a folder":
        key.unlink()
        key.mkdir(mode=0o700)
    else:
        key.chmod({"group": 0o640, "readable by others": 0o604, "writable by others": 0o602}[
            "group" if "group" in unsafe else unsafe.removeprefix("key ")])
    before = {p.name: p.read_bytes() for p in cached_files(cache_dir)} if cache_dir.is_dir() else {}
    assert not loads_from_cache(path, monkeypatch)
    if unsafe.startswith("file"):  # in the user's own folder, the file is replaced by a private one
        assert stored.stat().st_mode & 0o077 == 0
        assert loads_from_cache(path, monkeypatch)
        return
    assert not loads_from_cache(path, monkeypatch)  # nothing was written that the next run would use
    after = {p.name: p.read_bytes() for p in cached_files(cache_dir)} if cache_dir.is_dir() else {}
    assert after == before


def test_another_users_cache_file_is_not_used(tmp_path: Path, cache_dir: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder is the user's, one file in it is not (a root-owned copy, say)."""
    path = write(tmp_path)
    catalogue.load(path)
    real_fstat = os.fstat
    uid = os.getuid()

    def fstat(fd: int) -> os.stat_result:
        info = real_fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_size != cache.KEY_BYTES:
            fields = list(info)
            fields[stat.ST_UID] = uid + 1
            return os.stat_result(fields)
        return info

    monkeypatch.setattr(os, "fstat", fstat)
    assert not loads_from_cache(path, monkeypatch)


def test_a_fifo_in_place_of_a_cache_file_does_not_block(tmp_path: Path, cache_dir: Path) -> None:
    path = write(tmp_path)
    catalogue.load(path)
    [stored] = cached_files(cache_dir)
    stored.unlink()
    os.mkfifo(stored)
    script = "import sys\nfrom kmserr import catalogue\nprint(catalogue.load(sys.argv[1]).entries[0].code)\n"
    result = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "KMSERR_CACHE_DIR": str(cache_dir)})
    assert (result.returncode, result.stdout) == (0, "10050\n")


def test_two_first_runs_agree_on_one_key(cache_dir: Path) -> None:
    """The key is linked into place, never renamed over another: a second writer loses, and uses
    the first one's key, so that neither's cache files are invalidated by the other."""
    cache.store("x", b"data", ("value",))
    key = (cache_dir / cache.KEY_FILE).read_bytes()
    folder = cache._open_folder(create=False)
    assert folder is not None
    try:
        assert not folder.write(cache.KEY_FILE, os.urandom(cache.KEY_BYTES), replace=False)
        assert cache._secret(folder, create=True) == key
    finally:
        folder.close()
    assert cache.load("x", b"data") == ("value",)
    assert [p.name for p in cache_dir.iterdir() if p.name.startswith(".")] == []


@given(key=st.binary(max_size=64), message=st.binary(max_size=300))
def test_the_signature_is_hmac_sha256(key: bytes, message: bytes) -> None:
    assert cache.mac(key, message) == hmac.new(key, message, hashlib.sha256).digest()
