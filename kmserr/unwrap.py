"""Lines in a simple platform envelope, read by a block core's fast paths as the full extractor reads them.

The full extractor reads a line in an envelope (envelopes.py) by unwrapping it, reading the app's
line, and placing each finding back in the line, named with its envelope: some 145 us a line, on
either core, where the app's own line costs a few. A simple record (`envelopes.simple`: a CRI `F`
line, dockerd's compact record of a whole line, a syslog line with `<PRI>` or a month first, a
journald entry whose MESSAGE is one line, below no cut record) unwraps to one line of bytes: a
block core reads a block of those (its batches, fast path or compiled reader) and the findings are
placed here (`Unwrapper.placed`). The first line of each (envelope, tails) is read by the full
extractor too, which must agree, else that envelope's lines are left to it again. The compiled
core reads CRI and Docker records itself in plain output, `-c` and JSON (native/src/envelope.rs).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from .envelopes import Record, Simple, partial_above, place_simple, simple
from .forms import MAX_FINDINGS, WINDOW, Finding
from .scan import pretty_line

if TYPE_CHECKING:
    from .core import BlockCore
    from .extract import Extractor

# Tests set it False to see the placed findings alone, unchecked by the full extractor.
CHECK = True
_CHECKED_MAX: Final = 65536
_NODE_CODE: Final = b"code: '"  # Node's error object: the lines above it are the searcher's
_RICH_HEAD: Final = b"TencentCloudSDKException:"  # rich's wrapped exception line: the lines below it too

Tails = tuple[object, ...]


def _tails(f: Finding) -> Tails:
    """What plain output's tail of an error shows (`core.tail_key`)."""
    return f.code, f.module_code, f.error_code, f.code_desc, f.form


class Unwrapper:
    """Which lines of a block are simple records, and their findings placed back, checked once."""

    def __init__(self, extractor: Callable[[], Extractor], envelope: str, *, check: bool = True) -> None:
        # The extractor is built at the first check: a grep whose few handed-back records the
        # compiled core reads unwrapped needs neither it nor its patterns (6 ms of start-up).
        self._make_extractor = extractor
        self._extractor: Extractor | None = None
        self._envelope = envelope
        self._check = check
        self._checked: set[tuple[str, object]] = set()  # (envelope, tails) read both ways once, agreed
        self.off: set[str] = set()  # envelopes whose reading disagreed once: the searcher's again

    def record(self, raw: bytes, buf: bytes, start: int, line_start: int, above: bytes) -> Simple | None:
        """The simple record of a line `raw` that starts at `line_start` in `buf[start:]` (`above`:
        what was read before `start`), or None: the line is the searcher's (Node's code line, a
        pretty-printed object's line, rich's exception line, a cut record's end)."""
        record = simple(raw, self._envelope)
        if record is None or record.kind in self.off or _NODE_CODE in raw or _RICH_HEAD in raw \
                or pretty_line(record.inner):
            return None  # read with the lines around it
        if partial_above(buf, start, line_start) if line_start > start else partial_above(above, 0, len(above)):
            return None
        return record

    def placed(self, raw: bytes, record: Simple, findings: tuple[Finding, ...], key: Tails | None = None,
               ) -> tuple[Finding, ...] | None:
        """The findings of a simple record's text placed in its line (`raw`) and named with its
        envelope, or None: the line is the searcher's. With `key` the findings are a core's mark
        of a line read for plain output's tail alone, whose key that is: given back as they are."""
        text: str | None = None
        if key is None:
            text = _text(raw)
            spans = place_simple(text, record, [(f.start, f.end) for f in findings])
            if spans is None:
                return None
            kind = record.kind
            findings = tuple([f._replace(start=begin, end=stop, envelope=kind)
                              for f, (begin, stop) in zip(findings, spans, strict=True)])
        if self._check and CHECK:
            tails = (record.kind, key if key is not None else tuple([_tails(f) for f in findings]))
            if tails not in self._checked:
                if self._extractor is None:
                    self._extractor = self._make_extractor()
                full = tuple(self._extractor.find(text if text is not None else _text(raw), envelope=self._envelope,
                                                   after=None))
                if (len(full) != 1 or _tails(full[0]) != key) if key is not None else full != findings:
                    self.off.add(record.kind)
                    return None
                if len(self._checked) >= _CHECKED_MAX:
                    self._checked.clear()
                self._checked.add(tails)
        return findings


