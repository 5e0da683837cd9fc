"""Keep what is slow to make between runs: a catalogue's parsed form, the scanner's compiled patterns.

Parsing the bundled TOML in pure Python costs about 100 ms, compiling Hyperscan's patterns about
40 ms; reading either from the cache costs about 1 ms. The cache is only a shortcut: it is keyed
by the exact bytes it was made from (the catalogue, the patterns), written
atomically, checked by a checksum before it is decoded, and ignored (then rewritten) when
missing, stale, truncated or corrupt. It holds plain data only (tuples, dicts, strings,
numbers), so reading it executes nothing. Set KMSERR_CACHE_DIR to move it, or to an empty value
to turn it off.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from typing import Any, Final

MAGIC: Final = b"kmserr-cache 1\n"
_PLAIN = (str, bytes, int, bool, float, type(None))


def cache_dir() -> str | None:
    """Where the cache lives: KMSERR_CACHE_DIR, else the platform's user cache folder."""
    configured = os.environ.get("KMSERR_CACHE_DIR")
    if configured is not None:
        return configured or None
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return os.path.join(base, "kmserr", "cache") if base else None
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches", "kmserr")
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "kmserr")


def _key(data: bytes) -> bytes:
    return b"%d:%08x" % (len(data), zlib.crc32(data))


def _file(kind: str, name: str) -> str | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = zlib.crc32(name.encode("utf-8", "surrogateescape"))
    return os.path.join(folder, f"{kind}-{digest:08x}.bin")


def load(name: str, data: bytes, kind: str = "catalogue") -> Any:
    """Return what was stored under `kind` and `name` for these exact bytes, or None (never raises)."""
    path = _file(kind, name)
    if path is None:
        return None
    try:
        with open(path, "rb") as handle:
            blob = handle.read()
        magic, key, check, payload = blob.split(b"\n", 3)
        if magic + b"\n" != MAGIC or key != _key(data) or check != b"%08x" % zlib.crc32(payload):
            return None
        # Only what store() wrote passes the checksum, and store() writes plain data only.
        return marshal.loads(payload)
    except (OSError, ValueError, EOFError, TypeError):
        return None


def store(name: str, data: bytes, value: Any, kind: str = "catalogue") -> None:
    """Write a value for these bytes atomically; a cache that cannot be written is skipped."""
    path = _file(kind, name)
    if path is None or not _plain(value):
        return
    payload = marshal.dumps(value)
    blob = MAGIC + _key(data) + b"\n" + b"%08x" % zlib.crc32(payload) + b"\n" + payload
    import tempfile  # only when writing, which is rare

    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, path)  # readers see the old file or the new one, never half of one
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass


def _plain(value: object) -> bool:
    """Only plain data goes in, so only plain data comes out: no code objects."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, _PLAIN)
