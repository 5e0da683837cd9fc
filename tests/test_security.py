"""What kmserr does with what it is given: it executes nothing, opens no network connection, and
writes nowhere but standard output, standard error and its own cache."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from kmserr import cache, catalogue

from .test_catalogue import GOOD_ENTRY


def test_a_forged_cache_holding_code_is_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KMSERR_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "errors.toml"
    path.write_text(GOOD_ENTRY, encoding="utf-8")
    catalogue.load(path)  # writes the cache
    [stored] = (tmp_path / "cache").iterdir()
    witness = tmp_path / "ran"
    code = compile(f"open({str(witness)!r}, 'w').close()", "forged", "exec")
    payload = marshal.dumps(code)
    magic, key, _, _ = stored.read_bytes().split(b"\n", 3)
    stored.write_bytes(magic + b"\n" + key + b"\n" + b"%08x" % zlib.crc32(payload) + b"\n" + payload)
    assert [e.code for e in catalogue.load(path).entries] == ["10050"]
    assert not witness.exists()
    assert cache.load(str(path), path.read_bytes()) is not None  # rewritten from the TOML


def run_isolated(tmp_path: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """kmserr with a fresh home, no network (every socket refused) and a working folder of its own."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KMSERR_", "XDG_"))}
    env["HOME"] = str(home)
    guard = (
        "import socket, sys\n"
        "def refuse(*a, **k): raise SystemExit('kmserr tried to open a network connection')\n"
        "socket.socket = refuse; socket.create_connection = refuse\n"
        "from kmserr.cli import main\n"
        "sys.argv[0] = 'kmserr'\n"
        "main()\n"
    )
    return subprocess.run([sys.executable, "-c", guard, *args], input=stdin, capture_output=True, cwd=work, env=env)


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_no_network_and_no_writes_but_the_cache(tmp_path: Path) -> None:
    log = b"2024-05-14T08:00:00Z (10630) key is not existed\n[TencentCloudSDKException] code:AuthFailure message:x requestId:r\n"
    commands = [
        (["lookup", "10630", "ResourceUnavailable", "key disabled", "--format", "table"], b""),
        (["parse", "--format", "json"], log),
        (["grep", "--summary"], log),
        (["grep", "--json", "-C", "1"], log),
        (["list", "--format", "csv"], b""),
    ]
    for args, stdin in commands:
        result = run_isolated(tmp_path, *args, stdin=stdin)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr == b"", args
    written = files_under(tmp_path)
    assert all(name.startswith(("home/.cache/kmserr/catalogue-", "home/.cache/kmserr/hyperscan-")) for name in written), written
    assert len([name for name in written if "catalogue-" in name]) == 1
