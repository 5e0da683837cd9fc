"""Lines a regex vouches for (`PythonCore.vouch`): read by their form and code alone, they must print
as the full extractor reads them.

Plain output and `-c` in pure Python take a common line whose whole text one regex matches
(`core._V_PLAIN_SDK`, `_V_QUOTED_SDK`, `_V_API3`, `_V_LEGACY`, `_V_LEGACY_BODY`, with `_vouchers`
for the text around the error)
without the engine's candidates, the batches or a `Finding`. The differential tests compare that
output with the one of the same files with vouching off (`core.VOUCH`) and with the full extractor
of every line (`core.FAST_PATH` off): on lines of the common forms mutated by what may change their
reading (another error, a name or a legacy code beside it, quotes, escapes, envelopes, near-miss
names, long lines, other scripts), and on every fixture in tests/data.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kmserr import core, search
from kmserr.core import PythonCore
from kmserr.matcher import matcher_for
from kmserr.registry import default_registry
from kmserr.render import Style, line_printer
from kmserr.search import Search
from tests.conftest import ENGINES
from tests.test_native import DATA

HEAD = "2024-05-14T08:00:00.016Z ERROR [3d37e09e463d47fd] kms-client: Encrypt "
SDK = "[TencentCloudSDKException] code:<code> message:<message> requestId:<rid>"
COMMON = (
    HEAD + "raised " + SDK,
    '{"time":"2024-05-14T08:00:00.016Z","level":"error","msg":"Encrypt failed","error":"' + SDK + '","region":"x"}',
    HEAD + 'response {"Response": {"Error": {"Code": "<code>", "Message": "<message>"}, "RequestId": "<rid>"}}',
    HEAD + 'response {"Error":{"Code":"<code>","Message":"<message>"},"RequestId":"<rid>"}',
    HEAD + "request rejected: (10630)<message> action=Decrypt <code> <rid>",
    '{"time":"2024-05-14T08:00:00.016Z","level":"error","msg":"x","error":"(10630) <message> <code>","id":"<rid>"}',
    HEAD + 'returned {"code": 4000, "message": "(10630)<message>", "codeDesc": "<code>"} <rid>',
    HEAD + 'returned {"code":"4100","message":"(10010) <message>","codeDesc":"<code>"}',
    HEAD + 'failed keyId=k-1 "message": "(10630) <message>" <code> <rid>',
    HEAD + 'failed "message":"(100004)<message>" <code> <rid>',
    HEAD + "request rejected: (100004) <message> action=Decrypt <code> <rid>",
)


def fill(form: str, code: str, message: str, rid: str) -> str:
    """A line of a form with its code, message and request ID."""
    return form.replace("<code>", code).replace("<message>", message).replace("<rid>", rid)


def vouching_is_off_here() -> bool:
    """Whether this Python's re lacks sound possessive quantifiers (`core.POSSESSIVE`: before
    CPython 3.11.5, on PyPy), where nothing is vouched for: then it checks that a common line of
    each form is not, and the caller's checks of vouching have nothing to check."""
    if core.POSSESSIVE:
        return False
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    buf = "".join(fill(form, "AuthFailure", "m", "r-1") + "\n" for form in COMMON).encode()
    assert reader.vouch(buf, 0, len(buf)) == []
    return True


# What may change a line's reading, put anywhere in it.
SPOILERS = (
    "InternalError", "AuthFailure.SignatureFailure", "ResourceUnavailable", "InvalidParameterValue", "Internal",
    "(10630) key gone", "(100)x", "1) y", "(x1) y", "(49757 keys)", '"', '"code"', '"Code"', '"locals"', '"MESSAGE"',
    "\\", "\\u6570", "\\n", "SDK", "TencentCloudSDKException: ", "[TencentCloudSDKException] code:X message:y",
    "code:", "code: 'X',", "Code: X, Message: y", "ErrorCode=", "RequestId=", "='", "=", "\r", "\t", " ", "None",
    "(", ")", "{", "}", "[", "]", ":", "解密失败", "\u3000", "\xa0", "é", "\x1c", "\x00", "\udcff", "requestId:",
    " requestId:None", "message:", '{"log":"', "Record was: {", "│ ", "  ", "R", "Jan 1 ", "<13>", "x" * 4100,
)
codes = st.sampled_from(["AuthFailure", "InternalError", "ResourceUnavailable.CmkDisabled", "KmsTeam.Quota", "none",
                         "Null", "Q9", "InvalidParameterValue.InvalidKeyId", "ClientError"])
