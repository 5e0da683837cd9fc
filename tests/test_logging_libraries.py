"""Errors as real logging libraries write them (issue 20, classes 2 to 6): one finding per error, with
its exact code, message and request ID, alike in `grep --json`, `grep --format plain` and `parse`.

The captures in tests/data/captures are the libraries' real output (the version in each file's name)
of a real SDK error against a loopback fake KMS (see tests/data/captures/README.md)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from kmserr.extract import Extractor
from kmserr.matcher import Matcher
from kmserr.scan import LineScanner, scan_bytes

from .conftest import Runner, feed_in_pieces

CAPTURES = Path(__file__).parent / "data" / "captures"
EX = Extractor()
DISABLED = ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c")
LEGACY_RID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"
# An API 3.0 body whose Message is a legacy one: the Node SDK's code, the legacy code as its module code.
NODE_LEGACY = ("InvalidParameter", "(10630) key is not existed", LEGACY_RID, 10630)
Found = tuple[str, str | None, str | None]


def parse(run: Runner, text: str) -> list[dict[str, object]]:
    result = run("parse", "--format", "json", input=text.encode())
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def grep(run: Runner, text: str) -> list[dict[str, object]]:
    result = run("grep", "--json", input=text.encode())
    return [m for line in result.stdout.splitlines() for m in json.loads(line)["matches"]]


def grep_notes(run: Runner, text: str) -> list[str]:
    """What `grep --format plain` says of each error: each line, a tab, `kmserr: ` and its errors joined by ` | `."""
    result = run("grep", "--format", "plain", input=text.encode())
    notes = [line.rpartition("\tkmserr: ")[2] for line in result.stdout.splitlines()]
    return [error for note in notes for error in note.split(" | ")]


def grep_plain(run: Runner, text: str) -> list[str]:
    """The codes of `grep --format plain`, as the log wrote them."""
    return [error.split(" ", 1)[0] for error in grep_notes(run, text)]


def read(name: str) -> str:
    return (CAPTURES / name).read_text(encoding="utf-8")


def check_everywhere(run: Runner, text: str, want: list[tuple[object, ...]]) -> None:
    """Both readers see exactly `want`: (code, message, request ID) or, with a fourth, the module code."""
    width = len(want[0]) if want else 3
    for found in (parse(run, text), grep(run, text)):
        got = [(m["code"], m["message"], m["request_id"], m["module_code"])[:width] for m in found]
        assert got == want
    # The plain note gives the code as the log wrote it, and the entry that explains it beside it:
    # the module code's, if it has one (`InvalidParameter (10630)`).
    assert grep_plain(run, text) == [w[0] for w in want]
    notes = grep_notes(run, text)
    for w, shown in zip(want, notes, strict=True):
        if len(w) > 3 and w[3] is not None:
            assert shown.startswith(f"{w[0]} ({w[3]}) "), shown


# Class 2: rich's traceback box. Its numbered source lines and its locals panels (below the source,
# or beside it at 200 columns) are variables, not occurrences.
def test_structlog_console_locals_beside_the_source_are_no_occurrences(run: Runner, engine: str) -> None:
    text = read("structlog-26.1.0-rich-15.0.0-console-200.txt")
    assert "│ ❱ 372 │" in text and "code = 'ResourceUnavailable.CmkDisabled'" in text
    check_everywhere(run, text, [DISABLED])


def test_rich_handler_locals_panel_lines_are_no_occurrences(run: Runner, engine: str) -> None:
    text = read("rich-15.0.0-handler-locals-80.txt")
    lines = text.splitlines()
    result = run("grep", "--json", input=text.encode())
    hit_lines = [lines[json.loads(line)["line_number"] - 1] for line in result.stdout.splitlines()]
    assert hit_lines  # the exception's own lines, after the box
    assert not any("\u2502" in line for line in hit_lines)


@pytest.mark.parametrize("line", [
    "│ │ code = 'InvalidParameter'                                                │ │",
    "│ │    e = TencentCloudSDKException('InvalidParameter', '(10630) key is not  │ │",
    "                             │ │ message = '(10630) key is not existed'                   │      │",
    "│ │            │   │   │   'Code': 'ResourceUnavailable.CmkDisabled',        │ │",
    "│   28 │   │   │   client = kms_client.KmsClient(cred)   │     code = 'ClientNetworkError'          │ │",
    "│      \"ap-guangzhou\", ClientProfile(httpProfile=hp))  │     code = 'ClientNetworkError'        │ │",
    "│ ❱ 118 │   │   │   raise TencentCloudSDKException(\"ClientNetworkError\", str(e))   ╰──────────╯ │",
])
def test_lines_of_richs_box_are_no_occurrences(line: str) -> None:
    assert EX.find(line) == []


def test_an_error_in_richs_exception_group_box_is_an_occurrence() -> None:
    # rich draws an ExceptionGroup's sub-exception in a box of its own: its message is the error.
    line = ("│ ValueError: [TencentCloudSDKException] code:InvalidParameter message:bad requestId:"
            "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c │")
    assert [(f.code, f.request_id) for f in EX.find(line)] == [("InvalidParameter", "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c")]


LONG = ("FailedOperation.DecryptError", "The ciphertext could not be decrypted because the CMK kms-3f9a1c2e that "
        "encrypted it is pending deletion and cannot be used.", "5d2c9e7a-1b3f-4c6d-8e0a-2f4b6d8c0e1a")


# Class 2: the exception's line, which rich wraps at its width, is read whole (grep from the lines
# above its last line, as parse reads it): the exact message and request ID, once.
@pytest.mark.parametrize(("capture", "want"), [
    ("structlog-26.1.0-rich-15.0.0-console-80.txt", [LONG]),  # `[TencentCloudSDKException] ` alone on its line
    ("rich-15.0.0-handler-200.txt", [NODE_LEGACY]),  # RichHandler's column
    ("rich-15.0.0-exception-group-80.txt", [DISABLED, LONG]),  # inside the boxes of an ExceptionGroup
])
def test_an_exception_line_that_rich_wrapped_is_read_whole(
    run: Runner, engine: str, capture: str, want: list[tuple[object, ...]]
) -> None:
    check_everywhere(run, read(capture), want)


CHINESE = ("FailedOperation.DecryptError", "解密失败，请检查密文（CiphertextBlob）是否完整。",
           "3e1f5a7c-9b2d-4f6e-8a0c-1d3b5f7e9a2c")


@pytest.mark.usefixtures("core")
def test_a_chinese_message_that_rich_folded_is_joined_without_a_blank(run: Runner, engine: str) -> None:
    # RichHandler at 80 columns: the message's characters are two cells wide, so its first line
    # fills the width with fewer characters than the widest line; rich folded it, no space was there.
    text = read("rich-15.0.0-handler-chinese-80.txt")
    assert "message:解密失败，请检查密文（CiphertextBlob）" in text and "\n                    是否完整。" in text
    check_everywhere(run, text, [CHINESE])


QUOTED = ("InvalidParameterValue.InvalidCiphertext", "The \"CiphertextBlob\" is invalid: can't decode.",
          "6b4d2f0e-8c6a-4e2b-9f1d-3a5c7e9b1d3f")


@pytest.mark.usefixtures("core")
def test_an_error_told_by_structlogs_event_and_raised_by_richs_wrapped_line_counts_once(run: Runner, engine: str) -> None:
    # structlog's console (rich 15.0.0, 60 columns): `log.exception("decrypt failed", error=str(e))`
    # tells the error in the event's line, and rich's traceback raises it again at the margin, its
    # last line beginning where rich broke the text: a colour's ESC (`\x1b[32mConnection refused"`),
    # a quote or a digit as often as a letter.
    text = read("structlog-26.1.0-rich-15.0.0-console-error-60.txt")
    lines = text.splitlines()
    found = grep(run, text)
    assert [(m["code"], m["request_id"]) for m in found] == [
        (code, rid) for code, rid in ((DISABLED[0], DISABLED[2]), (QUOTED[0], QUOTED[2]), ("ClientNetworkError", None))
        for _ in range(2)]
    assert lines[_lines_of(run, text)[-1] - 1].startswith('\x1b[32mConnection refused"')
    rows = json.loads(run("grep", "--summary", "--json", "-", input=text.encode()).stdout)
    assert {row["code"]: row["count"] for row in rows} == {DISABLED[0]: 1, QUOTED[0]: 1, "ClientNetworkError": 1}


@pytest.mark.usefixtures("core")
def test_richs_wrapped_exception_line_behind_kubectls_prefix_and_time_is_read_whole(run: Runner, engine: str) -> None:
    # `kubectl logs --prefix --timestamps` of RichHandler's output (80 columns): each line behind
    # `[pod/.../app] <time> `, the exception's text wrapped below its box as in the app's own output.
    text = read("rich-15.0.0-handler-80-kubectl-prefix-timestamps.txt")
    assert text.startswith("[pod/kms-app-7d9f8c6b5-x2x9q/app] 2024-05-14T08:00:00.123456789Z [")
    check_everywhere(run, text, [DISABLED, QUOTED])


def _lines_of(run: Runner, text: str) -> list[int]:
    """The numbers of the lines that grep reports."""
    return [json.loads(line)["line_number"] for line in run("grep", "--json", input=text.encode()).stdout.splitlines()]


def test_a_request_id_that_rich_folded_is_read_whole(run: Runner, engine: str) -> None:
    # RichHandler at 80 columns: its column (34 characters) folds the code and the request ID, whose
    # parts on the next line make its UUID whole (it was reported as none).
    text = read("rich-15.0.0-handler-80.txt")
    assert "code:ResourceUnavailable.CmkDisabl " in text and "requestId:7c0e4b1a-2d3f-4e5a-8b6c- " in text
    check_everywhere(run, text, [DISABLED])


WRAPPED = [
    "TencentCloudSDKException: [TencentCloudSDKException] ",
    "code:InvalidParameter message:the value is bad ",
    "requestId:7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c",
]


@pytest.mark.parametrize("sizes", [[1], [7, 300], [4096], [1 << 20]])
def test_a_wrapped_exception_line_read_in_pieces_is_read_whole(engine: str, sizes: list[int]) -> None:
    """Reads that end inside the wrapped lines (a slow pipe, a live log): the same error."""
    data = read("structlog-26.1.0-rich-15.0.0-console-80.txt").encode()
    hits = feed_in_pieces(LineScanner(Matcher.for_extractor(Extractor())), data, sizes)
    assert [(f.code, f.message, f.request_id) for h in hits for f in h.findings] == [LONG]


def test_a_part_that_starts_inside_a_wrapped_exception_line_reads_it(engine: str) -> None:
    """`grep -j`: a part that begins between rich's exception line and its request ID (resumed
    with the bytes above it) reads the error as one scanner does."""
    data = "\n".join(WRAPPED).encode() + b"\n"
    cut = data.index(b"code:")
    scanner = LineScanner(Matcher.for_extractor(Extractor()))
    scanner.resume(1, data[:cut])
    hits = scanner.feed(data[cut:]) + scanner.finish()
    assert [(f.code, f.request_id) for h in hits for f in h.findings] == [("InvalidParameter", WRAPPED[2][10:])]


def test_rich_exception_lines_one_after_another_are_not_joined(engine: str) -> None:
    """A wrapped line ends where another begins: each reads its own lines (one without its request
    ID, which the SDK always prints, is a line cut short: its code and message as far as they go)."""
    cut_short = "TencentCloudSDKException: [TencentCloudSDKException] code:AuthFailure message:denied"
    text = "\n".join([cut_short, cut_short, *WRAPPED]) + "\n"
    want = [("AuthFailure", "denied", None)] * 2 + [("InvalidParameter", "the value is bad", WRAPPED[2][10:])]
    # parse reads one text: the same error told again on the line below is that error (`_once_a_line`).
    assert [(f.code, f.message, f.request_id) for f in EX.find(text)] == want[1:]
    assert [(f.code, f.message, f.request_id) for h in scan_bytes(text.encode()) for f in h.findings] == want


def test_grep_reports_a_wrapped_exception_line_on_its_last_line(run: Runner, engine: str) -> None:
    text = "2024-05-14 08:00:01 [error    ] decrypt failed\n" + "\n".join(WRAPPED) + "\nnext record\n"
    result = run("grep", "--json", input=text.encode())
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(d["line_number"], [(m["code"], m["message"], m["request_id"]) for m in d["matches"]]) for d in lines] == [
        (4, [("InvalidParameter", "the value is bad", "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c")])
    ]


def test_a_line_like_rich_continuation_without_richs_head_is_read_alone() -> None:
    # The .NET SDK's text at a line's start, with no rich exception line above: its own error.
    assert [f.code for f in EX.find(WRAPPED[1])] == ["InvalidParameter"]
    assert [f.code for f in EX.find(WRAPPED[1], before="some other line\n")] == ["InvalidParameter"]


def test_pythons_own_traceback_line_with_a_newline_keeps_it() -> None:
    # Python's traceback names the exception's module: no rich wrapping, the newline is the message's.
    text = ("tencentcloud.common.exception.tencent_cloud_sdk_exception.TencentCloudSDKException: "
            "[TencentCloudSDKException] code:InvalidParameter message:line one\nline two requestId:r-1234567890")
    assert [(f.code, f.message) for f in EX.find(text)] == [("InvalidParameter", "line one\nline two")]


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz.,()'", min_size=1, max_size=12)


@given(
    words=st.lists(WORDS, min_size=1, max_size=40), width=st.integers(min_value=60, max_value=200),
    boxed=st.booleans(), code=st.sampled_from(["InvalidParameter", "ResourceUnavailable.CmkDisabled"]),
)
def test_any_width_that_rich_wraps_at_reads_the_same_error(words: list[str], width: int, boxed: bool, code: str) -> None:
    """rich's own wrapping (a line of the console, or a box as an ExceptionGroup's), at any width:
    the code, message and request ID of the SDK's text, alike a line at a time and whole."""
    message, rid = " ".join(words), "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c"
    line = f"TencentCloudSDKException: [TencentCloudSDKException] code:{code} message:{message} requestId:{rid}"
    console = Console(file=io.StringIO(), width=width, color_system=None, legacy_windows=False)
    console.print(Panel(Text(line)) if boxed else Text(line))
    text = "2024-05-14 08:00:01 [error    ] decrypt failed\n" + console.file.getvalue() + "next\n"  # type: ignore[attr-defined]
    want = [(code, message, rid)]
    assert [(f.code, f.message, f.request_id) for f in EX.find(text)] == want
    assert [(f.code, f.message, f.request_id) for hit in scan_bytes(text.encode()) for f in hit.findings] == want


