"""Search files and standard input: one read loop that feeds a sink matches and context lines alike.

As ripgrep's searcher: the input is read in blocks of whole lines, the matcher finds the lines
that carry errors, and a sink receives them (`matched`), the lines around them (`context`) and the
breaks between groups (`context_break`). Context lines are found from the offsets of the matches
in the block, so only the lines printed pass through Python, never every line of the input.
"""

from __future__ import annotations

import functools
import io
import itertools
import os
import stat
import struct
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Final, NamedTuple, Protocol, cast

from . import scan
from .forms import Finding, ascii_number
from .matcher import matcher_for
from .registry import Registry
from .repeats import Repeats
from .scan import AUTO, BLOCK_SIZE, NONE, Carry, Hit, Keyed, LineScanner, lines_above, native_class
from .scan import check_envelope as check

# parallel.py (-j's parts) and explanation.py (a hit's meaning) are imported where they are first
# needed: a grep of a log without errors, or one whose lines the compiled core prints, needs neither.
if TYPE_CHECKING:
    from . import _native, parallel
    from .engines import Engine
    from .explanation import Explanation
    from .timeline import Timeline

STDIN = "-"
ENGINE_ENV: Final = "KMSERR_ENGINE"  # engines.ENV: engines.py is imported only where Python's core runs
STDIN_NAME = "(standard input)"
OnError = Callable[[str, str], None]
# --summary holds what it prints of each distinct code, and at most this many bytes of them
# (each costs its code's length and _CODE_COST): a log can hold millions of distinct codes, and
# codes first seen beyond the budget are counted together, under OTHER_CODES.
SUMMARY_BYTES: Final = 32 << 20
_CODE_COST: Final = 600  # measured: dict slot, Seen, slim Explanation and Finding, two timestamps
OTHER_CODES: Final = "(other codes)"


class Sink(Protocol):
    """Where a search's results go, in input order, as they are found (ripgrep's `Sink`)."""

    def matched(self, hit: Hit, items: Sequence[Explanation], name: str) -> None: ...

    def context(self, number: int, line: bytes, name: str) -> None: ...

    def context_break(self) -> None: ...

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


class _Lines(Protocol):
    """What knows how many lines of an input were read (a scanner, or batches of lines)."""

    @property
    def lines_done(self) -> int: ...


class _PlainSink(Sink, Protocol):
    """A sink that prints a matched line as its bytes and a tail worked out from its explanations."""

    def tail(self, items: Sequence[Explanation]) -> bytes: ...

    def matched_with_tail(self, hit: Hit, tail: bytes, name: str) -> None: ...

    def assembled(self, data: memoryview) -> None: ...


class _JsonSink(Sink, Protocol):
    """A sink that prints JSON Lines the compiled core may assemble (`render.lines.LinePrinter`)."""

    def json_parts(self, item: Explanation) -> tuple[bytes, bytes, bytes]: ...

    def assembled(self, data: memoryview) -> None: ...


_TAILS: Final = 65536  # tails held by their errors' meanings (each a few hundred bytes)
_LONG_LINE: Final = 65536  # a longer line the sink writes in pieces (`matched_with_tail`), never joined
# Tests set it False to compare the plain output the compiled core assembles with Python's.
ASSEMBLE = True
# Tests set it False to compare plain output of lines read for their tails alone (`LineScanner.scan_plain`)
# with that of their findings.
CODES_ONLY = True


class Seen(NamedTuple):
    """How often a code occurred, and the timestamps of its first and last lines, where they have one."""

    times: int
    first: str | None
    last: str | None
    example: Explanation


