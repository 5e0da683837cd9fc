"""`kmserr.explain`: what a service asks about an error it just caught, without going through text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kmserr
from kmserr import explain

RID = "6ecbe97c-fadb-4798-8afa-4e56b9e0f3da"


class PythonSdkLike(Exception):
    """The Python SDK's exception, as far as kmserr looks at it."""

    def __init__(self, code: str, message: str, request_id: str | None) -> None:
        super().__init__(message)
        self.code, self.message, self.requestId = code, message, request_id

    def get_code(self) -> str:
        return self.code


class JavaStyle:
    def getErrorCode(self) -> str:
        return "ResourceUnavailable.CmkNotFound"

    def getRequestId(self) -> str:
        return RID


class Broken:
    @property
    def code(self) -> str:
        raise RuntimeError("no")

    def __str__(self) -> str:
        return "[TencentCloudSDKError] Code=InternalError, Message=boom"


def test_an_sdk_exception() -> None:
    info = explain(PythonSdkLike("ResourceUnavailable.CmkDisabled", "The CMK is disabled.", RID))
    assert (info.code, info.request_id, info.message) == ("ResourceUnavailable.CmkDisabled", RID, "The CMK is disabled.")
    assert info.found and info.known and info.retryable is False and info.category == "key-state"
    assert info.entry is not None and info.entry.product == "kms"
    assert info.finding.form == "exception"


def test_retryable_errors() -> None:
    assert explain(PythonSdkLike("RequestLimitExceeded", "slow down", None)).retryable is True
    assert explain(PythonSdkLike("InternalError", "x", None)).retry == "idempotent"


def test_a_legacy_message_through_an_sdk() -> None:
    info = explain(PythonSdkLike("InvalidParameter", "(10010)lacked of required parameters", None))
    # One error: the SDK's code and message, the legacy code its detail, which the catalogue explains.
    assert (info.code, info.finding.module_code, info.message) == (
        "InvalidParameter", 10010, "(10010)lacked of required parameters")
    assert info.entry is not None and info.entry.code == "10010"
    assert info.message_agrees is True


def test_other_naming_conventions() -> None:
    info = explain(JavaStyle())
    assert (info.code, info.request_id, info.known) == ("ResourceUnavailable.CmkNotFound", RID, True)


def test_an_object_whose_accessors_fail_is_read_as_text() -> None:
    info = explain(Broken())
    assert (info.code, info.finding.form) == ("InternalError", "go-sdk")


@pytest.mark.parametrize(
    "error",
    [
        f"[TencentCloudSDKException] code:AuthFailure.SignatureFailure message:bad requestId:{RID}",
        f'{{"Response":{{"Error":{{"Code":"AuthFailure.SignatureFailure","Message":"bad"}},"RequestId":"{RID}"}}}}',
        {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}, "RequestId": RID}},
        {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}, "RequestId": RID},
        f"[TencentCloudSDKException] code:AuthFailure.SignatureFailure message:bad requestId:{RID}".encode(),
    ],
)
def test_strings_bodies_and_dicts(error: object) -> None:
    info = explain(error)
    assert (info.code, info.request_id, info.known) == ("AuthFailure.SignatureFailure", RID, True)


def test_a_legacy_dict() -> None:
    info = explain({"code": 4530, "message": "(10630)key is not existed", "codeDesc": "KeyNotExist"})
    assert (info.code, info.finding.error_code, info.known) == ("10630", 4530, True)


def test_an_unknown_code_explained_by_its_family() -> None:
    info = explain(PythonSdkLike("InternalError.SendAndRecvFail", "x", None))
    assert info.known is False and info.family is not None and info.family.code == "InternalError"
    assert info.retryable is True and info.description == "Internal error."


@pytest.mark.parametrize("error", ["all is well", {"code": 0, "message": ""}, ValueError("plain failure"), b"", 42])
def test_nothing_found(error: object) -> None:
    info = explain(error)
    assert (info.found, info.known, info.retryable, info.entry) == (False, False, False, None)
    assert info.category is None and info.action is None
    # No code is None, not "", and the result is falsy: `if explain(text):` asks whether there is one.
    assert info.code is None and not info and bool(info) is False
    assert str(info) == "no error code found"


def test_a_found_error_is_truthy_and_prints_on_one_line() -> None:
    info = explain(PythonSdkLike("ResourceUnavailable.CmkDisabled", "The CMK is disabled.", RID))
    assert info and bool(info) is True
    assert str(info) == (f"ResourceUnavailable.CmkDisabled (request {RID}): retry: no; "
                         "Enable the CMK (EnableKey or the console) before calling again.")
    assert str(explain("InternalError.SendAndRecvFail")).startswith(
        "InternalError.SendAndRecvFail: retry: yes, if the call is idempotent; not in catalogue, family InternalError; ")
    assert "\n" not in str(explain(PythonSdkLike("InternalError", "x", "r\nforged")))