MESSAGES = ("The CMK is disabled.", "解密失败 keyId=k-1", "None", "None.", "(10630) bad", " spaced",
                            "CMK数量超过限制 (4975 keys in ap).", "limit: 107 calls (2) max", "m", "x='y'", "Nonesuch", "see code:X message:y",
                            "Code: X, Message: y", "a [TencentCloudSDKException] code:Y message:z", "b (10630) c",
                            "RequestId=r, ErrorCode=X, ErrorMessage=y", "kms.(10630) d", '"q" x', "\\u6570 x", "\u3000x",
            "requestId:r-2 x", "x requestId:None y")
messages = st.sampled_from(MESSAGES)
rids = st.sampled_from(["ef895e4f-1e90-445d-a870-a6eb1669d50e", "abc", "None", "undefined", "nil-1", "r_1"])


@st.composite
def common_line(draw: st.DrawFn, code: str) -> str:
    """A line of a common form with this code, maybe mutated: a spoiler put at some place, its head changed."""
    line = fill(draw(st.sampled_from(COMMON)), code, draw(messages), draw(rids))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(line)))
        line = line[:at] + draw(st.sampled_from(SPOILERS)) + line[at:]
    if draw(st.booleans()):
        line = draw(st.sampled_from(["", "2024-05-14T08:00:00Z stdout F ", "12 ", "x ", "  ", "Jan  1 host: "])) \
            + line[draw(st.sampled_from([0, 25, len(HEAD)])):]
    return line


def grep(path: Path, *, numbers: bool) -> tuple[bytes, int, bytes]:
    """Pure Python's plain output of a file (file names and line numbers), `-c`'s count and the
    output of `--json` (lines a regex vouches for written from its match: `PythonCore.vouch_json`),
    read by new block cores (a core keeps the (form, code)s it refused to vouch for: a test's lines
    are judged by the regexes, not by what an earlier test's lines refused)."""
    matcher_for(default_registry()).cores.clear()
    out = io.BytesIO()
    sink = line_printer(out, "plain", Style(), with_filename=True, line_numbers=numbers, annotate=True,
                        encoding="utf-8")
    run = Search(default_registry(), sink, lambda path, problem: None, count_lines=numbers, jobs=1)
    run.search(str(path))
    sink.flush()
    counted = Search(default_registry(), None, lambda path, problem: None, count_lines=False, jobs=1,
                     count_codes=False)
    counted.search(str(path))
    assert counted.lines_per_input[-1][1] == out.getvalue().count(b"\n")
    matcher_for(default_registry()).cores.clear()
    records = io.BytesIO()
    sink = line_printer(records, "json", Style(), with_filename=True, line_numbers=True, annotate=True,
                        encoding="utf-8")
    Search(default_registry(), sink, lambda path, problem: None, jobs=1).search(str(path))
    sink.flush()
    assert records.getvalue().count(b"\n") == counted.lines_per_input[-1][1]
    return out.getvalue(), counted.lines_per_input[-1][1], records.getvalue()


def three_ways(path: Path, engine: str, *, numbers: bool = False) -> bytes:
    """The output with vouching, asserted equal to that without it and to the full extractor's."""
    with pytest.MonkeyPatch.context() as m:
        m.setenv(core.ENV, "1")
        m.setenv("KMSERR_ENGINE", engine)
        vouched = grep(path, numbers=numbers)
        m.setattr(core, "VOUCH", False)
        assert grep(path, numbers=numbers) == vouched
        m.setattr(core, "FAST_PATH", False)
        assert grep(path, numbers=numbers) == vouched
    return vouched[0]


