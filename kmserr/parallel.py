"""Parts of one search in forked processes, each one's output and counts taken in input order.

A large file's byte ranges (`Search._search_split`): a child forked for each inherits what it
searches with the fork, leaves its printed lines and pickled counts in two temporary files, and
ends. Standard input's batches of lines (`search._Batches`): a few workers, forked once, are given
batch after batch in memory shared with each (told through a pipe) and send back each one's
output and counts, since a fork per batch costs more than the copy (the parent's every write to
memory a child shares is a copy).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import struct
import sys
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Final, NoReturn, Protocol

if TYPE_CHECKING:
    import mmap

# This module is imported by every grep, which mostly forks nothing: what only a fork needs is
# imported when one is made (tempfile and its random, 1.5 ms; dataclasses, 1 ms; select).
try:  # the C module: `signal` makes IntEnums of every signal (0.6 ms), and only numbers are needed here
    import _signal as signal  # type: ignore[import-not-found]  # (typeshed has no stub for it)
except ImportError:  # pragma: no cover - an interpreter without it
    import signal

# Searches a part: its lines printed into the first file, its counts pickled into the second.
Work = Callable[[IO[bytes], IO[bytes]], None]


class Part(Protocol):
    """A part of an input searched apart: its printed lines and pickled counts, once `finished`."""

    output: IO[bytes]
    result: IO[bytes]

    @property
    def done(self) -> int:
        """A descriptor readable when the part is searched, for select(); -1 when it is."""

    def finished(self, *, wait: bool) -> bool:
        """Whether the part is searched; with `wait`, wait until it is."""

    def close(self) -> None:
        """Let go of what holds its output and counts, once they are taken."""


class Here:
    """A part this process searched while parts before it were still searched elsewhere."""

    def __init__(self, output: IO[bytes], result: IO[bytes]) -> None:
        self.output, self.result = output, result
        self.done = -1

    def finished(self, *, wait: bool) -> bool:
        return True

    def close(self) -> None:
        pass


class Forked:
    """A part searched by a forked child, into two temporary files."""

    def __init__(self, pid: int, output: IO[bytes], result: IO[bytes]) -> None:
        self.pid, self.output, self.result = pid, output, result
        self.done = -1  # its parts are waited for in order, not selected
        self.ended = False

    def finished(self, *, wait: bool) -> bool:
        """Whether the child has ended (and is reaped, once); with `wait`, wait for it."""
        if not self.ended:
            try:
                self.ended = os.waitpid(self.pid, 0 if wait else os.WNOHANG)[0] != 0
            except ChildProcessError:  # reaped already (SIGCHLD ignored): its result file says how it went
                self.ended = True
        return self.ended

    def close(self) -> None:
        """Let the files go (a part is merged once)."""
        self.output.close()
        self.result.close()

    def stop(self) -> None:
        """End the child if it still runs (a closed pipe, Ctrl-C), so that none outlives the search."""
        if not self.ended:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGTERM)
            self.finished(wait=True)
        self.close()


def fork(work: Work) -> Forked:
    """Run `work` in a forked child; OSError when there is no room for its files or no process left."""
    with contextlib.ExitStack() as undo:  # what was made is let go again when a later step fails
        output = undo.enter_context(_temporary_file())
        result = undo.enter_context(_temporary_file())
        held = _hold_stops()
        try:
            pid = os.fork()
            if pid == 0:
                _child(work, output, result, held)
        finally:
            _release_stops(held)  # the parent's: a Ctrl-C that came meanwhile is raised here
        undo.pop_all()
    return Forked(pid, output, result)


def _temporary_file() -> IO[bytes]:
    """A temporary file, as `tempfile.TemporaryFile` makes it, without importing tempfile (with
    shutil, bz2, lzma and random: 4 ms before each split) where it is not yet: a file with no name
    (O_TMPFILE) in the folder tempfile tries first. Where that fails, tempfile finds one."""
    flag = getattr(os, "O_TMPFILE", 0)
    if flag and "tempfile" not in sys.modules:  # imported (its `tempdir` perhaps set): it decides
        folder = next((os.environ[name] for name in ("TMPDIR", "TEMP", "TMP") if os.environ.get(name)), "/tmp")
        try:
            fd = os.open(folder, flag | os.O_RDWR, 0o600)
        except OSError:  # not a folder, not writable, a file system without it: tempfile's way
            pass
        else:
            return open(fd, "w+b")
    import tempfile

    return tempfile.TemporaryFile()


def _child(work: Work, output: IO[bytes], result: IO[bytes], held: frozenset[int] | None) -> NoReturn:
    """The child: search its part, leave the result in the files, vanish without running the caller's code."""
    status = 0
    try:
        _release_stops(held)  # inside the try: a SIGTERM or Ctrl-C from now on ends the child here
        _away_from_standard_streams()
        work(output, result)
    except BaseException:  # Ctrl-C included: a child must never return into the caller's code
        status = 2
    os._exit(status)