class Search:
    """One search across several inputs: what matched, how often each code, which inputs failed."""

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
        jobs: int = 1,
        printer: Callable[[IO[bytes]], Sink] | None = None,
        out: IO[bytes] | None = None,
        timeline: Timeline | None = None,
        count_codes: bool = True,
        envelope: str = AUTO,
    ) -> None:
        self.registry = registry
        self.matcher = matcher_for(registry)
        self._envelope = check(envelope)  # the platform envelope lines are read in (envelopes.py)
        # An engine that cannot be used is an error before any input is read; it is built now only
        # where Python's core runs: the compiled core finds its own candidates (the lines it hands
        # back build it then, beyond the first few: `LineScanner._read_again`).
        native = native_class() is not None and self._envelope in (AUTO, NONE)
        if native and os.environ.get(ENGINE_ENV, "").strip():
            from .engines import engine_name  # a forced engine is checked even where it may not run

            engine_name()
        self.engine: Engine | None = None if native else self.matcher.engine
        self._sink = sink  # None: only count (--count, --summary)
        self._on_error = on_error
        self._only = only or Filter()
        self._before, self._after = before, after
        self._files_only = files_only
        self._timeline = timeline  # --timeline: each matching line's errors counted at its time
        self._codes = count_codes  # without a sink: `seen` keeps each code's count (--summary), or not (-c)
        self._now = datetime.now(timezone.utc)  # a syslog time's year is read against one moment a run
        self.count_lines = count_lines or before > 0 or after > 0
        # Several processes for one large file: each range's output is printed by `printer` into
        # a file of its own, then copied to `out` in order (without a printer: counts only).
        self._jobs = min(jobs, JOBS_PER_CORE * default_jobs()) if hasattr(os, "fork") else 1
        self._printer, self._out = printer, out
        self.seen: dict[str, Seen] = {}
        self._tails: dict[object, bytes] = {}  # plain output: the tail of a line's errors (`_plain_block`)
        self._keeps: dict[object, bool] = {}  # whether the filter keeps an error of a meaning (`_kept`)
        # JSON Lines in Python: what each meaning's matches are made of (`render.json.matched_block`).
        self._json_meanings: dict[object, object] = {}
        self._native_tails: _native.Tails | None = None  # the same, in the compiled core (`_layout`)
        self._seen_bytes = 0  # what `seen` holds, as counted against SUMMARY_BYTES
        # What `seen` may hold: SUMMARY_BYTES, shared by the parts of a file searched at once (one
        # budget for the run: 8 parts held 8 times as much, 727 MB for 850,000 distinct codes).
        self._budget = SUMMARY_BYTES
        # While a file is searched in parts, a part that outgrows SUMMARY_BYTES says so only here
        # (its codes beyond it are not those one process would count apart): searched again, whole.
        self._parts_quiet = False
        self._outgrown = False
        self._path = ""  # the input being searched, for notes
        self._repeats = Repeats()
        self.lines_per_input: list[tuple[str, int]] = []
        self.failed = False
        # Set at the first match, before it is written: a reader that goes away while it is
        # being written (`| head -n 1`) must not turn "found" into "not found".
        self.matched = False

    def search(self, path: str) -> None:
        """Search one input ("-" is standard input); a problem with it is reported, not raised."""
        name = STDIN_NAME if path == STDIN else path
        self._path = path
        self._repeats = Repeats()  # an error a file tells again is counted once (--summary, --timeline)
        try:
            stream = open_input(path)
        except OSError as exc:
            self._fail(path, exc.strerror or str(exc))
            return
        try:
            if self._splits(path, stream):
                lines = self._search_split(path, name, stream)
            elif self._batches(path, stream):
                lines = self._search_batches(path, name, stream)
            else:
                scanner = self._scanner()
                lines = self._run(self._blocks(stream, path, scanner), name, scanner)
        finally:
            if path != STDIN:
                stream.close()
        self.lines_per_input.append((name, lines))

    def _scanner(self, lines_before: int = 0, above: bytes = b"") -> LineScanner:
        """A scanner for an input, or for a part of it after `lines_before` lines that end with `above`."""
        scanner = LineScanner(self.matcher, self.engine, count_lines=self.count_lines, envelope=self._envelope)
        scanner.resume(lines_before, above)
        return scanner

    def _run(self, blocks: Iterable[tuple[bytes, int, int]], name: str, scanner: LineScanner) -> int:
        """Search blocks of whole lines to their end (to the first match with -l): the number of lines kept."""
        context = None
        sink = self._sink
        # Context around plain lines with no filter: each matched line printed with the tail of its
        # errors' meanings (`_tail`), not explained line by line.
        lean = not self._only.active and getattr(sink, "plain", False)
        if (self._before or self._after) and sink is not None and not self._files_only:
            psink = cast("_PlainSink", sink)

            def with_tail(hit: Hit, _: Sequence[Explanation]) -> None:
                psink.matched_with_tail(hit, self._tail(psink, hit), name)

            context = _Context(self._before, self._after, sink, name,
                               with_tail if lean else functools.partial(_matched, sink, name=name))
        lines = 0
        plain = context is None and not self._files_only and getattr(sink, "plain", False)
        # -c and -l: a line is kept if it holds an error (with a filter, one it keeps), nothing to explain.
        counted = sink is None and self._timeline is None and not self._codes
        summary = sink is None and self._timeline is None and self._codes and not self._files_only
        timed = sink is None and self._timeline is not None and not self._files_only
        layout = self._layout(scanner, name) if plain and not self._only.active else None
        tails = self._table(scanner) if counted and not self._only.active else None
        # Plain output Python assembles (the sink says how a line begins), no filter: its common
        # lines read for their tails alone.
        codes = plain and not self._only.active and getattr(sink, "line_prefix", None) is not None
        # JSON Lines of every match (no filter, no context): records assembled by the compiled core too.
        json = None
        # JSON Lines of every match in Python, a block at a time (`render.lines.LinePrinter.matched_json`).
        json_block = None
        if context is None and not plain and not self._files_only and not self._only.active and sink is not None:
            json = self._json_layout(scanner, name)
            prefix = getattr(sink, "json_prefix", None)
            if prefix is not None and prefix(name) is not None:
                json_block = getattr(sink, "matched_json", None)
        if layout is not None or json is not None:
            blocks = _warm(blocks)
        if json is not None:
            blocks = _pieces(blocks, JSON_PIECE)
        for buf, start, end in blocks:
            if plain:
                assembled = None if layout is None else scanner.assemble(
                    buf, start, end, layout[0], layout[1], show_numbers=layout[2])
                if assembled is not None:
                    lines += self._plain_assembled(*assembled, name)
                else:
                    if CODES_ONLY and codes:
                        lines += self._plain_block(scanner.scan_plain(buf, start, end), name)
                        continue
                    hits = scanner.scan_lines(buf, start, end)
                    shown = self._kept(hits) if self._only.active else hits
                    lines += self._plain_block([hit for _, hit in shown], name)
                continue
            if counted:
                assembled = None if tails is None else scanner.assemble(buf, start, end, tails, count_only=True)
                if assembled is not None:
                    found = assembled[1] + len(assembled[2])
                elif self._only.active:
                    found = len(self._kept(scanner.scan_lines(buf, start, end)))
                else:  # Python's core: common lines read for their tails' keys alone, no findings made
                    read = scanner.scan_plain if CODES_ONLY else scanner.scan_lines
                    found = len(read(buf, start, end))
                if found:
                    self.matched = True
                    lines += 1 if self._files_only else found
                if self._files_only and lines:
                    break
                continue
            if json is not None:
                assembled = scanner.assemble(buf, start, end, json[0], json[1], json=True)
                if assembled is not None:
                    lines += self._json_assembled(*assembled, name)
                    continue
            if json_block is not None:
                found_hits, numbers = scanner.scan_json(buf, start, end)
                if found_hits:
                    from .explanation import explain_finding  # a lookup in sys.modules after the first

                    self.matched = True
                    json_block(found_hits, self._explain, functools.partial(explain_finding, registry=self.registry),
                               name, self._json_meanings, numbers)
                    lines += len(found_hits)
                    cast("Sink", sink).flush()  # a live stream is shown as soon as its lines are read
                continue
            if summary or timed:
                hits = scanner.scan_lines(buf, start, end)
                found = self._summarize(hits) if summary else self._time(hits)
                if found:
                    self.matched = True
                lines += found
                continue
            first_number = scanner.lines_done + 1
            if context is not None and lean:
                kept = [(at, hit, _UNEXPLAINED) for at, hit in scanner.scan_lines(buf, start, end)]
            else:
                kept = [(at, hit, items) for at, hit in scanner.scan_lines(buf, start, end)
                        if (items := self._explain(hit))]
            if kept:
                self.matched = True
            if context is not None:
                context.block(buf, start, end, first_number, kept)
                lines += len(kept)
            elif self._sink is not None and not self._files_only:
                matched = self._sink.matched  # the common case, without `_take`'s questions per line
                for _, hit, items in kept:
                    matched(hit, items, name)
                lines += len(kept)
            else:
                for _, hit, items in kept:
                    lines += 1
                    self._take(hit, items, name)
                    if self._files_only:
                        break
            if self._sink is not None and (kept or context is not None):
                self._sink.flush()  # a live stream is shown as soon as its lines are read (context too)
            if self._files_only and lines:
                break
        return lines

    def _layout(self, scanner: LineScanner, name: str) -> tuple[_native.Tails, bytes, bool] | None:
        """What the compiled core needs to assemble plain output (`_plain_assembled`): the search's
        table of tails, the prefix of each line (`name:` or empty), whether `N:` follows it. None
        when it cannot: Python's core, or a sink that does not say how it prints a line."""
        prefix = getattr(self._sink, "line_prefix", None)
        layout: tuple[bytes, bool] | None = None if prefix is None else prefix(name)
        tails = self._table(scanner)
        if layout is None or tails is None:
            return None
        return tails, *layout

    def _table(self, scanner: LineScanner) -> _native.Tails | None:
        """The search's table in the compiled core, if it runs: plain output's tails, the buffers -c counts with."""
        core = scanner.core
        if not ASSEMBLE or not hasattr(core, "assemble"):
            return None
        if self._native_tails is None:
            self._native_tails = cast("_native.NativeCore", core).tails()
        return self._native_tails

    def _json_layout(self, scanner: LineScanner, name: str) -> tuple[_native.Tails, bytes] | None:
        """What the compiled core needs to assemble JSON Lines (`_json_assembled`): the search's
        table, each record's `{"file": ...` part. None when it cannot (as `_layout`)."""
        prefix = getattr(self._sink, "json_prefix", None)
        file_part: bytes | None = None if prefix is None else prefix(name)
        tails = self._table(scanner)
        if file_part is None or tails is None:
            return None
        return tails, file_part

    def _json_assembled(
        self, data: memoryview, written: int, holes: list[tuple[int, Hit, int, int]], name: str,
    ) -> int:
        """Print a block's JSON Lines as the compiled core assembled them, with the lines it left
        put in their places; what their records' matches are made of is given to the core's table
        (by meaning and by whether the message agrees), so that it writes the next such lines."""
        if not data and not holes:
            return 0
        from . import _native  # loaded already: the compiled core runs

        self.matched = True
        sink = cast("_JsonSink", self._sink)
        tails = self._native_tails
        assert tails is not None
        at = 0
        for offset, hit, slot, agrees in holes:
            if offset > at:
                sink.assembled(data[at:offset])
                at = offset
            items = self._explain(hit)
            sink.matched(hit, items, name)
            if slot >= 0 and len(items) == 1:
                item = items[0]
                if agrees >= 0 and _native.AGREES[agrees] != item.message_agrees:
                    # The core reads this meaning's messages otherwise than Python: they are Python's.
                    tails.put_json(slot, None, None, (b"", b"", b""))
                else:
                    tails.put_json(slot, _native.agree_rule(item.entry), item.message_agrees, sink.json_parts(item))
        if at < len(data):
            sink.assembled(data[at:])
        sink.flush()  # `data` is written before the table's next call
        return written + len(holes)

    def _plain_assembled(
        self, data: memoryview, written: int, holes: list[tuple[int, Hit, int, int]], name: str,
    ) -> int:
        """Print a block's plain output as the compiled core assembled it, with the lines it left
        (`LineScanner.assemble`) put in their places; the tails worked out for them are given to
        the core's table, so that the next lines with their errors' meanings are written there."""
        if not data and not holes:
            return 0
        self.matched = True
        sink = cast("_PlainSink", self._sink)
        write, put = sink.matched_with_tail, sink.assembled
        tails = self._native_tails
        assert tails is not None
        at = 0
        for offset, hit, slot, count in holes:
            if offset > at:
                put(data[at:offset])
                at = offset
            tail = self._tail(sink, hit)
            if slot >= 0 and count < 0:
                tails.put(slot, tail)
            elif slot >= 0 and count == len(hit.findings):
                # A line of several errors: the tail of each, which the core joins as `annotation` does.
                for index, finding in enumerate(hit.findings):
                    tails.put(slot + index, self._finding_tail(sink, finding))
            write(hit, tail, name)
        if at < len(data):
            put(data[at:])
        sink.flush()  # a live stream is shown as soon as its lines are read (and `data` is written before it goes)
        return written + len(holes)

    def _tail(self, sink: _PlainSink, hit: Hit) -> bytes:
        """The tail of a line's errors in plain output, worked out once per key (`_plain_block`)."""
        findings = hit.findings
        if len(findings) == 1:
            f = findings[0]
            key: object = (f.code, f.module_code, f.error_code, f.code_desc, f.form)
        else:
            key = tuple([(f.code, f.module_code, f.error_code, f.code_desc, f.form) for f in findings])
        tails = self._tails
        tail = tails.get(key)
        if tail is None:
            tail = sink.tail(self._explain(hit))
            if len(tails) >= _TAILS:
                tails.clear()
            tails[key] = tail
        return tail

    def _finding_tail(self, sink: _PlainSink, finding: Finding) -> bytes:
        """The tail of one error, as a line of it alone has it (`_tail`'s key)."""
        key = (finding.code, finding.module_code, finding.error_code, finding.code_desc, finding.form)
        tail = self._tails.get(key)
        if tail is None:
            from .explanation import explain_finding  # loaded: a lookup in sys.modules, not an import

            tail = sink.tail([explain_finding(finding, self.registry)])
            if len(self._tails) >= _TAILS:
                self._tails.clear()
            self._tails[key] = tail
        return tail

    def _kept(self, hits: list[tuple[int, Hit]]) -> list[tuple[int, Hit]]:
        """The lines with an error that the filter keeps (the tail of a line tells of the errors
        kept alone: `_tail` explains it through the filter)."""
        wanted = self._wanted
        return [(at, hit) for at, hit in hits if any(wanted(f) for f in hit.findings)]

    def _wanted(self, f: Finding) -> bool:
        """Whether the filter keeps an error: asked once per meaning, on which alone it depends."""
        key = (f.code, f.module_code, f.error_code, f.code_desc, f.form)
        wanted = self._keeps.get(key)
        if wanted is None:
            from .explanation import explain_finding

            if len(self._keeps) >= _TAILS:
                self._keeps.clear()
            wanted = self._keeps[key] = self._only.keep(explain_finding(f, self.registry))
        return wanted

    def _keyed_tail(self, sink: _PlainSink, key: tuple[object, ...]) -> bytes:
        """The tail of a line read for it alone (`LineScanner.scan_plain`), whose key the table let go:
        worked out again from a finding of that key (the tail shows nothing else of it)."""
        code, module_code, error_code, code_desc, form = key
        finding = Finding(code=cast(str, code), form=cast(str, form), start=0, end=0,
                          module_code=cast("int | None", module_code), error_code=cast("int | None", error_code),
                          code_desc=cast("str | None", code_desc))
        return self._tail(sink, Hit(0, b"", "", (finding,)))

    def _plain_block(self, hits: Sequence[Hit | Keyed], name: str) -> int:
        """Print a block's hits in plain output (no filter, no context): each line's bytes and the
        tail of its errors, which depends on their meanings alone, so it is worked out once per
        (code, module code, gateway code, codeDesc, form) of its errors (`explain_finding`'s key but
        the message, which only says whether the message agrees), not by explaining every line.
        A line read for its tail alone (`Keyed`: `LineScanner.scan_plain`) comes with that key.
        Where the sink says how it begins a line (`line_prefix`), the block's output is assembled
        here and handed over at once, as the compiled core's is (`_plain_assembled`)."""
        if not hits:
            return 0
        self.matched = True
        sink = cast("_PlainSink", self._sink)
        tails = self._tails
        line_prefix = getattr(sink, "line_prefix", None)
        layout: tuple[bytes, bool] | None = None if line_prefix is None else line_prefix(name)
        if layout is None:
            write = sink.matched_with_tail
            for hit in hits:
                assert type(hit) is Hit  # keyed lines are asked for only where a prefix is known
                write(hit, self._tail(sink, hit), name)
            sink.flush()  # a live stream is shown as soon as its lines are read
            return len(hits)
        prefix, numbers = layout
        out: list[bytes] = []
        put = out.append
        get = tails.get
        for item in hits:
            if isinstance(item, Hit):  # (not `cast` in the other branch: a call a line)
                hit = item
                findings = hit.findings
                if len(findings) == 1:
                    f = findings[0]
                    tail = get((f.code, f.module_code, f.error_code, f.code_desc, f.form))
                else:
                    tail = None
                if tail is None:
                    tail = self._tail(sink, hit)
                line, number = hit.line, hit.line_number
                if len(line) > _LONG_LINE:  # written in pieces by the sink, never copied whole
                    sink.assembled(memoryview(b"".join(out)))
                    out.clear()
                    sink.matched_with_tail(hit, tail, name)
                    continue
            else:
                line, number, key = item
                tail = get(key)
                if tail is None:
                    tail = self._keyed_tail(sink, key)
            if numbers:
                put(b"%s%d:" % (prefix, number))
            elif prefix:
                put(prefix)
            put(line)
            put(tail)
            put(b"\n")
        if out:
            sink.assembled(memoryview(b"".join(out)))
        sink.flush()  # a live stream is shown as soon as its lines are read
        return len(hits)

    def _parallel(self) -> bool:
        """Whether parts of an input may be searched in several processes: no context to carry
        across parts, no -l, which reads an input only up to its first match, no --timeline."""
        if self._jobs < 2 or self._files_only or self._before or self._after or self._timeline:
            return False
        return self._sink is None or (self._printer is not None and self._out is not None)

    def _splits(self, path: str, stream: IO[bytes]) -> bool:
        """Whether to search this input in byte ranges, one process each: a large plain file."""
        if path == STDIN or not self._parallel():
            return False
        if not isinstance(stream, io.FileIO):  # a compressed file is read through its decompressor
            return False
        try:
            info = os.fstat(stream.fileno())
        except OSError:
            return False
        return stat.S_ISREG(info.st_mode) and info.st_size >= SPLIT_MIN

    def _search_split(self, path: str, name: str, stream: IO[bytes]) -> int:
        """Search a file's ranges, cut at line ends, in parallel: this process the first, a forked
        child each other one; the children's output and counts are taken in order, so the result
        is the same byte for byte as one process's."""
        from . import parallel

        fd = stream.fileno()
        # A scanner made before the children, for its block core (built once per matcher, kept by
        # it): they inherit the core, which each built again after the fork (2 to 6 ms a part).
        self._scanner()
        ranges = list(itertools.pairwise(_line_bounds(fd, os.fstat(fd).st_size, self._jobs)))
        parts: deque[tuple[parallel.Forked, int, int]] = deque()
        seen_before, seen_bytes_before = dict(self.seen), self._seen_bytes
        self._parts_quiet, self._outgrown = True, False  # the children inherit it
        self._budget = SUMMARY_BYTES // len(ranges)  # and their share of the budget
        try:
            try:
                for start, end in ranges[1:]:
                    search = functools.partial(self._range, path, name, fd, start, end)
                    parts.append((parallel.fork(functools.partial(self._part, search)), start, end))
            except OSError:  # no room for temporary files, no more processes: search it alone
                parallel.end(part for part, _, _ in parts)
                parts.clear()
                ranges = [(0, ranges[-1][1])]
            try:
                lines = self._range(path, name, fd, *ranges[0])
            except _Outgrown:
                lines = 0
            self._budget = SUMMARY_BYTES
            while parts and not self._outgrown:  # once a part outgrew its share, the others are not waited for
                part, start, end = parts.popleft()
                try:
                    merged = self._merge(path, part)
                except _Outgrown:  # the parts' codes together, with earlier files' (not in their shares)
                    break
                if merged is None:
                    # Killed, or its output could not be written (a full $TMPDIR): this process
                    # searches the part, in its place in the output, and nothing is lost.
                    self._on_error(path, f"a search process ended before it searched {self._bytes(fd, start, end)}; "
                                         "this process searched them")
                    merged = self._range(path, name, fd, start, end)
                lines += merged
        finally:
            parallel.end(part for part, _, _ in parts)  # stopped early (a closed pipe, Ctrl-C): end the others
            self._parts_quiet, self._budget = False, SUMMARY_BYTES
        if self._outgrown and self._sink is None:
            # Which codes --summary counts apart depends on the order they are first met in, which
            # parts do not know: this file's codes are counted again, in one process (nothing was printed).
            self.seen, self._seen_bytes = seen_before, seen_bytes_before
            lines = self._range(path, name, fd, 0, ranges[-1][1])
        return lines

    def _bytes(self, fd: int, start: int, end: int) -> str:
        """A part of a file, as a note names it: its lines when they are counted, and its bytes."""
        where = f"bytes {start} to {end}"
        if self.count_lines:
            return f"lines {_count_lines(fd, start) + 1} to {_count_lines(fd, end)} ({where})"
        return f"the lines of {where}"

    def _range(self, path: str, name: str, fd: int, start: int, end: int) -> int:
        """Search the lines of `fd` from byte `start` (a line's start) to `end`."""
        scanner = self._scanner()
        self._repeats = Repeats()
        if start:
            lines_before = _count_lines(fd, start) if self.count_lines else 0
            from .blocks import bytes_above  # the block API's own start of a range (kmserr.blocks)

            above = bytes_above(functools.partial(os.pread, fd), start)
            scanner.resume(lines_before, above)
            self._repeats = self._repeats_above(above)
        return self._run(self._blocks(cast(IO[bytes], _Range(fd, start, end)), path, scanner), name, scanner)

    def _repeats_above(self, above: bytes) -> Repeats:
        """What a part of a file counts once (kmserr.repeats), knowing the errors of the lines above
        it as one process would: a traceback's last line at a part's start repeats its log line's."""
        if self._sink is not None or not (self._codes or self._timeline is not None) or not above:
            return Repeats()  # grep's lines and -c count every line
        from .blocks import scan_above

        return Repeats.after(scan_above(above, self.matcher, self._envelope))

    def _batches(self, path: str, stream: IO[bytes]) -> bool:
        """Whether to search standard input in batches of lines, several processes at once."""
        # Not for --summary: which codes it counts apart depends on the order they are first met
        # in (SUMMARY_BYTES), and what was read from a pipe cannot be read again.
        if path != STDIN or not self._parallel() or (self._sink is None and self._codes):
            return False
        try:
            stream.fileno()  # select() tells whether a read would wait
        except (OSError, ValueError, io.UnsupportedOperation):
            return False
        return True

    def _search_batches(self, path: str, name: str, stream: IO[bytes]) -> int:
        """Search standard input in batches of whole lines as they are read: workers search the
        batches of a fast stream, this process the others, and each batch's output is written in
        input order; what was read is searched and shown before a read that would wait."""
        self._scanner()  # for its block core, built once per matcher: the workers forked later inherit it
        batches = _Batches(self, path, name, stream.fileno())
        try:
            for buf, start, end in self._blocks(stream, path, batches, before_read=batches.waiting):
                batches.add(buf, start, end)
            batches.finish()
        finally:
            batches.workers.stop()  # stopped early (a closed pipe, Ctrl-C) or not, no worker outlives it
        return batches.kept

    def _search_sent(self, name: str, start: bytes, lines: bytes, output: IO[bytes], result: IO[bytes]) -> None:
        """A worker's search of a batch sent to it: its start (`_START`, then the bytes above it) and its lines."""
        (lines_before,) = _START.unpack_from(start)
        scanner = self._scanner(lines_before, start[_START.size :])
        self._repeats = self._repeats_above(start[_START.size :])
        self._part(functools.partial(self._run, [(lines, 0, len(lines))], name, scanner), output, result)

    def _part(self, search: Callable[[], int], output: IO[bytes], result: IO[bytes]) -> None:
        """Search a part of an input on its own, as a forked child does (or this process, while parts
        before it are still searched): its lines printed into `output`, its counts pickled into `result`."""
        import pickle

        kept = self._sink, self.seen, self._seen_bytes, self.matched, self.failed
        if self._sink is not None and self._printer is not None:
            self._sink = self._printer(output)
        self.seen, self.matched, self.failed = {}, False, False
        try:
            try:
                lines = search()
            except _Outgrown:  # its counts are not those one process would keep: the file is counted again
                lines = 0
            if self._sink is not None:
                self._sink.flush()
            output.flush()
            pickle.dump((lines, self.matched, self.failed, self.seen, self._outgrown), result)
            result.flush()
        finally:
            self._sink, self.seen, self._seen_bytes, self.matched, self.failed = kept

    def _merge(self, path: str, part: parallel.Part) -> int | None:
        """Take a part's result after what came before it: its counts, its codes, its output; None
        when its process died before it could say (killed, out of memory, no room for its output)."""
        import pickle

        from . import parallel

        part.finished(wait=True)
        output, result = part.output, part.result
        try:
            result.seek(0)
            try:
                lines, matched, failed, seen, outgrown = pickle.load(result)
            except Exception:  # the child died before it could say (killed, out of memory)
                return None
            self.failed |= failed
            self._outgrown |= outgrown
            self.matched |= matched  # before the output is written: `| head` must not turn found into not found
            for code, later in seen.items():  # in the order the part first saw them, as one process would
                code, earlier = self._slot(code)
                if earlier is None:
                    self._seen_bytes += len(code) + _CODE_COST
                    self.seen[code] = later if code == later.example.finding.code else later._replace(
                        example=_other_codes(later.example))
                else:
                    self.seen[code] = Seen(earlier.times + later.times, earlier.first or later.first,
                                           later.last or earlier.last, earlier.example)
            if self._sink is not None and self._out is not None:
                self._sink.flush()
                parallel.copy(output, self._out)
                self._out.flush()  # shown now: the next read may wait on a live stream
            return int(lines)
        finally:
            part.close()

    def _blocks(
        self, stream: IO[bytes], path: str, scanner: _Lines, before_read: Callable[[], None] | None = None
    ) -> Iterator[tuple[bytes, int, int]]:
        """Whole lines of the input, as (buffer, start, end), each read's lines as soon as it is read.

        A line that a read cuts is carried in pieces and joined once, when its end arrives, so a
        line longer than a block costs its size, not its size times the number of reads. It is
        given without its newline, so that its bytes are its hit's, never copied again; beyond
        LINE_LIMIT it is cut, said once per input (exit status 2: what was not searched may hold errors).
        `before_read` is called before each read (a search in batches shows what it has read before
        a read that would wait)."""
        # read1 returns what a pipe holds now instead of waiting for a full block: live streams.
        read = getattr(stream, "read1", stream.read)
        carry = Carry()
        done = carried_from = 0  # bytes read before this read's chunk; where the carried line starts
        noted = False
        # A chain of cut records (CRI's `P`s, Docker's records without `\n`) that a read ended
        # before its last record, held with what followed it and searched with the next read: a
        # record's error reads the records below it (unwrap.Chains), and a stream's reads end
        # anywhere (a file and the same bytes through a pipe gave it other messages).
        held = b""
        # A pretty-printed object or a stack that a read of a live stream ended inside (`scan.open_start`),
        # held until more comes, LINGER at most: a file's block reads the lines below an error's
        # line (its object's message and request ID, the code below a legacy message), and the same
        # bytes through a pipe, written in pieces, lost them or told the error twice.
        waits = _waits(stream)
        lingering = False
        while True:
            settle = lingering and waits is not None and not _arrives(waits, LINGER)
            lingering = False
            chunk: bytes
            if settle:  # nothing more came: what was held is read as it stands
                chunk, held, ended = held, b"", False
            else:
                if before_read is not None:
                    before_read()
                try:
                    chunk = read(BLOCK_SIZE)
                except _read_errors() as exc:  # an unreadable file, a corrupt or truncated archive
                    self._fail(path, _describe(exc))
                    chunk = b""
                ended = not chunk
                if held:
                    chunk, held = held + chunk, b""
            first = chunk.find(b"\n")
            start = 0
            if carry and (first >= 0 or not chunk):
                carry.add(chunk[:first] if first >= 0 else b"")
                if carry.cut and not noted:  # said before the line is printed, or at once from /dev/zero
                    noted = self._note_cut(path, scanner, carried_from)
                line, _ = carry.take(b"")
                if not ended and len(line) <= HOLD_MOST and (
                        waits is not None or scan.cut_record(line, 0, len(line))
                        or scan.open_wrapped(line, 0, len(line)) < len(line)):
                    # A record of a chain that the last read cut, rich's wrapped text, or any line of
                    # a live stream (an object's, whose error reads the lines below it): read with
                    # the lines after it.
                    chunk, first, done = line + chunk[first:], len(line), carried_from
                else:
                    yield line, 0, len(line)
                    start = first + 1
                del line  # not held while later reads are searched (nor in a worker forked meanwhile)
            if not chunk:
                return
            if first < 0:
                if not carry:
                    carried_from = done
                carry.add(chunk)
                done += len(chunk)
                if carry.cut and not noted:
                    noted = self._note_cut(path, scanner, carried_from)
                continue
            last = chunk.rfind(b"\n") + 1
            chain = last if ended else scan.chain_start(chunk, start, last)
            if waits is None and not ended:
                # So is rich's wrapped text whose request ID a read of a file has not reached: the
                # lines below it say where it ends (a block's last line is its end). A live stream's
                # is held a moment, as an object's is (`scan.open_start`, below).
                chain = min(chain, scan.open_wrapped(chunk, start, last))
            if chain < last and len(chunk) - chain <= HOLD_MOST:
                if chain > start:
                    yield chunk, start, chain
                held = chunk[chain:]
                done += chain
                continue
            opened = last if ended or settle or waits is None else scan.open_start(chunk, start, last)
            if opened < last and len(chunk) - opened <= HOLD_MOST:
                if opened > start:
                    yield chunk, start, opened
                held, lingering = chunk[opened:], True
                done += opened
                continue
            if last > start:
                yield chunk, start, last
            if last < len(chunk):
                carried_from = done + last
                carry.add(chunk[last:])
            done += len(chunk)

    def _note_cut(self, path: str, scanner: _Lines, line_start: int) -> bool:
        """Say that a line is cut at LINE_LIMIT (exit status 2: what was not searched may hold errors)."""
        where = f"line {scanner.lines_done + 1}" if self.count_lines else f"the line at byte {line_start}"
        self._fail(path, f"{where} is longer than {_size(scan.LINE_LIMIT)}: "
                         f"only the first {_size(scan.LINE_LIMIT)} of such lines are searched")
        return True

    def _explain(self, hit: Hit) -> list[Explanation]:
        from .explanation import explain_finding  # loaded: a lookup in sys.modules, not an import

        registry = self.registry
        if len(hit.findings) == 1:  # most lines: no list built only to be filtered
            item = explain_finding(hit.findings[0], registry)
            return [item] if not self._only.active or self._only.keep(item) else []
        items = [explain_finding(f, registry) for f in hit.findings]
        return [i for i in items if self._only.keep(i)] if self._only.active else items

    def _take(self, hit: Hit, items: list[Explanation], name: str) -> None:
        if self._sink is not None and not self._files_only:
            self._sink.matched(hit, items, name)
            return
        if self._timeline is None and not self._codes:
            return  # -c: the lines are counted by the caller
        stamp = hit.stamp(self._now, self._envelope)  # the envelope's time where the app's line has none
        if self._timeline is not None:
            self._timeline.add(stamp.when if stamp else None, (item.finding.code for item in items))
            return
        when = stamp.text if stamp else None
        for item in items:
            code, earlier = self._slot(item.finding.code)
            if earlier is None:
                self._seen_bytes += len(code) + _CODE_COST
                # Only what the summary prints: not the line's message, request ID or description.
                finding = Finding(code=item.finding.code, form=item.finding.form, start=0, end=0)
                kept = item._replace(finding=finding, message_agrees=None)
                self.seen[code] = Seen(1, when, when, kept if code == item.finding.code else _other_codes(kept))
            else:
                self.seen[code] = Seen(earlier.times + 1, earlier.first or when, when or earlier.last, earlier.example)

    def _summarize(self, hits: list[tuple[int, Hit]]) -> int:
        """--summary of a block's lines (the lines kept): each code's count, and a line's time read
        only where it can change what is shown. A code met before is counted and its lines held;
        at the block's end its first time is read from them forward while it has none, its last
        from the block's end back, where `_take` read every line's time (a third of the work)."""
        seen, counted, held, once = self.seen, self._counted, dict[str, list[Hit]](), self._repeats.once
        kept = 0
        for _, hit in hits:
            hit = once(hit)
            codes = counted(hit)
            if not codes:
                continue
            kept += 1
            if all(code in seen for code in codes):
                for code in codes:
                    held.setdefault(code, []).append(hit)
                continue
            # A code first met (or past SUMMARY_BYTES): its row is made where the order says.
            self._summarize_held(held)
            held.clear()
            self._take(hit, self._explain(hit), "")
        self._summarize_held(held)
        return kept

    def _time(self, hits: list[tuple[int, Hit]]) -> int:
        """--timeline of a block's lines (the lines kept): each line's errors counted at its time,
        explained only where a filter asks which count."""
        now, envelope, counted, once = self._now, self._envelope, self._counted, self._repeats.once
        add = cast("Timeline", self._timeline).add
        kept = 0
        for _, hit in hits:
            codes = counted(once(hit))
            if not codes:
                continue
            kept += 1
            stamp = hit.stamp(now, envelope)  # the envelope's time where the app's line has none
            add(stamp.when if stamp else None, codes)
        return kept

    def _counted(self, hit: Hit) -> list[str]:
        """The codes of a line's errors that count: all, or those the filter keeps."""
        if self._only.active:
            wanted = self._wanted
            return [f.code for f in hit.findings if wanted(f)]
        return [f.code for f in hit.findings]

    def _summarize_held(self, held: dict[str, list[Hit]]) -> None:
        """Count the lines held for codes met before, as `_take` would have one at a time."""
        seen, now, envelope = self.seen, self._now, self._envelope
        for code, lines in held.items():
            earlier = seen[code]
            first, last = earlier.first, None
            for hit in lines:
                if first:
                    break
                stamp = hit.stamp(now, envelope)
                first = first or (stamp.text if stamp else None)
            for hit in reversed(lines):
                stamp = hit.stamp(now, envelope)
                if stamp and stamp.text:
                    last = stamp.text
                    break
            seen[code] = Seen(earlier.times + len(lines), first, last or earlier.last, earlier.example)

    def _slot(self, code: str) -> tuple[str, Seen | None]:
        """Where --summary counts a code: its own row, or OTHER_CODES once SUMMARY_BYTES are held
        (said once); with what it holds so far (None: a row to make)."""
        earlier = self.seen.get(code)
        if earlier is None and code != OTHER_CODES and self._seen_bytes + len(code) + _CODE_COST > self._budget:
            self._outgrown = True
            if self._parts_quiet:  # a part of a file: stopped, the file is counted again in one process
                raise _Outgrown
            code, earlier = OTHER_CODES, self.seen.get(OTHER_CODES)
            if earlier is None and not self._parts_quiet:
                self._on_error(self._path, f"more distinct codes than --summary holds ({_size(SUMMARY_BYTES)} "
                                           f"of them): those first seen from here on are counted as {OTHER_CODES}")
        return code, earlier

    def _fail(self, path: str, problem: str) -> None:
        self._on_error(path, problem)
        self.failed = True


