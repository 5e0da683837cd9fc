"""Codes that the real Python SDK raises itself, read from its exceptions, its text and a log.

The SDK re-raises any exception of its own calls as TencentCloudSDKException(type(e).__name__,
str(e)) (every method of tencentcloud/kms/v20190118/kms_client.py): an answer that is not the
API's makes `JSONDecodeError`, `KeyError` or `UnicodeDecodeError` the code, and a dict given
instead of a request model `AttributeError`. The local server of test_sdk_real gives the answers.
"""

from __future__ import annotations

import json

import pytest
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.sign import Sign

from kmserr import explain

from .conftest import Runner
from .test_sdk_real import Answers, call, client, server  # noqa: F401 - `server` is a fixture used here

pytestmark = pytest.mark.usefixtures("core")  # every test here runs on both block cores

ANSWERS = [
    ("text/html", b"<html><body>Proxy login</body></html>", "JSONDecodeError", "Expecting value"),
    ("application/json", b"", "JSONDecodeError", "Expecting value"),
    ("application/json", b"{}", "KeyError", "'Response'"),
    ("text/html", b'{"code": 0}', "KeyError", "'Response'"),
    ("text/html", "<html>登录</html>".encode("gbk"), "UnicodeDecodeError", "codec can't decode"),
]


@pytest.mark.parametrize(("content_type", "body", "code", "message"), ANSWERS)
def test_an_answer_that_is_not_the_apis(
    server: tuple[str, Answers], run: Runner, content_type: str, body: bytes, code: str, message: str,  # noqa: F811
) -> None:
    endpoint, answers = server
    answers.status, answers.content_type, answers.body = 200, content_type, body
    err = call(client(endpoint), "Decrypt", {"CiphertextBlob": "x"})
    assert (err.code, err.requestId) == (code, None) and message in err.message

    info = explain(err)
    assert info.known and info.entry is not None and (info.entry.product, info.entry.code) == ("sdk", code)
    assert info.retryable is False and info.category == "network"
    [record] = json.loads(run("parse", str(err), "--format", "json").stdout)
    assert (record["code"], record["format"], record["in_catalogue"]) == (code, "python-sdk", True)


def test_a_dict_instead_of_a_request_model(server: tuple[str, Answers]) -> None:  # noqa: F811
    endpoint, _ = server
    with pytest.raises(TencentCloudSDKException) as caught:
        client(endpoint).Decrypt({"CiphertextBlob": "x"})
    info = explain(caught.value)
    assert (info.code, info.known, info.retryable, info.category) == ("AttributeError", True, False, "client")


def test_sign_method_and_common_client_codes() -> None:
    with pytest.raises(TencentCloudSDKException) as signing:
        Sign.sign("key", "text", "HmacMD5")
    with pytest.raises(TencentCloudSDKException) as common:
        CommonClient("kms", None, credential.Credential("AKIDtest", "secret"), "ap-guangzhou")
    for err, code in ((signing.value, "signMethod invalid"),
                      (common.value, "CommonClient Parameter Error, credential region version service all required.")):
        assert err.code == code
        info = explain(err)
        assert info.known and info.entry is not None and info.entry.product == "sdk" and info.retryable is False


def test_any_other_python_exception_name_follows_the_rule(run: Runner) -> None:
    err = TencentCloudSDKException("TypeError", "expected str, bytes or os.PathLike object, not int")
    info = explain(err)
    assert (info.known, info.family and info.family.code, info.retryable, info.category) == (
        False, "PythonException", False, "client",
    )
    [record] = json.loads(run("parse", str(err), "--format", "json").stdout)
    assert (record["code"], record["in_catalogue"], record["family"]["code"]) == ("TypeError", False, "PythonException")
    # Only the Python SDK turns class names into codes: the Go SDK's text gets no such rule.
    go = explain("[TencentCloudSDKError] Code=TypeError, Message=x, RequestId=r")
    assert go.code == "TypeError" and go.family is None


def test_grep_classifies_wrapped_exceptions(run: Runner, engine: str) -> None:
    log = (
        "[TencentCloudSDKException] code:JSONDecodeError message:Expecting value: line 1 column 1 (char 0) requestId:None\n"
        "[TencentCloudSDKException] code:TypeError message:bad operand requestId:None\n"
        "[TencentCloudSDKException] code:RequestLimitExceeded message:slow down requestId:None\n"
    )
    not_retryable = run("grep", "--not-retryable", "--format", "plain", input=log).stdout
    assert "JSONDecodeError" in not_retryable and "TypeError" in not_retryable
    assert "RequestLimitExceeded" not in not_retryable
    retryable = run("grep", "--retryable", "--format", "plain", input=log).stdout
    assert "RequestLimitExceeded" in retryable
    assert "JSONDecodeError" not in retryable and "TypeError" not in retryable


def test_a_python_traceback_alone_is_no_kms_error(run: Runner, engine: str) -> None:
    """Every Python program logs JSONDecodeError: only the SDK's text makes it a code."""
    log = "ERROR JSONDecodeError: Expecting value: line 1 column 1 (char 0)\nKeyError: 'user'\n"
    assert run("grep", input=log).exit_code == 1
