"""The fast readers of JSON records against the slow path they skip (the reading they replaced,
still what reads Python's escapes: `extract._unescape_slowly`): `_unescape_with_places` (json's C decoder, places asked for
lazily), `_UNWANTED_VALUES` (possessive quantifiers) and
`_BareCodes.outside` (spans that forms explained, not read twice). Each must agree with the slow
reading, character for character and place for place."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kmserr import extract


def reference(raw: str, at: int) -> tuple[str, list[int]]:
    """The slow reading's text, and the place of each of its characters and of its end, listed."""
    text, places = extract._unescape_slowly(raw, at)
    return text, [places[i] for i in range(len(places))]


def _agree(raw: str, at: int) -> None:
    text, places = extract._unescape_with_places(raw, at)
    expected_text, expected_places = reference(raw, at)
    assert text == expected_text
    assert len(places) == len(expected_places)
    assert [places[i] for i in range(len(places))] == expected_places
    with pytest.raises(IndexError):
        places[len(places)]


@given(st.text(st.characters(), max_size=60), st.booleans(), st.integers(0, 100))
@example("\ud83d\ude00 \ud83d x\ude00", True, 0)  # a pair, and halves alone (json.dumps escapes them)
@example("a/b\\c\"d\n\t\x00\x7f\u2502", True, 3)
def test_a_json_string_is_read_as_the_reference_reads_it(text: str, ascii_only: bool, at: int) -> None:
    """Any text as json.dumps writes it, with and without ensure_ascii (surrogates included)."""
    _agree(json.dumps(text, ensure_ascii=ascii_only)[1:-1], at)


# Pieces of escaped text: JSON's escapes (`\/` among them), surrogate halves in any order, CJK
# runs, Python's escapes that no JSON string holds, a lone backslash, a quote, bad hex.
PIECES = ["a", "é", "\u2502", " ", '"', "'", "\\", "\\n", "\\\\", '\\"', "\\/", "\\b", "\\f", "\\r", "\\t",
          "\\u89e3", "\\u5BC6", "\\u00e9", "\\ud83d", "\\uDE00", "\\udbff", "\\udc00", "\\u12G4", "\\u",
          "\\x41", "\\x4", "\\U0001F600", "\\UFFFFFFFF", "\\q", "\\'", "\\0", "\\a", "\\v", "\n"]


@given(st.lists(st.sampled_from(PIECES), max_size=16).map("".join), st.integers(0, 50))
@example("\\ud83d\\ude00\\u89e3\\u5bc6", 0)
@example("\\ud83d\\ud83d\\ude00!", 1)
@example("tail\\", 0)  # a lone backslash at the end: no JSON string
@example('say "hi"\\n', 0)  # a quote inside: a Python repr's, no one JSON string
def test_any_escaped_text_is_read_as_the_reference_reads_it(raw: str, at: int) -> None:
    _agree(raw, at)


def test_a_json_string_is_placed_only_when_asked() -> None:
    """The C scanner's text at once; the places of its escapes once a place is asked for."""
    raw = "code:X message:\\u89e3\\u5bc6 \\\"q\\\" requestId:r"
    text, places = extract._unescape_with_places(raw, 10)
    assert text == 'code:X message:解密 "q" requestId:r'
    assert places[text.index("解")] == 10 + raw.index("\\u89e3")
    assert places[text.index("密")] == 10 + raw.index("\\u5bc6")
    assert places[text.index("q")] == 10 + raw.index("q")
    assert places[len(text)] == 10 + len(raw)


VALUE_PIECES = ['"', "\\", '\\"', "T", "TencentCloudSDK", '\\"Code\\"', "\\TencentCloudSDK", "\n", "a", ": ", "{", "}"]


@given(st.lists(st.sampled_from(VALUE_PIECES), max_size=30).map("".join), st.integers(0, 5))
@example('{"a": "b", "e": "x TencentCloudSDK y"}', 0)
@example('"a\\"b" "c\\\\" "T\\Tx" "unclosed', 0)
def test_unwanted_values_are_paired_as_without_possessive_quantifiers(text: str, pos: int) -> None:
    """The possessive regex (Python 3.11.5 and later) gives back nothing that the plain one could
    have matched with: both pair the same run of values."""
    plain = re.compile(extract._UNWANTED_VALUES_PLAIN)
    expected = plain.match(text, pos)
    got = extract._UNWANTED_VALUES.match(text, pos)
    assert (got.end() if got else None) == (expected.end() if expected else None)


NAME_PIECES = ["AuthFailure", "InvalidParameter.X", "ResourceUnavailable.CmkDisabled", "ClientError.Net", "TeamCode",
               "x", "a.b", "/", "\\", "-", "_", ".", " ", '"', "'", "{", "}", "\n", "é", "解", "(10630)", "code:"]


@given(st.lists(st.sampled_from(NAME_PIECES), max_size=40).map("".join), st.data(), st.booleans())
@example('{"a": "AuthFailure"}AuthFailure', None, False)
@example('x"AuthFailure"', None, True)
def test_names_outside_spans_are_those_a_whole_scan_finds_outside_them(text: str, data: st.DataObject | None,
                                                                      probed: bool) -> None:
    """`_BareCodes.outside` skips spans edged by separators; what it finds is what a scan of the whole
    text finds outside every span, whether the names are probed for or searched by their regex."""
    cuts = sorted(data.draw(st.sets(st.integers(0, len(text)), max_size=8))) if data is not None else [1, 19]
    spans = [(a, b) for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b and b <= len(text)]
    bare = extract.Extractor(["TeamCode"])._bare
    if not probed:
        bare._probed = bare._budget  # the regex of every name from the first stretch on
    whole = [m.span() for m in bare.scan(text) if not any(m.start() < b and a < m.end() for a, b in spans)]
    saved, extract.SKIPPED_SPAN = extract.SKIPPED_SPAN, 1  # every span may be skipped, however short
    try:
        outside = [m.span() for m in bare.outside(text, spans)
                   if not any(m.start() < b and a < m.end() for a, b in spans)]
    finally:
        extract.SKIPPED_SPAN = saved
    assert outside == whole


def test_a_span_that_begins_inside_a_name_is_read_with_the_name() -> None:
    """`FailedOperation.AuthFailure` with its last segment explained: no `FailedOperation` cut short."""
    text = "x FailedOperation.AuthFailure y"
    spans = [(text.index("AuthFailure"), text.index(" y"))]
    bare = extract.Extractor()._bare
    saved, extract.SKIPPED_SPAN = extract.SKIPPED_SPAN, 1
    try:
        outside = [m.group() for m in bare.outside(text, spans)]
    finally:
        extract.SKIPPED_SPAN = saved
    assert outside == [m.group() for m in bare.scan(text)] == ["FailedOperation.AuthFailure"]
