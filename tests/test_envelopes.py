"""Platform envelopes (kmserr/envelopes.py): a line inside Docker's json-file record, a journald
JSON entry, a Kubernetes CRI record or a syslog line reads exactly as the app's line alone."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kmserr import envelopes, explain_text
from kmserr.cli import ENVELOPE_CHOICES
from kmserr.envelopes import open_line, partial_above
from kmserr.extract import Extractor
from kmserr.forms import Finding
from kmserr.scan import scan_bytes
from scripts.capture_clients import go_escape

from .conftest import DATA, Runner

EX = Extractor()
NODE_ERROR = (DATA / "clients" / "node-sdk-4.1.313-node-v20.20.2" / "console-error.txt").read_text(encoding="utf-8")
TIME = "2024-05-14T08:00:00.123456789Z"
RID = "7241dd4f-4265-44d2-a00e-4ac44f0d69d9"
SDK_LINE = f"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:CMK is disabled. requestId:{RID}"
API3_BODY = ('{"Response": {"Error": {"Code": "ResourceUnavailable.CmkDisabled", "Message": "CMK is <disabled> & off."}, '
             f'"RequestId": "{RID}"}}}}')
JSON_RECORD = json.dumps({"level": "error", "msg": "Decrypt failed", "error": SDK_LINE})


# -- the envelopes, written as the platforms write them ---------------------------------------


moby_string = go_escape  # the capture script's port of moby's escaper: one copy of it


def docker(line: str, stream: str = "stderr", time: str = TIME, cut: int = 16 * 1024) -> str:
    """The json-file records of one app line: a line longer than `cut` bytes in several records,
    only the last with its newline (as moby's 16 KiB buffer splits it)."""
    data = (line + "\n").encode("utf-8", "surrogateescape")
    pieces = [data[at : at + cut] for at in range(0, len(data), cut)]
    return "\n".join(f'{{"log":{moby_string(p)},"stream":"{stream}","time":"{time}"}}' for p in pieces)


def journald(line: str, time: str = "1715673600123456") -> str:
    """A `journalctl -o json` entry (keys in journalctl's order, the message among them)."""
    data = line.encode("utf-8", "surrogateescape")
    try:
        message: object = data.decode("utf-8")
    except UnicodeDecodeError:
        message = list(data)
    entry = {"__CURSOR": "s=1;i=2", "__REALTIME_TIMESTAMP": time, "_PID": "1234", "MESSAGE": message,
             "_COMM": "node", "SYSLOG_IDENTIFIER": "app"}
    return json.dumps(entry, ensure_ascii=False)


def cri(line: str, stream: str = "stderr", cut: int = 16 * 1024) -> str:
    """The CRI records of one app line: P for each piece but the last, F for the last."""
    pieces = [line[at : at + cut] for at in range(0, len(line), cut)] or [""]
    return "\n".join(f"{TIME} {stream} {'F' if i == len(pieces) - 1 else 'P'} {p}" for i, p in enumerate(pieces))


def rfc5424(line: str) -> str:
    return f'<165>1 2003-10-11T22:14:15.003Z host app 1234 ID47 [exampleSDID@32473 iut="3" eventSource="A\\]pp\\"x"] {line}'


def rfc3164(line: str) -> str:
    return f"<34>Oct 11 22:14:15 mymachine app[123]: {line}"


def syslog_file(line: str) -> str:
    return f"Oct 11 22:14:15 mymachine app[123]: {line}"


def rsyslog_iso(line: str) -> str:
    return f"2024-05-14T08:00:00.123456+08:00 mymachine app: {line}"


WRAPPERS: dict[str, Callable[[str], str]] = {
    "docker": docker, "journald": journald, "cri": cri, "syslog-5424": rfc5424, "syslog-3164": rfc3164,
    "syslog-file": syslog_file, "syslog-iso": rsyslog_iso,
}
KIND = {"docker": "docker", "journald": "journald", "cri": "cri"}


def kind_of(wrapper: str) -> str:
    return KIND.get(wrapper, "syslog")


def read(data: str, envelope: str = "auto") -> list[tuple[str, str | None, str | None, str, str | None]]:
    """What grep reads in a text: each finding's code, message, request ID, form and envelope."""
    hits = scan_bytes(data.encode("utf-8", "surrogateescape"), envelope=envelope)
    return [(f.code, f.message, f.request_id, f.form, f.envelope) for h in hits for f in h.findings]


def bare(found: list[tuple[str, str | None, str | None, str, str | None]]) -> list[tuple[object, ...]]:
    return [f[:4] for f in found]


# -- each envelope, exactly ---------------------------------------------------------------------


def test_docker_record_is_read_as_its_log() -> None:
    line = '{"log":"a \\u003cb\\u003e \\u0026 \\"q\\" \\\\ \\u0009tab\\n","stream":"stderr","time":"2024-05-14T08:00:00Z"}'
    record = open_line(line)
    assert record is not None
    assert (record.kind, record.text, record.partial, record.time) == ("docker", 'a <b> & "q" \\ \ttab', False,
                                                                       "2024-05-14T08:00:00Z")


def test_docker_record_without_its_newline_is_a_cut_line() -> None:
    record = open_line('{"log":"first half","stream":"stdout","time":"2024-05-14T08:00:00.1Z"}')
    assert record is not None and record.partial and record.text == "first half"


def test_docker_with_attrs() -> None:
    line = '{"log":"x\\n","stream":"stdout","attrs":{"tag":"kms"},"time":"2024-05-14T08:00:00Z"}'
    record = open_line(line)
    assert record is not None and record.text == "x"


@pytest.mark.parametrize("line", [
    '{"log":"x\\n","level":"error","time":"2024-05-14T08:00:00Z"}',  # an app's record with a log key
    '{"log":"x\\n","stream":"stderr"}',  # no time
    '{"log":"x\\n","stream":"stderr","time":"2024-05-14T08:00:00Z"',  # cut short
    '{"log":"x\\u00"}',
    '{"log":',
    '{"log":1,"time":"t"}',
])
def test_not_docker(line: str) -> None:
    assert open_line(line) is None


def test_journald_entry_in_any_key_order_and_spacing() -> None:
    compact = '{"MESSAGE":"hello \\"you\\"","__REALTIME_TIMESTAMP":"1715673600123456","_PID":"7"}'
    spaced = '{ "__CURSOR" : "s=1", "__REALTIME_TIMESTAMP" : "1715673600123456", "MESSAGE" : "hello \\"you\\"" }'
    for line in (compact, spaced):
        record = open_line(line)
        assert record is not None
        assert (record.kind, record.text, record.time, record.escaped) == ("journald", 'hello "you"',
                                                                           "1715673600123456", True)
        assert line[record.start : record.end] == 'hello \\"you\\"'


def test_journald_message_as_bytes() -> None:
    data = list("code (10630) key is not existed \xff".encode("latin-1"))
    line = json.dumps({"__REALTIME_TIMESTAMP": "1715673600123456", "MESSAGE": data})
    record = open_line(line)
    assert record is not None and record.raw
    assert record.text == "code (10630) key is not existed \udcff"
    found = EX.find(line)
    assert [(f.code, f.envelope) for f in found] == [("10630", "journald")]
    start = line.index("[")
    assert (found[0].start, found[0].end) == (start, start)  # no character of its own: the array's start


def test_journald_line_max_is_a_cut_line() -> None:
    line = '{"__CURSOR":"s","MESSAGE":"abc","_LINE_BREAK":"line-max"}'
    record = open_line(line)
    assert record is not None and record.partial


def test_cri_records() -> None:
    full = open_line(f"{TIME} stderr F   code: 'X'")
    part = open_line("2024-05-14T08:00:00.1+08:00 stdout P first")
    empty = open_line(f"{TIME} stdout F")
    assert full is not None and (full.kind, full.text, full.partial, full.time) == ("cri", "  code: 'X'", False, TIME)
    assert part is not None and (part.text, part.partial) == ("first", True)
    assert empty is not None and empty.text == ""
    # No CRI stream: the kubelet's time before a line of the app's (`kubectl logs --timestamps`).
    stdin = open_line(f"{TIME} stdin F x")
    assert stdin is not None and (stdin.kind, stdin.text) == ("kubectl", "stdin F x")


@pytest.mark.parametrize(("line", "text", "time"), [
    ("[pod/kms-app-7d9f8c6b5-x2x9q/app] 2024-05-14T08:00:00.123456789Z   code: 'X'", "  code: 'X'",
     "2024-05-14T08:00:00.123456789Z"),
    ("[pod/kms-app-7d9f8c6b5-x2x9q/app]     raise E(code)", "    raise E(code)", None),
    ("2024-05-14T08:00:00.120000000Z Traceback (most recent call last):", "Traceback (most recent call last):",
     "2024-05-14T08:00:00.120000000Z"),
    ("2024-05-14T16:00:00.123456789+08:00 │ ❱ 118 │ raise", "│ ❱ 118 │ raise", "2024-05-14T16:00:00.123456789+08:00"),
])
def test_kubectl_logs_prefix_and_timestamps(line: str, text: str, time: str | None) -> None:
    """`kubectl logs --prefix --timestamps`: `[pod/<pod>/<container>] ` and the kubelet's time (nine
    digits of nanoseconds, always), either alone; the app's line after them as it wrote it."""
    record = open_line(line)
    assert record is not None and (record.kind, record.text, record.time, record.partial) == ("kubectl", text, time, False)
    assert envelopes.may_wrap(line)


@pytest.mark.parametrize("line", [
    "2024-05-14T08:00:00.123Z ERROR kms: [TencentCloudSDKException] code:X",  # an app's own time: milliseconds
    "2024-05-14T08:00:00.123456Z Traceback (most recent call last):",  # microseconds: rsyslog's, journald's
    "[pod] message", "[podcast] x", "[pod/a b/c] x",
])
def test_lines_like_kubectls_are_not_opened(line: str) -> None:
    assert open_line(line) is None


@pytest.mark.parametrize(("line", "text", "time"), [
    ('<165>1 2003-10-11T22:14:15.003Z host app 1234 ID47 [exampleSDID@32473 iut="3" x="a\\]b\\"c"] '
     "\ufeffthe message", "the message", "2003-10-11T22:14:15.003Z"),
    ('<165>1 2003-10-11T22:14:15.003Z host app - - [a@1 b="]"][c@2] two elements', "two elements",
     "2003-10-11T22:14:15.003Z"),
    ("<165>1 - - - - - - no time", "no time", None),
    ("<34>Oct 11 22:14:15 mymachine su: 'su root' failed", "'su root' failed", "Oct 11 22:14:15"),
    ("Oct  1 22:14:15 mymachine app[123]:   indented", "  indented", "Oct  1 22:14:15"),
    ("2024-05-14T08:00:00.123456+08:00 host app[9]: iso", "iso", "2024-05-14T08:00:00.123456+08:00"),
])
def test_syslog_lines(line: str, text: str, time: str | None) -> None:
    record = open_line(line)
    assert record is not None
    assert (record.kind, record.text, record.time) == ("syslog", text, time)


@pytest.mark.parametrize("line", [
    "2024-05-14 08:00:00,123 ERROR kms: Decrypt failed",
    "2024-05-14T08:00:00Z ERROR kms: Decrypt failed",  # an app's level and logger, no host and tag
    "Oct 11 22:14:15 WARN retry: again",
    "2024-05-14T08:00:00Z info kms: Decrypt failed",
    "May the force be with you: ResourceUnavailable.CmkDisabled",
    "<html><body>error</body></html>",
    '{"level":"error","msg":"x"}',
    "12345 items",
])
def test_ordinary_lines_are_in_no_envelope(line: str) -> None:
    assert open_line(line) is None


def test_iso_syslog_with_an_upper_case_host_is_read_when_named() -> None:
    """auto takes a host after an RFC 3339 time only in lower case or digits (an app's `ERROR` is
    no host); `--envelope syslog` takes any."""
    line = "2024-05-14T08:00:00Z MYHOST app[1]: (10630) key is not existed"
    assert open_line(line) is None
    record = open_line(line, "syslog")
    assert record is not None and record.text == "(10630) key is not existed"
    assert open_line("2024-05-14T08:00:00Z 10.0.0.7 app[1]: x") is not None


@given(st.sampled_from(["2024-05-14T08:00:00Z ", "2024-05-14T08:00:00.123456789Z ", "<1>", "Oct 11 22:14:15 ", "{",
                        "\x1e{", "1"]), st.text(st.sampled_from(list("abAB :[]01\"{}<>-T")), max_size=40))
def test_property_the_cheap_test_never_says_no_to_an_envelope(head: str, rest: str) -> None:
    """`may_wrap` (the test every line takes) never turns away a line that AUTO would open."""
    line = head + rest
    if open_line(line) is not None:
        assert envelopes.may_wrap(line)


def test_a_named_envelope_reads_only_its_own() -> None:
    line = cri(SDK_LINE)
    assert open_line(line, "docker") is None
    assert open_line(line, "none") is None
    record = open_line(line, "cri")
    assert record is not None and record.text == SDK_LINE


def test_the_choices_agree() -> None:
    assert ENVELOPE_CHOICES == envelopes.CHOICES


def test_an_unknown_envelope_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown envelope"):
        scan_bytes(b"x\n", envelope="fluentd")
    with pytest.raises(ValueError, match="unknown envelope"):
        explain_text("x", envelope="gelf")


# -- what is read: the same as the app's line alone ---------------------------------------------


APP_LINES = [SDK_LINE, API3_BODY, JSON_RECORD, "(10630) key is not existed", 'cause: "<b> \\u0026 \t" ' + SDK_LINE]


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
@pytest.mark.parametrize("app", APP_LINES)
def test_wrapped_line_reads_as_the_line_alone(wrapper: str, app: str) -> None:
    alone = read(app + "\n")
    assert alone
    wrapped = read(WRAPPERS[wrapper](app) + "\n")
    assert bare(wrapped) == bare(alone)
    assert {f[4] for f in wrapped} == {kind_of(wrapper)}


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
def test_api3_body_keeps_message_and_request_id(wrapper: str) -> None:
    """The issue's case: the code was kept, the message and request ID lost."""
    found = read(WRAPPERS[wrapper](API3_BODY) + "\n")
    assert found == [("ResourceUnavailable.CmkDisabled", "CMK is <disabled> & off.", RID, "api3-json", kind_of(wrapper))]


def test_none_reads_the_line_as_it_stands() -> None:
    """No envelope opened: the escaped body is read inside its JSON string, as any such record's is
    (`\\"Code\\"`), and the finding names no envelope."""
    found = read(docker(API3_BODY) + "\n", envelope="none")
    assert [(f[0], f[3], f[4]) for f in found] == [("ResourceUnavailable.CmkDisabled", "api3-json", None)]
    assert [f[:4] for f in found] == [f[:4] for f in read(docker(API3_BODY) + "\n")]


def node_block(case: str = "cmk-disabled") -> list[str]:
    text = NODE_ERROR.split(f"# case {case}\n", 1)[1]
    return text.split("\n# case", 1)[0].rstrip("\n").split("\n")


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
def test_node_error_across_envelope_lines(wrapper: str) -> None:
    """console.error's Node SDK error spans lines, each in its own envelope: the code line still
    gets the message and request ID of the lines above it."""
    lines = node_block()
    wrapped = "\n".join(WRAPPERS[wrapper](line) for line in lines) + "\n"
    assert read(wrapped) == [("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RID, "node-sdk", kind_of(wrapper))]


@pytest.mark.usefixtures("engine")
def test_whole_node_capture_in_docker_and_cri() -> None:
    lines = [line for line in NODE_ERROR.split("\n") if line and not line.startswith("#")]
    alone = read("\n".join(lines) + "\n")
    assert len(alone) >= 5
    for wrap in (docker, cri, rfc5424):
        assert bare(read("\n".join(wrap(line) for line in lines) + "\n")) == bare(alone)


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("wrap", [docker, cri])
def test_a_cut_line_is_read_whole(wrap: Callable[..., str]) -> None:
    """Docker and CRI cut a line at 16 KiB: the records are read as one line; each code is
    reported on the record that holds it, with what follows in the next records (its message's
    tail and request ID: the record was read alone, its message cut short and no request ID)."""
    app = f"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:{'x' * 40} requestId:{RID}"
    cut = app.index("message:") + 20
    records = wrap(app, cut=cut).split("\n")
    assert len(records) == 2
    hits = scan_bytes(("\n".join(records) + "\n").encode())
    assert [(h.line_number, [(f.code, f.message, f.request_id) for f in h.findings]) for h in hits] == [
        (1, [("ResourceUnavailable.CmkDisabled", "x" * 40, RID)]),
    ]
    # A body whose `"Error"` key is in the record above its code: read together, as one line.
    body_cut = API3_BODY.index('"Code"')
    head = API3_BODY[:body_cut]
    cut_record = (f'{{"log":{moby_string(head.encode())},"stream":"stderr","time":"{TIME}"}}' if wrap is docker
                  else f"{TIME} stderr P {head}")
    records = [cut_record, wrap(API3_BODY[body_cut:])]
    hits = scan_bytes(("\n".join(records) + "\n").encode())
    assert [(h.line_number, [(f.code, f.message, f.request_id) for f in h.findings]) for h in hits] == [
        (2, [("ResourceUnavailable.CmkDisabled", "CMK is <disabled> & off.", RID)]),
    ]
    line = hits[0].line.decode()
    finding = hits[0].findings[0]
    assert line[finding.start : finding.end] == "ResourceUnavailable.CmkDisabled"


def test_cut_line_above_is_noticed_cheaply() -> None:
    part = f"{TIME} stderr P first\n".encode()
    whole = f"{TIME} stderr F first\n".encode()
    assert partial_above(part, 0, len(part))
    assert not partial_above(whole, 0, len(whole))
    cut_docker = b'{"log":"half","stream":"stderr","time":"t"}\n'
    full_docker = b'{"log":"whole\\n","stream":"stderr","time":"t"}\n'
    assert partial_above(cut_docker, 0, len(cut_docker))
    assert not partial_above(full_docker, 0, len(full_docker))
    assert partial_above(b'x\n{"MESSAGE":"a","_LINE_BREAK":"line-max"}\n', 2, 43)
    assert not partial_above(b"2024-05-14 08:00:00 plain line\n", 0, 31)


# -- where a finding stands: in the line as written ---------------------------------------------


@pytest.mark.parametrize("wrapper", sorted(set(WRAPPERS) - {"journald"}))
def test_code_is_located_in_the_original_line(wrapper: str) -> None:
    line = WRAPPERS[wrapper](SDK_LINE)
    (found,) = EX.find(line)
    assert line[found.start : found.end] == "ResourceUnavailable.CmkDisabled"


def test_escaped_code_spans_its_escapes() -> None:
    line = '{"log":"\\u003cb\\u003e \\u0022 AuthFailure.Signature\\u0046ailure!\\n","stream":"stderr","time":"t"}'
    (found,) = EX.find(line)
    assert found.code == "AuthFailure.SignatureFailure"
    assert line[found.start : found.end] == "AuthFailure.Signature\\u0046ailure"


def test_parse_of_a_whole_docker_log() -> None:
    text = "\n".join(docker(line) for line in node_block()) + "\n" + docker(API3_BODY)
    items = explain_text(text)
    assert [(i.finding.code, i.finding.message, i.finding.request_id, i.finding.envelope) for i in items] == [
        ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RID, "docker"),
        ("ResourceUnavailable.CmkDisabled", "CMK is <disabled> & off.", RID, "docker"),
    ]
    for item in items:
        assert text[item.finding.start : item.finding.end] == "ResourceUnavailable.CmkDisabled"


# -- properties -----------------------------------------------------------------------------------

CODES = ["ResourceUnavailable.CmkDisabled", "AuthFailure.SignatureFailure", "InvalidParameterValue.InvalidCiphertext",
         "RequestLimitExceeded", "FailedOperation.DecryptError", "InternalError"]
MESSAGE_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from(
    [*"<>&\"'\\\t{}[]():=", "解", "\u00e9"])
MESSAGES = st.text(MESSAGE_CHARS, min_size=1, max_size=40).map(str.strip).filter(bool)
REQUEST_IDS = st.uuids().map(str)


@st.composite
def app_lines(draw: st.DrawFn) -> str:
    """An app line in one of the forms kmserr reads, with an arbitrary message."""
    code, message, rid = draw(st.sampled_from(CODES)), draw(MESSAGES), draw(REQUEST_IDS)
    sdk = f"[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}"
    forms = [
        sdk,
        json.dumps({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": rid}}),
        json.dumps({"level": "error", "msg": message, "error": sdk}),
        f"[TencentCloudSDKError] Code={code}, Message={message}, RequestId={rid}",
        f"ERROR {draw(MESSAGES)} {sdk}",
    ]
    return draw(st.sampled_from(forms))


@pytest.mark.usefixtures("engine")
@given(app=app_lines(), wrapper=st.sampled_from(sorted(WRAPPERS)))
def test_property_wrapping_changes_nothing_read(app: str, wrapper: str) -> None:
    alone = read(app + "\n")
    assume(alone)
    # rsyslog writes a tab, a line feed and ESC as `#011`, `#012`, `#033`: an app's own is read so too.
    assume(kind_of(wrapper) != "syslog" or not re.search("#0(?:1[12]|33)", app))
    wrapped = read(WRAPPERS[wrapper](app) + "\n")
    assert bare(wrapped) == bare(alone)
    assert all(f[4] == kind_of(wrapper) for f in wrapped)


@st.composite
def node_errors(draw: st.DrawFn) -> list[str]:
    """A Node SDK error as console.error prints it (util.inspect), with arbitrary message and ID."""
    block = node_block(draw(st.sampled_from(["cmk-disabled", "signature", "chinese"])))
    message = draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
                           min_size=1, max_size=30).map(str.strip).filter(bool))
    head = block[0].split("[Error]: ", 1)[0]
    rid = draw(REQUEST_IDS)
    return [f"{head}[Error]: {message}", *block[1:4], f"  requestId: '{rid}',", *block[5:]]


@pytest.mark.usefixtures("engine")
@given(lines=node_errors(), wrapper=st.sampled_from(["docker", "cri", "syslog-5424", "syslog-3164", "journald"]))
def test_property_node_blocks_across_envelopes(lines: list[str], wrapper: str) -> None:
    alone = read("\n".join(lines) + "\n")
    assume(alone)
    wrapped = read("\n".join(WRAPPERS[wrapper](line) for line in lines) + "\n")
    assert bare(wrapped) == bare(alone)


@given(st.sampled_from(['{"log":"', '{"MESSAGE":"', "<165>1 ", f"{TIME} stderr P ", f"{TIME} stdout F ",
                        "Oct 11 22:14:15 h a: ", '{"__CURSOR":"', "\x1e{"]),
       st.text(st.characters(codec="utf-8"), max_size=200))
def test_property_hostile_envelopes(head: str, rest: str) -> None:
    """Malformed or truncated envelopes never raise, and every finding stands where it says."""
    line = (head + rest).replace("\n", " ")
    for envelope in envelopes.CHOICES:
        for found in EX.find(line, envelope=envelope):
            assert 0 <= found.start <= found.end <= len(line)


def test_hostile_large_lines() -> None:
    escapes = '{"log":"' + "\\u0041" * 150_000 + ' AuthFailure\\n","stream":"stderr","time":"t"}'
    (found,) = EX.find(escapes)
    assert (found.code, found.envelope) == ("AuthFailure", "docker")
    assert escapes[found.start : found.end] == "AuthFailure"
    crowded = '{"log":"' + ("\\u0041" * 1500 + " AuthFailure ") * 100 + '\\n","stream":"stderr","time":"t"}'
    found_all = EX.find(crowded)
    assert len(found_all) == 100 and {crowded[f.start : f.end] for f in found_all} == {"AuthFailure"}
    unclosed = '{"log":"' + "x" * 2_000_000 + " AuthFailure"
    assert [(f.code, f.envelope) for f in EX.find(unclosed)] == [("AuthFailure", None)]
    deep = '{"__CURSOR":"s","MESSAGE":' + "[" * 100_000 + "]" * 100_000 + "}"
    assert EX.find(deep) == []


def test_not_docker_json_gives_no_false_findings() -> None:
    line = '{"log":"InvalidParameter handled","time":"now","level":"info","note":"retry"}'
    assert [f.envelope for f in EX.find(line)] == [None]  # read as it stands, as before


# -- the envelope's time, and the CLI -------------------------------------------------------------


def test_envelope_time_when_the_app_line_has_none() -> None:
    now = datetime(2024, 6, 1, tzinfo=timezone.utc)
    cases = {
        docker(SDK_LINE): datetime(2024, 5, 14, 8, 0, 0, 123456, tzinfo=timezone.utc),
        journald(SDK_LINE): datetime(2024, 5, 14, 8, 0, 0, 123456, tzinfo=timezone.utc),
        rfc3164(SDK_LINE): datetime(2023, 10, 11, 22, 14, 15, tzinfo=timezone.utc),
    }
    for line, when in cases.items():
        got = envelopes.stamp(line.encode(), now)
        assert got is not None and got.when == when
    own = cri("2024-01-02T03:04:05Z " + SDK_LINE)
    got = envelopes.stamp(own.encode(), now)
    assert got is not None and got.when == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)  # the app's own


def test_grep_json_says_which_envelope(run: Runner, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("\n".join([docker(API3_BODY), cri(SDK_LINE), SDK_LINE, journald(SDK_LINE),
                              rfc5424(SDK_LINE)]) + "\n", encoding="utf-8")
    result = run("grep", "--json", str(log))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line_number"], m["envelope"], m["message"], m["request_id"]) for r in records for m in r["matches"]] == [
        (1, "docker", "CMK is <disabled> & off.", RID),
        (2, "cri", "CMK is disabled.", RID),
        (3, None, "CMK is disabled.", RID),
        (4, "journald", "CMK is disabled.", RID),
        (5, "syslog", "CMK is disabled.", RID),
    ]
    for record in records:
        line = record["line"].encode()
        match = record["matches"][0]
        assert line[match["start"] : match["end"]] == b"ResourceUnavailable.CmkDisabled"
    none = run("grep", "--json", "--envelope", "none", str(log))
    assert {m["envelope"] for line in none.stdout.splitlines() for m in json.loads(line)["matches"]} == {None}


def test_grep_timeline_and_summary_use_the_envelope_time(run: Runner, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text(docker(SDK_LINE, time="2024-05-14T08:00:00.5Z") + "\n"
                   + docker(SDK_LINE, time="2024-05-14T09:30:00Z") + "\n", encoding="utf-8")
    summary = run("grep", "--summary", "--format", "json", str(log))
    (row,) = json.loads(summary.stdout)
    assert (row["count"], row["first_seen"], row["last_seen"]) == (2, "2024-05-14T08:00:00.5Z", "2024-05-14T09:30:00Z")
    timeline = run("grep", "--timeline", "--bucket", "1h", "--format", "json", str(log))
    assert "2024-05-14T08:00" in timeline.stdout and "2024-05-14T09:00" in timeline.stdout


def test_parse_envelope_option(run: Runner) -> None:
    result = run("parse", "--format", "json", docker(API3_BODY))
    (record,) = json.loads(result.stdout)
    assert (record["message"], record["envelope"]) == ("CMK is <disabled> & off.", "docker")
    plain = run("parse", "--format", "json", "--envelope", "none", docker(API3_BODY))
    assert [r["envelope"] for r in json.loads(plain.stdout)] == [None]


def test_finding_default_has_no_envelope() -> None:
    assert Finding(code="X", form="bare-code", start=0, end=1).envelope is None


def test_two_processes_read_envelopes_as_one(tmp_path: Path) -> None:
    """grep -j cuts a large file into parts: a Node error or a cut record across a part's start
    is read as one process reads it."""
    import subprocess
    import sys

    from kmserr.search import SPLIT_MIN

    head = API3_BODY[: API3_BODY.index('"Code"')]
    cut_record = f'{{"log":{moby_string(head.encode())},"stream":"stderr","time":"{TIME}"}}'
    block = "\n".join([*(docker(line) for line in node_block()), cut_record, docker(API3_BODY[len(head):]),
                       *(docker(f"ordinary line {n} " + "x" * 80) for n in range(40))]) + "\n"
    path = tmp_path / "docker.log"
    path.write_text(block * (SPLIT_MIN // len(block) + 2), encoding="utf-8")

    def grep(jobs: str) -> bytes:
        done = subprocess.run([sys.executable, "-m", "kmserr", "grep", jobs, "--json", str(path)],
                              capture_output=True, check=False)
        assert (done.returncode, done.stderr) == (0, b"")
        return done.stdout

    one = grep("-j1")
    first = [json.loads(line) for line in one.splitlines()[:2]]
    assert [(m["format"], m["message"], m["request_id"], m["envelope"]) for r in first for m in r["matches"]] == [
        ("node-sdk", "CMK is disabled.", RID, "docker"), ("api3-json", "CMK is <disabled> & off.", RID, "docker")]
    assert grep("-j2") == one
