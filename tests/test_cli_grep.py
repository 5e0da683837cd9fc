"""`kmserr grep` through Click: files, standard input, options, formats, exit statuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import Runner

pytestmark = pytest.mark.usefixtures("engine")  # every test here runs with both engines

LOG = (
    b"08:00:00 INFO start\n"
    b'08:00:01 ERROR kms: "message": "(10630) key is not existed"\n'
    b"08:00:02 INFO batch (4821) items\n"
    b"08:00:03 WARN \xff\xfe (10010)lacked of required parameters\n"
    b'08:00:04 ERROR {"code":4000,"message":"(10010)lacked of required parameters"}\n'
)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_bytes(LOG)
    return path


def test_standard_input_plain(run: Runner) -> None:
    result = run("grep", input=LOG)
    assert result.exit_code == 0
    lines = result.stdout_bytes.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(b'08:00:01 ERROR kms: "message": "(10630) key is not existed"\tkmserr: 10630')
    assert lines[1].startswith(b"08:00:03 WARN \xff\xfe (10010)lacked of required parameters\t")


def test_file_and_dash(run: Runner, log: Path) -> None:
    assert run("grep", str(log)).stdout_bytes == run("grep", "-", input=LOG).stdout_bytes


def test_no_annotate_prints_lines_as_they_were(run: Runner, log: Path) -> None:
    result = run("grep", "--no-annotate", str(log))
    assert result.stdout_bytes == b"".join(line for line in LOG.splitlines(keepends=True) if b"(10" in line)


def test_line_numbers_and_filenames(run: Runner, log: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.log"
    other.write_bytes(b"(10650) key is disabled")
    result = run("grep", "-n", "--no-annotate", str(log), str(other))
    assert result.stdout_bytes.splitlines() == [
        f"{log}:2:".encode() + LOG.splitlines()[1],
        f"{log}:4:".encode() + LOG.splitlines()[3],
        f"{log}:5:".encode() + LOG.splitlines()[4],
        f"{other}:1:(10650) key is disabled".encode(),
    ]


def test_count(run: Runner, log: Path) -> None:
    assert run("grep", "--count", str(log)).stdout == "3\n"
    assert run("grep", "-c", "-H", str(log)).stdout == f"{log}:3\n"


def test_summary(run: Runner, log: Path) -> None:
    result = run("grep", "--summary", str(log))
    assert result.stdout == "2\t10010\tlacked of required parameters\n1\t10630\tkey is not existed\n"
    data = json.loads(run("grep", "--summary", "--format", "json", str(log)).stdout)
    assert data == [
        {"code": "10010", "count": 2, "message": "lacked of required parameters"},
        {"code": "10630", "count": 1, "message": "key is not existed"},
    ]


def test_json_lines(run: Runner, log: Path) -> None:
    result = run("grep", "--json", str(log))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line_number"] for r in records] == [2, 4, 5]
    first = records[0]
    assert first["line"] == LOG.splitlines()[1].decode()
    match = first["matches"][0]
    assert (match["code"], match["module_code"], match["error_code"]) == ("10630", 10630, 4530)
    assert LOG.splitlines()[1][match["start"] : match["end"]] == b"10630"
    assert records[1]["line_base64"]
    assert records[2]["matches"][0]["format"] == "legacy-json"


def test_table_format_on_request(run: Runner, log: Path) -> None:
    result = run("grep", "--format", "table", str(log))
    assert "↳ kmserr: 10630" in result.stdout
    assert "\\xff\\xfe" in result.stdout  # undecodable bytes shown escaped on a terminal


def test_no_match_exits_1(run: Runner) -> None:
    result = run("grep", input=b"nothing here\n(4821) items\n")
    assert result.exit_code == 1
    assert result.stdout == ""


def test_missing_file_exits_2_after_searching_the_others(run: Runner, log: Path, tmp_path: Path) -> None:
    missing = tmp_path / "absent.log"
    result = run("grep", "-c", str(missing), str(log))
    assert result.exit_code == 2
    assert result.stderr == f"kmserr: grep: {missing}: No such file or directory\n"
    assert result.stdout == f"{log}:3\n"


def test_directory_is_an_error(run: Runner, tmp_path: Path) -> None:
    result = run("grep", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"kmserr: grep: {tmp_path}: Is a directory\n"


def test_empty_input(run: Runner) -> None:
    assert run("grep", input=b"").exit_code == 1
