"""Keep what is slow to make between runs: a catalogue's parsed form, the scanner's compiled patterns.

Parsing the bundled TOML in pure Python costs about 100 ms, compiling Hyperscan's patterns about
40 ms; reading either from the cache costs 1 to 2 ms. The cache is only a shortcut, and anyone
who can write a file may try to plant one, so nothing in it is believed without proof:

- the folder must be a real directory (not a symlink) owned by the user and writable by no one
  else, and each file a regular file of the user's, writable by no one else (as ssh checks
  `~/.ssh`); both are checked on the opened descriptor, so a swap after the check changes nothing;
- every file is signed with HMAC-SHA256 under a random key kept in the folder's `key` file, which
  only the user may read (0600, created whole or not at all); a key file that anyone else could
  read or write turns the cache off;
- the signature covers what the file is (kind, name), the BLAKE2b digest of the exact bytes it
  was made from and that of its payload, so a file is ignored (then rewritten) when missing,
  stale, truncated, forged or of another shape. (The digests, not the 200 KB themselves, go
  through SHA-256: Python's own SHA-256 is three times slower than BLAKE2b, and OpenSSL's costs
  3 ms to import, at every start.)

It holds plain data only (tuples, dicts, strings, numbers), so reading it executes nothing; the
caller still checks the shape and types of what it gets. Set KMSERR_CACHE_DIR to move it, or to an
empty value to turn it off.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import sys
from typing import Any, Final

MAGIC: Final = b"kmserr-cache 2\n"
KEY_FILE: Final = "key"
KEY_BYTES: Final = 32
_PLAIN = (str, bytes, int, bool, float, type(None))
_POSIX: Final = hasattr(os, "getuid") and os.open in os.supports_dir_fd
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK: Final = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted under a cache file's name must not block
_BINARY: Final = getattr(os, "O_BINARY", 0)


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


def _builtin(modules: tuple[str, ...], name: str) -> Any:
    """A hash of Python's own: importing `hashlib` or `hmac` loads OpenSSL, 3 ms of every start."""
    for module in modules:
        try:
            return getattr(__import__(module), name)
        except ImportError:
            continue
    import hashlib  # pragma: no cover - a Python built without its own hashes

    return getattr(hashlib, name)  # pragma: no cover


def _sha256() -> Any:
    # Python 3.12 and later; 3.10 and 3.11 (asking for a module that is not there searches every path)
    return _builtin(("_sha2",) if sys.version_info >= (3, 12) else ("_sha256",), "sha256")


def digest(data: bytes) -> bytes:
    """BLAKE2b-256 of some bytes."""
    value: bytes = _builtin(("_blake2",), "blake2b")(data, digest_size=32).digest()
    return value


def mac(key: bytes, message: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104) of a message, for a key of at most 64 bytes."""
    sha256 = _sha256()
    padded = key.ljust(64, b"\0")
    inner = sha256(padded.translate(_XOR_36))
    inner.update(message)
    outer = sha256(padded.translate(_XOR_5C))
    outer.update(inner.digest())
    digest: bytes = outer.digest()
    return digest


_XOR_36: Final = bytes(b ^ 0x36 for b in range(256))
_XOR_5C: Final = bytes(b ^ 0x5C for b in range(256))


def _safe(info: os.stat_result, *, private: bool = False) -> bool:
    """The user's own, writable by no one else (with `private`, readable by no one else either)."""
    if not hasattr(os, "getuid"):  # Windows: LOCALAPPDATA's access list keeps other users out
        return True
    return info.st_uid == os.getuid() and not info.st_mode & (0o077 if private else 0o022)