def joined(records: list[Simple]) -> tuple[bytes, dict[int, int]]:
    """The records' texts as one block of lines, and where each starts in it: its index."""
    where: dict[int, int] = {}
    at = 0
    for index, record in enumerate(records):
        where[at] = index
        at += len(record.inner) + 1
    return b"\n".join([record.inner for record in records]) + b"\n", where


def _text(raw: bytes) -> str:
    """A line's text as the scanner reads it."""
    text = raw.decode("utf-8", "surrogateescape")
    return text[:-1] if text[-1:] == "\r" else text


# -- chains of cut records: read in windows, each record once --------------------------------------

# A window reports at most this many records of a chain, of at most REPORT_CHARS characters (a
# record at least), and reads LOOK_CHARS characters of the records below them (at most
# LOOK_RECORDS records), so that an error cut by a record's end keeps its message and request ID:
# a chain of tiny records costs its reading about 1.15 times, not MAX_JOINED + 1 times. A window
# whose reading reaches MAX_FINDINGS reports half as many records.
REPORT_RECORDS: Final = 84
REPORT_CHARS: Final = 16384
# Only records shorter than this share a window: a record as runtimes cut them (conmon's 8 KiB,
# containerd's and moby's 16 KiB) is read in a window of its own, with the records above and below
# it that it alone decides. Shared, its error read another context and another message (even another
# form) whichever record of the window a core happened to ask for first, and the cores' prefilters
# ask for different ones.
SHARED_MAX: Final = 1024
LOOK_CHARS: Final = 2 * WINDOW  # a message read to WINDOW characters, and the request ID after it
# The records above a window's first one that it reads (at most MAX_JOINED): those the 16 KiB above
# it hold (`Extractor.find`'s), or, in the same block, as many as CONTEXT_CHARS characters hold, the
# one right above it at least (a record of 16 KiB: a JSON record's fields on both sides of a cut
# name the same error once).
CONTEXT_CHARS: Final = 16384
LOOK_RECORDS: Final = 8
_CHAINED: Final = frozenset(("cri", "docker"))  # envelopes.CRI, DOCKER (journald's line-max: read as before)

Below = tuple[int, str, "Record"]  # a record below a cut one: its line's start, its line, itself


def _whole_to(text: str, finding: Finding) -> int:
    """Where what makes `finding` one ends in `text`: its code's end; for a legacy code, the first
    letter of its message (`(10630) k`), which the prefilters of both cores look for."""
    end = finding.end
    if text[finding.start - 1 : finding.start] == "(" and text[end : end + 1] == ")":
        return end + (3 if text[end + 1 : end + 2] == " " else 2)
    return end


