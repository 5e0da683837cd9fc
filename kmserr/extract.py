"""Find Tencent Cloud error codes in text: one extractor shared by `parse`, `grep` and `explain`.

The forms themselves (each one's regex and builder) are in forms.py; the extractor tries them
in priority order, and a later form never reports text that an earlier form already explained,
so that the bare name inside `code:AuthFailure` is not reported twice. It also reads SDK text
quoted inside JSON or logfmt values, and skips the source lines that tracebacks quote.
"""

import ast
import json
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from functools import cached_property
from itertools import accumulate, chain, compress, count, pairwise, repeat
from operator import contains
from typing import Final, NamedTuple
from unicodedata import east_asian_width

from .ansi import ESC, uncolour
from .ansi import strip as strip_colour
from .envelopes import AUTO, NONE, WRAP_FIRST, Opened, may_wrap, open_below, open_text
from .forms import (
    _API3_CODE,
    _API3_MESSAGE,
    _API3_REQUEST_ID,
    _CODE_NAME,
    _ERROR_KEY,
    _LEGACY,
    _LEGACY_UNCHECKED,
    _NAME_CHARS,
    API3_JSON,
    BARE_CODE,
    CODE_MESSAGE,
    CPP_SDK,
    DOTNET_SDK,
    DOTTED_ONLY_FAMILIES,
    FAMILIES,
    FORMS,
    GO_SDK,
    JAVA_SDK,
    JAVA_SDK_OLD,
    LEGACY_JSON,
    LEGACY_MESSAGE,
    LOCATED,
    MAX_FINDINGS,
    MAX_FOLDS,
    MAX_NAME,
    MAX_WRAPPED_LINES,
    NODE_AFTER,
    NODE_BELOW,
    NODE_SDK,
    PYTHON_SDK,
    PYTHON_SDK_REPR,
    RICH_HEAD,
    RICH_LOG_MARK,
    SDK_TEXT_FORMS,
    WRAPPED_WINDOW,
    Finding,
    Form,
    _bare_code,
    _clean,
    _json_unescape,
    _lazy,
    _legacy_message,
    _line_end,
    _line_start,
    _request_id_near,
    _token_at,
    _trie_regex,
    _with_node_object,
    before_separators,
    body_finding,
    bunyan_message,
    escaped_letter,
    in_coded_object,
    json_object,
    legacy_matches_at,
    legacy_of_a_coded_stack,
    next_error,
    pretty_json_code,
    rich_log_column,
    rich_log_marked,
    rich_log_message,
    stack_json_message,
    word_trie,
)


