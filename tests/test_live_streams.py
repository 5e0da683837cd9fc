"""A live stream (`tail -f app.log | kmserr grep`) gives the findings the whole file gives: a
logger writes a pretty-printed object or a stack in pieces, a shipper forwards what it read, and a
read of the pipe ends inside the object. grep holds the lines that the lines not read yet may
complete, a moment (search.LINGER), and shows the finding once they came, or once the writer
paused: never only at the end of the input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import cast

import pytest

from kmserr import scan

CAPTURES = Path(__file__).parent / "data" / "captures"
GREP = [sys.executable, "-m", "kmserr", "grep", "--json"]

# Each a class that a stream in pieces broke: the code's message and request ID below it lost
# (winston's prettyPrint, pino-pretty, JSON.stringify, in CRI and Docker records too), a legacy
# message above its code told as an error of its own (JSON.stringify's own names, pino-pretty's
# object), bunyan's `err.code=` without the message on the stack's line below, winston's printf of
# a stack whose last frame holds the code.
NAMES = [
    "winston-3.19.0-pretty-print-meta.txt",
    "pino-10.4.0-pino-pretty-13.2.0-obj.txt",
    "node-v20.20.2-json-stringify-own-names.txt",
    "bunyan-2.0.5-cli.txt",
    "winston-3.19.0-printf-stack.txt",
    "kubernetes-cri-winston-3.19.0-pretty-print-meta.txt",
    "docker-json-file-pino-10.4.0-pino-pretty-13.2.0-err.txt",
]


def _records(out: bytes) -> list[dict[str, object]]:
    found = [json.loads(line) for line in out.splitlines()]
    for record in found:
        record.pop("file")
    return found


READY = b"2024-05-14T08:00:00Z ERROR (10630) key is not existed\n"  # grep is reading once its finding is shown


def _streamed(data: bytes, pieces: list[bytes], pause: float, jobs: str = "-j1") -> list[dict[str, object]]:
    """What grep reads from a pipe written a piece at a time, `pause` seconds apart, once it runs
    (READY's finding shown; left out, and the line numbers after it told as without it)."""
    assert b"".join(pieces) == data
    proc = subprocess.Popen([*GREP, jobs], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(os.environ))
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(READY)
    proc.stdin.flush()
    ready = proc.stdout.readline()
    for piece in pieces:
        proc.stdin.write(piece)
        proc.stdin.flush()
        time.sleep(pause)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    found = _records(ready + out)
    assert found[0]["line_number"] == 1
    for record in found[1:]:
        record["line_number"] = cast(int, record["line_number"]) - 1
    return found[1:]


@pytest.mark.parametrize("name", NAMES)
def test_a_stream_written_a_line_at_a_time_gives_the_files_findings(core: str, name: str) -> None:
    path = CAPTURES / name
    data = path.read_bytes()
    whole = _records(subprocess.run([*GREP, str(path)], capture_output=True, check=True, env=dict(os.environ)).stdout)
    assert whole
    assert _streamed(data, data.splitlines(keepends=True), 0.02) == whole


@pytest.mark.parametrize("jobs", ["-j1", "-j2"])  # -j2: standard input in batches (search._Batches)
def test_a_stream_cut_inside_its_lines_gives_the_files_findings(core: str, jobs: str) -> None:
    path = CAPTURES / "pino-10.4.0-pino-pretty-13.2.0-err.txt"
    data = path.read_bytes()
    whole = _records(subprocess.run([*GREP, str(path)], capture_output=True, check=True, env=dict(os.environ)).stdout)
    pieces = [data[at : at + 37] for at in range(0, len(data), 37)]
    assert _streamed(data, pieces, 0.01, jobs) == whole


@pytest.mark.parametrize("cut", [1, 60, 130, 200])
def test_a_rich_message_cut_by_a_read_keeps_its_request_id(core: str, cut: int) -> None:
    # RichHandler's message wrapped at its column over three lines, a read ending in the first two:
    # the error was reported on the second without its request ID, and not on the third.
    lines = (CAPTURES / "rich-15.0.0-handler-message-120.txt").read_bytes().splitlines(keepends=True)
    data = b"".join(lines[:5])
    assert cut < len(lines[0]) + len(lines[1])
    whole = _records(subprocess.run([*GREP, "-"], input=data, capture_output=True, check=True, env=dict(os.environ)).stdout)
    assert [m["request_id"] for record in whole for m in record["matches"]] == ["7c0e4b1a-7f39-4a4b-9e0a-3b8a1c2d4e00"]
    assert _streamed(data, [data[:cut], data[cut:]], 0.15) == whole


def test_a_held_object_is_shown_while_the_writer_pauses(core: str) -> None:
    # The object's last lines written, the pipe left open: the finding comes before the end of the input.
    # The object of winston's prettyPrint() to its request ID, not yet closed: held, then let go.
    obj = b"".join((CAPTURES / "winston-3.19.0-pretty-print-meta.txt").read_bytes().splitlines(keepends=True)[:5])
    with subprocess.Popen([*GREP, "-j1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(os.environ)) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        stdin = proc.stdin
        stdin.write(b"2024-05-14T08:00:00Z ERROR (10630) key is not existed\n")  # grep is reading once it is shown
        stdin.flush()
        assert json.loads(proc.stdout.readline())["matches"][0]["code"] == "10630"
        for line in obj.splitlines(keepends=True):  # a line at a time, as a logger in pieces
            stdin.write(line)
            stdin.flush()
            time.sleep(0.02)
        got, closed = threading.Event(), threading.Event()

        def close_late() -> None:  # only if grep waited for the end of the input
            if not got.wait(60):
                closed.set()
                stdin.close()

        closer = threading.Thread(target=close_late)
        closer.start()
        first = proc.stdout.readline()
        got.set()
        closer.join()
        assert not closed.is_set()
        stdin.close()
        rest = proc.stdout.read()
        assert proc.wait(timeout=60) == 0
    record = json.loads(first)["matches"][0]
    assert (record["code"], record["message"], record["request_id"]) == (
        "ResourceUnavailable.CmkDisabled", "CMK is disabled.", "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c")
    assert rest == b""


@pytest.mark.parametrize(("text", "now"), [
    ("a\n{\n  error: {\n    code: 'InvalidParameter',\n", "a\n"),  # its message and request ID to come
    ("{\n  error: {\n    message: '(10630) key is not existed',\n", ""),  # its code to come
    ("[t] ERROR: app/1 on vm: failed (err.code=InvalidParameter)\n", ""),  # bunyan: its stack to come
    ("log\n{\n  error: {\n    code: 'InvalidParameter',\n    message: 'm',\n  },\n", None),  # closed
    ("a [TencentCloudSDKException] code:InvalidParameter message:m requestId:r\n", None),  # one line
    ('k: "message": "(10630) key is not existed" seq=1\n', None),  # one line
    ("  File \"a.py\", line 1, in f\n    raise TencentCloudSDKException(code, msg)\n", None),  # no mark
    # RichHandler's message wrapped at its column: the line with its request ID to come.
    ("[12/05/26 13:01:57] ERROR    Decrypt failed: [TencentCloudSDKException]   a.py:15\n"
     "                             code:ResourceUnavailable.CmkDisabled message:CMK is disabled.\n", ""),
    ("x\n[12/05/26 13:01:57] ERROR    Decrypt failed: [TencentCloudSDKException]   a.py:15\n", "x\n"),
    ("    e = TencentCloudSDKException('InvalidParameter', 'm', 'r')\n", None),  # its repr: one line
    ("2024-05-14T08:00:00.1Z stderr F a\n2024-05-14T08:00:00.1Z stderr F {\n"
     "2024-05-14T08:00:00.2Z stderr F   code: 'InvalidParameter',\n", "2024-05-14T08:00:00.1Z stderr F a\n"),
])
def test_what_a_read_that_ends_inside_an_object_holds(text: str, now: str | None) -> None:
    # `now`: what is searched at once, the rest held for the lines to come (None: all of it now).
    data = text.encode()
    assert data[: scan.open_start(data, 0, len(data))] == (data if now is None else now.encode())