WARM: Final = 16 << 10  # the first piece of an input assembled alone, so that the table learns early


def _warm(blocks: Iterable[tuple[bytes, int, int]]) -> Iterator[tuple[bytes, int, int]]:
    """The blocks, the first cut in pieces of WARM bytes, then twice that, and so on: the
    compiled core learns the meanings of an input's first lines from Python (a hole each), then
    writes their like in the next pieces itself, where a whole block was Python's for every line
    whose meaning it had not met yet (the same meaning a hole again each time in one block)."""
    size = WARM
    for buf, start, end in blocks:
        while size < BLOCK_SIZE and end - start > 2 * size:
            cut = _piece_end(buf, start, start + size, end)
            if cut >= end:
                break
            yield buf, start, cut
            start = cut
            size *= 2
        size = BLOCK_SIZE
        yield buf, start, end


# --json's records assembled by the compiled core a piece of this many bytes at a time: about five
# times that at 50% errors, written out while still in the CPU's cache (a block's 5 MB pushed the
# first out before they were written, and the table's meanings with them: 4-10% of --json's CPU).
JSON_PIECE: Final = 256 << 10


def _pieces(blocks: Iterable[tuple[bytes, int, int]], size: int) -> Iterator[tuple[bytes, int, int]]:
    """The blocks cut in pieces of `size` bytes or a little more (whole lines), as `_warm` cuts them."""
    for buf, start, end in blocks:
        while end - start > size:
            cut = _piece_end(buf, start, start + size - 1, end)
            if cut >= end:
                break
            yield buf, start, cut
            start = cut
        yield buf, start, end


