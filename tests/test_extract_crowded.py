"""Crowded and hostile lines: each form's finder tries its regex only where a match can start, and
finds exactly what the regex's own finditer finds."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmserr import forms
from kmserr.extract import Extractor
from kmserr.forms import CODE_MESSAGE, DOTNET_SDK, FORMS

FINDERS = {form.name: form.finder for form in FORMS}

DOTNET_PIECES = ["code:", "xcode:", "]code:", "AuthFailure", "X.Y", "é", " message:", " ", "m", ",", ":",
                 "requestId: r-1234567890", "\n", "code:A message:"]
CODE_MESSAGE_PIECES = ["Code: ", ".Code: ", "xCode: ", "AuthFailure", "X.Y", "é", ", Message: ", ", ", " ", "m",
                       ":", ", RequestId: r-1", "\n", "Code: A, Message: "]


@given(st.lists(st.sampled_from(DOTNET_PIECES), max_size=30), st.integers(0, 40))
def test_the_dotnet_finder_finds_what_its_regex_finds(pieces: list[str], pos: int) -> None:
    text = "".join(pieces)
    expected = [m.span() for m in forms._DOTNET_SDK.finditer(text, pos)]
    assert [m.span() for m in FINDERS[DOTNET_SDK](text, pos)] == expected


@given(st.lists(st.sampled_from(CODE_MESSAGE_PIECES), max_size=30), st.integers(0, 40))
def test_the_code_message_finder_finds_what_its_regex_finds(pieces: list[str], pos: int) -> None:
    text = "".join(pieces)
    expected = [m.span() for m in forms._CODE_MESSAGE.finditer(text, pos)]
    assert [m.span() for m in FINDERS[CODE_MESSAGE](text, pos)] == expected


class Counting:
    """A pattern that counts the places its `match` is tried at."""

    def __init__(self, real: re.Pattern[str]) -> None:
        self.real, self.calls = real, 0

    def match(self, text: str, pos: int = 0, endpos: int = 2**62) -> re.Match[str] | None:
        self.calls += 1
        return self.real.match(text, pos, endpos)


def test_a_flood_of_code_heads_tries_the_regex_once_a_label() -> None:
    """20 MB of `code:` cost a regex attempt at each `code:` (3.3 x an ordinary line of its size):
    now one at the last `code:` before each ` message:`, and none where no ` message:` follows."""
    dotnet = Counting(forms._DOTNET_SDK)
    finder = forms._coded_matches(dotnet, "code:", " message:")  # type: ignore[arg-type]
    assert list(finder("code:" * 30000, 0)) == []
    assert dotnet.calls == 0
    [match] = finder("code:" * 30000 + "AuthFailure message:boom\n" + " code:" * 100 + " message:", 0)
    assert match.group(1) == "AuthFailure" and dotnet.calls == 2
    code_message = Counting(forms._CODE_MESSAGE)
    finder = forms._coded_matches(code_message, "Code: ", ", Message: ")  # type: ignore[arg-type]
    assert list(finder("Code: " * 30000 + ", Message: " * 3, 0)) == []
    assert code_message.calls == 1  # the labels after the first have no head after the label before


def test_a_line_flooded_with_heads_keeps_its_errors() -> None:
    line = "code:" * 20000 + "code:AuthFailure message:denied requestId:r-1234567890 " + "Code: " * 20000 + \
        "Code: InternalError, Message: boom"
    found = Extractor().find(line)
    assert [(f.code, f.form) for f in found] == [("AuthFailure", DOTNET_SDK), ("InternalError", CODE_MESSAGE)]


def _per_word_tails(heads: set[str], dotted: set[str], names: set[str]) -> re.Pattern[str]:
    """The regex of names as it was built before: a tail after every word (the reference)."""
    from kmserr.extract import _DOTTED_TAIL, _NOT_AFTER, _NOT_BEFORE, _TAIL
    from kmserr.forms import _trie_regex, word_trie

    words: dict[str, set[str]] = {}
    for word in (*heads, *names):
        words.setdefault(word, set()).add(_TAIL)
    for word in dotted:
        words.setdefault(word + ".", set()).add(_DOTTED_TAIL)
    trie = word_trie(words)
    return re.compile("(?:" + "|".join(re.escape(f) + _NOT_BEFORE + _trie_regex(trie[f]) for f in sorted(trie)) + ")"
                      + _NOT_AFTER)


NAME_PIECES = ["AuthFailure", "ClientError", "Team1", "Team1.Reason", "Team12", "Team1Failure", ".", ".x", "Sub", "2",
               " ", "-", "_", "/", "é", "x", "ClientError.", "Team1.Reason.Deeper"]


@given(st.lists(st.sampled_from(NAME_PIECES), max_size=24))
def test_the_regex_of_names_with_one_tail_a_letter_finds_what_a_tail_a_word_found(pieces: list[str]) -> None:
    """The dotted sub-codes after a word are read by one tail after each first letter's trie (47 KB
    of regex for 2,000 team codes, where a tail a word made 98 KB): the same matches."""
    from kmserr.extract import _bare_pattern

    heads, dotted, names = {"AuthFailure", "Team1Failure"}, {"ClientError"}, {"Team1.Reason", "Team1", "Team12"}
    text = "".join(pieces)
    expected = [m.span() for m in _per_word_tails(heads, dotted, names).finditer(text)]
    assert [m.span() for m in _bare_pattern(heads, dotted, names).finditer(text)] == expected
    assert len(_bare_pattern(heads, dotted, {f"Team{n}.Reason{n}" for n in range(2000)}).pattern) < 40_000  # 76 KB before


@given(st.text(alphabet=st.sampled_from("a\t\n\r\\’é x"), max_size=40))
def test_a_plain_field_escapes_as_one_table_would(text: str) -> None:
    """plain_field escapes by a str.replace a separator (a table through str.translate read a text
    that is not ASCII a character at a time: 1.8 ms for the annotation of a line of 100 errors)."""
    from kmserr.render import plain_field

    table = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"})
    assert plain_field(text) == text.translate(table)


RID_PIECES = ["request", "Request", "REQUEST", "request_id: r-12345678", "RequestId=abcdef0123", "requestId:0011223344",
              " ", "=", ":", "x", "\n", "İ", "é"]


@given(st.lists(st.sampled_from(RID_PIECES), max_size=20), st.integers(0, 60), st.integers(0, 60))
def test_request_ids_read_from_a_text_lowered_once_are_those_of_each_window(pieces: list[str], low: int,
                                                                            size: int) -> None:
    """An ASCII text is lowered once for all its errors, where each lowered the 8 KB around it."""
    text = "".join(pieces)
    high = min(len(text), low + size)
    window = text[low:high].lower()
    expected, at = [], window.find("request")
    if len(window) != high - low:  # `İ` lowers to two: the places of the lowered copy are not the text's
        expected, at = [m.group(1) for m in forms._REQUEST_ID_ANYWHERE.finditer(text, low, high)], -1
    while at >= 0:
        found = forms._REQUEST_ID_ANYWHERE.match(text, low + at, high)
        if found:
            expected.append(found.group(1))
        at = window.find("request", at + 7)
    assert list(forms._request_ids(text, low, high)) == expected


HEAD_PIECES = ["[TencentCloudSDKException] code:", "TencentCloudSDKException] code:", "[TencentCloudSDKError] Code=",
               "RequestId=r, ErrorCode=", "code:", "Code: ", "X", ", Message: ", " message:", ", Message=", " ", "; ",
               " | ", "[", "m", "TencentCloudSDKException(", "'A'", ")", "ErrorMessage=", "\\"]


@given(st.lists(st.sampled_from(HEAD_PIECES), max_size=24), st.integers(0, 30), st.integers(0, 200))
def test_the_next_error_is_where_any_form_s_regex_confirms_a_head(pieces: list[str], start: int, size: int) -> None:
    """next_error searches its literals only up to the earliest found, and confirms a head by one
    alternation of the forms' regexes: the place that each regex, tried in turn, gave."""
    text = "".join(pieces)
    end = min(len(text), start + size)
    expected = -1
    for head in forms.ERROR_HEAD.finditer(text, start, end):
        at = head.start()
        if any(regex.match(text, p) for regex in forms.SDK_TEXT_FORMS.values() for p in (at, at + 1)):
            expected = forms.before_separators(text, start, at)
            break
    assert forms.next_error(text, start, end) == expected


