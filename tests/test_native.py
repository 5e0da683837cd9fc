"""The native block core against its specification, `Extractor.find`: finding for finding on every
line it reads, and no line with an error missing from its candidates.

The native core is optional. Where it is not built these tests say so and stop; with
KMSERR_REQUIRE_NATIVE=1 (CI sets it where cargo is installed) a missing core is a failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from benchmarks.loggen import write
from kmserr import _native
from kmserr.ansi import strip_bytes
from kmserr.extract import Extractor
from kmserr.forms import (
    API3_JSON,
    BARE_CODE,
    CPP_SDK,
    DOTNET_SDK,
    FAMILIES,
    GO_SDK,
    JAVA_SDK,
    JAVA_SDK_OLD,
    LEGACY_JSON,
    LEGACY_MESSAGE,
    MAX_FINDINGS,
    PYTHON_SDK,
    WINDOW,
    Finding,
)
from kmserr.matcher import Matcher, matcher_for
from kmserr.registry import default_registry

from . import jsonl

DATA = Path(__file__).parent / "data"
REQUIRED = bool(os.environ.get("KMSERR_REQUIRE_NATIVE"))
TEAM_NAMES = ("KmsTeam.Quota", "Q9", "XyZ.Thing")  # short and odd names: the search must still see them


def _core_class() -> type[_native.NativeCore]:
    core = _native.load()
    if core is None:
        message = (
            "the native core is not built or not loadable (pip install -e . with cargo on PATH builds it)"
            + (f"; {_native.ENV} is set" if os.environ.get(_native.ENV) else "")
        )
        if REQUIRED:
            pytest.fail(f"KMSERR_REQUIRE_NATIVE=1 but {message}")
        pytest.skip(message + "; set KMSERR_REQUIRE_NATIVE=1 to make this a failure")
    return core


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher((*matcher_for(default_registry()).names, *TEAM_NAMES))


@pytest.fixture(scope="module")
def core(matcher: Matcher) -> _native.NativeCore:
    return _core_class().from_matcher(matcher)


def _text(line: bytes) -> str:
    text = line.decode("utf-8", "surrogateescape")
    return text[:-1] if text.endswith("\r") else text


def check_block(core: _native.NativeCore, extractor: Extractor, buf: bytes, start: int = 0, end: int | None = None
                ) -> tuple[int, int]:
    """Assert the contract on buf[start:end]; return (error lines, error lines read natively)."""
    end = len(buf) if end is None else end
    records = core.read(buf, start, end)
    starts = [s for s, _, _ in records]
    assert starts == sorted(set(starts)), "candidate lines in order, each once"
    for line_start, line_end, found in records:
        assert start <= line_start <= line_end <= end
        assert line_start == start or buf[line_start - 1 : line_start] == b"\n"
        assert b"\n" not in buf[line_start:line_end]
        assert line_end == end or buf[line_end : line_end + 1] == b"\n"
        if found is None:  # handed back: read alone where the core read it unescaped (`_line`)
            found = core.read_unescaped(buf, line_start, line_end)
        if found is not None:
            text = _text(buf[line_start:line_end])
            assert list(found) == extractor.find(text), text
    candidates = set(starts)
    errors = read = 0
    pos = start
    for line in buf[start:end].split(b"\n"):
        if extractor.find(_text(line)):
            errors += 1
            assert pos in candidates, f"a line with an error is no candidate: {line!r}"
            read += next(f for s, _, f in records if s == pos) is not None
        pos += len(line) + 1
    return errors, read


# --- lines built from the real forms --------------------------------------------------------------

codes = st.one_of(
    st.sampled_from(FAMILIES).flatmap(lambda f: st.sampled_from([f, f + ".KeyNotFound", f + ".X1"])),
    st.sampled_from(["InvalidParameterValue.InvalidKeyId", "KmsTeam.Quota", "Q9", "none", "ClientError"]),
)
words = st.lists(
    st.sampled_from([*"abcXYZ019 .,:;-_()[]{}'\"=/\\\t", "密钥", "（", "）", "：", "\u3000", "é", "İ", "\x1c", "\x00",
                     "(10630)", "request", "Code"]),
    max_size=12,
).map("".join)
messages = st.one_of(words, st.sampled_from(["The CMK is disabled.", "密文格式错误。", "", "None", " spaced  ",
                                             "key (10630) gone", "see InvalidParameter", "code:X message:y"]))
request_ids = st.one_of(st.uuids().map(str), st.sampled_from(["", "None", "undefined", "abc", "%!d(string=r-1)"]))
legacy_codes = st.sampled_from(["10630", "100", "1000", "106300", "1063000", "10010"])
spaces = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def form_line(draw: st.DrawFn) -> str:
    code, message, rid, number = draw(codes), draw(messages), draw(request_ids), draw(legacy_codes)
    cause = draw(messages)
    sp = draw(spaces)
    body = draw(st.sampled_from([
        f"raised [TencentCloudSDKException] code:{code} message:{message} requestId:{rid}",
        f"[TencentCloudSDKException] code:{code} message:{message}",
        f"request rejected: ({number}){message} action=Decrypt",
        f"failed keyId=k \"message\":{sp}\"({number}){sp}{message}\"",
        f'returned {{"code":{sp}4{number[:3]},{sp}"message":{sp}"({number}){message}",{sp}"codeDesc":"{code}"}}',
        f'returned {{"code": "5000", "message": "{message}", "codeDesc": "{code}"}}',
        f'response {{"Response":{sp}{{"Error":{sp}{{"Code":{sp}"{code}",{sp}"Message":{sp}"{message}"}},'
        f'{sp}"RequestId":{sp}"{rid}"}}}}',
        f'response {{"Error": {{"Code": "{code}", "Message": "{message}"}}, "RequestId": "{rid}"}}',
        f"{code}: {message} request_id={rid}",
        f"[TencentCloudSDKError] Code={code}, Message={message}, RequestId={rid}",
        f"c.t.kms.Client - [TencentCloudSDKException]code: {code} message:{message} requestId:{rid}",
        f"c.t.kms.Client - [TencentCloudSDKException]code: {code} message:{message} requestId:{rid} cause:{cause}",
        f"c.t.kms.Client - [TencentCloudSDKException]message:{code}-{message} requestId:{rid}",
        f"Kms.Client: message：code:{code} message:{message} requestId{rid}",
        f"Kms.Client: code:{code}{sp}message:{message}{sp}requestId:{sp}{rid}{sp}.",
        f"kms: RequestId={rid}, ErrorCode={code}, ErrorMessage={message}",
        f"failed: {code}: {message}",
        f"failed{sp}{code}{sp}-{sp}{message}",
        f"  code: '{code}',",
        f"x=\"{code}\" {message}",
        f'{{"level":"error","msg":"[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}"}}',
        f'level=error msg="[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}" at={cause}',
        f'{{"a": "{cause}", "msg":{sp}"x [TencentCloudSDKException] code:{code} message:{message}", "Code": "{code}"}}',
        f'say "[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}" {cause}',
    ]))
    prefix = draw(st.sampled_from(["2024-05-14T08:00:00.063Z ERROR [5b69] kms-client: ", "", "  ", "12 ", "x ",
                                   "│ ", "请求失败："]))
    suffix = draw(st.one_of(st.just(""), words))
    return prefix + body + suffix


@given(st.lists(st.tuples(form_line(), st.sampled_from(["\n", "\r\n"])), min_size=1, max_size=8))
@example([("2024 ERROR x: [TencentCloudSDKException] code:AuthFailure message:m requestId:abc-123", "\r\n")])
def test_lines_of_the_real_forms(core: _native.NativeCore, matcher: Matcher, lines: list[tuple[str, str]]) -> None:
    buf = "".join(line + eol for line, eol in lines).encode("utf-8", "surrogatepass")
    check_block(core, matcher.extractor, buf)


@given(st.binary(max_size=512), st.integers(0, 512), st.integers(0, 512))
def test_random_bytes(core: _native.NativeCore, matcher: Matcher, noise: bytes, a: int, b: int) -> None:
    buf = noise + b"\n(10630) x\n" + noise
    start, end = sorted((min(a, len(buf)), min(b, len(buf))))
    start = buf.rfind(b"\n", 0, start) + 1  # whole lines: a block starts at a line
    end = len(buf) if buf.find(b"\n", end) < 0 else buf.find(b"\n", end) + 1
    check_block(core, matcher.extractor, buf, start, end)


def test_every_fixture_line(core: _native.NativeCore, matcher: Matcher) -> None:
    files = [p for p in sorted(DATA.rglob("*")) if p.is_file()]
    assert len(files) > 10
    errors = 0
    for path in files:
        # A block coloured for a terminal is read by the core without its colours (the scanner's
        # `_coloured`, tests/test_ansi.py): a colour may cut the literal a candidate is found by.
        errors += check_block(core, matcher.extractor, strip_bytes(path.read_bytes()))[0]
    assert errors > 100


@pytest.mark.parametrize("rate", [0.01, 0.5, 1.0])
def test_generated_logs(core: _native.NativeCore, matcher: Matcher, rate: float) -> None:
    out = io.BytesIO()
    write(out, size=1 << 18, match_rate=rate, decoy_rate=0.05, invalid_rate=0.01, long_line=1 << 14, seed=7)
    errors, read = check_block(core, matcher.extractor, out.getvalue())
    assert errors > 0 and read > 0


def test_every_line_hyperscan_selects_is_a_candidate(core: _native.NativeCore, matcher: Matcher) -> None:
    """Hyperscan's locators are narrower than the native literals (Python's re engine runs two
    coarse passes, `ode[\"=:]`, that select lines no form can read; those the native core skips)."""
    from kmserr.engines import HyperscanEngine, prefilter_patterns

    patterns = prefilter_patterns(matcher.names)
    engine = HyperscanEngine([p for _, p in patterns.located], patterns.parens, patterns.standalone)
    out = io.BytesIO()
    write(out, size=1 << 18, match_rate=0.3, decoy_rate=0.2, invalid_rate=0.01, long_line=0, seed=11)
    blocks = [out.getvalue(), *(p.read_bytes() for p in sorted(DATA.rglob("*")) if p.is_file())]
    for buf in blocks:
        hits = engine.candidates(buf, 0, len(buf))
        selected = {buf.rfind(b"\n", 0, at) + 1 for at in (*hits.structured, *hits.names, *hits.crowded, *hits.parens)}
        native = {start for start, _, _ in core.read(buf, 0, len(buf))}
        assert sorted(selected - native) == []


# --- what the native core reads itself --------------------------------------------------------

COMMON = [
    ("2024-05-14T08:00:00Z ERROR a: request rejected: (10630)key is not existed action=Encrypt request_id=0c0dc76f-b831",
     LEGACY_MESSAGE),
    ('2024-05-14T08:00:00Z ERROR a: failed keyId=k "message": "(10630) key is not existed"', LEGACY_MESSAGE),
    ('2024-05-14T08:00:00Z ERROR a: returned {"code":4000,"message":"(10010)lacked of required parameters","codeDesc":"X"}',
     LEGACY_JSON),
    ('2024-05-14T08:00:00Z ERROR a: returned {"code": 4100, "message": "key disabled", "codeDesc": "InvalidParameter"}',
     LEGACY_JSON),
    ('2024-05-14T08:00:00Z ERROR a: response {"Response": {"Error": {"Code": "ResourceUnavailable.CmkDisabled", "Message": '
     '"The CMK is disabled."}, "RequestId": "d443781c-1b94-411f-aa35-6b6892fbe835"}}', API3_JSON),
    ("2024-05-14T08:00:00Z ERROR a: Encrypt raised [TencentCloudSDKException] code:AuthFailure.SignatureFailure message:密钥 "
     "could not be validated. requestId:063682a4-0add-4b9c-a9b3-e293d1f7d9ec", PYTHON_SDK),
    ("2024-05-14T08:00:00Z ERROR c.t.kms.Client - [TencentCloudSDKException]code: ResourceUnavailable.CmkDisabled "
     "message:The CMK has been disabled. requestId:cca3246c-e568-4a07-a702-6ee4e1e94366", JAVA_SDK),
    ("2024-05-14T08:00:00Z ERROR c.t.kms.Client - [TencentCloudSDKException]message:LimitExceeded.CmkLimitExceeded-"
     "CMK数量超过限制 (11564 keys). requestId:6a6468ad-0188-454a", JAVA_SDK_OLD),
    ("2024-05-14T08:00:00Z ERROR a: [TencentCloudSDKError] Code=AuthFailure.SecretIdNotFound, Message=SecretId "
     "is not found., RequestId=217c5cee-ba44-46cf-a777-886bd867760d", GO_SDK),
    ("2024-05-14T08:00:00Z ERROR kms: RequestId=d8e90ca3-58cd-43e8, ErrorCode=AuthFailure.SignatureFailure, "
     "ErrorMessage=The provided credentials could not be validated", CPP_SDK),
    ("2024-05-14T08:00:00Z ERROR Kms.Client: message：code:ClientNetworkError message:network error: i/o timeout "
     "requestId5cab2b40-c6d8-4161-af86-5002fa00f", DOTNET_SDK),
    ("2024-05-14T08:00:00Z ERROR a: ReEncrypt failed: ResourceUnavailable.CmkNotFound: The CMK is not found",
     BARE_CODE),
    ('{"time": "2024-05-14T08:00:00Z", "level": "error", "msg": "Decrypt raised [TencentCloudSDKException] '
     'code:InvalidParameterValue.InvalidCiphertext message:密文格式错误。 requestId:7ad2fae9-b361-4a3a"}', PYTHON_SDK),
]


@pytest.mark.parametrize(("line", "form"), COMMON)
def test_the_common_forms_are_read_natively(core: _native.NativeCore, matcher: Matcher, line: str, form: str) -> None:
    buf = ("ordinary line\n" + line + "\r\n").encode()
    [(start, end, found)] = core.read(buf, 0, len(buf))
    assert (start, end) == (14, len(buf) - 1)
    assert found is not None, "handed back to Python"
    assert [f.form for f in found] == [form]
    assert list(found) == matcher.extractor.find(line)


@pytest.mark.parametrize("line", [
    "2024-05-14T08:00:17Z INFO docs: see docs/InvalidParameter.md and kms.AuthFailure.handler",
    "2024-05-14T08:00:11Z INFO s3: botocore.exceptions.ClientError: An error occurred (AccessDenied)",
    "2024-05-14T08:00:11Z INFO pool: ResourceUnavailable_x and ClientError alone, AuthFailure-ish",
])
def test_names_not_standing_alone_are_read_as_no_error(core: _native.NativeCore, matcher: Matcher, line: str) -> None:
    buf = line.encode() + b"\n"
    assert matcher.extractor.find(line) == []
    assert core.read(buf, 0, len(buf)) == [(0, len(buf) - 1, ())]


def test_an_error_beside_a_name_in_a_path_is_read(core: _native.NativeCore, matcher: Matcher) -> None:
    line = "2024-05-14T08:00:17Z ERROR x: request rejected: (10630)key is not existed see docs/AuthFailure.md"
    buf = line.encode() + b"\n"
    [(_, _, found)] = core.read(buf, 0, len(buf))
    assert found is not None and list(found) == matcher.extractor.find(line) != []


@pytest.mark.parametrize("line", [
    '{"msg": "[TencentCloudSDKException] code:AuthFailure message:\\"m\\" requestId:r"}',  # escapes in a record
    "    raise TencentCloudSDKException(code, msg)",  # a traceback's source line
    "Record was: { (10630) x",  # loguru's report of a record: no occurrence
    "  code: 'ResourceNotFound',",  # Node's property line: it needs the lines above
    "a: (10630) x AuthFailure 密钥",  # several errors, a character of more than a byte
    "a: (10630) x [TencentCloudSDKException]code: AuthFailure message:m",  # several errors, a form not read
])
def test_unusual_lines_are_handed_back(core: _native.NativeCore, line: str) -> None:
    buf = line.encode() + b"\n"
    [(_, _, found)] = core.read(buf, 0, len(buf))
    assert found is None


# --- lines crowded with errors ---------------------------------------------------------------------

API3_CODES = ("ResourceUnavailable.CmkDisabled", "AuthFailure.SignatureFailure", "InvalidParameterValue.InvalidKeyId",
              "LimitExceeded.CmkLimitExceeded", "FailedOperation.DecryptError", "RequestLimitExceeded", "InternalError")
DENSE_FORMS = (  # benchmarks/dense.py's
    '"message": "({legacy}) key is not existed"',
    '{{"Error":{{"Code":"{api3}","Message":"{message}"}},"RequestId":"{rid}"}}',
    "[TencentCloudSDKException] code:{api3} message:{message} requestId:{rid}",
    "[TencentCloudSDKError] Code={api3}, Message={message}, RequestId={rid},",
    "{api3}",
)
CROWDED_FORMS = (
    *DENSE_FORMS,
    "({legacy}) {message}",
    '{{"Response": {{"Error": {{"Code": "{api3}", "Message": "{message}"}}, "RequestId": "{rid}"}}}}',
    "[TencentCloudSDKException] code:{api3} message:{message}",
    "[TencentCloudSDKError] Code={api3}, Message={message}",
    "{api3}: {message}", "{api3} - {message}", "request_id={rid}", "RequestId: {rid}",
    "{filler}", "Record was: {{ {api3}", "|    -> {api3}", "{api3}.", "x.{api3}",
)


@st.composite
def crowded_line(draw: st.DrawFn) -> str:
    """A line of many errors in the forms that crowd incident logs, some far apart (past WINDOW)."""
    def item(form: str) -> str:
        return form.format(
            legacy=draw(st.sampled_from(["10630", "10010", "100", "1000", "106300"])),
            api3=draw(st.sampled_from([*API3_CODES, "ClientError", "KmsTeam.Quota", "none", "Unknown.Code"])),
            message=draw(st.sampled_from(["failed", "", "None", "(10650) inner", "x requestId:abc-123456",
                                          "a, RequestId=zz", "see AuthFailure", "key; gone"])),
            rid=draw(st.sampled_from([f"{draw(st.integers(0, 2**128)):032x}", "", "undefined", "abc", "r-1"])),
            filler="y" * draw(st.sampled_from([1, 500, WINDOW - 40, WINDOW, 2 * WINDOW])),
        )

    forms = draw(st.lists(st.sampled_from(CROWDED_FORMS), min_size=2, max_size=130))
    separator = draw(st.sampled_from([" ; ", " | ", ", ", " ", ";"]))
    head = draw(st.sampled_from(["2024-05-14T08:00:00.000Z ERROR [91b7] batch: ", "batch: ", ""]))
    return head + separator.join(item(form) for form in forms)


@given(st.lists(crowded_line(), min_size=1, max_size=3))
@example(["batch: " + " ; ".join(["InternalError"] * 101)])
def test_lines_crowded_with_errors(core: _native.NativeCore, matcher: Matcher, lines: list[str]) -> None:
    buf = "".join(line + "\n" for line in lines).encode()
    check_block(core, matcher.extractor, buf)


def _dense_lines(count: int, per_line: int, seed: int) -> bytes:
    """Lines as benchmarks/dense.py writes them: `per_line` errors each, each with its own request ID."""
    import random

    rng = random.Random(seed)
    lines = []
    for number in range(count):
        parts = [f"2024-05-14T08:00:{number % 60:02d}.000Z ERROR [{rng.getrandbits(64):016x}] batch:"]
        parts += [rng.choice(DENSE_FORMS).format(legacy=rng.choice(["10630", "10010", "10650", "10250"]),
                                                 api3=rng.choice(API3_CODES), message="failed",
                                                 rid=f"{rng.getrandbits(128):032x}") for _ in range(per_line)]
        lines.append(" ; ".join(parts) + "\n")
    return "".join(lines).encode()


@pytest.mark.parametrize(("per_line", "seed"), [(2, 1), (10, 2), (100, 3), (100, 4), (140, 5)])
def test_the_dense_benchmarks_lines_are_read_natively(
    core: _native.NativeCore, matcher: Matcher, per_line: int, seed: int
) -> None:
    """Each line read here, as the extractor reads it: windows, request IDs shared, MAX_FINDINGS."""
    buf = _dense_lines(20, per_line, seed)
    records = core.read(buf, 0, len(buf))
    assert len(records) == 20
    for line_start, line_end, found in records:
        assert found is not None
        assert list(found) == matcher.extractor.find(_text(buf[line_start:line_end]))
        assert 1 <= len(found) <= MAX_FINDINGS


# --- hostile input: no crash, no hang -------------------------------------------------------------

@pytest.mark.parametrize("buf", [
    b"code:" * 4_000_000,  # 20 MB, one line
    b'"Code": "AuthFailure", ' * 100_000,
    (b"[TencentCloudSDKException] code:AuthFailure message:m requestId:r | " * 100 + b"\n") * 50,
    b"(10630) x\x00\n\x00\x00(10630)\x00y\n" * 1000,
    b"\xff\xfe(10630) x\n" * 1000,
    b"{" * 100_000 + b'"Code":"X"' + b"}" * 100_000,
    b"\n" * 100_000,
])
def test_hostile_blocks(core: _native.NativeCore, matcher: Matcher, buf: bytes) -> None:
    records = core.read(buf, 0, len(buf))
    assert all(found is None or len(found) <= MAX_FINDINGS for _, _, found in records)
    if len(buf) < 1 << 20:
        check_block(core, matcher.extractor, buf)


def test_a_block_outside_the_buffer_is_refused(core: _native.NativeCore) -> None:
    with pytest.raises(ValueError, match="outside"):
        core.read(b"abc\n", 2, 9)


def test_no_extensions_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    _core_class()
    monkeypatch.setenv(_native.ENV, "1")
    assert _native.load() is None
    monkeypatch.setenv(_native.ENV, "")
    assert _native.load() is _native.NativeCore


def test_findings_are_findings(core: _native.NativeCore) -> None:
    buf = b"x: request rejected: (10630)key is not existed\n"
    [(_, _, found)] = core.read(buf, 0, len(buf))
    assert found == (Finding(code="10630", form=LEGACY_MESSAGE, start=22, end=27, message="key is not existed",
                             module_code=10630),)


# --- JSON-lines records: SDK text in a string value, escaped --------------------------------------


@given(st.lists(st.tuples(jsonl.records, st.sampled_from(["\n", "\r\n"])), min_size=1, max_size=6))
def test_json_lines_records(core: _native.NativeCore, matcher: Matcher, lines: list[tuple[str, str]]) -> None:
    """Escapes of every kind, odd keys, two errors, long values, invalid UTF-8: each line read as
    `Extractor.find` reads it, or handed back."""
    buf = "".join(line + eol for line, eol in lines).encode("utf-8", "surrogateescape")
    check_block(core, matcher.extractor, buf)


def test_a_line_read_unescaped_is_given_alone(core: _native.NativeCore, matcher: Matcher) -> None:
    """`read` hands back SDK text read unescaped from a JSON string (its spans would point at text
    that is not in the block); `read_unescaped` gives that line's finding as the extractor does, its
    message unescaped, and None for a line the core did not read so."""
    escaped = (b'{"time":"t","error":"[TencentCloudSDKException] code:InvalidParameterValue.InvalidCiphertext'
               b' message:\\u5bc6\\u6587 \\/x requestId:df630af6-8ce5-4ef7-a248-37c37f187539","region":"r"}')
    buf = b"x\n" + escaped + b"\r\n" + b"  code: 'AuthFailure',\n"
    line_start = buf.index(b"{")
    (_, line_end, found), = [r for r in core.read(buf, 0, len(buf)) if r[0] == line_start]
    assert found is None and buf[line_end - 1 : line_end] == b"\r"
    read = core.read_unescaped(buf, line_start, line_end)
    assert read is not None and list(read) == matcher.extractor.find(escaped.decode())
    assert (read[0].code, read[0].message) == ("InvalidParameterValue.InvalidCiphertext", "密文 /x")
    node = buf.index(b"  code")
    assert core.read_unescaped(buf, node, len(buf) - 1) is None
    assert core.read_unescaped(buf, 0, 1) is None
    with pytest.raises(ValueError, match="outside"):
        core.read_unescaped(buf, 0, len(buf) + 1)


def test_only_short_lines_with_an_escape_are_asked_for_alone(matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line handed back is asked for alone (`read_unescaped`) only where it may have been read
    unescaped: a line the core declined (no escape in it: several errors on a line) or a long one
    would be read once more for nothing (a 256 KB line of near-miss names took twice as long)."""
    from kmserr import scan

    _core_class()
    asked: list[bytes] = []
    real = _native.NativeCore.read_unescaped

    def spy(self: _native.NativeCore, buf: bytes, start: int, end: int) -> tuple[Finding, ...] | None:
        asked.append(buf[start:end])
        return real(self, buf, start, end)

    monkeypatch.setattr(_native.NativeCore, "read_unescaped", spy)
    escaped = (b'{"level":"error","error":"[TencentCloudSDKException] code:InvalidParameterValue message:'
               b'\\u5bc6\\u6587 requestId:df630af6-8ce5-4ef7-a248-37c37f187539"}')
    several = "a: (10630) x AuthFailure 密钥".encode()  # declined: several errors, a character of more than a byte
    block = b"\n".join([escaped, several, escaped]) + b"\n"
    hits = scan.LineScanner(Matcher(matcher.names)).feed(block)
    assert asked == [escaped, escaped]
    long = escaped[:-2] + b" x" * scan._AGAIN_MAX + b'"}'
    read = scan.LineScanner(Matcher(matcher.names))._line(long, 0, 0, len(long), None)
    assert asked == [escaped, escaped]  # the long line: the full extractor's
    assert read is not None and list(read[2]) == matcher.extractor.find(long.decode())
    monkeypatch.setenv(_native.ENV, "1")
    python = scan.LineScanner(Matcher(matcher.names)).feed(block)
    assert [h[1:] for h in hits] == [h[1:] for h in python] and len(hits) == 3


