"""`kmserr list`: the catalogue sorted by code, filtered."""

from __future__ import annotations

import json

import pytest

from .conftest import Runner


def codes(output: str) -> list[str]:
    return [line.split("\t")[0] for line in output.splitlines()]


def test_everything_sorted(run: Runner) -> None:
    result = run("list")
    assert result.exit_code == 0
    listed = codes(result.stdout)
    assert len(listed) == 27
    assert listed == sorted(listed, key=int)


def test_filter_by_error_code(run: Runner) -> None:
    assert codes(run("list", "--error-code", "4100").stdout) == ["10030", "10080", "10270"]


def test_filter_by_category(run: Runner) -> None:
    assert codes(run("list", "--category", "throttling").stdout) == ["10250", "10460"]


def test_filter_by_retryability(run: Runner) -> None:
    assert codes(run("list", "--retryable").stdout) == ["10050", "10250", "10460"]
    assert "10630" in codes(run("list", "--not-retryable").stdout)


def test_filters_combine_and_can_match_nothing(run: Runner) -> None:
    result = run("list", "--category", "throttling", "--not-retryable")
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
        assert [r["code"] for r in json.loads(result.stdout)] == ["10040"]