# Class 3: loguru's diagnose notes, drawn `->` and `|` where the sink cannot encode `└` and `│`.
def test_loguru_ascii_diagnose_notes_are_variables(run: Runner, engine: str) -> None:
    text = read("loguru-0.7.3-diagnose-ascii.txt")
    assert "-> 'ResourceUnavailable.CmkDisabled'" in text
    check_everywhere(run, text, [DISABLED])


@pytest.mark.parametrize("line", [
    "          |                        -> 'ResourceUnavailable.CmkDisabled'",
    "          -> TencentCloudSDKException('ResourceUnavailable.CmkDisabled', 'CMK is disabled.', 'x-1')",
    "    │  -> 'ResourceUnavailable.CmkDisabled'",
])
def test_loguru_arrow_notes_are_no_occurrences(line: str) -> None:
    assert EX.find(line) == []


def test_an_arrow_in_ordinary_text_is_still_read() -> None:
    assert [f.code for f in EX.find("retry -> AuthFailure.SignatureFailure")] == ["AuthFailure.SignatureFailure"]


# Class 4: one record, one error, with or without a request ID.
REFUSED_START = "HTTPConnectionPool(host='127.0.0.1', port="
REFUSED_END = "[Errno 111] Connection refused\"))"


@pytest.mark.parametrize("capture", [
    "python-json-logger-4.2.0-refused.txt",  # exc_info, "error" and "code" fields
    "sentry-like-event-refused.txt",  # message, exception.values and extra.traceback
    "loguru-0.7.3-serialize-ascii-refused.txt",  # "text" and "record"
])
def test_a_record_that_names_an_error_without_request_id_twice_is_one_error(
    run: Runner, engine: str, capture: str
) -> None:
    text = read(capture)
    for found in (parse(run, text), grep(run, text)):
        assert [(m["code"], m["request_id"]) for m in found] == [("ClientNetworkError", None)]
        message = str(found[0]["message"])
        assert message.startswith(REFUSED_START) and message.endswith(REFUSED_END)
    assert grep_plain(run, text) == ["ClientNetworkError"]


