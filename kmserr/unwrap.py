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

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from .envelopes import Simple, partial_above, place_simple, simple
from .forms import Finding

if TYPE_CHECKING:
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
        what was read before `start`), or None: the line is the searcher's (Node's code line, rich's
        exception line, a cut record's end)."""
        record = simple(raw, self._envelope)
        if record is None or record.kind in self.off or _NODE_CODE in raw or _RICH_HEAD in raw:
            return None
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
                full = tuple(self._extractor.find(text if text is not None else _text(raw), envelope=self._envelope))
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
