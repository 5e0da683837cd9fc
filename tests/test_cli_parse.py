"""`kmserr parse`: messages, JSON bodies, standard input; disagreement and unknown codes."""

from __future__ import annotations

import json

import pytest

from .conftest import Runner


def records(run: Runner, *args: str, input: str | None = None) -> list[dict[str, object]]:
    result = run("parse", *args, "--format", "json", input=input)
    assert result.exit_code == 0, result.stderr
    parsed: list[dict[str, object]] = json.loads(result.stdout)
    return parsed


def test_known_legacy_message(run: Runner) -> None:
    [rec] = records(run, "(10630) key is not existed")
    assert rec["module_code"] == 10630
    assert rec["error_code"] == 4530  # from the catalogue
    assert rec["message"] == "key is not existed"
    assert rec["in_catalogue"] is True and rec["message_agrees"] is True
    assert rec["description"] == (
        "The key does not exist, which means that CMK is not used. Check whether the key exists."
    )


def test_unknown_code_is_reported_with_its_text(run: Runner) -> None:
    [rec] = records(run, "(100005) incorrect zoneId")
    assert (rec["code"], rec["module_code"], rec["message"]) == ("100005", 100005, "incorrect zoneId")
    assert rec["in_catalogue"] is False and rec["entry"] is None and rec["description"] is None
    assert rec["family"] is None  # no gateway code to fall back to


def test_the_documentations_own_sample_is_explained(run: Runner) -> None:
    for text in ("(100004) incorrect projectId", '{"code": "5100", "message": "(100004)projectId不正确"}'):
        [rec] = records(run, text)
        assert (rec["code"], rec["in_catalogue"]) == ("100004", True)
        assert rec["message_agrees"] is not False  # the Chinese sample is no disagreement
        assert rec["entry"]["product"] == "common" and "project ID" in rec["description"]
        assert "not a KMS code" in rec["description"]


def test_an_unknown_module_code_falls_back_to_the_gateway_code(run: Runner) -> None:
    [rec] = records(run, '{"code": "5100", "message": "(100005)zoneId不正确"}')
    assert (rec["code"], rec["error_code"], rec["in_catalogue"]) == ("100005", 5100, False)
    assert rec["family"]["code"] == "5100"
    assert "module codes are product-scoped" in rec["family"]["description"]
    zh = json.loads(run("parse", '{"code": 5100, "message": "(100005)x"}', "--format", "json", "--lang", "zh").stdout)
    assert "模块错误码由各产品自行定义" in zh[0]["family"]["description"]


def test_no_space_form(run: Runner) -> None:
    [rec] = records(run, "(10010)lacked of required parameters")
    assert rec["module_code"] == 10010 and rec["message_agrees"] is True


@pytest.mark.parametrize("code", ["4000", '"4000"'])
def test_legacy_json_body(run: Runner, code: str) -> None:
    body = f'{{"code":{code},"message":"(10010)lacked of required parameters","codeDesc":"InvalidParameter"}}'
    [rec] = records(run, body)
    assert (rec["module_code"], rec["error_code"], rec["format"]) == (10010, 4000, "legacy-json")


def test_filled_in_template_agrees(run: Runner) -> None:
    [rec] = records(run, "(10320) no such parameter KeyId")
    assert rec["message_agrees"] is True


def test_disagreeing_message_is_noted(run: Runner) -> None:
    result = run("parse", "(10630) key is disabled")
    assert result.exit_code == 0
    assert "\tmessage differs from catalogue\t" in result.stdout
    assert result.stderr == "kmserr: note: the message of 10630 differs from the catalogue's ('key is not existed')\n"


def test_standard_input_when_text_is_absent_or_dash(run: Runner) -> None:
    for args in ((), ("-",)):
        [rec] = records(run, *args, input='{"code": 4530, "message": "(10630)key is not existed"}\n')
        assert rec["module_code"] == 10630


def test_pretty_printed_body_on_standard_input(run: Runner) -> None:
    body = json.dumps({"code": 4550, "message": "(10650)key is disabled", "codeDesc": "KeyDisabled"}, indent=2)
    [rec] = records(run, input=body)
    assert (rec["module_code"], rec["error_code"]) == (10650, 4550)


def test_invalid_utf8_on_standard_input(run: Runner) -> None:
    result = run("parse", "--format", "plain", input=b"\xff\xfe (10630) key is not existed")
    assert result.exit_code == 0
    assert result.stdout.startswith("10630\t10630\t4530\t")


def test_nothing_found_exits_1(run: Runner) -> None:
    result = run("parse", "all is well")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "kmserr: no error code found in the input\n"


@pytest.mark.parametrize("fmt", ["table", "json", "plain"])
def test_every_format(run: Runner, fmt: str) -> None:
    result = run("parse", "(10250) qps throttling", "--format", fmt)
    assert result.exit_code == 0
    assert "10250" in result.stdout


SOMETHING_NEW = "[TencentCloudSDKException] code:FailedOperation.SomethingNew message:boom requestId:r-1"


def test_an_unknown_code_of_a_known_family_gets_its_familys_advice(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """Marked as the family's, in every format: the card's Retry, plain's last column, JSON's key."""
    monkeypatch.setenv("COLUMNS", "80")
    card = run("parse", SOMETHING_NEW, "--format", "table", "--color", "never").stdout
    assert "│ Retry       yes, if the call is idempotent, family FailedOperation's advice  │" in card
    fields = run("parse", SOMETHING_NEW, "--format", "plain").stdout.rstrip("\n").split("\t")
    assert (len(fields), fields[8], fields[10], fields[11]) == (12, "idempotent", "operation-failed", "FailedOperation")
    [record] = records(run, SOMETHING_NEW)
    assert (record["retry"], record["retryable"], record["advice_from"]) == ("idempotent", True, "FailedOperation")


def test_plain_keeps_its_first_eight_columns_and_adds_the_verdict(run: Runner) -> None:
    fields = run("parse", "(10630) key is not existed", "--format", "plain").stdout.rstrip("\n").split("\t")
    assert fields == [
        "10630", "10630", "4530", "", "legacy-message", "in catalogue", "key is not existed",
        "The key does not exist, which means that CMK is not used. Check whether the key exists.", "no",
        "Check the KeyId and region; the key does not exist, so retrying cannot help.", "key-state", "",
    ]
