"""The block cores: the Python core's fast path reads what the full extractor reads, line for line;
a compiled core is used when it loads, and a core that hands lines back still gives the same output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmserr import core, default_registry, scan
from kmserr.explanation import explain_finding
from kmserr.matcher import Matcher, matcher_for
from kmserr.render import Style, json_line
from kmserr.render import json as json_printer
from kmserr.scan import Hit, LineScanner

from . import jsonl
from .conftest import DATA, Runner

pytestmark = pytest.mark.usefixtures("engine")  # every test here runs with both engines

# Pieces of the common forms and of what may stand around them or break them: a line is any mix.
_CODES = ["ResourceUnavailable.CmkDisabled", "AuthFailure.SignatureExpire", "InvalidParameter", "LimitExceeded",
          "FailedOperation.X", "Bogus.Code", "KmsKeyNotExist", "none", ""]
_LEGACY_CODES = ["10630", "10650", "100004", "598120", "4000", "12", "1234567"]
_MESSAGES = ["key is not existed", "The CMK is disabled.", "参数错误", "m (10630) x", "a \"q\" b", "x\\\"y",
             "requestId:abc", "RequestId=1", "code:AuthFailure message:x", "Code: A, Message: b", "None", "",
             "\u2028", "\x7f", "é", "AuthFailure.X here", "(10010)lacked", "[request id:rid-9]"]
_RIDS = ["ef9d7f37-69c5-4f8b-acd6-8998e5e3d467", "None", "", "%!d(string=abc-123)", "rid\"}", "x y"]


@st.composite
def _error(draw: st.DrawFn) -> str:
    code, legacy = draw(st.sampled_from(_CODES)), draw(st.sampled_from(_LEGACY_CODES))
    message, rid = draw(st.sampled_from(_MESSAGES)), draw(st.sampled_from(_RIDS))
    blank, comma = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from([",", ", "]))
    number = draw(st.sampled_from(["4000", "5000", "0", "04000", '"4000"']))
    forms = [
        f'{{"Response":{blank}{{"Error":{blank}{{"Code":{blank}"{code}"{comma}"Message":{blank}"{message}"}}'
        f'{comma}"RequestId":{blank}"{rid}"}}}}',
        f'{{"Response": {{"Error": {{"Code": "{code}", "Message": "{message}"}}}}}}',
        f"[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}",
        f"({legacy}){blank}{message}",
        f'"message": "({legacy}) {message}"',
        f'{{"code":{blank}{number}{comma}'
        f'"message":{blank}"({legacy}){message}"{comma}"codeDesc":{blank}"{code}"}}',
        f'{{"code": 4000, "message": "{message}"}}',
        code, f"code: '{code}'", "    raise TencentCloudSDKException(code, msg)",
    ]
    return draw(st.sampled_from(forms))


_AROUND = st.sampled_from(["2024-05-14T08:00:00.012Z ERROR [8e2d] kms-client: ", "", "  ", "12 ", "x=\"",
                           " region=ap-guangzhou", " request_id=abcdef12", "\"}", " {", "\xff", " AuthFailure", " ", "\t"])
LINE = st.lists(st.one_of(_error(), _AROUND), min_size=1, max_size=5).map("".join)


def _hits(data: bytes, matcher: Matcher, *, fast: bool, check: bool = False) -> list[Hit]:
    """The hits of the Python core; by default without the first reading of each (signature, code)
    in full, so that a fast reading that differs is seen."""
    scanner = LineScanner(matcher)
    scanner._core = core.PythonCore(matcher.extractor, matcher.engine, fast=fast, check=check)  # type: ignore[attr-defined]
    return scanner.feed(data) + scanner.finish()


@pytest.mark.slow
@settings(max_examples=300)  # many forms, and what breaks each: more examples than the profile's
@given(st.lists(LINE, min_size=1, max_size=8))
def test_the_fast_path_reads_what_the_full_extractor_reads(lines: list[str]) -> None:
    data = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
    matcher = matcher_for(default_registry())
    assert _hits(data, matcher, fast=True) == _hits(data, matcher, fast=False)


def _fixture_files() -> Iterator[Path]:
    for path in sorted(DATA.rglob("*")):
        if path.is_file():
            yield path


def test_the_fast_path_reads_every_fixture_as_the_full_extractor(engine: str) -> None:
    matcher = matcher_for(default_registry())
    files = list(_fixture_files())
    assert files
    for path in files:
        data = path.read_bytes()
        # Each line twice: the second time its (signature, code) is known, and read by the fast path alone.
        data = data + b"\n" + data
        assert _hits(data, matcher, fast=True) == _hits(data, matcher, fast=False), path


def test_a_fast_reading_that_disagrees_sends_its_signature_to_the_full_extractor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong(text: str, parens_at: object) -> tuple[object, int, int]:
        finding = core.Finding(code="Wrong", form="legacy-message", start=0, end=5)
        return finding, 0, len(text)

    monkeypatch.setattr(core, "_legacy_line", wrong)
    matcher = matcher_for(default_registry())
    data = b"a (10630) key is not existed\nb (10650) key is disabled\n" * 3
    hits = _hits(data, matcher, fast=True, check=True)
    assert [h.findings[0].code for h in hits] == ["10630", "10650"] * 3
    assert hits == _hits(data, matcher, fast=False)


@pytest.mark.slow
def test_grep_output_is_the_same_with_and_without_the_fast_path(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(path.read_bytes() + b"\n" for path in _fixture_files()))
    outputs = []
    for fast in (True, False):
        monkeypatch.setattr(core, "FAST_PATH", fast)
        outputs.append([run("grep", *options, str(log)).stdout_bytes
                        for options in ([], ["--json"], ["-n", "-C", "1"], ["--summary"], ["-c"])])
    assert outputs[0] == outputs[1]
    assert all(outputs[0])


class _Declining:
    """A compiled core that reads no line itself: each candidate is handed back to the extractor."""

    name = "native"

    def __init__(self, matcher: Matcher) -> None:
        self._python = core.PythonCore(matcher.extractor, matcher.engine, fast=False)

    @classmethod
    def from_matcher(cls, matcher: Matcher) -> _Declining:
        return cls(matcher)

    def read(self, buf: bytes, start: int, end: int) -> list[core.Line]:
        return [(line_start, line_end, None) for line_start, line_end, _ in self._python.read(buf, start, end)]


class _Listing(_Declining):
    """A compiled core that lists every line of a block: those without an error with no findings."""

    def read(self, buf: bytes, start: int, end: int) -> list[core.Line]:
        read = {line_start: line for line in self._python.read(buf, start, end) for line_start in line[:1]}
        lines: list[core.Line] = []
        at = start
        while at < end:
            newline = buf.find(b"\n", at, end)
            line_end = end if newline < 0 else newline
            lines.append(read.get(at, (at, line_end, ())))
            at = line_end + 1
        return lines


@pytest.mark.slow  # every fixture, searched four times
@pytest.mark.parametrize("compiled", [_Declining, _Listing])
def test_lines_a_core_hands_back_are_read_by_the_full_extractor(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compiled: type[_Declining],
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(path.read_bytes() + b"\n" for path in _fixture_files()))
    monkeypatch.setenv(core.ENV, "1")
    python = [run("grep", *options, str(log)).stdout_bytes for options in ([], ["--json", "-B", "2"])]
    monkeypatch.delenv(core.ENV)
    monkeypatch.setattr(core, "native_class", lambda: compiled)
    monkeypatch.setattr(scan, "native_class", lambda: compiled)  # the grep on it asks there (no core.py)
    assert run("--version").stdout.endswith(", core: native)\n")
    assert [run("grep", *options, str(log)).stdout_bytes for options in ([], ["--json", "-B", "2"])] == python


def _install_native(monkeypatch: pytest.MonkeyPatch, module: object) -> None:
    """Stand `module` in for kmserr._native, whether the real one was imported or not."""
    import sys

    import kmserr

    monkeypatch.setitem(sys.modules, "kmserr._native", module)
    monkeypatch.setattr(kmserr, "_native", module, raising=False)
    monkeypatch.delenv(core.ENV, raising=False)


def test_no_extensions_turns_a_loaded_compiled_core_off(monkeypatch: pytest.MonkeyPatch) -> None:
    class Loaded:
        @staticmethod
        def load() -> type:
            return _Declining

    _install_native(monkeypatch, Loaded)
    assert core.core_name() == "native"
    assert isinstance(core.block_core(matcher_for(default_registry())), _Declining)
    monkeypatch.setenv(core.ENV, "1")
    assert core.core_name() == "python"
    assert isinstance(core.block_core(matcher_for(default_registry())), core.PythonCore)


def test_a_compiled_core_that_fails_to_load_leaves_python(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        @staticmethod
        def load() -> type:
            raise OSError("wrong ELF class")

    _install_native(monkeypatch, Broken)
    assert core.core_name() == "python"


@given(st.lists(LINE, min_size=1, max_size=4), st.sampled_from(["app.log", "caf\udce9.log", "a\u2028b"]))
def test_a_json_record_is_written_as_json_line_writes_it(lines: list[str], name: str) -> None:
    registry = default_registry()
    data = "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"
    for style in (Style(), Style(lang="zh", registry=registry)):
        for hit in _hits(data, matcher_for(registry), fast=True):
            items = [explain_finding(f, registry) for f in hit.findings]
            record = json_printer.matched_record(hit, items, name, style)
            assert json_printer.matched_line(hit, items, name, style) == json_line(record)


@pytest.mark.parametrize("message", ["m" * 4000, "m" * 4096, "m" * 4097])
@pytest.mark.parametrize("before", [0, 100, 5000])
def test_long_lines_are_read_as_the_full_extractor_reads_them(message: str, before: int) -> None:
    """Around WINDOW (4096 characters) the extractor reads a part of a line: the fast path must too."""
    body = f'{{"Response": {{"Error": {{"Code": "InvalidParameter", "Message": "{message}"}}, "RequestId": "r-1"}}}}'
    lines = [
        "x" * before + body + " tail",
        "x" * before + f"[TencentCloudSDKException] code:LimitExceeded message:{message} requestId:r-2",
        "x" * before + f"(10630) {message} request_id=abcdefgh12",
        "x" * before + f'{{"code": 4000, "message": "(10630){message}", "codeDesc": "KmsKeyNotExist"}}',
    ]
    data = "\n".join(lines).encode() + b"\n"
    matcher = matcher_for(default_registry())
    assert _hits(data, matcher, fast=True) == _hits(data, matcher, fast=False)


def test_a_line_a_core_lists_without_findings_is_no_hit() -> None:
    matcher = matcher_for(default_registry())
    data = b"".join(path.read_bytes() + b"\n" for path in _fixture_files())
    scanner = LineScanner(matcher)
    scanner._core = _Listing(matcher)  # type: ignore[attr-defined]
    hits = scanner.feed(data) + scanner.finish()
    assert hits == _hits(data, matcher, fast=False)
    assert all(hit.findings for hit in hits)


def test_a_body_logged_as_a_json_string_is_read_unescaped_by_every_engine(run: Runner) -> None:
    """Hyperscan's locators see no `"Code"` in `\\"Code\\"`: the extractor reads quoted values anyway,
    as it does without a prefilter (`re`), and as it does for quoted SDK text."""
    line = ('{"body": "{\\"Response\\": {\\"Error\\": {\\"Code\\": \\"ResourceUnavailable.CmkDisabled\\", '
            '\\"Message\\": \\"CMK is disabled.\\"}, \\"RequestId\\": \\"7241dd4f\\"}}"}\n')
    [record] = [json.loads(r) for r in run("grep", "--json", input=line).stdout.splitlines()]
    [match] = record["matches"]
    assert (match["code"], match["format"], match["message"]) == (
        "ResourceUnavailable.CmkDisabled", "api3-json", "CMK is disabled.")


# --- JSON-lines records: SDK text in a string value, escaped --------------------------------------


@given(st.lists(jsonl.records, min_size=1, max_size=6))
def test_the_fast_path_reads_json_lines_records_as_the_full_extractor(lines: list[str]) -> None:
    data = jsonl.line_bytes(lines)
    matcher = matcher_for(default_registry())
    assert _hits(data, matcher, fast=True) == _hits(data, matcher, fast=False)


@pytest.mark.parametrize("error", [
    "[TencentCloudSDKException] code:FailedOperation.DecryptError message:\\u89e3\\u5bc6\\u5931\\u8d25 keyId=k-1 "
    "requestId:416beca5-e58e-4642-a2f2-83af5292b173",
    "[TencentCloudSDKException] code:InvalidParameter message:bad \\\"KeyId\\\"\\n\\\\ x requestId:r-12345678",
    "[TencentCloudSDKException] code:LimitExceeded message:CMK数量超过限制 (99155 keys). requestId:r-12345678",
    "[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:\\ud83d\\ude00 \\ud800 requestId:r-1",
])
def test_a_json_lines_record_is_read_by_the_fast_path(error: str) -> None:
    """The fast path reads the common JSON-lines record itself (escapes and all), where the full
    extractor read it before; what it reads is what the full extractor reads."""
    line = ('{"time":"2024-05-14T08:00:01.127Z","level":"error","logger":"auth-proxy","request_id":"1e36af7c458a96b5",'
            f'"msg":"SignByAsymmetricKey failed","error":"{error}","region":"ap-chengdu"}}')
    matcher = matcher_for(default_registry())
    python = core.PythonCore(matcher.extractor, matcher.engine, check=False)
    [(_, _, findings)] = python.read(line.encode(), 0, len(line.encode()))
    full = matcher.extractor.find(line)
    assert findings == tuple(full) and len(full) == 1
    calls: list[str] = []
    monkey = pytest.MonkeyPatch()
    monkey.setattr(matcher.extractor, "find", lambda text, *args, **kwargs: calls.append(text) or [])
    try:
        python.read(line.encode(), 0, len(line.encode()))
    finally:
        monkey.undo()
    assert calls == []


@pytest.mark.parametrize("tail", [
    "message:m requestId:416beca5-e58e-4642", "message:None requestId:r-12345678", "message: (10630) key requestId:r-1",
    "message:m \u2028\t requestId:r-1", "message:m requestId:a requestId:b", "message:m requestId:none",
    "message:m requestId:UNDEFINED", "message:m requestId:" + "r" * 130, "message:m requestId:r-1.",
    "message:m requestId:r-1 requestId:", "message: requestId:r_1", "message:m requestId:-r",
])
@pytest.mark.parametrize("code", ["InvalidParameter", "Null", "A.b_c", "x"])
@pytest.mark.parametrize("around", ["2024 ERROR a: [{}", '{{"level":"error","error":"[{}"}}', 'e="x [{}"'])
def test_the_common_python_sdk_text_is_read_as_the_full_extractor_reads_it(tail: str, code: str, around: str) -> None:
    line = around.format(f"TencentCloudSDKException] code:{code} {tail}")
    data = line.encode() + b"\n"
    matcher = matcher_for(default_registry())
    assert _hits(data, matcher, fast=True) == _hits(data, matcher, fast=False)


@pytest.mark.parametrize("body", [
    '{"Error":{"Code":"InvalidParameter","Message":"The parameter Plaintext is invalid."},"RequestId":"061b2c6e-f3bd"}',
    '{"Error": {"Code": "InternalError", "Message": "m, requestId feefb794-3166-45a2"}, "RequestId": "70fa9362-d3cf"}',
    '{"Error":{"Code":"A.B","Message":"see AuthFailure (10630)"},"RequestId":"None"}',
    '{"Error":{"Code":"A.B","Message":"x"},"RequestId":""} {"code": 4000, "message": "y"}',
    '{"resp": {"Error":{"Code":"A.B","Message":"x"},"RequestId":"r-1"}, "k": "LimitExceeded"}',
    '{"Error":{"Code":"A.B","Message":"x"},"RequestId":"r-1"',
])
@pytest.mark.parametrize("before", ["2024 ERROR a: Decrypt response ", "", "{ ", "AuthFailure "])
def test_an_api3_body_without_its_response_key_is_read_as_the_full_extractor_reads_it(body: str, before: str) -> None:
    data = (before + body).encode() + b"\n"
    matcher = matcher_for(default_registry())
    assert _hits(data, matcher, fast=True) == _hits(data, matcher, fast=False)


# --- a block's common lines, read a batch of a form at a time -----------------------------------

_BATCHED = [
    "2024-05-14T08:00:00.016Z ERROR [3d37e094] kms-client: EnableKey raised [TencentCloudSDKException] "
    "code:InternalError message:An internal error occurred, requestId ef895e4f. requestId:8ba6a3c7-e9bb-4f5d",
    "2024-05-14T08:00:00.026Z ERROR [637e9da4] kms-client: ImportKeyMaterial raised [TencentCloudSDKException] "
    "code:FailedOperation.DecryptError message:解密失败 keyId=e344 requestId:3e4cac57-d1a1-4006",
    '{"time":"2024-05-14T08:00:00.016Z","level":"error","msg":"SignByAsymmetricKey failed","error":'
    '"[TencentCloudSDKException] code:ResourceUnavailable.KeyPendingDelete message:Key k-1 is pending deletion. '
    'requestId:a61b85e7-75aa-4128","region":"ap-singapore"}',
    '2024-05-14T08:00:00.078Z ERROR [6915c046] kms-client: GenerateDataKey response {"Response":{"Error":'
    '{"Code":"ResourceUnavailable.CmkNotFound","Message":"The CMK cd21 does not exist."},"RequestId":"ca7b3f2b-7f7d"}}',
    '2024-05-14T08:00:00.287Z ERROR [1faa73ae] kms-client: DisableKey response {"Error":{"Code":"InternalError",'
    '"Message":"An internal error occurred, requestId feefb794-3166."},"RequestId":"70fa9362-d3cf-4a40"}',
    '{"time":"2024-05-14T08:00:00.058Z","level":"error","request_id":"1fefa91ce540f04f","msg":"GetPublicKey failed",'
    '"error":"(10280) action is not existed","region":"ap-hongkong"}',
    '2024-05-14T08:00:00.630Z ERROR [d3ea8278] kms-client: EnableKey failed keyId=f03f "message": "(10630) key is not existed"',
    '2024-05-14T08:00:00.007Z ERROR [e3099417] kms-client: legacy DisableKey returned {"code": 4530, "message": '
    '"(10280) action is not existed", "codeDesc": "KeyNotExist"}',
]
# Lines of the same forms, each holding what its batch cannot vouch for: each is read alone.
_ALONE = [
    _BATCHED[0] + " Code: AuthFailure, Message: again",
    _BATCHED[1] + " Code: AuthFailure, Message: 再次",
    _BATCHED[3].replace("does not exist.", 'does not exist. {"code": 4000, "message": "不"}'),
    _BATCHED[0].replace("message:An internal", "message:(10630) key"),
    _BATCHED[2].replace('"level"', '"locals":{},"level"'),
    _BATCHED[3].replace('"Message"', '"Error":"x","Message"'),
    _BATCHED[4] + " code:LimitExceeded message:x",
    _BATCHED[4] + ' {"code": 4000, "message": "y"}',
    _BATCHED[2][:-1] + ',"resp":{"code": 4000, "message": "y"}}',
    _BATCHED[5].replace('"msg"', '"e2":"(10630) b","msg"'),
    _BATCHED[6].replace("EnableKey failed", "AuthFailure.SignatureExpire failed"),
    _BATCHED[7].replace("4530", '"4530"'),
    "    " + _BATCHED[0].split("raised ")[1],
    '2024-05-14T08:00:00.016Z ERROR e="a "' + _BATCHED[2].split('"error":')[1].split(',"region"')[0] + " AuthFailure",
    '2024-05-14T08:00:00.016Z ERROR a="b: ' + _BATCHED[2].split('"error":')[1].split(',"region"')[0],
]


@pytest.mark.parametrize("order", ["grouped", "mixed"])
def test_a_block_of_common_lines_is_read_in_batches_as_the_full_extractor_reads_it(order: str) -> None:
    """A block's lines of the common forms are read a form at a time (`PythonCore._read_batch`): each
    reads as the full extractor reads it, a line holding what would break its batch is read alone,
    and the full extractor is given none of the common lines."""
    common = [line for line in _BATCHED for _ in range(4)] if order == "grouped" else _BATCHED * 4
    lines = [*common[:13], *_ALONE, *common[13:]]
    data = "\n".join(lines).encode() + b"\n"
    matcher = matcher_for(default_registry())
    python = core.PythonCore(matcher.extractor, matcher.engine, check=False)
    read = python.read(data, 0, len(data))
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line.encode()) + 1)
    got = {data.count(b"\n", 0, start): findings for start, _, findings in read}
    assert got == {n: tuple(matcher.extractor.find(line)) for n, line in enumerate(lines)}
    calls: list[str] = []
    monkey = pytest.MonkeyPatch()
    full = matcher.extractor.find
    monkey.setattr(matcher.extractor, "find", lambda text, *args, **kwargs: calls.append(text) or full(text, *args, **kwargs))
    try:
        again = python.read(data, 0, len(data))
    finally:
        monkey.undo()
    assert again == read
    assert set(calls) & set(_ALONE) and not set(calls) & set(_BATCHED)  # (and the values it reads inside)


def test_the_python_core_gives_each_line_it_read_with_the_text_it_read() -> None:
    """The scanner's hits take a line's text from the core (`read_texts`): it must be the line's
    bytes decoded, without a carriage return, for every kind of line (batched, alone, handed back)."""
    matcher = matcher_for(default_registry())
    python = core.PythonCore(matcher.extractor, matcher.engine)
    block = "\n".join([
        "2024-05-14T08:00:00Z ERROR a: [TencentCloudSDKException] code:InternalError message:boom requestId:r-1\r",
        '{"level":"error","error":"[TencentCloudSDKException] code:InvalidParameter message:\\u89e3\\u5bc6 requestId:r-2"}',
        '2024-05-14T08:00:00Z ERROR a: {"Response": {"Error": {"Code": "InvalidParameter", "Message": "参数"}, '
        '"RequestId": "r-3"}}',
        "2024-05-14T08:00:00Z ERROR a: (10630) key is not existed",
        "no error here, AuthFailure without a dot",
        "TencentCloudSDKException: [TencentCloudSDKException] code:InternalError message:wrapped",
        "",
    ]).encode()
    lines, texts = python.read_texts(block, 0, len(block))
    assert lines == python.read(block, 0, len(block))
    assert len(lines) == len(texts) >= 5
    for (start, end, findings), text in zip(lines, texts, strict=True):
        if findings is not None:
            assert text == block[start:end].decode().removesuffix("\r")
    assert texts[-1] is None  # rich's exception line: handed back, not decoded


def test_a_batched_line_that_holds_no_error_is_not_listed() -> None:
    """A line of a common form's batch that its batch hands to the full extractor, which finds no
    error there (no code: `code:None`), is left out of the core's lines, as `read` promises."""
    matcher = matcher_for(default_registry())
    python = core.PythonCore(matcher.extractor, matcher.engine)
    block = (
        b"2024-05-14T08:00:00Z ERROR a: [TencentCloudSDKException] code:None message:boom requestId:r-1\n"
        b"2024-05-14T08:00:00Z ERROR a: [TencentCloudSDKException] code:InternalError message:boom requestId:r-2\n"
    )
    assert matcher.extractor.find(block.decode().splitlines()[0]) == []
    lines = python.read(block, 0, len(block))
    assert [findings for _, _, findings in lines if not findings] == []
    assert [[f.code for f in findings or ()] for _, _, findings in lines] == [["InternalError"]]