LEGACY_PIECES = ["(", ")", "(10630)", "(106)", "(1063)", "(106300)", "(1063000)", " ", "key", "é", "1", "x(", ".(",
                 "((", "_", "(10630) key", "((10630) x"]


@given(st.lists(st.sampled_from(LEGACY_PIECES), max_size=30), st.integers(0, 40))
def test_the_legacy_finder_finds_what_its_regex_finds(pieces: list[str], pos: int) -> None:
    text = "".join(pieces)
    expected = [m.span() for m in forms._LEGACY.finditer(text, pos)]
    assert [m.span() for m in forms._legacy_matches(text, pos)] == expected


def test_a_flood_of_parentheses_tries_the_legacy_regex_nowhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """20 MB of `(` tried the legacy regex at each (2.4 x an ordinary line): now only where a `)`
    closes 3, 5 or 6 digits before a letter, and of `(10630)(10630)...` at none."""
    legacy = Counting(forms._LEGACY)
    monkeypatch.setattr(forms, "_LEGACY", legacy)
    assert list(forms._legacy_matches("(" * 100_000 + "(10630)" * 10_000)) == []
    assert legacy.calls == 0
    [match] = forms._legacy_matches("(" * 1000 + " (10630) key is not existed")
    assert match.group(1) == "10630" and legacy.calls == 1


