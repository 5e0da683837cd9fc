"""Which block core runs: the compiled one if it loaded, else Python; one interface for both.

A block core reads a block of whole lines and says which lines carry errors and what they are:
the searcher calls it once a block, never once a line (a call into compiled code costs about a
microsecond). The Python core is the reference: the compiled one (`_native`, optional) must
give the same findings, or hand a line back (None) for the full extractor to read.

The Python core's fast path: most error lines of an incident log are one error in one of a few
common forms (the Python SDK's text, an API 3.0 body, a legacy `(10630) message` or body). Such
a line is read by its form's own regex and builder alone, after a few `in` tests prove that no
other form, name or legacy code on the line could add to it or take it over; anything else goes
through `Extractor.find`. The first line of each (signature, code) goes through both, which must
agree, else that signature is always read in full. Nothing is cached by a line's content.

A block's lines of the common forms are read a form at a time (`_read_batch`): the lines of a form
are joined, the `in` tests that each line's reader makes (no other form's literal in it) are made
once over the joined text, and one regex finds every line's error; a line a batch cannot vouch for
goes to its reader alone. A line costs a few Python operations that way, where each `in` and each
call cost about as much as the line's own reading.

For plain output and `-c`, a block's common lines are first looked for by one regex per form that
must match a line's whole text (`vouch`): the error, and around it nothing that the full extractor
would read (no name, legacy code, other form's literal, quote, escape or envelope). Such a line is
its tail's key by its form and code alone, with no candidate, batch or `Finding`; the block's other
lines are read as below, the vouched ones made blanks for the engine (`blank`).

For --json, the lines a regex vouches for are read so too (`vouch_json`), their message, request
ID and span taken from the match: the record of such a line is its bytes and its meaning's pieces,
with no `Finding` made but for the first line of each (form, code), which the full extractor reads
too and must read as the same `Finding`.

For plain output (`read_texts(codes=True)`), whose tail shows only each error's code, module
code, gateway code, codeDesc and form (`tail_key`), a batch's line is read for that key alone
(`_key_batch`): the regex's groups that the key depends on are looked up by signature, and only
the first line of each is built as a `Finding` and read by the full extractor, which must agree.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Protocol, cast

from .envelopes import (
    _DOCKER_HEAD,
    AUTO,
    NONE,
    SYSLOG_FIRST,
    WRAP_FIRST,
    Simple,
    kubelet_time,
    may_continue,
    may_wrap,
)
from .extract import (
    _ESCAPED_LEGACY,
    _LOGURU_RECORD,
    _SOURCE_FIRST,
    _UNWANTED_VALUES,
    POSSESSIVE,
    _closing,
    _form_span,
    _is_source_line,
    _is_value,
    _past,
    _unescape_with_places,
)
from .forms import (
    _API3_CODE,
    _LEGACY,
    _REQUEST_ID_ANYWHERE,
    API3_JSON,
    LEGACY_JSON,
    LEGACY_MESSAGE,
    LOCATORS,
    NODE_SDK,
    PYTHON_SDK,
    RICH_HEAD,
    RICH_LOG_MARK,
    WINDOW,
    Finding,
    _api3_json,
    _clean,
    _json_unescape,
    _Lazy,
    _lazy,
    _legacy_json_bodies,
    _legacy_json_plain,
    _legacy_message,
    _python_sdk,
    _python_sdk_matches,
    _request_id_near,
    in_string,
    string_message,
)

# NO_EXTENSIONS and native_class live in scan.py: a grep on the compiled core imports no core.py
from .scan import ENVELOPE_FIRST_BYTES, NO_EXTENSIONS, native_class, pretty_line, rich_head, rich_marks_open
from .unwrap import Unwrapper, joined

if TYPE_CHECKING:
    from .engines import Candidates, Engine, Guard
    from .extract import Extractor
    from .matcher import Matcher

ENV: Final = NO_EXTENSIONS  # set (to anything but ""): pure Python, as aio-libs do
# Tests set it False to compare the fast path with the full extractor on every line.
FAST_PATH = True
# Tests set it False to compare the reading of lines in simple envelopes (`PythonCore._read_wrapped`)
# with the searcher's (the full extractor's, with the lines above).
UNWRAP = True

# A candidate line of a block: where it starts, where it ends (without its newline), and its
# findings, or None: this core did not read it (the caller gives it to `Extractor.find`).
Line = tuple[int, int, "tuple[Finding, ...] | None"]


# The findings of a line that `PythonCore.read_texts(codes=True)` read for plain output's tail alone:
# its `tail_key` stands beside it. Not empty, so that it counts as a line with an error.
KEYED: Final = (Finding(code="", form="", start=0, end=0),)


def tail_key(finding: Finding) -> tuple[str, int | None, int | None, str | None, str]:
    """What plain output's tail of a line with this one error depends on (`Search._tail`'s key):
    not its message or request ID, which the tail does not show."""
    return finding.code, finding.module_code, finding.error_code, finding.code_desc, finding.form


class BlockCore(Protocol):
    """What both cores do: the candidate lines of a block of whole lines, in order."""

    name: str  # "native" | "python"

    def read(self, buf: bytes, start: int, end: int) -> list[Line]:
        """Candidate lines of `buf[start:end]` (whole lines), in order: (line start, line end without
        its newline, findings exactly as `Extractor.find` gives them for the line's text, or None:
        not read here, the caller gives the line to the full extractor). Lines not listed hold no error."""
        ...


class NativeClass(Protocol):
    """The compiled core's class, as `_native.load()` returns it."""

    def from_matcher(self, matcher: Matcher) -> BlockCore: ...


def core_name() -> str:
    """Which core a search runs now: "native" or "python" (`kmserr --version` says it)."""
    return "native" if native_class() is not None else "python"


def block_core(matcher: Matcher, engine: Engine | None = None, envelope: str = AUTO) -> BlockCore:
    """The core for a matcher: the compiled one when it loaded (unless an engine other than the
    matcher's is asked for: a test's; or an envelope named by `--envelope`, which the compiled core
    does not know: it hands back the lines that `auto` may open), else the Python one, with `engine`
    or the matcher's."""
    native = native_class()
    key: tuple[object, ...]
    if native is not None and (engine is None or engine is matcher.engine) and envelope in (AUTO, NONE):
        key = (native,)  # it finds its candidates itself, whatever the engine
    else:
        key = (engine or matcher.engine, envelope)
    # Built once per matcher: a search in batches makes a scanner a batch, and the compiled core's
    # tables cost milliseconds to build (its free, in a finalizer, is no place for Ctrl-C either).
    built = matcher.cores.get(key)
    if built is None:
        if native is not None and len(key) == 1:
            built = native.from_matcher(matcher)
        else:
            built = PythonCore(matcher.extractor, engine or matcher.engine, envelope=envelope)
        matcher.cores[key] = built
    return built