def test_a_code_field_beside_the_sdks_legacy_text_is_the_same_error(run: Runner, engine: str) -> None:
    # python-json-logger with `extra={"error": str(e), "code": e.get_code()}`: the Python SDK's text
    # of a legacy message reads as the module code (its code_desc the SDK's code).
    text = read("python-json-logger-4.2.0-legacy.txt")
    assert '"code": "InvalidParameter"' in text
    check_everywhere(run, text, [NODE_LEGACY])


def test_two_errors_without_request_id_outside_a_record_stay_two() -> None:
    line = "TencentCloudSDKException('AuthFailure', 'denied', None); TencentCloudSDKException('AuthFailure', 'denied', None)"
    assert len(EX.find(line)) == 2


def test_a_record_with_two_different_errors_keeps_both() -> None:
    rid = DISABLED[2]
    line = json.dumps({"code": "AuthFailure", "error": f"[TencentCloudSDKException] code:InvalidParameter message:bad requestId:{rid}"})
    assert [f.code for f in EX.find(line)] == ["AuthFailure", "InvalidParameter"]


# Class 5: winston's simple() format, the message before the metadata.
def test_winston_simple_reads_the_message_before_the_metadata(run: Runner, engine: str) -> None:
    check_everywhere(run, read("winston-3.19.0-simple.txt"), [DISABLED])


