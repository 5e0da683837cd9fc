"""The real KMS SDK against a local server that answers with errors: what a service would catch.

A real `KmsClient` of tencentcloud-sdk-python-kms (a test dependency) sends its calls to an HTTP
server on 127.0.0.1 started here, which answers with API 3.0 error bodies for each code of the
catalogue's KMS section, and with a non-200 answer. The SDK's own exception, its text, and its
debug log must each lead to the right entry and request ID.
"""

from __future__ import annotations

import io
import json
import logging
import socket
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.retry import StandardRetryer
from tencentcloud.kms.v20190118 import kms_client, models

from kmserr import default_registry, explain

from .conftest import Runner
from .fake_api import BAD_GATEWAY, Answers, error_answer, fake_api

KMS_CODES = sorted(e.code for e in default_registry().entries if e.product == "kms" and e.generation == "api3")
ACTIONS = [("Decrypt", {"CiphertextBlob": "x"}), ("Encrypt", {"KeyId": "k", "Plaintext": "eA=="}),
           ("DescribeKey", {"KeyId": "k"}), ("CreateKey", {"Alias": "a"}), ("GenerateDataKey", {"KeyId": "k"})]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Answers]]:
    with fake_api() as served:
        yield served


def client(endpoint: str) -> kms_client.KmsClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=10))
    return kms_client.KmsClient(credential.Credential("AKIDtest", "secret"), "ap-guangzhou", profile)


def call(kms: kms_client.KmsClient, action: str, params: dict[str, str]) -> TencentCloudSDKException:
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    with pytest.raises(TencentCloudSDKException) as caught:
        getattr(kms, action)(request)
    return caught.value


def answer_error(answers: Answers, code: str, request_id: str) -> None:
    answers.script(error_answer(code, request_id), 0, error_answer(code, request_id))


@pytest.mark.parametrize("code", KMS_CODES)
def test_every_kms_code_through_the_real_sdk(server: tuple[str, Answers], run: Runner, code: str) -> None:
    endpoint, answers = server
    request_id = f"req-{KMS_CODES.index(code):04d}-4b1c-9d2e-0123456789ab"
    answer_error(answers, code, request_id)
    action, params = ACTIONS[KMS_CODES.index(code) % len(ACTIONS)]
    err = call(client(endpoint), action, params)
    assert answers.requests[-1] == action

    info = explain(err)
    assert (info.code, info.request_id, info.message) == (code, request_id, f"message of {code}")
    assert info.entry is not None and (info.entry.product, info.entry.code) == ("kms", code)

    [record] = json.loads(run("parse", str(err), "--format", "json").stdout)
    assert (record["code"], record["request_id"], record["format"]) == (code, request_id, "python-sdk")
    assert record["entry"]["product"] == "kms"


def test_a_non_200_answer(server: tuple[str, Answers], run: Runner) -> None:
    endpoint, answers = server
    answers.script(BAD_GATEWAY, 0, BAD_GATEWAY)
    err = call(client(endpoint), "Decrypt", {"CiphertextBlob": "x"})
    info = explain(err)
    assert (info.code, info.request_id, info.known) == ("ServerNetworkError", None, True)
    assert info.entry is not None and info.entry.product == "sdk" and info.retryable
    [record] = json.loads(run("parse", str(err), "--format", "json").stdout)
    assert (record["code"], record["request_id"]) == ("ServerNetworkError", None)


def test_the_sdk_debug_log_is_found_by_grep(server: tuple[str, Answers], run: Runner) -> None:
    endpoint, answers = server
    request_id = "e2c1a9f0-1111-4222-8333-444455556666"
    answer_error(answers, "ResourceUnavailable.CmkDisabled", request_id)
    kms = client(endpoint)
    log = io.StringIO()
    kms.set_stream_logger(stream=log, level=logging.DEBUG)
    try:
        call(kms, "Decrypt", {"CiphertextBlob": "x"})
    finally:
        kms.set_default_logger()
    result = run("grep", "--json", input=log.getvalue().encode())
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    [match] = record["matches"]
    assert (match["code"], match["request_id"], match["format"]) == (
        "ResourceUnavailable.CmkDisabled", request_id, "api3-json",
    )


# ---------------------------------------------------------------- every output form, live

