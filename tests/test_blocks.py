"""The block API: ranges cut anywhere add up to the whole; Summary and Timeline merge in any order."""

from __future__ import annotations

import io
import itertools
import json
import pickle
import random
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kmserr
from kmserr.blocks import Block, Summary, Timeline, renumber, scan_block, scan_range, scan_whole
from kmserr.matcher import Matcher, matcher_for
from kmserr.registry import default_registry
from kmserr.teams import load_registry

from .conftest import Runner
from .test_team_catalogues import TEAM

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
RID = "7c0e4b1a-7f39-4a4b-9e0a-3b8a1c2d4e5f"


def node_error(n: int) -> bytes:
    """Node's inspected SDK error: its code line is explained by the message and request ID above it."""
    return (f"2024-05-14T08:{n % 60:02}:00Z error in job {n}\n"
            f"TencentCloudSDKHttpException [Error]: The CMK {n} is disabled.\n"
            "    at Client.parseResponse (x.js:1:1) {\n"
            f"  requestId: '{RID}',\n"
            "  code: 'ResourceUnavailable.CmkDisabled'\n}\n").encode()


LINES = [
    b"2024-05-14 08:00:01 INFO started",
    b"2024-05-14 08:00:02 ERROR (10630) key is not existed",
    b"2024-05-14 08:03:02 ERROR [TencentCloudSDKException]code:AuthFailure.SignatureExpire message:expired requestId:x",
    b"no time here: (10650) key is disabled",
    b"2024-05-14 09:00:00 WARN RequestLimitExceeded: too many requests",
    b"2024-05-14 08:59:59 ERROR (10630) key is not existed; InternalError too",
    b'2024-05-14T08:00:00.123456789Z stderr F (10630) key is not existed',
    b"2024-05-15 00:00:00 ERROR code: 'ResourceUnavailable.CmkDisabled'",
    b"plain line \xff\xfe not utf-8",
]
LOG = b"".join(node_error(n) + random.Random(n).choice(LINES) + (b"\r\n" if n % 3 else b"\n") for n in range(40))
LOG += b"2024-05-16 10:00:00 ERROR (10630) key is not existed"  # no final newline


def whole(data: bytes) -> list[kmserr.Hit]:
    return kmserr.scan_bytes(data)


def in_ranges(path: Path, cuts: list[int]) -> tuple[list[kmserr.Hit], int]:
    size = path.stat().st_size
    bounds = [0, *sorted(c % (size + 1) for c in cuts), size]
    hits: list[kmserr.Hit] = []
    lines = 0
    with path.open("rb") as file:
        for start, end in itertools.pairwise(bounds):
            block = scan_range(file, start, end, lines_before=lines)
            hits += block.hits
            lines += block.lines
    return hits, lines


@pytest.fixture(scope="module")
def log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log in a file, written once per module: Hypothesis reuses no function fixtures, and
    pytest's own temporary folders are removed after a few runs, where a `mkdtemp` stayed."""
    path = tmp_path_factory.mktemp("blocks") / "log"
    path.write_bytes(LOG)
    return path


@given(st.lists(st.integers(min_value=0, max_value=len(LOG)), max_size=12))
def test_ranges_cut_anywhere_add_up_to_the_whole(log_path: Path, cuts: list[int]) -> None:
    hits, lines = in_ranges(log_path, cuts)
    assert hits == whole(LOG)
    assert lines == LOG.count(b"\n") + 1
    assert any(f.message == "The CMK 7 is disabled." for h in hits for f in h.findings)


def _chain_log() -> bytes:
    """Ordinary lines, a line in conmon's CRI records of 8 KiB whose legacy message runs from the
    first record into the second, and ordinary lines."""
    words = " ".join(random.Random(5).choice(["lorem", "ipsum", "x=1"]) for _ in range(3000))
    line = words[:7000] + " (10630) key is not existed " + words[:2000] + " MARKER " + words[:9000]
    records = [line[at : at + 8192] for at in range(0, len(line), 8192)]
    cri = [f"2024-05-14T08:00:00.123456789Z stderr {'F' if i == len(records) - 1 else 'P'} {r}"
           for i, r in enumerate(records)]
    return ("ordinary\n" * 50 + "\n".join(cri) + "\n" + "ordinary\n" * 50).encode()


