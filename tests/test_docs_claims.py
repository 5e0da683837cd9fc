"""What the documents claim about kmserr is so (issue 21, point 9): options, dependencies, the
order of the tour, the conditions of a figure, how to report a vulnerability."""

from __future__ import annotations

import re
import sys

import pytest

from kmserr.cli import cli

from .markdown import README, ROOT, documents, name, prose
from .test_docs import _MAKES_FILE as MAKES_FILE
from .test_docs import console_examples, makers

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SHARED = ("--format", "--color", "--lang", "--catalog")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", ["lookup", "parse", "list", "grep"])
def test_the_commands_said_to_take_the_shared_options_take_them(command: str) -> None:
    options = {opt for param in cli.commands[command].params for opt in getattr(param, "opts", [])}
    assert set(SHARED) <= options
    for doc in (README, ROOT / "docs" / "commands.md"):
        assert f"`{command}`" in prose(doc) or command in doc.read_text(encoding="utf-8")


def test_no_document_says_every_command_takes_them() -> None:
    # check takes --format plain|json and --catalog only; completion none of them.
    check = {opt for param in cli.commands["check"].params for opt in getattr(param, "opts", [])}
    completion = {opt for param in cli.commands["completion"].params for opt in getattr(param, "opts", [])}
    assert not {"--color", "--lang"} & check and not set(SHARED) & completion
    for doc in documents():
        assert "every command takes" not in flat(doc.read_text(encoding="utf-8")).lower(), name(doc)
    assert "`check` takes `--format plain|json` and `--catalog`" in flat((ROOT / "docs" / "commands.md").read_text())


def dependency_names() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [re.match(r"[A-Za-z0-9_.-]+", spec).group(0) for spec in project["dependencies"]]  # type: ignore[union-attr]


@pytest.mark.parametrize("doc", [README, ROOT / "docs" / "README.md"], ids=name)
def test_the_dependency_lists_name_every_dependency(doc: object) -> None:
    text = doc.read_text(encoding="utf-8")  # type: ignore[attr-defined]
    assert "plotext" not in text  # no longer a dependency: the chart is kmserr's own
    for dependency in dependency_names():
        if dependency != "tomli" or doc != README:  # the README leaves Python 3.10's tomli to the details
            assert dependency in text, (name(doc), dependency)  # type: ignore[arg-type]


def test_no_example_reads_a_file_before_the_document_makes_it() -> None:
    """A reader runs the examples in order: `tail -f app.log` before the printf that makes app.log fails."""
    for doc in documents():
        targets = {MAKES_FILE.match(m).group(1) for m in makers(doc)}  # type: ignore[union-attr]
        made: set[str] = set()
        for example in console_examples(doc):
            maker = MAKES_FILE.match(example.command)
            if maker:
                made.add(maker.group(1))
                continue
            for target in targets - made:
                assert not re.search(rf"(?<![\w/.-]){re.escape(target)}\b", example.command), (
                    f"{name(doc)}: `{example.command[:60]}` reads {target} before the document makes it")


def test_the_throughput_figure_says_its_conditions() -> None:
    text = flat(README.read_text(encoding="utf-8"))
    assert "400 MiB/s" not in text
    sentence = text[text.index("`kmserr grep` searches"):].split(", holds")[0]
    for condition in ("512 MiB generated log", "GNU grep", "same patterns", "2 cores", "benchmarks/grep_throughput.py"):
        assert condition in sentence
    assert "0.87 to 0.97" in (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")


def test_security_says_how_to_report_and_what_is_supported() -> None:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    headings = re.findall(r"(?m)^## (.+)$", text)
    assert headings[:2] == ["Supported versions", "Reporting a vulnerability"]
    assert "latest release" in text and "privately" in text and "Report a vulnerability" in text


def test_the_quick_start_says_what_debian_needs() -> None:
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "python3-venv" in quick_start and "ensurepip is not available" in flat(quick_start)