class _Folder:
    """The cache folder, opened once and checked; its files are opened relative to it."""

    def __init__(self, path: str, fd: int | None) -> None:
        self.path, self.fd = path, fd

    def name(self, name: str) -> str:
        return name if self.fd is not None else os.path.join(self.path, name)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)

    def read(self, name: str, *, private: bool = False, limit: int = 1 << 28) -> bytes | None:
        """A regular file of the user's that no one else may write, whole; None for anything else."""
        try:
            fd = os.open(self.name(name), os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _BINARY, dir_fd=self.fd)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or not _safe(info, private=private) or info.st_size > limit:
                return None
            # As much as fstat says, and a byte more to see a file that grew: a read of `limit`
            # would make a buffer of 256 MiB first. A file that changed fails its signature.
            with os.fdopen(os.dup(fd), "rb") as handle:
                return handle.read(info.st_size + 1)
        except OSError:
            return None
        finally:
            os.close(fd)

    def write(self, name: str, blob: bytes, *, replace: bool = True) -> bool:
        """Write a file whole under a temporary name, then rename it (or link it, when an existing
        file must win), so that readers see the old file, the new one, or none; never half of one."""
        temporary = self.name(f".{name}-{os.getpid()}-{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, 0o600, dir_fd=self.fd)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(blob)
            if replace:
                os.replace(temporary, self.name(name), src_dir_fd=self.fd, dst_dir_fd=self.fd)
            else:
                os.link(temporary, self.name(name), src_dir_fd=self.fd, dst_dir_fd=self.fd)
            return True
        except OSError:
            return False
        finally:
            with contextlib.suppress(OSError):  # renamed away, as intended
                os.unlink(temporary, dir_fd=self.fd)


def _open_folder(create: bool) -> _Folder | None:
    """The cache folder if it is safe to use (made private when `create` and missing), else None."""
    path = cache_dir()
    if path is None:
        return None
    if create:
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except OSError:
            return None
    if not _POSIX:  # pragma: no cover - Windows: no descriptors for folders
        try:
            info = os.lstat(path)
        except OSError:
            return None
        return _Folder(path, None) if stat.S_ISDIR(info.st_mode) and _safe(info) else None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | _NOFOLLOW)
    except OSError:  # missing, not a folder, or a symlink
        return None
    info = os.fstat(fd)
    if not stat.S_ISDIR(info.st_mode) or not _safe(info):
        os.close(fd)
        return None
    return _Folder(path, fd)


def _secret(folder: _Folder, create: bool) -> bytes | None:
    """The folder's signing key: read from `key` if only the user can read it, made if missing."""
    key = folder.read(KEY_FILE, private=True, limit=KEY_BYTES)
    if key is not None:
        return key if len(key) == KEY_BYTES else None
    if not create:
        return None
    # Linked into place (not renamed) so that two first runs agree on one key: the second link fails.
    folder.write(KEY_FILE, os.urandom(KEY_BYTES), replace=False)
    key = folder.read(KEY_FILE, private=True, limit=KEY_BYTES)
    return key if key is not None and len(key) == KEY_BYTES else None


def _file_name(kind: str, name: str) -> str:
    """A short, stable file name; what the file holds is checked against `name` itself."""
    # BLAKE2b, which the signature needs anyway: zlib's crc32 cost 0.3 ms of loading zlib.
    hashed = _builtin(("_blake2",), "blake2b")(name.encode("utf-8", "surrogateescape"), digest_size=4)
    return f"{kind}-{hashed.hexdigest()}.bin"


def _signed(kind: str, name: str, data: bytes, payload: bytes) -> bytes:
    """What the signature covers: which value this is, what it was made from, and the value."""
    return b"\0".join([MAGIC, kind.encode(), name.encode("utf-8", "surrogateescape"), digest(data), digest(payload)])


def load(name: str, data: bytes, kind: str = "catalogue") -> Any:
    """Return what was stored under `kind` and `name` for these exact bytes, or None (never raises)."""
    folder = _open_folder(create=False)
    if folder is None:
        return None
    try:
        key = _secret(folder, create=False)
        blob = folder.read(_file_name(kind, name)) if key is not None else None
    finally:
        folder.close()
    if key is None or blob is None or not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 32:
        return None
    from _operator import _compare_digest  # constant-time, as hmac.compare_digest

    tag, payload = blob[len(MAGIC) : len(MAGIC) + 32], blob[len(MAGIC) + 32 :]
    if not _compare_digest(tag, mac(key, _signed(kind, name, data, payload))):
        return None
    try:
        # Only what store() signed passes, and store() signs plain data only.
        return marshal.loads(payload)
    except (ValueError, EOFError, TypeError):  # pragma: no cover - signed by another Python's marshal
        return None


def store(name: str, data: bytes, value: Any, kind: str = "catalogue") -> None:
    """Write a value for these bytes, signed, atomically; a cache that cannot be written is skipped."""
    if not _plain(value):
        return
    folder = _open_folder(create=True)
    if folder is None:
        return
    try:
        key = _secret(folder, create=True)
        if key is None:
            return
        payload = marshal.dumps(value)
        folder.write(_file_name(kind, name), MAGIC + mac(key, _signed(kind, name, data, payload)) + payload)
    finally:
        folder.close()


def _plain(value: object) -> bool:
    """Only plain data goes in, so only plain data comes out: no code objects."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, _PLAIN)