def _spy_on_probe(bare: Any) -> list[str]:
    """The texts that `bare`'s spaced probe is run on, from now on (the cached property's value is
    replaced for this extractor alone)."""
    probed: list[str] = []
    real = bare._spaced

    class Spy:
        def findall(self, text: str) -> list[Any]:
            probed.append(text)
            return real.findall(text)

    bare.__dict__["_spaced"] = Spy()
    return probed


def test_a_flood_of_separators_is_probed_as_one_space() -> None:
    """Names are probed for after a space once a stretch's separators are spaces: 8 MB of `(` made
    8 MB of spaces, the probe tried at each (2.6 x an ordinary line's time); a run is one space."""
    bare = Extractor()._bare
    probed = _spy_on_probe(bare)
    names = [m.group() for m in bare.scan("(" * 100_000 + " ; AuthFailure.Sub " + "\t" * 50_000 + "x")]
    assert names == ["AuthFailure.Sub"]
    assert probed and max(map(len, probed)) < 40


BARE_PIECES = ["AuthFailure", "AuthFailure.Sub", "ClientError", "ClientError.X", "Team1Failure.Reason1", "Team1Failure",
               "Team1Failure.Reason1.Deep", "Team1Failure.Reason", "Team2Failure.Reason2", "team1failure.reason1", "x",
               "_", "-", ".", "/", " ", "é", "2", "Tea", "AuthFailures", "InternalError", "\n", "; ", "(", "\\", '"',
               "。", "\t", "=", "x.", "AuthFailure-"]


@given(st.lists(st.sampled_from(BARE_PIECES), max_size=40), st.integers(0, 30), st.integers(0, 400),
       st.sampled_from([8, 32, 65536]), st.booleans())
def test_names_standing_alone_found_by_probing_are_those_of_the_regex_of_every_name(
    pieces: list[str], pos: int, budget: int, stretch: int, cut_first: bool,
) -> None:
    """Probed identifiers met with the known words in a set, then a regex of the words met (and,
    once probing has cost as much, the regex of every name): what the regex of every name finds,
    stretch by stretch included, whether the stretch is first cut into pieces for the words' last
    segments or not (`_cut_first`, which each stretch's finding changes: read twice)."""
    from kmserr import extract

    bare = extract._BareCodes(["Team1Failure.Reason1", "Team2Failure.Reason2", "InvalidParameter.Team"])
    bare._budget = budget
    bare._cut_first = cut_first
    text = "".join(pieces)
    expected = [m.span() for m in bare._pattern.finditer(text, pos) if m.end() - m.start() <= extract.MAX_NAME]
    saved, extract.STRETCH = extract.STRETCH, stretch
    try:
        assert [m.span() for m in bare.scan(text, pos)] == expected
        assert [m.span() for m in bare.scan(text, pos)] == expected
    finally:
        extract.STRETCH = saved


