"""Behaviour that only a real process shows: pipes, live streams, exit statuses."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

KMSERR = [sys.executable, "-m", "kmserr"]
ERROR_LINE = b'2024-05-14T08:00:00.016Z ERROR kms: "message": "(10630) key is not existed"\n'


def test_python_dash_m_and_exit_statuses(tmp_path: Path) -> None:
    found = subprocess.run([*KMSERR, "lookup", "10630"], capture_output=True, cwd=tmp_path)
    assert (found.returncode, found.stderr) == (0, b"")
    assert found.stdout.startswith(b"10630\t4530\t")
    missing = subprocess.run([*KMSERR, "lookup", "10631"], capture_output=True, cwd=tmp_path)
    assert missing.returncode == 1
    usage = subprocess.run([*KMSERR, "lookup", "--bogus"], capture_output=True, cwd=tmp_path)
    assert usage.returncode == 2
    assert b"Traceback" not in usage.stderr


def test_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_bytes(ERROR_LINE * 200_000)  # far more than a pipe holds
    with subprocess.Popen([*KMSERR, "grep", str(log)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # what `| head -n 1` does
        status = proc.wait(timeout=60)
        errors = proc.stderr.read()
    assert first.startswith(ERROR_LINE.rstrip(b"\n"))
    assert errors == b""
    assert status == 0


def test_shell_pipeline_into_head(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    log.write_bytes(ERROR_LINE * 100_000)
    script = f'"$0" -m kmserr grep "{log}" | head -n 1; echo "status=${{PIPESTATUS[0]}}" >&2'
    result = subprocess.run(["bash", "-c", script, sys.executable], capture_output=True, timeout=60)
    assert result.stdout.count(b"\n") == 1
    assert result.stderr == b"status=0\n"


def read_line_within(fd: int, seconds: float) -> bytes:
    deadline = time.monotonic() + seconds
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            return data
        piece = os.read(fd, 65536)
        if not piece:
            return data
        data += piece
    return data


def test_live_stream_is_shown_while_the_writer_is_still_open() -> None:
    with subprocess.Popen(
        [*KMSERR, "grep"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            for n in range(3):
                proc.stdin.write(b"ordinary line %d\n" % n + ERROR_LINE)
                proc.stdin.flush()
                # Generous bound for a loaded machine; the benchmark measures the real latency.
                line = read_line_within(proc.stdout.fileno(), 10.0)
                assert line.startswith(ERROR_LINE.rstrip(b"\n")), line
        finally:
            proc.stdin.close()
            proc.wait(timeout=30)
    assert proc.returncode == 0


def test_invalid_utf8_passes_through_a_real_pipe() -> None:
    data = b"\xc0\xaf\xff (10650) key is disabled \xe5\xb0\n"
    result = subprocess.run([*KMSERR, "grep", "--no-annotate"], input=data, capture_output=True)
    assert (result.returncode, result.stdout, result.stderr) == (0, data, b"")
