"""Two engines behind one interface: find where lines may carry an error, over a whole block.

An engine only pre-selects: it returns positions inside lines that one of the prefilter
patterns hits, and `Extractor.find` decides on those lines. Both engines hit wherever a form
can be (Python's `re` more widely: two coarse patterns for the structured forms, legacy codes
from their `)`, names from pieces of them; Hyperscan a family only where an identifier starts), so
the lines they give the extractor hold the same errors; they differ only in speed. Hyperscan runs every
pattern in one pass; `re` runs one pass per pattern, each fast because each begins with a literal.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from functools import cached_property
from importlib.util import find_spec
from typing import Any, Final, NamedTuple, Protocol

ENGINES: Final = ("hyperscan", "re")
ENV: Final = "KMSERR_ENGINE"


class EngineError(Exception):
    """The engine asked for in KMSERR_ENGINE cannot be used."""


class Candidates(NamedTuple):
    """Where the patterns hit in a block: positions that a line may carry an error at (not yet `Hit`s)."""

    structured: list[int]  # a line with one is a candidate
    names: list[int]  # the literals of code names: where the extractor looks for names
    crowded: list[int]  # lines with more hits than are listed: the extractor looks at all of them
    parens: list[int]  # where legacy codes may start: the only places the extractor tries them
    kinds: list[int] | None  # beside `structured`: which located form hit (None: not known)


# A line with more name or legacy hits than this (a hostile line) is marked crowded instead of
# listed, so that the Python work per line stays bounded whatever the line holds.
NAMES_PER_LINE: Final = 256
STRUCTURED_PER_LINE: Final = 16


class Engine(Protocol):
    name: str

    def candidates(self, buf: bytes, start: int, end: int) -> Candidates:
        """Where the patterns hit in `buf[start:end]`, which holds whole lines."""
        ...


class RegexEngine:
    """One pass of Python's `re` per literal-prefixed pattern (an alternation would be 20x slower).

    Each pass costs the same whatever its literal, so the code names are searched for by the
    fewest short pieces that every name contains (`Opera` for the five `...Operation` families):
    13 passes instead of 33, and a hit inside a name is all the extractor needs.
    """

    name = "re"

    def __init__(self, structured: Iterable[bytes], closing: Iterable[bytes], names: Iterable[bytes]) -> None:
        self._structured = [re.compile(p) for p in structured]
        self._closing = [re.compile(p) for p in closing]
        self._names = [re.compile(re.escape(piece)) for piece in cover(list(names))]

    def candidates(self, buf: bytes, start: int, end: int) -> Candidates:
        hits = Candidates([], [], [], [], None)
        for pattern in self._structured:
            _collect(pattern, buf, start, end, hits.structured, None, STRUCTURED_PER_LINE, once=True)
        # Legacy codes are found from their ")" (a pattern from "(" would try each of 100 MB of "(");
        # the extractor is told where the "(" stands, at most 7 bytes before.
        closing: list[int] = []
        for pattern in self._closing:
            _collect(pattern, buf, start, end, closing, hits.crowded, NAMES_PER_LINE, once=False)
        hits.parens.extend(p for at in closing if (p := _legacy_start(buf, start, at)) >= 0)
        for pattern in self._names:
            _collect(pattern, buf, start, end, hits.names, hits.crowded, NAMES_PER_LINE, once=False)
        return hits


# The heads after which a record's text begins, in the envelopes whose records a long line is cut
# into (CRI's `P`/`F`, Docker's `log`): a legacy code there may have its "(" in the record above.
_RECORD_HEADS: Final = (b" P ", b" F ", b'"log":"')


def _legacy_start(buf: bytes, start: int, at: int) -> int:
    """Where the legacy code whose ")" is at `at` may start: its "(" at most 7 bytes before, in its
    line; else, where its digits begin a cut line's next record, their first digit (the "(" ends the
    record above: the line is read with it); else -1."""
    p = buf.rfind(b"(", max(start, at - 7), at)
    if p >= 0 and buf.find(b"\n", p, at) < 0:
        return p
    digits = at
    while digits > start and at - digits < 7 and 48 <= buf[digits - 1] <= 57:
        digits -= 1
    return digits if 3 <= at - digits <= 6 and buf.endswith(_RECORD_HEADS, max(start, digits - 7), digits) else -1


def _collect(
    pattern: re.Pattern[bytes], buf: bytes, start: int, end: int, found: list[int], crowded: list[int] | None,
    most: int, *, once: bool,
) -> None:
    """One pass of a pattern; after `most` hits in a line the pass goes on from the next line,
    the line marked crowded when given where. With `once`, a line's first hit is the only one kept."""
    line_end, in_line = -1, 0
    pos = start
    while pos < end:
        for match in pattern.finditer(buf, pos, end):
            at = match.start()
            if at > line_end:
                newline = buf.find(b"\n", at, end)
                line_end, in_line = (end if newline < 0 else newline), 0
            in_line += 1
            if in_line > most:
                if crowded is not None:
                    crowded.append(at)
                pos = line_end + 1
                break
            if not once or in_line == 1:
                found.append(at)
        else:
            return


