"""grep -j: a large file searched in several processes gives the same bytes as one process."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.loggen import write
from kmserr.search import SPLIT_MIN

# Every test here runs with both engines and both cores, on files past SPLIT_MIN (benchmark-shaped: slow).
pytestmark = [pytest.mark.usefixtures("engine", "core"), pytest.mark.slow]


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


@pytest.mark.parametrize("jobs", [4, 1000, 10**23])
def test_parts_are_bounded_by_the_cores_and_the_size(big_log: Path, forks: list[int], jobs: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`-j 99999999999999999999999` ended never, `-j1000` forked 999 processes: parts are at most
    JOBS_PER_CORE a core, and at least PART_MIN bytes each."""
    from kmserr import default_registry, search
    from kmserr.render import Style, line_printer

    monkeypatch.setattr(search, "default_jobs", lambda: 2)
    out = io.BytesIO()
    printer = lambda into: line_printer(into, "plain", Style(), line_numbers=True)  # noqa: E731
    run = search.Search(default_registry(), printer(out), lambda path, problem: None, jobs=jobs, printer=printer, out=out)
    run.search(str(big_log))
    parts = min(jobs, 2 * search.JOBS_PER_CORE, big_log.stat().st_size // search.PART_MIN)
    assert len(forks) == parts - 1
    assert not run.failed and run.matched


@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    end_newline=st.booleans(),
    parts=st.integers(min_value=1, max_value=10**30),
)
def test_cut_points_are_line_starts_and_stop_at_the_end(tmp_path_factory: pytest.TempPathFactory, lines: list[bytes],
                                                       end_newline: bool, parts: int) -> None:
    import os

    from kmserr import search

    data = b"\n".join(lines) + (b"\n" if end_newline and lines else b"")
    path = tmp_path_factory.mktemp("bounds") / "f"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search, "PART_MIN", 1)
            bounds = search._line_bounds(fd, len(data), parts)
    finally:
        os.close(fd)
    assert bounds[0] == 0 and bounds[-1] == len(data)
    assert bounds == ([0, 0] if not data else sorted(set(bounds)))
    assert len(bounds) - 1 <= max(1, min(parts, len(data)))
    for at in bounds[1:-1]:
        assert data[at - 1 : at] == b"\n"


def test_a_file_without_a_newline_is_read_once_to_cut_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 256 MiB line at -j64 was read from each cut to the end: 5 times slower. Now the cuts stop."""
    import os

    from kmserr import search

    path = tmp_path / "one-line"
    size = 64 * search.PART_MIN
    with path.open("wb") as f:
        f.truncate(size)  # sparse: 256 MiB of NUL, no newline
    read = []
    real = os.pread

    def counting(fd: int, n: int, at: int) -> bytes:
        piece = real(fd, n, at)
        read.append(len(piece))
        return piece

    monkeypatch.setattr(os, "pread", counting)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert search._line_bounds(fd, size, 64) == [0, size]
    finally:
        os.close(fd)
    assert sum(read) <= size  # read at most once


def test_parts_whose_output_cannot_be_written_are_searched_here(big_log: Path) -> None:
    """A full $TMPDIR (here: no file may grow past 1 KiB) printed half the lines, exit 2. The parts
    that cannot be written are searched by the first process: every line, in order, exit 0."""
    one = grep("-j1", "-n", str(big_log))
    script = f'trap "" XFSZ; ulimit -f 1; "$0" -m kmserr grep -j3 -n "{big_log}" | cat'
    many = subprocess.run(["bash", "-c", script, sys.executable], capture_output=True, timeout=300, check=False)
    assert many.stdout == one.stdout
    notes = many.stderr.decode().splitlines()
    assert len(notes) == 2, notes
    for note in notes:
        assert re.fullmatch(r"kmserr: grep: .*: a search process ended before it searched lines \d+ to \d+ "
                            r"\(bytes \d+ to \d+\); this process searched them", note), note


def test_a_killed_part_is_named_and_searched_here(big_log: Path, forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import signal

    from kmserr import default_registry, search
    from kmserr.render import Style, line_printer

    parent = os.getpid()
    real_range = search.Search._range

    def dying(self: search.Search, path: str, name: str, fd: int, start: int, end: int) -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_range(self, path, name, fd, start, end)

    monkeypatch.setattr(search.Search, "_range", dying)
    outputs, notes = [], []
    for jobs in (1, 3):
        out = io.BytesIO()
        printer = lambda into: line_printer(into, "plain", Style(), line_numbers=True)  # noqa: E731
        run = search.Search(default_registry(), printer(out), lambda path, problem: notes.append(problem),
                            jobs=jobs, printer=printer, out=out)
        run.search(str(big_log))
        outputs.append((out.getvalue(), run.lines_per_input, run.matched, run.failed))
    assert len(forks) == 2
    assert outputs[0] == outputs[1]
    assert len(notes) == 2 and all(re.fullmatch(r"a search process ended before it searched lines \d+ to \d+ "
                                                r"\(bytes \d+ to \d+\); this process searched them", n) for n in notes)


def test_the_parts_inherit_the_block_core_built_before_the_fork(big_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kmserr import default_registry, parallel, search
    from kmserr.render import Style, line_printer

    out = io.BytesIO()
    printer = lambda into: line_printer(into, "plain", Style())  # noqa: E731
    run = search.Search(default_registry(), printer(out), lambda path, problem: None, jobs=2, printer=printer, out=out)
    run.matcher.cores.clear()  # as in a process that has searched nothing yet
    cores_at_fork: list[int] = []
    real_fork = parallel.fork

    def fork(work: parallel.Work) -> parallel.Forked:
        cores_at_fork.append(len(run.matcher.cores))
        return real_fork(work)

    monkeypatch.setattr(parallel, "fork", fork)
    run.search(str(big_log))
    assert cores_at_fork == [1]  # one part forked, with the core that every part's scanner takes
    assert out.getvalue() == grep("-j1", str(big_log)).stdout
