"""The conventions of grep and of other command-line tools (issue 21, point 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kmserr.walk import files_under

from .conftest import Runner

ERROR = b"(10630) key is not existed\n"


def three_lines(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"a\n" + ERROR + b"b\n")
    return path


@pytest.mark.usefixtures("engine")
def test_context_groups_of_different_files_are_separated(run: Runner, tmp_path: Path) -> None:
    first, second = three_lines(tmp_path / "f1.log"), three_lines(tmp_path / "f2.log")
    result = run("grep", "--no-annotate", "-C", "1", str(first), str(second))
    assert result.stdout.splitlines() == [
        f"{first}-a", f"{first}:(10630) key is not existed", f"{first}-b", "--",
        f"{second}-a", f"{second}:(10630) key is not existed", f"{second}-b",
    ]
    # As GNU grep: no separator without context, nor in JSON.
    assert "--" not in run("grep", "--no-annotate", str(first), str(second)).stdout.splitlines()
    assert all(json.loads(line) for line in run("grep", "--json", "-C", "1", str(first), str(second)).stdout.splitlines())


@pytest.mark.usefixtures("engine")
def test_recursive_searches_the_files_under_a_directory(run: Runner, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    three_lines(tmp_path / "logs" / "b.log")
    three_lines(tmp_path / "logs" / "a" / "z.log")
    (tmp_path / "logs" / "quiet.log").write_bytes(b"nothing\n")
    os.symlink(tmp_path / "logs" / "b.log", tmp_path / "logs" / "link.log")  # not followed, as grep -r
    folder = str(tmp_path / "logs")
    result = run("grep", "-r", "-c", folder)
    assert (result.exit_code, result.stdout) == (0, f"{folder}/a/z.log:1\n{folder}/b.log:1\n{folder}/quiet.log:0\n")
    monkeypatch.chdir(tmp_path / "logs")
    assert run("grep", "-r", "-l").stdout == "a/z.log\nb.log\n"  # the current directory, named as grep -r names it
    assert run("grep", "--recursive", "-l", "b.log").stdout == "b.log\n"  # a file operand is searched as it is


def test_a_directory_without_recursive_is_still_an_error(run: Runner, tmp_path: Path) -> None:
    result = run("grep", "-c", str(tmp_path))
    assert result.exit_code == 2 and "Is a directory" in result.stderr


def test_a_directory_that_cannot_be_read_is_reported_and_the_rest_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    three_lines(tmp_path / "ok" / "a.log")
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path: str) -> object:  # as a directory without read permission (the tests may run as root)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    problems: list[tuple[str, str]] = []
    found = list(files_under([str(tmp_path)], lambda path, problem: problems.append((path, problem))))
    assert found == [str(tmp_path / "ok" / "a.log")]
    assert problems == [(str(tmp_path / "locked"), "Permission denied")]


def test_recursive_exit_status_of_a_real_process(tmp_path: Path) -> None:
    three_lines(tmp_path / "logs" / "app.log")
    done = subprocess.run([sys.executable, "-m", "kmserr", "grep", "-r", "-c", str(tmp_path / "logs")],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{tmp_path / 'logs' / 'app.log'}:1\n", "")


@pytest.mark.parametrize(("before", "after"), [
    (["--color", "never"], ["lookup", "10630"]),
    (["--format", "json"], ["lookup", "10630"]),
    (["--lang", "zh", "--format", "json"], ["lookup", "10630"]),
    (["--format", "json"], ["parse", "(10630) key is not existed"]),
    (["--format", "csv"], ["list", "--category", "throttling"]),
])
def test_shared_options_before_the_command_mean_the_same(run: Runner, before: list[str], after: list[str]) -> None:
    given_after = run(*after, *before)
    given_before = run(*before, *after)
    assert given_before.exit_code == given_after.exit_code == 0
    assert given_before.stdout == given_after.stdout


def test_the_commands_own_option_wins(run: Runner) -> None:
    assert run("--format", "json", "lookup", "10630", "--format", "plain").stdout.startswith("10630\t")
    assert json.loads(run("--lang", "zh", "lookup", "10630", "--lang", "en", "--format", "json").stdout)[0]["lang"] == "en"


def test_a_shared_option_the_command_does_not_take_is_a_usage_error(run: Runner) -> None:
    result = run("--format", "csv", "lookup", "10630")
    assert result.exit_code == 2
    assert "kmserr lookup does not take --format csv (choose from table, json, plain)" in result.stderr


def test_catalog_before_the_command(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    team = tmp_path / "team.toml"
    team.write_text('[[errors]]\ncode = "Pay.Declined"\nproduct = "payments"\ngeneration = "api3"\n'
                    'description = "Card declined."\ncategory = "key-state"\nretry = "no"\n'
                    'action = "Ask for another card."\nsource = "runbook"\n', encoding="utf-8")
    assert run("--catalog", str(team), "lookup", "Pay.Declined").exit_code == 0
    assert run("--catalog", str(team), "--format", "json", "check", str(team)).stdout == "[]\n"


def test_an_explicit_color_beats_no_color(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" in run("grep", "--format", "terminal", "--color", "always", input=ERROR).stdout
    assert "\x1b[" in run("--color", "always", "grep", "--format", "terminal", input=ERROR).stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert "\x1b[" not in run("grep", "--format", "terminal", input=ERROR).stdout  # NO_COLOR: the default is off


def test_grep_format_terminal_is_the_old_table(run: Runner) -> None:
    terminal = run("grep", "--format", "terminal", "--color", "never", input=ERROR)
    assert terminal.exit_code == 0 and "↳ kmserr: 10630" in terminal.stdout
    assert run("grep", "--format", "table", "--color", "never", input=ERROR).stdout == terminal.stdout


@pytest.mark.parametrize(("value", "said"), [
    ("x", "'x' is not a number of lines"),
    ("1.5", "'1.5' is not a number of lines"),
    ("-2", "a number of lines is 0 or more, not -2"),
])
def test_a_context_that_is_not_a_number_says_so(run: Runner, value: str, said: str) -> None:
    result = run("grep", "-C", value, input=ERROR)
    assert result.exit_code == 2
    assert f"Invalid value for '-C' / '--context': {said}" in result.stderr