class PythonCore:
    """The block core in Python: the engine's candidates, each line read by the fast path or in full."""

    name = "python"

    def __init__(
        self, extractor: Extractor, engine: Engine, *, fast: bool | None = None, check: bool = True,
        envelope: str = AUTO,
    ) -> None:
        """`fast`: whether to read common lines by the fast path (FAST_PATH); `check`: whether the
        first line of each (signature, code) is read in full too (tests turn it off, to see the fast
        path's own readings)."""
        self._extractor = extractor
        self._engine = engine
        self._envelope = envelope
        self._fast = FAST_PATH if fast is None else fast
        self._check = check
        self._checked: set[tuple[object, ...]] = set()  # (signature, code): read both ways once, agreed
        # With Hyperscan, a batch's literals are looked for in one pass of it (`_guards`).
        self._hyperscan = engine.name == "hyperscan"
        self._full: set[tuple[object, ...]] = set()  # signatures whose fast reading disagreed once
        # For plain output's tails (`_key_batch`): by signature, what a line's key depends on, read
        # both ways once and agreed, and the key.
        self._known: dict[tuple[object, ...], dict[object, tuple[object, ...]]] = {}
        # Lines a regex vouches for (`vouch`): by (form, code), the key of their tail, or (): refused.
        self._vouched: dict[tuple[str, object], tuple[object, ...]] = {}
        # The same for --json (`vouch_json`), where the full extractor's finding of the first such line
        # must be the one read from its match too (`_json_first`).
        self._vouched_json: dict[tuple[str, object], tuple[object, ...]] = {}
        self._vouch_pause = 0  # how many blocks more `vouch` leaves alone
        # Lines in a simple envelope (`_read_wrapped`): the core that reads them unwrapped, and how.
        self._inner: PythonCore | None = None
        self._unwrapper = Unwrapper(lambda: extractor, envelope, check=check)

    def read(self, buf: bytes, start: int, end: int) -> list[Line]:
        return self.read_texts(buf, start, end)[0]

    def read_texts(
        self, buf: bytes, start: int, end: int, *, codes: bool = False, find_in: bytes | None = None,
        above: bytes = b"",
    ) -> tuple[list[Line], list[str | None]]:
        """`read`'s lines, and beside each the text it was read as (None: not decoded here), which
        the scanner's hit then holds: a line decoded once, not again for its hit. With `codes`
        (plain output, whose tail shows only what `tail_key` holds), a common line read in a batch
        is listed with KEYED as its findings, and beside it its `tail_key` in place of its text: no
        `Finding` is kept for it, nor a `Hit` made of it. `find_in`: where to look for candidates
        instead of `buf`, the same bytes but for lines blanked (`blank`): those are not read here.
        `above`: what was read before `buf[start:]` (its last line: whether a record there is cut)."""
        found = self._engine.candidates(buf if find_in is None else find_in, start, end)
        if not (found.structured or found.names or found.crowded or found.parens):
            return [], []
        envelope = self._envelope
        opened = envelope != NONE
        # The lines of the common forms are read a batch of a kind at a time (`_read_batch`), each
        # held as `_Held`; the others one by one.
        batching = self._fast and envelope in (AUTO, NONE)
        # Lines in a simple envelope (CRI, Docker, syslog, journald), read unwrapped a block at a time
        # (`_read_wrapped`).
        unwrapping = self._fast and UNWRAP and opened
        wrapped: list[tuple[int, bytes, Simple]] = []
        unwrap = self._unwrapper.record
        # A batch of each kind for ASCII lines and one for the others: one line of another script
        # makes a joined text of four bytes a character, where checks and regexes run slower.
        batches: list[list[_Held]] = [[] for _ in range(2 * len(_BATCHES))]
        lines: list[Line] = []
        texts: list[str | None] = []
        append, keep = lines.append, texts.append
        # The candidate lines of the block, as `_candidate_lines` groups its hits, each read in turn:
        # written out here, where a generator and its tuples cost a tenth of a line's reading.
        kinds = found.kinds
        events = _events(found)
        events.append((end + 1) << 8 | _UNKNOWN_FORM)  # past every line: it ends the last one
        line_start, line_end = 0, -1
        names_at: list[int] | None = []
        parens_at: list[int] | None = []
        located: list[int] = []
        form_sets, rfind, find, n_batches = _FORM_SETS, buf.rfind, buf.find, len(_BATCHES)
        rich = buf.find(_RICH_HEAD, start, end) >= 0  # rich's exception line: looked for in a line only if in the block
        coloured = buf.find(b"\x1b", start, end) >= 0  # a terminal's colours: the full extractor reads them (ansi.py)
        # A RichHandler record's SDK text not ended on its mark's line: its lines in a platform's
        # envelope are looked at too (a line of rich's in a container's log begins with the record's).
        logged = opened and buf.find(_RICH_LOG_MARK, start, end) >= 0 and rich_marks_open(buf, start, end)
        for event in events:
            at = event >> 8
            if at > line_end:
                if line_end >= 0:  # the line before is whole: read it
                    forms = None
                    if kinds is not None:
                        forms = form_sets.get(tuple(located))
                        if forms is None:
                            forms = _forms(located)
                    raw = buf[line_start:line_end]
                    first = raw[:1]
                    if (NODE_SDK in forms if forms is not None else _NODE_CODE in raw) \
                            or pretty_line(raw) or (rich and _RICH_HEAD in raw) or (coloured and b"\x1b" in raw) \
                            or ((first == b" " or (_RICH_LOG_MARK in raw and b"requestId:" not in raw)
                                 or (logged and first in ENVELOPE_FIRST_BYTES))
                                and rich_head(buf, line_start, line_end, start, envelope)):
                        # Node's error object (or a pretty-printed one's line), rich's wrapped exception
                        # line, a coloured line: the searcher's, read with the lines around it.
                        append((line_start, line_end, None))
                        keep(None)
                    elif opened and (raw.find(b" std", 19, 40) >= 0 if first.isdigit() else first in _BRACE_RS) \
                            and ((record := unwrap(raw, buf, start, line_start, above) if unwrapping else None)
                                 or _may_continue(raw)):
                        # A record that may continue one cut short: the searcher's, with the lines above
                        # it, unless it is a simple one (`_read_wrapped`) below no cut record.
                        if record is not None:
                            wrapped.append((len(lines), raw, record))
                        append((line_start, line_end, None))
                        keep(None)
                    elif opened and first in SYSLOG_FIRST and b"#0" in raw and _RSYSLOG_ESCAPE.search(raw):
                        # rsyslog's `#012`s, `#033`s: a record of several lines, or coloured (a
                        # Node error object's `code: #033[32m'...'`): the searcher's, with the lines above.
                        append((line_start, line_end, None))
                        keep(None)
                    elif unwrapping and first in SYSLOG_FIRST \
                            and (record := unwrap(raw, buf, start, line_start, above)) is not None:
                        wrapped.append((len(lines), raw, record))  # a syslog line: read unwrapped too
                        append((line_start, line_end, None))
                        keep(None)
                    else:
                        text = raw.decode("utf-8", "surrogateescape")
                        if text[-1:] == "\r":
                            text = text[:-1]
                        ascii = raw.isascii()
                        if names_at is not None and not ascii:
                            names_at, parens_at = _chars(raw, names_at), _chars(raw, parens_at or [])
                        alone = True
                        if batching and parens_at is not None and names_at is not None and len(text) <= WINDOW \
                                and "\\" not in text:
                            kind = _batch_kind(text, parens_at, opened)
                            if kind >= 0:
                                held: _Held = (len(lines), text, names_at, parens_at, forms, line_start, line_end)
                                batches[kind if ascii else kind + n_batches].append(held)
                                append((line_start, line_end, None))
                                keep(text)
                                alone = False
                        if alone:
                            findings = self._read_one(text, names_at, parens_at, forms)
                            if findings:
                                append((line_start, line_end, findings))
                                keep(text)
                if at > end:
                    break
                line_start = rfind(b"\n", start, at) + 1 or start
                newline = find(b"\n", at, end)
                line_end = end if newline < 0 else newline
                names_at, parens_at, located = [], [], []
            tag = event & 255
            if tag == _NAME:
                if names_at is not None:
                    names_at.append(at - line_start)
            elif tag == _PAREN:
                if parens_at is not None:
                    parens_at.append(at - line_start)
            elif tag == _CROWDED:
                names_at = parens_at = None
            elif tag != _UNKNOWN_FORM:
                located.append(tag)
        emptied = False  # whether a batch's line read alone holds no error after all
        for kind, batch in enumerate(batches):
            if batch:
                emptied = self._read_batch(kind % len(_BATCHES), batch, lines, texts if codes else None) or emptied
        if wrapped:
            emptied = self._read_wrapped(wrapped, lines, texts, codes) or emptied
        if emptied:
            kept = [index for index, line in enumerate(lines) if line[2] is None or line[2]]
            if len(kept) < len(lines):
                lines, texts = [lines[index] for index in kept], [texts[index] for index in kept]
        return lines, texts

    def _read_wrapped(self, wrapped: list[tuple[int, bytes, Simple]], lines: list[Line], texts: list[Any],
                      codes: bool) -> bool:
        """Read the lines in a simple envelope (`envelopes.simple`) as the full extractor reads them,
        unwrapped: their apps' lines joined in a block of their own, which a core of no envelope
        reads (its batches and fast path), each one's findings placed back (`unwrap.Unwrapper`). A
        line whose unwrapped text holds no error is listed without findings: whether one is."""
        inner = self._inner
        if inner is None:
            inner = self._inner = PythonCore(self._extractor, self._engine, fast=self._fast, check=self._check,
                                             envelope=NONE)
        block, where = joined([record for _, _, record in wrapped])
        # For plain output's tails, the lines a regex vouches for first, as `LineScanner.scan_plain` does.
        vouched = inner.vouch(block, 0, len(block)) if codes else []
        blanked = blank(block, vouched) if vouched else None
        got, got_texts = inner.read_texts(block, 0, len(block), codes=codes, find_in=blanked)
        found: list[tuple[tuple[Finding, ...] | None, Any]] = [((), None)] * len(wrapped)
        for (at, _, findings), text in zip(got, got_texts, strict=True):
            found[where[at]] = (findings, text)
        if blanked is not None:
            for at, _, key in vouched:
                found[where[at]] = (KEYED, key)
        emptied = False
        unwrapper = self._unwrapper
        for (place, raw, record), (findings, key) in zip(wrapped, found, strict=True):
            if findings is None:
                continue  # left to the searcher
            line_start, line_end, _ = lines[place]
            if not findings:
                lines[place] = (line_start, line_end, ())
                emptied = True
                continue
            keyed = findings is KEYED
            placed = unwrapper.placed(raw, record, findings, key if keyed else None)
            if placed is not None:
                lines[place] = (line_start, line_end, placed)
                if keyed:
                    texts[place] = key
        return emptied

    def _read_one(
        self, text: str, names_at: list[int] | None, parens_at: list[int] | None, forms: frozenset[str] | None,
    ) -> tuple[Finding, ...]:
        """One line's findings: by the fast path where it applies, else by the full extractor."""
        findings = self._read_fast(text, names_at, parens_at, forms) if self._fast else None
        if findings is None:
            findings = tuple(self._extractor.find(text, names_at, parens_at, forms, envelope=self._envelope,
                                                      after=None))
        return findings

    def _read_batch(self, kind: int, held: list[_Held], lines: list[Line], keys: list[Any] | None = None) -> bool:
        """Read a block's lines of one common form (`_batch_kind`) in one batch, as the form's reader
        (`_Batch.reader`) reads each: the checks that no other form's literal stands in a line are
        made once over the batch's text joined (the common answer: none does), then one regex finds
        every line's error. A line the batch cannot vouch for is read alone (`_read_one`), and so is
        each line of a batch that a literal stands in. Whether a line read alone held no error.
        With `keys` (`read_texts`' texts, with `codes`), a line read here is listed as KEYED, its
        `tail_key` at its place in `keys`."""
        batch = _BATCHES[kind]
        joined = "\n".join([h[1] for h in held])
        offsets = list(accumulate([len(h[1]) + 1 for h in held], initial=0))  # where each line starts in `joined`
        count = len(held)
        once: list[str] = []
        absent: list[str] = []
        alone: set[int] = set()
        emptied = False
        if self._hyperscan:  # one pass of Hyperscan, over the text's bytes (ASCII literals: the same hits)
            if joined.isascii():
                data, starts = joined.encode("ascii"), offsets
            else:
                data = joined.encode("utf-8", "surrogateescape")
                starts = list(accumulate([len(h[1].encode("utf-8", "surrogateescape")) + 1 for h in held], initial=0))
            alone = {bisect_right(starts, end - 1) - 1 for end in _guards()[kind].hits(data)}
        else:
            once = [literal for literal in batch.once if joined.count(literal) != count]
            absent = [literal for literal in batch.absent if literal in joined]
        if alone or once or absent:  # the lines that hold them are read alone, the others joined again
            for literal in absent:  # found where they stand: the lines without them cost nothing
                at = joined.find(literal)
                while at >= 0:
                    index = bisect_right(offsets, at) - 1
                    alone.add(index)
                    at = joined.find(literal, offsets[index + 1])
            for literal in once:
                alone.update([index for index, h in enumerate(held) if h[1].count(literal) != 1])
            for index in alone:
                place, text, names_at, parens_at, forms, line_start, line_end = held[index]
                findings = self._read_one(text, names_at, parens_at, forms)
                lines[place] = (line_start, line_end, findings)
                emptied = emptied or not findings
            if len(alone) == count:
                return emptied
            held = [h for index, h in enumerate(held) if index not in alone]
            joined = "\n".join([h[1] for h in held])
            offsets = list(accumulate([len(h[1]) + 1 for h in held], initial=0))
            count = len(held)
        read: list[bool] = [False] * count
        if keys is not None:
            done = self._key_batch(batch, held, joined, offsets, lines, keys, read)
            return self._read_unread(held, lines, read, done, count) or emptied
        done = 0
        reader, build = batch.reader, batch.build
        checked, full_sigs, check = self._checked, self._full, self._check
        for match in batch.lines.finditer(joined):
            index = bisect_right(offsets, match.start()) - 1
            place, text, names_at, parens_at, forms, line_start, line_end = held[index]
            got = build(match, offsets[index], text, parens_at)
            if got is None:
                continue  # read alone
            finding, low, high = got
            if names_at and (names_at[0] < low or names_at[-1] >= high):
                continue  # a name outside the error's own text: maybe an error of its own
            first = text[:1]
            if first in _SOURCE_FIRST and (first not in _DIGITS or text[:8].lstrip(_DIGITS)[:1] in _BLANKS) \
                    and _is_source_line(text, 0):
                continue  # a traceback's source line
            signature = (reader, forms, bool(names_at), len(parens_at))
            if full_sigs and signature in full_sigs:
                continue
            key = (signature, finding.code)
            if check and key not in checked:
                full = tuple(self._extractor.find(text, names_at, parens_at, forms, envelope=self._envelope,
                                                      after=None))
                if full != (finding,):
                    full_sigs.add(signature)
                    continue
                if len(checked) >= _CHECKED_MAX:
                    checked.clear()
                checked.add(key)
            lines[place] = (line_start, line_end, (finding,))
            read[index] = True
            done += 1
        return self._read_unread(held, lines, read, done, count) or emptied

    def _read_unread(self, held: list[_Held], lines: list[Line], read: list[bool], done: int, count: int) -> bool:
        """Read alone the lines of a batch its regex did not read: whether one of them held no error."""
        emptied = False
        if done < count:
            for index, was_read in enumerate(read):
                if not was_read:
                    place, text, names_at, parens_at, forms, line_start, line_end = held[index]
                    findings = self._read_one(text, names_at, parens_at, forms)
                    lines[place] = (line_start, line_end, findings)
                    emptied = emptied or not findings
        return emptied

    def _key_batch(
        self, batch: _Batch, held: list[_Held], joined: str, offsets: list[int], lines: list[Line], keys: list[Any],
        read: list[bool],
    ) -> int:
        """`_read_batch`'s reading of the lines its literals allow, each for its tail's key alone
        (`_Batch.key`): the first line of each (signature, what its key depends on) is built and
        read by the full extractor too, which must agree, as `_read_batch` checks each (signature,
        code); the others are looked up. How many lines were read."""
        done = 0
        reader, keyer, build = batch.reader, batch.key, batch.build
        known, full_sigs, check = self._known, self._full, self._check
        for match in batch.lines.finditer(joined):
            index = bisect_right(offsets, match.start()) - 1
            place, text, names_at, parens_at, forms, line_start, line_end = held[index]
            off = offsets[index]
            got = keyer(match, off, text, parens_at)
            if got is None:
                continue  # read alone
            ident, low, high = got
            if names_at and (names_at[0] < low or names_at[-1] >= high):
                continue  # a name outside the error's own text: maybe an error of its own
            first = text[:1]
            if first in _SOURCE_FIRST and (first not in _DIGITS or text[:8].lstrip(_DIGITS)[:1] in _BLANKS) \
                    and _is_source_line(text, 0):
                continue  # a traceback's source line
            signature = (reader, forms, bool(names_at), len(parens_at))
            if full_sigs and signature in full_sigs:
                continue
            seen = known.get(signature)
            key = None if seen is None else seen.get(ident)
            if key is None:
                built = build(match, off, text, parens_at)
                if built is None:  # the keyer refuses what its builder refuses: never, but read alone then
                    continue
                finding = built[0]
                if check:
                    full = tuple(self._extractor.find(text, names_at, parens_at, forms, envelope=self._envelope,
                                                      after=None))
                    if full != (finding,):
                        full_sigs.add(signature)
                        continue
                key = tail_key(finding)
                if seen is None:
                    if len(known) >= _CHECKED_MAX:
                        known.clear()
                    seen = known[signature] = {}
                if len(seen) < _CHECKED_MAX:
                    seen[ident] = key
            lines[place] = (line_start, line_end, KEYED)
            keys[place] = key
            read[index] = True
            done += 1
        return done

    def vouch(self, buf: bytes, start: int, end: int) -> list[Vouched]:
        """The lines of `buf[start:end]` (whole lines) that a common form's regex vouches for, in
        order: the line matches it whole, so that it holds that one error and nothing else that the
        full extractor would read (`_Vouchers`: each form's regex from its literal to the line's end,
        the first in each line, and the text before it; `_message_inert`), and its tail's key is
        known by its form and code alone (a legacy body's: its codes and codeDesc). The first line of
        each (form, code) is read by the full extractor too, which must agree, else that code's lines
        of that form are left to `read_texts`. Each (start, end, key)."""
        return cast("list[Vouched]", self._vouch(buf, start, end, False))

    def vouch_json(self, buf: bytes, start: int, end: int) -> list[VouchedJson]:
        """`vouch`'s lines for grep --json, each a `VouchedJson`: also the rest of its one `Finding`
        (message, request ID, span), read from the match as the form's builder reads it from the
        text (`_json_detail`), for a line of valid UTF-8. The first line of each (form, code) is
        read by the full extractor too, which must give that `Finding` (`_json_first`), else those
        lines are left to `read_texts`."""
        return cast("list[VouchedJson]", self._vouch(buf, start, end, True))

    def _vouch(self, buf: bytes, start: int, end: int, json: bool) -> list[Any]:
        """`vouch`, or `vouch_json` with `json`."""
        if not (VOUCH and POSSESSIVE and self._fast and self._envelope in (AUTO, NONE)):
            return []  # the vouching regexes need re's possessive quantifiers (extract.POSSESSIVE)
        if buf.find(b"\x1b", start, end) >= 0:
            return []  # a terminal's colours: the full extractor reads those lines without them (ansi.py)
        if self._vouch_pause:  # a block before had few common lines: the next few are read as before
            self._vouch_pause -= 1
            return []
        need = -(-(end - start) // WINDOW)  # newlines, for lines of WINDOW bytes at most on average
        if buf.count(b"\n", start, min(end, start + need * _LINE_GUESS)) < need \
                and buf.count(b"\n", start, end) < need:
            # Lines longer than WINDOW on average, which no regex vouches for: each regex would
            # still search them, at each of its literal's places (8 MB of `(10630)`: 11 ms a
            # regex, 16% of the line's cost), where counting the newlines costs 0.3 ns a byte
            # (the block's first eighth holds them in most logs: a count of the whole is the rest).
            return []
        plain_sdk, quoted_sdk, api3, legacy, legacy_body, time_head, json_head, json_open, time_open = \
            _vouchers(self._extractor.names, json)
        get = self._vouched_json.get if json else self._vouched.get
        if json:  # (what a line of --json is read with, as `_json_detail` reads it)
            escaped, no_rid, rid_near = _ESCAPED, _NO_RID, _RID_NEAR.match
        inert = _message_inert
        rfind = buf.rfind
        found: list[Any] = []
        put = found.append
        # Each form's matches, each from its literal to its line's end (a match that its line's
        # text after the error fails is no match: a later one in that line then has the literal
        # of the first before it, which its head's check refuses, as it refused the line before).
        # A line is where its match is, if it is no longer than WINDOW.
        form: str
        ident: bytes | tuple[bytes | None, ...]
        for kind, matches in enumerate((plain_sdk, quoted_sdk, api3, legacy, legacy_body)):
            for match in matches(buf, start, end):
                at, line_end = match.span()
                low = at - WINDOW
                newline = rfind(b"\n", low if low > start else start, at)
                if newline >= 0:
                    line_start = newline + 1
                elif low <= start:
                    line_start = start
                else:
                    continue
                if line_end - line_start > WINDOW:
                    continue
                if kind == 0:  # the Python SDK's text, its message from where it begins to its `requestId:`
                    label = match.start(3)
                    message = buf[match.start(2) : label - 1]
                    if time_head(buf, line_start, at) is None or not inert(message):
                        continue
                    form, ident = PYTHON_SDK, match[1]
                elif kind == 1:  # the same in a JSON record's value, from its quote
                    low = match.start(2)
                    if low >= 0:
                        high, form = match.start(3) - 1, PYTHON_SDK
                    else:  # its message with escapes: its first line of each code checked apart (`_ESCAPED`)
                        low, high, form = match.start(4), match.start(5) - 1, _ESCAPED
                    message = buf[low:high]
                    if json_head(buf, line_start, at) is None or not inert(message):
                        continue
                    ident, label = match[1], high + 1
                elif kind == 2:
                    message = match[3]
                    if time_head(buf, line_start, at) is None or not inert(message):
                        continue
                    form, ident, label = API3_JSON, match[2], -1
                elif kind == 3:
                    # A legacy code and its message, the line's only one (`_legacy_line`), in a timed
                    # line or in a JSON record's value, where it begins the value (`_legacy_message`
                    # reads it to the quote): group 2 (empty) is the timed line's end.
                    if buf[at - 1] == 34:  # (b'"')
                        if match.lastindex == 2 or (json_open(buf, line_start, at) is None
                                                    and time_open(buf, line_start, at) is None):
                            continue  # a value's quote, in a JSON record or a timed line (`"message": "`)
                    elif match.lastindex != 2 or time_head(buf, line_start, at) is None \
                            or buf.endswith(b"]: ", line_start, at) \
                            or buf[at - 1] == 39 or buf.find(b'"', line_start, at) >= 0:
                        continue  # Node's header; a single-quoted repr's string, a string opened before it
                                  # (`_legacy_message` reads each to its quote)
                    form, ident, message, label = LEGACY_MESSAGE, match[1], b"", -1
                else:
                    message, desc = match.group(4, 5)
                    if time_head(buf, line_start, at) is None or not inert(message) or not inert(desc) \
                            or message.find(b"(") >= 0 or desc.find(b"(") >= 0:
                        continue
                    form, ident, label = LEGACY_JSON, match.group(1, 2, 3, 5), -1
                key = get((form, ident))
                if key is None:
                    key = self._json_first(buf, line_start, line_end, form, ident, (kind, match, message, label)) \
                        if json else self._vouch_first(buf, line_start, line_end, form, ident)
                if key:
                    if not json:
                        put((line_start, line_end, key))
                        continue
                    # Printable ASCII (its bytes are its text: ASCII, which --json's regexes vouch
                    # for without a control character) of the forms most lines hold: its
                    # `VouchedJson` here, as `_json_detail` reads it (a call and its checks cost
                    # 0.4 us a line more); the others by `_json_detail`. Its bytes as a record holds
                    # them: its quotes escaped where its form has any (a backslash stands in none of
                    # these: the regexes refuse it but in an escaped message), not one replace a
                    # line more.
                    raw = buf[line_start:line_end]
                    ascii_line = raw.isascii()
                    if ascii_line:
                        if kind <= 1:
                            if form != escaped:  # (an escaped message is unescaped: `_json_detail`)
                                rid_start = label + 10  # (len(b"requestId:"))
                                put((line_start, line_end, key, raw if kind == 0 else raw.replace(b'"', b'\\"'),
                                     match.start(1) - line_start,
                                     match.end(1) - line_start, message.rstrip(),
                                     buf[rid_start:line_end] if kind == 0
                                     else buf[rid_start : buf.find(b'"', rid_start, line_end)], None))
                                continue
                        elif kind == 2:
                            rid = match[4]
                            if not rid or (len(rid) <= _NO_RID_LONGEST and rid.lower() in no_rid):
                                rid = None
                            put((line_start, line_end, key, raw.replace(b'"', b'\\"'), match.start(2) - line_start,
                                 match.end(2) - line_start, message, rid, None))
                            continue
                        else:  # a legacy code's, its request ID anywhere (`_request_id_near`, its first)
                            if kind == 3:  # after the code's `) `, to the value's quote or the line's end
                                code_start, code_end = match.span(1)
                                body = code_end + 2 if buf[code_end + 1] == 32 else code_end + 1  # (b" ")
                                message = buf[body : buf.find(b'"', body, line_end) if buf[at - 1] == 34
                                              else line_end]
                            else:
                                code_start, code_end = match.span(3)
                            rid = None
                            lowered = raw.lower()
                            near_at = lowered.find(b"request")
                            while near_at >= 0:
                                near = rid_near(raw, near_at)
                                if near is not None:
                                    if near[1].lower() not in no_rid:
                                        rid = near[1]
                                    break
                                near_at = lowered.find(b"request", near_at + 7)
                            if kind == 4 or buf[at - 1] == 34:  # (a timed line's legacy message: no quote)
                                raw = raw.replace(b'"', b'\\"')
                            put((line_start, line_end, key, raw, code_start - line_start, code_end - line_start,
                                 message.strip(), rid, None))
                            continue
                    detail = _json_detail(kind, match, message, label, buf, line_start, line_end, key,
                                          None if ascii_line else raw)
                    if detail is not None:  # else read by `read_texts`
                        put(detail)
        found.sort()
        if end - start >= _PAUSE_AFTER and len(found) << _VOUCHED_BYTES < end - start:
            self._vouch_pause = _VOUCH_PAUSE
        return found

    def _vouch_first(
        self, buf: bytes, line_start: int, line_end: int, form: str, ident: bytes | tuple[bytes | None, ...],
    ) -> tuple[object, ...]:
        """The key of the first vouched line of a (form, what its key depends on: its code; a legacy
        body's codes and codeDesc), if the full extractor reads the line as that one error: else ()
        (those lines of that form are never vouched for)."""
        text = buf[line_start:line_end].decode("utf-8", "surrogateescape")
        key: tuple[object, ...]
        if isinstance(ident, tuple):  # a legacy body's: its gateway code (quoted or not), legacy code, codeDesc
            quoted, number, legacy, desc = ident
            key = (cast(bytes, legacy).decode("ascii"), int(cast(bytes, legacy)), int(cast(bytes, quoted or number)),
                   cast(bytes, desc).decode("utf-8", "surrogateescape"), form)
        else:
            name = ident.decode("ascii")
            key = (name, int(name) if form == LEGACY_MESSAGE else None, None, None,
                   PYTHON_SDK if form == _ESCAPED else form)
        full = self._extractor.find(text, envelope=self._envelope, after=None)
        if len(full) != 1 or tail_key(full[0]) != key:
            key = ()
        if len(self._vouched) >= _CHECKED_MAX:
            self._vouched.clear()
        self._vouched[form, ident] = key
        return key

    def _json_first(
        self, buf: bytes, line_start: int, line_end: int, form: str, ident: bytes | tuple[bytes | None, ...],
        read: tuple[int, re.Match[bytes], bytes, int],
    ) -> tuple[object, ...]:
        """`_vouch_first` for --json (`vouch_json`): the key of the first vouched line of a (form, what
        its key depends on), if the full extractor reads the line as the one `Finding` its match
        gives (`json_finding`): else () (those lines are never vouched for). Not kept where the line
        is not one `_json_detail` reads (its next line of that key is the first then). `read`: its
        form's kind, match, message and label, as `_json_detail` takes them."""
        key = self._vouched.get((form, ident))
        if key is None:
            key = self._vouch_first(buf, line_start, line_end, form, ident)
        if key:
            kind, match, message, label = read
            detail = _json_detail(kind, match, message, label, buf, line_start, line_end, key)
            if detail is None:
                return key
            text = detail[8] or buf[line_start:line_end].decode("ascii")
            if tuple(self._extractor.find(text, envelope=self._envelope, after=None)) != (json_finding(detail),):
                key = ()
        if len(self._vouched_json) >= _CHECKED_MAX:
            self._vouched_json.clear()
        self._vouched_json[form, ident] = key
        return key

    def _read_fast(
        self, text: str, names_at: list[int] | None, parens_at: list[int] | None, forms: frozenset[str] | None,
    ) -> tuple[Finding, ...] | None:
        """The line's findings by the fast path, or None when it does not apply (one function: the
        checks a line needs before its reader, inline, cost less than the calls between them)."""
        if names_at is None or parens_at is None:
            return None  # crowded: the full extractor's work
        first = text[:1]
        if first in WRAP_FIRST:
            envelope = self._envelope
            if envelope != NONE:  # a line a platform's envelope may hold: unwrapped by the full extractor
                if envelope != AUTO:
                    return None
                if first == "{":  # an app's own JSON record, unless Docker's head or journald's MESSAGE is in it
                    if text.startswith(_DOCKER_HEAD) or '"MESSAGE"' in text:
                        return None
                elif may_wrap(text):
                    return None
        elif first == "R" and text.startswith(_LOGURU_RECORD):
            return None  # loguru's report of a record it could not write (`_is_source_line`)
        if '"locals"' in text:
            return None  # structlog's frames
        # Which reader may read the line, from the literals in it (escaped text, or SDK text that
        # may stand in a record's quoted value, is read unescaped there).
        reader: _Reader | None
        if "\\" in text:
            reader = _quoted_sdk_line if "SDKException] code:" in text and '"' in text else None
        elif '"' in text:
            if "SDK" in text:
                reader = _quoted_sdk_line if "SDKException] code:" in text else None
            elif '"Code"' in text:
                reader = _api3_line
            elif "code:" in text or "Code: " in text or "ErrorCode=" in text:
                reader = None  # .NET's, Node's, C++'s or `Code: X, Message: Y`: the full extractor's
            elif parens_at:
                reader = _legacy_line
            else:
                reader = _legacy_json_line if '"message"' in text else None
        elif "SDK" in text:
            reader = _plain_sdk_line if "SDKException] code:" in text else None
        elif "code:" in text or "Code: " in text or "ErrorCode=" in text:
            reader = None
        else:
            reader = _legacy_line if parens_at else None
        if reader is None:
            return None
        signature = (reader, forms, bool(names_at), len(parens_at))
        if signature in self._full:
            return None
        got = reader(text, parens_at)
        if got is None:
            return None
        finding, low, high = got
        if names_at and (names_at[0] < low or names_at[-1] >= high):  # sorted: the first and last tell
            return None  # a name outside the error's own text: maybe an error of its own
        if first in _SOURCE_FIRST and (first not in _DIGITS or text[:8].lstrip(_DIGITS)[:1] in _BLANKS) \
                and _is_source_line(text, 0):
            return None  # a traceback's source line (the checks before: `_is_source_line`'s first two, inline)
        key = (signature, finding.code)
        if self._check and key not in self._checked:
            full = tuple(self._extractor.find(text, names_at, parens_at, forms, envelope=self._envelope,
                                                      after=None))
            if full != (finding,):
                self._full.add(signature)
                return full
            if len(self._checked) >= _CHECKED_MAX:
                self._checked.clear()
            self._checked.add(key)
        return (finding,)


def _may_continue(raw: bytes) -> bool:
    """`may_continue`, its common answers first: a line that begins with neither a digit nor `{`
    or `\\x1e`, a digit without ` std` where CRI's stream stands, `{"` but Docker's or journald's head."""
    first = raw[:1]
    if first.isdigit():
        return raw.find(b" std", 19, 40) >= 0 and may_continue(raw)
    if first == b"{":
        return raw.startswith((b'{"log":"', b'{"__')) if raw[1:2] == b'"' else may_continue(raw)
    return first == b"\x1e"


_CHECKED_MAX: Final = 65536
_BRACE_RS: Final = (b"{", b"\x1e")  # the first bytes but digits of a line that `may_continue` may say yes to
_RICH_HEAD: Final = RICH_HEAD.encode()
_RICH_LOG_MARK: Final = RICH_LOG_MARK.encode()
_RSYSLOG_ESCAPE: Final = re.compile(rb"#0(?:1[12]|33)")  # envelopes._RSYSLOG_ESCAPE, as bytes
_DIGITS: Final = "0123456789"
_BLANKS: Final = (" ", "\t")
# A fast reading: the finding, and the stretch of the line it surely explains (names inside are its own).
_Read = tuple[Finding, int, int]
_Reader = Callable[[str, Sequence[int]], "_Read | None"]
# A line held for a batch: its place in the block's lines, its text, names, legacy codes, forms, and
# where it starts and ends in the block.
_Held = tuple[int, str, list[int], list[int], "frozenset[str] | None", int, int]


def _plain_sdk_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """`[TencentCloudSDKException] code:X message:M requestId:R`, alone in its line, in a line its
    caller saw no quote or backslash in."""
    if (
        parens_at or "='" in text or text.count("SDK") != 1 or text.count("code:") != 1
        or "Code: " in text or "ErrorCode=" in text or "RequestId=" in text
    ):
        return None  # with these, no other error can begin in its message (`next_error` finds none)
    common = _sdk_common(text)
    if common is not None:
        return common
    read = _sdk_first(text)
    if read is None:
        return None
    match, finding = read
    return finding, *_form_span(match, finding)  # it ends at the request ID: what follows is no part of it


def _sdk_first(text: str) -> tuple[re.Match[str], Finding] | None:
    """The first Python SDK error of the text as the full extractor reads it, and its match."""
    match = next(_python_sdk_matches(text), None)
    if match is None:
        return None
    finding = _python_sdk(match, text)
    return None if finding is None else (match, finding)


# The Python SDK's text as it is most often printed: a code of one word, and the line ending with a
# request ID of `_REQUEST_ID_SHAPE` after the last ` requestId:` (no blank or `:` in it, so that
# only the last label can match before the end).
_PY_COMMON_SOURCE: Final = (
    r"\[TencentCloudSDKException\] code:([A-Za-z][A-Za-z0-9_.]*) message:(.*)"
    r" requestId:([0-9A-Za-z][0-9A-Za-z_-]{0,127})\Z"
)
_PY_COMMON: Final = _lazy(_PY_COMMON_SOURCE)
_NO_VALUES: Final = frozenset({"none", "null", "nil", "undefined"})  # `_clean`'s, but ""
# The same, for lines joined by newlines (`_read_batch`), each line's error ending it; and in a
# record's quoted value without escapes, which it is the whole of (the quotes around it matched).
_PLAIN_SDK_LINES: Final = _lazy(_PY_COMMON_SOURCE.replace(r"\Z", "$"), re.MULTILINE)
_QUOTED_SDK_LINES: Final = _lazy(
    r'"\[TencentCloudSDKException\] code:([A-Za-z][A-Za-z0-9_.]*) message:([^"\n]*)'
    r' requestId:([0-9A-Za-z][0-9A-Za-z_-]{0,127})"'
)


def _sdk_common(text: str, pos: int = 0, endpos: int | None = None) -> _Read | None:
    """`_python_sdk` and `_form_span` in one regex, for the common text of WINDOW characters at
    most (`text[pos:endpos]`) whose one SDK error ends it (the callers saw to that): the code and
    message as `_sdk_message` reads them, the ID as `_request_id_token` gives it, the span to its end."""
    endpos = len(text) if endpos is None else endpos
    if endpos - pos > WINDOW:
        return None
    match = _PY_COMMON.search(text, pos, endpos)
    if match is None:
        return None
    code, message, rid = match.groups()
    message = message.rstrip()
    if message == "None" or message.lstrip()[:1] == "(" or code.casefold() in _NO_VALUES \
            or rid.casefold() in _NO_VALUES:
        return None  # no message, a legacy one (`with_legacy_message`), no code, no ID: read in full
    start, end = match.span(1)
    return Finding(code, PYTHON_SDK, start, end, message, rid), match.start() + 1, endpos


def _app_record(text: str) -> bool:
    """Whether a `{` line is an app's own JSON record, which `open_line` (AUTO) opens no envelope of:
    neither Docker's head nor journald's MESSAGE (the two it tries) is in it."""
    return text[:1] == "{" and not text.startswith(_DOCKER_HEAD) and '"MESSAGE"' not in text


def _quoted_sdk_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """The Python SDK's text in one quoted value of a JSON or logfmt record, escapes and all
    (`{"level":"error","error":"[TencentCloudSDKException] code:X message:M requestId:R"}`): read
    unescaped and placed in the line, as `Extractor._quoted` reads it, when nothing outside the
    value can add an error. The value is paired as `_read_values` pairs it."""
    if (
        len(text) > WINDOW or "\n" in text or text.count("SDK") != 1 or text.count("code:") != 1
        or "Code: " in text or "ErrorCode=" in text or "RequestId=" in text or '"Code"' in text
        or '"code"' in text or "='" in text
    ):
        # One SDK error, and no other form's literal anywhere (`_OUTSIDE_LITERALS`; the value's own
        # text then holds none of `_sdk_text`'s either), read within the bounds `_read_values` needs.
        return None
    head = text.find("TencentCloudSDK")
    escaped = "\\" in text
    if escaped and ('\\"Code\\"' in text or _ESCAPED_LEGACY in text or "\\" in text[:head]):
        if '\\"Code\\"' in text or _ESCAPED_LEGACY in text:
            return None  # another value `_quoted` reads (an escaped body or legacy message)
        quote = text.find('"', _past(_UNWANTED_VALUES, text, 0))
    else:  # the values before it pair as plain quotes, as the regex pairs them: it is in one if they are odd
        quote = text.rfind('"', 0, head) if text.count('"', 0, head) % 2 else -1
    if quote < 0:
        return None
    end = _closing(text, '"', quote + 1, len(text)) if escaped else text.find('"', quote + 1) + 1
    if end <= 0 or not quote < head < end or not _is_value(text, quote):
        return None  # unclosed, or no record's value: read as it stands, by the full extractor
    for at in parens_at:
        if at < quote or at >= end:
            return None  # a legacy code outside the value: maybe an error of its own
    if head == quote + 2 and text[quote + 1] == "[" and (not escaped or text.find("\\", quote, end) < 0):
        # The value is the SDK's text, as it is most often logged, without escapes: read in place.
        common = _sdk_common(text, quote + 1, end - 1)
        if common is not None:
            return common[0], quote, end
    raw = text[quote + 1 : end - 1]
    if escaped and "\\" in raw:
        decoded, places = _unescape_with_places(raw, quote + 1)
        finding = _sdk_text(decoded)
        if finding is None:
            return None
        start, stop = places[finding.start], places[finding.end]
    else:
        finding = _sdk_text(raw)
        if finding is None:
            return None
        start, stop = finding.start + quote + 1, finding.end + quote + 1
    finding = Finding(finding.code, finding.form, start, stop, *finding[4:])
    return finding, quote, end  # the value is the finding's: names and codes inside it are its own


# Text in which no name, legacy code or quoted key can begin (a name begins with a capital that no
# word character stands before: not the `I` of `requestId`).
_INERT: Final = _lazy(r'(?:[^A-Z("]|(?<=\w)Id)*')


def _sdk_text(text: str) -> Finding | None:
    """The Python SDK's error that a quoted value holds, exactly as `Extractor.find` reads the
    value's unescaped text (every form tried, no prefilter): None unless it is the only error there."""
    if "\n" in text and text.strip()[:1] == "{":
        return None  # a whole JSON document (`_whole_json`)
    if text[:1] in WRAP_FIRST and may_wrap(text):
        return None  # the value in an envelope of its own
    if (
        text.count("SDK") != 1 or text.count("code:") != 1 or "Code: " in text or "ErrorCode=" in text
        or "RequestId=" in text or '"Code"' in text or '\\"Code\\"' in text or _ESCAPED_LEGACY in text
        or "='" in text
        or RICH_HEAD in text or '"locals"' in text
    ):
        return None  # with these, another error may begin in the message, or a body in it
    head = text.find("TencentCloudSDK")
    if '"' in text[:head]:
        return None  # a value quoted in the value may hold the SDK text: read there
    common = _sdk_common(text)
    if common is not None:
        read, low, _ = common  # it ends the text
        head = low - 1
        if _INERT.fullmatch(text, 0, head) is None or _is_source_line(text, text.rfind("\n", 0, head) + 1):
            return None
        return read
    first = _sdk_first(text)
    if first is None:
        return None
    match, finding = first
    low, high = _form_span(match, finding)
    if _INERT.fullmatch(text, 0, low) is None or _INERT.fullmatch(text, high) is None:
        return None  # text around the error's own: maybe a name or a legacy code of its own
    if _is_source_line(text, text.rfind("\n", 0, match.start()) + 1):
        return None  # a traceback's source line: no occurrence
    return finding


# An API 3.0 response as the SDKs and the API print it, all of it valid JSON (no escapes, no
# control characters): then each of its three objects is whole, and `json_object` finds one that
# holds the whole response, so the `"Error"`, `"Message"` and `"RequestId"` it reads are these.
_S: Final = r"[ \t]*"  # JSON's blanks within a line
_API3_BODY: Final = _lazy(
    r"\{" + _S + r'"Response"' + _S + ":" + _S + r"\{" + _S + r'"Error"' + _S + ":" + _S + r"\{" + _S
    + r'"Code"' + _S + ":" + _S + r'"([A-Za-z][A-Za-z0-9_.]*)"' + _S + "," + _S
    + r'"Message"' + _S + ":" + _S + r'"([^"\\\x00-\x1f]{0,4096})"' + _S + r"\}" + _S + "," + _S
    + r'"RequestId"' + _S + ":" + _S + r'"([^"\s\x00-\x1f]*)"' + _S + r"\}" + _S + r"\}"
)
# The same without its `"Response"` (the SDKs' `{"Error": {...}, "RequestId": "..."}`): groups alike.
_API3_ERROR_BODY: Final = _lazy(
    r"\{" + _S + r'"Error"' + _S + ":" + _S + r"\{" + _S
    + r'"Code"' + _S + ":" + _S + r'"([A-Za-z][A-Za-z0-9_.]*)"' + _S + "," + _S
    + r'"Message"' + _S + ":" + _S + r'"([^"\\\x00-\x1f]{0,4096})"' + _S + r"\}" + _S + "," + _S
    + r'"RequestId"' + _S + ":" + _S + r'"([^"\s\x00-\x1f]*)"' + _S + r"\}"
)


def _api3_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """An API 3.0 body: one `"Code"`, and no other form's literal in the line."""
    if parens_at or text.count('"Code"') != 1 or '"code"' in text or "code:" in text or "Code: " in text \
            or "ErrorCode=" in text:
        return None
    if len(text) <= WINDOW and text.count('"Error"') == 1 and text.count('"Message"') == 1 \
            and text.count('"RequestId"') == 1:  # longer: `json_object` may read a part of it only
        body = _API3_BODY.search(text) if '"Response"' in text else _API3_ERROR_BODY.search(text)
        if body is not None:
            start, end = body.span(1)
            read = Finding(code=body.group(1), form=API3_JSON, start=start, end=end, message=body.group(2),
                           request_id=_clean(body.group(3)))
            return read, body.start(), body.end()
    match = _API3_CODE.search(text)
    if match is None:
        return None
    finding = _api3_json(match, text)
    if finding is None:
        return None
    return finding, *_surely_explained(match, finding)


_QUOTES: Final = ('"', "'")  # what a legacy message's string may open with, and ends at


def _plain_message(text: str, at: int, body_start: int) -> str:
    """A legacy code's message where no body holds it, as `_legacy_message` reads it: to the quote
    that opened it (a JSON value's, or a single-quoted repr's string), else to the line's end."""
    quote = text[at - 1] if at else ""
    if quote in _QUOTES:
        stop = text.find(quote, body_start)
        return text[body_start : stop if stop >= 0 else len(text)].strip()
    if in_string(text, 0, at):  # inside a string opened before it (`"message": "failed: (10630) ..."`)
        return string_message(text, body_start, len(text))
    return text[body_start:].strip()


def _legacy_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """One legacy code, `(10630) message`, plain or in a legacy body's message."""
    if len(parens_at) != 1 or len(text) > WINDOW:
        return None
    match = _LEGACY.match(text, parens_at[0])
    if match is None:
        return None
    if '"code"' in text:  # maybe in a legacy body
        read = _legacy_body(text, match)
        if read is not None:
            return read
        finding = _legacy_message(match, text)
        if finding is None:
            return None
        low, high = _surely_explained(match, finding)
        if any(m.start() >= high or m.end() <= low for m in _legacy_json_bodies(text)):
            return None  # a legacy body that does not hold this code: maybe an error of its own
        return finding, low, high
    if text.find("]: '", 0, match.start()) >= 0:
        return None  # maybe a Node error's header or hidden property (`[message]: '(10630) ...`): read in full
    # As `_legacy_message` reads it when no body can hold it: the message to the closing quote
    # (quoted) or to the line's end, and a request ID from the line (a short one: WINDOW).
    code = match.group(1)
    start, end = match.span(1)
    body_start = match.end()
    message = _plain_message(text, match.start(), body_start)
    finding = Finding(code=code, form=LEGACY_MESSAGE, start=start, end=end, message=message,
                      request_id=_request_id_in(text), module_code=int(code))
    return finding, match.start(), body_start


# A legacy body as the API printed it, all of it valid JSON, its message a legacy code's:
# `{"code": 4000, "message": "(10010) lacked of required parameters", "codeDesc": "InvalidParameter"}`,
# its code a number or a string of one (`"4000"`: its quotes paired, `_quotes_paired`).
_LEGACY_BODY: Final = _lazy(
    r"\{" + _S + r'"code"' + _S + ":" + _S + r'"?(0|[1-9][0-9]{0,5})"?' + _S + "," + _S
    + r'"message"' + _S + ":" + _S + r'"(\([^"\\\x00-\x1f]{0,4096})"' + _S + "," + _S
    + r'"codeDesc"' + _S + ":" + _S + r'"([^"\\\x00-\x1f]{0,4096})"' + _S + r"\}"
)


def _quotes_paired(body: re.Match[str], off: int, text: str) -> bool:
    """Whether a legacy body's code (`_LEGACY_BODY`'s first group) is a number or a whole string."""
    start, end = body.span(1)
    return (text[start - off - 1] == '"') == (text[end - off] == '"')


def _legacy_body(text: str, match: re.Match[str]) -> _Read | None:
    """The legacy code `match` in the message of a legacy body, as `_legacy_message` reads it: the
    body is whole, so `json_object` finds one that holds it, and its keys are the line's only ones."""
    if text.count('"code"') != 1 or text.count('"codeDesc"') != 1:
        return None
    body = _LEGACY_BODY.search(text)
    if body is None or body.start(2) != match.start() or not _quotes_paired(body, 0, text):
        return None
    code = match.group(1)
    start, end = match.span(1)
    finding = Finding(
        code=code, form=LEGACY_JSON, start=start, end=end, message=text[match.end() : body.end(2)].strip(),
        request_id=_request_id_in(text),
        module_code=int(code), error_code=int(body.group(1)), code_desc=body.group(3),
    )
    return finding, body.start(), body.end()


def _legacy_json_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """One legacy body without a module code: `{"code": 4000, "message": "..."}`."""
    if parens_at or '"code"' not in text:
        return None
    bodies = _legacy_json_bodies(text)
    match = next(bodies, None)
    if match is None or next(bodies, None) is not None:
        return None
    finding = _legacy_json_plain(match, text)
    if finding is None:
        return None
    return finding, *_surely_explained(match, finding)


def _request_id_in(text: str) -> str | None:
    """`_request_id_near` for a line of WINDOW characters at most (its window is then the whole
    line), without its generator: the first request ID found from a `request`, lower-cased."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter lowered to two (`İ`): the places after it moved on
        found = _REQUEST_ID_ANYWHERE.search(text)
        return None if found is None else _clean(found.group(1))
    at = lowered.find("request")
    while at >= 0:
        found = _REQUEST_ID_ANYWHERE.match(text, at, len(text))
        if found is not None:
            return _clean(found.group(1))
        at = lowered.find("request", at + 7)
    return None


def _surely_explained(match: re.Match[str], finding: Finding) -> tuple[int, int]:
    """Text the extractor counts as this finding's whatever else it adds (`_form_span` only widens
    it, but for the forms that end at their request ID: ENDED_BY_REQUEST_ID)."""
    return min(match.start(), finding.start), max(match.end(), finding.end)


# ---------------------------------------------------------------- batches of a block's lines

def _batch_kind(text: str, parens_at: list[int], opened: bool) -> int:
    """Which batch of `_BATCHES` a line of WINDOW characters at most, without a backslash, goes to
    (by the literals its reader is chosen by, as `_read_fast` chooses), or -1: read alone."""
    first = text[:1]
    if first in WRAP_FIRST and opened:
        if first.isdigit():  # `may_wrap`'s test, inline: after a time, a host's word or CRI's stream
            blank = text.find(" ", 19, 42)
            word = text[blank + 1 : blank + 2] if blank >= 0 else ""
            if word.islower() or word.isdigit() or kubelet_time(text, blank):
                return -1
        elif text.startswith(_DOCKER_HEAD) if first == "{" else may_wrap(text):
            return -1  # in a platform's envelope, maybe
    elif first == "R":
        return -1  # loguru's record, maybe
    if "SDKException] code:" in text:
        if '"' in text:
            return _QUOTED_SDK
        return -1 if parens_at else _PLAIN_SDK
    if "SDK" in text:
        return -1
    if '"Code"' in text:
        if parens_at:
            return -1
        return _API3_RESPONSE if '"Response"' in text else _API3_ERROR
    if len(parens_at) == 1:
        return _LEGACY_IN_BODY if '"code"' in text else _LEGACY_PLAIN
    return -1


_Build = Callable[[re.Match[str], int, str, list[int]], "_Read | None"]
# A Finding from all its fields in order, without the keyword handling of its constructor (a
# microsecond a line where lines are read in batches).
_finding: Final = functools.partial(tuple.__new__, Finding)


class _Batch(NamedTuple):
    """A kind of line read a batch at a time: the literals each of its lines holds once (`once`)
    and none holds (`absent`: with these, the reader would not read it, or something else could
    begin in it), the regex that finds each line's error in the lines joined, the finding built
    from its match (None: read alone), and the reader whose signature the readings share."""

    once: tuple[str, ...]
    absent: tuple[str, ...]
    lines: re.Pattern[str]
    build: _Build
    reader: _Reader
    key: _Keyer


def _sdk_checked(code: str, message: str, rid: str) -> str | None:
    """`_sdk_common`'s checks of what it read: the message, or None: read alone."""
    message = message.rstrip()
    if message == "None" or message.lstrip()[:1] == "(" or code.casefold() in _NO_VALUES \
            or rid.casefold() in _NO_VALUES:
        return None  # no message, a legacy one (`with_legacy_message`), no code, no ID
    return message