@given(codes.flatmap(lambda code: st.tuples(st.just(code), st.lists(
           st.tuples(common_line(code), st.sampled_from(["\n", "\r\n"])), min_size=1, max_size=10))),
       st.sampled_from([64, 1 << 20]), st.sampled_from(ENGINES), st.booleans())
@example(("AuthFailure", [(fill(COMMON[0], "AuthFailure", "m", "r"), "\n")] * 2), 1 << 20, "hyperscan", True)
def test_mutated_common_lines(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, list[tuple[str, str]]], block: int, engine: str,
    numbers: bool,
) -> None:
    """Mutated lines of one code, after a clean line of each form of it (so that the code's check
    by the full extractor passes first, and the mutated lines are the regexes' alone to judge)."""
    code, lines = drawn
    clean = "".join(fill(form, name, "The CMK is disabled.", "r-1") + "\n" for name in (code, "q") for form in COMMON)
    data = (clean + "".join(line + eol for line, eol in lines)).encode("utf-8", "surrogateescape")
    path = tmp_path_factory.mktemp("vouch") / "a.log"
    path.write_bytes(data * 2)  # each (form, code) met again once checked
    with pytest.MonkeyPatch.context() as m:
        m.setattr(search, "BLOCK_SIZE", block)
        three_ways(path, engine, numbers=numbers)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("numbers", [False, True])
def test_every_fixture(tmp_path: Path, engine: str, numbers: bool) -> None:
    """Every file in tests/data, each whole and all of them in one file."""
    files = [p for p in sorted(DATA.rglob("*")) if p.is_file()]
    for path in files:
        three_ways(path, engine, numbers=numbers)
    joined = tmp_path / "all.log"
    joined.write_bytes(b"\n".join(p.read_bytes() for p in files) * 2)
    three_ways(joined, engine, numbers=numbers)


def test_the_common_forms_are_vouched_for() -> None:
    """Each common form, as logged, is vouched for with its key (the tests above would pass with
    nothing vouched); with a name before it, a second error or a quote in its message, it is not."""
    if vouching_is_off_here():
        return
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    # (a legacy message's text is outside its error: a name there would be an error of its own)
    lines = [fill(form, "AuthFailure" if "Code" in form or "code:" in form or "codeDesc" in form else "q",
                  "The CMK is disabled.", "r-1") for form in COMMON]
    lines += [
        HEAD.replace("Encrypt", "InternalError") + "raised " + fill(SDK, "AuthFailure", "m", "r"),
        HEAD + "raised " + fill(SDK, "AuthFailure", "see code:X message:y", "r"),
        HEAD + "raised " + fill(SDK, "AuthFailure", "a (10630) b", "r"),
        HEAD + "raised " + fill(SDK, "AuthFailure", 'say "hi"', "r"),
        fill(COMMON[1].replace('"region":"x"', '"region":"InternalError"'), "AuthFailure", "m", "r"),
        '{"log":"' + fill(COMMON[1], "AuthFailure", "m", "r")[1:],
    ]
    buf = "\n".join(lines).encode() + b"\n"
    vouched = reader.vouch(buf, 0, len(buf))
    forms = ["python-sdk", "python-sdk", "api3-json", "api3-json"]
    assert [key for _, _, key in vouched] == [
        *[("AuthFailure", None, None, None, form) for form in forms],
        ("10630", 10630, None, None, "legacy-message"), ("10630", 10630, None, None, "legacy-message"),
        ("10630", 10630, 4000, "AuthFailure", "legacy-json"), ("10010", 10010, 4100, "AuthFailure", "legacy-json"),
        # a legacy message quoted in a timed line (`"message": "(...`), codes of six digits
        ("10630", 10630, None, None, "legacy-message"), ("100004", 100004, None, None, "legacy-message"),
        ("100004", 100004, None, None, "legacy-message"),
    ]
    starts = [0, *[i + 1 for i, byte in enumerate(buf) if byte == ord("\n")]]
    assert [(s, e) for s, e, _ in vouched] == [(starts[i], starts[i + 1] - 1) for i in range(len(COMMON))]