class _BareCodes:
    """Find code names standing alone: a whole identifier whose family (or name) is known."""

    def __init__(self, names: Iterable[str]) -> None:
        named = {n for n in names if _CODE_NAME.fullmatch(n)}
        self._heads = frozenset(FAMILIES) - frozenset(DOTTED_ONLY_FAMILIES)
        self._dotted_heads = frozenset(DOTTED_ONLY_FAMILIES)
        self._names = frozenset(named - set(DOTTED_ONLY_FAMILIES) - self._heads)
        self._all_heads = self._heads | self._dotted_heads | frozenset(n.partition(".")[0] for n in self._names)
        # Every word that the regex of names starts a match with (a dotted-only family without its dot).
        self._words = self._heads | self._dotted_heads | frozenset(n for n in self._names if len(n) <= MAX_NAME)
        self._depth = max(word.count(".") + 1 for word in self._words)  # the most segments a word has
        self._narrowed: dict[frozenset[str], re.Pattern[str]] = {}
        # A word that the probe meets ends with one of these, a piece of the text cut where no
        # segment goes on (`_PIECES`): where none stands, the stretch holds no name.
        self._lasts = frozenset(word.rpartition(".")[2].encode() for word in self._words)
        self._cut_first = True  # whether to look for them first: not after the probe met a word
        # Identifiers probed, and how many before the regex of every name pays for its compiling
        # (about 50 us a word; probing costs about 1 us an identifier more than that regex's search).
        self._probed, self._budget = 0, PROBED_PER_WORD * len(self._words)

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        """Every identifier that `_accept` takes, as one regex (0.1 s to compile for 2,000 team codes:
        built only once probing has cost as much, or where the words have too many dots to probe)."""
        return _bare_pattern(self._heads, self._dotted_heads, self._names)

    @cached_property
    def _probe(self) -> re.Pattern[str] | None:
        """The identifiers that may be code names, with their first one to `_depth` segments (None:
        the words have too many segments to probe for)."""
        return _probe_pattern(self._words, self._depth) if self._depth <= MAX_PROBED_SEGMENTS else None

    @cached_property
    def _spaced(self) -> re.Pattern[str]:
        """`_probe` for ASCII text whose separators are spaces (`_SEPARATORS`): the space before an
        identifier is matched, not looked behind for (`_probe_pattern`)."""
        return _probe_pattern(self._words, self._depth, spaced=True)

    def outside(self, text: str, spans: Iterable[tuple[int, int]]) -> Iterator[re.Match[str]]:
        """`scan` of the text but these spans (sorted, apart: text that forms explained, where
        `find` takes no name): a span that begins and ends with a separator (a value's quotes, a
        brace, a line) is not read, as no name can stand across its edges; any other is read as
        `scan` reads it. A JSON record's long values (tracebacks) are then read once, not twice."""
        pos = 0
        for start, end in spans:
            if end - start < SKIPPED_SPAN or not (_SEPARATOR.match(text, start) and _SEPARATOR.match(text, end - 1)):
                continue  # read with the text around it
            if start > pos:
                yield from self.scan(text, pos, start)
            pos = end
        yield from self.scan(text, pos)

    def scan(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
        """Every code name of the text, lazily (`find` stops at MAX_FINDINGS), a stretch at a time.
        The identifiers of a stretch that may be names, with their first segments, come from one
        regex that names no name (C speed) and meet the known words in a set (C speed); where none
        is one, the stretch holds no name, and where some are, a regex of those words alone finds
        the names, as the regex of every name would. So a line of near-miss team names costs no
        Python per identifier and, until it has cost as much, no regex of every name is compiled.
        Before the probe, an ASCII stretch is cut into pieces (`_PIECES`) met with the words' last
        segments in a set: where none stands, no word does, and the probe is not run (after a
        stretch where the probe met a word, the next is probed uncut: cutting would only add)."""
        probe = self._probe
        endpos = len(text) if endpos is None else endpos
        for low, high in _stretches(text, pos, endpos):
            if probe is None or self._probed >= self._budget:
                for token in self._pattern.finditer(text, low, endpos):  # the rest, in one search
                    if token.end() - token.start() <= MAX_NAME:
                        yield token
                return
            stretch = text[low:high]
            if stretch.isascii():
                if self._cut_first and self._lasts.isdisjoint(stretch.encode().translate(_PIECES).split()):
                    continue  # a line of near-miss names: 1.2 ms for 256 KB, where the probe took 4
                # re tries a pattern at each place where a known word's first letter stands (each
                # capital of a line of near-miss names, 4.8 ms for 256 KB); here only where a space
                # does, a place a literal search finds: the separators made spaces first (C speed).
                # Runs of separators made one space: a flood of them (8 MB of `(`) would have the
                # probe tried at each (what follows a name reads a space or the end alike).
                before = " " if low == 0 or _SEPARATOR.match(text, low - 1) else "x"
                spaced = stretch.translate(_SEPARATORS)
                found = self._spaced.findall(before + (" " if spaced[:1] == " " else "") + " ".join(spaced.split()))
            else:
                found = probe.findall(text, low, high)
            if not found:
                self._cut_first = True
                continue
            hits = self._words.intersection(chain.from_iterable(found) if self._depth > 1 else found)
            # Where names stand, cutting the text into pieces would only add to the probe's cost.
            self._cut_first = not hits
            if not hits:
                continue
            # What probing costs beyond the regex of every name: a regex of the words met. Where it
            # meets none, probing costs less than that regex's search, which is not compiled.
            self._probed += len(found)
            for token in self._narrowed_pattern(frozenset(hits)).finditer(text, low, high):
                if token.end() - token.start() <= MAX_NAME:
                    yield token

    def _narrowed_pattern(self, words: frozenset[str]) -> re.Pattern[str]:
        """The regex of these of the words alone: a match from a place ends where the identifier does,
        whichever word it went through, so it finds what the regex of every name finds wherever no
        other word stands."""
        pattern = self._narrowed.get(words)
        if pattern is None:
            pattern = _bare_pattern(self._heads & words, self._dotted_heads & words, self._names & words)
            if len(self._narrowed) >= MAX_NARROWED:
                self._narrowed.clear()
            self._narrowed[words] = pattern
        return pattern

    def at(self, text: str, positions: Iterable[int]) -> list[re.Match[str]]:
        """Look only at the identifiers around these positions, where a prefilter saw a name's literal."""
        found: list[re.Match[str]] = []
        looked = -1  # positions before this lie in an identifier already looked at
        for pos in sorted(positions):
            if pos < looked:
                continue
            before = text[max(0, pos - 128) : pos]
            start = pos - (len(before) - len(before.rstrip(_NAME_CHARS)))  # back to the identifier's start
            token = _token_at(text, start)
            if token is None:
                continue
            looked = token.end()
            if token.end() > pos and self._accept(token, text):
                found.append(token)
        return found

    def _accept(self, token: re.Match[str], text: str) -> bool:
        code = token.group()
        head = code.partition(".")[0]
        if head not in self._all_heads:
            return False
        start, end = token.span()
        # Not part of a longer identifier or of a path (`botocore.exceptions.ClientError`, `docs/X.md`).
        if start and (text[start - 1].isalnum() or text[start - 1] in "_.\\/-"):
            return False
        if end < len(text) and (text[end].isalnum() or text[end] in "_-"):
            return False
        if head in self._heads or (head in self._dotted_heads and "." in code):
            return True
        return self._named(code)

    def _named(self, code: str) -> bool:
        """Whether the code is a known name or one of its dotted sub-codes: a set lookup per dot,
        not a comparison per known name (2,000 team codes would cost 2,000 a name)."""
        names = self._names
        if code in names:
            return True
        dot = code.find(".")
        while dot >= 0:
            if code[:dot] in names:
                return True
            dot = code.find(".", dot + 1)
        return False


# After a code name's head or name: dotted sub-codes, as many as MAX_NAME characters can hold (a
# bound, so that the regex never stacks a repetition per segment of a hostile identifier).
_TAIL: Final = r"(?:\.[A-Za-z0-9]+){0," + str(MAX_NAME // 2) + "}"
_DOTTED_TAIL: Final = r"[A-Za-z0-9]+" + _TAIL
# What `_accept` asks of the characters around an identifier, and where `_token_at` ends it.
_NOT_AFTER: Final = r"(?![\w-]|\.[A-Za-z0-9])"
_NOT_BEFORE: Final = r"(?<![\w.\\/-].)"  # after the first letter: the regex keeps a first-letter prefilter


SKIPPED_SPAN: Final = 512  # characters: a shorter span is read with the text around it (a scan costs as much to begin)
MAX_PROBED_SEGMENTS: Final = 8  # words with more dots: the regex of every name (probing them costs a group each)
MAX_NARROWED: Final = 256  # regexes of some of the words, kept by the words
PROBED_PER_WORD: Final = 64  # identifiers probed a word known, before the regex of every name is compiled
STRETCH: Final = 65536  # characters of a line probed at once: a flood of names costs memory by the stretch
# Where a stretch may end: a character that neither an identifier nor what stands after a name can hold.
_STRETCH_END = _lazy(r"[^\w.\-]")
# The same over ASCII: a set of bytes, where `\w` asks Unicode of each character (a run of 1 MB of
# digits: 4.7 ms against 12). What it stops at outside ASCII may be a letter: `_STRETCH_END` says.
_ASCII_STRETCH_END = _lazy(r"[^A-Za-z0-9_.\-]")


def _stretches(text: str, pos: int, endpos: int | None = None) -> Iterator[tuple[int, int]]:
    """`text[pos:endpos]` cut into stretches of about STRETCH characters, each ended before a character
    that no identifier holds, so that every regex reads in a stretch what it reads in the whole text."""
    endpos = len(text) if endpos is None else endpos
    while pos < endpos:
        end = _ASCII_STRETCH_END.search(text, pos + STRETCH, endpos) if endpos - pos > STRETCH else None
        if end is not None and not end.group().isascii():
            end = _STRETCH_END.search(text, end.start())
        high = min(end.start(), endpos) if end is not None else endpos
        yield pos, high
        pos = high


PROBED_PREFIX: Final = 4  # characters of a word that a probed identifier must begin with


def _probe_pattern(
    words: Iterable[str], depth: int, *, spaced: bool = False, possessive: bool | None = None,
) -> re.Pattern[str]:
    """Identifiers that begin as one of the words does (PROBED_PREFIX characters), not after a
    letter, digit, `_`, `.`, `\\`, `/`, `-` and not followed by what may not follow a name, as findall
    gives them: their first one, two, ... `depth` segments (the whole of them with fewer). Every
    place where the regex of names starts a match starts one, and ends where it ends. `spaced`:
    after a space, in text whose every other separator is one (`_SEPARATORS`). `possessive`
    (POSSESSIVE by default): runs and segments taken whole, never given back."""
    trie = word_trie({word[:PROBED_PREFIX]: {""} for word in words})
    # Each alternative begins with its first letter (so that re looks for places by a set of them),
    # and looks ahead at the rest of the prefix.
    before = "" if spaced else _NOT_BEFORE
    firsts = "|".join(re.escape(first) + before + (f"(?={rest})" if (rest := _trie_regex(trie[first])) else "")
                      for first in sorted(trie))
    # Each run of letters and digits is read whole (what follows it is none of them), so that an
    # identifier the regex refuses is given up at once, not shortened a character at a time.
    # Possessive, as re allows since Python 3.11, the runs and segments are not even tried shorter
    # or fewer, each of which `_NOT_AFTER` would refuse again (a hyphenated near-miss team name
    # retried so: a line of them probed in 3.2 ms for 256 KB, possessive 1.4 ms); the same matches.
    possessive = POSSESSIVE if possessive is None else possessive
    segment = r"(?:\.[A-Za-z0-9]++)" if possessive else _SEGMENT
    inner = "((?:" + firsts + ")[A-Za-z0-9]*" + ("+)" if possessive else "(?![A-Za-z0-9]))")
    for _ in range(depth - 1):
        inner = "(" + inner + segment + ("?+)" if possessive else "?)")
    tail = segment + "{0," + str(MAX_NAME // 2) + "}" + ("+" if possessive else "")
    return re.compile((" " if spaced else "") + inner + tail + _NOT_AFTER)


# What most forms' gates hold: over a long text that lacks it, those gates are not looked for one
# by one, each a pass over the text (0.4 ms a MB; 1 MB of `TencentCloudSDKException: `: 10 of 12).
GATE_PARTS: Final = ("ode",)
LONG_TEXT: Final = 65536  # characters: in a shorter text, looking for the part first would cost more than it saves


def _gates_in(tried: tuple[Form, ...], text: str) -> tuple[Form, ...]:
    """The forms tried, less those whose gates hold a part of GATE_PARTS that the text lacks: one
    search for the part where it spares two for the gates or more."""
    for part in GATE_PARTS:
        if sum(part in form.gate for form in tried) > 1 and part not in text:
            tried = tuple(form for form in tried if part not in form.gate)
    return tried


# re's possessive quantifiers (`*+`, `?+`, `{m,n}+`): new in Python 3.11, and wrong where the
# repeated part backtracks until CPython 3.11.5 (gh-106052, gh-100061: Debian 12's 3.11.2 reads
# `Name..Reason` as `Name.`); PyPy's still miss their minimum (pypy/pypy#5504). Elsewhere the
# patterns that would take them are written without (the probe) or not used (core.py's vouching).
POSSESSIVE: Final = sys.implementation.name == "cpython" and sys.version_info >= (3, 11, 5)


# What `_NOT_BEFORE` refuses before a name; every other ASCII character made a space for `_spaced`
# (what `_NOT_AFTER` and the segments read stays as it was).
_SEPARATOR = _lazy(r"[^\w.\\/-]")
_SEPARATORS: Final = str.maketrans({c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) in "_.\\/-")})


_SEGMENT: Final = r"(?:\.[A-Za-z0-9]+(?![A-Za-z0-9]))"
# Every ASCII byte that no segment of a name holds, nor `_` or `-` (a segment that either follows
# is no name's), made a space: the last segment of a name that the probe meets is a piece of the
# text split at them (it stands after a separator or a dot, and before a dot, a separator, `/`,
# `\` or the end). So is every segment of an identifier, and of a near-miss name too: a set meets
# them at C speed, where the probe's regex takes a step per identifier.
_PIECES: Final = bytes(c if chr(c).isalnum() or chr(c) in "_-" else 32 for c in range(128)) + bytes(range(128, 256))


def _bare_pattern(heads: Iterable[str], dotted_heads: Iterable[str], names: Iterable[str]) -> re.Pattern[str]:
    """One regex for the code names standing alone: the known words as a trie (Python's re tries an
    alternation's branches one by one), each checked for what stands before it right after its first
    letter, so that the search only tries positions where a known word's first letter stands. The
    dotted sub-codes after a word are one tail after each first letter's trie, not one a word: a
    match from a place ends where the identifier does, whichever word it went through (2,000 team
    codes with a tail each: 47 KB of regex where there were 98 KB)."""
    plain = word_trie({word: {""} for word in (*heads, *names) if len(word) <= MAX_NAME})
    dotted = word_trie({word + ".": {""} for word in dotted_heads})
    # Each alternative begins with its first letter, so that re finds the places to try by a set of
    # first letters (an alternative that began with a group would make it try every place).
    branches = [re.escape(first) + _NOT_BEFORE + _trie_regex(trie[first]) + tail
                for trie, tail in ((plain, _TAIL), (dotted, _DOTTED_TAIL)) for first in sorted(trie)]
    return re.compile("(?:" + "|".join(branches) + ")" + _NOT_AFTER if branches else r"(?!)")


class Extractor:
    """Recognise every supported form; `names` are extra code names to find standing alone."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: tuple[str, ...] = tuple(names)  # what an engine for this extractor must look for too
        self._bare = bare = _BareCodes(self.names)
        # Code names standing alone come last, found among the names this extractor knows.
        self._forms = (*FORMS, Form(BARE_CODE, "", bare.scan, _bare_code))  # every text holds ""
        # The forms to try for each set of located forms a prefilter reports, in priority order:
        # a line is tried against the few its prefilter saw, not against all of them.
        self._plans: dict[frozenset[str], _Plan] = {}
        self._every_form = _Plan(self._forms, True)  # no prefilter said which forms a text holds

    def _plan(self, forms: Container[str] | None) -> "_Plan":
        """The forms worth trying on a text whose located forms are `forms` (None: not known)."""
        if forms is None:
            return self._every_form
        key = forms if isinstance(forms, frozenset) else None  # what can be a dict's key
        plan = self._plans.get(key) if key is not None else None
        if plan is None:
            tried = tuple(f for f in self._forms if f.name not in LOCATED or f.name in forms)
            plan = _Plan(tried, any(name in forms for name in QUOTED_FORMS))
            if key is not None and len(self._plans) < 4096:
                self._plans[key] = plan
        return plan

    def find(
        self,
        text: str,
        names_at: Sequence[int] | None = None,
        parens_at: Sequence[int] | None = None,
        forms: Container[str] | None = None,
        before: str = "",
        envelope: str = AUTO,
        after: str | None = "",
    ) -> list[Finding]:
        """Return every error in `text`, in order of position; never raises on any string.

        A prefilter that searched the text may say where to look: `names_at`, where the literals of
        code names stand; `parens_at`, where legacy codes may start; `forms`, which structured forms
        its locators (LOCATORS) found in the text. Then only those are looked at, so that a line
        full of `(` or of `"code":` costs no more than a line of ordinary text. `before` is the text
        that came before (grep gives the lines above a line): where Node's error object begins;
        `after`, the text that comes after (grep gives the lines below, within its block): where a
        pretty-printed object's other properties may stand (`_in_pretty_objects`), and where rich's
        wrapped text ends; None where they are not known yet (a line read alone from a stream: what
        rich's shape says goes on below is left to the lines below), "" where none follow.
        A line in a platform's envelope (`envelope`: AUTO, NONE or one of ENVELOPES) is read as
        the app wrote it, its findings placed back in `text` and named with their envelope.
        """
        if envelope != NONE and text[:1] in WRAP_FIRST and (envelope != AUTO or may_wrap(text)):
            opened = open_text(text, before, envelope)
            if opened is not None:
                return self._opened(opened, open_below(after, envelope, NODE_BELOW) if after else after)
        if ESC in text or (before and ESC in before) or (after and ESC in after):
            return self._uncoloured(text, before, envelope, after)
        if "\n" in text:
            whole = _whole_json(text)
            if whole is not None:
                return whole
        taken = _Spans()
        found: list[Finding] = []
        near = max(0, len(before) - WRAPPED_WINDOW)  # (a negative start would look at the last characters alone)
        if RICH_HEAD in text or (before and before.find(RICH_HEAD, near) >= 0) \
                or RICH_LOG_MARK in text or (before and before.find(RICH_LOG_MARK, near) >= 0):
            # An exception line that rich wrapped at its width: read whole, reported on its last line.
            for inner, span_start, span_end in self._rich_wrapped(text, before, after):
                taken.add(span_start, span_end)
                found.extend(inner)
        if '"locals"' in text:  # structlog's dict_tracebacks: a frame's variables are no occurrences
            for start, end in _locals_spans(text):
                taken.add(start, end)
        tried, quoted_form = self._plan(forms)
        # A pass less when the locators saw no quoted form; but SDK text and API 3.0 bodies are
        # read in their quotes whatever follows them (no locator sees `message:解密失败`, nor the
        # escaped `\"Code\"` of a body logged as a JSON string), as without a prefilter.
        # So is a legacy body or message escaped in a record's value (`"msg": "resp: {\"code\":4000,
        # \"message\":\"(10630) ...\"}"`: `logger.error("resp: %s", json.dumps(body))` in a JSON
        # formatter): its text unescaped is read, a legacy body's codeDesc and all.
        quoting = quoted_form or "TencentCloudSDK" in text or '\\"Code\\"' in text or _ESCAPED_LEGACY in text
        if quoting and ("TencentCloudSDK" in text or '\\"Code\\"' in text or _ESCAPED_LEGACY in text) \
                and '"' in text:
            # SDK text quoted in a JSON or logfmt record is read inside its quotes, unescaped, and
            # only there: the record's `"}` is no part of a request ID, its `\"` no quote.
            for inner, value_start, value_end in self._quoted(text):
                if not taken.overlaps(value_start, value_end):
                    taken.add(value_start, value_end)
                    found.extend(inner)
        if quoting and "TencentCloudSDK" in text and "='" in text:
            # structlog's console writes `key='...'`, a Python str's repr: read unescaped too.
            for inner, value_start, value_end in self._python_quoted(text):
                if not taken.overlaps(value_start, value_end):
                    taken.add(value_start, value_end)
                    found.extend(inner)
        sources: dict[int, bool] = {}  # line start: whether the line is program source
        if len(text) > LONG_TEXT:
            tried = _gates_in(tried, text)
        for form, gate, finder, build in tried:
            if gate not in text:
                continue
            if build is _bare_code and names_at is not None:
                # Names inside text that a structured form explained (`code:AuthFailure`) are done.
                free = [p for p in names_at if not taken.covers(p)] if taken else names_at
                if not free:
                    continue
                matches: Iterable[re.Match[str]] = self._bare.at(text, free)
            elif build is _legacy_message and parens_at is not None:
                matches = legacy_matches_at(text, parens_at)
            elif build is _bare_code and taken and len(text) > SKIPPED_SPAN:
                matches = self._bare.outside(text, taken.spans())  # names in them would be passed over
            else:
                matches = finder(text, 0)
            pending = iter(matches)
            while (match := next(pending, None)) is not None:
                if taken.overlaps(*match.span()):
                    if form not in SDK_TEXT_FORMS:
                        continue  # text explained already
                    # An SDK error's text runs on to the line's end, over errors found before (of
                    # forms tried earlier): it ends where the first of them begins, and this form
                    # is looked for again after them, where its regex's first match swallowed them.
                    regex = SDK_TEXT_FORMS[form]
                    inside = taken.end_of(match.start())
                    if inside >= 0:
                        pending = iter(finder(text, inside))
                        continue
                    limit = taken.next_start(match.start())
                    pending = iter(finder(text, limit))
                    cut = regex.match(text, match.start(), before_separators(text, match.start(), limit))
                    if cut is None:
                        continue
                    match = cut
                line_start = _line_start(text, match.start())
                source = sources.get(line_start)
                if source is None:
                    source = sources[line_start] = _is_source_line(text, line_start)
                if source:  # a traceback's source line quotes codes; it is no occurrence
                    continue
                group = CODE_GROUPS.get(form)
                at = next_error(text, match.end(group), match.end()) if group is not None else -1
                cut = SDK_TEXT_FORMS[form].match(text, match.start(), at) if at >= 0 else None
                if cut is not None:
                    # Read up to the next error on the line, not past it; built once, from the text
                    # before that error (its code is the match's: so is whether it is one at all).
                    finding = build(cut, text[:at])
                    if finding is None:
                        continue
                    match = cut
                    pending = iter(finder(text, at))  # the next error is its own
                else:
                    finding = build(match, text)
                    if finding is None:
                        continue
                    if form == PYTHON_SDK_REPR:  # its code's end is the builder's to say
                        at = next_error(text, finding.end, match.end())
                        cut = SDK_TEXT_FORMS[form].match(text, match.start(), at) if at >= 0 else None
                        shorter = build(cut, text[:at]) if cut is not None else None
                        if cut is not None and shorter is not None:
                            match, finding = cut, shorter
                            pending = iter(finder(text, at))
                if form == NODE_SDK:
                    below = text.find("\n", match.end())
                    under = (after or "") if below < 0 else text[below + 1 : below + 2 + NODE_AFTER]
                    finding = _with_node_object(finding, before + text[: text.find("code:", match.start())], under)
                span_start, span_end = _form_span(match, finding)
                taken.add(span_start, span_end)
                found.append(finding)
                if form in WRAPPERS and text.find('"Code"', finding.end, span_end) >= 0:
                    found.extend(_inner_bodies(text, finding.end, span_end))  # a body in its message
                if len(found) >= MAX_FINDINGS:
                    break
            if len(found) >= MAX_FINDINGS:
                break
        if found and (" " in text or "\t" in text) and any(f.form in _PRETTY_FORMS for f in found):
            found = _in_pretty_objects(text, found, before, after or "")
        if len(found) < 2:
            return found
        found.sort(key=_start)
        return _once_a_record(text, _once_a_line(text, _own_request_ids(text, found)))[:MAX_FINDINGS]

    def _rich_wrapped(self, text: str, before: str, after: str | None = "") -> Iterator[tuple[list[Finding], int, int]]:
        """The exception lines that rich wrapped at its width (structlog's console renderer, and
        RichHandler's traceback, at 80 columns; an ExceptionGroup's boxes): rich writes the class's
        bare name, `TencentCloudSDKException: [TencentCloudSDKException] code:...`, and breaks it
        over lines of the same indentation (and box) up to the line of its ` requestId:`. Each is
        read whole, its lines joined as rich broke them, and reported on that last line (the code,
        which stands above, has an empty span there at the `requestId:`); the part of it in `text`
        is given with its findings, to be read no further. `before`: the lines above `text`
        (grep's), so that grep, a line at a time, reads what parse reads; `after`: the lines below
        it (grep's, within its block; None: not known yet). Where the lines end before its
        ` requestId:` (the next line is another paragraph, or none follows: a message with a
        newline, a text cut short), it is reported on its last line as far as it goes, rather than
        lost; where what follows is not known, the lines below report it."""
        # The lines of `before` (which ends with the newline above `text`) that a wrapped line that
        # reaches `text` can begin on: within WRAPPED_WINDOW characters.
        window = before[-WRAPPED_WINDOW - 1 :]
        logged = RICH_LOG_MARK in text or RICH_LOG_MARK in window
        if not (_may_head(text) or _may_head(window)):
            if not logged:
                return  # Python's traceback names the class with its module: no line of rich's
            if not (rich_log_marked(window) or rich_log_marked(text)):
                return  # the SDK's text on one line, as most lines hold it
        lines = window.split("\n")[:-1] if window else []
        if len(window) < len(before) and lines:
            lines = lines[1:]  # a line cut by the window
        lines = lines[-MAX_WRAPPED_LINES:]
        offset = -sum(map(len, lines)) - len(lines)  # where the first line starts, relative to `text`
        lines += text.split("\n")
        text_last = len(lines) - 1  # `text`'s last line: a head below it reads none of `text`
        if after:  # the lines below, as far as a wrapped line reaches (a cut last one ends it no sooner)
            lines += after[:WRAPPED_WINDOW].split("\n")[:MAX_WRAPPED_LINES]
        # Where each line starts, summed at C speed; and the lines that may be heads, picked at C
        # speed: a traceback's 40 lines hold one, if any, and no other is looked into.
        starts = list(accumulate(map((1).__add__, map(len, lines)), initial=offset))
        index = 0  # lines before this were read with a head above them
        heads: Iterable[int] = compress(count(), map(contains, lines, repeat(RICH_HEAD)))
        records: set[int] = set()  # RichHandler's records that the SDK's text goes on in (`_rich_log_record`)
        wrappers: set[int] = set()  # exception lines of classes that wrap the SDK's text (`_rich_wrapper`)
        if logged:  # (a mark MAX_RECORD_LINES below `text` at most: a record's first line may be in it)
            marked = [at for at in compress(count(), map(contains, lines, repeat(RICH_LOG_MARK)))
                      if at <= text_last + MAX_RECORD_LINES]
            records = {first for at in marked if (first := _rich_log_record(lines, at)) >= 0}
            bottoms = list(compress(count(), map(contains, lines, repeat(_BOX_BOTTOM))))  # (most texts: none)
            wrappers = {head for at in marked if (head := _rich_wrapper(lines, at, bottoms)) >= 0}
            wrappers.update(head for at in marked if (head := _folded_name(lines, at)) >= 0)
            heads = sorted({*heads, *records, *wrappers})
        for head in heads:
            if head > text_last:
                break
            if head < index:
                continue
            index = head
            prefix, content = _box_content(lines[index])
            if not _is_rich_head(content, bool(prefix)) and index not in wrappers:
                if index not in records:
                    continue
                column = rich_log_column(lines[index])  # the record's message, from its column on
                prefix, content = " " * column, rich_log_message(lines[index], column)
            contents = [content]
            last = index
            size = len(lines[index])
            while "requestId:" not in contents[-1] and last + 1 < len(lines) and len(contents) < MAX_WRAPPED_LINES:
                next_prefix, next_content = _box_content(lines[last + 1])
                size += len(lines[last + 1]) + 1
                if next_prefix != prefix or not next_content or size > WRAPPED_WINDOW or RICH_HEAD in next_content:
                    break  # another paragraph, or another error
                last += 1
                contents.append(next_content)
            block_start, block_end = starts[index], starts[last] + len(lines[last])
            if block_end > 0:  # some of it is in `text`
                inner: list[Finding] = []
                if block_end > len(text):
                    pass  # it ends below `text` (in `after`): reported there
                elif "requestId:" not in contents[-1] and (last + 1 < len(lines) or after is not None):
                    # Its lines end before its request ID: what it holds, on its last line (the code,
                    # where it stands on that line; else an empty span at the line's text).
                    joined = _unwrap(contents)
                    head_at = joined.find(RICH_HEAD)  # the class's name (and its module): read past it
                    skip = head_at + len(RICH_HEAD) if head_at == 0 or (
                        head_at > 0 and _MODULE.fullmatch(joined, 0, head_at)) else 0
                    found = self.find(joined[skip:])
                    at = starts[last] + len(prefix) + (skip if last == index else 0)
                    inner = [f._replace(start=f.start + at, end=f.end + at) if last == index
                             else f._replace(start=at, end=at) for f in found]
                elif last > index:
                    at = starts[last] + lines[last].find("requestId:")
                    # A request ID that rich folded onto the lines below (RichHandler's column at 80
                    # is narrower than one) is read with them when they complete a UUID (the SDK's
                    # request IDs), else is cut: no request ID, rather than a wrong one. Not when
                    # what it holds is a whole UUID: the widest line, not a folded one.
                    width = max(map(_cells, contents))
                    cut = (" " not in contents[-1] and _cells(contents[-1]) >= width
                           and _UUID.search(contents[-1]) is None)
                    read = contents
                    if cut:
                        folded = _folded_id(contents[-1], lines[last + 1 : last + 1 + MAX_FOLDS], prefix, width)
                        if folded:
                            read, cut = [*contents[:-1], contents[-1] + folded], False
                    inner = [f._replace(start=at, end=at, request_id=None if cut else f.request_id)
                             for f in self.find(_unwrap(read, width))]
                yield inner, max(0, block_start), min(block_end, len(text))
            index = last + 1

    def _uncoloured(self, text: str, before: str, envelope: str, after: str | None = "") -> list[Finding]:
        """The findings of a text coloured for a terminal, read as the terminal shows it (and the
        lines above and below it so), placed back in it: ansi.py."""
        plain = uncolour(text)
        found = self.find(plain.text, before=strip_colour(before), envelope=envelope,
                          after=strip_colour(after) if after else after)
        return [f._replace(start=start, end=end) for f in found for start, end in (plain.place(f.start, f.end),)]

    def _opened(self, opened: Opened, after: str | None = "") -> list[Finding]:
        """The findings of an unwrapped text, placed in the original one; those of a cut line's
        start above are left to that line (grep reported them there). `after`: the lines below, opened."""
        found = [f for f in self.find(opened.text, before=opened.before, envelope=NONE, after=after)
                 if f.start >= opened.skip]
        if len(found) > 1 and "\n" in opened.text:  # a record of several lines, in one line of the platform's
            firsts = [record[0] for record in opened.records]
            by_record: dict[int, list[Finding]] = {}
            for finding in found:
                by_record.setdefault(bisect_right(firsts, finding.start), []).append(finding)
            found = [f for record in by_record.values() for f in _once_a_line(opened.text, record, lines=False)]
        places = opened.place([(f.start, f.end) for f in found])
        return [f._replace(start=start, end=end, envelope=kind)
                for f, (start, end, kind) in zip(found, places, strict=True)]

    def _quoted(self, text: str) -> Iterator[tuple[list[Finding], int, int]]:
        """Each quoted value that holds SDK text (or an escaped body or legacy message): its
        findings, read unescaped and placed in `text`, and its span (quotes included). Values are
        paired from the text's start, as a JSON or logfmt reader pairs them, in one pass; an
        unclosed quote ends the reading."""
        def wanted(raw: str, quote: int) -> bool:
            return ("TencentCloudSDK" in raw or '\\"Code\\"' in raw or _escaped_legacy(raw)) and _is_value(text, quote)

        for inner, start, end in self._read_values(text, '"', 0, wanted, _UNWANTED_VALUES):
            if any(f.request_id is None and f.form in _LEGACY_FORMS for f in inner) \
                    and "TencentCloudSDK" not in text[start:end] and '\\"Code\\"' not in text[start:end]:
                # A legacy error takes its request ID from the line around it (the record's own
                # `"requestId"`), as it did standing there, when its value names none.
                inner = [f._replace(request_id=_request_id_near(text, f.end))
                         if f.request_id is None and f.form in _LEGACY_FORMS else f for f in inner]
            yield inner, start, end

    def _python_quoted(self, text: str) -> Iterator[tuple[list[Finding], int, int]]:
        """Each `key='...'` value (a Python str's repr) that holds SDK text with escapes in it: its
        findings, read as Python reads the literal, and its span. MAX_QUOTED values at most."""
        return self._read_values(text, "='", 1, lambda raw, quote: "TencentCloudSDK" in raw and "\\" in raw, None)

    def _read_values(
        self, text: str, opening: str, quote_at: int, wanted: Callable[[str, int], bool],
        unwanted: re.Pattern[str] | None,
    ) -> Iterator[tuple[list[Finding], int, int]]:
        """The values that `opening` begins (its quote `quote_at` characters in) and the same quote
        ends, paired from the text's start; for each that `wanted` takes, its findings read unescaped
        and placed in `text`, and its span. At most MAX_VALUES values paired, MAX_QUOTED read.
        `unwanted` pairs at once values (each with what comes before it) that `wanted` would refuse."""
        looked = 0
        # One call of `unwanted` pairs a run of values at C speed, where their count and length
        # cannot reach the bounds: a line of 200 JSON values is a call, not 200 turns of this loop.
        fits = len(text) <= MAX_VALUE and text.count(opening[quote_at]) < 2 * MAX_VALUES
        skip = unwanted if fits else None
        at = text.find(opening, _past(skip, text, 0))
        mark = opening[quote_at]
        newline = -2  # the first newline after the value that was paired last; -1: none, -2: not looked for
        for _ in range(MAX_VALUES):
            if at < 0 or looked >= MAX_QUOTED:
                return
            quote = at + quote_at
            if newline != -1 and newline <= quote:  # looked for once a line, not once a value
                newline = text.find("\n", quote + 1)
            limit = newline if 0 <= newline < quote + 1 + MAX_VALUE else min(len(text), quote + 1 + MAX_VALUE)
            end = _closing(text, mark, quote + 1, limit)
            if end < 0:
                return
            raw = text[quote + 1 : end - 1]
            if wanted(raw, quote):
                looked += 1
                decoded, places = _unescape_with_places(raw, quote + 1)
                inner = [f._replace(start=places[f.start], end=places[f.end]) for f in self.find(decoded)]
                yield inner, quote, end
            at = text.find(opening, _past(skip, text, end))


_PRETTY_FORMS: Final = frozenset({BARE_CODE, LEGACY_MESSAGE})


def _in_pretty_objects(text: str, found: list[Finding], before: str, after: str) -> list[Finding]:
    """The findings on indented lines of pretty-printed objects, read with the object's other lines
    (`before` and `after` those of `text`): a code alone on its JSON line with the object's message
    and request ID (`pretty_json_code`); a legacy code in an object with a code of a name left to
    that code's line (`in_coded_object`), which reports it as its `module_code`."""
    kept = []
    for finding in found:
        line_start = _line_start(text, finding.start)
        indented = text[line_start : line_start + 1] in (" ", "\t")
        bunyan = finding.form == BARE_CODE and text.endswith("err.code=", 0, finding.start)
        header = finding.form == LEGACY_MESSAGE and (
            text.endswith("Error: (", 0, finding.start) or text.endswith("Exception: (", 0, finding.start)
            or text.endswith("): (", 0, finding.start))
        if finding.form not in _PRETTY_FORMS or not (indented or bunyan or header):
            kept.append(finding)
            continue
        line_end = _line_end(text, finding.end)
        above = text[max(0, line_start - NODE_AFTER) : line_start]
        if line_start < NODE_AFTER:
            above = before + above
        below = text[line_end + 1 : line_end + 2 + NODE_AFTER] if line_end < len(text) else after
        line = text[line_start:line_end]
        if finding.form == BARE_CODE:
            finding = bunyan_message(finding, line, line_start, below) if bunyan else pretty_json_code(
                finding, line, line_start, above, below)
            kept.append(stack_json_message(finding, line, line_start, above) if indented else finding)
        elif not (in_coded_object(line, above, below) if indented else False) and not legacy_of_a_coded_stack(
                line, finding.start - 1 - line_start, above, below):
            kept.append(finding)
    return kept


_UUID: Final = _lazy(r"requestId:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _folded_id(content: str, below: list[str], prefix: str, width: int) -> str:
    """The rest of the request ID that ends the line `content` (as wide as rich's column: folded),
    from the lines `below` at the same indentation, each one word, every one but the last as wide:
    only where they complete a UUID; "" where they do not."""
    rest = ""
    head = content[content.rfind("requestId:") :]
    for line in below:
        next_prefix, piece = _box_content(line)
        if next_prefix != prefix or not piece or " " in piece:
            break
        rest += piece
        if _UUID.match(head + rest):
            return rest
        if len(piece) < width or not _UUID_START.match(head + rest):
            break
    return ""


_UUID_START: Final = _lazy(r"requestId:[0-9a-fA-F-]{0,35}$")  # (loosely: _UUID says whether it is one)


def _box_content(line: str) -> tuple[str, str]:
    """The indentation (and box border) of a line of rich's output, and its content (without the
    padding and right border after it). String methods: a regex with a lazy middle tried each end."""
    body = line.lstrip(" \t")
    if body.startswith("\u2502 "):
        body = body[2:]
    prefix = line[: len(line) - len(body)]
    content = body.rstrip(" \t\r")
    if content.endswith("\u2502"):
        content = content[:-1].rstrip(" \t")
    return prefix, content


def _may_head(text: str) -> bool:
    """Whether a line of the text may be rich's exception line (`_is_rich_head`): RICH_HEAD after
    its indentation and box alone (`_box_content`). Its first RICH_HEAD a line, linear in the text."""
    at = text.find(RICH_HEAD)
    while at >= 0:
        line = text[text.rfind("\n", 0, at) + 1 : at]
        before = line.lstrip(" \t").removeprefix("\u2502 ")
        if not before or (len(before) < len(line) and _MODULE.fullmatch(before)):
            return True  # (Python's own traceback's, that RichHandler wrapped in its column)
        end = text.find("\n", at)
        at = text.find(RICH_HEAD, end) if end >= 0 else -1
    return False


def _folded_name(lines: list[str], at: int) -> int:
    """The first line of Python's own exception line of the SDK's class whose module and name
    RichHandler folded at its column, so that no line holds the whole `TencentCloudSDKException:`
    (`tencentcloud.common...TencentCloudS` / `DKException: [TencentCloudSDKException]`), when line
    `at` holds the SDK's mark without a request ID after it; else -1. The name's parts are one word
    a line, up to MAX_FOLDS lines above."""
    content = _box_content(lines[at])[1]
    mark = content.find(RICH_LOG_MARK)
    if "requestId:" in content[mark:]:
        return -1
    name = content[:mark].rstrip(" ")  # the name's last part on the mark's line (or none)
    if " " in name or (name and not name.endswith(":")) or RICH_HEAD in name:
        return -1  # (a line that holds the whole name is rich's head line: `_is_rich_head`)
    joined = name
    for head in range(at - 1, max(at - 1 - MAX_FOLDS, -1), -1):
        piece = _box_content(lines[head])[1]
        if not piece or " " in piece or RICH_HEAD in piece:
            return -1
        joined = piece + joined
        if _FOLDED_CLASS.fullmatch(joined):
            return head
    return -1


# Python's own traceback's name of the SDK's class: its module, then the class, then `:`.
_FOLDED_CLASS: Final = _lazy(r"[A-Za-z_][\w.]{0,200}\.TencentCloudSDKException:")


# The module before a class's name in Python's own traceback (`tencentcloud.common.exception.
# tencent_cloud_sdk_exception.`), or its end where RichHandler folded it onto the line above.
_MODULE: Final = _lazy(r"(?:[A-Za-z_][\w.]{0,200})?\.")  # (`.` alone: rich folded the name at the dot)


def _is_rich_head(content: str, indented: bool = False) -> bool:
    """Whether a line is rich's exception line of an SDK error that goes on below: the class's bare
    name (Python's traceback writes its module too: an `indented` line of it is RichHandler's
    wrapping, a line at the margin Python's own, whose newline is its message's), alone or before
    the SDK's text, no request ID."""
    if not content.startswith(RICH_HEAD):
        module = _MODULE.match(content) if indented else None
        if module is None or not content.startswith(RICH_HEAD, module.end()):
            return False
        content = content[module.end() :]
    # What follows the name first, the request ID last: a line flooded with the name (1 MB of
    # `TencentCloudSDKException: `) is neither copied nor searched through (0.8 ms of its 14).
    if len(content) > len(RICH_HEAD) and not content.startswith(" [TencentCloudSDKException]", len(RICH_HEAD)):
        return False
    return "requestId:" not in content


def _rich_wrapper(lines: list[str], at: int, bottoms: list[int]) -> int:
    """The line of an exception line of another class whose message holds the SDK's text that goes
    on below (`raise DecryptError(f"...: {e}") from e`), when line `at` holds the SDK's mark
    without a request ID after it: the first of its paragraph's lines (MAX_RECORD_LINES at most),
    with the class's name, below rich's traceback box (`bottoms`: the lines that may be a box's
    last) or below Python's own traceback's source line, indented deeper (RichHandler wrapped the
    traceback in its column); else -1."""
    prefix, mark_line = _box_content(lines[at])
    indented = bool(prefix) and not prefix.strip()
    if (not bottoms and not indented) or "requestId:" in mark_line[mark_line.find(RICH_LOG_MARK) :]:
        return -1  # (neither a box above nor RichHandler's column: a record's first line, most lines)
    for head in range(at, max(at - MAX_RECORD_LINES, 0), -1):
        above_prefix, above = _box_content(lines[head - 1])
        if not above:
            return -1
        if (above.startswith(_BOX_BOTTOM) and head - 1 in bottoms) or (
                indented and len(above_prefix) > len(prefix) and not above_prefix.strip()):
            content = _box_content(lines[head])[1]
            return head if _WRAPPER_HEAD.match(content) is not None and not content.startswith(RICH_HEAD) else -1
        if above_prefix != prefix:
            return -1  # another paragraph
    return -1


_BOX_BOTTOM: Final = "\u2570"  # rich's traceback box's last line: `╰───╯`
_WRAPPER_HEAD: Final = _lazy(r"[A-Za-z_][\w.]*: ")


def _rich_log_record(lines: list[str], at: int) -> int:
    """The first line of the RichHandler record whose message holds the SDK's mark on line `at`
    without its request ID (the SDK's text wrapped at the message's column, or cut short), else -1:
    the line itself, or up to MAX_RECORD_LINES above it, each indented to that column."""
    line = lines[at]
    if "requestId:" in line:
        return -1  # the SDK's text ends on it
    column = rich_log_column(line)
    if column:
        first = at
    else:
        column = len(line) - len(line.lstrip(" "))
        if not column:
            return -1
        first = next((i for i in range(at - 1, max(at - MAX_RECORD_LINES, 0) - 1, -1)
                      if not lines[i].startswith(" " * column) or lines[i][column : column + 1] in ("", " ")), -1)
        if first < 0 or rich_log_column(lines[first]) != column:
            return -1
    if not rich_log_message(lines[first], column):
        return -1
    # Whether the SDK's text goes on below or not (a text cut short, a message with a newline),
    # the record's message is read from its column, without rich's `file.py:NN` on the right.
    return first


MAX_RECORD_LINES: Final = 8  # lines of a RichHandler record's message above the line with the SDK's mark


def _unwrap(contents: list[str], width: int = 0) -> str:
    """The lines of a wrapped text joined as rich broke them: at a space, which it drops, or inside a
    word longer than the width, which it folds (a line that is one word and fills the width). A
    word that fills the width exactly was not folded where the SDK's text goes on with one of its
    keys (`[TencentCloudSDKException]` then `code:...` at 60 columns): a space stood there. Widths
    are the terminal's cells, as rich measures them: a Chinese message's characters are two wide, so
    its line fills the width with fewer characters (`message:解密失败` | `是否完整`). `width`: rich's
    column, where a line of `contents` is wider than it (a folded request ID read whole); else the widest."""
    width = width or max(map(_cells, contents))
    joined = [contents[0]]
    for previous, content in pairwise(contents):
        cells = _cells(previous)
        # (a wide character that did not fit in the last cell went to the next line whole)
        folded = " " not in previous and (cells >= width or (
            cells == width - 1 and _cells(previous[-1]) == 2 and _cells(content[:1]) == 2)) \
            and not content.startswith(_SDK_KEYS)
        joined.append(content if folded else " " + content)
    return "".join(joined)


def _cells(text: str) -> int:
    """The terminal cells a line of text fills, as rich counts them: East Asian wide and fullwidth
    characters two each (`unicodedata.east_asian_width`), the others one."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for char in text if char >= "\u1100" and east_asian_width(char) in _WIDE)


_WIDE: Final = ("W", "F")


_SDK_KEYS: Final = ("code:", "message:", "requestId:")  # the Python SDK's text: each after a space


def _past(unwanted: re.Pattern[str] | None, text: str, pos: int) -> int:
    """Where the run of values that `unwanted` pairs from `pos` ends (`pos` when none)."""
    run = unwanted.match(text, pos) if unwanted is not None else None
    return run.end() if run is not None else pos


def _closing(text: str, mark: str, start: int, limit: int) -> int:
    """Where the quote that closes a value begun at `start` ends, else -1: the first `mark` in
    `text[start:limit]` that an even number of backslashes (none, or escaped ones) stands before.
    Found by `str.find`: a regex that begins with a lookbehind tries every character in Python."""
    at = text.find(mark, start, limit)
    while at >= 0:
        before = at
        while before > start and text[before - 1] == "\\":
            before -= 1
        if (at - before) % 2 == 0:
            return at + 1
        at = text.find(mark, at + 1, limit)
    return -1


class _Plan(NamedTuple):
    """What `Extractor.find` tries on a text, decided once per set of located forms."""

    forms: tuple[Form, ...]  # in priority order
    quoted: bool  # whether a located form may stand inside a quoted value (QUOTED_FORMS)


def _start(finding: Finding) -> int:
    return finding.start


# The forms that print an error's request ID in the error's own text (`Code: X, Message: M,
# RequestId: R`; when it has none, the nearest); the others (a legacy message or body, a name
# standing alone) take one from the line around them.
OWN_REQUEST_ID: Final = frozenset({PYTHON_SDK, PYTHON_SDK_REPR, JAVA_SDK, JAVA_SDK_OLD, GO_SDK, CPP_SDK, DOTNET_SDK,
                                   CODE_MESSAGE, API3_JSON, NODE_SDK})


# The SDK text forms that print the request ID after the message, last (`... requestId:R`).
ENDED_BY_REQUEST_ID: Final = frozenset({PYTHON_SDK, JAVA_SDK, JAVA_SDK_OLD, GO_SDK, DOTNET_SDK, CODE_MESSAGE})


def _own_request_ids(text: str, found: list[Finding]) -> list[Finding]:
    """A request ID is one error's: an error that takes its ID from the line around it does not
    take the ID that another error on the same line prints as its own (the same code with it is
    the same error, named twice: `_once_a_line` keeps one of them)."""
    owned: dict[tuple[int, str], set[str]] = {}  # (line start, ID): the codes of errors that print it
    for finding in found:
        if finding.form in OWN_REQUEST_ID and finding.request_id is not None:
            owned.setdefault((_line_start(text, finding.start), finding.request_id), set()).add(finding.code)
    if not owned:
        return found
    kept = []
    for f in found:
        if f.request_id is not None and f.form not in OWN_REQUEST_ID:
            codes = owned.get((_line_start(text, f.start), f.request_id))
            if codes is not None and f.code not in codes:
                f = f._replace(request_id=None)
        kept.append(f)
    return kept


def _once_a_line(text: str, found: list[Finding], *, lines: bool = True) -> list[Finding]:
    """One finding per error on a line: a record that repeats an error in several fields (loguru's
    serialize: its "text" and its "record"; `f"{e.code}: {e}"`) names the same code and request
    ID; the first is kept, unless a later one is the SDK's own text of it (OWN_REQUEST_ID), which
    says more than a name standing alone. Without a request ID two findings are two errors. In a
    text of several lines (`parse`'s), a traceback's last line that raises an error a line above
    told (the same code and request ID; without one, the same code and message) is that error.
    Without `lines`, once in the whole text: a record of several lines in one line of a platform's
    (journald's MESSAGE, rsyslog's `#012`s: a log line and its traceback, whose last line repeats
    the error), and as in a JSON record, without a request ID too (the same code and message).
    Linear: each stretch between findings once."""
    if len(found) < 2:
        return found
    kept: list[Finding | None] = []  # None: a finding that a later one of the same error replaced
    seen: dict[tuple[str, str], int] = {}  # (code, request ID): where in `kept`
    told: set[tuple[str, str | None]] = set()  # the errors of this line (`lines`): (code, request ID or message)
    above: set[tuple[str, str | None]] = set()  # and those of the lines above
    previous = 0
    for finding in found:
        if lines and "\n" in text[previous : finding.start]:
            above |= told
            seen.clear()
            told.clear()
        previous = max(previous, finding.start)
        if lines:
            error = (finding.code, finding.request_id or (None if finding.message is None else "\n" + finding.message))
            if error[1] is not None and error in above and raised_again(text, finding):
                continue  # a traceback's last line: the error a log line above told (`logger.exception`)
            told.add(error)
        if finding.request_id is not None or not (lines or finding.message is None):
            key = (finding.code, finding.request_id if finding.request_id is not None else "\n" + str(finding.message))
            at = seen.get(key)
            if at is not None:
                earlier = kept[at]
                if earlier is None or earlier.form in OWN_REQUEST_ID or finding.form not in OWN_REQUEST_ID:
                    continue
                kept[at] = None
            seen[key] = len(kept)
        kept.append(finding)
    return [f for f in kept if f is not None]


# A traceback's last line, an exception raised: its class with its module, as Python's traceback
# writes it, or bare, as rich does (the SDK's, or one that wraps it: `raise X(f"...: {e}") from e`).
# A class, not a log line's `retry: ` or `ERROR: `: a module's (`pkg.mod.Name`) or a bare name of
# an exception's kind (Python writes `__main__`'s and builtins' bare).
RAISED = _lazy(r"[ \t]*(?:(?:[A-Za-z_]\w*\.)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Group)): ")


def raised_again(text: str, finding: Finding) -> bool:
    """Whether a finding may tell again an error told above: on a traceback's last line (RAISED),
    or read from a text that rich wrapped (its exception line, or a RichHandler record's message:
    reported with an empty span on its last line), which is one of the two where rich logs both."""
    return finding.start == finding.end or RAISED.match(text, text.rfind("\n", 0, finding.start) + 1) is not None


def _once_a_record(text: str, found: list[Finding]) -> list[Finding]:
    """One finding per error of a JSON record (a line that is a `{...}`): python-json-logger's
    `exc_info` and `error` fields, a Sentry-like event's `message`, `exception` and `extra` name the
    same error, without a request ID too (the same code and message). A field of its own that
    names the code (`"code": "InvalidParameter"`) is that error, as is a legacy message that is
    the module code of an SDK error beside it (`"message": "(10630) ..."` of a Node error object).
    Linear: each line's findings once, each stretch between them once."""
    if len(found) < 2:
        return found
    kept: list[Finding] = []
    for line in _by_line(text, found):
        details = {f.module_code for f in line if f.module_code is not None and f.form in (BARE_CODE, NODE_SDK)}
        if len(line) < 2 or not (details or _is_record(text, line[0].start)):
            kept.extend(line)
            continue
        record = _is_record(text, line[0].start)
        seen: set[tuple[str, str | None]] = set()  # the record's errors: (code, message)
        # The codes of its errors in an SDK's own form, and the names their legacy codes came with
        # (code_desc), each with its request ID: a name in a field of its own is one of them.
        named = {(n, f.request_id) for f in line if f.form != BARE_CODE for n in (f.code, f.code_desc) if n}
        for finding in line:
            if finding.form == LEGACY_MESSAGE and finding.module_code in details:
                continue
            if record:
                if finding.form == BARE_CODE and (
                    (finding.code, finding.request_id) in named
                    or (finding.request_id is None and any(name == finding.code for name, _ in named))
                ):
                    continue
                key = (finding.code, finding.message)
                if finding.request_id is None and key in seen:
                    continue
                seen.add(key)
            kept.append(finding)
    return kept


def _by_line(text: str, found: list[Finding]) -> Iterator[list[Finding]]:
    """The findings (sorted by start), a list per line."""
    line: list[Finding] = []
    previous = 0
    for finding in found:
        if line and "\n" in text[previous : finding.start]:
            yield line
            line = []
        line.append(finding)
        previous = max(previous, finding.start)
    if line:
        yield line


def _is_record(text: str, pos: int) -> bool:
    """Whether the line that holds `pos` is a record of fields: a JSON one (its first character other
    than a blank is `{`), or a key=value one (structlog's KeyValueRenderer and LogfmtRenderer, logfmt)
    with a traceback in a field, whose last line raises the error another field told."""
    start = text.rfind("\n", 0, pos) + 1
    head = text[start : start + 64].lstrip()
    if head.startswith("{"):
        return True
    if _KEY_VALUE.match(head) is None:
        return False
    end = text.find("\n", pos)
    return text.find("Traceback (most recent call last)", start, len(text) if end < 0 else end) >= 0


_KEY_VALUE: Final = _lazy(r"[A-Za-z_][\w.@-]{0,40}=")  # a line's first field, `key=`


class _Spans:
    """Text already explained: spans that do not overlap, kept sorted, asked about by bisection."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def __bool__(self) -> bool:
        return bool(self._starts)

    def overlaps(self, start: int, end: int) -> bool:
        at = bisect_left(self._starts, end)  # the spans that start before `end`; the last ends latest
        return at > 0 and self._ends[at - 1] > start

    def next_start(self, pos: int) -> int:
        """Where the first span that starts after `pos` starts (-1: none does)."""
        at = bisect_right(self._starts, pos)
        return self._starts[at] if at < len(self._starts) else -1

    def end_of(self, pos: int) -> int:
        """Where the span that holds `pos` ends (-1: none holds it)."""
        at = bisect_right(self._starts, pos)
        return self._ends[at - 1] if at > 0 and self._ends[at - 1] > pos else -1

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self._starts, self._ends, strict=True))

    def covers(self, pos: int) -> bool:
        at = bisect_right(self._starts, pos)
        return at > 0 and self._ends[at - 1] > pos

    def add(self, start: int, end: int) -> None:
        """Add a span, as one with those it overlaps: the bisections hold only while no two overlap
        (spans of one start inserted apart hid each other: a line of 51 unclosed bodies lost the
        name after them)."""
        first = bisect_right(self._ends, start)  # the spans before it end at or before its start
        last = bisect_left(self._starts, end)  # those after it start at or after its end
        if first < last:
            start, end = min(start, self._starts[first]), max(end, self._ends[last - 1])
        self._starts[first:last] = [start]
        self._ends[first:last] = [end]


def _form_span(match: re.Match[str], finding: Finding) -> tuple[int, int]:
    """The text a finding explains; a JSON body claims its braces, so `codeDesc` is not a second error.
    An SDK's text ends with its request ID: what follows it on the line is no part of the error."""
    start, end = min(match.start(), finding.start), max(match.end(), finding.end)
    if finding.form in ENDED_BY_REQUEST_ID and finding.request_id is not None:
        at = match.string.rfind(finding.request_id, finding.end, end)
        if at >= 0:
            end = at + len(finding.request_id)
    if finding.form == PYTHON_SDK and finding.message and "\n" in finding.message:
        end = max(end, match.start(2) + len(finding.message))  # a message that runs on to later lines
    if finding.form in (API3_JSON, LEGACY_JSON):
        text = match.string
        body = json_object(text, finding.start, finding.end)
        if body is not None:  # its own braces: a second body on the line is its own
            return min(start, body[0]), max(end, body[1])
        line_start = _line_start(text, start)  # a body cut short: the line's braces around it
        line_end = _line_end(text, end)
        brace = text.find("{", line_start, start)
        close = text.rfind("}", end, line_end)
        start = brace if brace >= 0 else start
        end = close + 1 if close >= 0 else end
    return (start, end)


# Double-quoted values, each with what comes before it, that hold none of `TencentCloudSDK`,
# `\"Code\"` and `\"(` (what `_quoted` wants): paired as `_read_values` pairs them, a backslash
# escaping the character after it, no newline in a value. Plain characters, then each `T` or escape
# followed by plain characters again: one way to match a value, so that one that fails (unclosed, or
# wanted) is given back in linear time (`(?:[^"]+|T)*` took exponential time). Where re has possessive
# quantifiers, a value's runs are never given back a character at a time (what follows each is none
# of its characters: a `"`, a `T` or a backslash), and a long wanted value fails in the time it took
# to read (a traceback of 1.4 KB: 5 us, where giving it back took 50).
_UNWANTED_VALUES_PLAIN: Final = (
    r'(?:[^"]*"[^"\\\nT]*(?:(?:T(?!encentCloudSDK)|\\(?!"Code\\"|"\(|TencentCloudSDK)[^\n])[^"\\\nT]*)*")*'
)
_UNWANTED_VALUES = _lazy(
    r'(?:[^"]*+"[^"\\\nT]*+(?:(?:T(?!encentCloudSDK)|\\(?!"Code\\"|"\(|TencentCloudSDK)[^\n])[^"\\\nT]*+)*+")*'
    if POSSESSIVE else _UNWANTED_VALUES_PLAIN
)
# An escaped quote before a legacy code (`\"(10630) ...`): a legacy message or body in a value.
_ESCAPED_LEGACY: Final = '\\"('
_LEGACY_FORMS: Final = (LEGACY_MESSAGE, LEGACY_JSON)


def _escaped_legacy(raw: str) -> bool:
    """Whether an escaped quote in `raw` opens a legacy code as it stands (`\\"(10630) key`), or
    before an escaped letter (`\\"(10630) \\\\u5bc6`, escaped once more in the value): what the
    engines locate in the line, so that grep reads what parse reads."""
    at = raw.find(_ESCAPED_LEGACY)
    while at >= 0:
        if _LEGACY.match(raw, at + 2) is not None:
            return True
        escaped = _LEGACY_UNCHECKED.match(raw, at + 2)
        if escaped is not None and (escaped_letter(raw, escaped.end()) or escaped_letter(raw, escaped.end(), 2)):
            return True  # its message's first letter escaped (`\"(10630) \\u5bc6`): the body dumped with ensure_ascii
        at = raw.find(_ESCAPED_LEGACY, at + 2)
    return False


MAX_QUOTED: Final = 64  # quoted values read unescaped, a text: a hostile line costs no more than that
MAX_VALUES: Final = 4096  # quoted values paired, a text; the rest of a line is read as it stands
MAX_VALUE: Final = 65536  # a longer value ends the pairing: the rest is read as it stands
# JSON's escapes and Python's (a str's repr, double-quoted when it holds a `'`): `\x07` is no JSON.
_ESCAPE = _lazy(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.DOTALL)
# The same, with a run of two or more `\uXXXX` escapes that are no surrogates first (CJK text in a
# JSON record): a run is read at once, each of its escapes one place, as `_ESCAPE` reads them one by
# one. The backslash stands outside the alternatives: a pattern that begins with a literal is
# searched for at C speed (one that begins with an alternation is tried at every character).
_ESCAPE_OR_RUN = _lazy(
    r"\\(?:(?P<run>u(?![dD][89a-fA-F])[0-9a-fA-F]{4}(?:\\u(?![dD][89a-fA-F])[0-9a-fA-F]{4})+)"
    r"|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))",
    re.DOTALL,
)
_ESCAPED: Final = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "a": "\a", "v": "\v", "0": "\0"}


def _is_value(text: str, quote: int) -> bool:
    """Whether the quote at `quote` opens a record's value (`"key": "`, `key="`), not prose."""
    before = text[max(0, quote - 16) : quote].rstrip(" \t")
    return before.endswith((":", "="))


class Places:
    """Where each character of an unescaped text stands in the escaped one, by runs of consecutive
    places (one between escapes, one for each escape): a line's value is read without a list of
    a number for each of its characters. A JSON string's are worked out when first asked for, at
    C speed (`_json_escapes`): most values read unescaped are asked for two places or none."""

    __slots__ = ("_firsts", "_length", "_raw", "_starts")

    def __init__(self, starts: list[int], firsts: list[int], length: int, raw: str = "") -> None:
        self._starts, self._firsts, self._length, self._raw = starts, firsts, length, raw

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self._length:
            raise IndexError(index)
        if self._raw:  # a JSON string's, not worked out yet
            self._starts, self._firsts = _json_escapes(self._raw, self._firsts[0])
            self._raw = ""
        run = bisect_right(self._starts, index) - 1
        return self._firsts[run] + index - self._starts[run]


# Each escape of a valid JSON string (a surrogate pair that json.loads joins as one: high, then low),
# captured: `split` gives the text between escapes and the escapes, in turn.
_JSON_ESCAPE = _lazy(r"(\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.))", re.DOTALL)
_STRING_DECODER: Final = json.JSONDecoder(strict=False)  # control characters in a string, as the loop took them


def _json_escapes(raw: str, at: int) -> tuple[list[int], list[int]]:
    """The runs of places (`Places`) of a valid JSON string's text: one for each escape (one place,
    whatever it stands for) and one for the text after it. From the lengths of the pieces that
    one `split` cuts, summed by `accumulate`: no Python per escape."""
    lengths = list(map(len, _JSON_ESCAPE.split(raw)))  # text, escape, text, ..., text
    firsts = list(accumulate(lengths, initial=at))  # where each piece begins in the escaped text
    lengths[1::2] = repeat(1, len(lengths) // 2)  # an escape is one place
    return list(accumulate(lengths, initial=0)), firsts


def _unescape_with_places(raw: str, at: int) -> tuple[str, Places]:
    """A JSON or Python string's text unescaped, and where each of its
    characters (and its end) stands in the escaped text that begins at `at`: findings inside are
    reported at their place in the line. A valid JSON string is read by json's C decoder, and its
    places listed only when asked for; any other (Python's escapes, a lone `\\`) as `_unescape_slowly`."""
    if "\\" not in raw:
        return raw, Places([0], [at], len(raw) + 1)
    try:
        text = _STRING_DECODER.decode('"' + raw + '"')
    except ValueError:  # no one JSON string: Python's `\x07`, `\'`, `\U0001F600`; a `"` inside (a repr's)
        return _unescape_slowly(raw, at)
    return text, Places([0], [at], len(text) + 1, raw)


def _unescape_slowly(raw: str, at: int) -> tuple[str, Places]:
    """`_unescape_with_places` of any string, JSON's escapes and Python's, an escape at a time."""
    pieces: list[str] = []
    starts: list[int] = []  # the places as runs: where each run begins among them, and its first place
    firsts: list[int] = []
    count = 0
    done = 0
    for escape in _ESCAPE_OR_RUN.finditer(raw):
        if escape.start() < done:  # the low half of a surrogate pair, read with its high half
            continue
        pieces.append(raw[done : escape.start()])
        starts.append(count)
        firsts.append(at + done)
        count += escape.start() - done
        run, *hex_groups, char = escape.groups()
        if run is not None:  # `\uXXXX` escapes, each one place six characters after the last
            length = (escape.end() - escape.start()) // 6
            pieces.append(escape.group().encode("ascii").decode("unicode_escape"))
            starts.extend(range(count, count + length))
            firsts.extend(range(at + escape.start(), at + escape.end(), 6))
            count += length
            done = escape.end()
            continue
        hex_digits = next((h for h in hex_groups if h), None)
        number = int(hex_digits, 16) if hex_digits else 0
        end = escape.end()
        if 0xD800 <= number <= 0xDBFF and escape.group(3):
            # `\ud83d\ude00` is one character to JSON (and to Python's `\u` escapes in a JSON
            # string): json.loads joins the halves, and so must this, or the text holds two lone
            # surrogates where the writer meant one emoji. A half alone stays as json.loads keeps it.
            low = _ESCAPE.match(raw, end)
            if low is not None and low.group(2) and 0xDC00 <= (second := int(low.group(2), 16)) <= 0xDFFF:
                number = 0x10000 + ((number - 0xD800) << 10) + (second - 0xDC00)
                end = low.end()
        if hex_digits and number <= 0x10FFFF:
            pieces.append(chr(number))
        else:
            pieces.append(_ESCAPED.get(char, char) if char else escape.group())
        starts.append(count)  # the escape (a pair's two): one place, whatever it stands for
        firsts.append(at + escape.start())
        count += 1
        done = end
    pieces.append(raw[done:])
    starts.append(count)
    firsts.append(at + done)
    return "".join(pieces), Places(starts, firsts, count + len(raw) - done + 1)


# A line of program source, as a traceback quotes it (Python's `  File "...", line N` frames,
# pytest's `>` lines, a multi-line call's next line): a statement or a call whose arguments are not
# all literals. A code in it is a string literal of the program, not an error that happened.
# Before the source itself: ExceptionGroup's `  | ` gutters and rich's `│` box; a marker of the
# failing line (pytest's `>`, IPython's `---->`, rich's `❱`); IPython's and rich's line numbers;
# rich's `│` indent guides. Then the indentation that every traceback gives a source line.
_SOURCE_START = _lazy(
    r"(?:[ \t]*[|\u2502](?=[ \t]))*"
    r"(?:[ \t]*(?:-*>|\u2771)(?=[ \t]))?"
    r"(?:[ \t]*[0-9]{1,7}(?=[ \t]))?"
    r"(?:[ \t]+\u2502(?=[ \t]))*"
    r"[ \t]+"
)
# loguru's diagnose: `│   └ value` under a source line; `|   -> value` where its sink cannot encode `└`
# (an ASCII stream or file), after the indentation of the source line above it (and, in an
# ExceptionGroup's frames, after its `  | ` gutters).
_ANNOTATION = _lazy(r"[ \t|\u2502]*\u2514 |[ \t|\u2502]{4,}-> ")
# Inside rich's traceback box (`│ ... │`) stand frame headers, numbered source lines and locals
# panels, never an error that happened: a numbered line (`│ ❱ 30 │ ...`, `│   28 │ ...`), a line
# of a locals panel below the source (`│ │ code = '...' │ │`), or one beside it (the line ends
# with the panel's border and the box's: `│ ...source... │ e = TencentCloudSDKException(...) │ │`).
_RICH_BOX_LINE = _lazy(r"[ \t]*\u2502 (?:\u2502 |(?:\u2771|[ \t])[ \t]*[0-9]{1,7} \u2502)")
_RICH_NESTED_END = _lazy(r"\u2502[ \t]*\u2502[ \t]*$")
_BOX_END = _lazy(r"[ \t]*\u2502[ \t]*$")  # rich's right border
_STATEMENT = _lazy(
    r"(?:(?:raise|return|yield|await|assert|throw)\s+|(?:const |let |var )?[\w.\[\]]+\s*[-+*/|]?=\s*)?"
    r"(?:new\s+)?[A-Za-z_$][\w.$]*\(|[bBrRuU]{0,2}[\"'][^\n]*[\"']\s*[,)]"
)
_KEYWORD = _lazy(r"(?:raise|return|yield|await|assert|throw)\s|(?:const |let |var )?[\w.\[\]]+\s*[-+*/|]?=(?!=)")
_LITERALS = _lazy(r"[bBrRuUfF]{0,2}'(?:[^'\\\n]|\\.)*'" r'|[bBrRuUfF]{0,2}"(?:[^"\\\n]|\\.)*"')
_NOT_VARIABLES: Final = frozenset({"None", "True", "False", "null", "true", "false", "undefined", "new",
                                    "code", "message", "requestId"})
_CALLEE = _lazy(r"(?:new\s+)?[A-Za-z_$][\w.$]*\(")
_WORD = _lazy(r"(?<![\w'])[A-Za-z_$][\w$]*")
_ERROR_CALL = _lazy(r"[A-Za-z_$][\w.$]*(?:Exception|Error)\(")
# What a line that _SOURCE_START or _ANNOTATION matches can begin with.
_SOURCE_FIRST: Final = frozenset(" \t|\u2502->\u2771\u25140123456789")
_DIGITS: Final = frozenset("0123456789")
_LINE_NUMBER = _lazy(r"[0-9]{1,7}[ \t]")
_BOX_INDENT: Final = 64  # how far in rich's box may begin (RichHandler indents it by its columns)
MAX_SOURCE_LINE: Final = 1024  # a longer line is no line of program source that a traceback quotes


_LOGURU_RECORD: Final = "Record was: {"  # loguru's `--- Logging error in Loguru Handler #1 ---` report


def _is_source_line(text: str, line_start: int) -> bool:
    """Whether the line is program source quoted by a traceback (decided from the line alone, as
    grep reads one line at a time): indented, a statement or call, with a variable or call among
    its arguments (`raise TencentCloudSDKException("ClientNetworkError", str(e))`). A repr printed
    with literal arguments only (`TencentCloudSDKException('X', 'msg', 'id')`) is an occurrence."""
    first = text[line_start : line_start + 1]
    if first == "R" and text.startswith(_LOGURU_RECORD, line_start):
        return True  # loguru's report of a record its sink could not write: the traceback below tells the error
    if first not in _SOURCE_FIRST:
        return False  # neither an indented line nor a gutter: what almost every log line starts with
    if first in _DIGITS and _LINE_NUMBER.match(text, line_start) is None:
        return False  # digits not followed by a blank, as a timestamp's: no line number (IPython's)
    line_end = _line_end(text, line_start)
    if _ANNOTATION.match(text, line_start, line_end):
        return True  # loguru's `└ 'InvalidParameterValue'`: a variable's value, under its source line
    if "\u2502" in text[line_start : line_start + _BOX_INDENT] and (
        _RICH_BOX_LINE.match(text, line_start, line_end) or _RICH_NESTED_END.search(text, line_start, line_end)
    ):
        return True  # rich's traceback box: its source lines and its locals, `│ │ code = '...' │ │`
    if line_end - line_start > MAX_SOURCE_LINE:
        return False
    indent = _SOURCE_START.match(text, line_start, line_end)
    if indent is None:
        return False
    body = text[indent.end() : line_end].rstrip()
    if body.endswith("\u2502"):
        body = _BOX_END.sub("", body)
    if _STATEMENT.match(body) is None or not body.endswith((")", "(", ",", ";", ":")):
        return False
    if _KEYWORD.match(body):
        return True
    rest = _LITERALS.sub("''", body)
    callee = _CALLEE.match(rest)
    arguments = _ERROR_CALL.sub("(", rest[callee.end() :] if callee else rest)  # a repr inside: `{'e': X('A')}`
    return any(word not in _NOT_VARIABLES for word in _WORD.findall(arguments))


# The forms of an SDK's text whose builder takes the code from this group of the match, as it
# stands (`_sdk`): where the code ends, and so where the next error may begin, before building.
CODE_GROUPS: Final = {PYTHON_SDK: 1, JAVA_SDK: 1, JAVA_SDK_OLD: 1, GO_SDK: 1, CPP_SDK: 2, DOTNET_SDK: 1,
                      CODE_MESSAGE: 1}


# Forms whose message may quote an API 3.0 error body: the Python SDK's ServerNetworkError holds a
# non-200 reply's body; the error inside it is reported too, with its own request ID.
WRAPPERS: Final = frozenset({PYTHON_SDK, PYTHON_SDK_REPR, JAVA_SDK, JAVA_SDK_OLD, GO_SDK, DOTNET_SDK, CPP_SDK,
                             CODE_MESSAGE})


# The Python SDK quotes a reply's body as bytes: `b'{...}'`, with Python's escapes.
_BYTES_LITERAL = _lazy(r"""[bB](?:'(?:[^'\\\n]|\\.){0,65536}'|"(?:[^"\\\n]|\\.){0,65536}")""")


# The forms that SDK text quoted in a record (or an escaped API 3.0 body) makes a locator find.
QUOTED_FORMS: Final = frozenset({PYTHON_SDK, PYTHON_SDK_REPR, JAVA_SDK, JAVA_SDK_OLD, GO_SDK, API3_JSON})


def _inner_bodies(text: str, start: int, end: int) -> list[Finding]:
    """The API 3.0 errors of the bodies quoted in `text[start:end]` (an SDK error's message)."""
    quoted = _BYTES_LITERAL.search(text, start, end)
    if quoted is not None:  # read as Python and JSON read it, escapes and all
        try:
            value = ast.literal_eval(quoted.group())
            doc = json.loads(value.decode("utf-8", "replace")) if isinstance(value, bytes) else None
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            doc = None
        inner = body_finding(doc) if isinstance(doc, dict) else None
        if inner is not None and inner.form == API3_JSON:
            at = text.find(inner.code, quoted.start(), quoted.end())
            return [inner._replace(start=at, end=at + len(inner.code))] if at >= 0 else []
    found = []
    for code in _API3_CODE.finditer(text, start, end):
        body = json_object(text, code.start(), code.end())  # each body read in its own braces
        low, high = (max(start, body[0]), min(end, body[1])) if body is not None else (start, end)
        if _ERROR_KEY.search(text, low, code.start()) is None:
            continue
        message = _API3_MESSAGE.search(text, low, high)
        rid = _API3_REQUEST_ID.search(text, low, high)
        found.append(Finding(
            code=code.group(1), form=API3_JSON, start=code.start(1), end=code.end(1),
            message=_json_unescape(message.group(1)) if message else None,
            request_id=_clean(rid.group(1)) if rid else None,
        ))
    return found


def _whole_json(text: str) -> list[Finding] | None:
    """Read a whole JSON document (a pretty-printed body, say) by its structure, not its lines."""
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")) or "\n" not in stripped:
        return None
    try:
        doc = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    finding = body_finding(doc) or _error_object_in(doc)
    if finding is None:
        return None
    code_at = text.find(finding.code)
    start = max(code_at, 0)
    return [finding._replace(start=start, end=start + len(finding.code) if code_at >= 0 else 0)]


MAX_DEPTH: Final = 4  # how deep in a whole JSON document a logged error object is looked for


def _error_object_in(doc: dict[str, object], depth: int = 0) -> Finding | None:
    """A Node error as `JSON.stringify(err, null, 2)` prints it, alone or under a key (`{"err": {...}}`):
    an object whose `code` is a known code name, read with its `message` and `requestId`."""
    code = doc.get("code")
    if isinstance(code, str) and _CODE_NAME.fullmatch(code) and code.partition(".")[0] in FAMILIES:
        message, rid = doc.get("message"), doc.get("requestId")
        return Finding(
            code=code, form=BARE_CODE, start=0, end=0, message=message if isinstance(message, str) else None,
            request_id=_clean(rid) if isinstance(rid, str) else None,
        )
    if depth < MAX_DEPTH:
        for value in list(doc.values())[:MAX_KEYS]:
            if isinstance(value, dict):
                found = _error_object_in(value, depth + 1)
                if found is not None:
                    return found
    return None


MAX_KEYS: Final = 64  # keys of an object looked into


_LOCALS_KEY = _lazy(r'"locals"\s*:\s*\{')


def _locals_spans(text: str) -> Iterator[tuple[int, int]]:
    """The `"locals": {...}` objects of structlog's dict_tracebacks frames (the variables of each
    frame, reprs of the exception among them): MAX_QUOTED at most, each read within MAX_VALUE."""
    at = 0
    for _ in range(MAX_QUOTED):
        key = _LOCALS_KEY.search(text, at)
        if key is None:
            return
        brace = key.end() - 1
        try:
            _, length = _DECODER.raw_decode(text[brace : brace + MAX_VALUE])
        except (ValueError, RecursionError):
            at = key.end()
            continue
        yield brace, brace + length
        at = brace + length


_DECODER: Final = json.JSONDecoder()
