"""Node's pretty log formats (winston's prettyPrint() and printf(), pino-pretty, bunyan's CLI,
`JSON.stringify(..., null, 2)`, `console.log({ err })`, `util.inspect`): the code, message and
request ID of each error stand on lines of their own, above or below one another. grep reads a
code's line with its object's lines around it (below: within the block read), so that it reports
each error once, whole, as parse does, on both cores.

The captures are real output of tencentcloud-sdk-nodejs 4.1.313 on Node v20.20.2 against a
loopback fake KMS (scripts/capture_node_pretty.py); node-pretty.json holds what the server sent
and what each error must read as."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmserr import search
from kmserr.extract import Extractor
from kmserr.matcher import Matcher
from kmserr.scan import LineScanner

from .conftest import Runner, feed_in_pieces

CAPTURES = Path(__file__).parent / "data" / "captures"
ANSWERS = json.loads((CAPTURES / "node-pretty.json").read_text(encoding="utf-8"))
PLAIN = sorted(name for name in ANSWERS["expected"] if not name.startswith(("docker-json-file-", "kubernetes-cri-")))
WRAPPED = sorted(name for name in ANSWERS["expected"] if name not in PLAIN)
LEGACY_RID = ANSWERS["sent"]["legacy"]["request_id"]


def wanted(name: str) -> list[tuple[str, str | None, str | None]]:
    return [tuple(error) for error in ANSWERS["expected"][name]]  # type: ignore[misc]


def read(name: str) -> bytes:
    return (CAPTURES / f"{name}.txt").read_bytes()


def grep(run: Runner, data: bytes) -> list[dict[str, object]]:
    result = run("grep", "--json", input=data)
    assert result.exit_code == 0, result.output
    return [m for line in result.stdout.splitlines() for m in json.loads(line)["matches"]]


def parse(run: Runner, data: bytes) -> list[dict[str, object]]:
    result = run("parse", "--format", "json", input=data)
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def errors(found: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(m["code"], m["message"], m["request_id"]) for m in found]


@pytest.mark.parametrize("name", PLAIN)
def test_each_error_once_with_its_message_and_request_id(run: Runner, core: str, name: str) -> None:
    data = read(name)
    assert errors(grep(run, data)) == wanted(name)
    assert errors(parse(run, data)) == wanted(name)


@pytest.mark.parametrize("name", WRAPPED)
def test_in_docker_and_cri_records_each_line_in_a_record(run: Runner, core: str, name: str) -> None:
    # A line a record: the object's lines below are opened as those above are.
    found = grep(run, read(name))
    assert errors(found) == wanted(name)
    assert {m["envelope"] for m in found} == {"docker" if name.startswith("docker") else "cri"}


@pytest.mark.parametrize("name", PLAIN)
def test_a_legacy_message_is_the_module_code_of_the_sdks_error(run: Runner, core: str, name: str) -> None:
    # `(10630) key is not existed` in the message property, the stack, pino-pretty's record line or
    # below bunyan's: no error of its own, the detail of the code's error.
    found = [m for m in grep(run, read(name)) if m["code"] == "InvalidParameter"]
    message = [m for code, m, _ in wanted(name) if code == "InvalidParameter"]
    assert len(found) == len(message) == 1
    assert found[0]["module_code"] == (10630 if (message[0] or "").startswith("(10630) ") else None)
    result = run("grep", "-c", input=read(name))
    assert result.stdout.strip() == str(len(wanted(name)))


def test_winston_pretty_print_reads_below_the_code_line(run: Runner, core: str) -> None:
    # The brief's case: `code:` first, then `message:` and `requestId:` below it, a message of
    # several lines in util.inspect's pieces (`'...\n' +` then a double-quoted piece).
    data = read("winston-3.19.0-pretty-print-meta")
    assert b"      \"Check the CiphertextBlob and the key's region.\",\n" in data
    result = run("grep", "--json", input=data)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    code_lines = [n for n, line in enumerate(data.splitlines(), 1) if line.startswith(b"    code: '")]
    assert [r["line_number"] for r in records] == code_lines  # each on its `code:` line
    found = [m for r in records for m in r["matches"]]
    assert errors(found)[3][1] == ("Decrypt failed: the ciphertext was made by another key.\n"
                                   "Check the CiphertextBlob and the key's region.")


def test_the_lines_below_are_read_within_the_block(core: str) -> None:
    # A scanner fed a line at a time: nothing below the code line has come yet, so its error is
    # reported without them, once, rather than waiting for more input. (grep holds such lines of a
    # pipe until more comes, LINGER at most: tests/test_live_streams.py.)
    data = read("winston-3.19.0-pretty-print-meta")
    hits = feed_in_pieces(LineScanner(Matcher.for_extractor(Extractor())), data, [len(line) for line in data.splitlines(keepends=True)])
    assert [(f.code, f.message) for h in hits for f in h.findings] == [(code, None) for code, _, _ in
                                                                        wanted("winston-3.19.0-pretty-print-meta")]
    whole = [(f.code, f.message, f.request_id) for h in LineScanner(Matcher.for_extractor(Extractor())).feed(data) for f in h.findings]
    assert whole == wanted("winston-3.19.0-pretty-print-meta")


@pytest.mark.parametrize(("line", "after"), [
    ("    code: 'InvalidParameter',", "    message: '(10630) key is not existed',\n  }\n}"),
    ('    "code": "InvalidParameter",', '    "message": "(10630) key is not existed",\n  }\n}'),
])
def test_the_object_ends_at_its_closing_brace(line: str, after: str) -> None:
    # A property below the object's closing brace is another object's.
    found = Extractor().find(line, before="{\n  err: {\n", after=after)
    assert [(f.code, f.message, f.module_code) for f in found] == [("InvalidParameter", "(10630) key is not existed",
                                                                    10630)]
    other = Extractor().find(line, before="{\n  err: {\n", after="  },\n  message: 'other',\n}")
    assert [(f.code, f.message) for f in other] == [("InvalidParameter", None)]


@pytest.mark.parametrize("quote", ["'", '"'])
def test_a_legacy_message_first_in_its_object_is_its_codes_detail(run: Runner, core: str, quote: str) -> None:
    # `log.error("...", { error: { message, requestId, code } })`: the message is the object's first
    # property, read among its own siblings (the code below it), not the outer object's: it was a
    # second error, `10630`, above the code's.
    q = quote
    key = (lambda name: f'"{name}"') if q == '"' else (lambda name: name)
    data = (f"{{\n  {key('level')}: {q}error{q},\n  {key('error')}: {{\n"
            f"    {key('message')}: {q}(10630) key is not existed{q},\n"
            f"    {key('requestId')}: {q}{LEGACY_RID}{q},\n    {key('code')}: {q}InvalidParameter{q}\n  }}\n}}\n").encode()
    found = grep(run, data)
    assert errors(found) == [("InvalidParameter", "(10630) key is not existed", LEGACY_RID)]
    assert found[0]["module_code"] == 10630


def test_a_legacy_body_with_a_numeric_code_is_still_its_own_error() -> None:
    # `{ code: 4000, message: '(10630) ...' }` (util.inspect of a legacy body): no code of a name.
    found = Extractor().find("    message: '(10630) key is not existed',", before="  body: {\n    code: 4000,\n",
                             after="    codeDesc: 'KeyNotExist'\n  },")
    assert [(f.code, f.module_code) for f in found] == [("10630", 10630)]


def test_util_inspects_strings_in_each_quote_style() -> None:
    # util.inspect quotes a string with `'` in double quotes, one with both in backticks.
    after = "    message: `it's \"bad\"`,\n    requestId: \"9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d\"\n  }\n}"
    found = Extractor().find("    code: 'InvalidParameter',", before="{\n  err: {\n", after=after)
    assert [(f.code, f.message, f.request_id) for f in found] == [("InvalidParameter", "it's \"bad\"", LEGACY_RID)]


@pytest.mark.parametrize("json_lines", [False, True])
def test_an_object_is_not_split_where_grep_cuts_its_input_in_pieces(run: Runner, core: str, json_lines: bool) -> None:
    # grep cuts an input's first block in pieces (16 KiB, 32 KiB, ...; --json 256 KiB): never
    # inside an object, whose lines below its code's would be hidden from it (its legacy message
    # then an error of its own).
    obj = b"{" + read("winston-3.19.0-pretty-print-meta").split(b"}\n{")[1] + b"}\n"
    assert b"(10630)" in obj
    code_line = obj.index(b"    code:")
    for size in (search.WARM, search.JSON_PIECE):
        filler = b"plain line of an app\n" * ((size - code_line - 10) // 21)
        data = filler + b"x" * (size - len(filler) - code_line - 5) + b"\n" + obj + filler * 3  # cut if > 2 pieces
        assert data.index(b"    code:") < size < data.index(b"    message:")
        if json_lines:
            assert errors(grep(run, data)) == [("InvalidParameter", "(10630) key is not existed", LEGACY_RID)], size
        else:
            lines = run("grep", "--format", "plain", input=data).stdout.splitlines()
            assert len(lines) == 1 and "kmserr: InvalidParameter (10630) " in lines[0], size
