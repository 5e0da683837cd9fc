"""Faults and signals: files that fail, output that fails, signals; nothing lost, no traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kmserr import catalogue
from kmserr.catalogue import CatalogueError

from .conftest import Runner

KMSERR = [sys.executable, "-m", "kmserr"]
ERROR = b"2024-05-14T08:00:00Z ERROR (10630) key is not existed\n"


def test_unreadable_file_is_reported_and_the_others_searched(run: Runner, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(ERROR)
    secret = tmp_path / "secret.log"
    secret.write_bytes(ERROR)
    real_open = open

    def deny(path: object, *args: object, **kwargs: object) -> object:
        if str(path) == str(secret):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", deny)
    result = run("grep", "-c", str(secret), str(good))
    assert result.exit_code == 2
    assert result.stderr == f"kmserr: grep: {secret}: Permission denied\n"
    assert result.stdout == f"{good}:1\n"  # as GNU grep: no count for a file it could not read


def test_a_file_that_fails_while_read() -> None:
    # /proc/self/mem opens, then fails to read at offset 0 (EIO), for root as for anyone.
    result = subprocess.run([*KMSERR, "grep", "/proc/self/mem"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == "kmserr: grep: /proc/self/mem: Input/output error\n"


def test_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as out:
            out.write(b"ok\n" + ERROR)

    writer = threading.Thread(target=write)
    writer.start()
    result = subprocess.run([*KMSERR, "grep", "--no-annotate", str(fifo)], capture_output=True, timeout=60)
    writer.join()
    assert (result.returncode, result.stdout, result.stderr) == (0, ERROR, b"")


def test_dev_null(run: Runner) -> None:
    result = run("grep", "/dev/null")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")


def test_a_file_truncated_while_read(tmp_path: Path) -> None:
    log = tmp_path / "shrinking.log"
    log.write_bytes((b"x" * 99 + b"\n") * 2_000_000 + ERROR)  # 200 MB
    proc = subprocess.Popen([*KMSERR, "grep", str(log)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    os.truncate(log, 1000)
    _, errors = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1)
    assert errors == b""


def test_a_full_disk_is_one_line_and_status_2(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(ERROR * 50_000)
    for command in (["grep", str(log)], ["lookup", "10630"], ["list", "--format", "json"]):
        with open("/dev/full", "wb") as full:
            result = subprocess.run([*KMSERR, *command], stdout=full, stderr=subprocess.PIPE, text=True)
        assert (result.returncode, result.stderr) == (2, "kmserr: No space left on device\n"), command


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signals_end_quietly_with_their_status(sig: signal.Signals, status: int) -> None:
    proc = subprocess.Popen([*KMSERR, "grep"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(ERROR)
    proc.stdin.flush()
    first = proc.stdout.readline()  # it is running, and waiting for more input
    proc.send_signal(sig)
    _, errors = proc.communicate(timeout=30)
    assert first.startswith(ERROR.rstrip(b"\n"))
    assert proc.returncode == status
    assert b"Traceback" not in errors and errors.strip() == b""


def test_several_problems_are_each_reported(run: Runner, tmp_path: Path) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(ERROR)
    result = run("grep", "-c", str(tmp_path / "missing.log"), str(tmp_path), "/dev/null", str(good))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"kmserr: grep: {tmp_path / 'missing.log'}: No such file or directory",
        f"kmserr: grep: {tmp_path}: Is a directory",
    ]
    assert result.stdout.splitlines()[-1] == f"{good}:1"


# ---------------------------------------------------------------- catalogues


def problem(path: Path) -> str:
    with pytest.raises(CatalogueError) as raised:
        catalogue.load(path, known_categories={"server": "x"})
    message = str(raised.value)
    assert message.startswith(str(path)) and "\n" not in message
    return message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "defines no errors"),
        (b"# nothing but a comment\n", "defines no errors"),
        (b"\x00\x01\x02\xff\xfe binary", "not valid UTF-8"),
        (b"\x00\x01\x02 binary", "invalid TOML"),
        (b'[[errors]]\ncode = "A"\ncode = "B"\n', "invalid TOML"),  # a duplicate key
        (b'[[errors]]\ncode = 5\n', "field 'code': must be a string, not int"),
        (b'[[errors]]\ncode = "A.B"\nflavour = "x"\n', "field 'flavour': unknown field"),
    ],
)
def test_broken_catalogues_are_one_clear_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "team.toml"
    path.write_bytes(content)
    assert expected in problem(path)


def test_a_huge_catalogue_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    with open(path, "wb") as out:
        out.truncate(50 * 1000 * 1000)  # 50 MB, sparse: nothing is parsed
    assert "too large: 50.0 MB" in problem(path)


def test_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a.toml").symlink_to(tmp_path / "b.toml")
    (tmp_path / "b.toml").symlink_to(tmp_path / "a.toml")
    assert "Too many levels of symbolic links" in problem(tmp_path / "a.toml")


def test_a_catalogue_that_changes_while_loading(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    good = b'[[errors]]\ncode = "T.Good"\nproduct = "t"\ngeneration = "api3"\ndescription = "d"\n'
    good += b'category = "server"\nretry = "no"\naction = "a"\nsource = "s"\n'
    path.write_bytes(good)
    stop = threading.Event()

    def rewrite() -> None:
        while not stop.is_set():
            path.write_bytes(good[: len(good) // 2])
            path.write_bytes(good)

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        for _ in range(200):
            try:
                loaded = catalogue.load(path, known_categories={"server": "x"})
                assert [e.code for e in loaded.entries] == ["T.Good"]
            except CatalogueError:
                pass  # the half-written file: one clear error, never a traceback
    finally:
        stop.set()
        writer.join()


# ---------------------------------------------------------------- round two (issue 13)


def test_click_no_longer_refuses_the_command_for_one_unreadable_file(
    run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "good.log"
    good.write_bytes(ERROR)
    secret = tmp_path / "secret.log"
    secret.write_bytes(ERROR)
    real_access, real_open = os.access, open

    def deny_access(path: object, mode: int, **kwargs: object) -> bool:  # what Click's path check asks
        return False if str(path) == str(secret) else real_access(path, mode, **kwargs)  # type: ignore[arg-type]

    def deny_open(path: object, *args: object, **kwargs: object) -> object:
        if str(path) == str(secret):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "access", deny_access)
    monkeypatch.setattr("builtins.open", deny_open)
    result = run("grep", "-c", str(secret), str(good))
    assert (result.exit_code, result.stdout) == (2, f"{good}:1\n")
    assert result.stderr == f"kmserr: grep: {secret}: Permission denied\n"


def _without_root_s_reach() -> list[str]:
    """A command prefix under which a mode-000 file is unreadable: for root, who reads anything,
    run without the capabilities that let it (setpriv, of util-linux); for anyone else, nothing."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


