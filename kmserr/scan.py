"""Stream bytes through the extractor: find error lines in blocks, never line by line.

`LineScanner` is push-style: feed it whatever a read returned, in any sizes, and it returns the
complete lines that carry errors. A prefilter engine finds candidate positions over a whole block
in C; only the lines around those positions are decoded and given to `Extractor.find`, which
decides. So every engine selects the same lines, and the cost per byte stays that of the engine.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import accumulate, chain, repeat
from typing import TYPE_CHECKING, Any, BinaryIO, Final, NamedTuple, cast

from .forms import (
    MAX_FOLDS,
    MAX_WRAPPED_LINES,
    NODE_AFTER,
    NODE_BELOW,
    NODE_CONTEXT,
    RICH_HEAD,
    RICH_LOG_MARK,
    WRAPPED_WINDOW,
    Finding,
)
from .matcher import Matcher, matcher_for
from .registry import Registry, default_registry

# core.py, extract.py, envelopes.py and timestamps.py (3 ms of imports) are imported where a line
# needs them: the compiled core's grep of lines it reads all needs none of them.
if TYPE_CHECKING:
    from ._native import Hole, NativeCore, Tails
    from .core import BlockCore, Line, NativeClass, PythonCore, Vouched, VouchedJson
    from .engines import Engine
    from .envelopes import Simple
    from .extract import Extractor
    from .timestamps import Stamp
    from .unwrap import Chains, Unwrapper

# envelopes.AUTO and NONE, written out so that a grep imports envelopes.py only where a line needs
# it (tests/test_startup.py checks that they agree).
AUTO: Final = "auto"
NONE: Final = "none"

BLOCK_SIZE: Final = 1 << 20
# The longest line searched whole: beyond it a line is searched and printed in its first LINE_LIMIT
# bytes, and the rest is read past without being held, so no input makes kmserr hold more than
# about twice this. Real log lines stay far below it (journald cuts at 48 KiB, Docker at 16 KiB).
# At least BLOCK_SIZE: a line inside one read is never cut.
LINE_LIMIT: Final = 64 << 20


class Hit(NamedTuple):
    """A line that carries errors: its number (from 1; 0 when not counted), its bytes without the
    line end, its text (undecodable bytes kept as surrogates), the errors."""

    line_number: int
    line: bytes
    text: str
    findings: tuple[Finding, ...]

    def byte_span(self, finding: Finding) -> tuple[int, int]:
        """Byte offsets of a finding's code within `line`."""
        if self.line.isascii():  # one byte a character: no text of the line's size encoded again
            return finding.start, finding.end
        start = _encoded_length(self.text, 0, finding.start)
        return start, start + _encoded_length(self.text, finding.start, finding.end)

    def stamp(self, now: datetime | None = None, envelope: str = AUTO) -> Stamp | None:
        """The line's time as --summary and --timeline read it: a line read in an envelope has the
        envelope's time when the app's line has none (`now`: the moment a syslog time's year is read against)."""
        if any(f.envelope for f in self.findings):
            return _stamps().envelope(self.line, now, envelope)
        return _stamps().find(self.line, now)


class _Stamps(NamedTuple):
    find: Callable[[bytes, datetime | None], Stamp | None]
    envelope: Callable[[bytes, datetime | None, str], Stamp | None]


@functools.cache
def _stamps() -> _Stamps:
    """How a line's time is read, imported at the first line asked (--summary, --timeline), not at
    start-up, nor at every line (an import statement costs a lookup each time it runs)."""
    from .envelopes import stamp
    from .timestamps import find

    return _Stamps(find, stamp)


def _encoded_length(text: str, start: int, end: int) -> int:
    """The length in bytes of `text[start:end]`, encoded a MiB at a time: a long line is not copied whole."""
    step = 1 << 20
    return sum(len(text[at : min(at + step, end)].encode("utf-8", "surrogateescape")) for at in range(start, end, step))


# A Hit from its fields in order, without its constructor's call (a line's share of a block's hits).
_hit: Final = functools.partial(tuple.__new__, Hit)

# A line Python's core read for plain output alone (`LineScanner.scan_plain`): its bytes, its
# number (0 when not counted), its tail's key (`core.tail_key`).
Keyed = tuple[bytes, int, tuple[object, ...]]

# The longest line the compiled core hands back that Python's block core reads again among others
# (`_read_again` copies them into one block); a longer one is read where it stands, and has that
# core built at once: the full extractor, without the places a prefilter found, read a 256 KB line
# of near-miss names in 3 times an ordinary line's time, an 8 MB one in up to twice.
_AGAIN_MAX: Final = 65536

# The lines the compiled core hands back that a scanner reads with the full extractor before it builds
# Python's block core to read them: a few cost less that way, many more.
_AGAIN_AFTER: Final = 16

# A block's plain output as the compiled core assembled it, how many lines that is, and the lines
# it left to Python: where each goes in that output, its hit, the slot of its tail in the table (-1:
# none), in JSON how its message agrees as the core reads it (-1: not known; `_native.AGREES`); in
# plain output, for a line of several errors, how many slots from its slot on hold their tails.
Assembled = tuple[memoryview, int, list[tuple[int, Hit, int, int]]]


# How many records a cut is moved on past, to the end of a chain of cut records: 64 of a
# runtime's 16 KiB (a line of 1 MiB); a longer chain is cut where this leaves it.
CHAIN_MOST: Final = 64


def chain_end(buf: bytes, floor: int, cut: int, end: int) -> int:
    """Where to cut `buf[floor:end]` at or after the line start `cut` so that no chain of cut records
    is split: a record's findings read the records below it (unwrap.Chains), which a piece's end
    would hide; and where an input is cut depends on the core (`search._warm`, `search._pieces`),
    on -j and on Dask's partitions (`blocks.line_start`)."""
    for _ in range(CHAIN_MOST):
        if not floor < cut < end or not cut_record(buf, buf.rfind(b"\n", floor, cut - 1) + 1 or floor, cut - 1):
            break
        cut = buf.find(b"\n", cut, end) + 1 or end
    return cut


def object_end(buf: bytes, cut: int, end: int) -> int:
    """Where to cut `buf[:end]` at or after the line start `cut` so that no pretty-printed object is
    split (NODE_BELOW lines at most): a code's line reads its object's lines below it, which a
    piece's end would hide (`search._warm`, `search._pieces`); an object's lines but its first and
    last are indented."""
    for _ in range(NODE_BELOW):
        if not cut < end:
            break
        line_end = buf.find(b"\n", cut, end)
        shown, first, _ = _shown(buf, cut, end if line_end < 0 else line_end)  # a terminal's colours before it
        if shown[first : first + 1] not in _INDENT:
            break
        cut = line_end + 1 or end
    return cut


def chain_start(buf: bytes, floor: int, end: int) -> int:
    """Where the chain of cut records that `buf[floor:end]` (whole lines) ends with begins, its last
    record continued by lines not read yet (CHAIN_MOST records at most); `end` when its last line
    is no such record."""
    at = end
    for _ in range(CHAIN_MOST):
        if at <= floor:
            break
        top = buf.rfind(b"\n", floor, at - 1) + 1 or floor
        if not cut_record(buf, top, at - 1):
            break
        at = top
    return at


def wrapped_end(buf: bytes, start: int, cut: int, end: int) -> int:
    """Where to cut `buf[start:end]` at or after the line start `cut` so that rich's wrapped text
    open above it (`open_wrapped`) is not split: past its line with `requestId:`, MAX_WRAPPED_LINES
    lines at most (`search._warm`, `search._pieces`: a piece's last line is read as the end)."""
    if not start < cut < end:
        return cut
    if open_wrapped(buf, max(start, cut - WRAPPED_WINDOW), cut) >= cut:
        return _past_folded(buf, start, cut, end)
    for _ in range(MAX_WRAPPED_LINES):
        line_end = buf.find(b"\n", cut, end)
        if line_end < 0:
            return end
        shown, first, last = _shown(buf, cut, line_end)  # (colours may stand inside the word)
        found = shown.find(b"requestId:", first, last) >= 0
        cut = line_end + 1
        if found or cut >= end:
            break
    return _past_folded(buf, start, cut, end)


def _past_folded(buf: bytes, start: int, cut: int, end: int) -> int:
    """`cut`, moved past the lines below it that complete a request ID that rich folded at the end
    of the line above it (a part of a UUID: RichHandler's column at 80 is narrower than one), each
    one word, MAX_FOLDS at most (`extract._folded_id` reads them)."""
    if not start < cut < end:
        return cut
    above = buf.rfind(b"\n", start, cut - 1) + 1 or start
    shown, first, last = _shown(buf, above, cut - 1)
    if _FOLDED_ID.search(shown, first, last) is None:
        return cut
    for _ in range(MAX_FOLDS):
        line_end = buf.find(b"\n", cut, end)
        if line_end < 0:
            return end
        shown, first, last = _shown(buf, cut, line_end)
        word = shown[first:last].strip(b" \t\r").removeprefix(_BORDER).removesuffix(_BORDER).strip(b" \t")
        if not word or b" " in word:
            break
        cut = line_end + 1
    return cut


