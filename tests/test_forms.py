"""Every error form, and every line users pasted in public issues: found by the library, by
`parse` and by `grep`, with the right code, request ID and format."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import explain_text
from kmserr.forms import Finding

from .conftest import DATA, Runner

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores


@dataclass(frozen=True)
class Case:
    text: str
    code: str | None  # None: a line with no code in it
    request_id: str | None = None
    format: str | None = None


def real_samples() -> list[str]:
    lines = (DATA / "real-samples.txt").read_text(encoding="utf-8").splitlines()
    return [line.split("\t")[0] for line in lines]


# Expected results for real-samples.txt, line by line.
REAL = [
    ("AuthFailure.SignatureFailure", None, "python-sdk"),
    ("AuthFailure.SecretIdNotFound", "31b8f548-d924-4e13-bbcc-2222238a9f23", "python-sdk"),
    ("InvalidParameter", "fa5d98ca-64d0-4726-a57c-c74c20bf3523", "python-sdk"),
    ("InvalidCredential", None, "python-sdk"),
    ("ClientNetworkError", None, "python-sdk"),
    ("MissingParameter", None, "go-sdk"),
    ("ClientError.NetworkError", None, "go-sdk"),
    ("AuthFailure.UnauthorizedOperation", "6ecbe97c-fadb-4798-8afa-4e56b9e0f3da", "java-sdk-old"),
    ("AuthFailure.SignatureFailure", None, "dotnet-sdk"),
    (None, None, None),  # Node's first line: the code is on a later line
    (None, None, None),
    ("MissingParameter", None, "node-sdk"),
    (None, None, None),  # Node's requestId line alone
    (None, None, None),
    ("AuthFailure.SecretIdNotFound", "4474675b-d2c8-4b53-9600-78573b72effb", "api3-json"),
    ("AuthFailure.SignatureFailure", None, "code-message"),
    (None, None, None),  # a message with no code
    ("503", None, "legacy-json"),
    ("60016", None, "legacy-message"),
    ("60006", None, "legacy-message"),
    ("100004", None, "legacy-message"),
]

RID = "0a1b2c3d-1111-4222-8333-444455556666"
FORMS = [
    # Python SDK and tccli, in a traceback, and a client-side error
    Case(f"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:The CMK is disabled. requestId:{RID}",
         "ResourceUnavailable.CmkDisabled", RID, "python-sdk"),
    Case("tencentcloud.common.exception.tencent_cloud_sdk_exception.TencentCloudSDKException: "
         f"[TencentCloudSDKException] code:InternalError.SendAndRecvFail message:send fail requestId:{RID}",
         "InternalError.SendAndRecvFail", RID, "python-sdk"),
    Case("[TencentCloudSDKException] code:ServerNetworkError message:b'<html>502</html>' requestId:None",
         "ServerNetworkError", None, "python-sdk"),
    Case(f"[TencentCloudSDKException] code:FailedOperation message:[[request id:{RID}]busy] requestId:None",
         "FailedOperation", RID, "python-sdk"),
    # PHP
    Case("[TencentCloud\\Common\\Exception\\TencentCloudSDKException] code:AuthFailure.SecretIdNotFound "
         f"message:The SecretId is not found requestId:{RID}", "AuthFailure.SecretIdNotFound", RID, "python-sdk"),
    # Go, with and without RequestId, a legacy body through it, and the 2018 format
    Case(f"[TencentCloudSDKError] Code=ResourceUnavailable.CmkNotFound, Message=The CMK does not exist., RequestId={RID}",
         "ResourceUnavailable.CmkNotFound", RID, "go-sdk"),
    Case("[TencentCloudSDKError] Code=InvalidParameter, Message=(10010)lacked of required parameters",
         "InvalidParameter", None, "go-sdk"),
    Case(f"[TencentCloudSDKError] Code=AuthFailure, Message=x, RequestId=%!d(string={RID})", "AuthFailure", RID, "go-sdk"),
    # Ruby
    Case("TencentCloud::Common::TencentCloudSDKException ([TencentCloudSDKError] Code=ResourceUnavailable.CmkDisabled, "
         f"Message=The CMK is disabled., RequestId={RID})", "ResourceUnavailable.CmkDisabled", RID, "go-sdk"),
    # Java, current (with and without cause) and before 3.1.120
    Case(f"[TencentCloudSDKException]code: ResourceUnavailable.CmkNotFound message:The CMK does not exist. requestId:{RID}",
         "ResourceUnavailable.CmkNotFound", RID, "java-sdk"),
    Case("[TencentCloudSDKException]code: ServerSideError message:response code is 502, not 200 requestId: "
         "cause:java.io.IOException: reset", "ServerSideError", None, "java-sdk"),
    Case(f"[TencentCloudSDKException]message:LimitExceeded.CmkLimitExceeded-Too many CMKs requestId:{RID}",
         "LimitExceeded.CmkLimitExceeded", RID, "java-sdk-old"),
    # .NET before 3.0.876: the exception's ToString
    Case(f"message：code:AuthFailure.SignatureExpire message:Signature expired. requestId{RID}",
         "AuthFailure.SignatureExpire", RID, "dotnet-sdk"),
    # Node's inspected error, whole
    Case("TencentCloudSDKHttpException [Error]: The CMK is disabled.\n    at Client.parseResponse (x.js:1:1) {\n"
         f"  requestId: '{RID}',\n  code: 'ResourceUnavailable.CmkDisabled'\n}}",
         "ResourceUnavailable.CmkDisabled", RID, "node-sdk"),
    # C++
    Case(f"RequestId={RID}, ErrorCode=ResourceUnavailable.CmkDisabled, ErrorMessage=The CMK is disabled.",
         "ResourceUnavailable.CmkDisabled", RID, "cpp-sdk"),
    # API 3.0 JSON bodies, wrapped and unwrapped, compact and spaced
    Case(f'{{"Response":{{"Error":{{"Code":"AuthFailure.SignatureFailure","Message":"bad"}},"RequestId":"{RID}"}}}}',
         "AuthFailure.SignatureFailure", RID, "api3-json"),
    Case(f'{{"Response": {{"Error": {{"Code": "FailedOperation.DecryptError", "Message": "解密失败"}}, "RequestId": "{RID}"}}}}',
         "FailedOperation.DecryptError", RID, "api3-json"),
    Case(f'{{"Error":{{"Code":"AuthFailure.SignatureFailure","Message":"bad"}},"RequestId":"{RID}"}}',
         "AuthFailure.SignatureFailure", RID, "api3-json"),
    # Legacy v2 bodies and messages
    Case('{"code":4530,"message":"(10630)key is not existed","codeDesc":"KmsKeyNotExist"}', "10630", None, "legacy-json"),
    Case('{"code": "5100", "message": "(10050) server internal error"}', "10050", None, "legacy-json"),
    Case("code:10050 error:(10050)server internal error", "10050", None, "legacy-message"),
    # A code name standing alone, behind a log prefix
    Case("2024-05-14T08:00:00Z ERROR Service error: AuthFailure.SignatureFailure: The provided credentials could not "
         f"be validated. request_id={RID}", "AuthFailure.SignatureFailure", RID, "bare-code"),
    Case("WARN kms: got RequestLimitExceeded, backing off", "RequestLimitExceeded", None, "bare-code"),
]


def all_cases() -> list[Case]:
    real = [Case(text, *expected) for text, expected in zip(real_samples(), REAL, strict=True)]
    return real + FORMS


def case_id(case: Case) -> str:
    return case.text[:60]


@pytest.mark.parametrize("case", all_cases(), ids=case_id)
def test_library(case: Case) -> None:
    found = explain_text(case.text)
    if case.code is None:
        assert found == []
        return
    assert len(found) == 1, found
    assert (found[0].finding.code, found[0].finding.request_id, found[0].finding.form) == (
        case.code, case.request_id, case.format,
    )


@pytest.mark.parametrize("case", all_cases(), ids=case_id)
def test_parse_command(run: Runner, case: Case) -> None:
    result = run("parse", case.text, "--format", "json")
    if case.code is None:
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == "kmserr: no error code found in the input\n"
        return
    [record] = json.loads(result.stdout)
    assert (record["code"], record["request_id"], record["format"]) == (case.code, case.request_id, case.format)


@pytest.mark.parametrize("case", [c for c in all_cases() if "\n" not in c.text], ids=case_id)
def test_grep_command(run: Runner, case: Case) -> None:
    log = f"2024-05-14 INFO before\n{case.text}\n2024-05-14 INFO after\n"
    result = run("grep", "--json", input=log.encode())
    if case.code is None:
        assert (result.exit_code, result.stdout) == (1, "")
        return
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["line_number"] == 2
    [match] = record["matches"]
    assert (match["code"], match["request_id"], match["format"]) == (case.code, case.request_id, case.format)


def test_grep_finds_the_node_code_line_of_a_whole_error(run: Runner) -> None:
    [node] = [c for c in FORMS if c.format == "node-sdk"]
    result = run("grep", "--json", input=node.text.encode())
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert record["line"] == "  code: 'ResourceUnavailable.CmkDisabled'"


def test_unknown_code_reports_its_family(run: Runner) -> None:
    [record] = json.loads(run("parse", FORMS[1].text, "--format", "json").stdout)
    assert record["in_catalogue"] is False
    assert record["family"] == {"code": "InternalError", "description": "Internal error."}
    plain = run("parse", FORMS[1].text, "--format", "plain").stdout.rstrip("\n").split("\t")
    # the description column says whose meaning it is; the last column whose advice the verdict is
    assert (plain[7], plain[-1]) == ("not in catalogue; family InternalError: Internal error.", "InternalError")


def test_json_keys_of_the_first_version_stay(run: Runner) -> None:
    [record] = json.loads(run("parse", FORMS[0].text, "--format", "json").stdout)
    assert {"module_code", "error_code", "message", "description", "code", "request_id", "format"} <= set(record)


@pytest.mark.parametrize(
    "text",
    [
        "botocore.exceptions.ClientError: An error occurred (AccessDenied)",
        "ClientError: An error occurred",
        "raise ResourceUnavailableException('x')",
        "[TencentCloudSDKException]message:Request-timeout requestId:x",
        "please enter the code: 1234",
        "the error code is shown below",
        'kms-client: response {"Response":{"KeyId":"k","RequestId":"r"}}',
        "see docs/InvalidParameter.md for details",
        "com.tencent.AuthFailure.handler started",
    ],
)
def test_look_alikes_are_not_errors(text: str) -> None:
    assert explain_text(text) == []


@given(st.lists(st.sampled_from(["junk", "Error [Error]: old", "    at old (x.js:1:1)", "  requestId: 'old',"]), max_size=5),
       st.integers(0, 40), st.integers(0, 70), st.integers(0, 70), st.integers(0, 70), st.sampled_from(["  ", "    "]))
def test_a_node_object_is_read_from_the_lines_it_may_reach_alone(
    junk: list[str], message_lines: int, stack: int, properties: int, rid_at: int, indent: str,
) -> None:
    """Only the last NODE_LOOKBACK lines and the two around them are split (forms._NODE_SPLIT):
    whatever the sizes of the message, stack and properties, the same message and request ID are
    read as when every line is split."""
    from kmserr import forms

    lines = [*junk, "TencentCloudSDKHttpException [Error]: The CMK is disabled.",
             *(f"line {n} of the message" for n in range(message_lines)),
             *(f"    at f{n} (x.js:{n}:1)" for n in range(stack)), "    at last (x.js:9:9) {",
             *(f"{indent}requestId: 'r-{n}'," if n == rid_at else f"{indent}prop{n}: {n}," for n in range(properties))]
    finding = Finding(code="ResourceUnavailable.CmkDisabled", form="node-sdk", start=9, end=40)
    before = "\n".join(lines) + "\n" + indent
    read = forms._with_node_object(finding, before)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(forms, "_NODE_SPLIT", -1)  # every line split
        assert forms._with_node_object(finding, before) == read


@given(st.sets(st.text("abAB.", min_size=1, max_size=8), max_size=40))
def test_the_fewest_literals_are_the_words_holding_no_other_one(words: set[str]) -> None:
    """By slices or by the regex of them all (`SLICES_PER_CHARACTER` picks), the words kept are
    those in which no other word stands, as asking each pair says."""
    from kmserr import forms

    wanted = sorted(w for w in words if not any(u != w and u in w for u in words))
    lengths = sorted({len(w) for w in words})
    assert forms._holding_none(words, lengths) == wanted
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(forms, "PAIRWISE_WORDS", 0)
        for share in (0, 10**9):  # the regex, then the slices
            monkeypatch.setattr(forms, "SLICES_PER_CHARACTER", share)
            assert forms._fewest_literals(words) == wanted