# A team's codes, the near misses of them (glued to letters, cut short, a letter changed, lower
# case, hyphenated, in a path), families, sub-codes and separators of every kind.
TEAM = ["Team00001Failure.Reason00001", "Team00002Failure.Reason00002", "Team00002Failure", "Pay.Card", "Z9"]
NEAR_PIECES = [*TEAM, "x", "y", "_", "-", "-Extra", ".", ".Sub", "..", " ", "  ", "\t", "/", "\\", "(", ")", "'", ",",
               "Team00001Failure.Reason000", "Team00001Failure.Reasom00001", "team00001failure.reason00001",
               "Reason00001", "Reason00002", "Card", "Pay", "AuthFailure", "AuthFailure.Team", "ClientError.Own",
               "ClientError", "é", "9", "\n", "Z", "Z9.Z9"]


@given(st.lists(st.sampled_from(NEAR_PIECES), max_size=60), st.booleans())
def test_near_miss_lines_cut_into_pieces_give_the_names_the_probe_gives(pieces: list[str], cut_first: bool) -> None:
    """A stretch where no word's last segment stands whole is passed over without the probe: on
    lines of team codes, their near misses and separators, what the regex of every name finds."""
    from kmserr import extract

    bare = extract._BareCodes(TEAM)
    bare._cut_first = cut_first
    text = "".join(pieces)
    expected = [m.span() for m in bare._pattern.finditer(text) if m.end() - m.start() <= extract.MAX_NAME]
    assert [m.span() for m in bare.scan(text)] == expected


def test_a_line_of_near_miss_team_names_is_not_probed(engine: str) -> None:
    """256 KB of near-miss team names (hostile.py's): the probe took 4 ms a line with 2,000 team
    codes, where cutting the line into pieces and meeting them with the codes' last segments in a
    set takes about 1.2 ms. No near miss is a finding; the code after them is, with either engine."""
    from kmserr.scan import scan_bytes

    names = [f"Team{n:05d}Failure.Reason{n:05d}" for n in range(2000)]
    extractor = Extractor(names)
    bare = extractor._bare
    probed = _spy_on_probe(bare)
    line = " ".join(f"x{n}y {n[:-3]} _{n}_ {n}-Extra {n.lower()} {n.replace('Reason', 'Reasom')}"
                    for n in (names * 4)[:1800])
    assert len(line) > 256_000
    assert extractor.find(line) == []
    assert probed == []
    hits = scan_bytes((line + " " + names[7] + "\n").encode(), extractor)
    assert [[f.code for f in hit.findings] for hit in hits] == [[names[7]]]


def test_a_line_of_near_miss_team_names_compiles_no_regex_of_every_name() -> None:
    """2,000 team codes: the regex of every name took 0.1 to 0.17 s to compile at the first crowded
    line; a line of near misses (glued, cut short, a letter changed, hyphenated) is probed instead."""
    from kmserr import extract

    names = [f"Team{n:05d}Failure.Reason{n:05d}" for n in range(2000)]
    bare = extract._BareCodes(names)
    line = " ".join(f"x{n}y {n[:-3]} {n.replace('Reason', 'Reasom')} {n}-Extra _{n}_" for n in names[:500])
    assert list(bare.scan(line + " " + names[7])) != []
    assert "_pattern" not in vars(bare)  # the cached_property was never asked
    assert [m.group() for m in bare.scan(line + " " + names[7])] == [names[7]]


def test_near_miss_names_read_again_and_again_compile_no_regex_of_every_name() -> None:
    """Probing a stretch that holds no known word costs less than the regex of every name would
    (after a space, its separators made spaces): only the identifiers of stretches with a known
    word count toward compiling that regex, as many near-miss lines as there may be."""
    from kmserr import extract

    names = [f"Team{n:05d}Failure.Reason{n:05d}" for n in range(50)]
    bare = extract._BareCodes(names)
    bare._budget = 100
    line = "; ".join(f"x{n}y {n[:-3]} ({n.replace('Reason', 'Reasom')}) {n}-Extra _{n}_" for n in names)
    for _ in range(20):
        assert list(bare.scan(line)) == []
    assert "_pattern" not in vars(bare)  # the cached_property was never asked
    assert [m.group() for m in bare.scan(line + "\t" + names[7] + "\n")] == [names[7]]
    assert [m.group() for m in bare.scan("解 " + names[3] + " " + line)] == [names[3]]  # not ASCII: as before


