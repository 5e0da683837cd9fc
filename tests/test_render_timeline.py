"""The timeline's renderers, on exact strings; the chart's content, not its art."""

from __future__ import annotations

import io
import itertools
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.render import Style
from kmserr.render.timeline import OTHER, RENDERERS, TOP_CODES, chart_text, unplaced_text
from kmserr.timeline import Counts, Timeline

T0 = datetime(2024, 5, 14, 8, 0, tzinfo=timezone.utc)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def counts() -> Counts:
    timeline = Timeline(60)
    timeline.add(T0 + timedelta(seconds=5), ["10630", "RequestLimitExceeded"])
    timeline.add(T0 + timedelta(seconds=65), ["RequestLimitExceeded"])
    timeline.add(T0 + timedelta(seconds=70), ["RequestLimitExceeded", "Bad,\t\"code\""])
    timeline.add(None, ["10630"])
    return timeline.counts()


def rendered(fmt: str, style: Style | None = None) -> str:
    out = io.StringIO()
    RENDERERS[fmt](counts(), out, style or Style(width=80))
    return out.getvalue()


def test_json_lines() -> None:
    """Every code in every bucket, 0 where it was not seen: a series per code without gaps."""
    assert rendered("json") == (
        '{"bucket": "2024-05-14T08:00:00Z", "code": "RequestLimitExceeded", "count": 1}\n'
        '{"bucket": "2024-05-14T08:00:00Z", "code": "10630", "count": 1}\n'
        '{"bucket": "2024-05-14T08:00:00Z", "code": "Bad,\\t\\"code\\"", "count": 0}\n'
        '{"bucket": "2024-05-14T08:01:00Z", "code": "RequestLimitExceeded", "count": 2}\n'
        '{"bucket": "2024-05-14T08:01:00Z", "code": "10630", "count": 0}\n'
        '{"bucket": "2024-05-14T08:01:00Z", "code": "Bad,\\t\\"code\\"", "count": 1}\n'
    )


def test_csv() -> None:
    assert rendered("csv") == (
        "bucket,code,count\n"
        "2024-05-14T08:00:00Z,RequestLimitExceeded,1\n"
        "2024-05-14T08:00:00Z,10630,1\n"
        '2024-05-14T08:00:00Z,"Bad,\t""code""",0\n'
        "2024-05-14T08:01:00Z,RequestLimitExceeded,2\n"
        "2024-05-14T08:01:00Z,10630,0\n"
        '2024-05-14T08:01:00Z,"Bad,\t""code""",1\n'
    )


def test_plain() -> None:
    assert rendered("plain") == (
        "2024-05-14T08:00:00Z\tRequestLimitExceeded\t1\n"
        "2024-05-14T08:00:00Z\t10630\t1\n"
        '2024-05-14T08:00:00Z\tBad,\\t"code"\t0\n'
        "2024-05-14T08:01:00Z\tRequestLimitExceeded\t2\n"
        "2024-05-14T08:01:00Z\t10630\t0\n"
        '2024-05-14T08:01:00Z\tBad,\\t"code"\t1\n'
    )


def test_an_empty_bucket_counts_zero_for_each_code() -> None:
    timeline = Timeline(60)
    timeline.add(T0, ["A", "B"])
    timeline.add(T0 + timedelta(minutes=2), ["A"])
    out = io.StringIO()
    RENDERERS["plain"](timeline.counts(), out, Style())
    assert out.getvalue() == (
        "2024-05-14T08:00:00Z\tA\t1\n2024-05-14T08:00:00Z\tB\t1\n"
        "2024-05-14T08:01:00Z\tA\t0\n2024-05-14T08:01:00Z\tB\t0\n"
        "2024-05-14T08:02:00Z\tA\t1\n2024-05-14T08:02:00Z\tB\t0\n"
    )


def test_chart_at_80_columns_without_colour() -> None:
    """A row per bucket: its start, a bar of whole cells per error stacked by code, the count at
    the edge; the legend with each code's total under the data."""
    assert rendered("table", Style(color=False, width=80)) == (
        "KMS errors per 1m, time (UTC) on 2024-05-14\n"
        "08:00 " + "█" * 24 + "▓" * 24 + " " * 24 + " 2\n"  # 24 cells an error: 72 cells for at most 3
        "08:01 " + "█" * 48 + "▒" * 24 + " 3\n"
        '█ RequestLimitExceeded (3)  ▓ 10630 (1)  ▒ Bad,\\t"code" (1)\n'
        "1 line without a timestamp was not placed\n"
    )


def test_chart_at_200_columns_uses_the_width() -> None:
    lines = rendered("table", Style(color=False, width=200)).splitlines()
    assert [len(line) for line in lines[1:3]] == [200, 200]
    assert lines[2] == "08:01 " + "█" * 128 + "▒" * 64 + " 3"  # 192 / 3 cells an error