def _build_plain_sdk(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _Read | None:
    """`_plain_sdk_line`'s reading, by `_sdk_common`: the line ends with the error."""
    code, message, rid = match.groups()
    checked = _sdk_checked(code, message, rid)
    if checked is None:
        return None
    return _finding((code, PYTHON_SDK, match.start(1) - off, match.end(1) - off, checked, rid, None, None, None,
                     None)), match.start() + 1 - off, len(text)


def _build_quoted_sdk(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _Read | None:
    """`_quoted_sdk_line`'s reading of a value without escapes that is the SDK's text: the value
    opens where the quotes before it pair (an even number before it) and is a record's value."""
    low, high = match.start() - off, match.end() - off  # the value, quotes and all
    if text.count('"', 0, low) % 2 or not ((low and text[low - 1] in ":=") or _is_value(text, low)) \
            or high - low - 2 > WINDOW:
        return None
    if parens_at and (parens_at[0] < low or parens_at[-1] >= high):
        return None  # a legacy code outside the value: maybe an error of its own
    code, message, rid = match.groups()
    checked = _sdk_checked(code, message, rid)
    if checked is None:
        return None
    return _finding((code, PYTHON_SDK, match.start(1) - off, match.end(1) - off, checked, rid, None, None, None,
                     None)), low, high


def _build_api3(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _Read | None:
    """`_api3_line`'s reading of a whole body."""
    finding = _finding((match.group(1), API3_JSON, match.start(1) - off, match.end(1) - off, match.group(2),
                        _clean(match.group(3)), None, None, None, None))
    return finding, match.start() - off, match.end() - off


def _build_legacy_plain(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _Read | None:
    """`_legacy_line`'s reading of a legacy code that no body can hold."""
    at = match.start() - off
    if at != parens_at[0] or text.find("]: '", 0, at) >= 0:
        return None  # not where the prefilter saw it (`_legacy_line` tries only there), or maybe Node's
    code = match.group(1)
    body_start = match.end() - off
    message = _plain_message(text, at, body_start)
    finding = _finding((code, LEGACY_MESSAGE, match.start(1) - off, match.end(1) - off, message,
                        _request_id_in(text), int(code), None, None, None))
    return finding, at, body_start


def _build_legacy_body(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _Read | None:
    """`_legacy_body`'s reading: the body's message begins with the legacy code the prefilter saw."""
    if match.start(2) - off != parens_at[0] or not _quotes_paired(match, off, text):
        return None
    legacy = _LEGACY.match(text, parens_at[0])
    if legacy is None:
        return None
    code = legacy.group(1)
    start, end = legacy.span(1)
    finding = _finding((code, LEGACY_JSON, start, end, text[legacy.end() : match.end(2) - off].strip(),
                        _request_id_in(text), int(code), int(match.group(1)), match.group(3), None))
    return finding, match.start() - off, match.end() - off


# What a batch's line is read as for plain output's tail alone (`_key_batch`): what of its match
# its tail's key depends on (for one signature, the same gives the same `tail_key`), and the
# stretch of the line it surely explains; None where its builder gives None (read alone).
_KeyRead = tuple[object, int, int]
_Keyer = Callable[[re.Match[str], int, str, list[int]], "_KeyRead | None"]


def _key_plain_sdk(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _KeyRead | None:
    """`_build_plain_sdk`'s reading, its code alone."""
    code, message, rid = match.groups()
    if _sdk_checked(code, message, rid) is None:
        return None
    return code, match.start() + 1 - off, len(text)


def _key_quoted_sdk(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _KeyRead | None:
    """`_build_quoted_sdk`'s reading, its code alone."""
    low, high = match.start() - off, match.end() - off
    if text.count('"', 0, low) % 2 or not ((low and text[low - 1] in ":=") or _is_value(text, low)) \
            or high - low - 2 > WINDOW:
        return None
    if parens_at and (parens_at[0] < low or parens_at[-1] >= high):
        return None
    code, message, rid = match.groups()
    if _sdk_checked(code, message, rid) is None:
        return None
    return code, low, high


def _key_api3(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _KeyRead | None:
    """`_build_api3`'s reading, its code alone."""
    return match.group(1), match.start() - off, match.end() - off


def _key_legacy_plain(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _KeyRead | None:
    """`_build_legacy_plain`'s reading, its code alone (its module code is the code's number)."""
    at = match.start() - off
    if at != parens_at[0]:
        return None
    return match.group(1), at, match.end() - off


def _key_legacy_body(match: re.Match[str], off: int, text: str, parens_at: list[int]) -> _KeyRead | None:
    """`_build_legacy_body`'s reading, its legacy code, gateway code and codeDesc alone."""
    if match.start(2) - off != parens_at[0] or not _quotes_paired(match, off, text):
        return None
    legacy = _LEGACY.match(text, parens_at[0])
    if legacy is None:
        return None
    return (legacy.group(1), match.group(1), match.group(3)), match.start() - off, match.end() - off


@functools.cache
def _guards() -> list[Guard]:
    """Each batch's literals as one Hyperscan database (built at the first batch of a run, loaded
    from the cache in a few milliseconds: compiled, tens)."""
    from .engines import Guard  # engines imports Hyperscan: only where it runs

    return [Guard(batch.absent, batch.once) for batch in _BATCHES]


# What no line of a batch holds: what `_read_fast` reads with first (structlog's frames, journald's
# MESSAGE in a `{` record), what sends a line elsewhere before its reader, what its reader refuses.
_NOT_BEFORE: Final = ('"locals"', '"MESSAGE"')
_SDK_ABSENT: Final = (*_NOT_BEFORE, "='", "Code: ", "ErrorCode=", "RequestId=")
_OTHER_CODES: Final = (*_NOT_BEFORE, "code:", "Code: ", "ErrorCode=")
_PLAIN_SDK, _QUOTED_SDK, _API3_RESPONSE, _API3_ERROR, _LEGACY_PLAIN, _LEGACY_IN_BODY = range(6)
_BATCHES: Final = (
    _Batch(("SDK", "code:"), _SDK_ABSENT, _PLAIN_SDK_LINES, _build_plain_sdk, _plain_sdk_line, _key_plain_sdk),
    _Batch(("SDK", "code:"), (*_SDK_ABSENT, '"Code"', '"code"'), _QUOTED_SDK_LINES, _build_quoted_sdk,
           _quoted_sdk_line, _key_quoted_sdk),
    _Batch(('"Code"', '"Error"', '"Message"', '"RequestId"'), (*_OTHER_CODES, '"code"'), _API3_BODY, _build_api3,
           _api3_line, _key_api3),
    _Batch(('"Code"', '"Error"', '"Message"', '"RequestId"'), (*_OTHER_CODES, '"code"'), _API3_ERROR_BODY,
           _build_api3, _api3_line, _key_api3),
    _Batch((), (*_OTHER_CODES, '"Code"'), _LEGACY, _build_legacy_plain, _legacy_line, _key_legacy_plain),
    _Batch(('"code"', '"codeDesc"'), (*_OTHER_CODES, '"Code"'), _LEGACY_BODY, _build_legacy_body, _legacy_line,
           _key_legacy_body),
)


# ---------------------------------------------------------------- hints from the prefilter

_NODE_CODE: Final = b"code: '"  # a line of Node's inspected error: the lines above it are read too
_FORM_NAMES: Final = tuple(LOCATORS)
# The located forms of a line, by the kinds its prefilter reported: a handful of combinations.
_FORM_SETS: dict[tuple[int, ...], frozenset[str]] = {}


def node_line(forms: frozenset[str] | None, raw: bytes) -> bool:
    """Whether a line may be the code line of Node's inspected error (Hyperscan's locators know)."""
    return NODE_SDK in forms if forms is not None else _NODE_CODE in raw


# What each candidate position is, in the low bits of its event (position << 8 | tag): a block's
# candidates sorted once as plain ints, in C, then walked once.
_NAME, _CROWDED, _PAREN, _UNKNOWN_FORM = 253, 254, 255, 252


def _candidate_lines(
    buf: bytes, start: int, end: int, found: Candidates,
) -> Iterator[tuple[int, int, list[int] | None, list[int] | None, frozenset[str] | None]]:
    """Each candidate line of the block: its span, where names and legacy codes may be in it
    (byte offsets in the line; None when it is crowded: look at the whole line), and which
    located forms it holds (None: not known, look for them all)."""
    kinds = found.kinds
    events = _events(found)
    line_end = -1
    line_start = 0
    names: list[int] | None = []
    parens: list[int] | None = []
    located: list[int] = []
    for event in events:
        at, tag = event >> 8, event & 255
        if at > line_end:
            if line_end >= 0:
                yield line_start, line_end, names, parens, _forms(located) if kinds is not None else None
            line_start = buf.rfind(b"\n", start, at) + 1 or start
            newline = buf.find(b"\n", at, end)
            line_end = end if newline < 0 else newline
            names, parens, located = [], [], []
        if tag == _NAME:
            if names is not None:
                names.append(at - line_start)
        elif tag == _PAREN:
            if parens is not None:
                parens.append(at - line_start)
        elif tag == _CROWDED:
            names = parens = None
        elif tag != _UNKNOWN_FORM:
            located.append(tag)
    if line_end >= 0:
        yield line_start, line_end, names, parens, _forms(located) if kinds is not None else None


def _events(found: Candidates) -> list[int]:
    """A block's candidates as events (position << 8 | tag), sorted: in a line's order, its kinds
    of hit in the order the prefilter reported them."""
    kinds = found.kinds
    if kinds is not None:
        events = [at << 8 | kind for at, kind in zip(found.structured, kinds, strict=True)]
    else:
        events = [at << 8 | _UNKNOWN_FORM for at in found.structured]
    events += [at << 8 | _NAME for at in found.names]
    events += [at << 8 | _CROWDED for at in found.crowded]
    events += [at << 8 | _PAREN for at in found.parens]
    events.sort()
    return events


def _forms(kinds: list[int]) -> frozenset[str]:
    """The located forms of a line, by the kinds its prefilter reported (in the order it reported them)."""
    key = tuple(kinds)
    forms = _FORM_SETS.get(key)
    if forms is None:
        forms = frozenset(_FORM_NAMES[kind] for kind in kinds)
        if len(_FORM_SETS) < 4096:
            _FORM_SETS[key] = forms
    return forms


def _chars(raw: bytes, positions: list[int]) -> list[int]:
    """Byte offsets in a line as offsets into its decoded text, each stretch decoded once: linear in the line."""
    chars, previous, converted = 0, 0, []
    for p in positions:
        chars += len(raw[previous:p].decode("utf-8", "surrogateescape"))
        previous = p
        converted.append(chars)
    return converted


# ---------------------------------------------------------------- lines a regex vouches for

def _lazy_bytes(pattern: bytes, flags: int = 0) -> re.Pattern[bytes]:
    """A bytes pattern compiled at its first use (`forms._lazy`'s, for bytes)."""
    return cast("re.Pattern[bytes]", _Lazy(pattern, flags))  # type: ignore[arg-type]  # _Lazy compiles either


# Tests set it False to read every line by the batches and the full extractor (`PythonCore.vouch`).
VOUCH = True
# The regexes cost ~1.8 ns a byte of a block without errors, where the engine costs 0.7: a block with
# fewer vouched lines than one per 2 ** _VOUCHED_BYTES bytes (an ordinary log, a hostile line) has
# the next _VOUCH_PAUSE blocks read as before, then one looked at again (an incident log: every block).
# Not after a block under _PAUSE_AFTER bytes: the line a read cut, read alone between two blocks.
_VOUCHED_BYTES: Final = 12
_VOUCH_PAUSE: Final = 15
_PAUSE_AFTER: Final = 1 << 16
_STOP_PREFIX: Final = 4
_LINE_GUESS: Final = WINDOW // 8  # `vouch` counts newlines in this many bytes a line it needs first

# A vouched line is found by its form's regex, which begins with the form's literal (so that `re`
# skips to it at C speed: a flood of `(`, `{` or `[` is not tried at each byte) and runs to the
# line's end, its text after the error checked on the way; then the text before the error is
# checked by one more regex (`_Vouchers`), and the error's message by `in` tests (`_message_inert`).
# The text outside an error may hold neither a quote nor a backslash, no parenthesis (a legacy
# code's, as either engine finds it), no `=` before a quote (`='`), no carriage return, no `code`
# (Node's, .NET's, a legacy body's key); a capital that begins one of `stop` (the code names'
# literals, `SDK`, `Code`, `ErrorCode`, `RequestId`, `MESSAGE`) only where none of them begins: then
# no name, legacy code or other form stands there. The other capitals are in the run (a lookahead at
# each costs as much as the run).


def _outside(stop: bytes, starts: bytes, also: bytes = b"") -> bytes:
    """A run of text outside an error, unrolled: the bytes that need no check, then each that does
    with those after it (a step of `re` a byte that needs a check, where a choice of a run or a
    checked byte took two: 10% less a timed head, 30% less a JSON record's). `also`: one more kind
    of step, and `|` (a quoted string, `_strings`)."""
    chars = rb'[^\n\r"\\()=c' + starts + rb"]*+"
    return chars + rb"(?:(?:" + also + rb"=(?![\"'])|c(?!ode)|(?!" + stop + rb")[" + starts + rb"])" + chars + rb")*+"


def _strings(stop: bytes, starts: bytes) -> bytes:
    """A run of text outside an error, its quoted strings whole (but `"locals"` and `"code"`):
    the text of a JSON record around its values, or of a timed line before a quoted value."""
    return _outside(stop, starts, rb'"(?!locals"|code")' + _outside(stop, starts) + rb'"|')


# A line in no platform's envelope, which no traceback quotes: an RFC 3339 time, a blank, then a
# capital (a level, not CRI's stream or a host: `may_wrap` and `may_continue` say no), or an app's
# JSON record (`{"`, not Docker's `{"log":"`, nor journald's `{"__`). Possessive: what follows
# each optional part (a zone, a blank) cannot begin as it does, so nothing given back could match.
_TIME_HEAD: Final = (
    rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9}+)?+(?:Z|[+-][0-9]{2}:[0-9]{2})?+ (?=[A-Z])"
)
# The levels a timed line's head may take in one step (`_vouchers`).
_LEVELS: Final = (b"ERROR", b"WARNING", b"WARN", b"INFO", b"DEBUG", b"FATAL", b"TRACE", b"CRITICAL")
# The message's first byte: not a blank (`lstrip`: no Unicode space begins with these) nor `(` (a
# legacy message, `with_legacy_message`), nor a quote or backslash; and no `None` (no message:
# `_sdk_checked`). A lookahead: the message is told by where it begins (an empty group) and where
# its ` requestId:` does, found from the line's end back at C speed (`re` skips to each blank there),
# where a group around it would have `re` try each byte.
_MESSAGE_FIRST: Final = rb"(?!None[^!-~])(?=[!#-'*-\[\]-~\xe4-\xe9])"
_CODE: Final = rb"([A-Za-z][A-Za-z0-9_.]*+)"
_RID: Final = rb"(?!(?i:none|null|nil|undefined)(?![0-9A-Za-z_-]))[0-9A-Za-z][0-9A-Za-z_-]{0,127}+"
_EOL: Final = rb"(?![^\n])"  # the line's end: its newline, or the end of what is searched
# Each common form from its literal to where it ends, its code the first group (`_PY_COMMON_SOURCE`,
# `_QUOTED_SDK_LINES`, `_API3_BODY` and `_API3_ERROR_BODY` as bytes, with the checks above), then
# the text after it to the line's end; possessive where what follows cannot be what was given back
# (a line of another form is then refused at once, not after trying each shorter code or ID). A
# message runs to the one ` requestId:` that the ID and the error's end follow (the ID holds no
# blank nor quote: there is one such).
# The plain text is not tried where a quote stands before it (the quoted text's: its head's check
# refuses a quote, but the regex first ran to the line's end and back: 0.4 us a quoted line).
_V_PLAIN_SDK: Final = (
    rb"\[TencentCloudSDKException\](?<!\"\[TencentCloudSDKException\]) code:" + _CODE + rb" message:" + _MESSAGE_FIRST
    + rb'()[^\n\r"\\]* (requestId:)' + _RID + _EOL)
# A JSON escape of a CJK ideograph (U+4000 to U+9FFF) or of `、` and `。` (U+3001, U+3002), as a
# message's non-ASCII text is often logged in a JSON string (Python's `json`: lower-case hex):
# unescaped, it is such a character, which the message may hold as it stands (no ASCII word of
# `_message_inert`'s can begin, end or run across it, `\u` and hex digits make none, and no
# capital in it can begin a name's literal that the text unescaped does not hold).
_V_ESCAPE: Final = rb"\\u(?:[4-9][0-9a-f]{3}|300[12])"
# The quoted SDK text: its message as the plain text's (groups 2 and 3), or, where that fails, with
# escapes of `_V_ESCAPE` (groups 4 and 5: up to its last escape, possessive, then to its last
# ` requestId:`, which no escape follows: the ID holds none).
_V_QUOTED_SDK: Final = (
    rb'"\[TencentCloudSDKException\] code:' + _CODE + rb" message:(?:" + _MESSAGE_FIRST + rb'()[^\n\r"\\]* (requestId:)'
    + rb"|(?!None[^!-~])(?=[!#-'*-\[\]-~\xe4-\xe9]|" + _V_ESCAPE + rb')()(?:[^\n\r"\\]*+' + _V_ESCAPE
    + rb')++[^\n\r"\\]* (requestId:))' + _RID + rb'"')
# A legacy code of 3, 5 or 6 digits (`_LEGACY`, as bytes: a letter after it, where `_LEGACY` takes
# any, is an ASCII one; before it no word character of any script, no `.` or `(`).
_V_LEGACY: Final = rb"\((?<![A-Za-z0-9_.(\x80-\xff]\()([0-9]{3}|[0-9]{5,6})\) ?(?=[A-Za-z])"
_B: Final = rb"[ \t]*+"
# A legacy body (`_LEGACY_BODY`, as bytes), its code a number or a whole string, its message a legacy
# code's (`_V_LEGACY`'s): groups the gateway code (either), the legacy code, the message, the codeDesc.
_V_LEGACY_BODY: Final = (
    rb'\{"code"' + _B + rb":" + _B + rb'(?:"(0|[1-9][0-9]{0,5})"|(0|[1-9][0-9]{0,5}))' + _B + rb"," + _B
    + rb'"message"' + _B + rb":" + _B + rb'"\(([0-9]{3}|[0-9]{5,6})\) ?(?=[A-Za-z])([^"\\\x00-\x1f]{0,4000}+)"' + _B
    + rb"," + _B + rb'"codeDesc"' + _B + rb":" + _B + rb'"([^"\\\x00-\x1f]{0,4096}+)"' + _B + rb"\}")
_V_API3: Final = (
    rb'\{"(?:(Response)"' + _B + rb":" + _B + rb"\{" + _B + rb'")?' + rb'Error"' + _B + rb":" + _B
    + rb"\{" + _B + rb'"Code"' + _B + rb":" + _B + rb'"([A-Za-z][A-Za-z0-9_.]*+)"' + _B + rb"," + _B
    + rb'"Message"' + _B + rb":" + _B + rb'"([^"\\\x00-\x1f]{0,4096}+)"' + _B + rb"\}" + _B + rb"," + _B
    + rb'"RequestId"' + _B + rb":" + _B + rb'"([!#-\[\]-~]*+)"' + _B + rb"\}(?(1)" + _B + rb"\})")

_DIGIT_PAREN: Final = _lazy_bytes(rb"\)(?<=[0-9]\))")  # where either engine may see a legacy code's `)`
_SPACES: Final = b" " * (WINDOW + 1)
# The quoted SDK text with escapes in its message, as `vouch` and `_vouch_first` keep its (form, code)
# apart: the full extractor reads the first line of each code with them too.
_ESCAPED: Final = PYTHON_SDK + "\\u"
# A vouched line: where it starts and ends (without its newline) in the block, and its tail's key.
Vouched = tuple[int, int, tuple[object, ...]]


# A vouched line for --json (`PythonCore.vouch_json`): where it starts and ends in the block, its
# tail's key (`tail_key`: code, module code, gateway code, codeDesc, form), its bytes, where its code
# starts and ends in them, its message and its request ID (None: none) in UTF-8 as its one `Finding`
# holds them, and its text: None where the line is ASCII, which --json's regexes vouch for without a
# control character but DEL (`_without_controls`: its bytes are its characters, and JSON escapes
# nothing but `"` and `\` there, and DEL, which `render.json._run` escapes), else the line decoded
# (valid UTF-8 only). Its bytes, where it is ASCII, as a record's `"line"` holds them: `"` and `\`
# escaped (its code's place is in the line's own bytes).
VouchedJson = tuple[int, int, tuple[object, ...], bytes, int, int, bytes, "bytes | None", "str | None"]
_NO_RID: Final = frozenset({b"none", b"null", b"nil", b"undefined"})  # `forms._NO_VALUE` but the empty
_NO_RID_LONGEST: Final = max(map(len, _NO_RID))  # a longer ID (most: a UUID) is not lowered to be asked
# `forms._REQUEST_ID_ANYWHERE` as bytes, for printable ASCII (where `\s` and the cases are ASCII's alike).
_RID_NEAR: Final = _lazy_bytes(rb"request[ _-]?id[\"']?\s*[:=]\s*[\"']?([0-9A-Za-z][0-9A-Za-z-]{7,63})", re.IGNORECASE)


def _json_detail(
    kind: int, match: re.Match[bytes], message: bytes, label: int, buf: bytes, line_start: int, line_end: int,
    key: tuple[object, ...], other: bytes | None = None,
) -> VouchedJson | None:
    """A vouched line's `VouchedJson`, its message and request ID read from its form's match as its
    builder reads them from the text (`forms._python_sdk`, `_api3_json`, `_legacy_message`); None
    where the line is not valid UTF-8 (JSON adds its bytes in base64). `message`: its message as
    `PythonCore.vouch` checked it (an SDK's to its `requestId:`, at `label`; an API 3.0 body's; a
    legacy body's; none of a legacy message), not stripped nor unescaped. `other`: the line's bytes
    where `vouch_json` found them not ASCII (its regexes vouch for no control character: ASCII is
    printable ASCII there, `_without_controls`)."""
    raw = buf[line_start:line_end] if other is None else other
    text: str | None = None
    if other is not None or not raw.isascii():  # another script: the text's rules
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    rid: bytes | None
    if kind <= 1:  # the Python SDK's text (`_sdk_message`): the message to its last ` requestId:`, then the ID
        code_start, code_end = match.span(1)
        if kind == 1 and match.start(2) < 0:  # in a JSON string, with escapes of ideographs (`_V_ESCAPE`):
            message = _json_unescape(message.decode("utf-8")).rstrip().encode("utf-8")
        else:
            message = message.rstrip() if text is None else message.decode("utf-8").rstrip().encode("utf-8")
        rid_start = label + 10  # (len(b"requestId:"))
        rid = buf[rid_start:line_end] if kind == 0 else buf[rid_start : buf.find(b'"', rid_start, line_end)]
    elif kind == 2:  # an API 3.0 body: its message as it stands (no escape), its ID unless none
        code_start, code_end = match.span(2)
        rid = match[4]
        if not rid or (len(rid) <= _NO_RID_LONGEST and rid.lower() in _NO_RID):
            rid = None
    else:  # a legacy code and its message, to the value's quote or the line's end; an ID anywhere
        code_start, code_end = match.span(1 if kind == 3 else 3)
        if kind == 3:  # after the code's `) `, to the value's quote or the line's end
            body = code_end + 2 if buf[code_end + 1] == 32 else code_end + 1  # (b" ")
            message = buf[body : buf.find(b'"', body, line_end) if buf[match.start() - 1] == 34 else line_end]
        message = message.strip() if text is None else message.decode("utf-8").strip().encode("utf-8")
        rid = None
        # `_request_id_near`, on the line's own text, where `request` stands in it (in any case: no
        # character but ASCII lowers to an ASCII letter of it)
        lowered = raw.lower()
        at = lowered.find(b"request")
        if at >= 0:
            if text is None:  # printable ASCII: its regex as bytes, at each `request` (`_request_ids`: the first)
                near = _RID_NEAR.match(raw, at)
                while near is None and (at := lowered.find(b"request", at + 7)) >= 0:
                    near = _RID_NEAR.match(raw, at)
                if near is not None and near[1].lower() not in _NO_RID:
                    rid = near[1]
            else:
                found = _request_id_near(text, 0)
                rid = None if found is None else found.encode("utf-8")
    if text is None:  # as a record holds it (`VouchedJson`)
        raw = raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
    return (line_start, line_end, key, raw, code_start - line_start, code_end - line_start, message, rid, text)


def json_finding(detail: VouchedJson) -> Finding:
    """The one `Finding` of a line of `VouchedJson`, as the full extractor gives it."""
    _, _, key, raw, code_start, code_end, message, rid, text = detail
    code, module_code, error_code, code_desc, form = key
    if text is not None and not text.isascii():  # characters, not bytes
        code_start, code_end = len(raw[:code_start].decode("utf-8")), len(raw[:code_end].decode("utf-8"))
    # (by place, not name: 0.7 us less, once for each message a meaning's entry has to agree with)
    return Finding(cast(str, code), cast(str, form), code_start, code_end,
                   message.decode("utf-8"), None if rid is None else rid.decode("utf-8"),
                   cast("int | None", module_code), cast("int | None", error_code), cast("str | None", code_desc))


def _message_inert(message: bytes) -> bool:
    """Whether a message holds nothing that another form, `next_error` or `_batch_kind` would read
    (another SDK text, `code`, `Code`, `='`, `RequestId=`, or a legacy code's `)`)."""
    # (`find`, where `in` costs 2.5 times as much on bytes: it asks for the needle's buffer; `ode`
    # and `=` first, which most messages lack: four finds, not six, 0.3 us less a message)
    find = message.find
    return find(b"SDK") < 0 and (find(b"ode") < 0 or (find(b"code") < 0 and find(b"Code") < 0)) \
        and (find(b"=") < 0 or (find(b"='") < 0 and find(b"RequestId=") < 0)) \
        and (find(b")") < 0 or _DIGIT_PAREN.search(message) is None)


_Match = Callable[[bytes, int, int], "re.Match[bytes] | None"]
_Matches = Callable[[bytes, int, int], "Iterator[re.Match[bytes]]"]


class _Vouchers(NamedTuple):
    """The regexes of vouching, for one set of code names: each form's to its line's end, and those
    that check a line's text before its error."""

    plain_sdk: _Matches  # `_V_PLAIN_SDK`
    quoted_sdk: _Matches  # `_V_QUOTED_SDK`, then the record's rest
    api3: _Matches  # `_V_API3`, then plain text
    legacy: _Matches  # `_V_LEGACY`, then plain text (group 2: empty) or a value's rest and the record's
    legacy_body: _Matches  # `_V_LEGACY_BODY`, then plain text
    time_head: _Match  # a timed line's head, fullmatch
    json_head: _Match  # a JSON record up to its value's `:`
    json_open: _Match  # a JSON record up to its value's quote
    time_open: _Match  # a timed line up to a value's quote (`key": "`, `key: "`), its strings in quotes


@functools.lru_cache(maxsize=8)
def _vouchers(names: tuple[str, ...], json: bool = False) -> _Vouchers:
    """`_Vouchers` for the code names an extractor knows: a capital outside an error may begin none
    of their literals (`name_literals`, as the engines look for them), nor `SDK`, `Code`,
    `ErrorCode`, `RequestId`, `MESSAGE` (nor what begins as one of them does). `json`: for
    `vouch_json`, refusing a line with a control character (`_without_controls`)."""
    from .forms import _trie_regex, name_literals, word_trie

    # Each word by its first _STOP_PREFIX characters, which every place it stands begins with: a trie
    # of thousands of team codes' whole names took 0.4 s to compile, of their beginnings milliseconds.
    words = {w[:_STOP_PREFIX] for w in (*name_literals(names), "SDK", "Code", "ErrorCode", "RequestId", "MESSAGE")}
    stop = _trie_regex(word_trie({w: {""} for w in words})).encode("ascii")
    starts = "".join(sorted({w[0] for w in words})).encode("ascii")  # capitals all: `_CODE_NAME`
    outside = _outside(stop, starts)
    parts = _strings(stop, starts)
    # A timed line's level in one step where the run would take a step at each capital (`ERROR`:
    # five, 0.3 us), if the run takes it whole, a blank after it (nothing that could begin at one
    # of its capitals runs on over a blank).
    run = re.compile(outside).fullmatch
    levels = b"|".join(level for level in _LEVELS if run(level + b" "))
    head = _TIME_HEAD + rb"(?:(?:" + levels + rb")(?= ))?+" if levels else _TIME_HEAD

    def compiled(pattern: bytes) -> re.Pattern[bytes]:
        return re.compile(_without_controls(pattern) if json else pattern)

    return _Vouchers(
        compiled(_V_PLAIN_SDK).finditer,
        compiled(_V_QUOTED_SDK + parts + _EOL).finditer,
        compiled(_V_API3 + outside + _EOL).finditer,
        compiled(_V_LEGACY + outside + rb'(?:()' + _EOL + rb'|"' + parts + _EOL + rb")").finditer,
        compiled(_V_LEGACY_BODY + outside + _EOL).finditer,
        compiled(head + outside).fullmatch,
        compiled(rb'\{(?!"log":")' + parts + rb"(?<=:)").fullmatch,
        compiled(rb'\{(?!"log":")' + parts + rb'(?<=:)"').fullmatch,
        compiled(head + parts + rb'(?:(?<=:)|(?<=: ))"').fullmatch,
    )


def _without_controls(pattern: bytes) -> bytes:
    """A vouching regex for --json, which vouches for no line with a control character (DEL but,
    which `render.json._run` escapes in a run at once): the runs of text it reads refuse them, and
    JSON's blanks are spaces alone (no tab). A vouched line of ASCII is then one JSON escapes
    nothing of but `"` and `\\` (`bytes.isascii`, a word at a time, tells it: a pass of
    `bytes.translate` over it cost 4,000 instructions a line, 15% of --json's cost over plain's)."""
    return pattern.replace(rb"[^\n\r", rb"[^\x00-\x1f").replace(_B, rb" *+")


def blank(buf: bytes, lines: Sequence[Vouched | VouchedJson]) -> bytes | None:
    """A copy of `buf` (a block's buffer) with these lines' bytes made spaces, their places kept: no
    engine finds a candidate there. None if two of them overlap (no two forms' regexes vouch for
    one line: never)."""
    pieces: list[bytes] = []
    put = pieces.append
    at = 0
    for line in lines:
        line_start, line_end = line[0], line[1]
        if line_start < at:
            return None
        put(buf[at:line_start])
        put(_SPACES[: line_end - line_start])
        at = line_end
    put(buf[at:])
    return b"".join(pieces)