def test_one_unreadable_file_among_a_thousand_a_real_process(tmp_path: Path) -> None:
    names = [tmp_path / f"app{n:04d}.log" for n in range(1000)]
    for path in names:
        path.write_bytes(b"ok\n" + ERROR)
    names[500].chmod(0)
    missing = tmp_path / "gone.log"
    result = subprocess.run(
        [*_without_root_s_reach(), *KMSERR, "grep", "-c", *map(str, names[:700]), str(missing), *map(str, names[700:])],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"kmserr: grep: {names[500]}: Permission denied",
        f"kmserr: grep: {missing}: No such file or directory",
    ]
    assert result.stdout.splitlines() == [f"{path}:1" for path in names if path != names[500]]


def _corrupt(data: bytes, at: int | None = None) -> bytes:
    """The archive with bytes of its compressed data changed (by default in the middle)."""
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes(b ^ 0x5A for b in data[at : at + 16]) + data[at + 16 :]


def _archives() -> dict[str, bytes]:
    import bz2
    import gzip
    import lzma
    import random

    noise = random.Random(13).randbytes(20_000).hex().encode()  # compresses, but not to nothing
    body = ERROR + (b"ok " + noise + b"\n") * 20 + ERROR  # an error before the damage, one after
    return {
        "corrupt.log.gz": _corrupt(gzip.compress(body)),  # the CRC at the end disagrees: BadGzipFile
        "damaged-deflate.log.gz": _corrupt(gzip.compress(body), 100),  # zlib.error, not an OSError
        "corrupt.log.xz": _corrupt(lzma.compress(body)),
        "not-xz.log.xz": b"this is plain text, not xz\n" + ERROR,
        "corrupt.log.bz2": _corrupt(bz2.compress(body)),
        "truncated.log.xz": lzma.compress(body)[:500],
    }


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("name", sorted(_archives()))
def test_a_corrupt_archive_is_one_line_and_the_next_files_are_searched(name: str, tmp_path: Path) -> None:
    bad = tmp_path / name
    bad.write_bytes(_archives()[name])
    first, last = tmp_path / "first.log", tmp_path / "last.log"
    first.write_bytes(ERROR)
    last.write_bytes(ERROR * 3)
    files = [str(first), str(bad), str(last)]
    count = subprocess.run([*KMSERR, "grep", "-c", *files], capture_output=True, text=True, timeout=120)
    assert count.returncode == 2
    errors = count.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith(f"kmserr: grep: {bad}: "), errors
    assert "internal error" not in count.stderr
    lines = count.stdout.splitlines()
    assert lines[0] == f"{first}:1" and lines[-1] == f"{last}:3"
    listed = subprocess.run([*KMSERR, "grep", "-l", *files], capture_output=True, text=True, timeout=120)
    names = listed.stdout.splitlines()
    assert names[0] == str(first) and names[-1] == str(last)
    # -l reads a file only up to its first match: an archive whose damage lies after it is listed.
    if str(bad) in names:
        assert (listed.returncode, listed.stderr) == (0, "")
    else:
        assert (listed.returncode, listed.stderr) == (2, count.stderr)
    summary = subprocess.run([*KMSERR, "grep", "--summary", *files], capture_output=True, text=True, timeout=120)
    assert summary.returncode == 2 and summary.stderr == count.stderr
    counted = int(summary.stdout.split("\t")[0])
    assert counted in (4, 5)  # first's and last's, and the archive's first error when read before it failed


