"""Untrusted numbers and shapes are input, never an internal error: issue 13, point 6."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import kmserr
from kmserr.extract import Extractor
from kmserr.forms import ascii_number

from .conftest import Runner

HUGE = "1" * 5000  # int() refuses more than 4,300 digits (Python 3.11)
ERROR = b"2024-05-14T08:00:00Z ERROR (10630) key is not existed\n"


def _shapes(digits: str) -> list[str]:
    return [
        f'{{"code":"{digits}","message":"x"}}',
        f'{{"code":{digits},"message":"x"}}',
        f'{{\n  "code": "{digits}",\n  "message": "(10630) key"\n}}',
        f'{{"Response":{{"Error":{{"Code":"{digits}","Message":"m"}},"RequestId":"r"}}}}',
        f"({digits}) key is not existed",
        f"[TencentCloudSDKException] code:{digits} message:x requestId:y",
        f"code:{digits} message:x",
    ]


@given(st.text(alphabet="0123456789", min_size=0, max_size=6000), st.integers(min_value=0, max_value=6))
@example(HUGE, 0)
@example("9" * 4301, 1)
def test_the_library_never_raises_on_long_numbers(digits: str, shape: int) -> None:
    text = _shapes(digits)[shape]
    Extractor().find(text)
    kmserr.explain_text(text)
    kmserr.explain(text)
    kmserr.explain({"code": digits, "message": "x"})
    kmserr.explain({"Response": {"Error": {"Code": digits}}})


@given(st.integers())
@example(10**5000)
@example(-(10**4400))
def test_explain_of_any_integer_code(code: int) -> None:
    class SdkError(Exception):
        pass

    error = SdkError()
    error.code = code  # type: ignore[attr-defined]
    kmserr.explain(error)
    kmserr.explain({"code": code, "message": "(10630) key"})


def test_huge_integers_are_no_code() -> None:
    assert kmserr.explain({"code": 10**5000}).found is False
    deep: dict[str, object] = {"code": 1}
    for _ in range(5000):
        deep = {"a": deep}
    assert kmserr.explain(deep).found is False
    assert ascii_number(HUGE) is None and ascii_number(10**5000) is None
    assert ascii_number("10630") == 10630 and ascii_number(4000) == 4000
    assert kmserr.explain({"code": 4000, "message": "(10630) key"}).code == "10630"


@pytest.mark.parametrize("text", _shapes(HUGE))
def test_parse_of_a_huge_code(run: Runner, text: str) -> None:
    result = run("parse", "--format", "json", input=text)
    assert result.exit_code in (0, 1)
    assert "internal error" not in result.stderr


def test_lookup_of_a_huge_code(run: Runner) -> None:
    result = run("lookup", HUGE)
    assert result.exit_code == 1
    assert result.stderr.startswith("kmserr: no entry for '1111")
    assert "internal error" not in result.stderr


@pytest.mark.usefixtures("engine")
def test_grep_code_of_a_huge_number(run: Runner, tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(ERROR + HUGE.encode() + b" (" + HUGE.encode() + b") key\n")
    result = run("grep", "--code", HUGE, str(log))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("kmserr: grep: unknown code '1111") and result.stderr.count("\n") == 1


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("option", ["-A", "-B", "-C"])
@pytest.mark.parametrize("number", ["9223372036854775807", "9223372036854775808", "1" + "0" * 100])
def test_a_context_larger_than_any_input_means_every_line(run: Runner, tmp_path: Path, option: str,
                                                          number: str) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(b"before\n" + ERROR + b"after\n")
    result = run("grep", "--no-annotate", option, number, str(log))
    assert result.exit_code == 0 and result.stderr == ""
    expected = {"-A": ERROR + b"after\n", "-B": b"before\n" + ERROR, "-C": b"before\n" + ERROR + b"after\n"}
    assert result.stdout_bytes == expected[option]


def test_a_context_of_5000_digits_is_a_usage_error(run: Runner) -> None:
    result = run("grep", "-B", HUGE)
    assert result.exit_code == 2
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("content", "message"), [
    ("a = " + "[" * 5000 + "]" * 5000 + "\n", "invalid TOML: nested too deeply to read"),
    ("a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n", "invalid TOML: nested too deeply to read"),
    ("[[errors]]\ncode = \"X\"\nerror_code = " + "9" * 5000 + "\n", "invalid TOML: a number too long to read"),
])
def test_check_of_a_hostile_toml_is_one_problem(run: Runner, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "team.toml"
    path.write_text(content)
    result = run("check", str(path))
    assert (result.exit_code, result.stderr) == (2, "")
    assert result.stdout == f"{path}:1:1: {message}\n"
    # The same file in use as a team catalogue: one line, not an internal error.
    in_use = run("lookup", "10630", "--catalog", str(path))
    assert in_use.exit_code == 2
    assert in_use.stderr == f"kmserr: catalogue: {path}: {message}\n"


def test_parse_refuses_more_standard_input_than_it_holds(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kmserr.cli.PARSE_LIMIT", 1000)
    result = run("parse", input=b"(10630) key is not existed\n" * 100)
    assert result.exit_code == 2
    assert result.stderr == "kmserr: parse: standard input holds more than 0 MiB; use `kmserr grep`, which reads input of any size\n"


def test_parse_of_a_large_input_in_a_real_process() -> None:
    # 70 MiB: more than parse reads. One line and status 2, and the memory stays bounded
    # (measured with /usr/bin/time -v: see docs/commands.md, Exit status and output).
    big = b"x" * 1023 + b"\n"
    result = subprocess.run([sys.executable, "-m", "kmserr", "parse"], input=big * (70 << 10),
                            capture_output=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith(b"kmserr: parse: standard input holds more than 64 MiB")


@pytest.mark.parametrize("option", ["-A", "-B", "-C"])
@pytest.mark.parametrize("number", ["-1", "-9223372036854775809"])
def test_a_negative_context_is_still_a_usage_error(run: Runner, option: str, number: str) -> None:
    result = run("grep", option, number)
    assert result.exit_code == 2
    assert f"a number of lines is 0 or more, not {number}" in result.stderr
