"""The process's standard streams, made safe to write whatever the locale and whichever are closed."""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys
from typing import IO, Final, cast

ERRORS: Final = "kmserr"  # the codec error handler that `prepare` gives stdout and stderr


def _pass_bytes_escape_text(exc: UnicodeError) -> tuple[str | bytes, int]:
    """Write an undecodable input byte (a surrogate that surrogateescape kept) as the byte itself,
    so names and lines pass through exactly; escape text the locale cannot encode as \\uXXXX,
    which JSON reads back as the same character and a person can still read."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = exc.object[exc.start : exc.end]
    raw = bytearray()
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            raw.append(code - 0xDC00)
        else:
            break
    if raw:
        return bytes(raw), exc.start + len(raw)
    pieces = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:
            break
        if code > 0xFFFF:  # as JSON writes it: a surrogate pair
            code -= 0x10000
            pieces.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            pieces.append(f"\\u{code:04x}")
    return "".join(pieces), exc.start + len(pieces)


codecs.register_error(ERRORS, _pass_bytes_escape_text)


def valid_text(text: str) -> str:
    """Text that any UTF-8 reader takes (JSON, CSV, a record): an undecodable input byte as U+FFFD
    (the raw line is kept elsewhere), any other lone surrogate (a JSON or Python escape `\\ud83d`
    without its pair, which json.loads and kmserr's unescaping keep) as that escape's text."""
    return text.encode("utf-8", ERRORS).decode("utf-8", "replace")


class _Closed(io.BufferedIOBase):
    """Stands for a standard stream whose descriptor was closed (`kmserr ... >&-`, `<&-`):
    using it is an error with a name, as with any failed read or write."""

    def __init__(self, what: str) -> None:
        super().__init__()
        self._what = what
        self.name = f"<closed standard {what}>"

    def _fail(self) -> OSError:
        return OSError(errno.EBADF, f"standard {self._what} is closed")

    def readable(self) -> bool:
        return self._what == "input"

    def writable(self) -> bool:
        return self._what != "input"

    def read(self, size: int | None = -1) -> bytes:
        raise self._fail()

    def read1(self, size: int = -1) -> bytes:
        raise self._fail()

    def readinto(self, buffer: object) -> int:
        raise self._fail()

    def write(self, data: object) -> int:
        raise self._fail()

    def isatty(self) -> bool:
        return False


def _closed(what: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(_Closed(what), encoding="utf-8", errors=ERRORS, write_through=True)


def _hold(fd: int, flags: int) -> None:
    """Put /dev/null at a closed standard descriptor, so that no file opened later lands there."""
    try:
        os.fstat(fd)
    except OSError:
        try:
            held = os.open(os.devnull, flags)
            if held != fd:
                os.dup2(held, fd)
                os.close(held)
        except OSError:
            pass


def prepare() -> None:
    """Stand in for closed streams; let stdout and stderr write any text in any locale."""
    if sys.stdin is None:
        _hold(0, os.O_RDONLY)
        sys.stdin = _closed("input")
    if sys.stdout is None:
        _hold(1, os.O_WRONLY)
        sys.stdout = _closed("output")
    if sys.stderr is None:  # nowhere to report anything: what would go there is dropped
        _hold(2, os.O_WRONLY)
        sys.stderr = open(os.devnull, "w", encoding="utf-8", errors=ERRORS)  # noqa: SIM115 (lives as long as the process)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=ERRORS)


class _Utf8Text(io.TextIOBase):
    """Text written as UTF-8 to a binary stream, whatever the locale's encoding."""

    def __init__(self, buffer: IO[bytes]) -> None:
        super().__init__()
        self._buffer = buffer

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._buffer.write(text.encode("utf-8", ERRORS))
        return len(text)

    def flush(self) -> None:
        self._buffer.flush()


def utf8_stdout() -> IO[str]:
    """Standard output for JSON, which is UTF-8 (RFC 8259) even where the locale's encoding is not."""
    out = sys.stdout
    encoding = (getattr(out, "encoding", None) or "utf-8").replace("_", "-").lower()
    buffer = getattr(out, "buffer", None)
    if encoding in ("utf-8", "utf8") or buffer is None:
        return out
    out.flush()  # what was written through the locale's encoding comes first
    return cast(IO[str], _Utf8Text(buffer))


def binary_stdout(size: int = 1 << 16) -> IO[bytes]:
    """Standard output's bytes, buffered whatever PYTHONUNBUFFERED says: under it, Python gives a
    raw file, where each matched line would cost a system call of its own. grep flushes after each
    read that found something, so a live stream is still shown at once. The fd is shared, never
    closed here (closefd=False): stdout stays usable for what is written after."""
    out = sys.stdout.buffer
    if isinstance(out, io.BufferedIOBase):
        return cast(IO[bytes], out)
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return out
    return cast(IO[bytes], io.BufferedWriter(io.FileIO(fd, "wb", closefd=False), size))
