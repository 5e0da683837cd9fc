"""grep -j: a large file searched in several processes gives the same bytes as one process."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.loggen import write
from kmserr.search import SPLIT_MIN

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated log (every form, decoys, invalid UTF-8, a 64 KiB line) repeated past SPLIT_MIN."""
    data = io.BytesIO()
    write(data, size=1 << 20, match_rate=0.05, decoy_rate=0.05, invalid_rate=0.01, long_line=1 << 16, seed=11)
    piece = data.getvalue()
    path = tmp_path_factory.mktemp("jobs") / "app.log"
    path.write_bytes(piece * (SPLIT_MIN // len(piece) + 2))
    return path


def grep(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "kmserr", "grep", *args], capture_output=True, check=False)


@pytest.mark.parametrize("options", [["-n"], ["-c"], ["--summary"], ["-l"], ["--json"], ["-n", "--code", "AuthFailure"]])
def test_two_processes_print_what_one_prints(big_log: Path, options: list[str]) -> None:
    one = grep("-j1", *options, str(big_log))
    assert one.returncode == 0 and one.stdout and one.stderr == b""
    for jobs in ("-j2", "-j3") if options == ["-n"] else ("-j2",):
        many = grep(jobs, *options, str(big_log))
        assert (many.returncode, many.stderr) == (0, b""), jobs
        assert many.stdout == one.stdout, jobs  # compared whole: a difference is not shown, it is 17 MiB


def test_a_large_file_is_searched_in_forked_processes(big_log: Path, forks: list[int]) -> None:
    from kmserr import default_registry
    from kmserr.render import Style, line_printer
    from kmserr.search import Search

    outputs = []
    for jobs in (1, 3):
        out = io.BytesIO()
        printer = lambda into: line_printer(into, "plain", Style(), line_numbers=True)  # noqa: E731
        run = Search(default_registry(), printer(out), lambda path, problem: None, jobs=jobs, printer=printer, out=out)
        run.search(str(big_log))
        outputs.append((out.getvalue(), run.lines_per_input, run.matched, run.failed))
    assert len(forks) == 2  # -j3: two children, the first range in this process
    assert outputs[0] == outputs[1]


def test_jobs_must_be_positive() -> None:
    result = grep("-j0", "/dev/null")
    assert result.returncode == 2 and b"-j" in result.stderr


def test_a_reader_that_goes_away_ends_every_process_quietly(big_log: Path) -> None:
    script = f'"$0" -m kmserr grep -j3 "{big_log}" | head -n 1; echo "status=${{PIPESTATUS[0]}}" >&2'
    result = subprocess.run(["bash", "-c", script, sys.executable], capture_output=True, timeout=60, check=False)
    assert result.stdout.count(b"\n") == 1
    assert result.stderr == b"status=0\n"