def copy(output: IO[bytes], out: IO[bytes]) -> None:
    """Copy a part's output, whole, to `out`: from a temporary file in the kernel (sendfile) where
    `out` is a file or a pipe, not through this process's memory a megabyte at a time."""
    if isinstance(output, io.BytesIO):
        with output.getbuffer() as view:
            out.write(view)
        return
    done, size = 0, -1
    try:
        source, target = output.fileno(), out.fileno()
        size = os.fstat(source).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):  # not a file (a test's BytesIO)
        pass
    else:
        out.flush()  # what is buffered comes first
        try:
            while done < size:
                sent = os.sendfile(target, source, done, size - done)
                if not sent:  # the file shrank under us: what is left is read as usual
                    break
                done += sent
        except OSError as exc:
            # A closed pipe or a full disk is raised; a target sendfile cannot write to (a terminal
            # on some kernels, a file opened to append) is written to as usual.
            if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP) or done:
                raise
    if done != size:
        import shutil  # here: with bz2 and lzma, 2 ms of every grep's start, for this fallback only

        output.seek(done)
        shutil.copyfileobj(output, out, 1 << 20)


def end(parts: Iterable[Forked]) -> None:
    """Stop the children still running and let every part's files go."""
    for part in parts:
        part.stop()


# A batch's work in a worker: its start (struct _START, then the bytes above it) and its lines,
# searched into an output and a result, as `Work` does.
BatchWork = Callable[[bytes, bytes, IO[bytes], IO[bytes]], None]
_LENGTHS: Final = struct.Struct("<QQ")  # a message: the lengths of its two parts, then the parts
_SLOT: Final = struct.Struct("<QQ")  # a batch's second part: where its lines are in the shared memory, their size
# The most a batch sent to a worker holds: search.BATCH and a block beyond it, and room for the
# newlines put after long lines (the caller searches a larger one itself).
SHARED: Final = 6 << 20
# The batches a worker holds at once: the one it searches and the next, which waits in its pipe,
# so that it never waits for this process to notice that it is done and fill a batch again (a
# worker searched 55% of a stream where it could search half, and 30% of 64 MiB). Each has a slot
# of SHARED bytes of the shared memory.
AHEAD: Final = 2


