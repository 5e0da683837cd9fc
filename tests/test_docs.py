"""Every example of the project's Markdown documents does what the document says.

```console blocks: each `$ ` line runs in bash and prints exactly the lines below it. ```sh blocks
install things or run for minutes, so each command in them is checked instead: that its program,
subcommand, options and files exist (CONTRIBUTING.md, "Documentation", says how). Links between
documents resolve, anchors included. The ```python blocks are run by tests/test_docs_python.py.
"""

from __future__ import annotations

import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from .markdown import README, ROOT, Block, anchors, blocks, documents, name, prose

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib


# ---- ```console: run, and compare with the lines below ----------------------------------------


@dataclass(frozen=True)
class Example:
    doc: Path
    command: str
    expected: str

    @property
    def id(self) -> str:
        return f"{name(self.doc)}: {self.command.splitlines()[0][:50]}"


def console_examples(doc: Path) -> list[Example]:
    """(command, expected output) for each `$ ` line of the document's console blocks."""
    found: list[Example] = []
    for block in blocks(doc):
        if block.lang != "console":
            continue
        command: list[str] = []
        output: list[str] = []
        lines = block.text.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("$ "):
                if command:
                    found.append(Example(doc, "\n".join(command), "".join(o + "\n" for o in output)))
                command, output = [line[2:]], []
                while command[-1].endswith("\\"):
                    i += 1
                    command.append(lines[i])
            else:
                output.append(line)
            i += 1
        if command:
            found.append(Example(doc, "\n".join(command), "".join(o + "\n" for o in output)))
    return found


EXAMPLES = [example for doc in documents() for example in console_examples(doc)]
_MAKES_FILE = re.compile(r"^printf .* > (\S+)$", re.S)


def makers(doc: Path) -> list[str]:
    """The document's `printf ... > FILE` commands: the files its other examples read."""
    return [e.command for e in console_examples(doc) if _MAKES_FILE.match(e.command)]


def shell_env() -> dict[str, str]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    return env


def test_the_documents_have_examples() -> None:
    assert len(console_examples(README)) >= 8
    assert len(EXAMPLES) >= 35


def test_each_file_is_made_by_one_printf_per_document() -> None:
    for doc in documents():
        targets = [_MAKES_FILE.match(command).group(1) for command in makers(doc)]  # type: ignore[union-attr]
        assert len(targets) == len(set(targets)), name(doc)


