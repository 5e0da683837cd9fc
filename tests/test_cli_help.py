"""Every command explains itself, with examples and the exit status."""

from __future__ import annotations

import pytest

from kmserr import __version__

from .conftest import Runner


@pytest.mark.parametrize("command", ["lookup", "parse", "list", "grep"])
def test_help_has_examples_and_exit_status(run: Runner, command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.stdout
    assert "Exit status: 0" in result.stdout
    assert "--format [table|json|plain]" in result.stdout
    assert "--color [auto|always|never]" in result.stdout


def test_top_level_help_lists_commands(run: Runner) -> None:
    result = run("--help")
    for command in ("lookup", "parse", "list", "grep"):
        assert command in result.stdout
    assert "Exit status: 0 found, 1 not found, 2 usage or input error." in result.stdout


def test_version(run: Runner) -> None:
    result = run("--version")
    assert result.stdout == f"kmserr {__version__} (engine: re)\n"
