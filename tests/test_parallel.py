"""kmserr.parallel's pieces on their own: what -j's processes share and how their memory is kept."""

from __future__ import annotations

import io
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmserr import parallel

# Batches of a few MiB made and freed, as a worker's and the reading process's are: the page
# faults of the loop, with glibc's defaults and with the memory kept (argv[1] == "keep").
CHURN = """
import resource, sys
from kmserr import parallel
applied = parallel.keep_freed_memory() if sys.argv[1] == "keep" else None
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for n in range(40):
    batch = [b"x" * ((1 << 20) + n) for _ in range(5)]
    joined = b"".join(batch)
    del batch, joined
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def churn(how: str) -> tuple[str, int]:
    run = subprocess.run([sys.executable, "-c", CHURN, how], capture_output=True, text=True, check=True)
    applied, faults = run.stdout.split()
    return applied, int(faults)


def test_freed_batches_are_not_faulted_in_again() -> None:
    applied, kept = churn("keep")
    if platform.libc_ver()[0] != "glibc":  # other allocators: nothing is set, and it says so
        assert applied == "False"
        return
    assert applied == "True"
    default_applied, default = churn("default")
    assert default_applied == "None"
    # 40 rounds of 10 MiB made and freed: glibc's defaults fault nearly every page in again
    # (about 100,000); kept, only the first round's pages are new.
    assert default > 40_000
    assert kept < 10_000


def echo(start: bytes, lines: bytes, output: IO[bytes], result: IO[bytes]) -> None:
    """A worker's search that gives back what it was given: its lines, and its start as counts."""
    output.write(lines)
    result.write(start)


@pytest.fixture
def worker() -> Iterator[parallel.Worker]:
    made = parallel.Worker(echo, [])
    yield made
    made.stop()


@settings(max_examples=25, deadline=None)
@given(pieces=st.lists(st.binary(max_size=3000), min_size=1, max_size=8), start=st.binary(max_size=64))
def test_a_worker_is_given_a_batch_whole_and_lines_stay_apart(pieces: list[bytes], start: bytes) -> None:
    # Blocks as `Search._blocks` gives them, a line cut at a block's end among them: each block
    # without a newline at its end reaches the worker with one, and nothing else changes.
    made = parallel.Worker(echo, [])
    try:
        for _ in range(2):  # the same worker and the same shared memory, for a second batch
            padded = [b"<" + piece + b">" for piece in pieces]  # the block's bounds, not its buffer's
            sent = made.send(start, [(piece, 1, len(piece) - 1) for piece in padded])
            assert sent is not None
            assert sent.finished(wait=True)
            want = b"".join(piece if piece.endswith(b"\n") else piece + b"\n" for piece in pieces)
            assert sent.output.read() == want
            assert sent.result.read() == start
    finally:
        made.stop()


