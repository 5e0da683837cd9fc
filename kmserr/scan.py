"""Stream bytes through the extractor: find error lines in blocks, never line by line.

`LineScanner` is push-style: feed it whatever a read returned, in any sizes, and it returns the
complete lines that carry errors. A prefilter engine finds candidate positions over a whole block
in C; only the lines around those positions are decoded and given to `Extractor.find`, which
decides. So every engine selects the same lines, and the cost per byte stays that of the engine.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final, Protocol

from .extract import Extractor, Finding, prefilter_patterns

BLOCK_SIZE: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class Hit:
    """A line that carries errors: its number (from 1), its bytes without the line end, the errors."""

    line_number: int
    line: bytes
    text: str
    findings: tuple[Finding, ...]

    def byte_span(self, finding: Finding) -> tuple[int, int]:
        """Byte offsets of a finding's code within `line`."""
        start = len(self.text[: finding.start].encode("utf-8", "surrogateescape"))
        return start, start + len(self.text[finding.start : finding.end].encode("utf-8", "surrogateescape"))


class Engine(Protocol):
    """Finds positions inside lines that may carry an error, over a whole buffer at once."""

    name: str

    def candidates(self, buf: bytes, start: int, end: int) -> list[int]: ...


class RegexEngine:
    """One pass of Python's `re` per literal-prefixed pattern (an alternation would be 20x slower)."""

    name = "re"

    def __init__(self, patterns: Iterable[bytes]) -> None:
        self._patterns = [re.compile(p) for p in patterns]

    def candidates(self, buf: bytes, start: int, end: int) -> list[int]:
        found: list[int] = []
        for pattern in self._patterns:
            found.extend(m.start() for m in pattern.finditer(buf, start, end))
        return found


class LineScanner:
    """Turn a byte stream, fed in pieces of any size, into the lines that carry errors."""

    def __init__(self, extractor: Extractor, engine: Engine) -> None:
        self._extractor = extractor
        self._engine = engine
        self._carry: list[bytes] = []  # pieces of the unfinished last line, never re-joined per block
        self._line_number = 0  # lines completed so far

    def feed(self, chunk: bytes) -> list[Hit]:
        """Scan the lines that `chunk` completes; keep its unfinished tail for the next call."""
        first = chunk.find(b"\n")
        if first < 0:
            if chunk:
                self._carry.append(chunk)
            return []
        hits: list[Hit] = []
        start = 0
        if self._carry:
            self._carry.append(chunk[: first + 1])
            joined = b"".join(self._carry)
            self._carry = []
            self._scan(joined, 0, len(joined), hits)
            start = first + 1
        last = chunk.rfind(b"\n") + 1
        if last > start:
            self._scan(chunk, start, last, hits)
        if last < len(chunk):
            self._carry.append(chunk[last:])
        return hits

    def finish(self) -> list[Hit]:
        """Scan the last line when the input does not end with a newline."""
        if not self._carry:
            return []
        joined = b"".join(self._carry)
        self._carry = []
        hits: list[Hit] = []
        self._scan(joined, 0, len(joined), hits)
        return hits

    @property
    def lines_read(self) -> int:
        return self._line_number + (1 if self._carry else 0)

    def _scan(self, buf: bytes, start: int, end: int, hits: list[Hit]) -> None:
        """Check the candidate lines of `buf[start:end]`, which holds whole lines only."""
        positions = self._engine.candidates(buf, start, end)
        base = self._line_number
        counted_to = start
        next_line = start  # lines before this offset are already decided
        if positions:
            positions.sort()
            for pos in positions:
                if pos < next_line:
                    continue
                line_start = buf.rfind(b"\n", start, pos) + 1 or start
                newline = buf.find(b"\n", pos, end)
                line_end = end if newline < 0 else newline
                next_line = line_end + 1
                base += buf.count(b"\n", counted_to, line_start)
                counted_to = line_start
                raw = buf[line_start:line_end]
                text = raw.decode("utf-8", "surrogateescape")
                if text.endswith("\r"):
                    text = text[:-1]
                findings = self._extractor.find(text)
                if findings:
                    hits.append(Hit(base + 1, raw, text, tuple(findings)))
        self._line_number += buf.count(b"\n", start, end) + (0 if buf.endswith(b"\n", start, end) else 1)


def default_engine(names: Iterable[str] = ()) -> Engine:
    return RegexEngine(prefilter_patterns(names))


def scan_bytes(data: bytes, extractor: Extractor, engine: Engine | None = None) -> list[Hit]:
    """Return the error lines of a whole buffer."""
    scanner = LineScanner(extractor, engine or default_engine())
    return scanner.feed(data) + scanner.finish()


def scan_stream(
    stream: BinaryIO | int, extractor: Extractor, engine: Engine | None = None, block_size: int = BLOCK_SIZE
) -> Iterator[list[Hit]]:
    """Yield the hits of each read, as soon as it is read; an empty list means "nothing yet".

    Reads with `os.read` on the descriptor, which returns what a pipe holds instead of waiting
    for a full block, so that a live stream is seen at once.
    """
    fd = stream if isinstance(stream, int) else stream.fileno()
    scanner = LineScanner(extractor, engine or default_engine())
    while True:
        chunk = os.read(fd, block_size)
        if not chunk:
            break
        yield scanner.feed(chunk)
    yield scanner.finish()
