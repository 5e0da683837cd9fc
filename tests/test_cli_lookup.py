"""`kmserr lookup`: codes, groups, words; formats and exit statuses."""

from __future__ import annotations

import json

import pytest

from .conftest import Runner


def test_module_code_plain(run: Runner) -> None:
    result = run("lookup", "10630")
    assert result.exit_code == 0
    assert result.stdout.split("\t")[:6] == ["10630", "4530", "kms", "key-state", "no", "key is not existed"]
    assert result.stderr == ""


def test_group_json(run: Runner) -> None:
    result = run("lookup", "4000", "--format", "json")
    records = json.loads(result.stdout)
    assert result.exit_code == 0
    assert len(records) == 18
    assert {r["error_code"] for r in records} == {4000}
    assert [r["module_code"] for r in records] == sorted(r["module_code"] for r in records)


def test_words(run: Runner) -> None:
    result = run("lookup", "key disabled")
    assert result.stdout.splitlines()[0].startswith("10650\t")


def test_several_codes_in_order(run: Runner) -> None:
    result = run("lookup", "10650", "10010")
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["10650", "10010"]


def test_unknown_code_suggests_and_exits_1(run: Runner) -> None:
    result = run("lookup", "10631")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "kmserr: no entry for '10631'; did you mean 10630, 10310, 10650?\n"


def test_one_unknown_among_known_still_prints_the_known(run: Runner) -> None:
    result = run("lookup", "10630", "99999")
    assert result.exit_code == 1
    assert result.stdout.startswith("10630\t")


@pytest.mark.parametrize("fmt", ["table", "json", "plain"])
def test_every_format(run: Runner, fmt: str) -> None:
    result = run("lookup", "10250", "--format", fmt)
    assert result.exit_code == 0
    assert "qps throttling" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal, colour auto: none


def test_table_colour_always_and_no_color(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    coloured = run("lookup", "10250", "10460", "--format", "table", "--color", "always")
    assert "\x1b[" in coloured.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    plain = run("lookup", "10250", "10460", "--format", "table", "--color", "always")
    assert "\x1b[" not in plain.stdout


def test_missing_argument_is_a_usage_error(run: Runner) -> None:
    result = run("lookup")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_bad_format_is_a_usage_error(run: Runner) -> None:
    assert run("lookup", "10630", "--format", "xml").exit_code == 2
