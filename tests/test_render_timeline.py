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
    assert rendered("json") == (
        '{"bucket": "2024-05-14T08:00:00Z", "code": "RequestLimitExceeded", "count": 1}\n'
        '{"bucket": "2024-05-14T08:00:00Z", "code": "10630", "count": 1}\n'
        '{"bucket": "2024-05-14T08:01:00Z", "code": "RequestLimitExceeded", "count": 2}\n'
        '{"bucket": "2024-05-14T08:01:00Z", "code": "Bad,\\t\\"code\\"", "count": 1}\n'
    )


def test_csv() -> None:
    assert rendered("csv") == (
        "bucket,code,count\n"
        "2024-05-14T08:00:00Z,RequestLimitExceeded,1\n"
        "2024-05-14T08:00:00Z,10630,1\n"
        "2024-05-14T08:01:00Z,RequestLimitExceeded,2\n"
        '2024-05-14T08:01:00Z,"Bad,\t""code""",1\n'
    )


def test_plain() -> None:
    assert rendered("plain") == (
        "2024-05-14T08:00:00Z\tRequestLimitExceeded\t1\n"
        "2024-05-14T08:00:00Z\t10630\t1\n"
        "2024-05-14T08:01:00Z\tRequestLimitExceeded\t2\n"
        '2024-05-14T08:01:00Z\tBad,\\t"code"\t1\n'
    )


def test_chart_without_colour() -> None:
    text = rendered("table", Style(color=False, width=72))
    assert not ANSI.search(text)
    lines = text.splitlines()
    assert lines[-1] == "1 line without a timestamp was not placed"
    assert max(len(line) for line in lines[:-1]) <= 72
    for label in ("KMS errors per 1m", "RequestLimitExceeded", "10630", "errors", "time (UTC) on 2024-05-14", "08:00", "08:01"):
        assert label in text


def test_chart_with_colour() -> None:
    text = chart_text(counts(), Style(color=True, width=72))
    assert ANSI.search(text)
    assert "RequestLimitExceeded" in ANSI.sub("", text)


def test_chart_draws_the_top_codes_and_the_rest_as_other() -> None:
    timeline = Timeline(3600)
    codes = [f"Code{i}" for i in range(TOP_CODES + 2)]
    for i, code in enumerate(codes):
        timeline.add(T0 + timedelta(days=i % 2), [code] * (len(codes) - i))
    text = chart_text(timeline.counts(), Style(width=100))
    assert all(code in text for code in codes[:TOP_CODES])
    assert OTHER in text and codes[-1] not in text
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
    RENDERERS["table"](counts(), out, Style(width=80))
    out.flush()
    assert b"RequestLimitExceeded" in raw.getvalue()