class HyperscanEngine:
    """Every pattern in one pass of Hyperscan, which reports where each match ends.

    A hostile line can hold 100,000 matches; after a few in one line the scan stops and resumes at
    the next line, the line marked crowded, so that one line costs a few calls back into Python.
    """

    name = "hyperscan"

    def __init__(self, located: Sequence[bytes], parens: Sequence[bytes], names: Sequence[bytes]) -> None:
        """`names` are patterns (Prefilter.standalone), not literals: a family only where an identifier starts."""
        import hyperscan

        self._terminated: Any = hyperscan.ScanTerminated
        self._first_paren = len(located)
        self._first_name = len(located) + len(parens)
        self._located, self._others = list(located), [*parens, *names]
        self._all: Any = self._database(hyperscan, [*self._located, *self._others])

    # Two databases for the rest of a line whose scan stopped, built when a hostile line first needs
    # them: not at the start of every run.
    @cached_property
    def _forms(self) -> Any:
        """Which forms the rest of the line holds: each locator reports once."""
        import hyperscan

        return self._database(hyperscan, self._located, hyperscan.HS_FLAG_SINGLEMATCH) if self._located else None

    @cached_property
    def _rest(self) -> Any:
        """The legacy codes and names of the rest of a line crowded with structured hits."""
        import hyperscan

        return self._database(hyperscan, self._others) if self._others else None

    @staticmethod
    def _database(hyperscan: Any, patterns: list[bytes], flags: int = 0) -> Any:
        """Compile the patterns, or load them as compiled by an earlier run (40 ms saved at start).

        Hyperscan trusts a database it loads (a forged one crashes the scan), so only one that the
        cache proves this user's kmserr wrote is loaded: see `cache`."""
        from . import cache

        version = getattr(hyperscan, "__version__", "?")
        key = b"\0".join([str(flags).encode(), *patterns])
        name = f"hyperscan {version} {_digest(key)}"
        blob = cache.load(name, key, kind="hyperscan")
        if isinstance(blob, bytes):
            try:
                database = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
                database.scratch = hyperscan.Scratch(database)
                return database
            except Exception:  # signed by this user, yet unreadable (another build of Hyperscan): compile again
                pass
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(expressions=patterns, ids=list(range(len(patterns))), elements=len(patterns),
                         flags=[flags] * len(patterns))
        cache.store(name, key, hyperscan.dumpb(database), kind="hyperscan")
        return database

    def candidates(self, buf: bytes, start: int, end: int) -> Candidates:
        hits = Candidates([], [], [], [], [])
        lines, names, crowded, parens, kinds = hits
        assert kinds is not None
        # In the rest database, pattern ids start at the first legacy pattern.
        shift = 0
        first_paren, first_name = self._first_paren, self._first_name
        # The line of the last match: where it ends, how many matches of each kind it had.
        line_end, in_line, listed, last = -1, 0, 0, -1
        stop = ""  # why a scan stopped early: "structured" or "crowded"; "" when it ran through
        offset = start - 1
        floor = -1  # a rescan of a line reports only the matches that end at or after this

        def on_match(pattern: int, first: int, to: int, flags: int, context: object) -> bool:
            nonlocal line_end, in_line, listed, last, stop
            pattern += shift
            at = offset + to
            if at < floor:
                return False  # reported by the scan that stopped
            last = at
            if at > line_end:
                newline = buf.find(b"\n", at, end)
                line_end, in_line, listed = (end if newline < 0 else newline), 0, 0
            if pattern < first_paren:
                in_line += 1
                lines.append(at)
                kinds.append(pattern)
                if in_line > STRUCTURED_PER_LINE:
                    stop = "structured"
                    return True  # stop; the rest of the line is scanned for the others alone
                return False
            listed += 1
            if listed > NAMES_PER_LINE:
                crowded.append(at)
                stop = "crowded"
                return True  # stop; the extractor looks at this whole line itself
            if pattern < first_name:
                # Where the legacy code starts: its "(" stands at most 10 bytes before the match's end
                # (Hyperscan could report it, but tracking starts slows every scan down); a code at
                # a record's start has its "(" in the record above: the line is a candidate all the same.
                paren = buf.rfind(b"(", max(0, at - 10), at)
                parens.append(paren if paren >= 0 else at - 1)
            else:
                names.append(at)
            return False

        def on_form(pattern: int, first: int, to: int, flags: int, context: object) -> bool:
            lines.append(offset + to)
            kinds.append(pattern)
            return False

        view = memoryview(buf)
        pos = start
        while pos < end:
            stop, offset, shift, floor = "", pos - 1, 0, -1
            with contextlib.suppress(self._terminated):
                self._all.scan(view[pos:end] if pos or end != len(buf) else buf, match_event_handler=on_match)
            if not stop:
                break
            # The rest of the line is scanned again from the line's start, not from where the scan
            # stopped: a match that ends after that point may begin before it (the name under the
            # structured hit that stopped the scan), and would be cut in two.
            line_start, rest_end, stopped_at = buf.rfind(b"\n", pos, last) + 1 or pos, line_end, last
            if self._forms is not None:  # so that the extractor runs only the forms the line holds
                offset = line_start - 1
                self._forms.scan(view[line_start:rest_end], match_event_handler=on_form)
            if stop == "structured" and self._rest is not None:
                stop, offset, shift, floor = "", line_start - 1, first_paren, stopped_at
                with contextlib.suppress(self._terminated):
                    self._rest.scan(view[line_start:rest_end], match_event_handler=on_match)
            pos = line_end + 1
        return hits