def _piece_end(buf: bytes, start: int, at: int, end: int) -> int:
    """Where a piece of `buf[start:end]` cut near `at` ends: the next line's start, moved on past a
    chain of cut records, rich's wrapped text and a pretty-printed object (a record's, rich's or a
    code's line reads the lines below it); `end` where no line starts before it."""
    cut = buf.find(b"\n", at, end) + 1
    if not 0 < cut < end:
        return end
    cut = scan.object_end(buf, scan.wrapped_end(buf, start, scan.chain_end(buf, start, cut, end), end), end)
    for _ in range(_PIECE_END_ROUNDS):  # an object's indented lines may end inside rich's wrapped text
        moved = scan.wrapped_end(buf, start, scan.chain_end(buf, start, cut, end), end)
        if moved == cut:
            break
        cut = scan.object_end(buf, moved, end)
    return cut


# How many more times a piece's end moved past indented lines is moved on past a chain or rich's
# wrapped text it ended inside (`_piece_end`): each round a few lines, NODE_BELOW at most.
_PIECE_END_ROUNDS: Final = 4


class _Outgrown(Exception):
    """A part of a file met more distinct codes than its share of SUMMARY_BYTES."""


def _other_codes(example: Explanation) -> Explanation:
    """The example of the OTHER_CODES row: no code's, so no entry or family to show."""
    finding = example.finding._replace(code=OTHER_CODES)
    return example._replace(finding=finding, entry=None, family=None, message_agrees=None)


