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
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, Protocol

from .extract import _is_source_line
from .forms import (
    _API3_CODE,
    _LEGACY,
    LOCATORS,
    NODE_SDK,
    Finding,
    _api3_json,
    _legacy_json_bodies,
    _legacy_json_plain,
    _legacy_message,
    _python_sdk,
    _python_sdk_matches,
    next_error,
)

if TYPE_CHECKING:
    import re

    from .engines import Candidates, Engine
    from .extract import Extractor
    from .matcher import Matcher

ENV: Final = "KMSERR_NO_EXTENSIONS"  # set (to anything but "" or "0"): pure Python, as aio-libs do
# Tests set it False to compare the fast path with the full extractor on every line.
FAST_PATH = True

# A candidate line of a block: where it starts, where it ends (without its newline), and its
# findings, or None: this core did not read it (the caller gives it to `Extractor.find`).
Line = tuple[int, int, "tuple[Finding, ...] | None"]


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


def native_class() -> NativeClass | None:
    """The compiled core's class, if it built and loaded and KMSERR_NO_EXTENSIONS does not turn it off."""
    if os.environ.get(ENV, "") not in ("", "0"):
        return None
    try:
        from . import _native  # type: ignore[attr-defined,unused-ignore]  # optional: written by the build
    except ImportError:
        return None
    try:
        loaded: NativeClass | None = _native.load()
    except Exception:  # a library that does not load (another platform's, a broken build): Python runs
        return None
    return loaded


def core_name() -> str:
    """Which core a search runs now: "native" or "python" (`kmserr --version` says it)."""
    return "native" if native_class() is not None else "python"


def block_core(matcher: Matcher, engine: Engine | None = None) -> BlockCore:
    """The core for a matcher: the compiled one when it loaded (and no other engine is asked for),
    else the Python one, with `engine` or the matcher's."""
    native = native_class()
    if native is not None and engine is None:
        return native.from_matcher(matcher)
    return PythonCore(matcher.extractor, engine or matcher.engine)


class PythonCore:
    """The block core in Python: the engine's candidates, each line read by the fast path or in full."""

    name = "python"

    def __init__(self, extractor: Extractor, engine: Engine, *, fast: bool | None = None) -> None:
        self._extractor = extractor
        self._engine = engine
        self._fast = FAST_PATH if fast is None else fast
        self._checked: set[tuple[object, ...]] = set()  # (signature, code): read both ways once, agreed
        self._full: set[tuple[object, ...]] = set()  # signatures whose fast reading disagreed once

    def read(self, buf: bytes, start: int, end: int) -> list[Line]:
        found = self._engine.candidates(buf, start, end)
        positions = found.structured + found.names + found.crowded + found.parens
        if not positions:
            return []
        positions.sort()
        hints = Hints(found)
        find = self._extractor.find
        fast = self._fast
        lines: list[Line] = []
        next_line = start  # lines before this offset are already decided
        for pos in positions:
            if pos < next_line:
                continue
            line_start = buf.rfind(b"\n", start, pos) + 1 or start
            newline = buf.find(b"\n", pos, end)
            line_end = end if newline < 0 else newline
            next_line = line_end + 1
            raw = buf[line_start:line_end]
            names_at, parens_at, forms = hints.line(line_start, line_end, raw)
            if node_line(forms, raw):
                lines.append((line_start, line_end, None))  # the lines above it are the searcher's
                continue
            text = raw.decode("utf-8", "surrogateescape")
            if text[-1:] == "\r":
                text = text[:-1]
            findings = self._read_fast(text, names_at, parens_at, forms) if fast else None
            if findings is None:
                findings = tuple(find(text, names_at, parens_at, forms))
            if findings:
                lines.append((line_start, line_end, findings))
        return lines

    def _read_fast(
        self, text: str, names_at: list[int] | None, parens_at: list[int] | None, forms: frozenset[str] | None,
    ) -> tuple[Finding, ...] | None:
        """The line's findings by the fast path, or None when it does not apply."""
        if names_at is None or parens_at is None or "\\" in text or '"locals"' in text:
            return None  # crowded, escaped or structlog's frames: the full extractor's work
        reader = _reader(text, parens_at)
        if reader is None:
            return None
        signature = (reader, forms, bool(names_at), len(parens_at))
        if signature in self._full:
            return None
        got = reader(text, parens_at)
        if got is None:
            return None
        finding, low, high = got
        if any(not low <= p < high for p in names_at):
            return None  # a name outside the error's own text: maybe an error of its own
        if _is_source_line(text, 0):
            return None
        key = (signature, finding.code)
        if key not in self._checked:
            full = tuple(self._extractor.find(text, names_at, parens_at, forms))
            if full != (finding,):
                self._full.add(signature)
                return full
            if len(self._checked) >= _CHECKED_MAX:
                self._checked.clear()
            self._checked.add(key)
        return (finding,)


_CHECKED_MAX: Final = 65536
# A fast reading: the finding, and the stretch of the line it surely explains (names inside are its own).
_Read = tuple[Finding, int, int]
_Reader = Callable[[str, Sequence[int]], "_Read | None"]


