"""Several errors on one line: each is its own, with its own message and request ID.

The SDKs' text forms end their message at the line's end (`message:...`, `Message=...`), and a
JSON body claimed the text up to its line's last `}`, so a line that holds two errors (a retry
loop's summary, an aggregated error) used to give the first error the second one's text and
request ID, and lose the second error.
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kmserr.extract import Extractor
from kmserr.scan import scan_bytes

pytestmark = pytest.mark.usefixtures("core")  # every test here runs on both block cores

CODES = ("AuthFailure.SignatureExpire", "InternalError", "ResourceUnavailable.CmkDisabled",
         "InvalidParameterValue.InvalidKeyId", "LimitExceeded.CmkLimitExceeded", "FailedOperation.DecryptError")
# Each SDK's text form, as its exception prints: {c} the code, {m} the message, {r} the request ID.
TEXT_FORMS = {
    "python-sdk": "[TencentCloudSDKException] code:{c} message:{m} requestId:{r}",
    "python-sdk-repr": "TencentCloudSDKException('{c}', '{m}', '{r}')",
    "java-sdk": "[TencentCloudSDKException]code: {c} message:{m} requestId:{r}",
    "java-sdk-old": "[TencentCloudSDKException]message:{c}-{m} requestId:{r}",
    "go-sdk": "[TencentCloudSDKError] Code={c}, Message={m}, RequestId={r}",
    "cpp-sdk": "RequestId={r}, ErrorCode={c}, ErrorMessage={m}",
    "dotnet-sdk": "code:{c} message:{m} requestId:{r}",
    "code-message": "Code: {c}, Message: {m}, RequestId: {r}",
    "api3-json": '{{"Response":{{"Error":{{"Code":"{c}","Message":"{m}"}},"RequestId":"{r}"}}}}',
    # A legacy body prints no request ID: {c} stands for a module code here (LEGACY).
    "legacy-json": '{{"code":4000,"message":"({c}) {m}","codeDesc":"InvalidParameter"}}',
}
LEGACY = ("10630", "10010", "10250", "100004")
SEPARATORS = (" ", " | ", "; ", ", ", "\t", " / ")
EXTRACTOR = Extractor()

errors = st.tuples(
    st.sampled_from(sorted(TEXT_FORMS)),
    st.sampled_from(CODES),
    st.from_regex(r"[a-z]{1,8}( [a-z]{1,8}){0,3}", fullmatch=True),
    st.uuids().map(str),
).map(lambda e: (e[0], LEGACY[len(e[1]) % len(LEGACY)], e[2], "") if e[0] == "legacy-json" else e)


def _line(parts: list[tuple[str, str, str, str]], separators: list[str]) -> str:
    texts = [TEXT_FORMS[form].format(c=code, m=message, r=rid) for form, code, message, rid in parts]
    line = texts[0]
    for separator, text in zip(separators, texts[1:], strict=False):  # separators: one spare
        line += separator + text
    return "ERROR kms " + line


@given(st.lists(errors, min_size=2, max_size=4), st.lists(st.sampled_from(SEPARATORS), min_size=3, max_size=3))
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_each_error_of_a_line_keeps_its_own_code_message_and_request_id(
    engine: str, parts: list[tuple[str, str, str, str]], separators: list[str]
) -> None:
    # The C++ and .NET SDKs' messages run to the line's end (.NET's request ID ends it): a body
    # printed after one is read as part of its message, as an SDK message holds a reply's body
    # (the body is still its own error). A documented limit (docs/forms.md).
    assume(not any(a[0] in ("cpp-sdk", "dotnet-sdk") and b[0].endswith("json") for a, b in pairwise(parts)))
    line = _line(parts, separators)
    found = EXTRACTOR.find(line)
    assert [(f.form, f.code, f.request_id) for f in found] == [(form, code, rid or None) for form, code, _, rid in parts]
    assert [f.message for f in found] == [message for _, _, message, _ in parts]
    # grep reads the line as parse does, with either engine.
    hits = scan_bytes(line.encode() + b"\n")
    assert [h.findings for h in hits] == [tuple(found)]


@pytest.mark.parametrize(("line", "expected"), [
    # A Go error, then the Python SDK's: the Python form is tried first, so the Go error's text
    # used to overlap it and the Go error was reported as a bare name with the wrong message.
    ("[TencentCloudSDKError] Code=AuthFailure, Message=bad, RequestId=r-1111111 "
     "[TencentCloudSDKException] code:InternalError message:oops requestId:r-2222222",
     [("AuthFailure", "bad", "r-1111111"), ("InternalError", "oops", "r-2222222")]),
    # A message that only mentions the SDK is no second error: the message is not cut there.
    ("[TencentCloudSDKError] Code=InternalError, Message=see the TencentCloudSDKError docs, RequestId=r-3333333",
     [("InternalError", "see the TencentCloudSDKError docs", "r-3333333")]),
    # `Code: X, Message: M` without its own request ID does not take the earlier error's.
    ("Code: AuthFailure, Message: bad, RequestId: r-1111111 | Code: InternalError, Message: oops",
     [("AuthFailure", "bad", "r-1111111"), ("InternalError", "oops", None)]),
    # Two API 3.0 bodies: the first one's braces end before the second (it claimed the line's last `}`).
    ('{"Response":{"Error":{"Code":"AuthFailure","Message":"x"},"RequestId":"r-1111111"}} retry: '
     '{"Response":{"Error":{"Code":"InternalError","Message":"y"},"RequestId":"r-2222222"}}',
     [("AuthFailure", "x", "r-1111111"), ("InternalError", "y", "r-2222222")]),
    # A legacy body, then a name standing alone before a later `}`.
    ('{"code": 4000, "message": "(10630) key is not existed"} then AuthFailure.SignatureExpire: expired {"k": 1}',
     [("10630", "key is not existed", None), ("AuthFailure.SignatureExpire", 'expired {"k": 1}', None)]),
    # A legacy body takes a request ID from its line, but not one that another error prints as its own.
    ('{"code": 4000, "message": "(10630) key is not existed"} | '
     "[TencentCloudSDKException] code:InternalError message:m requestId:r-2222222",
     [("10630", "key is not existed", None), ("InternalError", "m", "r-2222222")]),
    ("request_id=r-99999999 resp={\"code\": 4000, \"message\": \"(10630) key is not existed\"}",
     [("10630", "key is not existed", "r-99999999")]),
    # `f"{e.code}: {e}"`: one error, read from the SDK's own text, not as a name standing alone.
    ("AuthFailure: [TencentCloudSDKException] code:AuthFailure message:m requestId:r-2222222",
     [("AuthFailure", "m", "r-2222222")]),
    # A name standing alone beside another error does not take that one's request ID.
    ("Failed: InternalError [TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:m requestId:r-2",
     [("InternalError", None, None), ("ResourceUnavailable.CmkDisabled", "m", "r-2")]),
    # Alone on its line, `Code: X, Message: M` still finds a request ID printed before it.
    ("RequestId: r-4444444 Code: InternalError, Message: oops",
     [("InternalError", "oops", "r-4444444")]),
])
def test_errors_on_one_line(engine: str, line: str, expected: list[tuple[str, str | None, str | None]]) -> None:
    found = Extractor().find(line)
    assert [(f.code, f.message, f.request_id) for f in found] == expected
    assert [h.findings for h in scan_bytes(line.encode() + b"\n")] == [tuple(found)]


def test_a_flood_of_code_keys_outside_error_bodies_reads_no_json(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each body is read in its own braces, but only a body with an `"Error": {` key is read at all:
    a line of 25,000 `{"Code":"X"}` took four times as long when each was decoded."""
    from kmserr import extract, forms

    calls: list[int] = []
    real = forms.json_object

    def counting(text: str, start: int, end: int) -> tuple[int, int] | None:
        calls.append(start)
        return real(text, start, end)

    monkeypatch.setattr(forms, "json_object", counting)
    monkeypatch.setattr(extract, "json_object", counting)
    line = '{{"Code":"AuthFailure"}} ' * 2000 + '"message": "(10630) key is not existed"'
    found = EXTRACTOR.find(line)
    assert found[-1].code == "10630"
    assert calls == [line.index('"message"') + len('"message": "')]  # the legacy message's value alone