def follow(command: str, expected: str, cwd: Path, env: dict[str, str]) -> str:
    """Run a `tail -f` example until it has printed as much as the document shows, then stop it.

    `tail -f` never ends: what is tested is that each line comes out while the stream is still
    open. The deadline only keeps a broken build from hanging the suite; it measures nothing.
    """
    process = subprocess.Popen(
        ["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    assert process.stdout is not None
    out = b""
    deadline = time.monotonic() + 60
    try:
        while len(out) < len(expected.encode()) and time.monotonic() < deadline:
            ready, _, _ = select.select([process.stdout], [], [], 1)
            if ready:
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                out += chunk
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        process.stdout.close()
    return out.decode()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_console_example(example: Example, tmp_path: Path) -> None:
    env = shell_env()
    for maker in makers(example.doc):
        if maker != example.command:
            subprocess.run(["bash", "-c", maker], cwd=tmp_path, env=env, check=True, capture_output=True)
    if example.command.startswith("tail -f "):
        assert follow(example.command, example.expected, tmp_path, env) == example.expected
        return
    result = subprocess.run(["bash", "-c", example.command], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.stdout + result.stderr == example.expected


# ---- ```sh: check each command, run none that installs or takes long --------------------------


def sh_commands(block: Block) -> list[str]:
    """The block's command lines, continuation lines joined, comments and blank lines dropped."""
    text = block.text.replace("\\\n", " ")
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def simple_commands(line: str) -> list[tuple[list[str], list[str]]]:
    """(words, redirection targets) of each simple command of a line (split on && || ; |)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    found: list[tuple[list[str], list[str]]] = []
    words: list[str] = []
    targets: list[str] = []
    redirect = False
    for token in lexer:
        if token in ("&&", "||", ";", "|"):
            found.append((words, targets))
            words, targets = [], []
        elif token in (">", ">>", "<"):
            redirect = True
        elif redirect:
            targets.append(token)
            redirect = False
        else:
            words.append(token)
    found.append((words, targets))
    return [(w, t) for w, t in found if w]


def options(words: list[str]) -> list[str]:
    return [w.split("=")[0] for w in words if w.startswith("-") and w != "-"]


def help_check(argv: list[str], words: list[str], cwd: Path = ROOT) -> None:
    """`--help` after the arguments: an unknown command or option fails; each option is in the help."""
    result = subprocess.run([*argv, *words, "--help"], cwd=cwd, capture_output=True, text=True, env=shell_env())
    assert result.returncode == 0, f"{shlex.join(words)}: {result.stderr}"
    for option in options(words):
        assert option in result.stdout, f"{option} is not in the help of {shlex.join(argv)}"


def check_kmserr(words: list[str], targets: list[str], tmp_path: Path) -> None:
    help_check([sys.executable, "-m", "kmserr"], words)
    for target in targets:
        # A line that writes a file under `~` (completion scripts) runs for real, in a temporary home.
        assert target.startswith("~/"), f"kmserr writes to {target}: only ~/ targets are run"
        home = tmp_path / "home"
        path = home / target[2:]
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            subprocess.run([sys.executable, "-m", "kmserr", *words], stdout=out, check=True, env={**shell_env(), "HOME": str(home)})
        assert path.stat().st_size > 0


def pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def check_install(words: list[str]) -> None:
    """What `pip install`, `pipx install` or `uv tool install` is given exists."""
    project = pyproject()["project"]
    assert isinstance(project, dict)
    extras = project["optional-dependencies"]
    for word in words:
        if word.startswith("-"):
            continue
        if word == "." or word.startswith(".["):
            for extra in re.findall(r"[\w-]+", word[1:]):
                assert extra in extras, f"no extra {extra!r} in pyproject.toml"
            assert "kmserr" in project["scripts"]
        else:  # a package the project names as a dependency
            assert word in (ROOT / "pyproject.toml").read_text(encoding="utf-8"), f"{word} is no dependency"


def check_python(words: list[str], tmp_path: Path) -> None:
    if words[:2] == ["-m", "venv"]:
        return
    if words[:2] == ["-m", "pip"]:
        assert words[2] == "install", shlex.join(words)
        check_install(words[3:])
    elif words[:2] == ["-m", "pytest"]:
        help_check([sys.executable, "-m", "pytest"], words[2:])
    elif words[:2] == ["-m", "kmserr"]:
        check_kmserr(words[2:], [], tmp_path)
    else:
        script = ROOT / words[0]
        assert script.is_file() and script.suffix == ".py", f"no script {words[0]}"
        help_check([sys.executable, words[0]], words[1:])


def check_paths(words: list[str]) -> None:
    for word in words:
        if not word.startswith("-"):
            assert (ROOT / word).exists(), f"no {word}"


def check_tool_install(words: list[str], targets: list[str], tmp_path: Path) -> None:
    """`pipx install .` and `uv tool install .`."""
    verb = words[:2] if words[:1] == ["tool"] else words[:1]
    assert verb in (["install"], ["tool", "install"]), shlex.join(words)
    check_install(words[len(verb) :])


PYTHONS = {"python", "python3", ".venv/bin/python"}
KMSERR = {"kmserr", ".venv/bin/kmserr"}
CHECKS: dict[str, Callable[[list[str], list[str], Path], None]] = {
    **{p: lambda words, targets, tmp: check_python(words, tmp) for p in PYTHONS},
    **{k: check_kmserr for k in KMSERR},
    "pipx": check_tool_install,
    "uv": check_tool_install,
    "ruff": lambda words, targets, tmp: check_paths(words[1:]),  # ruff check PATH...
    "mypy": lambda words, targets, tmp: check_paths(words),
    "bash": lambda words, targets, tmp: check_paths(words),
    ".": lambda words, targets, tmp: None,  # sources the environment that the line's venv made
}

SH_LINES = [
    (block, line) for doc in documents() for block in blocks(doc) if block.lang == "sh" for line in sh_commands(block)
]


@pytest.mark.parametrize(("block", "line"), SH_LINES, ids=[f"{name(b.doc)}:{b.line}: {c[:50]}" for b, c in SH_LINES])
def test_sh_command(block: Block, line: str, tmp_path: Path) -> None:
    for words, targets in simple_commands(line):
        program, *rest = words
        assert program in CHECKS, f"{name(block.doc)}:{block.line}: no check for {program!r}; add one to CHECKS"
        if program not in KMSERR:
            assert not targets, f"{line}: only kmserr lines may write files"
        CHECKS[program](rest, targets, tmp_path)


def test_only_sh_console_and_python_blocks() -> None:
    langs = {(name(b.doc), b.lang) for doc in documents() for b in blocks(doc)}
    assert {lang for _, lang in langs} <= {"sh", "console", "python"}, langs


def test_the_quick_start_is_what_ci_runs() -> None:
    """.ci/run reads the first two ```sh blocks under "## Quick start": one line each, install then test."""
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    program = re.search(r"awk '\n(.*?)\n' README\.md", run, re.S)
    assert program is not None, "the awk program of .ci/run moved"
    result = subprocess.run(["awk", program.group(1), str(README)], capture_output=True, text=True, check=True)
    install, test = result.stdout.splitlines()
    assert "kmserr lookup 10630" in install and "pytest" in test


# ---- the README stays a five-minute read; links resolve ----------------------------------------


def test_the_readme_is_short_and_tours_on_its_first_screen() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.encode()) <= 8192
    first_screen = "\n".join(text.splitlines()[:40])
    for command in ("$ kmserr lookup ", "$ kmserr parse ", "$ tail -f app.log | kmserr grep"):
        assert command in first_screen


def links(doc: Path) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", prose(doc))


LINKS = [(doc, link) for doc in documents() for link in links(doc) if not re.match(r"[a-z]+:", link)]


def test_the_documents_link_one_another() -> None:
    assert len(LINKS) >= 20


@pytest.mark.parametrize(("doc", "link"), LINKS, ids=[f"{name(d)}: {link}" for d, link in LINKS])
def test_link_resolves(doc: Path, link: str) -> None:
    path, _, anchor = link.partition("#")
    target = (doc.parent / path).resolve() if path else doc
    assert target.is_relative_to(ROOT) and target.exists(), f"{name(doc)}: {link}: no such file"
    if anchor:
        assert target.suffix == ".md" and anchor in anchors(target), f"{name(doc)}: {link}: no such heading"
