"""grep --json a block at a time (`render.json.matched_block`) writes what `matched_line` writes, line by line."""

from __future__ import annotations

import functools
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import default_registry
from kmserr.catalogue import Entry
from kmserr.controls import json_safe
from kmserr.explanation import Explanation, explain_finding
from kmserr.matcher import matcher_for
from kmserr.render import Style
from kmserr.render import json as json_printer
from kmserr.render.lines import LinePrinter
from kmserr.scan import Hit, LineScanner

from .conftest import DATA
from .test_core import LINE

_NAMES = st.sampled_from(["app.log", "caf\udce9.log", "a\u2028b"])


def _hits(data: bytes) -> list[tuple[int, Hit]]:
    return [(0, hit) for hit in LineScanner(matcher_for(default_registry())).feed(data)]


def _both(hits: list[tuple[int, Hit]], name: str, style: Style) -> tuple[bytes, bytes]:
    """The records of `hits` by `matched` a line at a time, and by `matched_json` a block at a time
    (twice: the second time every meaning is known)."""
    registry = default_registry()

    def explain(hit: Hit) -> list[Explanation]:
        return [explain_finding(f, registry) for f in hit.findings]

    one, block = io.BytesIO(), io.BytesIO()
    by_line, by_block = LinePrinter(one, "json", style), LinePrinter(block, "json", style)
    meanings: dict[object, object] = {}
    for _ in range(2):
        for _, hit in hits:
            by_line.matched(hit, explain(hit), name)
        by_block.matched_json([hit for _, hit in hits], explain, functools.partial(explain_finding, registry=registry), name, meanings)
    by_line.flush()
    by_block.flush()
    return one.getvalue(), block.getvalue()


@given(st.lists(LINE, min_size=1, max_size=8), _NAMES)
def test_a_block_of_records_is_its_lines_records(lines: list[str], name: str) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
    hits = _hits(data)
    for style in (Style(), Style(lang="zh", registry=default_registry())):
        by_line, by_block = _both(hits, name, style)
        assert by_block == by_line


def test_every_fixture_is_written_as_line_by_line() -> None:
    data = b"".join(path.read_bytes() + b"\n" for path in sorted(DATA.rglob("*")) if path.is_file())
    hits = _hits(data)
    assert len(hits) > 100
    by_line, by_block = _both(hits, "app.log", Style())
    assert by_block == by_line
    assert by_block.count(b"\n") == 2 * len(hits)


def test_a_meaning_is_rendered_once_by_whether_its_message_agrees() -> None:
    data = (b"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:The CMK is disabled. requestId:r1\n"
            b"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:something else requestId:r2\n"
            b"(10630) key is not existed\n(10630) other words\n")
    hits = _hits(data)
    by_line, by_block = _both(hits, "app.log", Style())
    assert by_block == by_line
    agrees = [json.loads(line)["matches"][0]["message_agrees"] for line in by_block.splitlines()[:4]]
    assert agrees[2:] == [True, False]


def test_an_agreement_rule_is_its_entrys_own_however_often_asked() -> None:
    from kmserr import _native

    entries = [e for e in default_registry().entries if e.message is not None]
    first = entries[0]
    other = first._replace(message="quite other words", message_templates=())
    assert _native.agree_rule(first) == _native.agree_rule(first)
    assert _native.agree_rule(other) != _native.agree_rule(first)
    assert b"quite other words" in _native.agree_rule(other)
    assert _native.agree_rule(first._replace(message=None)) == b"N"
    _native._RULES[id(other)] = (first, b"A")  # another entry's, once at this id: not this one's
    assert b"quite other words" in _native.agree_rule(other)