def test_a_message_with_escaped_ideographs_is_vouched_for(tmp_path: Path) -> None:
    """The SDK's text in a JSON string whose message holds escapes of CJK ideographs or `。` (as
    Python's json writes non-ASCII text: lower-case hex) is vouched for, its first line of each code
    read by the full extractor apart from those without escapes; any other escape (upper-case hex,
    where a name's literal may begin: `\u4DCAuthFailure`) leaves the line to the extractor."""
    if vouching_is_off_here():
        return
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    good = ["\\u89e3\\u5bc6\\u5931\\u8d25 keyId=k-1", "CMK\\u6570\\u91cf (4 keys)\\u3002", "\\u9650 x \\u9650"]
    bad = ["\\u0041 x", "\\u4DCAuthFailure x", "x\\n y", "\\u3000x", 'x \\u89e3\\"', "\\ud83d\\ude00 x", "\\u89e3 code:X", "\\u89e3 (10630) y"]
    lines = [fill(COMMON[1], "AuthFailure", message, "r-1") for message in (*good, *bad)]
    buf = "\n".join(lines).encode() + b"\n"
    vouched = reader.vouch(buf, 0, len(buf))
    starts = [0, *[i + 1 for i, byte in enumerate(buf) if byte == ord("\n")]]
    assert vouched == [(starts[i], starts[i + 1] - 1, ("AuthFailure", None, None, None, "python-sdk"))
                       for i in range(len(good))]
    assert set(reader._vouched) == {("python-sdk\\u", b"AuthFailure")}
    path = tmp_path / "a.log"
    path.write_bytes(buf * 2)
    assert three_ways(path, "re").count(b"\n") == 2 * len(lines)


def test_a_level_is_one_step_only_where_no_name_can_begin_in_it() -> None:
    """A timed line's level (`ERROR`) is read in one step, not a check at each capital, unless a code
    name's literal could begin in it: a team's `ERRORS.Quota` makes `ERROR` a name's beginning there,
    and the line's head is then refused, as the check at each capital refuses it."""
    if vouching_is_off_here():
        return
    head = HEAD.encode()
    assert core._vouchers(("AuthFailure",)).time_head(head) is not None
    assert b"(?:ERROR|" in core._vouchers(("AuthFailure",)).time_head.__self__.pattern  # type: ignore[attr-defined]
    team = core._vouchers(("ERRORS.Quota",))
    assert b"ERROR|" not in team.time_head.__self__.pattern  # type: ignore[attr-defined]
    assert team.time_head(head) is None
    assert team.time_head(head.replace(b"ERROR", b"INFO")) is not None
    assert team.time_head(head.replace(b"ERROR", b"ERRORS")) is None


def test_a_code_the_full_extractor_reads_otherwise_is_not_vouched_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first line of each (form, code) is read by the full extractor too: where it disagrees,
    none of that code's lines of that form is vouched for."""
    if vouching_is_off_here():
        return
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    monkeypatch.setattr(reader, "_extractor", type("Blind", (), {"names": matcher.extractor.names,
                                                                  "find": staticmethod(lambda *a, **k: [])})())
    buf = (fill(COMMON[0], "AuthFailure", "m", "r") + "\n").encode() * 3
    assert reader.vouch(buf, 0, len(buf)) == []
    assert reader._vouched == {("python-sdk", b"AuthFailure"): ()}


@pytest.mark.parametrize("engine", ENGINES)
def test_each_spoiler_at_each_place(tmp_path: Path, engine: str) -> None:
    """Each spoiler and each message put at each place of each common form (the line's start, before
    the error, in its code, message and request ID, its end), after a clean line of each form: one file."""
    lines = spoiled_lines()
    path = tmp_path / "a.log"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape") + b"\n")
    printed = three_ways(path, engine, numbers=True)
    assert printed.count(b"\n") > len(lines) // 2


