"""grep -j from standard input: batches searched by workers give the same bytes as one process,
a live stream is still shown line by line, and no worker outlives the search."""

from __future__ import annotations

import contextlib
import io
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import IO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.loggen import write
from kmserr import default_registry, parallel, search
from kmserr.render import Style, line_printer
from kmserr.scan import BLOCK_SIZE
from kmserr.search import BATCH, Search

# Every test here runs with both engines and both cores, on streams of megabytes (benchmark-shaped: slow).
pytestmark = [pytest.mark.usefixtures("engine", "core"), pytest.mark.slow]

ERROR = b'call failed {"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"bad"}}}'


@pytest.fixture(scope="module")
def stream_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Several batches of a generated log (every form, decoys, invalid UTF-8), with an error line
    longer than a block, one longer than a batch, and a last line without its newline."""
    data = io.BytesIO()
    write(data, size=1 << 20, match_rate=0.05, decoy_rate=0.05, invalid_rate=0.01, long_line=1 << 16, seed=7)
    piece = data.getvalue()
    longer_than_block = b"a" * BLOCK_SIZE + ERROR + b"\n"
    longer_than_batch = ERROR + b" " + b"b" * BATCH + b"\n"
    path = tmp_path_factory.mktemp("pipe-jobs") / "app.log"
    path.write_bytes(piece * 3 + longer_than_block + piece + longer_than_batch + piece * 4 + ERROR)
    return path


def grep(log: Path, *args: str, how: str = "pipe") -> subprocess.CompletedProcess[bytes]:
    """kmserr grep with the log on standard input: through `cat |`, or redirected from the file
    (then every read is full, so every batch goes to a worker), or as the FILE argument."""
    command = [sys.executable, "-m", "kmserr", "grep", *args]
    if how == "file":
        return subprocess.run([*command, str(log)], capture_output=True, check=False)
    with log.open("rb") as source:
        if how == "redirect":
            return subprocess.run(command, stdin=source, capture_output=True, check=False)
        cat = subprocess.Popen(["cat"], stdin=source, stdout=subprocess.PIPE)
        assert cat.stdout is not None
        try:
            return subprocess.run(command, stdin=cat.stdout, capture_output=True, check=False)
        finally:
            cat.stdout.close()
            cat.wait()


@pytest.mark.parametrize("options", [["-n"], ["-H"], ["--json"], ["-c"], ["--summary"], ["-n", "--code", "AuthFailure"]])
def test_workers_print_what_one_process_prints(stream_log: Path, options: list[str]) -> None:
    one = grep(stream_log, "-j1", *options)
    assert one.returncode == 0 and one.stdout and one.stderr == b""
    if not {"-H", "--json"} & set(options):  # these name the input: "(standard input)"
        assert grep(stream_log, "-j1", *options, how="file").stdout == one.stdout
    runs = [("-j2", "pipe")]
    if options == ["-n"]:
        runs += [("-j2", "redirect"), ("-j3", "pipe"), ("-j3", "redirect")]
    for jobs, how in runs:
        many = grep(stream_log, jobs, *options, how=how)
        assert (many.returncode, many.stderr) == (0, b""), (jobs, how)
        assert many.stdout == one.stdout, (jobs, how)  # compared whole: a difference is not shown, it is MiBs


def _lines(stream: IO[bytes], into: queue.Queue[bytes]) -> None:
    for line in stream:
        into.put(line)
    into.put(b"")


def test_a_live_stream_is_shown_before_it_ends(stream_log: Path) -> None:
    """A burst (searched by workers) and then one error line: the line is shown while the writer
    still holds the pipe open, after every line of the burst."""
    proc = subprocess.Popen([sys.executable, "-m", "kmserr", "grep", "-j2", "--no-annotate"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    lines: queue.Queue[bytes] = queue.Queue()
    reader = threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True)
    reader.start()
    try:
        burst = stream_log.read_bytes()[: 3 * BATCH]
        burst = burst[: burst.rfind(b"\n") + 1]
        proc.stdin.write(burst)
        proc.stdin.write(ERROR + b" live-marker\n")
        proc.stdin.flush()
        shown = []
        while not shown or b"live-marker" not in shown[-1]:
            shown.append(lines.get(timeout=120))  # a line held back until the end would never come
            assert shown[-1], "the output ended before the live line"
        assert len(shown) == grep_count(burst) + 1  # the burst's lines, all before it
    finally:
        proc.stdin.close()
        status = proc.wait(timeout=120)
        reader.join(timeout=120)
        proc.stdout.close()
    assert status == 0


def grep_count(data: bytes) -> int:
    result = subprocess.run([sys.executable, "-m", "kmserr", "grep", "-j1", "-c"], input=data, capture_output=True, check=True)
    return int(result.stdout)


def _ours(marker: str) -> list[int]:
    """The processes whose environment holds `marker`: kmserr and its workers, alive or not yet reaped."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def _gone(marker: str) -> bool:
    """Whether every process with the marker has ended (given a few seconds to)."""
    for _ in range(200):
        if not _ours(marker):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def marked() -> Iterator[tuple[dict[str, str], str]]:
    """An environment for kmserr that marks it and its workers, and the mark."""
    marker = f"KMSERR_TEST_RUN={uuid.uuid4().hex}"
    name, value = marker.split("=")
    yield {**os.environ, name: value}, marker
    for pid in _ours(marker):  # never leave one behind, even when the test fails
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _started(stream_log: Path, env: dict[str, str], marker: str) -> subprocess.Popen[bytes]:
    """kmserr grep -j3 -c (no output to read meanwhile) with a burst written and the pipe left open:
    its workers busy or waiting for more."""
    proc = subprocess.Popen([sys.executable, "-m", "kmserr", "grep", "-j3", "-c"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    proc.stdin.write(stream_log.read_bytes()[: 4 * BATCH])  # written at once: batches fill, workers start
    proc.stdin.flush()
    for _ in range(600):
        if len(_ours(marker)) >= 2:  # the parent and a worker at least
            break
        time.sleep(0.05)
    assert len(_ours(marker)) >= 2
    return proc


@pytest.mark.parametrize("how", ["ctrl-c", "kill -9"])
def test_no_worker_outlives_its_parent(stream_log: Path, marked: tuple[dict[str, str], str], how: str) -> None:
    env, marker = marked
    proc = _started(stream_log, env, marker)
    proc.send_signal(signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
    status = proc.wait(timeout=60)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        assert stream is not None
        stream.close()
    assert status == (130 if how == "ctrl-c" else -signal.SIGKILL)
    assert _gone(marker)


def test_a_reader_that_goes_away_ends_every_worker(stream_log: Path, marked: tuple[dict[str, str], str]) -> None:
    env, marker = marked
    script = 'cat "$1" | "$0" -m kmserr grep -j3 | head -n 1; echo "status=${PIPESTATUS[1]}" >&2'
    result = subprocess.run(["bash", "-c", script, sys.executable, str(stream_log)], capture_output=True,
                            timeout=120, check=False, env=env)
    assert result.stdout.count(b"\n") == 1
    assert result.stderr == b"status=0\n"
    assert _gone(marker)


class _Reads(io.RawIOBase):
    """Standard input that returns the given pieces, one a read (cut to the size asked)."""

    def __init__(self, pieces: list[bytes], fd: int) -> None:
        super().__init__()
        self._pieces, self._fd = list(pieces), fd

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd  # a regular file: select() says a read would not wait

    def read1(self, size: int = -1) -> bytes:
        if not self._pieces:
            return b""
        piece = self._pieces.pop(0)
        if 0 <= size < len(piece):
            piece, rest = piece[:size], piece[size:]
            self._pieces.insert(0, rest)
        return piece

    def read(self, size: int = -1) -> bytes:
        return self.read1(size)


def _search_stdin(
    monkeypatch: pytest.MonkeyPatch, pieces: list[bytes], fd: int, jobs: int, *, numbers: bool = True, count: bool = False
) -> tuple[bytes, object, list[str]]:
    """Search standard input in this process; what it printed, counted and said."""
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=_Reads(pieces, fd)))
    out = io.BytesIO()
    # JSON: it shows what the lines above a Node error gave (its message, its request ID).
    printer = lambda into: line_printer(into, "json", Style(), line_numbers=numbers)  # noqa: E731
    notes: list[str] = []
    run = Search(default_registry(), None if count else printer(out), lambda path, problem: notes.append(problem),
                 count_lines=numbers, jobs=jobs, printer=printer, out=out)
    run.search("-")
    if run._sink is not None:
        run._sink.flush()
    return out.getvalue(), (run.lines_per_input, run.matched, run.failed, run.seen), notes


LINES = [
    b"plain line",
    ERROR,
    b"kms: [TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:disabled requestId:r-1",
    b'kms: Decrypt failed "message": "(10630) key is not existed"',
    # Node's inspected error: its message and request ID are read from the lines above its code.
    b"TencentCloudSDKHttpException [Error]: CMK is disabled.\n"
    b"    at Client.parseResponse (/app/node_modules/x/abstract_client.js:268:37) {\n"
    b"  requestId: 'r-" + b"9" * 150 + b"',\n"
    b"  code: 'ResourceUnavailable.CmkDisabled'\n"
    b"}",
    b"TencentCloudSDKHttpException: message",
    b"\xff\xfe invalid utf-8 AuthFailure.SecretIdNotFound",
    b"x" * 200 + b" InvalidParameter.DecryptMaterialError",
    b"",
    b"crlf ResourceNotFound\r",
]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.sampled_from(LINES), min_size=1, max_size=60),
    cuts=st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=40),
    ready=st.lists(st.booleans(), min_size=1, max_size=40),
    ending=st.booleans(),
    numbers=st.booleans(),
    count=st.booleans(),
)
def test_any_reads_give_one_process_output(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], cuts: list[int], ready: list[bool],
    ending: bool, numbers: bool, count: bool,
) -> None:
    """Whatever the reads and whether more input is ready, -j2 and -j3 print and count what -j1 does
    (batches and blocks made tiny, so that a few lines make many batches)."""
    data = b"\n".join(lines) + (b"\n" if ending else b"")
    pieces, at = [], 0
    for cut in cuts * (len(data) // max(sum(cuts), 1) + 1):
        if at >= len(data):
            break
        pieces.append(data[at : at + cut])
        at += cut
    regular = tmp_path_factory.mktemp("fd") / "any"
    regular.write_bytes(b"")
    with pytest.MonkeyPatch.context() as monkeypatch, regular.open("rb") as fd_source:
        one = _search_stdin(monkeypatch, pieces, fd_source.fileno(), 1, numbers=numbers, count=count)
        monkeypatch.setattr(search, "BATCH", 120)
        monkeypatch.setattr(search, "BLOCK_SIZE", 60)
        answers = iter(ready * 100)
        monkeypatch.setattr(parallel, "readable", lambda fd: next(answers, True))
        for jobs in (2, 3):
            assert _search_stdin(monkeypatch, pieces, fd_source.fileno(), jobs, numbers=numbers, count=count) == one


def test_workers_search_the_batches(monkeypatch: pytest.MonkeyPatch, stream_log: Path, forks: list[int]) -> None:
    data = stream_log.read_bytes()
    with stream_log.open("rb") as source:
        one = _search_stdin(monkeypatch, [data], source.fileno(), 1)
        assert not forks
        many = _search_stdin(monkeypatch, [data], source.fileno(), 3)
    assert len(forks) == 2  # -j3: two workers, started once, this process the third
    assert many == one


def test_the_workers_inherit_the_block_core_built_before_them(
    monkeypatch: pytest.MonkeyPatch, stream_log: Path, forks: list[int]
) -> None:
    from kmserr import matcher

    data = stream_log.read_bytes()
    with stream_log.open("rb") as source:
        one = _search_stdin(monkeypatch, [data], source.fileno(), 1)
        built = matcher.matcher_for(default_registry()).cores
        built.clear()  # as in a process that has searched nothing yet
        cores_at_fork: list[int] = []
        real_worker = parallel.Worker

        def worker(work: parallel.BatchWork, others: Iterable[int]) -> parallel.Worker:
            cores_at_fork.append(len(built))
            return real_worker(work, others)

        monkeypatch.setattr(parallel, "Worker", worker)
        many = _search_stdin(monkeypatch, [data], source.fileno(), 2)
    assert cores_at_fork == [1] and len(forks) == 1  # one worker, forked with the core every batch's scanner takes
    assert many == one


def test_a_worker_that_dies_is_said_and_its_lines_named(monkeypatch: pytest.MonkeyPatch, stream_log: Path) -> None:
    data = stream_log.read_bytes()
    with stream_log.open("rb") as source:
        whole, _, _ = _search_stdin(monkeypatch, [data], source.fileno(), 1)
        monkeypatch.setattr(Search, "_search_sent", lambda self, *args: os.kill(os.getpid(), signal.SIGKILL))
        printed, (_, matched, failed, _), notes = _search_stdin(monkeypatch, [data], source.fileno(), 2)
    assert failed and matched
    assert len(notes) == 1 and re.fullmatch(r"a search process ended before it searched lines 1 to \d+", notes[0])
    # The first batch went to the worker and is lost, said so; no other is: this process searched them.
    lost = int(notes[0].rsplit(" ", 1)[1])
    assert printed and whole.endswith(printed)
    assert json.loads(printed.split(b"\n", 1)[0])["line_number"] > lost


@pytest.mark.parametrize("failing", ["fork", "pipe"])
def test_without_processes_or_pipes_one_process_searches(
    monkeypatch: pytest.MonkeyPatch, stream_log: Path, failing: str
) -> None:
    def fail(*args: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    data = stream_log.read_bytes()
    with stream_log.open("rb") as source:
        one = _search_stdin(monkeypatch, [data], source.fileno(), 1)
        monkeypatch.setattr(os, failing, fail)
        assert _search_stdin(monkeypatch, [data], source.fileno(), 2) == one