@given(st.text(st.sampled_from("Ab9._é解"), min_size=0, max_size=260))
def test_the_dotnet_locator_sees_a_code_of_any_length_the_form_reads(tail: str) -> None:
    """The .NET SDK's locator bounds its code to 200 bytes before ` message:` (so that Hyperscan
    hangs it on ` message:`, where `\\S*` ran from each of 20 MB of `code:`), or takes a longer
    one whole: every code that the form reads, of any length in bytes, is located."""
    from kmserr.engines import HyperscanEngine, prefilter_patterns

    line = f"x code:A{tail} message:denied"
    assert [f.form for f in Extractor().find(line)] == [DOTNET_SDK]
    locator = re.compile(dict(prefilter_patterns().located)[DOTNET_SDK])
    assert locator.search(line.encode()) is not None
    prefilter = prefilter_patterns()
    engine = HyperscanEngine([p for _, p in prefilter.located], prefilter.parens, prefilter.standalone)
    data = line.encode() + b"\n"
    assert engine.candidates(data, 0, len(data)).structured != []


def _former_rich_head(content: str) -> bool:
    """`_is_rich_head` as it was: the request ID looked for first, the rest copied."""
    if not content.startswith(forms.RICH_HEAD) or "requestId:" in content:
        return False
    rest = content[len(forms.RICH_HEAD) :]
    return not rest or rest.startswith(" [TencentCloudSDKException]")


@given(st.lists(st.sampled_from(["TencentCloudSDKException:", " [TencentCloudSDKException]", " ", "requestId:",
                                 " code:AuthFailure", "x", "[", "TencentCloudSDKException: "]), max_size=8).map("".join))
def test_rich_s_exception_line_is_told_as_before(content: str) -> None:
    """What follows the class's name is asked before the request ID is looked for, and not copied:
    1 MB of `TencentCloudSDKException: ` cost 2 ms more (pathological.py); the answers are the same."""
    from kmserr.extract import _is_rich_head

    assert _is_rich_head(content) == _former_rich_head(content)


PROBE_WORDS = [["Team00001Failure.Reason00001", "Team00002Failure", "AuthFailure", "ClientError"],
               ["Pay.Card.Deep", "Pay", "Z9.Z9"], ["A", "Ab.Cd"]]


# Words and what may follow a run or a segment of them: few, so that every pair of them comes up.
PROBE_PIECES = ["Team00001Failure", ".Reason00001", "Team00002Failure", "AuthFailure", "ClientError", "Pay", ".Card",
                ".Deep", "Z9", ".Z9", "A", "Ab", ".Cd", ".", "_", "-", " ", "/", "\\", "x", "9", "(", "é"]


@settings(max_examples=400)
@given(st.sampled_from(PROBE_WORDS), st.lists(st.sampled_from(PROBE_PIECES), max_size=30).map("".join), st.booleans())
def test_the_possessive_probe_finds_what_the_probe_that_gives_back_finds(words: list[str], text: str, spaced: bool) -> None:
    """Runs and segments taken whole (re's possessive quantifiers, Python 3.11): no shorter run
    nor fewer segments could have matched, as `_NOT_AFTER` refuses what follows them."""
    from kmserr import extract

    depth = max(word.count(".") + 1 for word in words)
    plain = extract._probe_pattern(words, depth, spaced=spaced, possessive=False)
    if not extract.POSSESSIVE:  # Python 3.10: re has no possessive quantifiers, and the probe none
        assert extract._probe_pattern(words, depth, spaced=spaced).pattern == plain.pattern
        return
    possessive = extract._probe_pattern(words, depth, spaced=spaced, possessive=True)
    assert possessive.pattern != plain.pattern
    if spaced:
        text = " " + " ".join(text.translate(extract._SEPARATORS).split())
    assert possessive.findall(text) == plain.findall(text)


class _AskedText(str):
    """A text that records what is looked for in it."""

    asked: ClassVar[list[str]] = []
    __hash__ = str.__hash__

    def __contains__(self, part: object) -> bool:
        _AskedText.asked.append(str(part))
        return str.__contains__(self, part)  # type: ignore[operator]  # as str's own


