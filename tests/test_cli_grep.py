"""`kmserr grep` through Click: files, standard input, options, formats, exit statuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import Runner

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

LOG = (
    b"08:00:00 INFO start\n"
    b'08:00:01 ERROR kms: "message": "(10630) key is not existed"\n'
    b"08:00:02 INFO batch (4821) items\n"
    b"08:00:03 WARN \xff\xfe (10010)lacked of required parameters\n"
    b'08:00:04 ERROR {"code":4000,"message":"(10010)lacked of required parameters"}\n'
)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_bytes(LOG)
    return path


def test_standard_input_plain(run: Runner) -> None:
    result = run("grep", input=LOG)
    assert result.exit_code == 0
    lines = result.stdout_bytes.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(b'08:00:01 ERROR kms: "message": "(10630) key is not existed"\tkmserr: 10630')
    assert lines[1].startswith(b"08:00:03 WARN \xff\xfe (10010)lacked of required parameters\t")


def test_file_and_dash(run: Runner, log: Path) -> None:
    assert run("grep", str(log)).stdout_bytes == run("grep", "-", input=LOG).stdout_bytes


def test_no_annotate_prints_lines_as_they_were(run: Runner, log: Path) -> None:
    result = run("grep", "--no-annotate", str(log))
    assert result.stdout_bytes == b"".join(line for line in LOG.splitlines(keepends=True) if b"(10" in line)


def test_line_numbers_and_filenames(run: Runner, log: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.log"
    other.write_bytes(b"(10650) key is disabled")
    result = run("grep", "-n", "--no-annotate", str(log), str(other))
    assert result.stdout_bytes.splitlines() == [
        f"{log}:2:".encode() + LOG.splitlines()[1],
        f"{log}:4:".encode() + LOG.splitlines()[3],
        f"{log}:5:".encode() + LOG.splitlines()[4],
        f"{other}:1:(10650) key is disabled".encode(),
    ]


def test_count(run: Runner, log: Path) -> None:
    assert run("grep", "--count", str(log)).stdout == "3\n"
    assert run("grep", "-c", "-H", str(log)).stdout == f"{log}:3\n"


def test_summary(run: Runner, log: Path) -> None:
    result = run("grep", "--summary", str(log))
    # the first five columns as they were; retry, action, category and the family whose advice it is after them
    missing = "Add the missing required parameter named in the KMS API reference."
    absent = "Check the KeyId and region; the key does not exist, so retrying cannot help."
    assert result.stdout == (
        f"2\t10010\tlacked of required parameters\t\t\tno\t{missing}\trequest-parameters\t\n"
        f"1\t10630\tkey is not existed\t\t\tno\t{absent}\tkey-state\t\n"
    )
    data = json.loads(run("grep", "--summary", "--format", "json", str(log)).stdout)
    verdict = {"retry": "no", "retryable": False, "advice_from": None}
    assert data == [
        {"code": "10010", "count": 2, "message": "lacked of required parameters", "first_seen": None, "last_seen": None,
         **verdict, "action": missing, "category": "request-parameters"},
        {"code": "10630", "count": 1, "message": "key is not existed", "first_seen": None, "last_seen": None,
         **verdict, "action": absent, "category": "key-state"},
    ]


def test_json_lines(run: Runner, log: Path) -> None:
    result = run("grep", "--json", str(log))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line_number"] for r in records] == [2, 4, 5]
    first = records[0]
    assert first["line"] == LOG.splitlines()[1].decode()
    match = first["matches"][0]
    assert (match["code"], match["module_code"], match["error_code"]) == ("10630", 10630, 4530)
    assert LOG.splitlines()[1][match["start"] : match["end"]] == b"10630"
    assert records[1]["line_base64"]
    assert records[2]["matches"][0]["format"] == "legacy-json"


def test_table_format_on_request(run: Runner, log: Path) -> None:
    result = run("grep", "--format", "table", str(log))
    assert "↳ kmserr: 10630" in result.stdout
    assert "\\xff\\xfe" in result.stdout  # undecodable bytes shown escaped on a terminal


def test_no_match_exits_1(run: Runner) -> None:
    result = run("grep", input=b"nothing here\n(4821) items\n")
    assert result.exit_code == 1
    assert result.stdout == ""


def test_missing_file_exits_2_after_searching_the_others(run: Runner, log: Path, tmp_path: Path) -> None:
    missing = tmp_path / "absent.log"
    result = run("grep", "-c", str(missing), str(log))
    assert result.exit_code == 2
    assert result.stderr == f"kmserr: grep: {missing}: No such file or directory\n"
    assert result.stdout == f"{log}:3\n"


def test_directory_is_an_error(run: Runner, tmp_path: Path) -> None:
    result = run("grep", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"kmserr: grep: {tmp_path}: Is a directory\n"


def test_empty_input(run: Runner) -> None:
    assert run("grep", input=b"").exit_code == 1


STAMPED = (
    b"2024-05-14T08:00:00.015Z INFO start\n"
    b"2024-05-14T08:00:01.100Z ERROR (10630) key is not existed\n"
    b"2024-05-14T08:00:02.200Z ERROR [TencentCloudSDKException] code:AuthFailure.SignatureFailure message:x requestId:r\n"
    b"2024-05-14T08:00:03.300Z WARN (10630) key is not existed\n"
    b"2024-05-14T08:00:04.400Z ERROR got RequestLimitExceeded\n"
    b"2024-05-14T08:00:05.500Z ERROR [TencentCloudSDKException] code:InternalError.SendAndRecvFail message:x requestId:r\n"
    b"2024-05-14T08:00:06.600Z INFO end\n"
)


def numbers(result_stdout: bytes) -> list[int]:
    return [int(line.split(b":", 1)[0]) for line in result_stdout.splitlines()]


def test_summary_with_first_and_last_seen(run: Runner) -> None:
    [first, *_] = json.loads(run("grep", "--summary", "--format", "json", input=STAMPED).stdout)
    assert (first["code"], first["count"], first["message"], first["first_seen"], first["last_seen"]) == (
        "10630", 2, "key is not existed", "2024-05-14T08:00:01.100Z", "2024-05-14T08:00:03.300Z")
    table = run("grep", "--summary", "--format", "table", input=STAMPED).stdout
    assert "First seen" not in table  # 100 columns: each code on lines of its own, the times under it
    assert "   seen 2024-05-14T08:00:01.100Z to 2024-05-14T08:00:03.300Z\n" in table


ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("color", ["never", "always"])
def test_summary_at_80_columns_puts_the_verdict_under_each_code(run: Runner, monkeypatch: pytest.MonkeyPatch,
                                                               color: str) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    text = run("grep", "--summary", "--format", "table", "--color", color, input=STAMPED).stdout
    assert (ANSI.search(text) is not None) == (color == "always")
    assert ANSI.sub("", text).splitlines()[:4] == [
        "2  10630  retry: no",
        "   Check the KeyId and region; the key does not exist, so retrying cannot help.",
        "   key is not existed (key-state)",
        "   seen 2024-05-14T08:00:01.100Z to 2024-05-14T08:00:03.300Z",
    ]
    # an unknown code of a known family: the family's advice, marked as the family's
    assert "1  InternalError.SendAndRecvFail  retry: if idempotent\n   family InternalError's advice: Retry" in (
        ANSI.sub("", text))


@pytest.mark.parametrize("color", ["never", "always"])
def test_summary_at_200_columns_is_a_table(run: Runner, monkeypatch: pytest.MonkeyPatch, color: str) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = ANSI.sub("", run("grep", "--summary", "--format", "table", "--color", color, input=STAMPED).stdout).splitlines()
    assert lines[0].split() == ["Count", "Code", "Retry", "Action", "Meaning", "Category", "First", "seen", "Last", "seen"]
    # Count 5 wide, Code as wide as InternalError.SendAndRecvFail, Retry as "if idempotent", 3 apart
    assert lines[2].startswith("    2   " + "10630".ljust(29) + "   " + "no".ljust(13) + "   Check the KeyId")
    assert lines[2].rstrip().endswith("   key-state        2024-05-14T08:00:01.100Z   2024-05-14T08:00:03.300Z")
    assert {len(line) for line in lines} == {200}


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--code", "10630"], [2, 4]),
        (["--code", "AuthFailure"], [3]),
        (["--code", "authfailure.signaturefailure", "--code", "RequestLimitExceeded"], [3, 5]),
        (["--category", "throttling"], [5]),
        (["--retryable"], [5, 6]),  # InternalError.SendAndRecvFail: its family's advice
        (["--not-retryable"], [2, 3, 4]),
        (["--unknown"], [6]),
        (["--code", "10630", "--unknown"], []),
    ],
)
def test_filters(run: Runner, options: list[str], expected: list[int]) -> None:
    result = run("grep", "-n", "--no-annotate", *options, input=STAMPED)
    assert numbers(result.stdout_bytes) == expected
    assert result.exit_code == (0 if expected else 1)


def test_unknown_category_is_an_input_error(run: Runner) -> None:
    result = run("grep", "--category", "weather", input=STAMPED)
    assert result.exit_code == 2 and result.stderr.startswith("kmserr: grep: unknown category 'weather'")


def test_files_with_matches(run: Runner, tmp_path: Path) -> None:
    (tmp_path / "a.log").write_bytes(STAMPED)
    (tmp_path / "b.log").write_bytes(b"nothing\n")
    (tmp_path / "c.log").write_bytes(b"(10650) key is disabled\n")
    result = run("grep", "-l", *(str(tmp_path / n) for n in ("a.log", "b.log", "c.log")))
    assert result.stdout == f"{tmp_path / 'a.log'}\n{tmp_path / 'c.log'}\n"
    assert run("grep", "-l", "--code", "10650", str(tmp_path / "a.log")).exit_code == 1


def test_context_lines_as_grep_prints_them(run: Runner) -> None:
    log = b"".join(b"line %d\n" % n for n in range(1, 21)).replace(b"line 5\n", b"(10630) key is not existed\n")
    log = log.replace(b"line 7\n", b"(10650) key is disabled\n").replace(b"line 15\n", b"(10010)lacked of required parameters\n")
    result = run("grep", "-n", "--no-annotate", "-C", "1", input=log)
    assert result.stdout.splitlines() == [
        "4-line 4", "5:(10630) key is not existed", "6-line 6", "7:(10650) key is disabled", "8-line 8",
        "--",
        "14-line 14", "15:(10010)lacked of required parameters", "16-line 16",
    ]
    after = run("grep", "--no-annotate", "-A", "2", "--code", "10010", input=log)
    assert after.stdout.splitlines() == ["(10010)lacked of required parameters", "line 16", "line 17"]
    before = run("grep", "-n", "--no-annotate", "-B", "1", "--code", "10010", input=log)
    assert before.stdout.splitlines() == ["14-line 14", "15:(10010)lacked of required parameters"]


def test_context_in_json_and_across_blocks(run: Runner) -> None:
    log = b"x" * 3_000_000 + b"\n" + b"before\n(10630) key is not existed\nafter\n"
    records = [json.loads(line) for line in run("grep", "--json", "-C", "1", input=log).stdout.splitlines()]
    assert [(r["line_number"], r.get("context", False)) for r in records] == [(2, True), (3, False), (4, True)]


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_rotated_logs_are_read_transparently(run: Runner, tmp_path: Path, suffix: str) -> None:
    import bz2
    import gzip
    import lzma

    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[suffix]
    path = tmp_path / f"app.log.1{suffix}"
    with opener(path, "wb") as out:
        out.write(STAMPED * 2)
    result = run("grep", "-c", str(path))
    assert (result.exit_code, result.stdout) == (0, "10\n")


def test_a_corrupt_archive_is_reported_and_the_others_searched(run: Runner, tmp_path: Path) -> None:
    import gzip

    good = tmp_path / "good.log"
    good.write_bytes(STAMPED)
    bad = tmp_path / "bad.log.gz"
    bad.write_bytes(gzip.compress(STAMPED * 100)[:200])  # cut short
    garbage = tmp_path / "garbage.log.gz"
    garbage.write_bytes(b"this is not gzip at all")
    result = run("grep", "-c", str(bad), str(garbage), str(good))
    assert result.exit_code == 2
    assert result.stdout.splitlines()[-1] == f"{good}:5"
    errors = result.stderr.splitlines()
    assert len(errors) == 2 and errors[0].startswith(f"kmserr: grep: {bad}: ") and str(garbage) in errors[1]


def test_files_with_matches_wins_over_count_and_summary(run: Runner, tmp_path: Path) -> None:
    # As GNU grep (`grep -l -c` prints the names only): each file is read only to its first match,
    # so a count or a summary of it would be wrong.
    many, none = tmp_path / "many.log", tmp_path / "none.log"
    many.write_bytes(LOG * 3)
    none.write_bytes(b"quiet\n")
    names_only = run("grep", "-l", str(many), str(none))
    assert (names_only.exit_code, names_only.stdout) == (0, f"{many}\n")
    for extra in (["-c"], ["--summary"], ["-c", "--summary"], ["--summary", "--format", "json"]):
        result = run("grep", "-l", *extra, str(many), str(none))
        assert (result.exit_code, result.stdout, result.stderr) == (0, names_only.stdout, ""), extra


def test_json_names_a_file_that_is_not_utf8(run: Runner, tmp_path: Path) -> None:
    import base64
    import os

    name = os.fsdecode(b"app\xff.log")
    path = tmp_path / name
    path.write_bytes(LOG)
    result = run("grep", "--json", "-C", "1", str(path))
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]
    assert records and all(r["file"] == str(tmp_path / "app\ufffd.log") for r in records)
    assert {base64.b64decode(r["file_base64"]) for r in records} == {os.fsencode(path)}
    plain = run("grep", "-H", "--no-annotate", str(path))
    assert plain.stdout_bytes.startswith(os.fsencode(path) + b":")


# What winston 3.19.0's prettyPrint() (Node's util.inspect) printed for a logged legacy body.
WINSTON_PRETTY = """{
  message: 'legacy failed',
  body: {
    code: 4000,
    message: '(10630) key is not existed',
    codeDesc: 'KeyNotExist'
  },
  level: 'error'
}
"""


def test_a_legacy_message_in_single_quotes_ends_at_its_quote(run: Runner, tmp_path: Path) -> None:
    # Python's repr of a legacy body (`logger.error("resp: %s", body)`), in timed lines (the fast
    # paths' kind: the first read in full, the rest vouched for) and alone; Node's util.inspect.
    body = {"code": 4000, "message": "(10630) key is not existed", "codeDesc": "KeyNotExist"}
    lines = [f"2024-05-14T08:00:0{i}.007Z ERROR [r{i}] kms: resp: {body}" for i in range(5)]
    lines += [f"x = {body['message']!r} at load", "    message: '(10010)lacked of required parameters',"]
    path = tmp_path / "repr.log"
    path.write_text("\n".join(lines) + "\n" + WINSTON_PRETTY, encoding="utf-8")
    records = [json.loads(line) for line in run("grep", "--json", str(path)).stdout.splitlines()]
    got = [(m["code"], m["message"]) for r in records for m in r["matches"]]
    assert got == [("10630", "key is not existed")] * 6 + [("10010", "lacked of required parameters"),
                                                           ("10630", "key is not existed")]
    plain = run("grep", "--no-annotate", str(path)).stdout.splitlines()
    assert plain == [*lines, "    message: '(10630) key is not existed',"]


def test_a_legacy_message_inside_a_string_ends_at_its_quote(run: Runner, tmp_path: Path) -> None:
    # An app's own message in a JSON record (python-json-logger's `"message"`, structlog's `"event"`,
    # pino's `"msg"`) or logfmt's `msg="..."`, the legacy code after words of its own: the message
    # ran on to the line's end (`key is not existed", "levelname": "ERROR", ...}`). Timed lines too
    # (the fast paths' kind), and quotes paired before it (no string around it: to the line's end).
    lines = [json.dumps({"message": f"decrypt {i} failed: (10630) key is not existed", "levelname": "ERROR"})
             for i in range(3)]
    lines += [f'2024-05-14T08:00:0{i}.007Z level=error msg="decrypt failed: (10630) key is not existed" n={i}'
              for i in range(3)]
    lines += [json.dumps({"msg": 'said "no": (10010) lacked of required parameters \\ x', "n": 1}),
              '2024-05-14T08:00:09.007Z ERROR "kms" said (10630) key is not existed, retrying']
    path = tmp_path / "strings.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = [json.loads(line) for line in run("grep", "--json", str(path)).stdout.splitlines()]
    assert [(m["code"], m["message"]) for r in records for m in r["matches"]] == [
        *[("10630", "key is not existed")] * 6, ("10010", "lacked of required parameters \\ x"),
        ("10630", "key is not existed, retrying")]


def _json_record(message: str, ensure_ascii: bool = True, **fields: object) -> str:
    """A JSON formatter's line for `logger.error("resp: %s", json.dumps(body))`: python-json-logger
    and structlog's JSONRenderer (json.dumps), pino and winston's json() (JSON.stringify: no
    `ensure_ascii`) escape the body's quotes in the record's string."""
    return json.dumps({"level": "error", "msg": message, **fields}, ensure_ascii=ensure_ascii)


def test_a_legacy_body_logged_in_a_json_string_reads_as_unescaped(run: Runner, tmp_path: Path) -> None:
    # The escaped body read as the body: legacy-json with its codeDesc, not a legacy message ending
    # in the `\` of its escaped quote; the record's own request ID kept; loguru's serialize=True
    # record, which holds the message twice, one error; an escaped string that is no record's value
    # ends at its quote; the body unescaped on its own line reads the same.
    body = {"code": 4000, "message": "(10630) key is not existed", "codeDesc": "KeyNotExist"}
    cjk = {"code": 4000, "message": "(10630) 密钥不存在", "codeDesc": "KeyNotExist"}
    resp = f"resp: {json.dumps(body)}"
    loguru = {"text": f"2024-05-14 08:00:00.007 | ERROR    | app:main:12 - {resp}\n",
              "record": {"level": {"name": "ERROR", "no": 40}, "message": resp}}
    lines = [
        _json_record(resp),
        _json_record(f"resp: {json.dumps(body, separators=(',', ':'))}", requestId="7c0e4b1a-2d3f-4e5a"),
        _json_record(f"resp: {json.dumps(cjk, ensure_ascii=False)}", ensure_ascii=False),
        json.dumps(loguru),
        'plain \\"(10630) key is not existed\\" tail',
        json.dumps(body),
    ]
    path = tmp_path / "escaped.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = [json.loads(line) for line in run("grep", "--json", str(path)).stdout.splitlines()]
    got = [(m["code"], m["format"], m["message"], m["code_desc"], m["error_code"], m["request_id"])
           for r in records for m in r["matches"]]
    body_read = ("10630", "legacy-json", "key is not existed", "KeyNotExist", 4000)
    assert got == [
        (*body_read, None), (*body_read, "7c0e4b1a-2d3f-4e5a"),
        ("10630", "legacy-json", "密钥不存在", "KeyNotExist", 4000, None), (*body_read, None),
        ("10630", "legacy-message", "key is not existed", None, 4530, None), (*body_read, None),
    ]
    # The code's span is the `10630` of the line as written.
    assert {lines[r["line_number"] - 1][m["start"] : m["end"]] for r in records for m in r["matches"]} == {"10630"}
    plain = run("grep", "--no-annotate", str(path)).stdout.splitlines()
    assert plain == lines


@pytest.mark.parametrize("line", [
    '{"msg": "(10630) \u0130 key", "requestId": "7c0e4b1a-1111-2222-3333-444455556666"}',
    "\u0130\u0130 ERROR (10630) key is not existed request_id=7c0e4b1a-1111-2222-3333-444455556666",
    "ERROR \u0130stanbul got ResourceUnavailable.CmkDisabled RequestId: 7c0e4b1a-1111-2222-3333-444455556666",
])
def test_a_letter_that_lowers_to_two_keeps_the_request_id_after_it(run: Runner, line: str) -> None:
    """`İ` lowers to two characters: the request ID looked for in a lowered copy was looked for at
    places moved on by one, and lost (the line's error kept, without it)."""
    result = run("grep", "--json", input=(line + "\n").encode())
    found = [m["request_id"] for r in map(json.loads, result.stdout.splitlines()) for m in r["matches"]]
    assert found == ["7c0e4b1a-1111-2222-3333-444455556666"]