class Guard:
    """Where any of some literals stands in a text, and where one of others stands twice in a line:
    one pass of Hyperscan for them all, which calls back only where one is (most texts: nowhere)."""

    def __init__(self, absent: Sequence[str], once: Sequence[str]) -> None:
        import hyperscan

        patterns = [re.escape(literal.encode("ascii")) for literal in absent]
        patterns += [re.escape(literal.encode("ascii")) + rb"[^\n]*" + re.escape(literal.encode("ascii"))
                     for literal in once]
        self._database: Any = HyperscanEngine._database(hyperscan, patterns)

    def hits(self, data: bytes) -> list[int]:
        """Where the matches in `data` end (one past their last byte), in the order found."""
        found: list[int] = []
        add = found.append

        def on_match(pattern: int, first: int, to: int, flags: int, context: object) -> bool:
            add(to)
            return False

        self._database.scan(data, match_event_handler=on_match)
        return found


def _digest(data: bytes) -> str:
    """A short name for a set of patterns (the cache checks the patterns themselves, whole)."""
    import zlib

    return f"{zlib.crc32(data):08x}-{len(data)}"


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


class Prefilter(NamedTuple):
    """Byte patterns, each starting with a literal, whose hits include every line a form finds.

    The streaming scanner runs them over whole blocks and gives only the lines they hit to
    `Extractor.find`, which decides; so they may hit more than the forms, never less.
    """

    coarse: list[bytes]  # the structured forms, in two cheap passes (for Python's re)
    located: list[tuple[str, bytes]]  # the structured forms one by one (for Hyperscan: one pass)
    parens: list[bytes]  # legacy codes: their hits also say where the only ones can start
    closing: list[bytes]  # the same, found from their ")" (for Python's re, which tries each "(")
    names: list[bytes]  # the literals of code names (plain strings): where names may stand
    standalone: list[bytes]  # the same for Hyperscan, as patterns: families only where an identifier starts