class Sent:
    """A batch sent to a worker: its output and counts once the worker has sent them back."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.output: IO[bytes] = io.BytesIO()
        self.result: IO[bytes] = io.BytesIO()  # left empty when the worker died: `Search._merge` says so
        self.ended = False

    @property
    def done(self) -> int:
        """Readable once the worker sends the result (or ends)."""
        return -1 if self.ended or not self.worker.alive else self.worker.results

    def finished(self, *, wait: bool) -> bool:
        """Whether the result is here; with `wait`, wait for it. Taken whole at once, so that the
        worker never waits on this process to read it. The worker's batches are taken in the order
        they were sent (its results come so): this one is its oldest not taken."""
        if not self.ended and not self.worker.alive:  # it died with an earlier batch: nothing more comes
            self.ended = True
        if not self.ended and (wait or readable(self.worker.results)):
            self.ended = True
            try:
                output, result = _read_message(self.worker.results)
            except (OSError, EOFError):  # killed, out of memory: nothing more is sent to it
                self.worker.stop()
            else:
                self.output, self.result = io.BytesIO(output), io.BytesIO(result)
                self.worker.taken()
        return self.ended

    def close(self) -> None:
        """Nothing to let go: the buffers are the garbage collector's, the worker the pool's."""


class Worker:
    """A forked child that searches the batches it is sent, one at a time, and sends back each one's
    output and counts: it is started once, so a batch costs a copy into shared memory, not a fork."""

    def __init__(self, work: BatchWork, others: Iterable[int]) -> None:
        import mmap

        fds: list[int] = []
        held = None
        try:
            # The batch's lines: written here, read there, never copied through a pipe (its two
            # copies, one each side, were a fifth of -j's CPU from a pipe). Anonymous, so shared.
            self._lines = mmap.mmap(-1, SHARED * AHEAD)
            fds += os.pipe()
            fds += os.pipe()
            held = _hold_stops()
            self.pid = os.fork()
        except OSError:  # no memory, descriptors or processes left: nothing made is kept
            _release_stops(held)
            for fd in fds:
                os.close(fd)
            if hasattr(self, "_lines"):
                self._lines.close()
            raise
        tasks, self._tasks, self.results, results = fds
        if self.pid == 0:
            _serve(work, tasks, results, (self._tasks, self.results, *others), self._lines, held)
        _release_stops(held)  # the parent's: a Ctrl-C that came meanwhile is raised here
        os.close(tasks)
        os.close(results)
        for fd in (self._tasks, self.results):
            _widen(fd)
        self.sent: deque[Sent] = deque()  # its batches not yet taken back, oldest first
        self._slot = 0  # the slot of the shared memory the next batch is written to
        self.alive = True

    @property
    def fds(self) -> tuple[int, int]:
        """This process's ends of the worker's pipes (a worker forked later closes them)."""
        return self._tasks, self.results

    @property
    def free(self) -> bool:
        """Whether it can be sent a batch now: fewer than AHEAD of its batches are not taken back."""
        return self.alive and len(self.sent) < AHEAD

    def taken(self) -> None:
        """Its oldest batch is taken back: its slot may be written again."""
        self.sent.popleft()

    def send(self, start: bytes, blocks: Sequence[tuple[bytes, int, int]]) -> Sent | None:
        """Send a batch of whole lines, of up to SHARED bytes, to a free worker; None when the
        worker is gone or the batch is larger (the caller searches it)."""
        lines, base = self._lines, self._slot * SHARED  # a slot no batch not yet taken back is in
        at = base
        for buf, begin, end in blocks:
            ended = buf.endswith(b"\n", begin, end)  # not: a long line, the input's last (lines stay apart)
            if at - base + end - begin + (not ended) > SHARED:
                return None
            lines[at : at + end - begin] = memoryview(buf)[begin:end]
            at += end - begin
            if not ended:
                lines[at] = ord("\n")
                at += 1
        try:
            _write_message(self._tasks, [start], [_SLOT.pack(base, at - base)])
        except OSError:  # it died between two batches
            self.stop()
            return None
        self._slot = (self._slot + 1) % AHEAD
        self.sent.append(Sent(self))
        return self.sent[-1]

    def stop(self) -> None:
        """End the worker and reap it, once."""
        if self.alive:
            self.alive = False
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            os.close(self._tasks)
            os.close(self.results)
            self._lines.close()


class Pool:
    """Up to `size` workers, started as batches need them; none outlives `stop`."""

    def __init__(self, size: int, work: BatchWork) -> None:
        keep_freed_memory()  # before the workers are forked: they inherit it
        self._size, self._work = size, work
        self._workers: list[Worker] = []
        self._starts = True

    def idle(self) -> Worker | None:
        """A worker for a batch, or None: one with nothing to do, else a new one if fewer than
        `size` run, else one still searching that can hold the batch next (AHEAD)."""
        ahead = None
        for worker in self._workers:
            if worker.alive and not worker.free:
                worker.sent[0].finished(wait=False)  # its oldest result taken, it is free again
            if worker.alive and not worker.sent:
                return worker
            if ahead is None and worker.free:
                ahead = worker
        if not all(worker.alive for worker in self._workers):  # one died: what it had is said lost, no more start
            self._workers = [worker for worker in self._workers if worker.alive]
            self._starts = False
        if not self._starts or len(self._workers) >= self._size:
            return ahead
        try:
            worker = Worker(self._work, [fd for other in self._workers for fd in other.fds])
        except OSError:  # no more processes or descriptors: the caller searches alone
            self._starts = False
            return ahead
        self._workers.append(worker)
        return worker

    def stop(self) -> None:
        """End every worker, busy or not (the search ended, or stopped early)."""
        for worker in self._workers:
            worker.stop()


# glibc's mallopt parameters (malloc.h) and the size both are set to: above a batch and its output
# (BATCH, 4 MiB, and a block), below what a process may well hold anyway.
_M_TRIM_THRESHOLD: Final = -1
_M_MMAP_THRESHOLD: Final = -3
_KEEP: Final = 32 << 20


def keep_freed_memory() -> bool:
    """Keep the memory of freed batches for the next ones (glibc only; False where it is not set).

    By default glibc gives a batch's megabytes back to the kernel when the batch is freed (the top
    of the heap is trimmed beyond twice the last large block, and blocks above a moving threshold
    are mapped apart), so every batch's bytes are faulted in again page by page: 100,000 page faults
    and a third of -j's system time for a 512 MiB stream. Up to 32 MiB freed stays in the process."""
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):  # not glibc (musl, macOS): their allocators differ
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _KEEP)) and bool(mallopt(_M_TRIM_THRESHOLD, _KEEP))