def test_a_long_text_without_what_most_gates_hold_is_not_searched_for_each_of_them() -> None:
    """1 MB of `TencentCloudSDKException: ` (pathological.py, with Hyperscan 2x an ordinary line):
    ten forms' gates hold `ode`, each a pass over the text; one pass for `ode` spares them."""
    flood = "TencentCloudSDKException: " * 40_000 + ' "message": "(10630) key is not existed"'
    _AskedText.asked = []
    found = Extractor().find(_AskedText(flood))
    assert [f.code for f in found] == ["10630"]
    assert "ode" in _AskedText.asked
    assert not [part for part in _AskedText.asked if "ode" in part and part != "ode"]


GATE_PIECES = ["TencentCloudSDKException: ", "[TencentCloudSDKException] code:AuthFailure message:x requestId:r ",
               '{"Error":{"Code":"AuthFailure","Message":"m"}} ', '"code": 10630 ', "(10630) key is not existed ",
               "ErrorCode=AuthFailure ", "Code: AuthFailure ", "code: 'AuthFailure' ", "SDKException(", "x ", "\n",
               "AuthFailure.Sub ", "co", "de", "ode", ": "]


@given(st.lists(st.sampled_from(GATE_PIECES), max_size=20).map("".join))
def test_forms_spared_their_gates_find_what_asking_each_gate_finds(text: str) -> None:
    """Over a long text (here any), the forms whose gates hold a part the text lacks are left out
    before their gates are asked: the same findings as asking each gate."""
    from kmserr import extract

    extractor = Extractor()
    saved = extract.LONG_TEXT
    try:
        extract.LONG_TEXT = 10**9
        asked_each = extractor.find(text)
        extract.LONG_TEXT = 0
        assert extractor.find(text) == asked_each
    finally:
        extract.LONG_TEXT = saved


def _former_stretches(text: str, pos: int, size: int) -> list[tuple[int, int]]:
    """`_stretches` as it was: each end found by the regex that asks Unicode of every character."""
    found = []
    while pos < len(text):
        end = re.compile(r"[^\w.\-]").search(text, pos + size) if len(text) - pos > size else None
        high = end.start() if end is not None else len(text)
        found.append((pos, high))
        pos = high
    return found


@given(st.lists(st.sampled_from(["1", "a", "Z", "_", ".", "-", " ", "(", "é", "解", "—", "\u00a0", "٣", "x" * 20]),
                max_size=60).map("".join), st.integers(0, 10), st.sampled_from([1, 3, 8]))
def test_stretches_end_where_they_ended_when_unicode_was_asked_of_every_character(text: str, pos: int, size: int) -> None:
    """A stretch's end is looked for among ASCII bytes first, and asked of Unicode only where the
    search stopped outside ASCII (a letter, a digit of another script, or a separator)."""
    from kmserr import extract

    saved, extract.STRETCH = extract.STRETCH, size
    try:
        assert list(extract._stretches(text, pos)) == _former_stretches(text, pos, size)
    finally:
        extract.STRETCH = saved


def test_a_run_of_ascii_digits_is_not_asked_of_unicode(monkeypatch: pytest.MonkeyPatch) -> None:
    """'(' and 1 MB of digits (pathological.py): its stretch's end took 12 ms to find, letter by
    Unicode letter; among ASCII bytes, 4.7 ms. The names after it are found as before."""
    from kmserr import extract

    asked: list[int] = []
    unicode_end = extract._STRETCH_END

    class Spy:
        def search(self, text: str, pos: int) -> re.Match[str] | None:
            asked.append(pos)
            return unicode_end.search(text, pos)

    monkeypatch.setattr(extract, "_STRETCH_END", Spy())
    line = "(" + "1" * 200_000 + " AuthFailure.Sub x"
    assert [m.group() for m in Extractor()._bare.scan(line)] == ["AuthFailure.Sub"]
    assert asked == []
    assert [m.group() for m in Extractor()._bare.scan("解" * 70_000 + " AuthFailure.Sub")] == ["AuthFailure.Sub"]
    assert asked != []  # outside ASCII, Unicode is asked