def test_blanked_lines_keep_their_places() -> None:
    """Vouched lines are made spaces, every byte kept in its place; lines that overlap (no two forms
    vouch for one line) give None, and the block is read as if none were vouched for."""
    key = ("AuthFailure", None, None, None, "python-sdk")
    assert core.blank(b"ab\ncde\nf\n", [(0, 2, key), (3, 6, key)]) == b"  \n   \nf\n"
    assert core.blank(b"ab\ncde\nf\n", [(0, 4, key), (3, 6, key)]) is None


def test_a_block_without_common_lines_pauses_vouching() -> None:
    """After a block of 64 KB or more with fewer vouched lines than one per 4 KB, the next
    `_VOUCH_PAUSE` blocks are left to `read_texts` (the regexes cost more than the engine there);
    then a block is looked at again. A small block (a line a read cut) pauses nothing."""
    if vouching_is_off_here():
        return
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    common = (fill(COMMON[0], "AuthFailure", "m", "r-1") + "\n").encode()
    ordinary = b"2024-05-14T08:00:00.016Z INFO [5b69] kms-client: Encrypt ok (12 ms)\n" * 1000
    assert reader.vouch(ordinary[:200], 0, 200) == []
    assert len(reader.vouch(common, 0, len(common))) == 1
    assert reader.vouch(ordinary + common, 0, len(ordinary) + len(common)) != []  # one in 69 KB: paused after
    for _ in range(core._VOUCH_PAUSE):
        assert reader.vouch(common, 0, len(common)) == []
    assert len(reader.vouch(common, 0, len(common))) == 1


def test_a_block_of_long_lines_is_not_searched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines longer than WINDOW on average (a flood of `(10630)`) hold no line a regex vouches for:
    no regex searches them, where each would try its literal's every place; the block is read as
    before, and a common line in a block of short lines still vouched for."""
    if vouching_is_off_here():
        return
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    searched: list[int] = []
    real = core._vouchers(matcher.extractor.names)

    def counting(finditer: Any) -> Any:
        def wrapped(buf: bytes, start: int, end: int) -> Any:
            searched.append(end - start)
            return finditer(buf, start, end)
        return wrapped

    spied = real._replace(**{name: counting(getattr(real, name))
                             for name in ("plain_sdk", "quoted_sdk", "api3", "legacy", "legacy_body")})
    monkeypatch.setattr(core, "_vouchers", lambda names, json=False: spied)
    common = (fill(COMMON[0], "AuthFailure", "m", "r-1") + "\n").encode()
    flood = (b"(10630)" * 2000)[: core.WINDOW * 3] + b"\n"
    assert reader.vouch(flood + common, 0, len(flood) + len(common)) == []
    assert searched == []
    assert len(reader.vouch(common, 0, len(common))) == 1
    assert searched


def selected_now(buf: bytes, start: int, end: int) -> list[tuple[int, int, object]]:
    """The lines `PythonCore.vouch` picks in `buf[start:end]`, each with its (form, what its key
    depends on), before the full extractor's check of each (form, code), which is left out here."""
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    reader._vouch_first = lambda buf, line_start, line_end, form, ident: (form, ident)  # type: ignore[method-assign]
    return [(line_start, line_end, key) for line_start, line_end, key in reader.vouch(buf, start, end)]


def selected_before(buf: bytes, start: int, end: int) -> list[tuple[int, int, object]]:
    """The same lines as the five regexes of before picked them (tests/vouch_reference.py), in a
    block whose lines are WINDOW bytes long at most on average (`vouch` looks in no other)."""
    # Imported here: its regexes take possessive quantifiers, which Python 3.10's re cannot compile
    # (the tests that ask for it return first there: `vouching_is_off_here`).
    from tests import vouch_reference

    if buf.count(b"\n", start, end) * core.WINDOW < end - start:
        return []
    names = matcher_for(default_registry()).extractor.names
    return [(line_start, line_end, (form, ident))
            for line_start, line_end, form, ident in vouch_reference.selected(names, buf, start, end)]


