"""The timeline's renderers, on exact strings; the chart's content, not its art."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta, timezone

import pytest

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
        "08:00 " + "█" * 23 + "▓" * 23 + " " * 26 + " 2\n"  # 23 cells an error: (72 - 3 codes) / 3
        "08:01 " + "█" * 46 + "▒" * 23 + " " * 3 + " 3\n"
        '█ RequestLimitExceeded (3)  ▓ 10630 (1)  ▒ Bad,\\t"code" (1)\n'
        "1 line without a timestamp was not placed\n"
    )


def test_chart_at_200_columns_uses_the_width() -> None:
    lines = rendered("table", Style(color=False, width=200)).splitlines()
    assert [len(line) for line in lines[1:3]] == [200, 200]
    assert lines[2] == "08:01 " + "█" * 126 + "▒" * 63 + " " * 3 + " 3"  # (192 - 3) / 3 cells an error


def test_chart_with_colour() -> None:
    """Each code's part of a bar in its colour; the mark the same as without colour."""
    assert chart_text(counts(), Style(color=True, width=40)) == (
        "KMS errors per 1m\n"
        "time (UTC) on 2024-05-14\n"
        "08:00 \x1b[31m█████████\x1b[0m\x1b[33m▓▓▓▓▓▓▓▓▓\x1b[0m               2\n"
        "08:01 \x1b[31m██████████████████\x1b[0m\x1b[36m▒▒▒▒▒▒▒▒▒\x1b[0m      3\n"
        "\x1b[31m█\x1b[0m RequestLimitExceeded (3)  \x1b[33m▓\x1b[0m 10630 (1)\n"
        '\x1b[36m▒\x1b[0m Bad,\\t"code" (1)\n'
    )
    assert ANSI.sub("", chart_text(counts(), Style(color=True, width=40))) == chart_text(counts(), Style(width=40))


def test_chart_of_many_errors_keeps_every_code_seen_and_the_width() -> None:
    """More errors than cells: a bar is scaled, but a code seen in a bucket keeps one cell."""
    timeline = Timeline(60)
    timeline.add(T0, ["A"] * 10_000 + ["B"])
    timeline.add(T0 + timedelta(minutes=1), ["A"] * 5_000)
    lines = chart_text(timeline.counts(), Style(width=60)).splitlines()
    # 47 cells for 10,001 errors, 2 kept for the codes: 45 for A's 10,000, B's 1 error a cell.
    assert lines[1] == "08:00 " + "█" * 45 + "▓" + " " + " 10,001"
    assert lines[2] == "08:01 " + "█" * 22 + " " * 25 + "  5,000"
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
        "08:00 #########=========               2",
        "08:01 ##################+++++++++      3",
        "# RequestLimitExceeded (3)  = 10630 (1)",
    ]
