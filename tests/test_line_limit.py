"""Lines longer than LINE_LIMIT: searched in their first LINE_LIMIT bytes, never held whole, said once.

The limit and the read size are made small here, so that a few hundred bytes stand for lines of
hundreds of MiB; what is checked is what is held and what is said, not the process's memory.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from kmserr import scan, search
from kmserr.matcher import matcher_for
from kmserr.registry import default_registry
from kmserr.scan import LineScanner
from kmserr.search import Search

from .conftest import Runner, feed_in_pieces

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

LIMIT = 256
BLOCK = 64


@pytest.fixture(autouse=True)
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan, "LINE_LIMIT", LIMIT, raising=False)  # absent: a test shows it
    monkeypatch.setattr(search, "BLOCK_SIZE", BLOCK)


def long_line(size: int, head: bytes = b"(10630) key is not existed ", tail: bytes = b" (10650) key is disabled") -> bytes:
    return head + b"x" * (size - len(head) - len(tail)) + tail


def test_a_line_beyond_the_limit_is_cut_and_said_once(run: Runner, tmp_path: Path) -> None:
    first = long_line(1000)
    log = tmp_path / "big.log"
    log.write_bytes(b"ok\n" + first + b"\n" + long_line(700) + b"\n(10010)lacked of required parameters\n")
    result = run("grep", "-n", "--no-annotate", str(log))
    # The first LIMIT bytes of each long line are searched and printed; the code beyond them is not
    # seen; the line numbers after them stay right.
    assert result.stdout_bytes.split(b"\n") == [
        b"2:" + first[:LIMIT], b"3:" + long_line(700)[:LIMIT], b"4:(10010)lacked of required parameters", b"",
    ]
    assert result.stderr == (
        f"kmserr: grep: {log}: line 2 is longer than {LIMIT} bytes: "
        f"only the first {LIMIT} bytes of such lines are searched\n"
    )
    assert result.exit_code == 2  # what was not searched may hold errors: "not found" would be a guess


def test_without_line_numbers_the_note_gives_the_byte_where_the_line_starts(run: Runner) -> None:
    data = b"ok\n" + long_line(1000)  # the last line, without its newline
    result = run("grep", "-c", input=data)
    assert result.stdout == "1\n"
    assert result.stderr.startswith("kmserr: grep: -: the line at byte 3 is longer than 256 bytes")
    assert result.exit_code == 2


def test_a_line_within_the_limit_is_whole_and_says_nothing(run: Runner) -> None:
    line = long_line(LIMIT)
    result = run("grep", "--no-annotate", input=line + b"\n" + b"y" * 100 + b"\n")
    assert (result.exit_code, result.stdout_bytes, result.stderr) == (0, line + b"\n", "")


def test_the_carried_line_is_held_up_to_the_limit_only() -> None:
    from kmserr.scan import Carry

    carry = Carry()
    for _ in range(100):
        carry.add(b"z" * 100)
        assert sum(len(p) for p in carry._pieces) <= LIMIT
    line, cut = carry.take(b"tail")
    assert (line, cut) == (b"z" * LIMIT, True)
    assert carry.take(b"next") == (b"next", False)  # the next line starts afresh


def test_the_library_scanner_cuts_too() -> None:
    scanner = LineScanner(matcher_for(default_registry()))
    data = long_line(1000) + b"\n(10010)lacked of required parameters\n"
    hits = feed_in_pieces(scanner, data, [50])
    assert [(h.line_number, h.line) for h in hits] == [
        (1, long_line(1000)[:LIMIT]), (2, b"(10010)lacked of required parameters"),
    ]
    assert [f.code for f in hits[0].findings] == ["10630"]
    assert scanner.cut_line == 1


def test_a_carried_line_is_given_without_its_newline_so_its_hit_shares_its_bytes() -> None:
    run = Search(default_registry(), None, lambda path, problem: None)
    scanner = LineScanner(run.matcher, run.engine)
    line = long_line(200)
    blocks = list(run._blocks(io.BytesIO(b"ok\n" + line + b"\nafter\n"), "x", scanner))
    held = next(buf for buf, start, end in blocks if buf == line)  # joined once, no newline to cut off
    [(_, hit)] = scanner.scan_lines(held, 0, len(held))
    assert hit.line is held


def test_context_before_a_match_takes_a_carried_line(run: Runner) -> None:
    line = b"y" * 200
    result = run("grep", "-B1", "--no-annotate", input=b"ok\n" + line + b"\n(10010)lacked of required parameters\n")
    assert result.stdout_bytes == line + b"\n(10010)lacked of required parameters\n"


class _Endless:
    """A stream without a newline that never ends, as /dev/zero: reading stops the test after a while."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, size: int) -> bytes:
        self.reads += 1
        if self.reads > 50:
            raise _Stop
        return b"\0" * size