@pytest.mark.parametrize("cut", [0, 1, 2])  # in the first record, the second, the third
def test_a_range_cut_in_a_chain_of_cut_records_leaves_it_whole(tmp_path: Path, cut: int) -> None:
    """A range's cut inside a line cut in records (`grep -j`'s parts, Dask's partitions) hid the
    records below it from the one above (its legacy message ended at the record's end) and read
    the records below it without those above: the chain is left whole to the range it starts in."""
    data = _chain_log()
    path = tmp_path / "chain.log"
    path.write_bytes(data)
    at = data.index(b" stderr ") + cut * 8233 + 100
    hits, lines = in_ranges(path, [at])
    assert hits == whole(data) and lines == data.count(b"\n")
    assert [(f.code, "MARKER" in (f.message or "")) for h in hits for f in h.findings] == [("10630", True)]


@pytest.mark.parametrize("line", [0, 1, 2])  # the cut in rich's head, in its code's line, in its request ID's
def test_a_range_cut_in_richs_wrapped_text_leaves_it_whole(tmp_path: Path, line: int) -> None:
    """rich's exception line wrapped over three lines, a range cut inside it: the range above read
    it to its cut, whose last line it took for its end (an error without its request ID), and the
    range below read the rest again. The wrapped text is left whole to the range it starts in."""
    wrapped = ["TencentCloudSDKException: [TencentCloudSDKException] ",
               "code:InvalidParameter message:the value is bad ", "requestId:7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c"]
    data = ("ordinary\n" * 50 + "\n".join(wrapped) + "\n" + "ordinary\n" * 50).encode()
    path = tmp_path / "rich.log"
    path.write_bytes(data)
    at = data.index(wrapped[line].encode()) + 3
    hits, lines = in_ranges(path, [at])
    assert hits == whole(data) and lines == data.count(b"\n")
    assert [(f.code, f.request_id) for h in hits for f in h.findings] == [("InvalidParameter", wrapped[2][10:])]


def test_a_range_without_its_lines_above_loses_the_node_message() -> None:
    error = node_error(3)
    code_line = error.index(b"  code:")
    cold = scan_block(error[code_line:])
    warm = scan_block(error[code_line:], above=error[:code_line], lines_before=4)
    assert [f.message for h in cold.hits for f in h.findings] == [None]
    assert [f.message for h in warm.hits for f in h.findings] == ["The CMK 3 is disabled."]
    assert [h.line_number for h in warm.hits] == [5]
    assert (warm.lines, warm.start, warm.end) == (2, 0, len(error) - code_line)


def test_a_range_starts_at_the_first_line_that_starts_in_it(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"ab\ncd\nef")
    assert scan_range(path, 0, 1)[1:] == (1, 0, 3)
    assert scan_range(path, 1, 4)[1:] == (1, 3, 6)  # "cd" starts at 3
    assert scan_range(path, 3, 3)[1:] == (0, 3, 3)
    assert scan_range(path, 4, 8)[1:] == (1, 6, 8)  # the last line, without its newline
    assert scan_range(path, 7, 8)[1:] == (0, 8, 8)