def _reader(text: str, parens_at: Sequence[int]) -> _Reader | None:
    """Which fast reader may read the line, from the literals in it; None: none may."""
    if "SDK" in text:
        return _python_sdk_line if "SDKException] code:" in text else None
    if '"Code"' in text:
        return _api3_line
    if "code:" in text or "Code: " in text or "ErrorCode=" in text:
        return None  # .NET's, Node's, C++'s or `Code: X, Message: Y`: the full extractor's
    if parens_at:
        return _legacy_line
    if '"message"' in text:
        return _legacy_json_line
    return None


def _python_sdk_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """`[TencentCloudSDKException] code:X message:M requestId:R`, alone in its line, no quotes around."""
    if (
        parens_at or '"' in text or "='" in text or text.count("SDK") != 1 or text.count("code:") != 1
        or "Code: " in text or "ErrorCode=" in text or "code: '" in text
    ):
        return None
    match = next(_python_sdk_matches(text), None)
    if match is None:
        return None
    finding = _python_sdk(match, text)
    if finding is None or next_error(text, finding.end, match.end()) >= 0:
        return None
    return finding, *_surely_explained(match, finding)


def _api3_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """An API 3.0 body: one `"Code"`, and no other form's literal in the line."""
    if parens_at or text.count('"Code"') != 1 or '"code"' in text or "code:" in text or "Code: " in text \
            or "ErrorCode=" in text:
        return None
    match = _API3_CODE.search(text)
    if match is None:
        return None
    finding = _api3_json(match, text)
    if finding is None:
        return None
    return finding, *_surely_explained(match, finding)


def _legacy_line(text: str, parens_at: Sequence[int]) -> _Read | None:
    """One legacy code, `(10630) message`, plain or in a legacy body's message."""
    if len(parens_at) != 1:
        return None
    match = _LEGACY.match(text, parens_at[0])
    if match is None:
        return None
    finding = _legacy_message(match, text)
    if finding is None:
        return None
    low, high = _surely_explained(match, finding)
    if '"code"' in text and any(m.start() >= high or m.end() <= low for m in _legacy_json_bodies(text)):
        return None  # a legacy body that does not hold this code: maybe an error of its own
    return finding, low, high


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


def _surely_explained(match: re.Match[str], finding: Finding) -> tuple[int, int]:
    """Text the extractor counts as this finding's whatever else it adds (`_form_span` only widens it)."""
    return min(match.start(), finding.start), max(match.end(), finding.end)


# ---------------------------------------------------------------- hints from the prefilter

_NODE_CODE: Final = b"code: '"  # a line of Node's inspected error: the lines above it are read too
_FORM_NAMES: Final = tuple(LOCATORS)
# The located forms of a line, by the kinds its prefilter reported: a handful of combinations.
_FORM_SETS: dict[tuple[int, ...], frozenset[str]] = {}


def node_line(forms: frozenset[str] | None, raw: bytes) -> bool:
    """Whether a line may be the code line of Node's inspected error (Hyperscan's locators know)."""
    return NODE_SDK in forms if forms is not None else _NODE_CODE in raw


class Hints:
    """What the prefilter says of each line of one block, for `Extractor.find`: where names and
    legacy codes may be (None: too many to list, look at the whole line), and which located forms
    it holds (None: not known, look for them all). Sorted once a block, bisected once a line."""

    def __init__(self, found: Candidates) -> None:
        self._names, self._crowded, self._parens = sorted(found.names), sorted(found.crowded), sorted(found.parens)
        self._located: tuple[int, ...] | None = None
        self._kinds: tuple[int, ...] = ()
        if found.kinds is not None:  # Hyperscan learns the forms even of a line whose scan it cut short
            located = sorted(zip(found.structured, found.kinds, strict=True))
            self._located = tuple(at for at, _ in located)
            self._kinds = tuple(kind for _, kind in located)

    def line(
        self, line_start: int, line_end: int, raw: bytes
    ) -> tuple[list[int] | None, list[int] | None, frozenset[str] | None]:
        """The hints for the line `raw`, which stands at `line_start:line_end` of the block."""
        forms: frozenset[str] | None = None
        if self._located is not None:
            first = bisect_left(self._located, line_start)
            kinds = self._kinds[first : bisect_right(self._located, line_end, first)]
            forms = _FORM_SETS.get(kinds)
            if forms is None:
                forms = frozenset(_FORM_NAMES[kind] for kind in kinds)
                if len(_FORM_SETS) < 4096:
                    _FORM_SETS[kinds] = forms
        crowded = self._crowded
        if crowded:
            at = bisect_left(crowded, line_start)
            if at < len(crowded) and crowded[at] <= line_end:
                return None, None, forms
        return (
            _positions_in(self._names, line_start, line_end, raw),
            _positions_in(self._parens, line_start, line_end, raw),
            forms,
        )


def _positions_in(positions: list[int], line_start: int, line_end: int, raw: bytes) -> list[int]:
    """The sorted positions inside a line, as offsets into its decoded text."""
    if not positions:
        return []
    first = bisect_left(positions, line_start)
    last = bisect_left(positions, line_end, first)
    if first == last:
        return []
    inside = [p - line_start for p in positions[first:last]]
    if not raw.isascii():
        # Byte offsets to character offsets, decoding each stretch once: linear in the line.
        chars, previous, converted = 0, 0, []
        for p in inside:
            chars += len(raw[previous:p].decode("utf-8", "surrogateescape"))
            previous = p
            converted.append(chars)
        inside = converted
    return inside
