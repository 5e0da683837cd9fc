"""A legacy code whose message a JSON string escapes (`"(10630) \\u5bc6\\u94a5..."`: json.dumps's
default, ensure_ascii, which python-json-logger, structlog's JSONRenderer and `json.dumps(record)`
handlers use) reads as the record unescaped reads: its code, its message unescaped, the record's
request ID; alike on both cores, in grep's plain output, --json and --summary, and in parse.

The captures are the libraries' real output (tests/data/captures/README.md, "ensure_ascii")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kmserr import _native
from kmserr.extract import Extractor
from kmserr.forms import Finding
from kmserr.matcher import matcher_for
from kmserr.registry import default_registry

from .conftest import Runner

CAPTURES = Path(__file__).parent / "data" / "captures"
FILES = ("python-json-logger-4.2.0-ensure-ascii.txt", "structlog-26.1.0-json-renderer-ensure-ascii.txt")
RID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"
# Each capture's four records: (code, form, message, request ID, codeDesc, gateway code).
CAPTURED = [
    ("10630", "legacy-message", "密钥不存在", None, None, 4530),
    ("10010", "legacy-message", "缺少参数", RID, None, 4000),
    ("10630", "legacy-json", "密钥不存在", None, "KeyNotExist", 4000),  # a body json.dumps'd, escaped twice
    ("10250", "legacy-message", "接口调用频率超过限制 (retry later)", None, None, 4420),
]
Read = tuple[str, str, str, "str | None", "str | None", "int | None"]


def _grep_json(run: Runner, path: Path) -> list[tuple[int, Read, int, int]]:
    result = run("grep", "--json", str(path))
    assert result.exit_code == 0, result.output
    return [(r["line_number"], (m["code"], m["format"], m["message"], m["request_id"], m["code_desc"],
                                m["error_code"]), m["start"], m["end"])
            for r in map(json.loads, result.stdout.splitlines()) for m in r["matches"]]


def _unescaped(line: str) -> str:
    """The record as it would be written with ensure_ascii=False."""
    return json.dumps(json.loads(line), ensure_ascii=False)


@pytest.mark.usefixtures("engine", "core")
@pytest.mark.parametrize("name", FILES)
def test_real_records_read_as_their_unescaped_text(run: Runner, tmp_path: Path, name: str) -> None:
    lines = (CAPTURES / name).read_text(encoding="utf-8").splitlines()
    assert all("\\u" in line for line in lines)  # as the library wrote them: escaped
    plain = tmp_path / "plain.log"
    plain.write_text("\n".join(map(_unescaped, lines)) + "\n", encoding="utf-8")
    found = _grep_json(run, CAPTURES / name)
    assert [(n, read) for n, read, _, _ in found] == list(enumerate(CAPTURED, 1))
    assert [read for _, read, _, _ in _grep_json(run, plain)] == CAPTURED
    # The code's span is its digits in the line as written.
    assert [lines[n - 1][start:end] for n, read, start, end in found] == [read[0] for _, read, _, _ in found]
    assert run("grep", "--no-annotate", str(CAPTURES / name)).stdout.splitlines() == lines
    summary = run("grep", "--summary", "--format", "json", str(CAPTURES / name)).stdout
    assert summary == run("grep", "--summary", "--format", "json", str(plain)).stdout
    # parse reads each record as grep does.
    for line, (code, form, message, rid, _, _) in zip(lines, CAPTURED, strict=True):
        [parsed] = json.loads(run("parse", "--format", "json", input=line.encode()).stdout)
        assert (parsed["code"], parsed["format"], parsed["message"], parsed["request_id"]) == (code, form, message, rid)


# An escaped first letter of every kind: CJK, accented Latin, fullwidth, a surrogate pair's, an
# ASCII one escaped; and a code the catalogue does not hold, found as its English text is.
LETTERS = ["(10630) 密钥不存在", "(10630) Clé introuvable", "(10630) Ｋｅｙ ｇｏｎｅ", "(10630) \U0001d400bc",
           "(10630)密钥", "(12345) 中"]


@pytest.mark.usefixtures("engine", "core")
@pytest.mark.parametrize("message", LETTERS)
def test_every_escaped_letter_reads_as_unescaped(run: Runner, tmp_path: Path, message: str) -> None:
    # The message alone, after English text, and after Chinese (a fullwidth colon, escaped too, before it).
    records = [{"event": f"decrypt failed: {message}", "level": "error"},
               {"level": "error", "msg": message, "requestId": "7c0e4b1a-2d3f-4e5a"},
               {"level": "error", "msg": f"请求失败：{message}"}]
    escaped, plain = tmp_path / "escaped.log", tmp_path / "plain.log"
    escaped.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    plain.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    assert "\\u" in escaped.read_text(encoding="utf-8")
    found = [read for _, read, _, _ in _grep_json(run, escaped)]
    code, text = message[1:6], message[7:].lstrip()
    assert [(f[0], f[2], f[3]) for f in found] == [(code, text, None), (code, text, "7c0e4b1a-2d3f-4e5a"),
                                                   (code, text, None)]
    assert found == [read for _, read, _, _ in _grep_json(run, plain)]


@pytest.mark.usefixtures("engine", "core")
def test_an_escape_of_no_letter_is_no_legacy_code(run: Runner) -> None:
    # As unescaped: `(10630) ` before a NUL, a newline, a digit, an emoji, a lone surrogate is no
    # code; nor is an escaped backslash before `u` (the text holds `\u5bc6`), nor an escape outside
    # any double-quoted string (a plain line, a single-quoted one: the text holds a backslash).
    lines = [json.dumps({"msg": f"failed: (10630) {tail}"}) for tail in ("\x00", "\n", "1", "\U0001f600 oops")]
    lines += ['{"msg": "failed: (10630) \\ud835"}', '{"msg": "failed: (10630) \\\\u5bc6"}',
              "ERROR kms: (10630) \\u5bc6\\u94a5", "ERROR kms: '(10630) \\u5bc6\\u94a5'"]
    result = run("grep", "--json", input="\n".join(lines) + "\n")
    assert (result.exit_code, result.stdout) == (1, "")


@pytest.mark.usefixtures("engine", "core")
def test_records_in_docker_and_cri_envelopes(run: Runner) -> None:
    # The record in Docker's json-file `log` string is escaped again (`\\u5bc6`); in CRI's it stands.
    lines = (CAPTURES / FILES[1]).read_text(encoding="utf-8").splitlines()
    docker = [json.dumps({"log": line + "\n", "stream": "stderr", "time": "2024-05-14T08:00:00.123456789Z"},
                         separators=(",", ":"), ensure_ascii=False) for line in lines]
    cri = [f"2024-05-14T08:00:00.123456789Z stderr F {line}" for line in lines]
    result = run("grep", "--json", input="\n".join(docker + cri) + "\n")
    records = [json.loads(r) for r in result.stdout.splitlines()]
    got = [(m["envelope"], m["code"], m["format"], m["message"], m["request_id"], m["code_desc"])
           for r in records for m in r["matches"]]
    want = [(code, form, message, rid, desc) for code, form, message, rid, desc, _ in CAPTURED]
    assert got == [("docker", *w) for w in want] + [("cri", *w) for w in want]


@pytest.mark.usefixtures("engine", "core")
def test_an_english_message_escaped_in_part_reads_as_before(run: Runner) -> None:
    line = json.dumps({"msg": "(10630) key is not existed \u2014 retry", "level": "error"})
    assert "\\u2014" in line
    [record] = map(json.loads, run("grep", "--json", input=line + "\n").stdout.splitlines())
    [match] = record["matches"]
    assert (match["code"], match["message"], match["message_agrees"]) == ("10630", "key is not existed — retry", True)


# --- the property: a record escaped reads as the same record unescaped ------------------------------

EX = Extractor()
Key = tuple[str, str, "str | None", "str | None", "str | None", "int | None", "int | None"]


def _keys(found: list[Finding]) -> list[Key]:
    return [(f.code, f.form, f.message, f.request_id, f.code_desc, f.error_code, f.module_code) for f in found]


# Not `İ`, whose lower() is two characters: the request ID beside it is lost as it stands too.
letters = st.characters(categories=["Lu", "Ll", "Lt", "Lm", "Lo"], exclude_characters="İ")
rests = st.text(st.characters(codec="utf-8", exclude_characters="\n\rİ"), max_size=12)
records = st.fixed_dictionaries({
    "code": st.sampled_from(["10630", "10010", "12345", "100004"]),
    "first": letters,
    "rest": rests,
    # Before the code: nothing, a space, a fullwidth colon or space (escaped: `\\uff1a`), `败` (a word's: no code).
    "prefix": st.sampled_from(["", "decrypt failed: ", "请求失败：", "错误　", "解密失败", "é "]),
    "key": st.sampled_from(["msg", "message", "event", "error"]),
    "rid": st.sampled_from([None, "7c0e4b1a-2d3f-4e5a"]),
    "body": st.booleans(),  # a legacy body json.dumps'd into the record's message
})


def _record(drawn: dict[str, object]) -> tuple[str, str]:
    """The record written escaped (ensure_ascii) and as it stands (ensure_ascii=False)."""
    message = f"({drawn['code']}) {drawn['first']}{drawn['rest']}"
    pair = []
    for ascii_only in (True, False):
        value = f"{drawn['prefix']}{message}"
        if drawn["body"]:
            body = {"code": 4000, "message": message, "codeDesc": "KeyNotExist"}
            value = f"resp: {json.dumps(body, ensure_ascii=ascii_only)}"
        record = {"level": "error", str(drawn["key"]): value}
        if drawn["rid"]:
            record["requestId"] = drawn["rid"]
        pair.append(json.dumps(record, ensure_ascii=ascii_only))
    return pair[0], pair[1]


@given(records)
@example({"code": "10630", "first": "密", "rest": "钥不存在", "prefix": "", "key": "msg", "rid": None, "body": False})
@example({"code": "10630", "first": "\U0001d400", "rest": "", "prefix": "", "key": "msg", "rid": None, "body": True})
def test_an_escaped_record_reads_as_its_unescaped_text(drawn: dict[str, object]) -> None:
    escaped, plain = _record(drawn)
    found = EX.find(escaped)
    assert bool(found) == (drawn["body"] or drawn["prefix"] != "解密失败"), escaped
    assert _keys(found) == _keys(EX.find(plain))
    assert {escaped[f.start : f.end] for f in found} <= {drawn["code"]}


@pytest.fixture(scope="module")
def native() -> _native.NativeCore:
    core = _native.load()
    if core is None:
        pytest.skip("the compiled core is not built or not loadable")
    return core.from_matcher(matcher_for(default_registry()))


@given(st.lists(records, min_size=1, max_size=4))
def test_the_compiled_core_reads_or_hands_back_escaped_records(native: _native.NativeCore,
                                                                 drawn: list[dict[str, object]]) -> None:
    # Each escaped record is a candidate of the compiled core, read as the extractor reads it or
    # handed back to it: none is lost.
    lines = [_record(d)[0] for d in drawn]
    buf = "".join(line + "\n" for line in lines).encode("utf-8")
    read = native.read(buf, 0, len(buf))
    assert [buf[start:end].decode() for start, end, _ in read] == lines
    for (start, end, found), line in zip(read, lines, strict=True):
        if found is None:
            found = native.read_unescaped(buf, start, end)
        if found is not None:
            assert list(found) == EX.find(line)


@pytest.mark.usefixtures("engine", "core")
def test_a_quoted_legacy_message_ends_at_its_closing_quote(run: Runner) -> None:
    # Found by the property above: a message that opens a JSON string ended at the first escaped
    # quote inside it (`key \`), and was stripped before it was unescaped (`A\x85`, whose escape is
    # no space as it stands); a body's message alike.
    lines = [json.dumps({"msg": '(10630) key "k1" gone', "level": "error"}),
             json.dumps({"msg": "(10630) A\x85", "level": "error"}),
             json.dumps({"code": 4000, "message": '(10630) key "k1" gone', "codeDesc": "KeyNotExist"})]
    records = [json.loads(r) for r in run("grep", "--json", input="\n".join(lines) + "\n").stdout.splitlines()]
    assert [(m["format"], m["message"]) for r in records for m in r["matches"]] == [
        ("legacy-message", 'key "k1" gone'), ("legacy-message", "A"), ("legacy-json", 'key "k1" gone')]