_UNEXPLAINED: Final[list[Explanation]] = []  # a line whose printer works out its errors' meanings itself


def _matched(sink: Sink, hit: Hit, items: list[Explanation], *, name: str) -> None:
    sink.matched(hit, items, name)


class _Context:
    """grep's -B/-A over blocks of whole lines: the lines around each match are found from its
    offset, by searching back and forth for newlines, so the cost is that of the lines printed.

    The lines of earlier blocks that a later match may need (-B) are held as whole blocks'
    tails, never split; those beyond NUM lines are let go."""

    def __init__(
        self, before: int, after: int, sink: Sink, name: str, matched: Callable[[Hit, list[Explanation]], None],
    ) -> None:
        self._before, self._after = before, after
        self._sink, self._name, self._matched = sink, name, matched
        self._last = 0  # the number of the last line printed
        self._left = 0  # lines still to print after the last match
        # Unprinted lines of earlier blocks: (number of the first, buffer, start, end, line count).
        self._held: deque[tuple[int, bytes, int, int, int]] = deque()
        self._held_lines = 0

    def block(
        self, buf: bytes, start: int, end: int, first_number: int, kept: list[tuple[int, Hit, list[Explanation]]]
    ) -> None:
        """Give the sink the matches of one block of whole lines, and the lines around them."""
        pos, number = start, first_number  # the first line of the block not yet passed
        for line_start, hit, items in kept:
            pos, number = self._after_lines(buf, pos, line_start, number)
            wanted = min(self._before, hit.line_number - max(self._last + 1, 1))
            held = self._lines_before(buf, pos if number > first_number else start, line_start, wanted,
                                      from_held=number == first_number)
            first = hit.line_number - len(held)
            if self._last and first > self._last + 1:
                self._sink.context_break()
            for offset, line in enumerate(held):
                self._sink.context(first + offset, line, self._name)
            self._matched(hit, items)
            self._held.clear()
            self._held_lines = 0
            self._last, self._left = hit.line_number, self._after
            newline = buf.find(b"\n", line_start, end)
            pos, number = (end if newline < 0 else newline + 1), hit.line_number + 1
        pos, number = self._after_lines(buf, pos, end, number)
        self._hold(buf, pos, end, number)

    def _after_lines(self, buf: bytes, pos: int, stop: int, number: int) -> tuple[int, int]:
        """Print the lines still owed to the last match, from `pos` up to `stop` at most."""
        while self._left and pos < stop:
            newline = buf.find(b"\n", pos, stop)
            line_end = stop if newline < 0 else newline
            self._sink.context(number, buf[pos:line_end], self._name)
            self._last, self._left = number, self._left - 1
            pos, number = line_end + 1, number + 1
        return pos, number

    def _lines_before(self, buf: bytes, floor: int, line_start: int, wanted: int, *, from_held: bool) -> list[bytes]:
        """Up to `wanted` lines just above a match: of this block down to `floor`, then, when the
        block's lines are all unprinted, of the blocks held before it."""
        found: list[bytes] = []
        end = line_start
        while len(found) < wanted and end > floor:
            begin = buf.rfind(b"\n", floor, end - 1) + 1 or floor
            found.append(buf[begin : end - 1])
            end = begin
        if from_held:
            for _, held, held_start, held_end, _ in reversed(self._held):
                end = held_end
                while len(found) < wanted and end > held_start:
                    begin = held.rfind(b"\n", held_start, end - 1) + 1 or held_start
                    found.append(held[begin : end - 1])
                    end = begin
                if len(found) >= wanted:
                    break
        found.reverse()
        return found

    def _hold(self, buf: bytes, pos: int, end: int, number: int) -> None:
        """Keep the unprinted lines at the end of a block for the next match's -B, no more than NUM."""
        if not self._before or pos >= end:
            return
        # A block without its newline is a long line (Search._blocks) or the input's last line,
        # after which nothing is looked for: held as if it ended with one, so read up to `end`.
        ended = buf.endswith(b"\n", pos, end)
        count = buf.count(b"\n", pos, end) + (not ended)
        self._held.append((number, buf, pos, end if ended else end + 1, count))
        self._held_lines += count
        while self._held and self._held_lines - self._held[0][4] >= self._before:
            self._held_lines -= self._held.popleft()[4]


