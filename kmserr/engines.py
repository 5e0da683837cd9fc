"""Two engines behind one interface: find where lines may carry an error, over a whole block.

An engine only pre-selects: it returns positions inside lines that one of the prefilter
patterns hits, and `Extractor.find` decides on those lines. Both engines run the same patterns,
so they select the same lines; they differ only in speed. Hyperscan runs every pattern in one
pass; Python's `re` runs one pass per pattern, each fast because each begins with a literal.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from importlib.util import find_spec
from typing import Any, Final, Protocol

ENGINES: Final = ("hyperscan", "re")
ENV: Final = "KMSERR_ENGINE"


class EngineError(Exception):
    """The engine asked for in KMSERR_ENGINE cannot be used."""


Hits = tuple[list[int], list[int]]


class Engine(Protocol):
    name: str

    def candidates(self, buf: bytes, start: int, end: int) -> Hits:
        """Positions in `buf[start:end]` (whole lines) where the patterns hit: (structured, names).

        A position lies inside the text that a pattern matched; names are the second list of
        patterns, the literals of code names, whose positions tell the extractor where to look.
        """
        ...


class RegexEngine:
    """One pass of Python's `re` per literal-prefixed pattern (an alternation would be 20x slower).

    Each pass costs the same whatever its literal, so the code names are searched for by the
    fewest short pieces that every name contains (`Opera` for the five `...Operation` families):
    13 passes instead of 33, and a hit inside a name is all the extractor needs.
    """

    name = "re"

    def __init__(self, structured: Iterable[bytes], names: Iterable[bytes]) -> None:
        self._structured = [re.compile(p) for p in structured]
        self._names = [re.compile(re.escape(piece)) for piece in cover(list(names))]

    def candidates(self, buf: bytes, start: int, end: int) -> Hits:
        lines: list[int] = []
        for pattern in self._structured:
            # One position a line is enough for these: after a hit, go on from the next line.
            pos = start
            while (found := pattern.search(buf, pos, end)) is not None:
                lines.append(found.start())
                pos = buf.find(b"\n", found.end(), end) + 1
                if pos <= 0:
                    break
        names: list[int] = []
        for pattern in self._names:
            names.extend(m.start() for m in pattern.finditer(buf, start, end))
        return lines, names


class HyperscanEngine:
    """All patterns in one pass of Hyperscan; it reports where each match ends."""

    name = "hyperscan"

    def __init__(self, structured: Sequence[bytes], names: Sequence[bytes]) -> None:
        import hyperscan

        patterns = [*structured, *(re.escape(name) for name in names)]
        self._first_name = len(structured)
        self._db: Any = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._db.compile(
            expressions=patterns,
            ids=list(range(len(patterns))),
            elements=len(patterns),
            flags=[0] * len(patterns),
        )

    def candidates(self, buf: bytes, start: int, end: int) -> Hits:
        lines: list[int] = []
        names: list[int] = []
        first_name = self._first_name
        offset = start - 1  # a match ending at `to` has its last byte at start + to - 1
        line_end = -1  # the end of the line of the last structured hit: more hits there add nothing

        def on_match(pattern: int, first: int, to: int, flags: int, context: object) -> None:
            nonlocal line_end
            pos = offset + to
            if pattern >= first_name:
                names.append(pos)
            elif pos > line_end:
                lines.append(pos)
                newline = buf.find(b"\n", pos, end)
                line_end = end if newline < 0 else newline

        data = buf if (start == 0 and end == len(buf)) else buf[start:end]
        self._db.scan(data, match_event_handler=on_match)
        return lines, names


def cover(words: Sequence[bytes], size: int = 5) -> list[bytes]:
    """A few pieces of `size` bytes (or whole short words) such that every word contains one."""
    pieces: dict[bytes, set[bytes]] = {}
    for word in words:
        length = min(size, len(word))
        for at in range(len(word) - length + 1):
            pieces.setdefault(word[at : at + length], set()).add(word)
    left = set(words)
    chosen: list[bytes] = []
    while left:
        # The piece that covers most of what is left; ties go to the lexically first, for stability.
        piece = min(pieces, key=lambda p: (-len(pieces[p] & left), p))
        chosen.append(piece)
        left -= pieces[piece]
    return sorted(chosen)


def hyperscan_available() -> bool:
    return find_spec("hyperscan") is not None


def engine_name() -> str:
    """The engine that `select_engine` would build, without building it (for --version)."""
    forced = os.environ.get(ENV, "").strip().lower()
    if forced:
        _check(forced)
        return forced
    return "hyperscan" if hyperscan_available() else "re"


def select_engine(structured: Sequence[bytes], names: Sequence[bytes]) -> Engine:
    """Hyperscan where it is installed, `re` otherwise; KMSERR_ENGINE=re|hyperscan forces one."""
    name = engine_name()
    if name == "hyperscan":
        try:
            return HyperscanEngine(structured, names)
        except ImportError as exc:
            raise EngineError(f"{ENV}=hyperscan, but hyperscan cannot be imported ({exc})") from None
    return RegexEngine(structured, names)


def _check(name: str) -> None:
    if name not in ENGINES:
        raise EngineError(f"{ENV}={name!r} is not an engine (choose from {', '.join(ENGINES)})")
    if name == "hyperscan" and not hyperscan_available():
        raise EngineError(f"{ENV}=hyperscan, but hyperscan is not installed")