def test_chart_with_colour() -> None:
    """Each code's part of a bar in its colour; the mark the same as without colour."""
    assert chart_text(counts(), Style(color=True, width=40)) == (
        "KMS errors per 1m\n"
        "time (UTC) on 2024-05-14\n"
        "08:00 \x1b[31m██████████\x1b[0m\x1b[33m▓▓▓▓▓▓▓▓▓▓\x1b[0m             2\n"
        "08:01 \x1b[31m████████████████████\x1b[0m\x1b[36m▒▒▒▒▒▒▒▒▒▒\x1b[0m   3\n"
        "\x1b[31m█\x1b[0m RequestLimitExceeded (3)  \x1b[33m▓\x1b[0m 10630 (1)\n"
        '\x1b[36m▒\x1b[0m Bad,\\t"code" (1)\n'
    )
    assert ANSI.sub("", chart_text(counts(), Style(color=True, width=40))) == chart_text(counts(), Style(width=40))


def test_chart_of_many_errors_is_scaled_to_the_width() -> None:
    """More errors than cells: bars are scaled; a code's share under half a cell is not drawn, and
    the legend still counts it."""
    timeline = Timeline(60)
    timeline.add(T0, ["A"] * 10_000 + ["B"])
    timeline.add(T0 + timedelta(minutes=1), ["A"] * 5_000)
    lines = chart_text(timeline.counts(), Style(width=60)).splitlines()
    # 47 cells for 10,001 errors: A's 10,000 take them all, B's 1 is under half a cell.
    assert lines[1] == "08:00 " + "█" * 47 + " 10,001"
    assert lines[2] == "08:01 " + "█" * 23 + " " * 24 + "  5,000"
    assert lines[3] == "█ A (15,000)  ▓ B (1)"
    assert all(len(line) <= 60 for line in lines)


def test_chart_draws_the_top_codes_and_the_rest_as_other() -> None:
    timeline = Timeline(3600)
    codes = [f"Code{i}" for i in range(TOP_CODES + 2)]
    for i, code in enumerate(codes):
        timeline.add(T0 + timedelta(days=i % 2), [code] * (len(codes) - i))
    text = chart_text(timeline.counts(), Style(width=100))
    assert all(code in text for code in codes[:TOP_CODES])
    assert OTHER in text and codes[-1] not in text
    assert f"{OTHER} (3)" in text  # the two least frequent codes, 2 and 1 errors, as one
    assert "time (UTC)" in text and "2024-05-15" in text


def test_chart_of_days_and_of_nothing() -> None:
    timeline = Timeline(86400)
    timeline.add(T0, ["A"])
    timeline.add(T0 + timedelta(days=3), ["A"])
    assert "date (UTC)" in chart_text(timeline.counts(), Style(width=80))
    empty = Timeline()
    empty.add(None, ["A"])
    assert chart_text(empty.counts(), Style(width=80)) == "No error line had a timestamp: nothing to draw.\n"
    assert chart_text(Timeline().counts(), Style(width=80)) == "No errors: nothing to draw.\n"


@pytest.mark.parametrize(("count", "text"), [(1, "1 line without a timestamp was not placed"), (1234, "1,234 lines without a timestamp were not placed")])
def test_unplaced_text(count: int, text: str) -> None:
    assert unplaced_text(count) == text


def test_chart_into_an_output_that_cannot_show_its_lines() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii")
    RENDERERS["table"](counts(), out, Style(width=40))
    out.flush()
    assert raw.getvalue().decode("ascii").splitlines()[2:5] == [
        "08:00 ##########==========             2",
        "08:01 ####################++++++++++   3",
        "# RequestLimitExceeded (3)  = 10630 (1)",
    ]


@given(
    st.lists(st.tuples(st.integers(0, 3 * 3600), st.sampled_from(["A", "B", "C", "D", "E", "F", "G", "10630"])),
             min_size=1, max_size=300),
    st.sampled_from([None, 60, 300]),
    st.integers(40, 250),
    st.booleans(),
)
def test_every_row_is_a_bucket_as_wide_as_the_terminal(events: list[tuple[int, str]], size: int | None, width: int,
                                                        color: bool) -> None:
    """Whatever the counts: a row per bucket from the first to the last, each exactly `width`
    wide with its whole count at the edge; a larger count never has a shorter bar; a bucket with
    errors has a bar; no more marks in a bar than codes seen in its bucket."""
    timeline = Timeline(size)
    for second, code in events:
        timeline.add(T0 + timedelta(seconds=second), [code])
    counts = timeline.counts()
    lines = [ANSI.sub("", line) for line in chart_text(counts, Style(color=color, width=width)).splitlines()]
    starts = counts.starts()
    title = 1 if len(lines[0]) > len("KMS errors per 1m") and "UTC" in lines[0] else 2
    rows = lines[title : title + len(starts)]
    assert len(rows) == len(starts)
    totals = [sum(counts.buckets.get(start, {}).values()) for start in starts]
    bars = []
    for row, total, start in zip(rows, totals, starts, strict=True):
        assert len(row) == width
        assert int(row.rsplit(" ", 1)[1].replace(",", "")) == total
        bar = row.split(" ", 1)[1].rsplit(" ", 1)[0].rstrip()
        bars.append(len(bar))
        assert (len(bar) > 0) == (total > 0)
        assert len(set(bar)) <= len(counts.buckets.get(start, {}))
    pairs = sorted(zip(totals, bars, strict=True))
    for (a, bar_a), (b, bar_b) in itertools.pairwise(pairs):
        assert a == b or bar_a <= bar_b