def test_winston_simple_needs_a_level_before_the_message() -> None:
    line = 'something: CMK is disabled. {"code":"ResourceUnavailable.CmkDisabled","requestId":"r-12345678"}'
    assert [(f.code, f.message) for f in EX.find(line)] == [("ResourceUnavailable.CmkDisabled", None)]


# Class 6: a legacy message inside a Node SDK error object is that error's detail, not a second error.
@pytest.mark.parametrize("capture", [
    "pino-10.4.0-legacy.txt",
    "bunyan-2.0.5-legacy.txt",  # no message in bunyan's err: the code and request ID
    "winston-3.19.0-json-legacy.txt",
    "winston-3.19.0-simple-legacy.txt",
    "node-sdk-4.1.313-console-error-legacy.txt",
])
def test_a_legacy_message_in_a_node_error_is_its_module_code(run: Runner, engine: str, capture: str) -> None:
    text = read(capture)
    want = [NODE_LEGACY] if "bunyan" not in capture else [("InvalidParameter", None, LEGACY_RID, None)]
    check_everywhere(run, text, want)


def test_a_legacy_message_outside_a_node_header_is_still_an_error() -> None:
    assert [f.code for f in EX.find("Decrypt failed: (10630) key is not existed")] == ["10630"]


@example(name="Error", message="(10630) key is not existed", nested="metadata")  # the legacy case, one error
@given(
    name=st.sampled_from(["Error", "TypeError", "TencentCloudSDKHttpException [Error]"]),
    # No capital letters nor parentheses: no code name or legacy code of its own in the message.
    message=st.text(st.characters(blacklist_categories=("Cs", "Lu", "Lt"), blacklist_characters="()"),
                    min_size=1, max_size=60).filter(lambda m: m.strip() and "\n" not in m and "\r" not in m),
    nested=st.sampled_from(["@fields", "metadata", "err"]),
)
def test_a_winston_records_stack_gives_its_message(name: str, message: str, nested: str) -> None:
    """winston's errors({stack: true}) with logstash() or metadata() puts the code, request ID and
    stack in an object of their own, the message out of it: the stack's first line holds it, and a
    legacy code in it is that error's, not a second one."""
    stack = f"{name}: {message}\n    at Client.parseResponse (/app/abstract_client.js:268:37)"
    record = {nested: {"code": "InvalidParameter", "requestId": "fe8f784b-03df-410a-bd57-97fc5223bc06",
                       "stack": stack}, "@timestamp": "2026-12-05T09:32:02.616Z"}
    found = Extractor().find(json.dumps(record, ensure_ascii=False))
    assert [(f.code, f.message, f.request_id) for f in found] == [
        ("InvalidParameter", message, "fe8f784b-03df-410a-bd57-97fc5223bc06")]