def test_a_batch_larger_than_the_shared_memory_is_left_to_the_caller(worker: parallel.Worker) -> None:
    block = b"x" * (parallel.SHARED // 2) + b"\n"
    assert worker.send(b"", [(block, 0, len(block)), (block, 0, len(block))]) is None
    assert worker.free and not worker.sent  # still there for the next batch, which fits
    sent = worker.send(b"", [(block, 0, len(block))])
    assert sent is not None and sent.finished(wait=True)
    assert sent.output.read() == block


@pytest.fixture
def part_output(tmp_path: Path) -> Iterator[tuple[IO[bytes], bytes]]:
    """A part's output as a forked child leaves it: a temporary file written through another object."""
    data = b"".join(b"line %d\tkmserr: AuthFailure\n" % n for n in range(100_000))  # 3 MiB, more than a copy's step
    with tempfile.TemporaryFile() as output:
        with open(os.dup(output.fileno()), "wb") as child:
            child.write(data)
        yield output, data


@pytest.mark.parametrize("mode", ["wb", "ab"])
def test_a_parts_output_is_copied_whole_after_what_was_written_before(
    part_output: tuple[IO[bytes], bytes], tmp_path: Path, mode: str
) -> None:
    output, data = part_output
    target = tmp_path / "out"
    target.write_bytes(b"earlier\n" if mode == "ab" else b"")
    with target.open(mode) as out:
        out.write(b"buffered\n")  # not flushed yet: it must come before the part's output
        parallel.copy(output, out)
        out.write(b"after\n")
    assert target.read_bytes() == (b"earlier\n" if mode == "ab" else b"") + b"buffered\n" + data + b"after\n"


def test_a_parts_output_goes_through_a_pipe(part_output: tuple[IO[bytes], bytes]) -> None:
    output, data = part_output
    read, write = os.pipe()
    got: list[bytes] = []

    def drain() -> None:
        with open(read, "rb") as source:
            got.append(source.read())

    reader = threading.Thread(target=drain)
    reader.start()
    with open(write, "wb") as out:
        parallel.copy(output, out)
    reader.join()
    assert got == [data]


def test_a_parts_output_to_a_closed_pipe_says_so(part_output: tuple[IO[bytes], bytes]) -> None:
    output, _ = part_output
    read, write = os.pipe()
    os.close(read)
    with open(write, "wb") as out, pytest.raises(BrokenPipeError):
        parallel.copy(output, out)
        out.flush()


def test_a_parts_output_in_memory_or_to_memory(part_output: tuple[IO[bytes], bytes]) -> None:
    output, data = part_output
    into = io.BytesIO()
    parallel.copy(output, into)  # no descriptor to send to
    parallel.copy(io.BytesIO(b"a batch's output\n"), into)  # a worker's batch, already in memory
    assert into.getvalue() == data + b"a batch's output\n"


# A part's temporary file made in a fresh process, with TMPDIR as given: whether tempfile was
# imported, whether the file has no name, whether its data reads back, and its device.
TEMPORARY = """
import os, sys
from kmserr import parallel
with parallel._temporary_file() as made:
    made.write(b"a part's output")
    made.flush()
    made.seek(0)
    print("tempfile" in sys.modules, os.fstat(made.fileno()).st_nlink, made.read().decode(), os.fstat(made.fileno()).st_dev)
"""


def temporary(tmpdir: str) -> tuple[str, ...]:
    env = {**os.environ, "TMPDIR": tmpdir}
    run = subprocess.run([sys.executable, "-c", TEMPORARY], capture_output=True, text=True, env=env, check=True)
    imported, links, *words, device = run.stdout.split()
    return imported, links, " ".join(words), device


def test_a_parts_file_is_made_where_tempfile_would_make_it(tmp_path: Path) -> None:
    imported, links, read, device = temporary(str(tmp_path))
    assert (links, read, device) == ("0", "a part's output", str(tmp_path.stat().st_dev))
    # Where Linux makes files with no name, tempfile (4 ms) is not imported for them.
    assert imported == ("False" if hasattr(os, "O_TMPFILE") else "True")


def test_a_tmpdir_that_is_no_folder_is_left_to_tempfile(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_bytes(b"")
    imported, links, read, _ = temporary(str(not_a_folder))  # tempfile tries its next folder
    assert (imported, links, read) == ("True", "0", "a part's output")


def test_a_worker_is_sent_its_next_batch_while_it_searches_one(worker: parallel.Worker) -> None:
    batches = [b"first batch\n", b"second batch\n", b"third batch\n"]
    first = worker.send(b"1", [(batches[0], 0, len(batches[0]))])
    second = worker.send(b"2", [(batches[1], 0, len(batches[1]))])
    assert first is not None and second is not None
    assert not worker.free  # AHEAD batches not taken back: the pool gives it no more
    assert first.finished(wait=True) and worker.free
    third = worker.send(b"3", [(batches[2], 0, len(batches[2]))])  # into the first one's slot
    assert third is not None
    assert second.finished(wait=True) and third.finished(wait=True)
    assert [(sent.output.read(), sent.result.read()) for sent in (first, second, third)] == \
        list(zip(batches, [b"1", b"2", b"3"], strict=True))


def stuck(start: bytes, lines: bytes, output: IO[bytes], result: IO[bytes]) -> None:
    """A worker's search that never ends (until the worker is killed)."""
    time.sleep(600)


def test_a_worker_that_dies_with_batches_ahead_loses_each() -> None:
    import signal

    worker = parallel.Worker(stuck, [])
    try:
        line = b"a line\n"
        sent = [worker.send(b"", [(line, 0, len(line))]) for _ in range(parallel.AHEAD)]
        os.kill(worker.pid, signal.SIGKILL)
        for each in sent:
            assert each is not None
            assert each.finished(wait=True)
            assert each.result.read() == b""  # nothing came back: `Search._merge` says which lines are lost
            assert each.done == -1  # nothing to wait for
        assert not worker.alive and not worker.free
    finally:
        worker.stop()