def _id_ends(buf: bytes, at: int, end: int) -> bool:
    """Whether a request ID after `at` ends the SDK's text in `buf[:end]`: one whose line is not the
    last, or whose ID rich did not fold onto the lines below (`_past_folded`)."""
    rid = buf.rfind(b"requestId:", at, end)
    if rid < 0:
        return False
    line_end = buf.find(b"\n", rid, end)
    if 0 <= line_end < end - 1:
        return True  # (the lines below it are here)
    return _FOLDED_ID.match(buf, rid, end if line_end < 0 else line_end) is None


# A request ID that rich folded: a part of a UUID that ends its line (padding and a box's border after it).
_FOLDED_ID: Final = re.compile(
    rb"requestId:[0-9a-fA-F][0-9a-fA-F-]{0,34}[ \t\r]*(?:\xe2\x94\x82[ \t\r]*)?$", re.MULTILINE)


def open_wrapped(buf: bytes, start: int, end: int) -> int:
    """Where rich's wrapped text that `buf[start:end]` (whole lines) ends with begins, its request
    ID not read yet (rich's exception line, or the first lines of a RichHandler record whose line
    holds the SDK's mark): `end` when it ends otherwise. A block reader holds it for its next read,
    so that it is read with the lines below it: they say where it ends (`extract.Extractor._rich_wrapped`)."""
    low = max(start, end - WRAPPED_WINDOW)
    if buf.find(_ESC, low, end) >= 0:  # coloured: as a terminal shows it, whose lines are the same
        low = buf.find(b"\n", low - 1, end) + 1 if low > start else low
        shown, _, _ = _shown(buf, low, end)
        lines = shown.count(b"\n")
        if lines != buf.count(b"\n", low, end):
            return end  # (a sequence that holds a newline: no line told apart)
        at = open_wrapped(shown, 0, len(shown))
        if at >= len(shown):
            return end
        for _ in range(shown.count(b"\n", at)):  # as many lines up from the end
            end = buf.rfind(b"\n", low, end - 1) + 1 or low
        return end
    held = end
    for literal in (_RICH_HEAD, _RICH_LOG_MARK):  # rich's exception line (its mark may stand below it), a record's
        at = buf.rfind(literal, low, end)
        if at < 0 or _id_ends(buf, at, end):
            continue
        line = buf.rfind(b"\n", start, at) + 1 or start
        line_end = buf.find(b"\n", at, end)
        if literal is _RICH_HEAD:
            app = app_line(buf, line, end if line_end < 0 else line_end)  # (in a platform's envelope too)
            if app[: max(0, app.find(_RICH_HEAD))].lstrip(b" \t") not in (b"", _BOX):
                continue  # Python's and Java's tracebacks name the class with its module: not rich's
        if rich_head(buf, line, end if line_end < 0 else line_end, start):
            # A record's with its first lines above it (its time and level), which tell its message's column.
            held = min(held, line if literal is _RICH_HEAD else _record_top(buf, start, line))
    # Not between a request ID that rich folded and its rest: that record is read now, whole.
    return _past_folded(buf, start, held, end) if held < end else held


def _record_top(buf: bytes, start: int, line_start: int) -> int:
    """Where the RichHandler record whose line starts at `line_start` begins: its first line (its
    time and level), MAX_RECORD_LINES above at most, else that many lines above (`_record_start`):
    a record above it is not cut."""
    from .extract import MAX_RECORD_LINES

    at = line_start
    for _ in range(MAX_RECORD_LINES + 1):
        line_end = buf.find(b"\n", at)
        line = app_line(buf, at, line_end if line_end >= 0 else len(buf))
        if _record_first(line, 0, len(line)):
            return at
        if at <= start:
            break
        at = buf.rfind(b"\n", start, at - 1) + 1 or start
    return _record_start(buf, start, line_start)


# A line that the lines below it may still complete: a pretty-printed object's code (its message and
# request ID below it), a legacy message (the code of its object or stack below it), bunyan's
# `err.code=` (its message on the stack's first line below). As a line, a plain object's or JSON's
# (`code: '...'`, `"code": "...",` in Docker's `log` too), or a legacy code; a line that is not
# indented only as a record's head (`Error: (10630) ...`, pino-pretty's `ERROR (42): (10630) ...`).
_OPEN_MARK: Final = re.compile(rb"""code\\?"?: \\?['"]|err\.code=|\(\d{3,6}\) \S""")
_OPEN_HEAD: Final = re.compile(rb"err\.code=|(?:Error|Exception|\)): \(\d{3,6}\) \S")


def open_start(buf: bytes, floor: int, end: int) -> int:
    """`_open_start`, not between a request ID that rich folded and its rest (that record is read now, whole)."""
    held = _open_start(buf, floor, end)
    return _past_folded(buf, floor, held, end) if held < end else held


def _open_start(buf: bytes, floor: int, end: int) -> int:
    """Where the lines at the end of `buf[floor:end]` (whole lines) that lines not read yet may
    complete begin: an error of a pretty-printed object or a stack whose other lines have not come
    (`search._blocks` holds them a moment, as a file's block would hold the lines below); `end`
    when there are none: the last line is no head of a record that reads below, or the object of
    the last such line closed (a line of less indentation below it)."""
    at = end  # the first of the indented lines the input ends with, NODE_BELOW at most
    for _ in range(NODE_BELOW):
        up = buf.rfind(b"\n", floor, at - 1) + 1 or floor
        if not floor < at or _indent(buf, up, at - 1) <= 0:
            break
        at = up
    top = buf.rfind(b"\n", floor, at - 1) + 1 or floor if floor < at else at  # the line above them: their head
    if top < end and _rich_open(buf, top, end):
        return top
    if at == end:
        return top if top < end and _OPEN_HEAD.search(buf, top, end) else end
    marked = [buf.rfind(b"\n", top, mark.start()) + 1 or top for mark in _OPEN_MARK.finditer(buf, top, end)]
    if not marked:
        return end
    # The marks' objects closed: a line below the last mark's of less indentation than any mark's
    # (a stack's legacy message stands deeper than its object's properties).
    depth = min(_indent(buf, line, buf.find(b"\n", line, end)) for line in marked)
    below = buf.find(b"\n", marked[-1], end) + 1
    while 0 < below < end:
        stop = buf.find(b"\n", below, end)
        if 0 <= _indent(buf, below, stop) < depth:
            return end
        below = stop + 1
    return top


def _rich_open(buf: bytes, start: int, end: int) -> bool:
    """Whether `buf[start:end]` ends inside the SDK's text that rich wrapped (a RichHandler record's
    message, a traceback's exception line): its head there, the line with its ` requestId:` not yet
    (a repr, `TencentCloudSDKException('...', ...)`, is one line)."""
    buf, start, end = _shown(buf, start, end)  # (a terminal's colours may stand inside the words)
    head = buf.rfind(_SDK_NAME, start, end)
    if head < 0:
        return False
    head += len(_SDK_NAME)
    return buf[head : head + 1] != b"(" and not _id_ends(buf, head, end)


_SDK_NAME: Final = b"TencentCloudSDKException"


def _indent(buf: bytes, start: int, end: int) -> int:
    """The indentation of the app's line `buf[start:end]` (in a CRI record or Docker's `log` too);
    -1 for an empty line."""
    if buf[start : start + 1].isdigit():
        at = buf.find(b" F ", start, min(end, start + 48))
        if at < 0:
            at = buf.find(b" P ", start, min(end, start + 48))
        start = at + 3 if at >= 0 else start
    elif buf.startswith(b'{"log":"', start):
        start += 8
    shown, first, last = _shown(buf, start, end)  # a terminal's colours are no indentation
    text = shown[first:last].rstrip(b"\r")
    if not text or text.startswith(b"\\n"):
        return -1
    return len(text) - len(text.lstrip(b" \t"))


def cut_record(buf: bytes, start: int, end: int) -> bool:
    """Whether the line `buf[start:end]` may be a record continued by the next line: a CRI `P`
    record or a Docker record whose `log` has no `\\n` (envelopes.partial_above's bytes, more
    loosely: a yes only moves a cut on; the envelopes are not imported where the compiled core runs)."""
    first = buf[start : start + 1]
    if first.isdigit():
        return buf.find(b" P ", start, min(end, start + 48)) >= 0
    if first == b"{" and buf.startswith(b'{"log":"', start):
        tail = max(start, end - 512)
        at = buf.rfind(b'","stream":"', tail, end)
        if at < 0:
            at = buf.rfind(b'","time":"', tail, end)
        return at >= 0 and not buf.endswith(b"\\n", tail, at)
    return False


