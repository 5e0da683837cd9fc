"""Each class of mistake that the real clients' output showed, by itself: parse and grep (both engines)
read the same code, message and request ID from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmserr.extract import Extractor
from kmserr.scan import LineScanner

from .conftest import Runner, feed_in_pieces

pytestmark = pytest.mark.usefixtures("core")  # every test here runs on both block cores

EX = Extractor()
RID = "0a1b2c3d-1111-4222-8333-444455556666"
SDK = "[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:CMK is disabled."
Found = tuple[str, str | None, str | None]
CAPTURES = Path(__file__).parent / "data" / "captures"


def parse(run: Runner, text: str) -> list[Found]:
    result = run("parse", "--format", "json", input=text.encode())
    return [(r["code"], r["message"], r["request_id"]) for r in json.loads(result.stdout)] if result.exit_code == 0 else []


def grep(run: Runner, text: str) -> list[Found]:
    result = run("grep", "--json", input=text.encode())
    return [(m["code"], m["message"], m["request_id"])
            for line in result.stdout.splitlines() for m in json.loads(line)["matches"]]


@pytest.mark.parametrize(("line", "rid"), [
    # The SDK's text inside a JSON-lines record: the quote and brace after the ID are the record's.
    (json.dumps({"level": "error", "error": f"{SDK} requestId:{RID}"}), RID),
    (json.dumps({"level": "error", "error": f"{SDK} requestId:None"}), None),
    (f"{SDK} requestId:{RID}.", RID),  # a sentence's full stop
    (f"{SDK} requestId:{RID}, retrying", RID),
    (f"error={json.dumps(SDK + ' requestId:' + RID)} attempt=2", RID),  # logfmt
    (f"{SDK} requestId:null", None),
    (f"{SDK} requestId:undefined", None),
    ("[TencentCloudSDKError] Code=ResourceUnavailable.CmkDisabled, Message=CMK is disabled., "
     f'RequestId={RID}"}}', RID),
    (f"message：code:ResourceUnavailable.CmkDisabled message:CMK is disabled. requestId{RID}.", RID),  # .NET
    (f"[TencentCloudSDKException]code: ResourceUnavailable.CmkDisabled message:CMK is disabled. requestId:{RID}.",
     RID),  # Java
])
def test_a_request_id_is_the_ids_own_shape_and_nothing_after_it(
    run: Runner, engine: str, line: str, rid: str | None
) -> None:
    want = [("ResourceUnavailable.CmkDisabled", "CMK is disabled.", rid)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want


def test_a_json_escaped_message_is_read_unescaped(run: Runner, engine: str) -> None:
    text = '[TencentCloudSDKException] code:InvalidParameterValue message:The "Blob" is bad.\tSee docs requestId:' + RID
    line = json.dumps({"level": "error", "error": text})
    want = [("InvalidParameterValue", 'The "Blob" is bad.\tSee docs', RID)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want
    found = EX.find(line)
    assert line[found[0].start : found[0].end] == "InvalidParameterValue"


SOURCE_LINES = [
    '    raise TencentCloudSDKException("ClientNetworkError", str(e))',
    "    raise TencentCloudSDKException('ServerNetworkError', resp_inter.content)",
    '    raise TencentCloudSDKException(type(e).__name__, "AuthFailure " + str(e))',
    '        "ClientNetworkError", str(e))',  # the next line of a call that Python 3.13 shows whole
    '>       raise TencentCloudSDKException("AuthFailure.SignatureFailure", msg)',  # pytest
    '    self.assertEqual(err.code, "ResourceUnavailable.CmkDisabled")',
    "    err = TencentCloudSDKException('RequestLimitExceeded', message, rid)",
    '    throw new TencentCloudSDKHttpException("InternalError", requestId);',
    # IPython's context: the failing line's arrow and number, and the numbered lines around it.
    '--> 338     raise TencentCloudSDKException("ServerNetworkError", resp_inter.content)',
    '    337         raise TencentCloudSDKException("ServerNetworkError", resp_inter.content)',
    # An ExceptionGroup's gutters, nested.
    '    |     raise TencentCloudSDKException("ServerNetworkError", resp_inter.content)',
    '  |   |     raise TencentCloudSDKException(code, message, reqid)',
    # rich's box, marker, line number and indent guides.
    "\u2502 \u2771 372 \u2502   \u2502   \u2502   raise TencentCloudSDKException(code, message, reqid)       \u2502",
    "\u2502   370 \u2502   \u2502   err = TencentCloudSDKException('InvalidParameter', message, reqid) \u2502",
]


@pytest.mark.parametrize("line", SOURCE_LINES)
def test_a_tracebacks_source_line_is_no_occurrence(run: Runner, engine: str, line: str) -> None:
    assert parse(run, line) == []
    assert grep(run, line + "\n") == []


def test_a_traceback_counts_once_its_last_line(run: Runner, engine: str) -> None:
    traceback = "\n".join([
        "Traceback (most recent call last):",
        '  File "/app/venv/lib/python3.11/site-packages/tencentcloud/common/http/request.py", line 118, in _request',
        '    raise TencentCloudSDKException("ClientNetworkError", str(e))',
        "    ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "tencentcloud.common.exception.tencent_cloud_sdk_exception.TencentCloudSDKException: "
        "[TencentCloudSDKException] code:ClientNetworkError message:timed out requestId:None",
    ]) + "\n"
    want = [("ClientNetworkError", "timed out", None)]
    assert parse(run, traceback) == want
    assert grep(run, traceback) == want
    summary = json.loads(run("grep", "--summary", "--json", input=traceback.encode()).stdout)
    assert [(r["code"], r["count"]) for r in summary] == [("ClientNetworkError", 1)]


def test_ipython_and_exception_group_tracebacks_count_each_error_once(run: Runner, engine: str) -> None:
    files = [str(CAPTURES / "ipython-context.txt"), str(CAPTURES / "exceptiongroup.txt")]
    summary = json.loads(run("grep", "--summary", "--json", *files).stdout)
    assert sorted((r["code"], r["count"]) for r in summary) == [("InternalError", 2), ("ServerNetworkError", 2)]


@pytest.mark.parametrize("line", [
    "    TencentCloudSDKException('ResourceUnavailable.CmkDisabled', 'CMK is disabled.', '" + RID + "')",
    "    'error': TencentCloudSDKException('ResourceUnavailable.CmkDisabled', 'CMK is disabled.', '" + RID + "'),",
    "  [TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:CMK is disabled. (Decrypt) "
    "requestId:" + RID,
])
def test_an_indented_printed_error_is_an_occurrence(run: Runner, engine: str, line: str) -> None:
    want = [("ResourceUnavailable.CmkDisabled", "CMK is disabled." + (" (Decrypt)" if "(Decrypt)" in line else ""),
             RID)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want


@pytest.mark.parametrize(("line", "want"), [
    (f"TencentCloudSDKException('ResourceUnavailable.CmkDisabled', 'CMK is disabled.', '{RID}')",
     ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RID)),
    ("TencentCloudSDKException('ClientNetworkError', \"HTTPConnectionPool(host='h', port=1): Read timed out.\")",
     ("ClientNetworkError", "HTTPConnectionPool(host='h', port=1): Read timed out.", None)),
    (f"TencentCloudSDKException(\"AuthFailure\", 'It\\'s a \"bad\" key\\n', \"{RID}\")",
     ("AuthFailure", "It's a \"bad\" key\n", RID)),
    (f"TencentCloudSDKException(code='LimitExceeded', message='too many', requestId='{RID}')",
     ("LimitExceeded", "too many", RID)),
    (f"TencentCloudSDKException(code='LimitExceeded', requestId='{RID}', message='too many')",
     ("LimitExceeded", "too many", RID)),
    ("TencentCloudSDKException('JSONDecodeError', 'Expecting value: line 1 column 1 (char 0)', None)",
     ("JSONDecodeError", "Expecting value: line 1 column 1 (char 0)", None)),
    ("ERROR failed: TencentCloudSDKException('ServerNetworkError', b'<html>502</html>')",
     ("ServerNetworkError", "b'<html>502</html>'", None)),
])
def test_the_repr_form(run: Runner, engine: str, line: str, want: Found) -> None:
    assert parse(run, line) == [want]
    assert grep(run, line + "\n") == [want]


BODY = json.dumps({"Response": {"Error": {"Code": "InternalError", "Message": "boom"}, "RequestId": RID}})


@pytest.mark.parametrize("line", [
    f"[TencentCloudSDKException] code:ServerNetworkError message:b'{BODY}' requestId:None",
    f"TencentCloudSDKException('ServerNetworkError', b'{BODY}')",
    json.dumps({"error": f"[TencentCloudSDKException] code:ServerNetworkError message:b'{BODY}' requestId:None"}),
    json.dumps({"error": f"TencentCloudSDKException('ServerNetworkError', b'{BODY}')"}),
])
def test_an_error_body_inside_a_server_network_error(run: Runner, engine: str, line: str) -> None:
    want = [("ServerNetworkError", f"b'{BODY}'", None), ("InternalError", "boom", RID)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want


NODE = (
    "TencentCloudSDKHttpException [Error]: CMK is disabled.\n"
    "    at Client.parseResponse (/app/node_modules/x/abstract_client.js:268:37)\n"
    "    at async Client.request (/app/node_modules/x/abstract_client.js:127:28) {\n"
    f"  requestId: '{RID}',\n"
    "  traceId: '',\n"
    "  code: 'ResourceUnavailable.CmkDisabled'\n"
    "}\n"
)


@pytest.mark.parametrize("prefix", ["", "Decrypt failed: ", "2024-05-14T08:00:01Z error "])
def test_node_inspected_error_gives_grep_the_request_id_and_message(run: Runner, engine: str, prefix: str) -> None:
    text = "INFO started\n" + prefix + NODE + prefix + NODE.replace(RID, "")
    one = ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RID)
    want = [one, (one[0], one[1], None)]
    assert parse(run, text) == want
    assert grep(run, text) == want


@pytest.mark.parametrize("sizes", [[1], [7], [40, 3], [100], [4096]])
def test_node_request_id_across_reads(engine: str, sizes: list[int]) -> None:
    data = ("x\n" * 50 + NODE).encode()
    hits = feed_in_pieces(LineScanner(EX), data, sizes)
    assert [(f.code, f.message, f.request_id) for h in hits for f in h.findings] == [
        ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RID)
    ]


def test_node_without_a_stack_and_an_object_of_another_error(run: Runner, engine: str) -> None:
    text = (f"TencentCloudSDKHttpException [Error]: first {{\n  requestId: '{RID}',\n  httpCode: 502\n}}\n"
            "TencentCloudSDKHttpException [Error]: second {\n  requestId: '',\n  code: 'InternalError'\n}\n")
    assert parse(run, text) == grep(run, text) == [("InternalError", "second", None)]


def test_a_node_code_line_reads_no_object_past_another_code_line(run: Runner, engine: str) -> None:
    # util.inspect writes an object's `code` once: a second `code:` line above, at the same
    # indentation, is another object's, and a flood of such lines is read a line at a time (each
    # walked up to 64 lines above it before: 150 x an ordinary log).
    text = ("TencentCloudSDKHttpException [Error]: first\n    at x (a.js:1:1) {\n"
            f"  requestId: '{RID}',\n  code: 'InternalError',\n  code: 'ResourceUnavailable.CmkDisabled'\n}}\n")
    want = [("InternalError", "first", RID), ("ResourceUnavailable.CmkDisabled", None, None)]
    assert parse(run, text) == grep(run, text) == want


def test_node_error_nested_in_a_logged_object(run: Runner, engine: str) -> None:
    # console.log({ err }): the same object, indented one level deeper, after a key.
    nested = "{\n" + "".join("  " + line + "\n" for line in NODE.splitlines()).replace(
        "  TencentCloudSDKHttpException", "  err: TencentCloudSDKHttpException").replace("      at", "        at") + "}\n"
    want = [("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RID)]
    assert parse(run, nested) == want
    assert grep(run, nested) == want


# The sentences the Python SDK raises as codes (sign.py, common_client.py), in its str() and repr().
SENTENCES = ["signMethod invalid", "CommonClient Parameter Error, credential region version service all required."]


@pytest.mark.parametrize("code", SENTENCES)
@pytest.mark.parametrize("form", [
    "[TencentCloudSDKException] code:{code} message:None requestId:None",
    "ERROR call failed: [TencentCloudSDKException] code:{code} message:None requestId:None",
    "TencentCloudSDKException({code!r}, None)",
    "error=TencentCloudSDKException({code!r}, None, None)",
])
def test_a_code_that_is_a_sentence(run: Runner, engine: str, code: str, form: str) -> None:
    line = form.format(code=code)
    assert parse(run, line) == [(code, None, None)]
    assert grep(run, line + "\n") == [(code, None, None)]
    result = run("parse", "--format", "json", line)
    assert json.loads(result.stdout)[0]["in_catalogue"] is True


NEWLINE_SDK = "[TencentCloudSDKException] code:InvalidParameterValue message:line one\nline two requestId:fake requestId:" + RID


def test_a_message_with_a_newline_inside_a_json_value_keeps_its_request_id(run: Runner, engine: str) -> None:
    line = json.dumps({"level": "error", "error": NEWLINE_SDK})  # the escaped `\n` of json.dumps
    want = [("InvalidParameterValue", "line one\nline two requestId:fake", RID)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want


def test_a_printed_message_with_a_newline_runs_to_its_request_id_in_parse(run: Runner, engine: str) -> None:
    # grep reads a line at a time: the first line has no request ID, the second no code.
    text = NEWLINE_SDK + "\nnext record\n"
    assert parse(run, text) == [("InvalidParameterValue", "line one\nline two requestId:fake", RID)]
    assert grep(run, text) == [("InvalidParameterValue", "line one", None)]


def test_a_message_spans_lines_only_to_its_own_error(run: Runner, engine: str) -> None:
    text = ("[TencentCloudSDKException] code:InternalError message:first\n"
            f"[TencentCloudSDKException] code:AuthFailure message:second requestId:{RID}\n")
    assert parse(run, text) == [("InternalError", "first", None), ("AuthFailure", "second", RID)]


@pytest.mark.parametrize("size", [4097, 5000, 60000])
def test_a_long_message_keeps_its_request_id_in_str_and_repr(run: Runner, engine: str, size: int) -> None:
    message = "x" * (size - 4) + " end"
    forms = [f"[TencentCloudSDKException] code:LimitExceeded message:{message} requestId:{RID}",
             f"TencentCloudSDKException('LimitExceeded', '{message}', '{RID}')",
             json.dumps({"error": f"[TencentCloudSDKException] code:LimitExceeded message:{message} requestId:{RID}"})]
    want = [("LimitExceeded", message[:4096], RID)]
    for line in forms:
        assert parse(run, line) == want
        assert grep(run, line + "\n") == want


def test_node_message_with_a_newline_is_read_from_its_header_down(run: Runner, engine: str) -> None:
    text = (CAPTURES / "node-unhandled-newline.txt").read_text()
    want = [("InvalidParameterValue", "line one\nline two requestId:fake", "41111111-2222-4333-8444-555555555555")]
    assert parse(run, text) == want
    assert grep(run, text) == want


@pytest.mark.parametrize("message", ["密钥 'kms-abc' 的状态为 \"Disabled\"，无法解密。", "bad path C:\\keys\\new and tab\tend",
                                     "it's a bell \x07 and \u2028 here"])
def test_structlog_console_value_is_a_python_repr_read_unescaped(run: Runner, engine: str, message: str) -> None:
    text = f"[TencentCloudSDKException] code:FailedOperation.DecryptError message:{message} requestId:{RID}"
    line = f"[error    ] decrypt failed                 error={text!r} attempt=2"
    want = [("FailedOperation.DecryptError", message, RID)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want
    found = EX.find(line)
    assert line[found[0].start : found[0].end] == "FailedOperation.DecryptError"


def test_structlog_console_capture(run: Runner, engine: str) -> None:
    text = (CAPTURES / "structlog-console.txt").read_text()
    want = [("FailedOperation.DecryptError", "密钥 'kms-abc' 的状态为 \"Disabled\"，无法解密。",
             "31111111-2222-4333-8444-555555555555")] * 2
    assert parse(run, text) == want
    assert grep(run, text) == want


def test_sdk_text_no_locator_sees_is_read_in_its_quotes_by_both_engines(run: Runner, engine: str) -> None:
    # Found by the grep-equals-parse property: no locator sees `message:解密` (Java's old form wants
    # a letter), so Hyperscan's grep skipped the quoted pass and the record's code was lost.
    line = ('{"code":4530,"message":"(10630)key is not existed","codeDesc":"KmsKeyNotExist"}'
            '{"level":"error","error":"[TencentCloudSDKException]message:解密失败。  requestId:' + RID + '  traceId:",'
            '"code":"FailedOperation.DecryptError","requestId":"' + RID + '"}')
    want = [("10630", "key is not existed", RID), ("FailedOperation.DecryptError", None, RID)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want


DISABLED = "密钥 'kms-abc' 的状态为 \"Disabled\"，无法解密。"
DISABLED_RID = "31111111-2222-4333-8444-555555555555"


@pytest.mark.parametrize(("capture", "want"), [
    ("node-pino.txt", [("FailedOperation.DecryptError", DISABLED, DISABLED_RID)]),
    ("node-winston.txt", [("FailedOperation.DecryptError", DISABLED, DISABLED_RID),
                          ("FailedOperation.DecryptError", "decrypt failed " + DISABLED, DISABLED_RID)]),
])
def test_node_structured_log_gives_the_message_of_the_same_object(
    run: Runner, engine: str, capture: str, want: list[Found]
) -> None:
    text = (CAPTURES / capture).read_text()
    assert parse(run, text) == want
    assert grep(run, text) == want


def test_node_error_object_is_read_whole_only_from_its_own_object(run: Runner, engine: str) -> None:
    line = json.dumps({"message": "outer", "requestId": "nope", "err": {"message": "inner {x}", "code": "AuthFailure",
                                                                        "requestId": RID}})
    assert parse(run, line) == [("AuthFailure", "inner {x}", RID)]
    assert grep(run, line + "\n") == [("AuthFailure", "inner {x}", RID)]


def test_node_json_stringify_pretty_printed_in_parse_and_grep(run: Runner, engine: str) -> None:
    # grep reads the `"code": ...` line with the lines of its object around it.
    text = (CAPTURES / "node-json-indent.txt").read_text()
    want = [("InvalidParameterValue", "Parameter requestId:abc-123 is not allowed", "11111111-2222-4333-8444-555555555555")]
    assert parse(run, text) == want
    assert grep(run, text) == want


@pytest.mark.parametrize("line", [
    f"[TencentCloudSDKException] code:InternalError message: requestId:{RID}",
    f"TencentCloudSDKException('InternalError', '', '{RID}')",
    json.dumps({"error": f"[TencentCloudSDKException] code:InternalError message: requestId:{RID}"}),
])
def test_an_empty_server_message_is_empty_not_missing(run: Runner, engine: str, line: str) -> None:
    want = [("InternalError", "", RID)]
    assert parse(run, line) == want
    assert grep(run, line + "\n") == want


def test_a_message_the_sdk_printed_as_none_is_missing(run: Runner, engine: str) -> None:
    line = "[TencentCloudSDKException] code:ClientNetworkError message:None requestId:None"
    assert parse(run, line) == [("ClientNetworkError", None, None)]


PARAMETER = ("InvalidParameterValue", "Parameter requestId:abc-123 is not allowed", "11111111-2222-4333-8444-555555555555")
TRAP = ("InvalidParameter", "value ', 'AuthFailure', 'x') is bad", "81111111-2222-4333-8444-555555555555")


@pytest.mark.parametrize(("capture", "want"), [
    ("loguru-diagnose.txt", [PARAMETER]),  # its `└ 'InvalidParameterValue'` is a variable's value
    ("loguru-serialize.txt", [PARAMETER] * 3),  # three records, each naming its error in "text" and "record"
    ("structlog-dict-tracebacks.txt", [PARAMETER]),  # the frames' "locals" are variables
    ("repr-trap-structlog-dict.txt", [TRAP]),  # no AuthFailure: a code named in a message, in the locals' reprs
])
def test_one_finding_per_error_in_python_log_captures(run: Runner, engine: str, capture: str, want: list[Found]) -> None:
    text = (CAPTURES / capture).read_text()
    assert parse(run, text) == want
    assert grep(run, text) == want


def test_the_same_code_with_different_request_ids_on_a_line_is_two_errors(run: Runner, engine: str) -> None:
    other = "1" + RID[1:]
    repr_of = "TencentCloudSDKException('AuthFailure', 'denied', {!r})".format
    line = f"{repr_of(RID)}; retried: {repr_of(other)}; again {repr_of(RID)}; {repr_of(None)}; {repr_of(None)}"
    assert [f[2] for f in parse(run, line)] == [RID, other, None, None]
    assert [f[2] for f in grep(run, line + "\n")] == [RID, other, None, None]


def test_a_code_named_on_a_later_line_of_a_message_is_no_second_error(run: Runner, engine: str) -> None:
    text = ("[TencentCloudSDKException] code:InvalidParameter message:value is bad\n"
            f"see AuthFailure docs requestId:{RID}\n")
    assert parse(run, text) == [("InvalidParameter", "value is bad\nsee AuthFailure docs", RID)]
    line = json.dumps({"error": text.rstrip("\n")})
    assert parse(run, line) == [("InvalidParameter", "value is bad\nsee AuthFailure docs", RID)]
    assert grep(run, line + "\n") == [("InvalidParameter", "value is bad\nsee AuthFailure docs", RID)]