def spoiled_lines() -> list[str]:
    """Each spoiler and each message at each place of each common form, and clean lines of each."""
    lines = [fill(form, code, "The CMK is disabled.", "r-1") for form in COMMON for code in ("AuthFailure", "Q9", "q")]
    for form in COMMON:
        marked = fill(form, "Auth<c>Failure", "The <m>CMK", "r-<r>1")
        for spoiler in (*SPOILERS, *MESSAGES):
            for place in (0, max(0, form.index("<") - 8), *[marked.index(m) for m in ("<c>", "<m>", "<r>") if m in marked],
                          len(marked)):
                line = marked[:place] + spoiler + marked[place:]
                lines.append(line.replace("<c>", "").replace("<m>", "").replace("<r>", ""))
    return lines


def test_the_same_lines_as_the_five_regexes_of_before() -> None:
    """The regexes that run to each line's end pick the lines the five regexes and their checks of
    before picked, with the same forms and codes: every spoiler at every place of every form, in
    one block, the first line with no newline before it and the last with none after it."""
    if vouching_is_off_here():
        return
    buf = "\n".join(spoiled_lines()).encode("utf-8", "surrogateescape")
    now = selected_now(buf, 0, len(buf))
    assert now == selected_before(buf, 0, len(buf))
    assert len(now) > 100
    second = buf.index(b"\n") + 1
    assert selected_now(buf, second, len(buf) - 9) == selected_before(buf, second, len(buf) - 9)


@given(st.lists(st.tuples(codes.flatmap(common_line), st.sampled_from(["\n", "\r\n", ""])), min_size=1, max_size=12),
       st.integers(0, 40))
def test_the_same_lines_as_before_on_mutated_lines(lines: list[tuple[str, str]], cut: int) -> None:
    """The same on Hypothesis's mutated lines of the common forms, run together or not, the block
    cut anywhere (a line with no newline at its end, a block that begins in a line)."""
    if vouching_is_off_here():
        return
    buf = "".join(line + eol for line, eol in lines).encode("utf-8", "surrogateescape")
    assert selected_now(buf, 0, len(buf)) == selected_before(buf, 0, len(buf))
    start, end = min(cut, len(buf)), max(0, len(buf) - cut)
    if start <= end:
        assert selected_now(buf, start, end) == selected_before(buf, start, end)


# Messages and request IDs whose reading from a vouching match differs from the text's where a step
# of it is left out: blanks at their ends (ASCII, tabs, other scripts'), control characters, DEL,
# what `json_safe` escapes, `request` in a message (a legacy line's request ID is read anywhere).
JSON_MESSAGES = ("The CMK is disabled.", "trailing  ", "tab\tin", "end\t", "wide\u3000", "解密失败。", "解密失败 ",
                 "x\xa0", "\u3164x", "del\x7fx", "request parameters", "request_id: abcdefgh-1", "x requestid=undefined",
                 "RequestId: 12345678", "“quoted”", "\x1cx\x1c", "é ", "x request-id=abcdefg", "request_id:'abc-12345'")
JSON_RIDS = ("ef895e4f-1e90-445d-a870-a6eb1669d50e", "abc", "undefined", "null", "", "r_1", "NONE")


def test_json_records_of_vouched_lines_are_the_full_extractors(tmp_path: Path) -> None:
    """--json of lines a regex vouches for (`PythonCore.vouch_json`: message, request ID and span read
    from the match) is that of the full extractor's findings, for each common form with messages and
    request IDs whose reading differs where a step of it is left out; most lines vouched for."""
    lines = [fill(form, code, message, rid) for code in ("AuthFailure", "q") for form in COMMON
             for message in JSON_MESSAGES for rid in JSON_RIDS]
    data = "\n".join(lines).encode() + b"\n"
    path = tmp_path / "a.log"
    path.write_bytes(data)
    for engine in ENGINES:
        three_ways(path, engine, numbers=True)
    if vouching_is_off_here():
        return
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    vouched = reader.vouch_json(data, 0, len(data))
    assert len(vouched) > len(lines) // 3
    assert {detail[8] is None for detail in vouched} == {True, False}  # printable ASCII, and not
    # Each line's reading, not only the first of its (form, code) that `_json_first` checks: those
    # of printable ASCII are read in `_vouch` itself, the others by `_json_detail`.
    for detail in vouched:
        text = detail[8] or data[detail[0] : detail[1]].decode("ascii")
        assert tuple(matcher.extractor.find(text)) == (core.json_finding(detail),), text
        if detail[8] is None:  # a line of ASCII as a record's "line" holds it
            assert detail[3] == json.dumps(text, ensure_ascii=False)[1:-1].encode("ascii"), text
        else:
            assert detail[3] == data[detail[0] : detail[1]]
    assert any(b'\\"' in detail[3] for detail in vouched)