def _serve(
    work: BatchWork, tasks: int, results: int, others: Sequence[int], lines: mmap.mmap, held: frozenset[int] | None,
) -> NoReturn:
    """A worker's life: search each batch sent (its lines in `lines`) until the end of the task
    pipe, then vanish."""
    status = 0
    try:
        for fd in others:  # the parent's ends and the other workers' pipes: their ends must end
            os.close(fd)
        _release_stops(held)  # inside the try: a SIGTERM or Ctrl-C from now on ends the worker here
        _away_from_standard_streams()
        while True:
            try:
                start, size = _read_message(tasks)
            except EOFError:
                break
            output, result = io.BytesIO(), io.BytesIO()
            at, length = _SLOT.unpack(size)
            work(start, lines[at : at + length], output, result)  # bytes: the searches read bytes, the core too
            _write_message(results, [output.getbuffer()], [result.getbuffer()])
    except BaseException:  # Ctrl-C included: a child must never return into the caller's code
        status = 2
    os._exit(status)


_STOPS: Final = frozenset({signal.SIGINT, signal.SIGTERM})


def _hold_stops() -> frozenset[int] | None:
    """Hold Ctrl-C and SIGTERM back while a child is forked: in the child they would be raised in
    the caller's code, between the fork and the child's own `try` (a worker stopped at that
    moment ran the parent's search on). Returns the signals held before (None: none can be held)."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return frozenset(signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS))


def _release_stops(held: frozenset[int] | None) -> None:
    """Let the held signals through again (those that came meanwhile are delivered now)."""
    if held is not None:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS - held)


def _away_from_standard_streams() -> None:
    """Let go of standard input and output: only the parent reads and writes them, and a reader
    of the output sees its end when the parent ends."""
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.close(devnull)


def _write_message(fd: int, first: Sequence[bytes | memoryview], second: Sequence[bytes | memoryview]) -> None:
    """Write a message of two parts, each given in pieces, whole: in one system call where the pipe
    has room (a write per piece woke the reader for each, 145 us apiece on a busy machine)."""
    lengths = _LENGTHS.pack(sum(len(p) for p in first), sum(len(p) for p in second))
    views = [memoryview(piece).cast("B") for piece in (lengths, *first, *second)]
    while views:
        written = os.writev(fd, views)
        while views and written >= len(views[0]):
            written -= len(views.pop(0))
        if views:
            views[0] = views[0][written:]


def _read_message(fd: int) -> tuple[bytes, bytes]:
    """Read a message's two parts; EOFError when the pipe ends before the message does (at its start: no more)."""
    first, second = _LENGTHS.unpack(_read_exactly(fd, _LENGTHS.size))
    return _read_exactly(fd, first), _read_exactly(fd, second)


def _read_exactly(fd: int, size: int) -> bytes:
    pieces: list[bytes] = []
    left = size
    while left:
        piece = os.read(fd, min(left, 1 << 20))
        if not piece:
            raise EOFError
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


def _widen(fd: int) -> None:
    """Let a pipe hold a megabyte of a batch at a time, not 64 KiB (Linux only; else it is only slower)."""
    with contextlib.suppress(ImportError, OSError, AttributeError):
        import fcntl

        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)


def readable(fd: int) -> bool:
    """Whether a read of `fd` would return at once."""
    import select

    return bool(select.select([fd], [], [], 0)[0])