def test_the_advice_is_rendered_once_per_entry_family_and_style(monkeypatch: pytest.MonkeyPatch) -> None:
    """Meanings that differ in form or message but share an entry (or a family's advice) share its
    advice's JSON, rendered once; each record still holds the advice `verdict_record` gives."""
    from kmserr.render import json as render_json

    asked: list[str] = []
    original = render_json.verdict_record

    def counted(item: Explanation, style: Style | None = None) -> dict[str, object]:
        asked.append(item.finding.code)
        return original(item, style)

    monkeypatch.setattr(render_json, "verdict_record", counted)
    monkeypatch.setattr(render_json, "_VERDICTS", {})
    monkeypatch.setattr(render_json, "_MEANINGS", {})
    data = (b"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:The CMK is disabled. requestId:r1\n"
            b"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:something else requestId:r2\n"
            b'{"Response": {"Error": {"Code": "ResourceUnavailable.CmkDisabled", "Message": "x"}, "RequestId": "r3"}}\n'
            b"[TencentCloudSDKException] code:FailedOperation.NoSuchThing message:m requestId:r4\n"
            b"[TencentCloudSDKException] code:FailedOperation.OtherThing message:m requestId:r5\n")
    hits = _hits(data)
    styles = (Style(), Style(lang="zh", registry=default_registry()))
    for style in styles:
        by_line, by_block = _both(hits, "app.log", style)
        assert by_block == by_line
        for line, (_, hit) in zip(by_line.splitlines()[: len(hits)], hits, strict=True):  # the first pass
            wanted = original(explain_finding(hit.findings[0], default_registry()), style)
            match = json.loads(line)["matches"][0]
            assert {key: match[key] for key in wanted} == wanted
    # one for the entry, one for the family's advice, in each style
    assert asked == ["ResourceUnavailable.CmkDisabled", "FailedOperation.NoSuchThing"] * len(styles)


def test_a_del_in_a_line_its_message_or_request_id_is_escaped_as_line_by_line() -> None:
    data = (b'{"Response": {"Error": {"Code": "InvalidParameter", "Message": "a\x7fb"}, "RequestId": "r\x7f1"}}\n'
            b"x\x7f (10630) key is not existed\n"
            b"[TencentCloudSDKException] code:InvalidParameter message:plain requestId:r2\n")
    hits = _hits(data)
    by_line, by_block = _both(hits, "app.log", Style())
    assert by_block == by_line
    assert b"\x7f" not in by_block
    assert by_block.count(b'"r\\u007f1"') == 2  # the request ID's, written twice
    assert by_block.count(b"\\u007f") == 2 * 5  # the line's and message's, the request ID's, the next line's


def test_every_character_json_safe_escapes_begins_with_a_byte_the_check_keeps() -> None:
    from kmserr.controls import _pattern

    escaped = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and _pattern("json").match(chr(c))]
    assert len(escaped) > 4000
    assert not [c for c in escaped if not c.encode().translate(None, json_printer._json_safe_rest())]
    assert json_printer._safe_utf8("参数错误 café “q”") == "参数错误 café “q”".encode()


@given(st.text(st.characters(blacklist_categories=["Cs"])))
def test_text_is_safe_encoded_as_json_safe_encodes_it(text: str) -> None:
    assert json_printer._safe_utf8(text) == json_safe(text).encode("utf-8")


def test_every_character_json_safe_escapes_is_told_by_the_vouched_lines_check() -> None:
    """A vouched line's bytes are written as they are (`matched_block`) only where `_plain_utf8`'s
    bytes are all it holds and not the one character of U+3000 to U+3FFF that `json_safe` escapes:
    each character it escapes is told so, control characters too; CJK text and its punctuation not."""
    from kmserr.controls import _pattern

    kept, escaped_cjk = json_printer._plain_utf8()
    escaped = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and _pattern("json").match(chr(c))]
    escaped += [chr(c) for c in range(0x20)]
    assert [c for c in escaped if not c.encode().translate(None, kept) and escaped_cjk not in c.encode()] == []
    assert "\u3164".encode() == escaped_cjk
    assert not "参数错误。、 café \u3000x".encode().translate(None, kept)
    table, also = json_printer._plain_table()  # the same bytes, as `matched_block` asks
    assert also == escaped_cjk
    assert [b for b in range(256) if bytes([b]).translate(table) != bytes([b])] == sorted(set(range(256)) - set(kept))