# How long the lines of an object that a read of a live stream ended inside wait for the rest
# (`Search._blocks`): a logger writes an object in one write or a few at once, a shipper flushes
# more often than this; a finding waits no longer before it is shown.
LINGER: Final = 0.5


def _waits(stream: IO[bytes]) -> int | None:
    """The descriptor of a stream whose reads may wait for input (a pipe, a socket, a terminal),
    whose reads select() can foretell; None for a file, an archive or what is not the system's."""
    if sys.platform == "win32" or not isinstance(stream, (io.FileIO, io.BufferedReader)):
        return None
    try:
        fd = stream.fileno()
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) else None


def _arrives(fd: int, seconds: float) -> bool:
    """Whether more input (or its end) comes within `seconds`."""
    import select

    return bool(select.select([fd], [], [], seconds)[0])


# At most this much of a stream is held for a chain of cut records whose end a read has not
# reached (`Search._blocks`): scan.CHAIN_MOST records of a runtime's 16 KiB and a block after them.
HOLD_MOST: Final = scan.CHAIN_MOST * (16 << 10) + BLOCK_SIZE
SPLIT_MIN: Final = 16 << 20  # a smaller file is searched before the processes for its parts would start
PART_MIN: Final = 4 << 20  # a file is cut in parts of at least this size: more would cost more than they save
# -j is bounded by the cores: `-j1000` forked 999 processes at once, 8.7 times slower than -j2.
JOBS_PER_CORE: Final = 4
# The lines of standard input sent to a worker at once (searching them takes some tens of ms);
# what arrives slower than this fills is searched here as it comes (a live stream).
BATCH: Final = 4 << 20