@pytest.mark.parametrize(("stack", "message"), [
    ("Error\n    at f (/app/a.js:1:1)", None),  # an error without a message names its class only
    ("Error: first line\nsecond line\n    at f (/app/a.js:1:1)", "first line\nsecond line"),
    ("Error: (10630) key is not existed", "(10630) key is not existed"),  # no frames at all
])
def test_a_stacks_message_is_its_text_up_to_the_first_frame(stack: str, message: str | None) -> None:
    line = json.dumps({"metadata": {"code": "InvalidParameter", "requestId": "r-1", "stack": stack}})
    assert [f.message for f in Extractor().find(line) if f.code == "InvalidParameter"] == [message]


def test_util_inspects_hidden_stack_and_message_are_the_errors_own(run: Runner, engine: str) -> None:
    """`console.error("%o", err)` prints an error's hidden `[stack]` and `[message]` between its
    stack and its `code:`: the message is read from the header above them, and the legacy code
    they repeat is no error of its own."""
    lines = [
        "Decrypt failed TencentCloudSDKHttpException [Error]: (10630) key is not existed",
        "    at Client.parseResponse (/app/abstract_client.js:268:37) {",
        "  [stack]: 'Error: (10630) key is not existed\\n' +",
        "    '    at Client.parseResponse (/app/abstract_client.js:268:37)',",
        "  [message]: '(10630) key is not existed',",
        "  requestId: '182065d1-45fb-41e2-a766-b6d5e4755cff',",
        "  traceId: '',",
        "  code: 'InvalidParameter'",
        "}",
    ]
    result = run("grep", "--json", "-", input="\n".join(lines) + "\n")
    found = [(r["line_number"], m["code"], m["message"], m["request_id"])
             for r in map(json.loads, result.stdout.splitlines()) for m in r["matches"]]
    assert found == [(8, "InvalidParameter", "(10630) key is not existed", "182065d1-45fb-41e2-a766-b6d5e4755cff")]


@pytest.mark.parametrize("words", ["Decrypt failed", "kms: decrypt of key kms-abc failed"])
def test_a_legacy_code_after_the_apps_words_is_the_errors_own(words: str) -> None:
    """winston's splat (`logger.error("Decrypt failed: %s", err.message, {code, requestId})`) puts
    the app's words before the SDK's message: its legacy code is the error beside it, not a second."""
    line = (f'error: {words}: (10630) key is not existed '
            '{"code":"InvalidParameter","requestId":"f1d18f0c-ef6d-48ae-82dd-361cd176604b"}')
    found = Extractor().find(line)
    assert [(f.code, f.module_code, f.request_id) for f in found] == [
        ("InvalidParameter", 10630, "f1d18f0c-ef6d-48ae-82dd-361cd176604b")]
