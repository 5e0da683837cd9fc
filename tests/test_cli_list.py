"""`kmserr list`: the catalogue sorted by code, filtered."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

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


ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("color", ["never", "always"])
def test_the_whole_list_at_80_columns_never_wraps_a_code(run: Runner, monkeypatch: pytest.MonkeyPatch,
                                                        color: str) -> None:
    """Each entry on lines of its own: the code whole at the start of a line with its retry, the
    action and the meaning indented under it."""
    monkeypatch.setenv("COLUMNS", "80")
    every = codes(run("list", "--format", "plain").stdout)
    lines = [ANSI.sub("", line) for line in run("list", "--format", "table", "--color", color).stdout.splitlines()]
    heads = [line for line in lines if not line.startswith(" ")]
    assert [head.split("  retry: ")[0] for head in heads] == every
    assert all(len(line) <= 80 for line in lines)
    assert len(lines) < 4 * len(every)  # 1,656 lines for 179 entries in a table that wrapped codes


@pytest.mark.parametrize("color", ["never", "always"])
def test_the_whole_list_at_200_columns_is_a_table(run: Runner, monkeypatch: pytest.MonkeyPatch, color: str) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    every = codes(run("list", "--format", "plain").stdout)
    lines = [ANSI.sub("", line) for line in run("list", "--format", "table", "--color", color).stdout.splitlines()]
    assert lines[0].split() == ["Code", "Retry", "Action", "Meaning", "Category", "Group"]
    assert {len(line) for line in lines} == {200}
    starts = [line.split("   ")[0] for line in lines[2:] if not line.startswith(" ")]
    # every code whole at the start of its row, in order; only one of the SDK's codes that are
    # sentences is longer than the column, and wrapped between its words
    whole = [start for start in starts if start in every]
    assert whole == [code for code in every if code in whole]
    assert [code for code in every if code not in whole] == [code for code in every if len(code) > 55]
    assert all(" " in code for code in every if len(code) > 55)


def test_a_table_piped_into_head_is_as_wide_as_the_terminal(tmp_path: Path) -> None:
    """`kmserr list --format table | head` in a terminal of 200 columns: the width comes from
    standard error's terminal (or input's) when standard output is a pipe, as `tput cols` finds it."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kmserr", "list", "--format", "table", "--color", "never"],
            stdin=follower, stdout=subprocess.PIPE, stderr=follower, env=env, timeout=120, check=True,
        )
    finally:
        os.close(follower)
        os.close(leader)
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["Code", "Retry", "Action", "Meaning", "Category", "Group"]
    assert {len(line) for line in lines} == {200}
