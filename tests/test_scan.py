"""The streaming scanner: same lines whatever the read sizes, bytes kept, numbers right."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.extract import Extractor
from kmserr.scan import LineScanner, scan_bytes, scan_stream

from .conftest import feed_in_pieces

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

EX = Extractor()

LOG = (
    b"2024-05-14T08:00:00.015Z INFO ok line\n"
    b'2024-05-14T08:00:00.016Z ERROR kms: "message": "(10630) key is not existed"\n'
    b"2024-05-14T08:00:00.017Z INFO processed batch (4821) items\n"
    b"bad bytes \xff\xfe then (10010)lacked of required parameters\r\n"
    b"\n"
    b"last line without newline (10650) key is disabled"
)


def reference(data: bytes) -> list[tuple[int, bytes]]:
    """Line by line, the obvious way: what the block scanner must agree with."""
    out = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if number == data.count(b"\n") + 1 and not line:
            break
        text = line.decode("utf-8", "surrogateescape").removesuffix("\r")
        if EX.find(text):
            out.append((number, line))
    return out


def test_whole_buffer() -> None:
    hits = scan_bytes(LOG, EX)
    assert [(h.line_number, h.line) for h in hits] == reference(LOG)
    assert [h.line_number for h in hits] == [2, 4, 6]
    assert hits[1].line == b"bad bytes \xff\xfe then (10010)lacked of required parameters\r"
    assert hits[1].findings[0].code == "10010"


def test_byte_span_counts_undecodable_bytes() -> None:
    hit = scan_bytes(LOG, EX)[1]
    start, end = hit.byte_span(hit.findings[0])
    assert hit.line[start:end] == b"10010"


@given(st.lists(st.integers(1, 64), min_size=1, max_size=50))
def test_any_read_sizes_give_the_same_lines(sizes: list[int]) -> None:
    hits = feed_in_pieces(LineScanner(EX), LOG, sizes)
    assert [(h.line_number, h.line) for h in hits] == reference(LOG)


def test_stream_from_a_pipe(tmp_path: object) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, LOG)
    os.close(write_end)
    batches = list(scan_stream(read_end, EX, block_size=7))
    os.close(read_end)
    assert [h.line_number for batch in batches for h in batch] == [2, 4, 6]


def test_empty_input() -> None:
    assert scan_bytes(b"", EX) == []
    assert scan_bytes(b"\n\n\n", EX) == []


TEAM_NAMES = ["PaymentFailure.CardDeclined"]
TEAM_LOG = b"ok\n2026-01-01 charge failed: PaymentFailure.CardDeclined\nok\n"


def test_an_extractor_with_team_names_finds_them_alone_in_a_scan(engine: str) -> None:
    # The engine used to be built from the bundled names only: it passed over the team's line.
    hits = scan_bytes(TEAM_LOG, Extractor(TEAM_NAMES))
    assert [f.code for hit in hits for f in hit.findings] == TEAM_NAMES
    assert [hit.line_number for hit in hits] == [2]


def test_a_streamed_scan_with_team_names_finds_them(engine: str) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, TEAM_LOG)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        hits = [hit for batch in scan_stream(stream, Extractor(TEAM_NAMES), block_size=7) for hit in batch]
    assert [f.code for hit in hits for f in hit.findings] == TEAM_NAMES


@given(st.binary(max_size=200))
def test_the_lines_above_a_node_line_read_as_grep_reads_them(data: bytes) -> None:
    """`_decode` skips its replace when there is no carriage return: the text is the same either way."""
    from kmserr.scan import _decode

    assert _decode(data) == data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")


def test_stream_reads_what_the_object_gives(tmp_path: Path) -> None:
    """scan_stream read the descriptor: after `f.readline()` it missed the lines the object had
    buffered, `gzip.open(...)` was scanned compressed (no hit) and `io.BytesIO` raised."""
    import bz2
    import gzip
    import io

    expected = [2, 4, 6]
    plain = tmp_path / "app.log"
    plain.write_bytes(LOG)
    with plain.open("rb") as f:
        first = f.readline()
        hits = [h for batch in scan_stream(f, EX, block_size=7) for h in batch]
    assert [h.line_number + 1 for h in hits] == expected and first.count(b"\n") == 1
    packed = tmp_path / "app.log.gz"
    packed.write_bytes(gzip.compress(LOG))
    # Each is opened by the `with` below; ruff cannot see that through the lambdas.
    openers: list[Callable[[], BinaryIO]] = [
        lambda: gzip.open(packed, "rb"),  # noqa: SIM115
        lambda: bz2.BZ2File(io.BytesIO(bz2.compress(LOG))),
        lambda: io.BytesIO(LOG),
        lambda: open(plain, "rb", buffering=0),  # noqa: SIM115
    ]
    for opener in openers:
        with opener() as f:
            assert [h.line_number for batch in scan_stream(f, EX, block_size=7) for h in batch] == expected


def test_stream_of_a_buffered_pipe_is_seen_at_once() -> None:
    """A buffered pipe gives what it holds at each read (read1): a live stream's line before the next arrives."""
    read_end, write_end = os.pipe()
    os.write(write_end, LOG)
    with os.fdopen(read_end, "rb") as stream:
        batches = scan_stream(stream, EX, block_size=1 << 20)
        assert [h.line_number for h in next(batches)] == [2, 4]  # not waiting for a full block or the end
        os.close(write_end)
        assert [h.line_number for batch in batches for h in batch] == [6]  # the last line, once it ends
