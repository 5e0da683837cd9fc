"""Every command explains itself, with examples and the exit status."""

from __future__ import annotations

import inspect
from importlib.util import find_spec

import pytest

from kmserr import __version__
from kmserr.cli import COMMAND_ORDER, cli

from .conftest import Runner


@pytest.mark.parametrize("command", ["lookup", "parse", "list", "grep"])
def test_help_has_examples_and_exit_status(run: Runner, command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "Exit status: 0" in result.stdout
    formats = {"list": "[table|json|plain|csv|markdown]", "grep": "[terminal|json|plain|csv|table]"}.get(
        command, "[table|json|plain]")
    assert f"--format {formats}" in " ".join(result.stdout.split())
    assert "--color [auto|always|never]" in result.stdout


@pytest.mark.parametrize("command", [None, *COMMAND_ORDER])
def test_every_help_text_ends_with_examples(run: Runner, command: str | None) -> None:
    """As sqlite-utils: the command's text ends with an example block, kept verbatim by `\b`."""
    cmd = cli if command is None else cli.commands[command]
    assert cmd.help is not None
    last = inspect.cleandoc(cmd.help).split("\n\n")[-1]
    assert last.lstrip().startswith("\b\nExamples:\n"), command
    shown = run(*([command] if command else []), "--help").stdout
    text = shown.split("\nOptions:", 1)[0].rstrip()
    examples = [line.strip() for line in last.splitlines()[2:]]
    assert [line.strip() for line in text.splitlines()[-len(examples):]] == examples


def test_top_level_help_lists_commands_in_use_order_with_whole_summaries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = Runner()("--help")
    commands = result.stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    names = [line.split()[0] for line in commands.splitlines() if not line.startswith("    ")]
    assert names == ["lookup", "parse", "grep", "list", "check", "completion"]
    flat = " ".join(commands.split())
    for name in names:  # never cut with "...", however long the first line
        summary = (cli.commands[name].help or "").strip().splitlines()[0]
        assert f"{name} {summary}" in flat
    assert "..." not in commands
    assert "Exit status: 0 found, 1 not found, 2 usage or input error." in result.stdout


def test_version_names_the_engine_and_the_core(run: Runner, engine: str, core: str) -> None:
    result = run("--version")
    assert result.stdout == f"kmserr {__version__} (engine: {engine}, core: {core})\n"


def test_version_default_engine_is_hyperscan_where_installed(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KMSERR_NO_EXTENSIONS", "1")
    expected = "hyperscan" if find_spec("hyperscan") else "re"
    assert run("--version").stdout == f"kmserr {__version__} (engine: {expected}, core: python)\n"


@pytest.mark.parametrize("value", ["1", "yes"])
def test_no_extensions_forces_the_python_core(run: Runner, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KMSERR_NO_EXTENSIONS", value)
    assert run("--version").stdout.endswith(", core: python)\n")


def test_unknown_engine_is_an_input_error(run: Runner, monkeypatch: pytest.MonkeyPatch, core: str) -> None:
    """On either core: the compiled one runs no engine, yet a misspelt one is still an error."""
    from kmserr import engines, search

    assert search.ENGINE_ENV == engines.ENV
    monkeypatch.setenv("KMSERR_ENGINE", "pcre")
    for args in (["--version"], ["grep"]):
        result = run(*args, input=b"")
        assert result.exit_code == 2
        assert result.stderr == "kmserr: KMSERR_ENGINE='pcre' is not an engine (choose from hyperscan, re)\n"