def test_a_legacy_lines_request_id_is_read_by_the_extractors_regex_as_bytes() -> None:
    """`core._RID_NEAR` is `forms._REQUEST_ID_ANYWHERE` as bytes (printable ASCII reads alike)."""
    from kmserr import forms

    assert core._RID_NEAR.pattern == forms._REQUEST_ID_ANYWHERE.pattern.encode("ascii")
    assert core._RID_NEAR.flags & re.IGNORECASE and forms._REQUEST_ID_ANYWHERE.flags & re.IGNORECASE


def test_a_line_whose_finding_the_full_extractor_reads_otherwise_is_not_vouched_for_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """For --json the first line of each (form, code) must be read by the full extractor as the one
    `Finding` its match gives, message and request ID too: where only its key agrees, none of those
    lines is vouched for (`vouch_json`), while plain output's `vouch` still takes them."""
    if vouching_is_off_here():
        return
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    real = matcher.extractor.find

    def other_message(*args: Any, **kwargs: Any) -> list[Any]:
        return [finding._replace(message="else") for finding in real(*args, **kwargs)]

    monkeypatch.setattr(reader, "_extractor", type("Other", (), {"names": matcher.extractor.names,
                                                                  "find": staticmethod(other_message)})())
    buf = (fill(COMMON[0], "AuthFailure", "m", "r") + "\n").encode() * 3
    assert reader.vouch_json(buf, 0, len(buf)) == []
    assert reader._vouched_json == {("python-sdk", b"AuthFailure"): ()}
    assert len(reader.vouch(buf, 0, len(buf))) == 3
    fresh = PythonCore(matcher.extractor, matcher.engine)
    assert [detail[6:8] for detail in fresh.vouch_json(buf, 0, len(buf))] == [(b"m", b"r")] * 3


@pytest.mark.parametrize("count_lines", [False, True])
def test_json_lines_of_a_block_keep_their_order_and_numbers(tmp_path: Path, count_lines: bool) -> None:
    """Vouched lines and the lines `read_texts` reads between them (in no common form) are written
    in the file's order, each with its number (0 where lines are not counted), as with vouching off;
    blocks cut mid-file keep counting."""
    lines = []
    for index in range(60):
        lines.append(fill(COMMON[index % len(COMMON)], "AuthFailure", f"m {index}", f"r-{index}"))
        if index % 7 == 0:
            lines.append("ordinary line")
        if index % 5 == 0:
            lines.append(f"2024-05-14T08:00:00Z ERROR Code: InternalError, Message: m {index}")
    path = tmp_path / "a.log"
    path.write_bytes("\n".join(lines).encode() + b"\n")

    def json_out() -> bytes:
        matcher_for(default_registry()).cores.clear()
        out = io.BytesIO()
        sink = line_printer(out, "json", Style(), with_filename=True, line_numbers=True, annotate=True,
                            encoding="utf-8")
        Search(default_registry(), sink, lambda path, problem: None, jobs=1, count_lines=count_lines).search(str(path))
        sink.flush()
        return out.getvalue()

    with pytest.MonkeyPatch.context() as m:
        m.setenv(core.ENV, "1")
        m.setattr(search, "BLOCK_SIZE", 2048)
        vouched = json_out()
        m.setattr(core, "VOUCH", False)
        assert json_out() == vouched
    numbers = [record["line_number"] for record in map(json.loads, vouched.splitlines())]
    assert len(numbers) > 60
    assert numbers == (sorted(numbers) if count_lines else [0] * len(numbers))
