"""A stop signal that reaches a forked child before its own `try` ends the child, never runs the
parent's code in it (a worker stopped at that moment went on with the parent's search)."""

from __future__ import annotations

import subprocess
import sys

import pytest

# os.fork wrapped so that the child is sent SIGTERM the moment it is born, before kmserr's child
# code runs a line: without the signals held across the fork, the handler raises in the caller.
SCRIPT = """
import io, os, signal, sys
from kmserr import parallel

class Stopped(BaseException):
    pass

def stop(signum, frame):
    raise Stopped

signal.signal(signal.SIGTERM, stop)
real_fork = os.fork

def fork():
    pid = real_fork()
    if pid == 0:
        os.kill(os.getpid(), signal.SIGTERM)
    return pid

os.fork = fork
parent = os.getpid()
try:
    if sys.argv[1] == "part":
        part = parallel.fork(lambda output, result: None)
        part.finished(wait=True)
        print("reaped")
    else:
        worker = parallel.Worker(lambda start, lines, output, result: None, [])
        worker.stop()
        print("reaped")
except Stopped:
    if os.getpid() != parent:
        os.write(1, b"escaped into the caller\\n")
        os._exit(3)
    raise
"""


@pytest.mark.parametrize("kind", ["part", "worker"])
def test_a_child_stopped_as_it_is_forked_ends_in_its_own_code(kind: str) -> None:
    result = subprocess.run([sys.executable, "-c", SCRIPT, kind], capture_output=True, timeout=60, check=False)
    assert b"escaped" not in result.stdout, result.stdout
    assert result.stdout == b"reaped\n", (result.stdout, result.stderr)
    assert result.returncode == 0, result.stderr