class _Stop(Exception):
    pass


def test_a_line_that_never_ends_is_said_to_be_cut_at_once() -> None:
    notes: list[str] = []
    run = Search(default_registry(), None, lambda path, problem: notes.append(problem))
    scanner = LineScanner(run.matcher, run.engine)
    with pytest.raises(_Stop):
        list(run._blocks(_Endless(), "/dev/zero", scanner))  # type: ignore[arg-type]
    assert notes == [f"line 1 is longer than {LIMIT} bytes: only the first {LIMIT} bytes of such lines are searched"]


@pytest.mark.parametrize("line", [
    b'ok "message":"(10630) key is not existed" ' + "é\u2028\x1b".encode() * 40 + b"z" * 50,
    b'bad \xe6\x97 \xff (10010)lacked of required parameters ' + b"\xe6\x97\xa5\xe6" * 60 + b"\r",
])
def test_json_writes_a_long_line_in_pieces_with_the_same_bytes(monkeypatch: pytest.MonkeyPatch, line: bytes) -> None:
    from kmserr.render import Style
    from kmserr.render import json as json_printer

    [hit] = LineScanner(matcher_for(default_registry())).feed(line + b"\n")
    items = Search(default_registry(), None, lambda path, problem: None)._explain(hit)
    whole = json_printer.matched_line(hit, items, "app.log", Style())
    monkeypatch.setattr(json_printer, "PIECE", 7)
    pieces = list(json_printer.matched_pieces(hit, items, "app.log", Style()))
    assert b"".join(pieces) == whole
    assert max(len(p) for p in pieces[1:-2]) <= 7 * 6 + 16  # each piece of the line: PIECE characters escaped


def test_byte_spans_of_a_long_line_are_counted_in_pieces() -> None:
    line = "é".encode() * (1 << 20) + b"\xff (10630) key is not existed"
    [hit] = LineScanner(matcher_for(default_registry())).feed(line + b"\r\n")
    start, end = hit.byte_span(hit.findings[0])
    assert line[start:end] == b"10630" and start == line.index(b"10630")


def test_the_terminal_printer_writes_a_long_line_in_pieces_with_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    from kmserr.render import Style, lines

    line = b'\x1b[2J "message":"(10630) key is not existed" \xff\xfe ' + "é\u202e".encode() * 40 + b" (10650) key is disabled"
    [hit] = LineScanner(matcher_for(default_registry())).feed(line + b"\n")
    items = Search(default_registry(), None, lambda path, problem: None)._explain(hit)

    def written() -> list[bytes]:
        out = io.BytesIO()
        writes: list[bytes] = []
        monkeypatch.setattr(out, "write", writes.append)
        printer = lines.LinePrinter(out, "table", Style(color=True), with_filename=True, line_numbers=True)
        printer.matched(hit, items, "a.log")
        printer.flush()
        return writes

    [whole] = written()
    monkeypatch.setattr(lines, "_PIECE", 9)
    pieces = written()
    assert b"".join(pieces) == whole and len(pieces) > 10


def test_a_whole_buffer_given_at_once_is_never_cut() -> None:
    from kmserr.scan import scan_bytes

    line = long_line(1000)  # without its newline: the scanner carries it until the end
    assert [f.code for hit in scan_bytes(line) for f in hit.findings] == ["10630", "10650"]
