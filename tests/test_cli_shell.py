"""Fitting the shell: completion, `kmserr` alone, colour from the environment, exports."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from click.testing import CliRunner

from kmserr.cli import cli

from .conftest import Runner


def complete(shell: str, words: str, current: str) -> str:
    env = {"_KMSERR_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": current}
    return CliRunner().invoke(cli, [], env=env, prog_name="kmserr", catch_exceptions=False).stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_script(run: Runner, shell: str) -> None:
    result = run("completion", shell)
    assert result.exit_code == 0
    assert "_KMSERR_COMPLETE" in result.stdout


def test_unknown_shell(run: Runner) -> None:
    assert run("completion", "tcsh").exit_code == 2


def test_codes_complete_with_their_message() -> None:
    assert complete("zsh", "kmserr lookup 1063", "2").splitlines()[:3] == ["plain", "10630", "key is not existed"]
    lines = complete("fish", "kmserr grep --code ResourceUnavailable.CmkD", "ResourceUnavailable.CmkD").splitlines()
    assert lines == ["plain,ResourceUnavailable.CmkDisabled\tThe CMK has been disabled."]
    assert "throttling" in complete("bash", "kmserr list --category thr", "3")


def test_kmserr_alone_shows_what_it_can_do(run: Runner) -> None:
    result = run()
    assert result.exit_code == 0
    for command in ("lookup", "parse", "list", "grep", "check", "completion"):
        assert f"  {command} " in result.stdout


@pytest.mark.parametrize("command", ["check", "completion"])
def test_help_has_examples(run: Runner, command: str) -> None:
    text = run(command, "--help").stdout
    assert "Examples:" in text and "Exit status:" in text


def test_force_color_in_auto(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" in run("lookup", "10250", "10460", "--format", "table").stdout
    assert "\x1b[" not in run("lookup", "10250", "10460", "--format", "table", "--color", "never").stdout


def test_list_csv(run: Runner) -> None:
    result = run("list", "--category", "billing", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["code"] for r in rows] == ["10040", "5300"]
    assert rows[0]["message"] == "charge overdue" and rows[0]["retryable"] == "False"
    links = list(csv.DictReader(io.StringIO(run("list", "--error-code", "4100", "--format", "csv").stdout)))
    assert [r["links"] for r in links if r["code"] == "10030"] == [
        "Signature algorithm: https://cloud.tencent.com/doc/api/431/5906"
    ]


def test_list_markdown(run: Runner) -> None:
    lines = run("list", "--error-code", "4000", "--product", "kms", "--format", "markdown").stdout.splitlines()
    assert lines[0].startswith("| Code | Product |") and lines[1].startswith("| --- |")
    assert len(lines) == 2 + 18
    assert all(line.count(" | ") == 7 for line in lines[2:])
    assert any(line.startswith("| `10310` | kms | 4000 | error: parameter key format error\" |") for line in lines)


def test_markdown_cells_escape_pipes() -> None:
    from kmserr.render.markdown import markdown_cell as _markdown_cell

    assert _markdown_cell("a|b\nc") == "a\\|b<br>c"


def test_messages_go_to_stderr_data_to_stdout() -> None:
    result = subprocess.run([sys.executable, "-m", "kmserr", "lookup", "10630", "10631"], capture_output=True, text=True)
    assert result.stdout.startswith("10630\t") and "10631" not in result.stdout
    assert result.stderr.startswith("kmserr: no entry for '10631'")