class Chains:
    """The findings of the records of a chain (a line cut in several: CRI's `P`s and their `F`,
    Docker's records without `\\n`), read a window at a time (`read`) and kept for the records
    below the first one in a block (`known`): each finding on the record it starts in."""

    def __init__(self, envelope: str) -> None:
        self._envelope = envelope
        self._block: tuple[bytes, int, int] | None = None  # the block the records kept are in
        self._known: dict[int, tuple[Finding, ...]] = {}  # line start: its findings
        self._next: dict[int, Below | None] = {}  # line start: the record below it that continues it, if any
        self._report = REPORT_RECORDS

    def known(self, buf: bytes, start: int, end: int, line_start: int) -> tuple[Finding, ...] | None:
        """The findings of the record at `line_start` when a window read it, else None."""
        block = self._block
        if block is None or block[0] is not buf or block[1] != start or block[2] != end:
            return None
        return self._known.get(line_start)

    def read(self, extractor: Extractor, buf: bytes, start: int, end: int, line_start: int, line_end: int,
             text: str, before: Callable[[], str], core: BlockCore | None = None) -> tuple[Finding, ...] | None:
        """The findings of the record `text` at `buf[line_start:line_end]` in the block `buf[start:end]`,
        read with the records of its chain above it (those in the block, else those `before()`, the
        lines above as the scanner gives them, holds: as `Extractor.find` reads them) and below it;
        the findings of those below kept (`known`); each window read by `core` where it can. None:
        the line is not cut (or is a chain's end below the records `Extractor.find` joins to it), or
        a window holds a record of several lines: `Extractor.find`'s."""
        from .envelopes import NONE, WRAP_FIRST, Opened, open_line, open_text

        first = open_line(text, self._envelope)
        if first is None or first.kind not in _CHAINED:
            return None
        head, whole = self._above(buf, start, line_start, first)
        if head and whole:  # the records above, read in the block: all that can be joined
            opened = Opened(head + first.text, "", len(head), [(len(head), 0, text, first)])
        else:
            got = open_text(text, before(), self._envelope)
            if got is None or len(got.records) != 1 or got.records[0][3] != first:
                return None
            opened = got
            if len(head) > opened.skip:
                opened = Opened(head + first.text, "", len(head), [(len(head), 0, text, first)])
            elif not first.partial and not opened.skip:
                return None  # a whole line: `Extractor.find`'s
        block = self._block
        if block is None or block[0] is not buf or block[1] != start or block[2] != end:
            self._block = (buf, start, end)
            self._known = {}
            self._next = {}
        below = self._below(buf, start, end, line_start, first, self._report - 1 + LOOK_RECORDS)
        while True:
            report = 1  # the records reported: this one and those below it within the bounds
            size = len(first.text)
            shared = size < SHARED_MAX
            while shared and report - 1 < len(below) and report < self._report:
                size += len(below[report - 1][2].text)
                if size > REPORT_CHARS or len(below[report - 1][2].text) >= SHARED_MAX:
                    break
                report += 1
            pieces = [opened.text]
            records = list(opened.records)
            place = len(opened.text)
            for _, line, record in below[: report - 1]:
                records.append((place, 0, line, record))
                pieces.append(record.text)
                place += len(record.text)
            limit = place  # findings from here on are the records' below the window
            look = 0
            for _, _, record in below[report - 1 : report - 1 + LOOK_RECORDS]:
                if look >= LOOK_CHARS:
                    break
                pieces.append(record.text[: LOOK_CHARS - look])
                look += len(record.text)
            joined = "".join(pieces)
            if "\n" in joined:
                return None  # a record of several lines: read as the extractor reads it
            every = None
            if core is not None and core.name == "native" and not opened.before and joined[:1] not in WRAP_FIRST \
                    and "\x1b" not in joined and not joined.endswith("\r"):
                # The compiled core reads a line as `Extractor.find` does, where it can (the common
                # forms of a dense line), and says so; else the line is the extractor's (Python's core
                # would give this crowded line to it, after looking for its candidates).
                try:
                    data = joined.encode("utf-8", "surrogateescape")
                except UnicodeEncodeError:  # half a surrogate pair, escaped in Docker's JSON: no bytes
                    data = None
                lines = core.read(data + b"\n", 0, len(data) + 1) if data is not None else None
                if lines is not None:
                    every = list(lines[0][2]) if lines and lines[0][2] is not None else [] if not lines else None
            if every is None:
                every = extractor.find(joined, before=opened.before, envelope=NONE, after=None)
            if len(every) < MAX_FINDINGS or report == 1:
                break
            self._report = max(1, report // 2)
        # A code that a cut runs through is no finding of its record: read alone, as a core that
        # lists the lines that may hold an error reads it, it holds none (or another); nor is a legacy
        # code cut before the first letter of its message (`(10630) ` | `key`): read alone, no core
        # lists it (their prefilters ask for that letter), and whether it was listed for another
        # error in its record must not decide whether it is reported. Verbatim text
        # (CRI's) is placed by its shift, escaped text (Docker's) by `Opened.place`, as `find` places it.
        starts = [record[0] for record in records]
        by_record: list[list[Finding]] = [[] for _ in records]
        escaped: list[tuple[int, Finding]] = []
        for finding in every:
            if not opened.skip <= finding.start < limit:
                continue
            index = bisect_right(starts, finding.start) - 1
            inner, _, _, holder = records[index]
            if holder is None or _whole_to(joined, finding) > inner + len(holder.text):
                continue
            if holder.escaped or holder.raw:
                escaped.append((index, finding))
                continue
            begin = finding.start - inner
            last = max(min(finding.end - inner, len(holder.text)) - 1, begin)
            by_record[index].append(finding._replace(start=holder.start + begin, end=holder.start + last + 1,
                                                     envelope=holder.kind))
        if escaped:
            placed = Opened(joined, opened.before, opened.skip, records).place([(f.start, f.end) for _, f in escaped])
            for (index, finding), (begin, stop, kind) in zip(escaped, placed, strict=True):
                by_record[index].append(finding._replace(start=begin, end=stop, envelope=kind))
        known = self._known
        for (at, _, _), findings in zip(below[: report - 1], by_record[1:], strict=True):
            known[at] = tuple(findings)
        return tuple(by_record[0])

    def _above(self, buf: bytes, start: int, line_start: int, first: Record) -> tuple[str, bool]:
        """The texts of the records of the chain above `first` (at `line_start`) in the block, joined:
        at most MAX_JOINED, as many as CONTEXT_CHARS characters hold, the one right above at least;
        and whether that is all of them that can be joined (False: the chain may go on above the block)."""
        from . import envelopes

        texts: list[str] = []
        size, at = 0, line_start
        while len(texts) < envelopes.MAX_JOINED:
            if at <= start:
                return "".join(reversed(texts)), False
            if not partial_above(buf, start, at):
                break
            top = buf.rfind(b"\n", start, at - 1) + 1 or start
            line = _text(buf[top : at - 1])
            record = envelopes.open_line(line, self._envelope) if envelopes.may_wrap(line) else None
            if record is None or record.kind != first.kind or not record.partial \
                    or (texts and size + len(record.text) > CONTEXT_CHARS):
                break
            texts.append(record.text)
            size += len(record.text)
            at = top
        return "".join(reversed(texts)), True

    def _below(self, buf: bytes, start: int, end: int, line_start: int, first: Record, most: int) -> list[Below]:
        """The records of the chain below the one at `line_start`, at most `most`: each line a
        record of the same envelope that the one above continues, as the scanner would read it
        with the lines above (`partial_above`), each opened once in a block."""
        from .envelopes import DOCKER, open_line

        below: list[Below] = []
        known = self._next
        at, last = line_start, first
        while last.partial and len(below) < most:
            if at in known:
                got = known[at]
            else:
                got = known[at] = None
                stop = buf.find(b"\n", at, end)
                following = end if stop < 0 else stop + 1
                if following < end:
                    newline = buf.find(b"\n", following, end)
                    raw = buf[following : end if newline < 0 else newline]
                    # Node's error object is read with the lines above it, as the scanner reads it;
                    # Docker's `\\n` escaped is no cut (`partial_above`'s bytes say so). A line that
                    # opens as a CRI or Docker record is one that `may_continue` and `may_wrap` let by.
                    if _NODE_CODE not in raw and not (b"code: " in raw and (b"\x1b" in raw or b"\\u001b" in raw)) \
                            and (last.kind != DOCKER or partial_above(buf, start, following)):
                        line = _text(raw)
                        record = open_line(line, self._envelope)
                        if record is not None and record.kind == last.kind:
                            got = known[at] = (following, line, record)
            if got is None:
                break
            below.append(got)
            at, last = got[0], got[2]
        return below
