"""The public block API: scan an input in independent pieces and add the pieces up exactly.

A distributed engine (Dask, Spark) or a pool of your own cuts a log into byte ranges and scans
them apart. What a piece cannot know by itself it is given, or it gives back:

- `scan_range` scans the lines that start in a byte range of a file, with the bytes above them
  (a Node SDK error's object above its code line; rich's wrapped exception line), and returns
  their hits with the number of lines in the range, so that line numbers add up across ranges;
  `scan_block` does the same for bytes already read, `scan_whole` for a stream read to its end
  (a compressed file, which cannot be cut);
- `json_record` is the `grep --json` record of a hit, by the code the command prints with;
- `Summary` and `Timeline` are built from the hits of pieces and merged in any order with the
  same result, and give the rows `grep --summary` and `grep --timeline` print.

Up to how --summary and --timeline count (a code's first and last time are those of the first
and last lines in reading order), each piece's `order` says where it lies: any comparable key, as
(file index, start offset). This module prints nothing and needs no engine but kmserr's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import IO, Any, Final, NamedTuple, cast

from . import timeline as _timeline
from .envelopes import AUTO, check
from .explanation import Explanation, explain_finding
from .forms import NODE_CONTEXT, WRAPPED_WINDOW, Finding
from .matcher import Matcher, matcher_for
from .registry import Registry, default_registry
from .repeats import Repeats
from .scan import BLOCK_SIZE, CHAIN_MOST, Hit, LineScanner, cut_record, wrapped_end

_PROBE: Final = 1 << 16  # read at a time while looking for a line's end past a range's edge


class Block(NamedTuple):
    """What a piece of an input holds: its hits (numbered from `lines_before` + 1), the number of
    its lines, and where its lines start and end in the input (offsets; `end` is past the last
    line's newline)."""

    hits: list[Hit]
    lines: int
    start: int
    end: int


def _matcher(matcher: Matcher | None, registry: Registry | None) -> Matcher:
    return matcher if matcher is not None else matcher_for(registry or default_registry())


def scan_block(
    data: bytes, *, above: bytes = b"", lines_before: int = 0, start: int = 0, registry: Registry | None = None,
    matcher: Matcher | None = None, envelope: str = AUTO,
) -> Block:
    """The hits of `data`, whole lines that begin at a line's start of the input (the last may lack
    its newline only at the input's end); `above` is what the input holds before them (its last
    NODE_CONTEXT bytes are read), `lines_before` how many lines, `start` at which offset."""
    scanner = LineScanner(_matcher(matcher, registry), count_lines=True, envelope=envelope)
    scanner.resume(lines_before, above)
    hits = [hit for _, hit in scanner.scan_lines(data, 0, len(data))] if data else []
    return Block(hits, scanner.lines_done - lines_before, start, start + len(data))


def hits_above(
    file: str | os.PathLike[str] | IO[bytes], start: int, *, registry: Registry | None = None,
    matcher: Matcher | None = None, envelope: str = AUTO,
) -> list[Hit]:
    """The error lines in the NODE_CONTEXT bytes above the line that holds offset `start`: what a
    `Summary` or `Timeline` of a range is told of them (`above`), so that a traceback's last line at
    the range's start that raises its log line's error again counts once, as one whole pass counts."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as opened:
            return hits_above(opened, start, registry=registry, matcher=matcher, envelope=envelope)
    read_at = _read_at(file)
    return scan_above(bytes_above(read_at, line_start(read_at, start)), _matcher(matcher, registry), envelope)


def scan_above(above: bytes, matcher: Matcher, envelope: str = AUTO) -> list[Hit]:
    """The error lines of `bytes_above`'s bytes, less the first when they are cut from a longer text."""
    if len(above) >= NODE_CONTEXT:
        above = above[above.find(b"\n") + 1 :]
    if not above:
        return []
    scanner = LineScanner(matcher, envelope=envelope)
    return [hit for _, hit in scanner.scan_lines(above, 0, len(above))] + scanner.finish()


def scan_range(
    file: str | os.PathLike[str] | IO[bytes], start: int, end: int, *, lines_before: int = 0,
    registry: Registry | None = None, matcher: Matcher | None = None, envelope: str = AUTO,
) -> Block:
    """The hits of the lines of a file that start at offsets `start` to `end` (excluded), and how
    many lines those are: ranges that cut a file anywhere (0 to n, n to 2n, ...) scan each line
    once, whatever the cuts. `file` is a path or a binary file that seeks (an fsspec file too)."""
    if isinstance(file, (str, os.PathLike)):
        with open(file, "rb") as opened:
            return scan_range(opened, start, end, lines_before=lines_before, registry=registry,
                              matcher=matcher, envelope=envelope)
    read_at = _read_at(file)
    first = line_start(read_at, start)
    if first >= end:
        return Block([], 0, first, first)
    above = bytes_above(read_at, first)
    last = line_start(read_at, end)  # where the next range begins: past its last line, and a chain
    file.seek(first)
    data = _read(file, last - first)
    return scan_block(data, above=above, lines_before=lines_before, start=first, registry=registry,
                      matcher=matcher, envelope=envelope)


def _read(file: IO[bytes], size: int) -> bytes:
    """`size` bytes, fewer only at the end of the file (a raw file's read may return fewer)."""
    data = file.read(size)
    if len(data) == size or not data:
        return data
    pieces = [data]
    got = len(data)
    while got < size and (piece := file.read(size - got)):
        pieces.append(piece)
        got += len(piece)
    return b"".join(pieces)


ReadAt = Callable[[int, int], bytes]
"""Read `size` bytes of an input at `offset` (os.pread's arguments after the descriptor)."""


def line_start(read_at: ReadAt, at: int) -> int:
    """The first offset from `at` on where a line starts (the input's size when none does), below
    no record of a chain of cut records (`scan.chain_end`: a record's error reads the records below
    it) nor inside rich's wrapped text: where a range cut anywhere begins. `grep -j` cuts a file at
    these too (a range a process)."""
    start = _next_line(read_at, at)
    for _ in range(CHAIN_MOST):
        back = min(start, _LINE_ABOVE)
        above = read_at(back, start - back)
        if not above.endswith(b"\n"):
            break
        begin = above.rfind(b"\n", 0, len(above) - 1) + 1
        if (begin == 0 and start > _LINE_ABOVE) or not cut_record(above, begin, len(above) - 1):
            break  # (a line above longer than what was read: no record a runtime cuts)
        following = _next_line(read_at, start + 1)
        if following <= start:
            break  # the input's end
        start = following
    return _past_wrapped(read_at, start)


def _past_wrapped(read_at: ReadAt, start: int) -> int:
    """`start`, moved past rich's wrapped text that the lines above it open and that goes on below
    (`scan.wrapped_end`): a range's first line would end it, read with no line above."""
    back = min(start, WRAPPED_WINDOW)
    if not back:
        return start
    window = read_at(back, start - back) + read_at(2 * WRAPPED_WINDOW, start)
    return start + wrapped_end(window, 0, back, len(window)) - back


# The bytes above a cut read for its line above: a runtime's record of 16 KiB, escaped by Docker.
_LINE_ABOVE: Final = 128 << 10


def _next_line(read_at: ReadAt, at: int) -> int:
    """The first offset from `at` on where a line starts (the input's size when none does)."""
    if at <= 0:
        return 0
    offset = at - 1
    while True:
        piece = read_at(_PROBE, offset)
        if not piece:
            return offset
        newline = piece.find(b"\n")
        if newline >= 0:
            return offset + newline + 1
        offset += len(piece)


def bytes_above(read_at: ReadAt, start: int) -> bytes:
    """What the lines from `start` on may need of those above them (a Node SDK error's object, rich's
    wrapped exception line): the last NODE_CONTEXT bytes before it. `grep -j` starts its ranges so."""
    low = max(0, start - NODE_CONTEXT)
    return read_at(start - low, low)


def _read_at(file: IO[bytes]) -> ReadAt:
    """`ReadAt` for a file that seeks."""

    def read_at(size: int, offset: int) -> bytes:
        file.seek(offset)
        return _read(file, size)

    return read_at


def scan_whole(
    stream: IO[bytes], *, registry: Registry | None = None, matcher: Matcher | None = None, envelope: str = AUTO,
) -> Block:
    """The hits of a stream read to its end a block at a time (a compressed file, a pipe): one
    piece, since what comes before a byte of it cannot be known without reading it."""
    scanner = LineScanner(_matcher(matcher, registry), count_lines=True, envelope=envelope)
    read = cast("Any", getattr(stream, "read1", None) or stream.read)
    hits: list[Hit] = []
    size = 0
    while chunk := read(BLOCK_SIZE):
        size += len(chunk)
        hits += scanner.feed(chunk)
    hits += scanner.finish()
    return Block(hits, scanner.lines_done, 0, size)


def renumber(block: Block, lines_before: int) -> Block:
    """The block as if scanned after `lines_before` more lines (its hits' numbers moved on)."""
    if not lines_before:
        return block
    return block._replace(hits=[hit._replace(line_number=hit.line_number + lines_before) for hit in block.hits])


def _style(registry: Registry | None, lang: str | None) -> Any:
    from .render import Style

    return Style(lang=lang or "en", registry=registry or default_registry())


def explanations(hit: Hit, registry: Registry | None = None) -> list[Explanation]:
    """A hit's findings explained by the registry, as grep explains them."""
    registry = registry or default_registry()
    return [explain_finding(finding, registry) for finding in hit.findings]


def json_records(hits: Iterable[Hit], name: str, *, registry: Registry | None = None,
            lang: str | None = None) -> list[dict[str, Any]]:
    """The `grep --json` records of hits of the input called `name` (`lang`: "en", the default, or
    "zh"; the command reads it from the locale); `json_record` for one."""
    from .render.json import matched_record

    registry = registry or default_registry()
    style = _style(registry, lang)
    return [matched_record(hit, explanations(hit, registry), name, style) for hit in hits]


def json_record(hit: Hit, name: str, *, registry: Registry | None = None, lang: str | None = None) -> dict[str, Any]:
    """The `grep --json` record of a hit of the input called `name`, as a dict."""
    return json_records([hit], name, registry=registry, lang=lang)[0]


def json_line(hit: Hit, name: str, *, registry: Registry | None = None, lang: str | None = None) -> bytes:
    """The line `grep --json` writes for a hit, byte for byte (its printer's own function)."""
    from .render.json import matched_line

    registry = registry or default_registry()
    return matched_line(hit, explanations(hit, registry), name, _style(registry, lang))


class _Code(NamedTuple):
    """What --summary keeps of a code: how often, its first and last times with their lines' order
    keys, and its first line's explanation (what its row says), with that line's key."""

    times: int
    first: tuple[Any, str] | None
    last: tuple[Any, str] | None
    example: tuple[Any, Explanation]


class Summary:
    """`grep --summary` of hits: codes, how often, first and last seen; mergeable in any order.

    Unlike the command, which counts the codes first seen beyond 32 MiB of them together, it keeps
    every code. `now` is the moment a syslog time's year is read against: give every piece the same."""

    def __init__(self, registry: Registry | None = None, *, now: datetime | None = None, envelope: str = AUTO) -> None:
        self.registry = registry or default_registry()
        self.now = now or datetime.now(timezone.utc)
        self.envelope = check(envelope)
        self.codes: dict[str, _Code] = {}

    @classmethod
    def of(cls, hits: Iterable[Hit], order: Any = (), *, registry: Registry | None = None,
           now: datetime | None = None, envelope: str = AUTO, above: Iterable[Hit] = ()) -> Summary:
        """The summary of a piece's hits; `order` says where the piece lies in reading order."""
        summary = cls(registry, now=now, envelope=envelope)
        summary.add(hits, order, above=above)
        return summary

    def add(self, hits: Iterable[Hit], order: Any = (), *, above: Iterable[Hit] = ()) -> None:
        """Count the hits of one piece, in their order; `order` is the piece's place in reading order.
        An error that a traceback's last line raises again counts once, as grep --summary counts it
        (kmserr.repeats): `above`, the hits of the lines above the piece (`hits_above`), are not
        counted, only remembered for that."""
        once = Repeats.after(above).once
        for index, hit in enumerate(hits):
            hit = once(hit)
            key = (order, index)
            stamp = hit.stamp(self.now, self.envelope)
            when = None if stamp is None else (key, stamp.text)
            for finding in hit.findings:
                item = explain_finding(finding, self.registry)
                code = finding.code
                held = self.codes.get(code)
                if held is None:
                    # Only what the row prints: not the line's message, request ID or description.
                    slim = item._replace(finding=Finding(code=code, form=finding.form, start=0, end=0),
                                         message_agrees=None)
                    self.codes[code] = _Code(1, when, when, (key, slim))
                else:
                    self.codes[code] = _Code(held.times + 1, held.first or when, when or held.last, held.example)

    def merge(self, other: Summary) -> None:
        """Add another piece's summary (of the same registry): the result does not depend on the order."""
        for code, theirs in other.codes.items():
            ours = self.codes.get(code)
            self.codes[code] = theirs if ours is None else _Code(
                ours.times + theirs.times, _earliest(ours.first, theirs.first), _latest(ours.last, theirs.last),
                min(ours.example, theirs.example, key=lambda kept: kept[0]))

    def rows(self, lang: str | None = None) -> list[Any]:
        """The rows --summary prints (`kmserr.render.summary.Row`), most frequent first."""
        from .render.summary import ranked

        style = _style(self.registry, lang)
        return ranked(((code, held.times, held.example[1], held.first and held.first[1], held.last and held.last[1])
                       for code, held in self.codes.items()), style)

    def records(self, lang: str | None = None) -> list[dict[str, Any]]:
        """The list `grep --summary --format json` prints."""
        from .render.json import summary_records

        return summary_records(self.rows(lang))


def _earliest(a: tuple[Any, str] | None, b: tuple[Any, str] | None) -> tuple[Any, str] | None:
    return b if a is None else a if b is None else min(a, b, key=lambda kept: kept[0])


def _latest(a: tuple[Any, str] | None, b: tuple[Any, str] | None) -> tuple[Any, str] | None:
    return b if a is None else a if b is None else max(a, b, key=lambda kept: kept[0])


class Timeline(_timeline.Timeline):
    """`grep --timeline` of hits: errors per bucket and code; `merge` adds another piece's, in any order.

    `bucket` is a size in seconds or as written (`"1m"`), None to choose it from the span at the
    end, as the command does without --bucket; `now` as for `Summary`."""

    def __init__(self, bucket: int | str | None = None, max_buckets: int = _timeline.MAX_BUCKETS, *,
                 now: datetime | None = None, envelope: str = AUTO) -> None:
        super().__init__(_timeline.parse_bucket(bucket) if isinstance(bucket, str) else bucket, max_buckets)
        self.now = now or datetime.now(timezone.utc)
        self.envelope = check(envelope)

    @classmethod
    def of(cls, hits: Iterable[Hit], bucket: int | str | None = None, *, now: datetime | None = None,
           envelope: str = AUTO, above: Iterable[Hit] = ()) -> Timeline:
        """The timeline of a piece's hits."""
        made = cls(bucket, now=now, envelope=envelope)
        made.add_hits(hits, above=above)
        return made

    def add_hits(self, hits: Iterable[Hit], *, above: Iterable[Hit] = ()) -> None:
        """Count each hit's errors at its line's time, as --timeline does (an error raised again
        once; `above` as `Summary.add` has it)."""
        once = Repeats.after(above).once
        for hit in hits:
            stamp = hit.stamp(self.now, self.envelope)
            self.add(None if stamp is None else stamp.when, (finding.code for finding in once(hit).findings))

    def records(self) -> list[dict[str, Any]]:
        """The records `grep --timeline --format json` prints, one a line (after every merge)."""
        from .render.timeline import json_records

        return list(json_records(self.counts()))