class _Batches:
    """Standard input in batches of whole lines, as `Search._blocks` reads them: a batch that fills
    (the input arrives faster than it is searched) is sent to a worker while this process reads
    on and searches the next; each batch's output is written in input order. Before a read that
    would wait, what was read is searched and shown, so a live stream keeps its latency."""

    def __init__(self, search: Search, path: str, name: str, fd: int) -> None:
        self._search, self._path, self._name, self._fd = search, path, name, fd
        self._pending: list[tuple[bytes, int, int]] = []  # read, not yet searched
        self._size = 0
        self._start = (0, b"", 0)  # the lines before the pending ones, the bytes above them, their offset
        self.lines_done = 0  # lines read (counted only for line numbers), for `Search._note_cut`
        self._above = b""  # the end of what was read: Node's error object above the next line
        self._offset = 0
        # Batches searched or being searched, not yet written, in input order, each with what to
        # say of its lines if its worker dies.
        from . import parallel

        self.queue: deque[tuple[parallel.Part, str]] = deque()
        self.workers = parallel.Pool(search._jobs - 1, functools.partial(search._search_sent, name))
        self.kept = 0

    def add(self, buf: bytes, start: int, end: int) -> None:
        """Take a block of whole lines; search the batch when it is full."""
        if not self._pending:
            self._start = (self.lines_done, self._above, self._offset)
        self._pending.append((buf, start, end))
        self._size += end - start
        ended = buf.endswith(b"\n", start, end)  # a long line's block (Search._blocks) comes without its newline
        self._offset += end - start + (not ended)
        if self._search.count_lines:
            self.lines_done += buf.count(b"\n", start, end) + (not ended)
        self._above = lines_above(self._above, buf, start, end)
        if self._size < BLOCK_SIZE:
            return
        # A free worker is given a whole batch; while none is free, this process searches a block
        # at a time, so that it checks again soon and the workers are kept busy.
        worker = self._worker()
        if worker is not None and self._size < BATCH:
            return
        self._dispatch(worker)
        self._merge(wait=len(self.queue) > _QUEUE * self._search._jobs)  # outputs held: a slow worker

    def waiting(self) -> None:
        """Before a read: when it would wait, search what was read and write every batch read so far,
        waiting for their workers unless more input comes first."""
        from . import parallel

        if not (self._pending or self.queue) or parallel.readable(self._fd):
            return
        self._dispatch(self._worker())
        while self.queue:
            head = self.queue[0][0]
            if head.done >= 0:  # a worker's: wait until it is searched or more input comes
                import select  # here: a pipe's batches only

                ready = select.select([self._fd, head.done], [], [])[0]
                if head.done in ready:
                    head.finished(wait=True)
                elif ready:
                    return
            self._merge(wait=False)

    def finish(self) -> None:
        """At the end of the input: search the last batch (here, while the workers finish theirs), write every batch."""
        self._dispatch(None)
        self._merge(wait=True)

    def _worker(self) -> parallel.Worker | None:
        """A free worker for the pending lines, if they are worth one: at least a block, and no
        long line (a copy of a line of up to LINE_LIMIT in a worker would double what is held)."""
        if not BLOCK_SIZE <= self._size <= BATCH + BLOCK_SIZE:
            return None
        return self.workers.idle()

    def _dispatch(self, worker: parallel.Worker | None) -> None:
        """Search the pending lines: in `worker`, else here (straight into the output when no
        batch is before them)."""
        if not self._pending:
            return
        lines_before, above, offset = self._start
        pending = self._pending
        self._pending, self._size = [], 0
        if self._search.count_lines:
            lost = f"lines {lines_before + 1} to {self.lines_done}"
        else:
            lost = f"the lines from byte {offset} to byte {self._offset}"
        sent = worker.send(_START.pack(lines_before) + above, pending) if worker is not None else None
        if sent is not None:
            self.queue.append((sent, lost))
            return
        search = functools.partial(self._search._run, pending, self._name, self._search._scanner(lines_before, above))
        if not self.queue:
            self.kept += search()
            return
        from . import parallel

        part = parallel.Here(io.BytesIO(), io.BytesIO())
        self._search._part(search, part.output, part.result)
        self.queue.append((part, lost))

    def _merge(self, *, wait: bool) -> None:
        """Write the batches at the head of the queue that are searched; with `wait`, all of them."""
        while self.queue and self.queue[0][0].finished(wait=wait):
            part, lost = self.queue.popleft()
            merged = self._search._merge(self._path, part)
            if merged is None:  # what was read from a pipe cannot be read again
                self._search._fail(self._path, f"a search process ended before it searched {lost}")
            self.kept += merged or 0


