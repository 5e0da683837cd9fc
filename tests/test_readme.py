"""Every `$ kmserr ...` example in the README prints what the README shows."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


def examples() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of the README's console blocks."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), re.S):
        command: list[str] = []
        output: list[str] = []
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("$ "):
                if command:
                    found.append(("\n".join(command), "".join(o + "\n" for o in output)))
                command, output = [line[2:]], []
                while command[-1].endswith("\\"):
                    i += 1
                    command.append(lines[i])
            else:
                output.append(line)
            i += 1
        if command:
            found.append(("\n".join(command), "".join(o + "\n" for o in output)))
    return [(c, o) for c, o in found if "tail -f" not in c]


def test_the_readme_has_examples() -> None:
    assert len(examples()) >= 8


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[c.split("\n")[0][:50] for c, _ in examples()])
def test_readme_example(command: str, expected: str, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    # Earlier commands of the README create files that later ones read.
    for earlier, _ in examples():
        if earlier == command:
            break
        if earlier.startswith("printf ") and " > " in earlier:  # creates a file a later example reads
            subprocess.run(["bash", "-c", earlier], cwd=tmp_path, env=env, check=True, capture_output=True)
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.stdout + result.stderr == expected
