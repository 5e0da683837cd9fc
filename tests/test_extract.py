"""The extractor finds every legacy form and nothing in look-alikes; it never raises."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import extract
from kmserr.extract import Extractor, _closing
from kmserr.forms import (
    DOTNET_SDK,
    LEGACY_JSON,
    LEGACY_MESSAGE,
    PYTHON_SDK,
    Finding,
)

EX = Extractor()


def only(text: str) -> Finding:
    found = EX.find(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("(100004) incorrect projectId", "100004", "incorrect projectId"),
        ("(10010)lacked of required parameters", "10010", "lacked of required parameters"),
        ('"message": "(10630) key is not existed"', "10630", "key is not existed"),
        ("kms: request rejected: (10010)lacked of required parameters action=Decrypt", "10010",
         "lacked of required parameters action=Decrypt"),
        ('"message": "(60006)MFA Invalid",', "60006", "MFA Invalid"),
        ("(503) Quota run out", "503", "Quota run out"),
        ("(100004)projectId不正确", "100004", "projectId不正确"),
        ("code:10050 error:(10050)server internal error", "10050", "server internal error"),
    ],
)
def test_legacy_message(text: str, code: str, message: str) -> None:
    found = only(text)
    assert (found.code, found.module_code, found.message, found.form) == (code, int(code), message, LEGACY_MESSAGE)
    assert text[found.start : found.end] == code


@pytest.mark.parametrize(
    ("text", "error_code", "code_desc"),
    [
        ('{"code":4000,"message":"(10010)lacked of required parameters","codeDesc":"InvalidParameter"}', 4000,
         "InvalidParameter"),
        ('{"code": "4000", "message": "(10010) lacked of required parameters"}', 4000, None),
        ('{"codeDesc":"InvalidParameter","code":4000,"message":"(503) Quota run out"}', 4000, "InvalidParameter"),
    ],
)
def test_legacy_json_body(text: str, error_code: int, code_desc: str | None) -> None:
    found = only(text)
    assert found.form == LEGACY_JSON
    assert found.error_code == error_code
    assert found.code_desc == code_desc


def test_legacy_json_bodies_after_a_flood_of_code_keys_and_beside_each_other() -> None:
    # Bodies are looked for from their "message": every one is still found, in order.
    bodies = '{"code":4100,"message":"authentication failed"}\n{"code" : "5000" ,  "message":"x"}'
    found = EX.find('"code":' * 20_000 + bodies + ' "code": 4000 "message": "no comma"')
    assert [(f.code, f.form) for f in found] == [("4100", LEGACY_JSON), ("5000", LEGACY_JSON)]
    assert EX.find('{"code":4000,' + " " * 80 + '"message":"too far apart"}') == []


def test_a_message_is_read_to_the_window_and_a_later_error_is_its_own() -> None:
    from kmserr.forms import WINDOW

    line = "code:AuthFailure message:" + " " * 1_000_000 + "tail [TencentCloudSDKException] code:InternalError message:x"
    found = EX.find(line)
    assert [(f.code, f.form) for f in found] == [("AuthFailure", DOTNET_SDK), ("InternalError", PYTHON_SDK)]
    assert found[0].message is None and len(line) - found[1].start < WINDOW


def test_an_identifier_longer_than_a_code_name_is_none() -> None:
    from kmserr.forms import MAX_NAME

    longest = "AuthFailure." + "x" * (MAX_NAME - 12)
    assert [f.code for f in EX.find(f"got {longest}: denied")] == [longest]
    assert EX.find(f"got {longest}y: denied") == []
    assert EX.find(f"got {longest}.y: denied") == []
    assert EX.find("AuthFailure." * 100_000) == []  # not one code of 1.2 MB
    assert EX.find("AuthFailure." * 100_000, names_at=list(range(0, 1_200_000, 12))) == []


def test_legacy_json_pretty_printed_document() -> None:
    body = json.dumps({"code": "4530", "message": "(10630)key is not existed", "codeDesc": "KeyNotExist"}, indent=2)
    found = only(body)
    assert (found.code, found.error_code, found.message) == ("10630", 4530, "key is not existed")


def test_legacy_json_without_module_code() -> None:
    found = only('{"code":4100,"message":"authentication failed","codeDesc":"AuthFailure"}')
    assert (found.code, found.error_code, found.module_code) == ("4100", 4100, None)


@pytest.mark.parametrize(
    "text",
    [
        "billing-worker: processed batch (4821) items in 3s",
        "order-svc: order (2024051) shipped to ap-guangzhou",
        "sms: delivered to (010) 12345678 status=ok",
        "kms-client: starting sdk=tencentcloud-sdk-python/3.0.1063 python/3.11.7",
        "gateway: build (1.0.10630) commit=4f2a91c ready",
        "agent: upgraded v10630.2.1 -> v10631.0.0 (rev 100004b)",
        'kms-client: legacy API ok {"code":0,"message":"","codeDesc":"Success","keyId":"k"}',
        'kms-client: response {"Response":{"KeyId":"k","RequestId":"r"}}',
        "retrying after error (at com.example.client.Pool.borrow(Pool.java:237))",
        "the code in this file is fine",
        '{"id":12345,"sku":"A-1","qty":3,"note":"(1234) ok"}',
        "f(10630)",
    ],
)
def test_decoys_are_not_errors(text: str) -> None:
    assert EX.find(text) == []


def test_several_errors_on_one_line_in_order() -> None:
    found = EX.find("first (10630) key is not existed then (10650) key is disabled")
    assert [f.code for f in found] == ["10630", "10650"]


@given(st.text())
def test_never_raises_on_any_text(text: str) -> None:
    for found in EX.find(text):
        assert 0 <= found.start <= found.end <= len(text)


@given(
    code=st.one_of(st.integers(100, 999), st.integers(10000, 999999)),
    space=st.booleans(),
    message=st.from_regex(r"[A-Za-z][A-Za-z ]{0,30}", fullmatch=True),
    prefix=st.sampled_from(["", "ERROR ", "failed: ", '"message": "', "x="]),
)
def test_any_legacy_code_is_found(code: int, space: bool, message: str, prefix: str) -> None:
    text = f"{prefix}({code}){' ' if space else ''}{message}"
    found = EX.find(text)
    assert [f.module_code for f in found][:1] == [code]


@given(st.integers(1000, 9999), st.from_regex(r"[a-z]{1,10}", fullmatch=True))
def test_four_digit_parentheses_are_prose(number: int, word: str) -> None:
    assert EX.find(f"processed ({number}) {word}") == []


@given(st.lists(st.sampled_from(["AuthFailure", "ClientError", ".", "x", " ", "-", "é", "InternalError.Foo",
                                 "LimitExceeded", "Request", "kms", "/", "_", "ResourceUnavailable", "1"]), max_size=12))
def test_names_at_the_prefilter_positions_equal_a_full_scan(parts: list[str]) -> None:
    text = "".join(parts)
    positions = sorted({i for lit in ("AuthFailure", "ClientError", "InternalError", "LimitExceeded", "ResourceUnavailable")
                        for i in range(len(text)) if text.startswith(lit, i)})
    assert EX.find(text, positions) == EX.find(text)


@given(st.sampled_from(["python-sdk", "dotnet-sdk", "api3-json", "legacy-json", "node-sdk"]),
       st.lists(st.sampled_from([
           "[TencentCloudSDKException] code:AuthFailure message:no requestId:r-1",
           '{"Response":{"Error":{"Code":"InternalError","Message":"x"},"RequestId":"r-2"}}',
           '"code": 4000, "message": "(10630) key is not existed"', "code:ResourceUnavailable.CmkDisabled message:m",
           " (10010) bad", "InvalidParameter", "  code: 'InternalError',",
       ]), max_size=4))
def test_located_forms_as_any_container_find_the_same(form: str, parts: list[str]) -> None:
    """The forms a prefilter reports are taken as any container: a set finds what a frozenset finds,
    and a frozenset seen before (its plan cached) what it found the first time."""
    text = " | ".join(parts)
    extractor = Extractor()
    first = extractor.find(text, forms=frozenset({form}))
    assert extractor.find(text, forms={form}) == first
    assert extractor.find(text, forms=[form]) == first
    assert extractor.find(text, forms=frozenset({form})) == first


@given(st.characters(), st.text(max_size=40))
def test_a_line_that_no_source_pattern_can_start_is_no_source_line(first: str, rest: str) -> None:
    """The quick test that `_is_source_line` begins with is a consequence of its patterns, never a
    rule of its own: a line is turned away by its first character only where they all fail too."""
    from kmserr import extract

    line = first + rest
    turned_away = first not in extract._SOURCE_FIRST or (
        first in extract._DIGITS and extract._LINE_NUMBER.match(line) is None)
    if turned_away:
        assert extract._SOURCE_START.match(line) is None
        assert extract._ANNOTATION.match(line) is None
        assert not extract._is_source_line(line, 0)


@given(st.from_regex(r"[0-9]{1,9}[ \t:-]?[ \t]{0,2}(raise X\(e\)|\u2502 raise X\(e\)|x)", fullmatch=True))
def test_a_line_that_starts_with_digits_is_turned_away_only_where_the_patterns_fail(line: str) -> None:
    from kmserr import extract

    if extract._LINE_NUMBER.match(line) is None:
        assert extract._SOURCE_START.match(line) is None


@given(st.text(st.sampled_from("\\\"'a\n"), max_size=30), st.integers(0, 31), st.sampled_from("\"'"))
def test_a_value_closes_at_the_first_quote_that_an_even_number_of_backslashes_stands_before(
    raw: str, cut: int, mark: str,
) -> None:
    # What the regex that `_closing` replaced (it tried every character) found, to the character.
    text = mark + raw
    limit = min(len(text), 1 + cut)
    old = re.compile(r"(?<!\\)(?:\\\\)*" + mark).search(text, 1, limit)
    assert _closing(text, mark, 1, limit) == (old.end() if old else -1)


QUOTING = ["\\", "TencentCloudSDK", "\\TencentCloudSDK", "T", "Tencent", '\\"Code\\"', '"Code"', "\\Code", '\\"', "\n", "a", " ", "plain " * 20,
           "[TencentCloudSDKException] code:AuthFailure message:x requestId:r-1",
           '{\\"Error\\":{\\"Code\\":\\"InternalError\\",\\"Message\\":\\"x\\"},\\"RequestId\\":\\"r-2\\"}']
VALUES = st.tuples(st.sampled_from(["", ": ", "=", " ", "x"]), st.lists(st.sampled_from(QUOTING), max_size=6),
                   st.sampled_from(['"', ""])).map(lambda v: v[0] + '"' + "".join(v[1]) + v[2])


@given(st.lists(VALUES, max_size=12))
def test_values_paired_at_once_are_those_the_loop_pairs(values: list[str]) -> None:
    # The regex that pairs a run of unwanted values at once, against the loop alone (one value a turn).
    text = "".join(values)
    fast = list(EX._quoted(text))
    saved, extract._UNWANTED_VALUES = extract._UNWANTED_VALUES, None  # type: ignore[assignment]
    try:
        assert fast == list(EX._quoted(text))
    finally:
        extract._UNWANTED_VALUES = saved


def test_a_finding_names_its_form_and_still_answers_to_format() -> None:
    """`Finding.form` is the field (forms.py's FORMS); `format`, its name in JSON output and before,
    still reads it for code written against it."""
    [finding] = EX.find("[TencentCloudSDKError] Code=InternalError, Message=boom, RequestId=r-1234567890")
    assert finding.form == "go-sdk"
    assert finding.format == finding.form
    assert "form" in finding._fields and "format" not in finding._fields


PY_PIECES = ["[TencentCloudSDKException] code:", "\\TencentCloudSDKException] code:", "AuthFailure", " message:",
             "signMethod invalid", " ", "x", "requestId:r-1234567890", "\n", "TencentCloudSDKException] code:"]


@given(st.lists(st.sampled_from(PY_PIECES), max_size=30), st.integers(0, 40))
def test_the_python_sdk_finder_finds_what_its_regex_finds(pieces: list[str], pos: int) -> None:
    """The Python SDK's finder tries its regex only where a ` message:` is within a code's reach,
    and finds the same matches as the regex's finditer (codes of up to 16 words)."""
    from kmserr import forms

    text = "".join(pieces)
    expected = [m.span() for m in forms._PY_SDK.finditer(text, pos)]
    assert [m.span() for m in forms._python_sdk_matches(text, pos)] == expected


def test_a_flood_of_the_python_sdk_prefix_without_a_message_tries_no_regex(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 MB of `[TencentCloudSDKException] code:` with no ` message:` took 0.4 s with the re engine
    (the regex read 16 words after each): now not one attempt of the regex."""
    from kmserr import forms

    calls = []
    real = forms._PY_SDK

    class Counting:
        def match(self, *args: object) -> object:
            calls.append(args[1:])
            return real.match(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(forms, "_PY_SDK", Counting())
    flood = "[TencentCloudSDKException] code:" * 30000 + ' "message": "(10630) key is not existed"'
    assert [f.code for f in Extractor().find(flood)] == ["10630"]
    assert calls == []


def _places_listed(raw: str, at: int) -> list[int]:
    """Where each unescaped character stands, as a list of a number for each (how they were kept)."""
    places: list[int] = []
    done = 0
    for escape in extract._ESCAPE.finditer(raw):
        places.extend(range(at + done, at + escape.start()))
        places.append(at + escape.start())
        done = escape.end()
    places.extend(range(at + done, at + len(raw) + 1))
    return places


@given(st.lists(st.sampled_from(["a", "é", "\\n", "\\\\", '\\"', "\\u89e3", "\\u5BC6", "\\u00e9", "\\x41", "\\U0001F600", "\\UFFFFFFFF",
                                 "\\q", "\\", "code:X", " "]), max_size=12).map("".join), st.integers(0, 50))
def test_each_unescaped_character_is_placed_where_it_stands_escaped(raw: str, at: int) -> None:
    """The places of an unescaped value, kept as runs, are those of a number for each character."""
    _, places = extract._unescape_with_places(raw, at)
    listed = _places_listed(raw, at)
    assert len(places) == len(listed)
    assert [places[i] for i in range(len(listed))] == listed
    with pytest.raises(IndexError):
        places[len(listed)]


def test_rich_at_60_columns_breaks_after_a_tag_that_fills_its_width() -> None:
    """RichHandler at 60 columns (real output): `[TencentCloudSDKException]` fills the width, and
    rich broke the line at the space after it: the SDK's text goes on with `code:` (no fold)."""
    pad = " " * 20
    lines = [f"{pad}{text:<40}" for text in (
        "TencentCloudSDKException:", "[TencentCloudSDKException]", "code:ResourceUnavailable.C",
        "mkDisabled message:CMK is", "disabled.", "requestId:b2d62d1a-0c5f-47", "a7-bf86-6554d9c6172a")]
    (found,) = Extractor().find(lines[5], before="\n".join(lines[:5]) + "\n")
    assert (found.code, found.form, found.message) == ("ResourceUnavailable.CmkDisabled", "python-sdk", "CMK is disabled.")
    assert found.request_id is None  # folded onto the next line: cut, rather than wrong


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20)), max_size=30), st.integers(0, 90))
def test_spans_answer_as_the_positions_they_cover(added: list[tuple[int, int]], pos: int) -> None:
    """`_Spans` (text already explained) against the set of positions its spans cover, whatever
    order and overlap they are added in."""
    from kmserr.extract import _Spans

    spans, covered = _Spans(), set[int]()
    for start, length in added:
        spans.add(start, start + length)
        covered.update(range(start, start + length))
    assert spans.covers(pos) == (pos in covered)
    assert spans.overlaps(pos, pos + 5) == any(p in covered for p in range(pos, pos + 5))
    starts = [start for start, _ in spans.spans()]
    assert starts == sorted(starts) and all(e > s for s, e in spans.spans())
