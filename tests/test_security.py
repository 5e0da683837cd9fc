"""What kmserr does with what it is given: it executes nothing, opens no network connection, and
writes nowhere but standard output, standard error and its own cache."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kmserr import cache, catalogue

from .test_catalogue import GOOD_ENTRY


@pytest.mark.parametrize("signer", ["another key", "the user's key"])
def test_a_forged_cache_holding_code_is_never_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signer: str) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("KMSERR_CACHE_DIR", str(folder))
    path = tmp_path / "errors.toml"
    path.write_text(GOOD_ENTRY, encoding="utf-8")
    catalogue.load(path)  # writes the cache
    [stored] = [p for p in folder.iterdir() if p.name != cache.KEY_FILE]
    witness = tmp_path / "ran"
    code = compile(f"open({str(witness)!r}, 'w').close()", "forged", "exec")
    payload = marshal.dumps(code)
    # Signed as kmserr signs (the signature covers the source's and the payload's digests): with a
    # key of the attacker's own, or, as if the key had leaked, with the user's.
    key = os.urandom(32) if signer == "another key" else (folder / cache.KEY_FILE).read_bytes()
    signed = cache._signed("catalogue", str(path), path.read_bytes(), payload)
    stored.write_bytes(cache.MAGIC + cache.mac(key, signed) + payload)
    assert [e.code for e in catalogue.load(path).entries] == ["10050"]
    assert not witness.exists()
    assert catalogue._from_cache(cache.load(str(path), path.read_bytes()), str(path)) is not None  # rewritten


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
    allowed = ("home/.cache/kmserr/catalogue-", "home/.cache/kmserr/hyperscan-", "home/.cache/kmserr/native-",
               "home/.cache/kmserr/key")
    assert all(name.startswith(allowed) for name in written), written
    assert (tmp_path / "home/.cache/kmserr/key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "home/.cache/kmserr").stat().st_mode & 0o077 == 0
    assert len([name for name in written if "catalogue-" in name]) == 1