def test_standard_input_closed() -> None:
    for command in (["parse"], ["parse", "-"], ["grep"]):
        result = subprocess.run([*KMSERR, *command], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                preexec_fn=lambda: os.close(0))
        assert result.returncode == 2, command
        assert result.stderr.count("\n") == 1 and "standard input is closed" in result.stderr, command
        assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_standard_output_closed(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(ERROR)
    quiet = tmp_path / "quiet.log"
    quiet.write_bytes(b"nothing here\n")
    for command, status in ((["grep", str(log)], 2), (["lookup", "10630"], 2), (["list", "--format", "json"], 2),
                            (["grep", str(quiet)], 1), (["--help"], 2)):
        result = subprocess.run([*KMSERR, *command], capture_output=False, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: os.close(1))
        assert result.returncode == status, command
        expected = "kmserr: standard output is closed\n" if status == 2 else ""
        assert result.stderr == expected, command


# The console script's own lines (`from kmserr.__main__ import main; sys.exit(main())`), with a
# Ctrl-C sent to the process at the Nth import that kmserr's start-up does: any moment from the
# entry on, without timing. (Before the entry runs, the interpreter's own start-up is Python's.)
_SIGINT_AT_IMPORT = """
import builtins, os, signal, sys
at, seen = int(sys.argv[1]), 0
from kmserr.__main__ import main
real = builtins.__import__
def interrupting(*args, **kwargs):
    global seen
    seen += 1
    if seen == at:
        os.kill(os.getpid(), signal.SIGINT)
    return real(*args, **kwargs)
builtins.__import__ = interrupting
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.slow  # a real process interrupted at each of 35 moments
def test_interrupted_at_any_moment_of_start_up_ends_with_130_and_no_output(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(ERROR)
    command = [sys.executable, "-c", _SIGINT_AT_IMPORT]
    whole = subprocess.run([*command, "0", "grep", "--summary", str(log)], capture_output=True, timeout=60)
    assert (whole.returncode, whole.stderr) == (0, b"")
    interrupted = 0
    for at in (1, 2, 3, 5, 8, *range(13, 800, 23)):  # a run makes about 600 imports
        result = subprocess.run([*command, str(at), "grep", "--summary", str(log)], capture_output=True, timeout=60)
        if result.returncode == 0:  # the Nth import came after the run: nothing was interrupted
            assert result.stdout.startswith(b"1\t10630\t") and result.stderr == b""
            continue
        interrupted += 1
        assert (result.returncode, result.stdout, result.stderr) == (130, b"", b""), at
    assert interrupted >= 10


# The console script's lines again, with a signal sent while Python tears the process down: after
# the command returned, in an atexit callback (as in threading's shutdown or a last flush).
_SIGNAL_AT_EXIT = """
import atexit, os, signal, sys
from kmserr.__main__ import main
def late():
    os.kill(os.getpid(), int(sys.argv[1]))
    sum(range(1000))  # Python code after the signal: its handler runs here
atexit.register(late)
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, -signal.SIGTERM)], ids=["SIGINT", "SIGTERM"])
def test_a_signal_while_the_process_ends_prints_no_traceback(sig: int, status: int) -> None:
    """Once the command is done its raising handlers give way to the quiet ones: the output is
    whole, standard error empty, the status 130 (Ctrl-C) or death by SIGTERM, as a shell expects."""
    result = subprocess.run([sys.executable, "-c", _SIGNAL_AT_EXIT, str(int(sig)), "lookup", "10630", "--format", "plain"],
                            capture_output=True, timeout=60)
    assert (result.returncode, result.stderr) == (status, b"")
    assert result.stdout.startswith(b"10630\t4530\t") and result.stdout.endswith(b"\n")


