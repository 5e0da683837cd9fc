"""grep over files and standard input: read in blocks, scan, explain, filter and count, file after file."""

from __future__ import annotations

import io
import os
import re
import sys
from collections import deque
from collections.abc import Callable, Sequence
from typing import IO, Final, NamedTuple, Protocol, cast

from .explanation import Explanation, explain_finding
from .extract import ascii_number
from .matcher import matcher_for
from .registry import Registry
from .scan import BLOCK_SIZE, Hit, LineScanner

STDIN = "-"
# The first timestamp of a line, for --summary's first and last seen: ISO 8601 and its relatives.
_TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?")

OnError = Callable[[str, str], None]


class Sink(Protocol):
    """Where grep's results go, as they are found."""

    def match(self, hit: Hit, items: Sequence[Explanation], name: str) -> None: ...

    def context(self, number: int, line: bytes, name: str) -> None: ...

    def gap(self) -> None: ...

    def flush(self) -> None: ...


class Filter(NamedTuple):
    """Which errors count: all of them by default."""

    codes: tuple[str, ...] = ()  # codes or families (`AuthFailure` takes `AuthFailure.*`)
    category: str | None = None
    retryable: bool | None = None
    unknown: bool = False  # only codes that are not in the catalogue

    @property
    def active(self) -> bool:
        return bool(self.codes) or self.category is not None or self.retryable is not None or self.unknown

    def keep(self, item: Explanation) -> bool:
        if self.codes and not any(_code_matches(item, wanted) for wanted in self.codes):
            return False
        if self.category is not None and item.category != self.category:
            return False
        if self.retryable is not None and (item.retry is None or item.retryable != self.retryable):
            return False
        return not self.unknown or item.entry is None


def _code_matches(item: Explanation, wanted: str) -> bool:
    code = item.finding.code.casefold()
    folded = wanted.casefold().rstrip(".")
    if code == folded or code.startswith(folded + "."):
        return True
    number = ascii_number(wanted)
    return number is not None and item.finding.module_code == number


class Seen(NamedTuple):
    """How often a code occurred, and the timestamps of its first and last lines, where they have one."""

    times: int
    first: str | None
    last: str | None
    example: Explanation


class Grep:
    """One grep run across several inputs: what matched, how often each code, which inputs failed."""

    def __init__(
        self,
        registry: Registry,
        sink: Sink | None,
        on_error: OnError,
        *,
        count_lines: bool = True,
        only: Filter | None = None,
        before: int = 0,
        after: int = 0,
        files_only: bool = False,
    ) -> None:
        self.registry = registry
        self.matcher = matcher_for(registry)
        # Built now: an engine that cannot be used is an error before any input is read.
        self.engine = self.matcher.engine
        self._sink = sink  # None: only count (--count, --summary)
        self._on_error = on_error
        self._only = only or Filter()
        self._before, self._after = before, after
        self._files_only = files_only
        self.count_lines = count_lines or before > 0 or after > 0
        self.seen: dict[str, Seen] = {}
        self.lines_per_input: list[tuple[str, int]] = []
        self.failed = False
        # Set at the first match, before it is written: a reader that goes away while it is
        # being written (`| head -n 1`) must not turn "found" into "not found".
        self.matched = False

    def search(self, path: str) -> None:
        """Search one input ("-" is standard input); a problem with it is reported, not raised."""
        name = "(standard input)" if path == STDIN else path
        try:
            stream = _open(path)
        except OSError as exc:
            self._fail(path, exc.strerror or str(exc))
            return
        # read1 returns what a pipe holds now instead of waiting for a full block: live streams.
        read = getattr(stream, "read1", stream.read)
        scanner = LineScanner(self.matcher, count_lines=self.count_lines)
        context = None
        if (self._before or self._after) and self._sink is not None and not self._files_only:
            context = _Context(self._before, self._after, self._sink, name)
        lines = 0
        try:
            while True:
                try:
                    chunk: bytes = read(BLOCK_SIZE)
                except _READ_ERRORS as exc:  # an unreadable file, a corrupt or truncated archive
                    self._fail(path, _describe(exc))
                    chunk = b""
                hits = scanner.feed(chunk) if chunk else scanner.finish()
                kept = [(hit, items) for hit in hits if (items := self._explain(hit))]
                if kept:
                    self.matched = True
                if context is not None:
                    context.feed(chunk, {hit.line_number: (hit, items) for hit, items in kept})
                    lines += len(kept)
                else:
                    for hit, items in kept:
                        lines += 1
                        self._take(hit, items, name)
                        if self._files_only:
                            break
                if kept and self._sink is not None:
                    self._sink.flush()  # a live stream is shown as soon as its lines are read
                if not chunk or (self._files_only and lines):
                    break
        finally:
            if path != STDIN:
                stream.close()
        self.lines_per_input.append((name, lines))

    def _explain(self, hit: Hit) -> list[Explanation]:
        items = [explain_finding(f, self.registry) for f in hit.findings]
        return [i for i in items if self._only.keep(i)] if self._only.active else items

    def _take(self, hit: Hit, items: list[Explanation], name: str) -> None:
        if self._sink is not None and not self._files_only:
            self._sink.match(hit, items, name)
            return
        stamp = _TIMESTAMP.search(hit.line, 0, 256)  # a line's time stands near its start
        when = stamp.group().decode("ascii") if stamp else None
        for item in items:
            code = item.finding.code
            earlier = self.seen.get(code)
            if earlier is None:
                self.seen[code] = Seen(1, when, when, item)
            else:
                self.seen[code] = Seen(earlier.times + 1, earlier.first or when, when or earlier.last, earlier.example)

    def _fail(self, path: str, problem: str) -> None:
        self._on_error(path, problem)
        self.failed = True


