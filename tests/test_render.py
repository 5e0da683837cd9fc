"""Each renderer on exact strings."""

from __future__ import annotations

import io
import json

from kmserr import default_registry
from kmserr.explanation import explain_finding, explain_text
from kmserr.render import (
    ENTRY_RENDERERS,
    EXPLANATION_RENDERERS,
    Style,
    plain_field,
    terminal_safe,
)
from kmserr.render.lines import LinePrinter
from kmserr.scan import scan_bytes


def test_plain_field_escapes_separators() -> None:
    assert plain_field("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert plain_field(None) == ""
    assert plain_field(True) == "yes"


def test_terminal_safe_escapes_controls_and_bad_bytes() -> None:
    assert terminal_safe("a\x1b[2Jb\x07c\tz") == "a\\x1b[2Jb\\x07c\\tz"
    assert terminal_safe(b"x\xff".decode("utf-8", "surrogateescape")) == "x\\xff"


def test_entry_plain_line() -> None:
    out = io.StringIO()
    ENTRY_RENDERERS["plain"]([default_registry().get("10650")], out, Style())  # type: ignore[list-item]
    assert out.getvalue() == (
        "10650\t4550\tkms\tkey-state\tno\tkey is disabled\t"
        "The key is disabled. Check whether the key is enabled.\t"
        "Enable the key (EnableKey or the console) before calling again.\t\t\n"
    )


def test_entry_json_keys() -> None:
    out = io.StringIO()
    ENTRY_RENDERERS["json"]([default_registry().get("10630")], out, Style())  # type: ignore[list-item]
    [record] = json.loads(out.getvalue())
    assert {"module_code", "error_code", "message", "description", "retry", "retryable", "action"} <= set(record)
    assert (record["module_code"], record["error_code"]) == (10630, 4530)


def test_entry_table_is_a_card_for_one_entry() -> None:
    out = io.StringIO()
    ENTRY_RENDERERS["table"]([default_registry().get("10030")], out, Style(width=100))  # type: ignore[list-item]
    text = out.getvalue()
    assert "authentication failed" in text and "Signature algorithm" in text
    assert "\x1b[" not in text


def test_explanation_plain() -> None:
    out = io.StringIO()
    EXPLANATION_RENDERERS["plain"](explain_text("(100005) incorrect zoneId"), out, Style())
    # nothing known: no description, and no retry, action, category nor family in the last four columns
    assert out.getvalue() == "100005\t100005\t\t\tlegacy-message\tnot in catalogue\tincorrect zoneId\t\t\t\t\t\n"


def _hit_output(fmt: str, data: bytes, **options: bool) -> bytes:
    registry = default_registry()
    out = io.BytesIO()
    writer = LinePrinter(out, fmt, Style(), **options)
    for hit in scan_bytes(data, registry=registry):
        writer.matched(hit, [explain_finding(f, registry) for f in hit.findings], "app.log")
    writer.flush()  # a sink writes what it was given by its flush at the latest
    return out.getvalue()


def test_grep_plain_keeps_the_line_bytes() -> None:
    line = b"x \xff (10630) key is not existed"
    out = _hit_output("plain", line + b"\n", line_numbers=True, with_filename=True)
    assert out == (
        b"app.log:1:" + line + b"\tkmserr: 10630 [retry: no] Check the KeyId and region; the key does not exist, "
        b"so retrying cannot help. (key is not existed; key-state)\n"
    )
    assert out.endswith(b"\n") and out.count(b"\n") == 1


def test_grep_plain_without_annotation_is_the_line() -> None:
    line = b"(10630) key is not existed"
    assert _hit_output("plain", line + b"\n", annotate=False) == line + b"\n"


def test_grep_json_keeps_undecodable_bytes_in_base64() -> None:
    record = json.loads(_hit_output("json", b"x \xff (10630) key is not existed\n"))
    assert record["line_number"] == 1
    assert record["line"] == "x \ufffd (10630) key is not existed"
    assert record["line_base64"] == "eCD/ICgxMDYzMCkga2V5IGlzIG5vdCBleGlzdGVk"
    match = record["matches"][0]
    assert (match["code"], match["start"], match["end"]) == ("10630", 5, 10)


def test_grep_terminal_escapes_control_sequences() -> None:
    out = _hit_output("table", b"\x1b[2J (10630) key is not existed\n")
    assert b"\x1b[2J" not in out
    assert b"\\x1b[2J" in out


def test_grep_json_escapes_characters_that_split_lines() -> None:
    out = _hit_output("json", "(10630) key is not existed \x85 \u2028 \u2029 中文\n".encode())
    assert out.count(b"\n") == 1 and len(out.decode().splitlines()) == 1
    assert json.loads(out)["line"] == "(10630) key is not existed \x85 \u2028 \u2029 中文"


SOMETHING_NEW = b"[TencentCloudSDKException] code:FailedOperation.SomethingNew message:boom requestId:r-1"
FAMILY_ACTION = b"Retry idempotent calls later; if it persists, open a ticket with the RequestId."


def test_grep_plain_annotation_puts_retry_and_action_after_the_code() -> None:
    """`kmserr: CODE [retry: ...] ACTION (MEANING; CATEGORY)`; a code of a known family gets the
    family's advice, marked so; an unknown code says so."""
    data = b"a (10250)qps throttling\n" + SOMETHING_NEW + b"\ncode:Foo.Bar message:x requestId:r\n"
    assert _hit_output("plain", data).splitlines() == [
        b"a (10250)qps throttling\tkmserr: 10250 [retry: yes, with backoff] Retry with exponential backoff and "
        b"lower the request rate (limit 5,000 QPS); ask for more quota by ticket. (qps throttling; throttling)",
        SOMETHING_NEW + b"\tkmserr: FailedOperation.SomethingNew [retry: yes, if the call is idempotent, family "
        b"FailedOperation's advice] " + FAMILY_ACTION + b" (not in catalogue; family FailedOperation: Operation "
        b"failed.; operation-failed)",
        b"code:Foo.Bar message:x requestId:r\tkmserr: Foo.Bar (not in catalogue)",
    ]


def _terminal(data: bytes, color: bool) -> bytes:
    registry = default_registry()
    out = io.BytesIO()
    writer = LinePrinter(out, "table", Style(color=color))
    for hit in scan_bytes(data, registry=registry):
        writer.matched(hit, [explain_finding(f, registry) for f in hit.findings], "app.log")
    writer.flush()  # a block's lines are written at once, at its flush
    return out.getvalue()


def test_grep_terminal_annotation_shows_the_verdict_plainly() -> None:
    """On a terminal only `↳ kmserr:` and what the code means are dimmed: retry is coloured (red:
    do not retry, green: retry), the action plain; wrapped between words at the width (80 here),
    so that the terminal never breaks a word or a code in two."""
    line = b"x (10630) key is not existed\n"
    assert _terminal(line, color=True) == (
        b"x (\x1b[1;31m10630\x1b[0m) key is not existed\n"
        b"  \x1b[2m\xe2\x86\xb3 kmserr:\x1b[0m \x1b[1m10630\x1b[0m \x1b[31m[retry: no]\x1b[0m Check the KeyId and region; "
        b"the key does not\n"
        b"    exist, so retrying cannot help. \x1b[2m(key is not existed; key-state)\x1b[0m\n"
    )
    assert _terminal(line, color=False) == (
        b"x (10630) key is not existed\n"
        b"  \xe2\x86\xb3 kmserr: 10630 [retry: no] Check the KeyId and region; the key does not\n"
        b"    exist, so retrying cannot help. (key is not existed; key-state)\n"
    )
    family = _terminal(SOMETHING_NEW + b"\n", color=True).splitlines()[1:]
    assert family == [
        b"  \x1b[2m\xe2\x86\xb3 kmserr:\x1b[0m \x1b[1mFailedOperation.SomethingNew\x1b[0m \x1b[32m[retry: yes, if the "
        b"call is idempotent,\x1b[0m",
        b"    \x1b[32mfamily FailedOperation's advice]\x1b[0m Retry idempotent calls later; if it",
        b"    persists, open a ticket with the RequestId. \x1b[2m(not in catalogue; family\x1b[0m",
        b"    \x1b[2mFailedOperation: Operation failed.; operation-failed)\x1b[0m",
    ]


def test_grep_terminal_annotation_wraps_at_the_width() -> None:
    registry = default_registry()
    for width in (40, 80, 200):
        out = io.BytesIO()
        writer = LinePrinter(out, "table", Style(width=width))
        for hit in scan_bytes(SOMETHING_NEW + b"\n", registry=registry):
            writer.matched(hit, [explain_finding(f, registry) for f in hit.findings], "app.log")
        writer.flush()
        note = out.getvalue().decode().splitlines()[1:]
        assert all(len(line) <= width for line in note)
        assert " ".join(" ".join(note).split()).startswith("↳ kmserr: FailedOperation.SomethingNew [retry: yes")
        assert len(note) == {40: 8, 80: 4, 200: 2}[width]


def test_json_records_carry_the_verdict_and_whose_it_is() -> None:
    registry = default_registry()
    [known] = [explain_finding(f, registry) for hit in scan_bytes(b"(10630) key is not existed\n", registry=registry)
               for f in hit.findings]
    [new] = explain_text(SOMETHING_NEW.decode(), registry)
    from kmserr.render import explanation_record

    verdict = ("retry", "retryable", "action", "category", "advice_from")
    assert [explanation_record(known)[key] for key in verdict] == [
        "no", False, "Check the KeyId and region; the key does not exist, so retrying cannot help.", "key-state", None,
    ]
    assert [explanation_record(new)[key] for key in verdict] == [
        "idempotent", True, FAMILY_ACTION.decode(), "operation-failed", "FailedOperation",
    ]
    assert explanation_record(new)["entry"] is None


def test_parse_plain_ends_with_the_verdict() -> None:
    out = io.StringIO()
    EXPLANATION_RENDERERS["plain"](explain_text(SOMETHING_NEW.decode()), out, Style())
    assert out.getvalue().rstrip("\n").split("\t")[8:] == [
        "idempotent", FAMILY_ACTION.decode(), "operation-failed", "FailedOperation",
    ]
