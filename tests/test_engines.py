"""Both engines select exactly the same lines with the same codes, on any input."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.engines import (
    EngineError,
    Guard,
    HyperscanEngine,
    RegexEngine,
    engine_name,
    prefilter_patterns,
    select_engine,
)
from kmserr.extract import Extractor
from kmserr.forms import FAMILIES, GO_SDK, LEGACY_JSON
from kmserr.scan import LineScanner

from .conftest import Runner, feed_in_pieces
from .test_forms import all_cases

EX = Extractor()
PREFILTER = prefilter_patterns()
STRUCTURED, PARENS, CLOSING, NAMES = PREFILTER.coarse, PREFILTER.parens, PREFILTER.closing, PREFILTER.names
STANDALONE = PREFILTER.standalone
LOCATED = [pattern for _, pattern in PREFILTER.located]
FRAGMENTS = [c.text.encode() for c in all_cases()] + [f" {name} ".encode() for name in FAMILIES] + [
    b"(4821) items", b"(010) 12345678", b'{"code":0}', b"code: ", b"Code=", b"(12345", b"AuthFailure",
    b"ClientError", b"\xff\xfe", b"\r", b"\x00", b"\n", b"\r\n", b"   ", b"ResourceUnavailableException",
    b'{"body":"{\\"Error\\":{\\"Code\\":\\"KmsTeam.Quota\\",\\"Message\\":\\"x\\"},\\"RequestId\\":\\"r\\"}"}',
]


def hits(engine: RegexEngine | HyperscanEngine, data: bytes, sizes: list[int]) -> list[tuple[int, bytes, list[str]]]:
    found = feed_in_pieces(LineScanner(EX, engine), data, sizes)
    return [(h.line_number, h.line, [f.code for f in h.findings]) for h in found]


@given(
    parts=st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.binary(max_size=40)), max_size=40),
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=8),
)
def test_engines_agree_on_generated_input(parts: list[bytes], sizes: list[int]) -> None:
    data = b"".join(parts)
    expected = hits(RegexEngine(STRUCTURED, CLOSING, NAMES), data, [len(data) or 1])
    assert hits(RegexEngine(STRUCTURED, CLOSING, NAMES), data, sizes) == expected
    assert hits(HyperscanEngine(LOCATED, PARENS, STANDALONE), data, sizes) == expected


def test_candidates_are_inside_the_matching_line() -> None:
    data = b"first line\nsecond (10630) key is not existed\nthird\n"
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        found = engine.candidates(data, 0, len(data))
        assert found.parens == [18] and found.structured == found.names == found.crowded == []  # "(10630)"
        assert engine.candidates(data, 44, len(data))[:4] == ([], [], [], [])
    data = b"x\nWARN got RequestLimitExceeded now\n"
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        found = engine.candidates(data, 0, len(data))
        assert found.structured == [] == found.crowded == found.parens and found.names
        assert all(18 <= p <= 30 for p in found.names)


@pytest.mark.parametrize("line", ["(١٠٦٣٠) key is not existed", '{"code": "٤٠٠٠", "message": "bad"}',
                                  '{"code":"4٠٠٠","message":"(1٠630) x"}'])
def test_digits_beyond_ascii_are_no_code_to_the_library_or_to_grep(line: str) -> None:
    # int("١٠٦٣٠") is 10630, but no byte prefilter sees such digits: the library must not either.
    assert EX.find(line) == []
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        assert hits(engine, line.encode() + b"\n", [64]) == []


SPACES = st.text(st.sampled_from(" \t\x0b\x0c\r\x1c\x1f\x85\xa0\u2028\u3000"), max_size=3)


@given(st.tuples(SPACES, SPACES, st.sampled_from(["", '"']), st.integers(4000, 6999), SPACES, SPACES, SPACES))
def test_the_legacy_json_locator_sees_every_spacing_the_form_reads(parts: tuple[str, ...]) -> None:
    a, b, quote, code, c, d, e = parts
    line = f'{{"code"{a}:{b}{quote}{code}{quote}{c},{d}"message"{e}:"bad request"}}'
    found = EX.find(line)
    assert [f.form for f in found] == [LEGACY_JSON] and found[0].error_code == code
    locator = re.compile(dict(PREFILTER.located)[LEGACY_JSON])
    assert locator.search(line.encode()) is not None
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        assert hits(engine, line.encode() + b"\n", [64]) == [(1, line.encode(), [str(code)])]


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9_.]{0,30}", fullmatch=True), st.sampled_from(["", " "]))
def test_an_escaped_api3_body_is_located_whatever_its_code(code: str, space: str) -> None:
    # A body logged as a JSON string (`\"Code\"`) is read unescaped by the extractor; its locator
    # must see it too, or a code no name literal finds (a team's own) is lost with Hyperscan.
    body = json.dumps({"Response": {"Error": {"Code": code, "Message": "failed"}, "RequestId": "r-1"}})
    line = json.dumps({"msg": "call failed", "body": body}, separators=(",", ":" + space))
    found = EX.find(line)
    assert [f.code for f in found] == [code]
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        assert hits(engine, line.encode() + b"\n", [64]) == [(1, line.encode(), [code])]


def test_an_escaped_body_with_a_teams_code_is_found_by_both_cores(run: Runner, core: str, engine: str) -> None:
    body = json.dumps({"Response": {"Error": {"Code": "KmsTeam.Quota", "Message": "x"}, "RequestId": "r-1"}})
    line = json.dumps({"msg": "call failed", "body": body})
    result = run("grep", "-c", input=("2024-05-14T08:00:00Z INFO ok\n" * 4 + line + "\n") * 50)
    assert (result.exit_code, result.stdout) == (0, "50\n")


def test_forcing_and_refusing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KMSERR_ENGINE", "re")
    assert engine_name() == "re" and select_engine(PREFILTER).name == "re"
    monkeypatch.setenv("KMSERR_ENGINE", "Hyperscan")
    assert select_engine(PREFILTER).name == "hyperscan"
    monkeypatch.setenv("KMSERR_ENGINE", "grep")
    with pytest.raises(EngineError, match="not an engine"):
        select_engine(PREFILTER)


def test_hyperscan_forced_but_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KMSERR_ENGINE", "hyperscan")
    monkeypatch.setattr("kmserr.engines.hyperscan_available", lambda: False)
    with pytest.raises(EngineError, match="not installed"):
        engine_name()


def test_one_structured_hit_a_line_and_crowded_lines() -> None:
    data = b"a\n" + b'"code":' * 1000 + b"\n" + b"AuthFailure " * 1000 + b"\nz (10630) x\n"
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        hits = engine.candidates(data, 0, len(data))
        second, third, fourth = 2, data.index(b"AuthFailure"), data.index(b"z (")
        # One is enough (re's coarse pattern); Hyperscan's locators see that no form is there.
        assert len([p for p in hits.structured if second <= p < third]) == (1 if engine.name == "re" else 0)
        # Both hostile lines are marked crowded: their names, if any, are looked for in Python.
        assert [second <= p < third for p in hits.crowded].count(True) <= 1
        assert any(third <= p < fourth for p in hits.crowded)
        assert 0 < len(hits.names) <= 257
    lines = hits_of(data)
    assert [n for n, _, _ in lines] == [3, 4]


def hits_of(data: bytes) -> list[tuple[int, bytes, list[str]]]:
    return hits(HyperscanEngine(LOCATED, PARENS, STANDALONE), data, [len(data)])


def test_a_crowded_line_is_looked_at_whole() -> None:
    # Hundreds of near-misses, then a real name: the prefilter lists no more than a few hundred
    # names a line, so the extractor must look at the whole of a crowded line itself.
    line = b"xAuthFailure " * 300 + b"then AuthFailure.SignatureFailure\n"
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        assert hits(engine, line, [len(line)]) == [(1, line.rstrip(b"\n"), ["AuthFailure.SignatureFailure"])]


def test_forms_after_the_point_where_a_crowded_line_was_cut_short() -> None:
    # Hyperscan stops listing a crowded line's names; the forms in the rest are still learnt.
    line = b"AuthFailure " * 300 + b"[TencentCloudSDKError] Code=InternalError, Message=boom, RequestId=r-1\n"
    hits_ = HyperscanEngine(LOCATED, PARENS, STANDALONE).candidates(line, 0, len(line))
    assert hits_.crowded and hits_.kinds == [[form for form, _ in PREFILTER.located].index(GO_SDK)]
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        ((number, _, codes),) = hits(engine, line, [len(line)])
        assert number == 1
        assert codes == ["AuthFailure"] * 99 + ["InternalError"]  # at most 100 a line, in order of priority


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_standing_alone_is_found_by_both_engines(name: str) -> None:
    line = f"ERROR call failed: {name}.SomeDetail: message".encode()
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        assert hits(engine, line, [len(line)]) == [(1, line, [f"{name}.SomeDetail"])], engine.name


def test_names_after_many_structured_hits_in_a_line() -> None:
    # `code: '` is what Node's locator looks for: 100 of them crowd the line with structured hits.
    line = b"code: 'x' " * 100 + b" then RequestLimitExceeded, and (10650) key is disabled\n"
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        hits_ = engine.candidates(line, 0, len(line))
        assert hits_.crowded == [] and hits_.structured and hits_.names and hits_.parens
        if engine.name == "hyperscan":  # 16 listed, then each form of the rest of the line once
            assert 16 < len(hits_.structured) <= 16 + len(LOCATED) and hits_.kinds
        assert hits(engine, line, [len(line)]) == [(1, line.rstrip(b"\n"), ["RequestLimitExceeded", "10650"])]


# Pieces that crowd a line when repeated: forms whole and cut short, each prefilter's literal.
CROWDS = [c.text.encode() for c in all_cases() if "\n" not in c.text] + [
    b'{"Error":{"Code":"AuthFailure","Message":"', b"code: 'x' ", b'"Code":"X" ', b"[TencentCloudSDKException] code:",
    b"(10630) ", b"(10630)", b"AuthFailure ", b"AuthFailure.", b'"code":4000,"message":"', b"TencentCloudSDKException('X', ",
    b"TencentCloudSDKException(", b'{"error":"[TencentCloudSDKException] code:X message:', b"  code: 'InternalError'",
]
TAILS = [b"(10630) key", b" AuthFailure.SignatureFailure", b" then RequestLimitExceeded", b"", b'"}', b"x",
         b"[TencentCloudSDKError] Code=InternalError, Message=boom, RequestId=r-1"]


def findings(engine: RegexEngine | HyperscanEngine, data: bytes, sizes: list[int]) -> list[tuple[int, list[tuple]]]:
    found = feed_in_pieces(LineScanner(EX, engine), data, sizes)
    return [(h.line_number, [(f.code, f.form, f.start, f.message, f.request_id) for f in h.findings]) for h in found]


# Cut short so that no form explains them, and each locator's match ends inside the code name that
# follows it: the bare name is then the library's finding, and Hyperscan's scan stops on the 17th.
CUT = [b'{"Error":{"Code":"AuthFailure","Message":"', b'"Code":"AuthFailure" ', b'"Code": "InvalidParameter.X", ',
       b'{"Error":{"Code":"ResourceUnavailable.CmkDisabled","Message":"', b"[TencentCloudSDKException]message:AuthFailure "]


@given(
    piece=st.one_of(st.sampled_from(CUT), st.sampled_from(CROWDS)), times=st.integers(8, 200),
    tail=st.one_of(st.sampled_from(TAILS), st.binary(max_size=40)),
    sizes=st.lists(st.integers(1, 5000), min_size=1, max_size=4),
)
def test_engines_agree_on_crowded_lines(piece: bytes, times: int, tail: bytes, sizes: list[int]) -> None:
    data = piece * times + tail + b"\n"
    text = data[:-1].decode("utf-8", "surrogateescape").removesuffix("\r")
    library = [(f.code, f.form, f.start, f.message, f.request_id) for f in EX.find(text)]
    expected = [(1, library)] if library and b"\n" not in data[:-1] else None
    got = findings(RegexEngine(STRUCTURED, CLOSING, NAMES), data, sizes)
    assert findings(HyperscanEngine(LOCATED, PARENS, STANDALONE), data, sizes) == got
    if expected is not None:
        assert got == expected


def test_a_name_under_the_structured_hit_that_stops_a_crowded_line() -> None:
    # The 17th structured hit ends inside `"AuthFailure`: the name it cuts is still found.
    line = b'{"Error":{"Code":"AuthFailure","Message":"' * 17 + b"(10630) key\n"
    expected = findings(RegexEngine(STRUCTURED, CLOSING, NAMES), line, [len(line)])
    assert [code for code, *_ in expected[0][1]][-2:] == ["AuthFailure", "10630"]
    assert findings(HyperscanEngine(LOCATED, PARENS, STANDALONE), line, [len(line)]) == expected


@pytest.mark.parametrize("flood", [b"ClientError " * 2000, b"AuthFailure." * 2000, b"xAuthFailure " * 2000,
                                   b"botocore.exceptions.ClientError " * 500, b"docs/AuthFailure " * 1000])
def test_a_flood_of_family_names_that_are_no_code_is_no_candidate_for_hyperscan(flood: bytes) -> None:
    # Hyperscan looks for a family only where an identifier starts (and for `ClientError.` with its
    # dot): none of these lines costs a call back into Python per name, nor a crowded line's regex.
    line = flood + b"then AuthFailure.SignatureFailure\n"
    found = HyperscanEngine(LOCATED, PARENS, STANDALONE).candidates(line, 0, len(line))
    assert found.crowded == [] and len(found.names) <= 2
    for engine in (RegexEngine(STRUCTURED, CLOSING, NAMES), HyperscanEngine(LOCATED, PARENS, STANDALONE)):
        assert hits(engine, line, [len(line)]) == [(1, line.rstrip(b"\n"), ["AuthFailure.SignatureFailure"])]


TEAM = ["AuthFailureTeam.Denied", "ClientErrorTeam.Broken", "TeamAuthFailure.Denied", "ClientError.TeamOwn",
        "Team00001Failure.Reason00001", "Team00001Failure", "LimitExceededByTeam"]
TEAM_EXTRACTOR = Extractor(TEAM)
TEAM_PREFILTER = prefilter_patterns(TEAM)
TEAM_FRAGMENTS = [*(name.encode() for name in TEAM), *(name.encode() for name in FAMILIES), b"ClientError",
                  b".Sub", b".", b" ", b"x", b"_", b"-", b"/", b"\\", "é".encode(), b"\n", b": ", b"\xff"]


@given(parts=st.lists(st.sampled_from(TEAM_FRAGMENTS), max_size=30), sizes=st.lists(st.integers(1, 300), min_size=1, max_size=4))
def test_engines_agree_on_team_names_that_hold_a_family(parts: list[bytes], sizes: list[int]) -> None:
    data = b"".join(parts)
    regex = RegexEngine(TEAM_PREFILTER.coarse, TEAM_PREFILTER.closing, TEAM_PREFILTER.names)
    expected = feed_in_pieces(LineScanner(TEAM_EXTRACTOR, regex), data, [len(data) or 1])
    located = [pattern for _, pattern in TEAM_PREFILTER.located]
    hyperscan = HyperscanEngine(located, TEAM_PREFILTER.parens, TEAM_PREFILTER.standalone)
    assert feed_in_pieces(LineScanner(TEAM_EXTRACTOR, hyperscan), data, sizes) == expected
    # And what the library finds in each line, the scanners find.
    lines = data.split(b"\n")
    library = [line for line in lines if TEAM_EXTRACTOR.find(line.decode("utf-8", "surrogateescape").removesuffix("\r"))]
    assert [hit.line for hit in expected] == library


def test_a_guard_finds_the_literals_absent_from_a_batch_and_those_twice_in_a_line() -> None:
    guard = Guard(["='", '"Code"'], ["SDK"])
    data = b'a SDK b SDK\nSDK x\nc=\'d\' SDK\n{"Code": 1} SDK\nSDK SDK SDK'
    lines = [data.count(b"\n", 0, end - 1) for end in guard.hits(data)]
    assert sorted(set(lines)) == [0, 2, 3, 4]
    assert guard.hits(b"SDK a\nb SDK\n") == []


def test_a_name_after_many_unclosed_bodies_is_found() -> None:
    """Found by Hypothesis: 51 bodies that never close each claim the line from its start; their
    spans, of one start, hid each other from the bisections, names inside them were taken for
    errors, and the findings' cap was reached before the real name at the end."""
    line = b'{"Error":{"Code":"AuthFailure","Message":"' * 51 + b" AuthFailure.SignatureFailure\n"
    want = [(1, [("AuthFailure", "api3-json", 18, "{", None), ("AuthFailure.SignatureFailure", "bare-code", 2143, None, None)])]
    assert findings(RegexEngine(STRUCTURED, CLOSING, NAMES), line, [len(line)]) == want
    assert findings(HyperscanEngine(LOCATED, PARENS, STANDALONE), line, [len(line)]) == want
