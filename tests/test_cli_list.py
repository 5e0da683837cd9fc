"""`kmserr list`: the catalogue sorted by code, filtered."""

from __future__ import annotations

import json

import pytest

from .conftest import Runner


def codes(output: str) -> list[str]:
    return [line.split("\t")[0] for line in output.splitlines()]


LEGACY = ("--product", "kms", "--generation", "legacy")


def test_everything_sorted_kms_first(run: Runner) -> None:
    result = run("list")
    assert result.exit_code == 0
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert len(rows) == 179
    products = [r[2] for r in rows]
    assert products == sorted(products, key=["kms", "common", "sdk"].index)
    legacy = codes(run("list", *LEGACY).stdout)
    assert len(legacy) == 27
    assert legacy == sorted(legacy, key=int)
    assert codes(result.stdout)[:27] == legacy  # numeric codes before names


def test_filter_by_error_code(run: Runner) -> None:
    assert codes(run("list", "--error-code", "4100").stdout) == ["10030", "10080", "10270", "4100"]


def test_filter_by_category(run: Runner) -> None:
    assert codes(run("list", "--category", "throttling", *LEGACY).stdout) == ["10250", "10460"]
    assert "RequestLimitExceeded" in codes(run("list", "--category", "throttling").stdout)


def test_filter_by_retryability(run: Runner) -> None:
    assert codes(run("list", "--retryable", *LEGACY).stdout) == ["10050", "10250", "10460"]
    assert "10630" in codes(run("list", "--not-retryable").stdout)


def test_filter_by_action(run: Runner) -> None:
    result = run("list", "--action", "Decrypt")
    assert codes(result.stdout) == [
        "FailedOperation.EncryptionError", "InternalError", "InvalidParameter",
        "InvalidParameterValue.InvalidCiphertext", "ResourceUnavailable.CmkDisabled",
        "ResourceUnavailable.CmkNotFound", "UnauthorizedOperation",
    ]
    assert codes(run("list", "--action", "decrypt").stdout) == codes(result.stdout)


def test_unknown_action_suggests(run: Runner) -> None:
    result = run("list", "--action", "Decrpyt")
    assert result.exit_code == 2
    assert result.stderr.startswith("kmserr: list: no KMS action 'Decrpyt' in the catalogue; did you mean Decrypt")


def test_unknown_product(run: Runner) -> None:
    result = run("list", "--product", "cvm")
    assert result.exit_code == 2
    assert result.stderr == "kmserr: list: unknown product 'cvm' (choose from common, kms, sdk)\n"


def test_entries_show_the_actions_that_return_them(run: Runner) -> None:
    [record] = json.loads(run("lookup", "ResourceUnavailable.CmkDisabled", "--format", "json").stdout)
    assert "Decrypt" in record["actions"] and "Encrypt" in record["actions"]
    line = run("lookup", "ResourceUnavailable.CmkDisabled").stdout
    assert "Decrypt" in line.rstrip("\n").split("\t")[8].split(",")


def test_filters_combine_and_can_match_nothing(run: Runner) -> None:
    result = run("list", "--category", "throttling", "--generation", "sdk")
    assert result.exit_code == 1
    assert result.stderr == "kmserr: no entry matches these filters\n"


def test_unknown_category_is_an_input_error(run: Runner) -> None:
    result = run("list", "--category", "nope")
    assert result.exit_code == 2
    assert result.stderr.startswith("kmserr: list: unknown category 'nope' (choose from authentication,")


@pytest.mark.parametrize("fmt", ["table", "json", "plain"])
def test_every_format(run: Runner, fmt: str) -> None:
    result = run("list", "--category", "billing", "--format", fmt)
    assert result.exit_code == 0
    assert "charge overdue" in result.stdout
    if fmt == "json":
        assert [r["code"] for r in json.loads(result.stdout)] == ["10040", "5300"]