@pytest.mark.parametrize("entry", [KMSERR, [str(Path(sys.executable).parent / "kmserr")]], ids=["python -m", "script"])
def test_standard_input_a_folder_stops_python_before_kmserr_runs(tmp_path: Path, entry: list[str]) -> None:
    """Pinned as it is, not as we want it (one line, status 2): CPython checks that standard input is
    no folder while it sets up sys.stdin (Python/pylifecycle.c, init_sys_streams), before `site`
    reads any .pth file, so no code of kmserr, nor any file an installer writes, runs first. The
    day a Python lets a program answer, this fails, and kmserr should say it itself
    (SECURITY.md, docs/commands.md)."""
    folder = os.open(tmp_path, os.O_RDONLY)
    try:
        result = subprocess.run([*entry, "grep"], stdin=folder, capture_output=True, timeout=60)
    finally:
        os.close(folder)
    assert (result.returncode, result.stdout) == (1, b"")
    assert b"Fatal Python error: init_sys_streams: <stdin> is a directory, cannot continue" in result.stderr
    assert b"kmserr" not in result.stderr  # not a line of kmserr's code ran


def test_the_command_s_entry_imports_nothing_before_ctrl_c_is_handled() -> None:
    """Before `main` sets the quiet handler, a Ctrl-C is Python's KeyboardInterrupt and its traceback:
    kmserr's part of that window is importing `kmserr` and `kmserr.__main__`, and it loads no other
    module (not even `__future__`, which `from __future__ import annotations` reads from disk)."""
    import kmserr

    probe = ("import os, sys; before = set(sys.modules); import kmserr.__main__; "
             "print(' '.join(sorted(set(sys.modules) - before)))")
    root = str(Path(kmserr.__file__).parent.parent)
    # -S: without site, whose own imports (os, and what .pth files import) would hide the entry's.
    result = subprocess.run([sys.executable, "-S", "-c", probe], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": root}, timeout=60)
    assert result.stdout.split() == ["kmserr", "kmserr.__main__"]


def test_interrupted_prints_not_even_an_empty_line() -> None:
    proc = subprocess.Popen([*KMSERR, "grep"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(ERROR)
    proc.stdin.flush()
    proc.stdout.readline()  # running, and waiting for more input
    proc.send_signal(signal.SIGINT)
    _, errors = proc.communicate(timeout=30)
    assert (proc.returncode, errors) == (130, b"")


@pytest.mark.parametrize(("command", "status"), [
    (["list"], 0),
    (["list", "--format", "json"], 0),
    (["list", "--format", "table"], 0),
    (["lookup", "10630"], 0),
    (["lookup", "10630", "10631"], 1),  # one code not found: a closed pipe does not change that
    (["parse", "(10630) key is not existed"], 0),
    (["--help"], 0),
    (["lookup", "--help"], 0),
    (["completion", "bash"], 0),
    (["check", "{catalogue}"], 2),  # its problems are the output; the status still says there were some
    (["grep", "{log}"], 0),
    (["grep", "-c", "{quiet}"], 1),
    (["grep", "--summary", "{log}"], 0),
    (["grep", "--summary", "--format", "table", "{log}"], 0),
    (["grep", "-l", "{log}", "{quiet}"], 0),
    (["grep", "--json", "{log}"], 0),
    (["parse", "--format", "table", "(10630) key is not existed"], 0),
    (["parse", "--format", "json", "(10630) key is not existed"], 0),
    (["lookup", "10630", "--format", "table"], 0),
    (["--version"], 0),
])
def test_a_reader_that_goes_away_leaves_the_status_of_what_was_found(
    command: list[str], status: int, tmp_path: Path
) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(ERROR * 3)
    quiet = tmp_path / "quiet.log"
    quiet.write_bytes(b"nothing\n")
    catalogue = tmp_path / "team.toml"
    catalogue.write_text('[[errors]]\ncode = "Team.Error"\n')  # fields missing
    args = [a.format(log=log, quiet=quiet, catalogue=catalogue) for a in command]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: every write fails (EPIPE)
    try:
        proc = subprocess.run([*KMSERR, *args], stdout=write_end, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == status, args
    notes = proc.stderr.decode().splitlines()
    expected = ["kmserr: no entry for '10631'; did you mean 10630?"] if "10631" in args else []
    assert notes == expected, args


def test_shell_completion_into_a_closed_pipe() -> None:
    env = {**os.environ, "_KMSERR_COMPLETE": "bash_complete", "COMP_WORDS": "kmserr lookup 10", "COMP_CWORD": "2"}
    shown = subprocess.run(KMSERR, capture_output=True, env=env, timeout=60)
    assert (shown.returncode, shown.stderr) == (0, b"") and shown.stdout.startswith(b"plain,100")
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        closed = subprocess.run(KMSERR, stdout=write_end, stderr=subprocess.PIPE, env=env, timeout=60)
    finally:
        os.close(write_end)
    assert (closed.returncode, closed.stderr) == (0, b"")


def test_a_full_standard_error_loses_the_message_not_the_run(tmp_path: Path) -> None:
    """`2>/dev/full`: the note about the missing file cannot be written; the other file is still
    searched and printed, and the status still says that something went wrong."""
    good = tmp_path / "good.log"
    good.write_bytes(ERROR)
    with open("/dev/full", "wb") as full:
        result = subprocess.run([*KMSERR, "grep", str(tmp_path / "missing.log"), str(good)],
                                stdout=subprocess.PIPE, stderr=full, timeout=60)
    assert result.returncode == 2
    assert result.stdout.startswith(str(good).encode() + b":" + ERROR.rstrip(b"\n"))