# --- built from the names: what they tell the core, cached ----------------------------------------


def _lines(tagged: bytes) -> set[bytes]:
    return set(tagged.split(b"\n"))  # the order of a set's words varies with the process


def test_the_names_tell_the_core_what_their_extractor_would(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cached or not, `tagged_names` is `_tagged` of the names' own extractor; a cache file left by
    other files (an edit of extract.py, an upgrade) is not used."""
    monkeypatch.setenv("KMSERR_CACHE_DIR", str(tmp_path / "cache"))
    expected = _lines(_native._tagged(Extractor(matcher.names)))
    fewer = matcher.names[:-1]
    assert _lines(_native.tagged_names(matcher.names)) == expected
    assert _lines(_native.tagged_names(fewer)) == _lines(_native._tagged(Extractor(fewer)))
    assert len(list((tmp_path / "cache").glob("native-*.bin"))) == 2  # a file for each catalogue
    calls: list[int] = []
    real = _native._tagged
    monkeypatch.setattr(_native, "_tagged", lambda extractor: calls.append(1) or real(extractor))
    assert _lines(_native.tagged_names(matcher.names)) == expected and calls == []  # from the cache
    monkeypatch.setattr(_native, "_made_by", lambda: b"other files")
    assert _lines(_native.tagged_names(matcher.names)) == expected and calls == [1]


def test_a_core_from_names_builds_no_extractor_and_reads_as_one_from_it(
    matcher: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KMSERR_CACHE_DIR", str(tmp_path / "cache"))
    built = _core_class()
    _native.tagged_names(matcher.names)  # fills the cache
    fresh = Matcher(matcher.names)
    from_names = built.from_matcher(fresh)
    assert fresh._extractor is None
    buf = b"".join(path.read_bytes() + b"\n" for path in sorted(DATA.glob("*.txt")))
    assert from_names.read(buf, 0, len(buf)) == built(Extractor(matcher.names)).read(buf, 0, len(buf))


def test_the_made_by_files_are_there() -> None:
    """A name in _SOURCES that is not a file would turn the cache off without a word."""
    assert _native._made_by()


def test_lines_handed_back_are_read_alike_before_and_after_pythons_core_is_built(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first lines the compiled core hands back go to the full extractor, later ones to Python's
    block core (built then: its engine costs more than a few lines): the same hits either way."""
    from kmserr import scan

    _core_class()
    line = (b'{"level":"error","error":"[TencentCloudSDKException] code:InvalidParameterValue message:'
            b'\\u5bc6\\u6587 requestId:df630af6-8ce5-4ef7-a248-37c37f187539"}\n')
    buf = line * (scan._AGAIN_AFTER + 40)
    compiled = Matcher(matcher.names)
    scanner = scan.LineScanner(compiled)
    assert scanner.core.name == "native"
    first = scanner.feed(line * 3)
    again = [key for key in compiled.cores if key[0] == "read again"]
    assert not again  # three lines: the full extractor's
    hits = first + scanner.feed(buf)
    assert len([key for key in compiled.cores if key[0] == "read again"]) == 1
    monkeypatch.setenv(_native.ENV, "1")
    python = scan.LineScanner(Matcher(matcher.names)).feed(line * 3 + buf)
    assert [h[1:] for h in hits] == [h[1:] for h in python] and len(hits) == len(buf) // len(line) + 3
    assert hits[0].findings[0].code == "InvalidParameterValue"