_QUEUE: Final = 8  # batches held, searched but not written, for each -j (their output is in memory)
_START: Final = struct.Struct("<Q")  # a batch sent to a worker starts with the number of lines before it


def default_jobs() -> int:
    """The processes -j uses by default: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _line_bounds(fd: int, size: int, parts: int) -> list[int]:
    """Offsets that cut a file into about `parts` equal ranges of at least PART_MIN bytes, each
    moved on to a line's start. The cuts stop at the end: once no newline follows a cut, none of
    the later cuts has one either (a 256 MiB line was read again for every part)."""
    from .blocks import line_start  # where the block API starts a range cut anywhere (kmserr.blocks)

    parts = max(1, min(parts, size // PART_MIN))
    bounds = [0]
    read_at = functools.partial(os.pread, fd)
    for part in range(1, parts):
        at = line_start(read_at, max(size * part // parts, bounds[-1]))
        if at >= size:
            break
        if bounds[-1] < at:
            bounds.append(at)
    return [*bounds, size]


def _count_lines(fd: int, end: int) -> int:
    """The newlines of the file's first `end` bytes, counted in C a block at a time."""
    count, at = 0, 0
    while at < end:
        piece = os.pread(fd, min(BLOCK_SIZE * 4, end - at), at)
        if not piece:
            break
        count += piece.count(b"\n")
        at += len(piece)
    return count


class _Range(io.RawIOBase):
    """Bytes `start` to `end` of a file, read with pread (the processes share one file offset)."""

    def __init__(self, fd: int, start: int, end: int) -> None:
        super().__init__()
        self._fd, self._at, self._end = fd, start, end

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        want = self._end - self._at if size < 0 else min(size, self._end - self._at)
        piece = os.pread(self._fd, want, self._at) if want > 0 else b""
        self._at += len(piece)
        return piece

    def read(self, size: int = -1) -> bytes:
        return self.read1(size)


def open_input(path: str) -> IO[bytes]:
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
    """What reading a file or an archive can raise: lzma and zlib have errors of their own. Asked
    only when a read raises (an `except` clause is evaluated then), so that a grep of plain files
    does not import lzma."""
    import lzma
    import zlib

    return (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error)


def _size(count: int) -> str:
    """A size as the line limit is given: in MiB when it is whole MiB."""
    return f"{count >> 20} MiB" if count % (1 << 20) == 0 else f"{count} bytes"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, EOFError):
        return "the compressed file ends before its end marker (truncated?)"
    return f"cannot read: {exc}"


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