# What may stand before a code name standing alone: the line's start, or any byte but those that
# `_BareCodes` refuses there (a letter, digit, `_`, `.`, `\`, `/`, `-`), or a JSON escape that ends
# with a letter or digit (`\t`, `\n`, `\u003c`): in a Docker `log` or journald `MESSAGE` the name
# is read unescaped, after a tab or a newline. Every scan starts at a line. (`\\tName`, an escaped
# backslash and a `t`, hits too: the extractor, which counts the backslashes, says no.)
_NAME_START: Final = rb"(?:^|[^A-Za-z0-9_.\\/\-]|\\[bfnrt]|\\u[0-9A-Fa-f]{4})"


def prefilter_patterns(names: Iterable[str] = ()) -> Prefilter:
    """The patterns of the forms' locators and of these code names' literals (forms.py holds both)."""
    from .forms import LOCATORS, name_literals, name_starts  # here: --version needs no form compiled

    coarse = [
        rb"ode[\"=:]",  # "code": "Code": code: Code= ErrorCode= code: '...'
        rb"Exception\]message:",  # Java SDK before 3.1.120
        rb"SDKException[(:]",  # the Python SDK's repr; rich's exception line (forms.RICH_WRAPPED)
        rb'"MESSAGE" ?: ?\[',  # journald's MESSAGE as bytes (forms.JOURNALD_BYTES)
    ]
    # (10630) and a letter (any non-ASCII byte may begin one), or a backslash (a JSON string's
    # escape of one, `\u5bc6`, escaped again in an envelope's string): the form checks the rest.
    parens = [rb"\(\d{3}(?:\d{2,3})?\) ?[A-Za-z\x80-\xff\\]",
              # the same at the start of a record's text, its "(" at the end of the record above
              rb'(?: [PF] |"log":")\d{3}(?:\d{2,3})?\) ?[A-Za-z\x80-\xff\\]']
    closing = [rb"\)(?<=[0-9]\)) ?[A-Za-z\x80-\xff\\]"]  # wider: the extractor reads the digits
    names = list(names)
    # Hyperscan checks what stands before a family at no cost, where a flood of `AuthFailure.` would
    # otherwise call back into Python at each one; not before each team code: 2,000 such patterns
    # take 5 s to compile, as literals 0.1 s.
    starts, literals = name_starts(names)
    standalone = [_NAME_START + re.escape(w.encode("ascii")) for w in starts]
    standalone += [re.escape(w.encode("ascii")) for w in literals]
    return Prefilter(coarse, list(LOCATORS.items()), parens, closing, [w.encode("ascii") for w in name_literals(names)],
                     standalone)


def select_engine(prefilter: Prefilter) -> Engine:
    """Hyperscan where it is installed, `re` otherwise; KMSERR_ENGINE=re|hyperscan forces one.

    Hyperscan runs a locator per structured form (one pass whatever their number) and so tells
    which forms a line can hold; Python's re runs two coarse patterns for them all.
    """
    name = engine_name()
    if name == "hyperscan":
        try:
            located = [pattern for _, pattern in prefilter.located]
            return HyperscanEngine(located, prefilter.parens, prefilter.standalone)
        except ImportError as exc:
            raise EngineError(f"{ENV}=hyperscan, but hyperscan cannot be imported ({exc})") from None
    return RegexEngine(prefilter.coarse, prefilter.closing, prefilter.names)


def _check(name: str) -> None:
    if name not in ENGINES:
        raise EngineError(f"{ENV}={name!r} is not an engine (choose from {', '.join(ENGINES)})")
    if name == "hyperscan" and not hyperscan_available():
        raise EngineError(f"{ENV}=hyperscan, but hyperscan is not installed")