class Carry:
    """The pieces of a line that reads cut, held up to LINE_LIMIT bytes; the rest is let go."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []
        self._size = 0
        self._cut = False

    def __bool__(self) -> bool:
        return bool(self._pieces)

    @property
    def cut(self) -> bool:
        """Whether the line held so far went beyond the limit."""
        return self._cut

    def add(self, piece: bytes) -> None:
        """Hold a piece of the line, or its part within the limit. A line's first piece is kept
        whole: its caller holds it already (`scan_bytes` of a whole buffer is never cut)."""
        room = LINE_LIMIT - self._size
        if len(piece) > room and self._size:
            piece = piece[: max(room, 0)]
            self._cut = True
        if piece:
            self._pieces.append(piece)
            self._size += len(piece)

    def take(self, last: bytes) -> tuple[bytes, bool]:
        """The line, its pieces and `last` joined once (then let go), and whether it was cut."""
        self.add(last)
        line, cut = b"".join(self._pieces), self._cut
        self._pieces, self._size, self._cut = [], 0, False
        return line, cut


def _keyed_lines(
    buf: bytes, vouched: list[Vouched], candidates: list[Line], texts: list[Any],
) -> list[Hit | Keyed]:
    """`LineScanner.scan_plain`'s lines without their numbers: the vouched lines (most of an incident
    log's, made in one comprehension: a quarter less than a loop that also asks for the others at
    each), then the others (a few, all read by `read_texts`) each put in its place."""
    out: list[Hit | Keyed] = [(buf[line_start:line_end], 0, key) for line_start, line_end, key in vouched]
    if not candidates:
        return out
    from bisect import bisect_left
    from operator import itemgetter

    from .core import KEYED  # imported already: Python's core runs

    first = itemgetter(0)
    places = [bisect_left(vouched, line_start, key=first) for line_start, _, _ in candidates]
    # From the last: an insertion moves only the lines after it, whose places are done.
    for place, (line_start, line_end, errors), text in zip(reversed(places), reversed(candidates), reversed(texts),
                                                            strict=True):
        raw = buf[line_start:line_end]
        if errors is KEYED:
            out.insert(place, (raw, 0, cast("tuple[object, ...]", text)))
            continue
        if text is None:
            text = raw.decode("utf-8", "surrogateescape")
            if text[-1:] == "\r":
                text = text[:-1]
        out.insert(place, _hit((0, raw, text, cast("tuple[Finding, ...]", errors))))
    return out


class LineScanner:
    """Turn a byte stream, fed in pieces of any size, into the lines that carry errors."""

    def __init__(
        self, matcher: Matcher | Extractor, engine: Engine | None = None, *, count_lines: bool = True,
        envelope: str = AUTO,
    ) -> None:
        if not isinstance(matcher, Matcher):
            matcher = Matcher.for_extractor(matcher)
        # The block core reads the candidate lines (compiled, or Python's fast path): an engine
        # given must look for the extractor's names.
        self._envelope = check_envelope(envelope)  # the platform envelope lines are read in (envelopes.py)
        self._core: BlockCore = _block_core(matcher, engine, self._envelope)
        self._matcher = matcher
        # Counting newlines is a pass over every byte, as costly as the scan itself: skip it
        # when nobody will read the line numbers (Hit.line_number is then 0).
        self._count_lines = count_lines
        self._carry = Carry()  # pieces of the unfinished last line, never re-joined per block
        self._held = b""  # rich's wrapped text that a piece ended with (`open_wrapped`), and what followed it
        self.cut_line = 0  # the number of the first line cut at LINE_LIMIT, if any (see `Carry`)
        self._line_number = 0  # lines completed so far
        # The end of what was scanned: the lines above a line, where Node's error object begins.
        self._previous = b""
        # Lines still to read below rich's exception line (`TencentCloudSDKException: ...` without its
        # request ID: rich wrapped it), whatever the core says of them: they end the error.
        self._rich_lines = 0
        self._handed_back = 0  # lines the compiled core handed back, read again (`_read_again`)
        self._unwrapper: Unwrapper | None = None  # those of them in simple envelopes (`_unwrap_again`)
        self._chains: Chains | None = None  # records of a cut line, read a window at a time (unwrap.py)

    def feed(self, chunk: bytes) -> list[Hit]:
        """Scan the lines that `chunk` completes; keep its unfinished tail for the next call."""
        return self._feed(chunk, final=False)

    def _feed(self, chunk: bytes, *, final: bool) -> list[Hit]:
        if self._held:
            chunk, self._held = self._held + chunk, b""
        first = chunk.find(b"\n")
        if first < 0:
            self._carry.add(chunk)
            return []
        hits: list[Hit] = []
        start = 0
        if self._carry:
            line, cut = self._carry.take(chunk[:first])
            if not final and not cut and len(line) <= _HOLD_MOST and open_wrapped(line, 0, len(line)) < len(line):
                chunk, first = line + chunk[first:], len(line)  # rich's wrapped text: held below with the rest
            else:
                self._scan_line(hits, line, cut)
                start = first + 1
        last = chunk.rfind(b"\n") + 1
        held = last if final else open_wrapped(chunk, start, last)
        if held < last and len(chunk) - held <= _HOLD_MOST:
            last, self._held = held, chunk[held:]  # read with the lines below it, at the next piece
        if last > start:
            self._scan(chunk, start, last, hits)
        if last < len(chunk) and not self._held:
            self._carry.add(chunk[last:])
        return hits

    def finish(self) -> list[Hit]:
        """Scan the last line when the input does not end with a newline (and rich's wrapped text
        held at the end: nothing more comes below it)."""
        hits = self._feed(b"", final=True) if self._held else []
        if self._carry:
            self._scan_line(hits, *self._carry.take(b""))
        return hits

    def _scan_line(self, hits: list[Hit], line: bytes, cut: bool) -> None:
        """Scan the carried pieces, joined as one whole line (`Carry.take`), never copied again.

        A line longer than a block costs its size twice at most: the pieces while they are
        joined, then the bytes and their decoded text.
        """
        if cut and not self.cut_line:
            self.cut_line = self._line_number + 1
        self._scan(line, 0, len(line), hits)
        if not self._count_lines:
            self._line_number += 1  # counted for `cut_line` even when line numbers are not

    def resume(self, lines_before: int, above: bytes) -> None:
        """Start in the middle of an input: after `lines_before` lines, which end with `above`
        (what Node's error object above a line may need; at most NODE_CONTEXT bytes are kept)."""
        self._line_number = lines_before
        self._previous = above[-NODE_CONTEXT:]
        # rich's exception line may go on in this part: its next lines are read (at worst for nothing).
        self._rich_lines = 0
        if _coloured_head(above, max(len(above) - NODE_CONTEXT, 0), len(above)):
            self._rich_lines = MAX_WRAPPED_LINES

    @property
    def _extractor(self) -> Extractor:
        """The full extractor, for the lines the block core hands back (built at the first)."""
        return self._matcher.extractor

    @property
    def core(self) -> BlockCore:
        """The block core this scanner reads with."""
        return self._core

    @property
    def lines_done(self) -> int:
        """How many lines were scanned so far (counted only with `count_lines`)."""
        return self._line_number

    def scan_lines(self, buf: bytes, start: int, end: int) -> list[tuple[int, Hit]]:
        """The hits of `buf[start:end]`, which holds whole lines (the last may lack its newline only
        at the end of the input), each with the offset in `buf` where its line starts."""
        hits: list[Hit] = []
        starts: list[int] = []
        self._scan(buf, start, end, hits, starts)
        return list(zip(starts, hits, strict=True))

    def scan_hits(self, buf: bytes, start: int, end: int) -> list[Hit]:
        """`scan_lines`' hits alone, without where their lines start (--json's records need none)."""
        hits: list[Hit] = []
        self._scan(buf, start, end, hits)
        return hits

    def scan_plain(self, buf: bytes, start: int, end: int) -> list[Hit | Keyed]:
        """The error lines of `buf[start:end]` (whole lines) for plain output: as `scan_lines`' hits,
        but a common line that Python's core read in a batch as (its bytes, its number, its tail's
        key: `core.tail_key`), with no `Finding` or `Hit` made (`PythonCore.read_texts`' `codes`); a
        line that a form's regex vouches for whole (`PythonCore.vouch`) so too, before any candidate
        is looked for (the engine looks in the block with those lines blanked)."""
        if self._core.name != "python" or self._rich_lines or buf.find(_ESC, start, end) >= 0:
            return [hit for _, hit in self.scan_lines(buf, start, end)]
        from .core import KEYED, blank  # imported already: Python's core runs

        core = cast("PythonCore", self._core)
        vouched = core.vouch(buf, start, end)
        blanked = blank(buf, vouched) if vouched else None
        if blanked is None:
            vouched = []
        candidates, texts = core.read_texts(buf, start, end, codes=True, find_in=blanked, above=self._previous)
        if not all(line[2] for line in candidates):
            # rich's exception line, Node's code line, a record that may continue: their lines are
            # read with those around them, by `_scan` (which reads the block again, keeping findings).
            return [hit for _, hit in self.scan_lines(buf, start, end)]
        if not self._count_lines:
            out = _keyed_lines(buf, vouched, candidates, texts)
            self._done(buf, start, end)
            return out
        out = []
        put = out.append
        counting = self._count_lines
        number = self._line_number
        counted_to = start
        hit = _hit
        # The vouched lines and the others (few), each in its place: the others before a vouched
        # line are put first (they start at different places).
        others = zip(candidates, texts, strict=True)
        other = next(others, None)
        stop = (end + 1, 0, ())
        for line_start, line_end, key in (*vouched, stop):
            while other is not None and other[0][0] < line_start:
                (other_start, other_end, errors), text = other
                if counting:
                    number += buf.count(b"\n", counted_to, other_start)
                    counted_to = other_start
                raw = buf[other_start:other_end]
                if errors is KEYED:
                    put((raw, number + 1 if counting else 0, cast("tuple[object, ...]", text)))
                else:
                    if text is None:
                        text = raw.decode("utf-8", "surrogateescape")
                        if text[-1:] == "\r":
                            text = text[:-1]
                    put(hit((number + 1 if counting else 0, raw, text, errors)))
                other = next(others, None)
            if line_start > end:
                break
            if counting:
                number += buf.count(b"\n", counted_to, line_start)
                counted_to = line_start
            put((buf[line_start:line_end], number + 1 if counting else 0, key))
        self._done(buf, start, end)
        return out

    def scan_json(self, buf: bytes, start: int, end: int) -> tuple[Sequence[Hit | VouchedJson], Sequence[int] | None]:
        """The error lines of `buf[start:end]` (whole lines) for --json: as `scan_hits`' hits, but a
        line that a form's regex vouches for whole, with its one error's message and request ID read
        from the match (`PythonCore.vouch_json`), as its `core.VouchedJson`, with no `Finding` or
        `Hit` made; the engine looks for the other lines' candidates in the block with those lines
        blanked. Beside them, each line's number (None: the hits alone, each with its own)."""
        if self._core.name != "python" or self._rich_lines or buf.find(_ESC, start, end) >= 0:
            return self.scan_hits(buf, start, end), None
        from .core import blank  # imported already: Python's core runs

        core = cast("PythonCore", self._core)
        vouched = core.vouch_json(buf, start, end)
        if not vouched:
            return self.scan_hits(buf, start, end), None
        blanked = blank(buf, vouched)
        if blanked is None:
            return self.scan_hits(buf, start, end), None
        candidates, texts = core.read_texts(buf, start, end, find_in=blanked, above=self._previous)
        if not all(line[2] for line in candidates):
            # rich's exception line, Node's code line, a record that may continue: their lines are
            # read with those around them, by `_scan` (which reads the block again).
            return self.scan_hits(buf, start, end), None
        out: list[Any] = vouched
        counting = self._count_lines
        starts = [line[0] for line in vouched]
        ends = [line[1] for line in vouched] if counting else []
        places: list[int] = []
        if candidates:  # the others (few), each put in its place, from the last (as `_keyed_lines` does)
            from bisect import bisect_left

            places = [bisect_left(starts, line[0]) for line in candidates]
            out = list(vouched)
            for place, line, text in zip(reversed(places), reversed(candidates), reversed(texts), strict=True):
                out.insert(place, (line, text))
                starts.insert(place, line[0])
                if counting:
                    ends.insert(place, line[1])
        # Each line's number: the newlines before it, counted from the end of the line before (no line
        # holds one, and the lines with errors hold most of an incident log's bytes), in C: no loop here.
        numbers: list[int] = [0] * len(out)
        newlines = None  # the block's, for `_done`: those before its last line with an error, and after
        if counting:
            numbers = list(accumulate(map(buf.count, repeat(b"\n"), chain((start,), ends), starts),
                                      initial=self._line_number + 1))
            del numbers[0]
            newlines = numbers[-1] - self._line_number - 1 + buf.count(b"\n", ends[-1], end)
        for index, place in enumerate(places):
            place += index  # (the others before it are in `out` too)
            (line_start, line_end, errors), text = out[place]
            raw = buf[line_start:line_end]
            if text is None:
                text = raw.decode("utf-8", "surrogateescape")
                if text[-1:] == "\r":
                    text = text[:-1]
            out[place] = _hit((numbers[place], raw, text, errors))
        self._done(buf, start, end, newlines)
        return out, numbers

    def _scan(self, buf: bytes, start: int, end: int, hits: list[Hit], starts: list[int] | None = None) -> None:
        """Take the error lines of `buf[start:end]`, which holds whole lines only, from the block core;
        the lines below rich's exception line, up to its request ID, are read whatever it says."""
        counting = self._count_lines
        number = self._line_number
        counted_to = start
        texts: list[str | None] | None = None
        coloured = buf.find(_ESC, start, end) >= 0
        # Whether a RichHandler record may wrap the SDK's text here: its mark without a request ID
        # after it on its line, looked for once a block, when a line the core did not read asks
        # (a look at each line of a block of SDK errors cost 1 us; the look 25 ms a 32 MiB log).
        logged: bool | None = None
        if coloured:
            candidates = self._coloured(buf, start, end)
        elif self._core.name == "python":  # (core.py is not imported where the compiled core runs)
            candidates, texts = cast("PythonCore", self._core).read_texts(buf, start, end, above=self._previous)
        else:
            candidates = self._core.read(buf, start, end)
        if coloured:
            pass  # read again already, where the compiled core handed lines back
        elif self._core.name == "native":
            candidates = self._with_read_again(buf, candidates, start)
        elif not self._rich_lines and self._core.name == "python" and all(line[2] for line in candidates):
            # Python's core read every line, each with an error, none of them rich's exception line
            # (it lists those without findings) and none twice: each is a hit as it stands.
            decode, hit = bytes.decode, _hit
            for (line_start, line_end, errors), text in zip(candidates, texts or [None] * len(candidates), strict=True):
                raw = buf[line_start:line_end]
                if text is None:
                    text = decode(raw, "utf-8", "surrogateescape")
                    if text[-1:] == "\r":
                        text = text[:-1]
                if counting:
                    number += buf.count(b"\n", counted_to, line_start)
                    counted_to = line_start
                hits.append(hit((number + 1 if counting else 0, raw, text, errors)))
                if starts is not None:
                    starts.append(line_start)
            self._done(buf, start, end)
            return
        listed = iter(candidates)
        line = next(listed, None)
        below: list[int] = []  # line starts below rich's exception line
        head = -1  # where rich's exception line starts in this block (-1: in an earlier one)
        if self._rich_lines:
            below, self._rich_lines = _lines_below(buf, start, end, self._rich_lines)
        next_line = start  # lines before this offset are done
        # Python's core lists rich's exception line without findings: a line it read is no such line.
        python = self._core.name == "python"
        decode = bytes.decode
        while line is not None or below:
            findings: tuple[Finding, ...] | None
            if below and (line is None or below[0] <= line[0]):
                line_start, forced, findings = below.pop(0), True, None
                newline = buf.find(b"\n", line_start, end)
                line_end = end if newline < 0 else newline
            else:
                assert line is not None
                (line_start, line_end, findings), forced = line, False
                line = next(listed, None)
            if line_start < next_line:
                continue
            next_line = line_end + 1
            if findings is not None and python:  # read by Python's core: its bytes and text are the hit's
                if not findings:
                    continue
                raw = buf[line_start:line_end]
                text = decode(raw, "utf-8", "surrogateescape")
                read: tuple[bytes, str, tuple[Finding, ...]] = (
                    raw, text[:-1] if text[-1:] == "\r" else text, findings)
            else:
                # rich's exception line (its colours looked through only in a coloured block): its next lines end it
                # (and a RichHandler record's, as a terminal shows it in a block with colours)
                if not forced and ((_coloured_head(buf, line_start, line_end) if coloured
                                    else buf.find(_RICH_HEAD, line_start, line_end) >= 0)
                                   or ((logged := _marks_open(buf, start, end, coloured) if logged is None else logged)
                                       and _rich_head_shown(buf, line_start, line_end, start, self._envelope,
                                                            coloured))):
                    left = _rich_lines_after(buf, line_start, line_end, 0)
                    if not left and buf.find(_RICH_HEAD, line_start, line_end) < 0:
                        # A RichHandler record's: read with its first lines, which may stand above.
                        left = _record_lines_after(buf, line_start, line_end)
                        forced = True
                    below, self._rich_lines = _lines_below(buf, next_line, end, left)
                    head, findings = _record_start(buf, start, line_start), None
                got = self._line(buf, start, line_start, line_end, findings, forced, head, end)
                if got is None:
                    continue  # a candidate without an error (a core may list it)
                read = got
            if counting:
                number += buf.count(b"\n", counted_to, line_start)
                counted_to = line_start
            hits.append(Hit(number + 1 if counting else 0, *read))
            if starts is not None:
                starts.append(line_start)
        self._done(buf, start, end)

    def _line(
        self, buf: bytes, start: int, line_start: int, line_end: int, findings: tuple[Finding, ...] | None,
        forced: bool = False, head: int = -1, end: int = -1,
    ) -> tuple[bytes, str, tuple[Finding, ...]] | None:
        """One line of a block (`buf[start:]`) that the core listed, or one below rich's exception line
        (`forced`; `head`: where that line starts in this block, -1: in an earlier one): its bytes,
        text and findings (those the core gave, else the full extractor's), or None: no error."""
        raw = buf[line_start:line_end]
        text = raw.decode("utf-8", "surrogateescape")
        if text[-1:] == "\r":
            text = text[:-1]
        if findings is None:  # not read by the core: the full extractor, with the lines above it
            from .envelopes import may_continue, partial_above

            # A record of a line cut in several (unwrap.Chains): read in a window of its chain, once.
            chained = not forced and end >= 0 and self._envelope != NONE and may_continue(raw)
            if chained and self._chains is not None:
                known = self._chains.known(buf, start, end, line_start)
                if known is not None:
                    return (raw, text, known) if known else None
            before, after = "", None  # the lines below: not looked at (where a line asks, the block's)
            node = _NODE_CODE in raw or pretty_line(raw)  # core.node_line(None, raw)
            if not node and self._envelope != NONE and raw[:1] in _WRAPPED_FIRST:
                from .envelopes import simple

                record = simple(raw, self._envelope)  # a pretty-printed object's line in an envelope
                node = record is not None and pretty_line(record.inner)
            if not node:  # coloured: `code: \x1b[32m'...'` (util.inspect's colours), in an envelope too
                if b"\x1b" in raw:
                    from .ansi import strip

                    node = "code: '" in strip(text)
                elif b"\\u001b" in raw or b"#033" in raw:  # Docker's, rsyslog's ESC
                    node = b"code: " in raw
                else:  # or in a journald MESSAGE of bytes (journald keeps control characters so)
                    node = raw[:1] == b"{" and any(key in raw for key in _JOURNALD_BYTES)
            cut = not forced and not node and self._envelope != NONE and may_continue(raw) and (
                partial_above(buf, start, line_start) if line_start > start
                else partial_above(self._previous, 0, len(self._previous)))

            def above() -> str:
                """The lines above, as the full extractor reads a line with them."""
                lines = buf[max(start, line_start - NODE_CONTEXT) : line_start]
                return _decode(self._previous + lines if line_start - start < NODE_CONTEXT else lines)

            if chained and not node and (cut or partial_above(buf, line_start, line_end)):
                if self._chains is None:
                    from .unwrap import Chains

                    self._chains = Chains(self._envelope)
                got = self._chains.read(self._extractor, buf, start, end, line_start, line_end, text,
                                        above if cut else str, self._core)
                if got is not None:
                    return (raw, text, got) if got else None
            if forced and head >= 0 and not node:
                before = _decode(buf[max(head, line_start - NODE_CONTEXT) : line_start])  # from rich's line down
            elif forced or node or cut:
                before = above()
            if node and end > line_end:  # a pretty-printed object's lines below, within the block
                after = _decode(buf[line_end + 1 : min(end, line_end + 2 + NODE_AFTER)])
            elif forced or head >= 0:
                # rich's wrapped text: the lines below say where it ends (the block's last line is
                # its end: a block reader holds a block's open wrapped text for the next read).
                after = _decode(buf[line_end + 1 : min(end, line_end + 2 + WRAPPED_WINDOW)]) if end > line_end else ""
            # A line the compiled core read unescaped (SDK text in a JSON string) and handed back
            # only as its spans cannot point at that text: read alone, it needs no extractor. Only
            # a line with an escape, not a long one: the others it declined, and would read again.
            unescaped = getattr(self._core, "read_unescaped", None)
            read = unescaped(buf, line_start, line_end) if (
                unescaped is not None and not before and b"\\" in raw and len(raw) <= _AGAIN_MAX) else None
            findings = read if read is not None else \
                tuple(self._extractor.find(text, before=before, envelope=self._envelope, after=after))
        return (raw, text, findings) if findings else None

    def _done(self, buf: bytes, start: int, end: int, newlines: int | None = None) -> None:
        """Count the lines of a block searched (its `newlines`, when the compiled core counted
        them), and keep its end for the lines above the next one."""
        if self._count_lines:
            if newlines is None:
                newlines = buf.count(b"\n", start, end)
            self._line_number += newlines + (0 if buf.endswith(b"\n", start, end) else 1)
        self._previous = lines_above(self._previous, buf, start, end)

    def assemble(
        self, buf: bytes, start: int, end: int, tails: Tails, prefix: bytes = b"", *, show_numbers: bool = False,
        count_only: bool = False, json: bool = False,
    ) -> Assembled | None:
        """grep's plain output of the error lines of `buf[start:end]` (whole lines), assembled by the
        compiled core where `tails` holds their tails (`NativeCore.assemble`), and the lines it left:
        each with where it goes in that output, its Hit, and the slot of its tail (-1: none). None:
        this block is not assembled (not the compiled core, rich's exception line in it or above
        it): search it with `scan_lines`. With `count_only` nothing is written: the count is that of
        the lines the core read with an error (grep -c), and the lines left are those it did not read.
        With `json` the lines are JSON Lines records, `prefix` their `{"file": ...` part. The output
        is a view of the table's buffer, valid until its next call."""
        assemble = getattr(self._core, "assemble", None)
        if assemble is None or self._rich_lines or buf.find(_ESC, start, end) >= 0:
            return None
        got = assemble(buf, start, end, tails, prefix, count=self._count_lines, show_numbers=show_numbers,
                       lines_before=self._line_number, count_only=count_only, json=json,
                       unwrap=self._envelope == AUTO and _unwrap())
        if got is None:
            return None
        data, written, holes, newlines = got
        if not json and not count_only:
            holes = [self._crowded(buf, hole) for hole in holes]
        unread = [(line_start, line_end) for _, line_start, line_end, _, _, _, findings in holes if findings is None]
        again = self._read_again(buf, unread, start) if unread else {}
        left: list[tuple[int, Hit, int, int]] = []
        for offset, line_start, line_end, number, slot, agrees, findings in holes:
            if findings is None:
                findings = again.get(line_start, ())  # not listed by Python's core: no error
            elif findings and buf[line_start : line_start + 1].isdigit() and self._envelope == AUTO:
                findings = _in_cri(buf[line_start:line_end], findings)
            read = self._line(buf, start, line_start, line_end, findings, end=end)
            if read is not None:
                left.append((offset, Hit(number, *read), slot, agrees))
        self._done(buf, start, end, newlines)
        return data, written, left

    def _crowded(self, buf: bytes, hole: Hole) -> Hole:
        """A hole of plain output that is a line of several errors the core read (its slots' count
        where JSON's agreement stands, 2 or more) with the findings the core read it with, asked for
        alone (`read` gives several a line): Python need not read its hundred errors again."""
        offset, line_start, line_end, number, slot, count, findings = hole
        if findings is not None or count < 2:
            return hole
        read = cast("NativeCore", self._core).read(buf, line_start, line_end)
        if len(read) == 1 and read[0][0] == line_start and read[0][2] is not None and len(read[0][2]) == count:
            return offset, line_start, line_end, number, slot, count, read[0][2]
        return hole

    def _coloured(self, buf: bytes, start: int, end: int) -> list[Line]:
        """The candidate lines of a block coloured for a terminal (ansi.py), read as the terminal
        shows them: the block without its colours is read by the block core (its reading of the
        coloured bytes would miss a literal that a colour cuts: rich's `co\x1b[1;92mde:C\x1b[0mlient...`),
        and its findings placed back in each line; a line it hands back is the full extractor's,
        which reads it so too."""
        from .ansi import strip_bytes, uncolour

        plain = strip_bytes(buf[start:end])  # its newlines kept: its Nth line is the block's
        if self._core.name == "python":
            listed = cast("PythonCore", self._core).read_texts(plain, 0, len(plain), above=self._previous)[0]
        else:
            listed = self._with_read_again(plain, self._core.read(plain, 0, len(plain)), 0)
        lines: list[Line] = []
        at, plain_at = start, 0
        for line_start, _, findings in listed:
            for _ in range(plain.count(b"\n", plain_at, line_start)):
                at = buf.find(b"\n", at, end) + 1
            plain_at = line_start
            newline = buf.find(b"\n", at, end)
            line_end = end if newline < 0 else newline
            if findings:
                text = buf[at:line_end].decode("utf-8", "surrogateescape")
                spans = uncolour(text[:-1] if text[-1:] == "\r" else text)
                findings = tuple([f._replace(start=first, end=last) for f in findings
                                  for first, last in (spans.place(f.start, f.end),)])
            lines.append((at, line_end, findings))
        return lines

    def _with_read_again(self, buf: bytes, lines: list[Line], start: int) -> list[Line]:
        """The compiled core's lines, those it handed back read again by Python's block core (`_read_again`)."""
        unread = [(line_start, line_end) for line_start, line_end, findings in lines if findings is None]
        if not unread:
            return lines
        again = self._read_again(buf, unread, start)
        return [(start, end, again.get(start, ()) if findings is None else findings) for start, end, findings in lines]

    def _read_again(
        self, buf: bytes, lines: list[tuple[int, int]], start: int,
    ) -> dict[int, tuple[Finding, ...] | None]:
        """The lines the compiled core handed back, read by Python's block core (its fast path, the
        common forms in JSON-lines records among them), all in one block: their findings by line
        start, or None where that core hands a line back too (the full extractor reads it, with
        the lines above it). A line not in the result holds no error. The first _AGAIN_AFTER
        lines of a scanner are all None: the full extractor reads them. `start`: where the block
        begins in `buf` (a record there may continue one cut above it, in the block before)."""
        # By the engine asked for too (engines.ENV, read without importing engines.py): the matcher
        # outlives a change of it (tests), and its engine is one of each.
        key = ("read again", os.environ.get("KMSERR_ENGINE", "").strip().lower(), self._envelope)
        python = self._matcher.cores.get(key)
        short = [(line_start, line_end) for line_start, line_end in lines if line_end - line_start <= _AGAIN_MAX]
        found: dict[int, tuple[Finding, ...] | None] = {}
        if len(short) < len(lines) and not _long_lines_hinted():
            found = {line_start: None for line_start, line_end in lines if line_end - line_start > _AGAIN_MAX}
            lines = short
        if self._envelope != NONE and self._core.name == "native":
            unwrapped, lines = self._unwrap_again(buf, lines, start)
            found.update(unwrapped)
            short = [(line_start, line_end) for line_start, line_end in lines if line_end - line_start <= _AGAIN_MAX]
        if self._envelope != NONE:
            # A record a cut one above continues is the full extractor's, with the lines above it:
            # joined among others, Python's core would see another line above it.
            from .envelopes import may_continue, partial_above

            cut = {line for line in lines if may_continue(buf[line[0] : line[0] + 64])
                   and (partial_above(buf, start, line[0]) if line[0] > start
                        else partial_above(self._previous, 0, len(self._previous)))}
            if cut:
                found.update(dict.fromkeys([line_start for line_start, _ in cut], None))
                lines = [line for line in lines if line not in cut]
                short = [line for line in short if line not in cut]
        if python is None:
            # The first few go to the full extractor (`_line`), which that core agrees with: an
            # incident log's compiled core hands back a line or two, and Python's core needs an
            # engine (Hyperscan's import and database) and its patterns compiled, 8 ms of start-up.
            self._handed_back += len(lines)
            if self._handed_back <= _AGAIN_AFTER and len(short) == len(lines):
                return found | dict.fromkeys([line_start for line_start, _ in lines])
            from .core import PythonCore

            python = self._matcher.cores[key] = PythonCore(self._extractor, self._matcher.engine,
                                                           envelope=self._envelope)
        if short:
            joined = b"\n".join([buf[line_start:line_end] for line_start, line_end in short]) + b"\n"
            where: dict[int, int] = {}
            at = 0
            for line_start, line_end in short:
                where[at] = line_start
                at += line_end - line_start + 1
            found.update((where[at], findings) for at, _, findings in python.read(joined, 0, len(joined)))
        if len(short) < len(lines):
            for line_start, line_end in lines:
                if line_end - line_start > _AGAIN_MAX:  # where it stands: a long line is not copied
                    found.update((at, findings) for at, _, findings in python.read(buf, line_start, line_end))
        return found

    def _unwrap_again(
        self, buf: bytes, lines: list[tuple[int, int]], start: int,
    ) -> tuple[dict[int, tuple[Finding, ...] | None], list[tuple[int, int]]]:
        """The lines the compiled core handed back that are simple records (`unwrap.Unwrapper`), read
        by it unwrapped, in a block of their own: their findings by line start (a line not there
        holds no error), and the lines left to read as before (those it hands back again among them)."""
        from .unwrap import Unwrapper, joined  # not core.py: a few lines handed back need no engine

        if not _unwrap():
            return {}, lines
        unwrapper = self._unwrapper
        if unwrapper is None:
            unwrapper = self._unwrapper = Unwrapper(lambda: self._extractor, self._envelope)
        wrapped: list[tuple[int, int, Simple]] = []
        left: list[tuple[int, int]] = []
        for line_start, line_end in lines:
            record = unwrapper.record(buf[line_start:line_end], buf, start, line_start, self._previous)
            if record is None:
                left.append((line_start, line_end))
            else:
                wrapped.append((line_start, line_end, record))
        if not wrapped:
            return {}, lines
        block, where = joined([record for _, _, record in wrapped])
        found: dict[int, tuple[Finding, ...] | None] = {}
        for at, _, findings in self._core.read(block, 0, len(block)):
            line_start, line_end, record = wrapped[where[at]]
            placed = unwrapper.placed(buf[line_start:line_end], record, findings) if findings is not None else None
            if placed is None:
                left.append((line_start, line_end))  # read as before
            else:
                found[line_start] = placed
        left.sort()
        return found, left


def _unwrap() -> bool:
    """`core.UNWRAP` (tests turn it off), read without importing core.py where it is not."""
    core = sys.modules.get("kmserr.core")
    return core is None or bool(getattr(core, "UNWRAP", True))


def _in_cri(raw: bytes, findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """The findings of a line the compiled core assembled, named with its envelope where it read a
    simple CRI record's text (native/src/envelope.rs: its findings are the line's, unnamed)."""
    if raw.find(b" std", 19, 48) < 0:  # no CRI stream after a time: envelopes.py (and json) not imported
        return findings
    from .envelopes import CRI, simple

    record = simple(raw)
    if record is None or record.kind != CRI:
        return findings
    return tuple([f._replace(envelope=CRI) for f in findings])


def _long_lines_hinted() -> bool:
    """Whether Python's block core reads a long line handed back, with the places its prefilter
    finds: with Hyperscan. With `re` the prefilter's regex over a long line costs more than the full
    extractor's own reading (a 256 KB line of near-miss names with 2,000 team codes: 11.5 ms against
    2.9, an ordinary one 3.4 ms against 1.9)."""
    from .engines import engine_name

    return engine_name() == "hyperscan"


def check_envelope(envelope: str) -> str:
    """`envelopes.check`, without importing envelopes.py for the two names every grep may give."""
    if envelope in (AUTO, NONE):
        return envelope
    from .envelopes import check

    return check(envelope)


def native_class() -> NativeClass | None:
    """The compiled core's class, if it built and loaded and KMSERR_NO_EXTENSIONS does not turn it
    off; here, not in core.py, so that a grep on it imports no core.py (nor what that imports, 3 ms)."""
    if os.environ.get(NO_EXTENSIONS):
        return None
    try:
        from . import _native
    except ImportError:  # pragma: no cover - a copy of kmserr without its loader
        return None
    try:
        loaded: NativeClass | None = _native.load()
    except Exception:  # a library that does not load (another platform's, a broken build): Python runs
        return None
    return loaded


NO_EXTENSIONS: Final = "KMSERR_NO_EXTENSIONS"  # set (to anything but ""): pure Python, as aio-libs do


def _block_core(matcher: Matcher, engine: Engine | None, envelope: str) -> BlockCore:
    """`core.block_core`: the compiled core's own here (under core.block_core's key, so that both
    build it once per matcher), all the others there."""
    native = native_class() if engine is None and envelope in (AUTO, NONE) else None
    if native is None:
        from .core import block_core

        return block_core(matcher, engine, envelope)
    key = (native,)
    built = matcher.cores.get(key)
    if built is None:
        built = matcher.cores[key] = native.from_matcher(matcher)
    return built


def lines_above(previous: bytes, buf: bytes, start: int, end: int) -> bytes:
    """The last NODE_CONTEXT bytes of what was read, `previous` then the whole lines of
    `buf[start:end]`: what Node's error object above the next line may need. A block may end
    without its newline (the input's last line, or a long line, Search._blocks): it is added."""
    ended = b"" if buf.endswith(b"\n", start, end) else b"\n"
    return (previous + buf[max(start, end - NODE_CONTEXT) : end] + ended)[-NODE_CONTEXT:]


_NODE_CODE: Final = b"code: '"  # core._NODE_CODE (tests/test_startup.py checks): core.py is not imported for it


def pretty_line(raw: bytes) -> bool:
    """Whether a line may be one of a pretty-printed object's that is read with the lines around it
    (extract._in_pretty_objects): indented, a JSON code (`    "code": "X",`, a stack's last frame
    `    at ... {"code":"X"}`) or a legacy code (`  message: '(10630) ...'`, pino-pretty's stack line
    `      Error: (10630) ...`); or a record's first line with bunyan's `err.code=`, a stack's header
    or pino-pretty's record line with a legacy message (`Error: (10630) ...`, `ERROR (42): (10630)`)."""
    if raw[:1] in _INDENT:
        return b'"code":' in raw or _PRETTY_LEGACY.search(raw) is not None
    if b": (" in raw and (b"Error: (" in raw or b"Exception: (" in raw or (raw[:1] == b"[" and b"): (" in raw)):
        return True  # one search of most lines for the three headers
    return b"err.code=" in raw


_INDENT: Final = (b" ", b"\t")
_WRAPPED_FIRST: Final = frozenset(bytes([c]) for c in b"{0123456789")  # Docker's record, CRI's
_PRETTY_LEGACY: Final = re.compile(rb"\([0-9]{3}")
_HOLD_MOST: Final = 1 << 20  # bytes a scanner holds at most for rich's wrapped text (`LineScanner.feed`)
_BOX: Final = "\u2502 ".encode()  # rich's box, before a line's content (extract._box_content)
_BORDER: Final = "\u2502".encode()
_RICH_HEAD: Final = RICH_HEAD.encode()  # a line below rich's exception line may continue it: read it with them
_RICH_LOG_MARK: Final = RICH_LOG_MARK.encode()  # and a RichHandler record's (`rich_head`)
# A journald MESSAGE of bytes (forms.LOCATORS[JOURNALD_BYTES]: `"MESSAGE" ?: ?\[`).
_JOURNALD_BYTES: Final = (b'"MESSAGE":[', b'"MESSAGE": [', b'"MESSAGE" :[', b'"MESSAGE" : [')
_ESC: Final = b"\x1b"  # a terminal's colours (ansi.py): a block with them is read by `_coloured`


def _shown(buf: bytes, start: int, end: int) -> tuple[bytes, int, int]:
    """The line `buf[start:end]` as a terminal shows it (ansi.py): itself, or a copy without its colours."""
    if buf.find(_ESC, start, end) < 0:
        return buf, start, end
    from .ansi import strip_bytes

    shown = strip_bytes(buf[start:end])
    return shown, 0, len(shown)


def _coloured_head(buf: bytes, start: int, end: int) -> bool:
    """Whether a coloured line is rich's exception line once its colours are gone (ansi.py)."""
    shown, start, end = _shown(buf, start, end)
    return shown.find(_RICH_HEAD, start, end) >= 0


def _marks_open(buf: bytes, start: int, end: int, coloured: bool) -> bool:
    """`rich_marks_open` of a block as a terminal shows it (a colour may stand inside the mark)."""
    if not coloured:
        return rich_marks_open(buf, start, end)
    from .ansi import strip_bytes

    shown = strip_bytes(buf[start:end])
    return rich_marks_open(shown, 0, len(shown))


def _rich_head_shown(buf: bytes, start: int, end: int, block: int, envelope: str, coloured: bool) -> bool:
    """`rich_head` of a line of a block as a terminal shows it, with the lines above it so: a
    RichHandler record in a block with a terminal's colours (its own, or another line's)."""
    if not coloured:
        return rich_head(buf, start, end, block, envelope)
    from .ansi import strip_bytes

    low = max(block, start - WRAPPED_WINDOW)
    if low > block:
        low = buf.find(b"\n", low - 1, start) + 1 or start  # (a whole line first)
    above = strip_bytes(buf[low:start])
    shown = above + strip_bytes(buf[start:end])
    return rich_head(shown, len(above), len(shown), 0, envelope)


def rich_marks_open(buf: bytes, start: int, end: int) -> bool:
    """Whether a line of `buf[start:end]` holds the SDK's mark (RICH_LOG_MARK) without a request ID
    after it: only then may a RichHandler record have wrapped the SDK's text (`rich_head`)."""
    return buf.find(_RICH_LOG_MARK, start, end) >= 0 and _open_mark().search(buf, start, end) is not None


@functools.cache
def _open_mark() -> re.Pattern[bytes]:
    """RICH_LOG_MARK without `requestId:` after it on its line (forms.rich_log_marked's, in bytes)."""
    import re

    return re.compile(re.escape(_RICH_LOG_MARK) + rb"(?![^\n]*requestId:)")


def rich_head(buf: bytes, start: int, end: int, block: int = 0, envelope: str = AUTO) -> bool:
    """Whether a line is rich's exception line, or the first with the SDK's text of a RichHandler
    record that wrapped it (`logger.exception("...: %s", e)`): the record's first line (its time and
    level), or a line indented to its message below it within MAX_RECORD_LINES, with the SDK's mark
    (RICH_LOG_MARK) and no request ID after it on a line from the record's first to this one, within
    `buf[block:]` (`extract._rich_log_record` decides, with the lines around). Only an indented line
    looks back: a time or a record's `{` first is neither. Each line is the app's that a platform's
    envelope holds (`app_line`: rich in a container, read from a CRI file or `kubectl logs`)."""
    if buf.find(_RICH_HEAD, start, end) >= 0:
        return True
    line = app_line(buf, start, end, envelope)
    if not line.startswith(b" ") and _RICH_LOG_MARK not in line:
        return False
    near = max(block, start - WRAPPED_WINDOW)  # the mark on this line or the lines above it
    if line.startswith(b" ") and start > block and buf.find(_RICH_LOG_MARK, near, end) >= 0 \
            and (_wrapper_head(buf, block, start, end, envelope) or _folded_head(buf, block, start, end, envelope)):
        return True
    from .extract import MAX_RECORD_LINES

    lines, at = [line], start
    for _ in range(MAX_RECORD_LINES + 1):  # up to the record's first line, by bytes alone
        if _record_first(line, 0, len(line)):
            break
        if at <= block or not line.startswith(b" "):
            return False
        line_end = at - 1
        at = buf.rfind(b"\n", block, line_end) + 1 or block
        line = app_line(buf, at, line_end, envelope)
        lines.append(line)
    else:
        return False
    record = b"\n".join(reversed(lines))
    mark = record.find(_RICH_LOG_MARK)
    if mark < 0:
        return False
    mark_end = record.find(b"\n", mark)
    return record.find(b"requestId:", mark, len(record) if mark_end < 0 else mark_end) < 0


def _wrapper_head(buf: bytes, block: int, start: int, end: int, envelope: str) -> bool:
    """Whether the line `buf[start:end]` is of rich's exception line of a class that wraps the SDK's
    text (extract._rich_wrapper): that line, below a traceback's box, begins with a class's name,
    and the SDK's mark, with no request ID after it on its line, stands on it or below, down to
    this line (MAX_RECORD_LINES at most, each an app's line in a platform's envelope too)."""
    from .extract import MAX_RECORD_LINES

    lines: list[bytes] = []
    at, line_end = start, end
    for _ in range(MAX_RECORD_LINES):
        line = app_line(buf, at, line_end, envelope)
        content = _content(line)
        if not content or at <= block:
            return False
        lines.append(content)
        above = buf.rfind(b"\n", block, at - 1) + 1 or block
        above_line = app_line(buf, above, at - 1, envelope)
        above_content = _content(above_line)
        indent, above_indent = _spaces(line), _spaces(above_line)
        # Below rich's box, or below Python's own traceback's source line, indented deeper (RichHandler's column).
        if above_content.startswith(_BOX_BOTTOM) or (0 < indent < above_indent and above_content
                                                     and not line.startswith(_BOX, indent)):
            if _WRAPPER_HEAD.match(content) is None or content.startswith(_RICH_HEAD):
                return False
            text = b"\n".join(reversed(lines))
            mark = text.find(_RICH_LOG_MARK)
            mark_end = text.find(b"\n", mark)
            return mark > 0 and text.find(b"requestId:", mark, len(text) if mark_end < 0 else mark_end) < 0
        at, line_end = above, at - 1
    return False


def _folded_head(buf: bytes, block: int, start: int, end: int, envelope: str) -> bool:
    """Whether the line `buf[start:end]` is of Python's own exception line of the SDK's class whose
    module and name RichHandler folded at its column, no line holding the whole RICH_HEAD
    (extract._folded_name): the SDK's mark, no request ID after it on its line, on this line or
    one of MAX_RECORD_LINES above, below MAX_FOLDS one-word lines that end the class's name."""
    from .extract import MAX_RECORD_LINES

    at, line_end = start, end
    for _ in range(MAX_RECORD_LINES):
        content = _content(app_line(buf, at, line_end, envelope))
        if not content or at <= block:
            return False
        mark = content.find(_RICH_LOG_MARK)
        above = buf.rfind(b"\n", block, at - 1) + 1 or block
        if mark >= 0:
            name = content[:mark].rstrip(b" ")
            if b"requestId:" in content[mark:] or b" " in name or (name and not name.endswith(b":")):
                return False
            for _ in range(MAX_FOLDS):
                piece = _content(app_line(buf, above, at - 1, envelope))
                if not piece or b" " in piece or at <= block:
                    return False
                name = piece + name
                if _FOLDED_CLASS.fullmatch(name):
                    return True
                at = above
                above = buf.rfind(b"\n", block, at - 1) + 1 or block
            return False
        at, line_end = above, at - 1
    return False


_FOLDED_CLASS: Final = re.compile(rb"[A-Za-z_][\w.]{0,200}\.TencentCloudSDKException:")


def _spaces(line: bytes) -> int:
    """How many blanks a line begins with."""
    return len(line) - len(line.lstrip(b" "))


def _content(line: bytes) -> bytes:
    """A line of rich's output without its indentation and a box's border (extract._box_content)."""
    return line.lstrip(b" ").removeprefix(_BOX).lstrip(b" ").rstrip(b" \t\r")


_WRAPPER_HEAD: Final = re.compile(rb"[A-Za-z_][\w.]*: ")
_BOX_BOTTOM: Final = "\u2570".encode()  # rich's traceback box's last line: `╰───╯`


def app_line(buf: bytes, start: int, end: int, envelope: str = AUTO) -> bytes:
    """The app's line that the line `buf[start:end]` is: itself, or what a platform's record of it
    holds (a CRI or Docker record, `kubectl logs --prefix --timestamps`, syslog: envelopes.open_line),
    so that rich's shape is seen in a container's log as in a terminal's."""
    raw = buf[start:end]
    if envelope == NONE or raw[:1] not in ENVELOPE_FIRST_BYTES:
        return raw
    from .envelopes import open_line

    record = open_line(raw.decode("utf-8", "surrogateescape"), envelope)
    return raw if record is None else record.text.encode("utf-8", "surrogateescape")


# The first bytes of a line that a platform's envelope may hold (envelopes.WRAP_FIRST: its JSON
# record, `<PRI>`, kubectl's `[pod/`, a time, a month; tests/test_startup.py checks they agree).
ENVELOPE_FIRST: Final = "{<[\x1e0123456789JFMASOND"
ENVELOPE_FIRST_BYTES: Final = frozenset(ENVELOPE_FIRST.encode()[i : i + 1] for i in range(len(ENVELOPE_FIRST)))


# RichHandler's levels, padded to 8 columns and a blank (forms.RICH_LOG_RECORD).
_LEVELS: Final = tuple(
    level.ljust(8) + b" " for level in (b"CRITICAL", b"ERROR", b"WARNING", b"INFO", b"DEBUG", b"NOTSET"))


def _record_first(buf: bytes, start: int, end: int) -> bool:
    """Whether `buf[start:end]` begins as a RichHandler record's first line (forms.RICH_LOG_RECORD):
    its time in brackets, or blanks, then its level; by bytes alone (the lines of a crowd of indented
    SDK texts are each looked at so)."""
    at = start
    if buf.startswith(b"[", at):
        close = buf.find(b"] ", at, min(end, at + 66))
        if close < 0:
            return False
        at = close + 1
    head = buf[at : min(end, at + 96)]
    return head.lstrip(b" ").startswith(_LEVELS)


def _record_start(buf: bytes, start: int, line_start: int) -> int:
    """Where the lines to read with rich's line at `line_start` begin: MAX_RECORD_LINES above it
    (a RichHandler record's first lines), within the block."""
    from .extract import MAX_RECORD_LINES

    at = line_start
    for _ in range(MAX_RECORD_LINES):
        if at <= start:
            return start
        at = buf.rfind(b"\n", start, at - 1) + 1 or start
    return at


def _rich_lines_after(raw: bytes, start: int, end: int, left: int) -> int:
    """The lines still to read below the line `raw[start:end]` (`left` were, above it): MAX_WRAPPED_LINES
    after rich's exception line without its request ID, none after a line with one."""
    raw, start, end = _shown(raw, start, end)
    if raw.find(_RICH_HEAD, start, end) >= 0:
        return 0 if raw.find(b"requestId:", start, end) >= 0 else MAX_WRAPPED_LINES
    if left and raw.find(b"requestId:", start, end) >= 0:
        return 0
    return max(left - 1, 0)


def _record_lines_after(buf: bytes, start: int, end: int) -> int:
    """The lines to read below a RichHandler record's line that holds the SDK's text (`rich_head`):
    MAX_WRAPPED_LINES up to its request ID, none when it is on this line."""
    return 0 if buf.find(b"requestId:", start, end) >= 0 else MAX_WRAPPED_LINES


def _lines_below(buf: bytes, start: int, end: int, left: int) -> tuple[list[int], int]:
    """The starts of the next `left` lines of `buf[start:end]`, up to the first with a request ID (the
    end of a wrapped exception line), and how many are left to read in the next block."""
    starts: list[int] = []
    at = start
    while left and at < end:
        newline = buf.find(b"\n", at, end)
        line_end = end if newline < 0 else newline
        if _coloured_head(buf, at, line_end):
            return starts, 0  # another exception line: a candidate, which reads its own next lines
        line = app_line(buf, at, line_end)
        if _record_first(line, 0, len(line)):
            return starts, 0  # another RichHandler record: it ends the text (a flood of heads read once each)
        starts.append(at)
        left = _rich_lines_after(buf, at, line_end, left)
        at = line_end + 1
    return starts, left


def _decode(data: bytes) -> str:
    """Text of bytes as grep reads them (undecodable bytes kept as surrogates, line ends as `\n`)."""
    text = data.decode("utf-8", "surrogateescape")
    # Looked for first: replace() costs twice the decoding even when there is nothing to replace.
    return text.replace("\r\n", "\n") if "\r" in text else text


def _matcher(extractor: Extractor | Matcher | None, registry: Registry | None) -> Matcher:
    """The matcher a scan runs: the given one, one around the given extractor, else the registry's."""
    if isinstance(extractor, Matcher):
        return extractor
    if extractor is not None:
        return Matcher.for_extractor(extractor)  # its engine looks for the extractor's names too
    return matcher_for(registry or default_registry())


def scan_bytes(
    data: bytes, extractor: Extractor | Matcher | None = None, engine: Engine | None = None,
    *, registry: Registry | None = None, envelope: str = AUTO,
) -> list[Hit]:
    """Return the error lines of a whole buffer: those of `registry`'s codes (kmserr's own catalogue
    by default), or of a given matcher or extractor; lines in `envelope` unwrapped (envelopes.py)."""
    matcher = _matcher(extractor, registry)
    scanner = LineScanner(matcher, engine, envelope=envelope)
    return scanner.feed(data) + scanner.finish()


def scan_stream(
    stream: BinaryIO | int, extractor: Extractor | Matcher | None = None, engine: Engine | None = None,
    block_size: int = BLOCK_SIZE, *, registry: Registry | None = None, envelope: str = AUTO,
) -> Iterator[list[Hit]]:
    """Yield the hits of each read, as soon as it is read; an empty list means "nothing yet".

    Reads what the object gives, with `read1` where it has one (a buffered file or pipe returns
    what it holds instead of waiting for a full block, so that a live stream is seen at once; lines
    it buffered already, after a `readline`, are not skipped), else `read` (`gzip.open`, `BytesIO`,
    a raw file). A descriptor given as an int is read with `os.read`.
    """
    read: Callable[[int], bytes]
    if isinstance(stream, int):
        read = functools.partial(os.read, stream)
    else:
        read = cast("Callable[[int], bytes]", getattr(stream, "read1", None) or stream.read)
    matcher = _matcher(extractor, registry)
    scanner = LineScanner(matcher, engine, envelope=envelope)
    while True:
        chunk = read(block_size)
        if not chunk:
            break
        yield scanner.feed(chunk)
    yield scanner.finish()
