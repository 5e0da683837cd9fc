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
    assert terminal_safe("a\x1b[2Jb\x07c\tz") == "a\\x1b[2Jb\\x07c\tz"
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
    assert out.getvalue() == "100005\t100005\t\t\tlegacy-message\tnot in catalogue\tincorrect zoneId\t\n"


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
    assert out.startswith(b"app.log:1:" + line + b"\tkmserr: 10630 key is not existed")
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