def outputs(err: TencentCloudSDKException) -> dict[str, str]:
    """What a service prints of the SDK's exception: its text, its repr, a JSON-lines record of
    each, a logged line, and the traceback that Python prints when nothing catches it."""
    log = io.StringIO()
    logger = logging.getLogger("kmserr-test-app")
    handler = logging.StreamHandler(log)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    try:
        try:
            raise err
        except TencentCloudSDKException:
            logger.exception("Decrypt failed")
    finally:
        logger.removeHandler(handler)
    return {
        "str": str(err) + "\n",
        "repr": repr(err) + "\n",
        "json-str": json.dumps({"level": "error", "error": str(err)}) + "\n",
        "json-repr": json.dumps({"level": "error", "error": repr(err)}) + "\n",
        "traceback": "".join(traceback.format_exception(err)),
        "logged": log.getvalue(),
    }


def wanted(err: TencentCloudSDKException, body: dict[str, Any] | None) -> list[tuple[str, str | None, str | None]]:
    """The exception as its attributes hold it, then the error of a non-200 reply's body."""
    found = [(err.code, str(err.message), err.requestId)]  # as str(err) prints it (b"..." for bytes)
    if body is not None:
        error = body["Response"]["Error"]
        found.append((error["Code"], error["Message"], body["Response"]["RequestId"]))
    return found


@pytest.mark.parametrize("answer", ["api3", "500-json", "502-html", "200-html"])
def test_every_output_form_of_the_sdk(server: tuple[str, Answers], run: Runner, engine: str, answer: str) -> None:
    endpoint, answers = server
    body: dict[str, Any] | None = None
    if answer == "api3":
        answer_error(answers, "ResourceUnavailable.CmkDisabled", "3c1f0a52-5d3e-4f7a-9b61-0e2d8c4a7f19")
    elif answer == "500-json":
        body = {"Response": {"Error": {"Code": "InternalError", "Message": 'An "internal" error.'},
                             "RequestId": "9d2e4b1c-0123-4567-89ab-cdef01234567"}}
        answers.status, answers.content_type, answers.body = 500, "application/json", json.dumps(body).encode()
    elif answer == "502-html":
        answers.status, answers.content_type, answers.body = 502, "text/html", b"<html>502 Bad Gateway</html>"
    else:
        answers.status, answers.content_type, answers.body = 200, "text/html", b"<html>maintenance</html>"
    err = call(client(endpoint), "Decrypt", {"CiphertextBlob": "x"})
    want = wanted(err, body)
    for form, text in outputs(err).items():
        records = json.loads(run("parse", "--format", "json", input=text.encode()).stdout)
        assert [(r["code"], r["message"], r["request_id"]) for r in records] == want, form
        lines = [json.loads(line) for line in run("grep", "--json", input=text.encode()).stdout.splitlines()]
        assert [(m["code"], m["message"], m["request_id"]) for r in lines for m in r["matches"]] == want, form
        assert len(lines) == 1, form  # a traceback's source lines are not occurrences


def test_a_refused_connection_through_the_retryer(run: Runner, engine: str) -> None:
    with socket.socket() as sock:  # a port on which nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = io.StringIO()
    logger = logging.getLogger("kmserr-test-retry")
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(log)
    logger.addHandler(handler)
    retryer = StandardRetryer(max_attempts=2, backoff_fn=lambda n: 0, logger=logger)
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=f"127.0.0.1:{port}", reqTimeout=5),
                            retryer=retryer)
    kms = kms_client.KmsClient(credential.Credential("AKIDtest", "secret"), "ap-guangzhou", profile)
    try:
        err = call(kms, "Decrypt", {"CiphertextBlob": "x"})
    finally:
        logger.removeHandler(handler)
    want = wanted(err, None)
    assert want[0][0] == "ClientNetworkError"
    for text in [*outputs(err).values(), log.getvalue()]:
        records = json.loads(run("parse", "--format", "json", input=text.encode()).stdout)
        assert {(r["code"], r["message"], r["request_id"]) for r in records} == set(want)
        summary = json.loads(run("grep", "--summary", "--json", input=text.encode()).stdout)
        assert [r["code"] for r in summary] == ["ClientNetworkError"]
        assert summary[0]["count"] == len(records)