def test_a_vouched_lines_record_is_the_full_extractors(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines of the common forms, vouched for (`core.VouchedJson`) or not, written by `matched_block`
    are the records of `matched_line`: printable ASCII, CJK, a DEL, U+3164 (a control character is
    never vouched for: `test_no_line_with_a_control_character_is_vouched_for`)."""
    from kmserr import core
    from kmserr.core import PythonCore

    monkeypatch.setenv(core.ENV, "1")
    lines = [
        "2024-05-14T08:00:00.016Z ERROR [3d37] kms: Encrypt raised [TencentCloudSDKException] "
        + f"code:InternalError message:{message} requestId:ef895e4f-1e90"
        for message in ("An internal error.", "解密失败。", "del\x7f", "filler\u3164", "say “q”")
    ] + ['{"time":"2024-05-14T08:00:00.016Z","error":"(10630) key is not existed","request_id":"abcdef123"}']
    data = "\n".join(lines).encode() + b"\n"
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    vouched = reader.vouch_json(data, 0, len(data))
    if not core.POSSESSIVE:  # no vouching here (before CPython 3.11.5)
        assert vouched == []
        return
    assert len(vouched) == len(lines)
    explain_one = functools.partial(explain_finding, registry=default_registry())
    written = b"".join(d for d in json_printer.matched_block(vouched, lambda hit: [], explain_one, "app.log", Style(),
                                                              {}, range(1, len(lines) + 1)) if isinstance(d, bytes))
    expected = b"".join(json_printer.matched_line(hit, [explain_one(f) for f in hit.findings], "app.log", Style())
                        for hit in LineScanner(matcher).feed(data))
    assert written == expected


def test_no_line_with_a_control_character_is_vouched_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """--json's regexes vouch for no line with a control character (a tab in a message, a record's
    text or between a body's keys; DEL aside), so a vouched line of ASCII is printable ASCII, which
    `matched_block` writes as it is but `"` and `\\` (`core._without_controls`); plain output's do."""
    from kmserr import core
    from kmserr.core import PythonCore

    monkeypatch.setenv(core.ENV, "1")
    sdk = "2024-05-14T08:00:00.016Z ERROR [3d37] kms: Encrypt raised [TencentCloudSDKException] " \
        "code:InternalError message:{} requestId:ef895e4f-1e90"
    body = '2024-05-14T08:00:00.016Z ERROR [3d37] kms: {{"Error":{{"Code":"InvalidParameter",{}"Message":"m"}},' \
        '"RequestId":"ef895e4f-1e90"}}'
    controls = [sdk.format("tab\there"), sdk.format("bell\x07"), body.format(" ") + "\tafter", body.format("\t"),
                sdk.replace("kms:", "kms:\x1f")]
    fine = [sdk.format("An internal error."), sdk.format("del\x7f"), body.format(" ")]
    matcher = matcher_for(default_registry())
    reader = PythonCore(matcher.extractor, matcher.engine)
    for line in controls + fine:
        data = line.encode() + b"\n"
        vouched = reader.vouch_json(data, 0, len(data))
        if not core.POSSESSIVE:  # no vouching here (before CPython 3.11.5)
            assert vouched == []
            continue
        assert len(vouched) == (line in fine), line
        assert len(reader.vouch(data, 0, len(data))) == 1, line


_PREFIXED = [(entry, prefix) for entry in default_registry().entries
             if (prefix := json_printer._agreeing_prefix(entry)) is not None]


@given(st.sampled_from(_PREFIXED), st.text(st.characters(max_codepoint=0x7F), max_size=40),
       st.sampled_from([None, 10630, 4000]))
def test_a_message_that_begins_with_its_entrys_agrees_as_message_agreement_says(
    pair: tuple[Entry, bytes], rest: str, module_code: int | None,
) -> None:
    """`_agreeing_prefix`: a vouched line's message of ASCII that begins with it is one that
    `message_agreement` says agrees (the renderer answers for it without asking)."""
    from kmserr.explanation import message_agreement
    from kmserr.forms import Finding

    entry, prefix = pair
    message = prefix.decode("ascii") + rest
    finding = Finding("X", "legacy-message", 0, 1, message, None, module_code)
    assert message_agreement(finding, entry) is True


def test_an_entry_message_is_a_sure_prefix_only_where_it_begins_with_a_letter_or_digit() -> None:
    """Not where a blank, `(` or a quote begins it (`_legacy_text` and the normalising read those)."""
    entry = default_registry().entries[0]
    assert json_printer._agreeing_prefix(entry._replace(message="key is disabled")) == b"key is disabled"
    for message in (" key", "(10630) key", '"key"', "\u5bc6\u94a5", None, "k" * 2000):
        assert json_printer._agreeing_prefix(entry._replace(message=message)) is None