class _Trickle(io.BytesIO):
    """A file whose reads return at most 100 bytes, as a raw file or a socket may."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(100 if size is None or size < 0 else min(size, 100))


def test_a_range_is_read_whole_from_a_file_whose_reads_return_less() -> None:
    block = scan_range(_Trickle(LOG), 0, len(LOG) // 2)
    assert block.hits == [h for h in whole(LOG) if h.line_number <= block.lines]
    assert block.end > len(LOG) // 2


def test_scan_whole_reads_a_stream_as_one_block() -> None:
    block = scan_whole(io.BytesIO(LOG))
    assert block == Block(whole(LOG), LOG.count(b"\n") + 1, 0, len(LOG))


def test_renumber_moves_line_numbers_on() -> None:
    block = scan_block(LOG)
    assert [h.line_number for h in renumber(block, 10).hits] == [h.line_number + 10 for h in block.hits]


def test_json_line_is_what_grep_json_prints(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(LOG)
    printed = run("grep", "--json", str(path)).stdout_bytes.splitlines(keepends=True)
    hits = whole(LOG)
    assert [kmserr.json_line(h, str(path)) for h in hits] == printed
    assert kmserr.json_records(hits, str(path)) == [json.loads(line) for line in printed]
    assert kmserr.json_record(hits[0], str(path)) == json.loads(printed[0])


def test_json_record_in_chinese() -> None:
    registry = default_registry()
    hit = whole(b"(10630) key is not existed\n")[0]
    record = kmserr.json_record(hit, "x", registry=registry, lang="zh")
    assert record["matches"][0]["description"] == registry.lookup("10630").entries[0].description_zh


def test_summary_and_timeline_are_grep_s(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(LOG)
    hits = whole(LOG)
    summary = json.loads(run("grep", "--summary", "--format", "json", str(path)).stdout)
    assert Summary.of(hits).records() == summary
    for bucket in (["--bucket", "1m"], []):
        printed = run("grep", "--timeline", *bucket, "--format", "json", str(path)).stdout
        made = Timeline.of(hits, bucket[1] if bucket else None)
        assert made.records() == [json.loads(line) for line in printed.splitlines()]


def _pieces(draw_cuts: list[int], hits: list[kmserr.Hit]) -> list[list[kmserr.Hit]]:
    bounds = [0, *sorted(c % (len(hits) + 1) for c in draw_cuts), len(hits)]
    return [hits[a:b] for a, b in itertools.pairwise(bounds)]


def _merge_in(order: list[int], parts: list[object]) -> object:
    """Merge parts in a shuffled order, pairwise from a shuffled list, as a scheduler might."""
    pending = [parts[i] for i in order]
    while len(pending) > 1:
        first, second = pending.pop(), pending.pop()
        first.merge(second)  # type: ignore[attr-defined]
        pending.insert(0, first)
    return pending[0]


@given(st.lists(st.integers(min_value=0), max_size=8), st.randoms(use_true_random=False))
def test_summary_merges_in_any_order(cuts: list[int], rng: random.Random) -> None:
    hits = whole(LOG)
    one = Summary.of(hits, now=NOW).records()
    pieces = _pieces(cuts, hits)
    parts: list[object] = []
    for index, piece in enumerate(pieces):
        parts.append(Summary.of(piece, index, now=NOW))
    order = list(range(len(parts)))
    rng.shuffle(order)
    assert _merge_in(order, parts).records() == one  # type: ignore[attr-defined]


@given(st.lists(st.integers(min_value=0), max_size=8), st.randoms(use_true_random=False),
       st.sampled_from([None, 1, 60, 7]), st.integers(min_value=1, max_value=5))
def test_timeline_merges_in_any_order(cuts: list[int], rng: random.Random, bucket: int | None, most: int) -> None:
    hits = whole(LOG)
    one = Timeline(bucket, most, now=NOW)
    one.add_hits(hits)
    parts: list[object] = []
    for piece in _pieces(cuts, hits):
        part = Timeline(bucket, most, now=NOW)
        part.add_hits(piece)
        parts.append(part)
    order = list(range(len(parts)))
    rng.shuffle(order)
    merged = _merge_in(order, parts)
    assert merged.counts() == one.counts()  # type: ignore[attr-defined]  # records() follow from the counts


def test_timelines_of_other_sizes_do_not_merge() -> None:
    with pytest.raises(ValueError, match="same bucket size"):
        Timeline(60).merge(Timeline(300))


def test_a_matcher_pickles_with_its_engine_built() -> None:
    matcher = Matcher(["TeamOnly.Code"])
    assert matcher.engine is not None
    copy = pickle.loads(pickle.dumps(matcher))
    assert copy.names == matcher.names
    line = b"2024 ERROR TeamOnly.Code: it failed\n"
    assert [f.code for h in kmserr.scan_bytes(line, copy) for f in h.findings] == ["TeamOnly.Code"]


def test_a_registry_s_matcher_unpickles_as_the_process_s_own() -> None:
    matcher = matcher_for(default_registry())
    assert pickle.loads(pickle.dumps(matcher)) is matcher


def test_matchers_are_cached_by_the_registry_s_content(tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    team.write_text(TEAM, encoding="utf-8")
    first = load_registry([str(team)])
    second = pickle.loads(pickle.dumps(first))  # as each task of a cluster receives it
    assert second is not first
    assert matcher_for(second) is matcher_for(first)
    assert matcher_for(first) is not matcher_for(default_registry())


def test_each_thread_has_its_own_matcher() -> None:
    """A Hyperscan database scans with one scratch space, which two threads must not share."""
    mine = matcher_for(default_registry())
    theirs: list[Matcher] = []
    thread = threading.Thread(target=lambda: theirs.append(matcher_for(default_registry())))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    assert theirs[0].names == mine.names