def test_retryable_depends_on_whether_the_call_may_be_repeated() -> None:
    internal = explain("InternalError")
    # `retryable` assumes an idempotent call, as should_retry's default; a call that must not
    # happen twice asks retryable_for(False), the decision of Retryer(idempotent=False).
    assert internal.retryable is True and internal.retryable_for(True) is True
    assert internal.retryable_for(False) is False and kmserr.should_retry(
        PythonSdkLike("InternalError", "boom", RID), idempotent=False) is False
    throttled = explain("RequestLimitExceeded")
    assert throttled.retryable_for(False) is True and throttled.retryable_for(True) is True
    assert explain("ResourceUnavailable.CmkDisabled").retryable_for(True) is False


def test_explanations_are_not_shared_between_registries() -> None:
    from kmserr import Registry, default_registry

    base = default_registry()
    entry = base.get("10630")
    assert entry is not None
    for n in range(3):  # registries made and dropped in turn may reuse an address
        custom = Registry([entry._replace(action=f"Custom action {n}.")], base.categories)
        assert explain("(10630) key is not existed", custom).action == f"Custom action {n}."
        del custom
    assert explain("(10630) key is not existed", base).action == entry.action


def test_a_chinese_message_is_not_a_disagreement() -> None:
    # The request's Language decides the message's language: Chinese cannot be compared with English.
    assert explain("(10630)密钥不存在").message_agrees is None
    assert explain("(10630) key is not existed").message_agrees is True
    assert explain("(10630) key is disabled").message_agrees is False


def test_an_unknown_module_code_falls_back_to_the_gateway_code_or_code_desc() -> None:
    info = explain({"code": 5100, "message": "(100005)zoneId不正确"})
    assert (info.known, info.family and info.family.code, info.retry) == (False, "5100", "idempotent")
    assert info.description and "module codes are product-scoped" in info.description
    # A legacy body through the Go SDK: the SDK's code explains a module code the catalogue lacks.
    desc = explain("[TencentCloudSDKError] Code=InvalidParameter, Message=(100005)zoneId不正确")
    assert (desc.code, desc.finding.module_code) == ("InvalidParameter", 100005)
    assert desc.entry is not None and desc.entry.code == "InvalidParameter"
    assert explain("(100005) incorrect zoneId").family is None  # nothing to fall back to


def test_the_retry_words_are_those_of_every_output() -> None:
    from kmserr.catalogue import RETRY_VALUES, RETRY_WORDS
    from kmserr.render import retry_text

    assert set(RETRY_WORDS) == set(RETRY_VALUES)
    assert all(retry_text(value) == words for value, words in RETRY_WORDS.items())


_CODES = ("10630", "10650", "ResourceUnavailable.CmkDisabled", "InvalidParameter", "FailedOperation.SomethingNew",
          "NoSuchCode", "TypeError")
_MESSAGES = ("key is not existed", "key is disabled", "The CMK has been disabled.", "解密失败", "(10630) key is not existed",
             "", "no such parameter KeyId", "Invalid parameter.")


def _uncached(finding: kmserr.Finding, registry: kmserr.Registry) -> tuple[object, object, object]:
    """What explain_finding says of a finding, worked out from the registry with no cache."""
    from kmserr.explanation import _has_cjk, _legacy_text, fallback, resolve
    from kmserr.registry import message_agrees

    entry = resolve(finding, registry)
    said = _legacy_text(finding)
    agrees = None
    if entry is not None and entry.message is not None and said and not (entry.message.isascii() and _has_cjk(said)):
        agrees = message_agrees(entry, said)
    return entry, agrees, fallback(finding, registry) if entry is None else None


@given(st.lists(st.tuples(st.sampled_from(_CODES), st.sampled_from(_MESSAGES) | st.text(max_size=30),
                          st.sampled_from(["python-sdk", "legacy-message", "api3-json"]),
                          st.none() | st.sampled_from([10630, 10650, 99999])), min_size=1, max_size=12))
def test_explaining_many_findings_in_turn_is_explaining_each_alone(
    findings: list[tuple[str, str, str, int | None]],
) -> None:
    """The meanings kept across findings (by code, never by message) never change an answer: each
    finding's entry, family and message agreement are those worked out for it alone."""
    from kmserr.explanation import explain_finding

    registry = kmserr.default_registry()
    for code, message, form, module in findings:
        finding = kmserr.Finding(code=code, form=form, start=0, end=len(code), message=message, module_code=module)
        got = explain_finding(finding, registry)
        assert (got.entry, got.message_agrees, got.family) == _uncached(finding, registry)


@given(st.text(alphabet=st.characters(max_codepoint=0x10FFFF), max_size=700)
       | st.text(alphabet="ab 解密失败\u3000\u9fff\uff00\uffef\u2fff\ua000", max_size=700))
def test_a_messages_cjk_is_seen_in_its_first_512_characters(text: str) -> None:
    """A Chinese message is not compared with an English one: CJK in the first 512 characters,
    and there only (the search stands for a scan of each character, 9 steps a message)."""
    from kmserr.explanation import _has_cjk

    assert _has_cjk(text) == any("\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in text[:512])