def _open(path: str) -> IO[bytes]:
    """Standard input, a plain file, or a rotated log (.gz, .bz2, .xz), opened by its suffix."""
    if path == STDIN:
        _widen_pipe(sys.stdin.buffer)
        return sys.stdin.buffer
    lowered = path.lower()
    if lowered.endswith(".gz"):
        import gzip

        return cast(IO[bytes], gzip.open(path, "rb"))
    if lowered.endswith(".bz2"):
        import bz2

        return cast(IO[bytes], bz2.open(path, "rb"))
    if lowered.endswith((".xz", ".lzma")):
        import lzma

        return cast(IO[bytes], lzma.open(path, "rb"))
    return open(path, "rb", buffering=0)  # unbuffered: each read is one system call


def _read_errors() -> tuple[type[Exception], ...]:
    """What reading a file or an archive can raise: lzma and zlib have errors of their own."""
    import lzma
    import zlib

    return (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error)


_READ_ERRORS: Final = _read_errors()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, EOFError):
        return "the compressed file ends before its end marker (truncated?)"
    return f"cannot read: {exc}"


class _Context:
    """grep's -B/-A: numbers every line of the input and prints, in order, the matches and the
    lines around them, with "--" between groups that are not adjacent. Only in this mode does
    every line pass through Python."""

    def __init__(self, before: int, after: int, sink: Sink, name: str) -> None:
        self._held: deque[tuple[int, bytes]] = deque(maxlen=before)
        self._after = after
        self._sink = sink
        self._name = name
        self._carry = b""
        self._number = 0
        self._last = 0  # the number of the last line printed
        self._left = 0  # lines still to print after the last match

    def feed(self, chunk: bytes, matches: dict[int, tuple[Hit, list[Explanation]]]) -> None:
        """Place the complete lines of a chunk (of the carried last line, when the input ends)."""
        if chunk:
            data = self._carry + chunk
            cut = data.rfind(b"\n") + 1
            lines, self._carry = data[:cut].split(b"\n")[:-1], data[cut:]
        else:
            lines, self._carry = ([self._carry] if self._carry else []), b""
        sink, name = self._sink, self._name
        for line in lines:
            self._number += 1
            number = self._number
            found = matches.get(number)
            if found is not None:
                held = list(self._held)
                self._held.clear()
                first = held[0][0] if held else number
                if self._last and first > self._last + 1:
                    sink.gap()
                for held_number, held_line in held:
                    sink.context(held_number, held_line, name)
                sink.match(found[0], found[1], name)
                self._last, self._left = number, self._after
            elif self._left:
                sink.context(number, line, name)
                self._last, self._left = number, self._left - 1
            elif self._held.maxlen:
                self._held.append((number, line))


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let a pipe hold a whole block, so that `cat FILE |` is not stopped every 64 KiB (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import fcntl
        import stat

        fd = stream.fileno()
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), BLOCK_SIZE)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # a smaller pipe is only slower
