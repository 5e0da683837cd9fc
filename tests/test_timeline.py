"""Counting errors per time bucket: sizes parsed, chosen from the span, merged past the cap."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.timeline import (
    NICE_SIZES,
    TARGET_BUCKETS,
    Row,
    Timeline,
    bucket_text,
    next_nice_size,
    parse_bucket,
    size_text,
)

T0 = datetime(2024, 5, 14, 8, 0, tzinfo=timezone.utc)
START = int(T0.timestamp())


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.mark.parametrize(("text", "seconds"), [("1s", 1), ("90s", 90), ("5m", 300), ("1h", 3600), ("2d", 172800), (" 1m ", 60)])
def test_parse_bucket(text: str, seconds: int) -> None:
    assert parse_bucket(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "m", "0m", "-1m", "1.5m", "1w", "5 m", "1M", "9999999d", "1m1s"])
def test_parse_bucket_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="give a whole number and a unit, as 30s, 5m, 1h or 1d"):
        parse_bucket(text)


def test_size_and_bucket_text() -> None:
    assert [size_text(s) for s in (1, 90, 300, 3600, 5400, 86400, 172800)] == ["1s", "90s", "5m", "1h", "90m", "1d", "2d"]
    assert bucket_text(START + 60) == "2024-05-14T08:01:00Z"


def test_nice_sizes_divide_each_other() -> None:
    sizes = [*NICE_SIZES, next_nice_size(NICE_SIZES[-1]), next_nice_size(next_nice_size(NICE_SIZES[-1]))]
    assert sizes[-2:] == [2 * 86400, 4 * 86400]
    assert all(later % earlier == 0 for earlier, later in itertools.pairwise(sizes))


def test_counts_per_bucket_and_code_with_a_given_size() -> None:
    timeline = Timeline(60)
    timeline.add(at(1), ["10630"])
    timeline.add(at(59.9), ["10630", "RequestLimitExceeded"])
    timeline.add(at(60), ["RequestLimitExceeded"])
    timeline.add(at(200), ["RequestLimitExceeded", "RequestLimitExceeded"])
    timeline.add(None, ["10630"])
    counts = timeline.counts()
    assert counts.size == 60 and not counts.merged and counts.unplaced == 1
    assert counts.codes() == ["RequestLimitExceeded", "10630"]
    # Every code in every bucket from the first to the last, 0 where none was seen: no gaps.
    assert list(counts.rows()) == [
        Row(START, "RequestLimitExceeded", 1),
        Row(START, "10630", 2),
        Row(START + 60, "RequestLimitExceeded", 1),
        Row(START + 60, "10630", 0),
        Row(START + 120, "RequestLimitExceeded", 0),
        Row(START + 120, "10630", 0),
        Row(START + 180, "RequestLimitExceeded", 2),
        Row(START + 180, "10630", 0),
    ]
    assert counts.starts() == [START, START + 60, START + 120, START + 180]


def test_size_chosen_from_the_span() -> None:
    for span, size in [(30, 1), (59, 1), (61, 5), (3599, 60), (3600, 300), (6 * 3600, 600), (40 * 86400, 86400)]:
        timeline = Timeline()
        timeline.add(at(0), ["A"])
        timeline.add(at(span), ["A"])
        counts = timeline.counts()
        assert counts.size == size, span
        assert len(counts.starts()) <= TARGET_BUCKETS
        assert sum(row.errors for row in counts.rows()) == 2


def test_too_many_buckets_are_merged_into_larger_ones() -> None:
    timeline = Timeline(1, max_buckets=10)
    for second in range(100):
        timeline.add(at(second), ["A"])
    counts = timeline.counts()
    assert counts.size == 16 and counts.merged and counts.requested == 1
    assert len(counts.buckets) <= 10
    assert sum(row.errors for row in counts.rows()) == 100


def test_nothing_placed() -> None:
    timeline = Timeline()
    timeline.add(None, ["A"])
    counts = timeline.counts()
    assert (list(counts.rows()), counts.starts(), counts.unplaced) == ([], [], 1)


@given(
    st.lists(st.tuples(st.integers(0, 40 * 86400), st.sampled_from(["A", "B", "10630"])), max_size=200),
    st.one_of(st.none(), st.integers(1, 7200)),
    st.integers(1, 50),
)
def test_every_error_counted_once_in_bounded_buckets(events: list[tuple[int, str]], size: int | None, cap: int) -> None:
    timeline = Timeline(size, max_buckets=cap)
    for second, code in events:
        timeline.add(at(second), [code])
    counts = timeline.counts()
    rows = list(counts.rows())
    assert sum(row.errors for row in rows) == len(events)
    # A grid without gaps: each code once in each bucket from the first to the last, in time order.
    codes = counts.codes()
    assert [(row.bucket, row.code) for row in rows] == [(start, code) for start in counts.starts() for code in codes]
    assert len(counts.buckets) <= cap
    assert all(start % counts.size == 0 for start in counts.buckets)
    for second, code in events:
        start = START + second
        assert counts.buckets[start - start % counts.size][code] > 0


@given(st.datetimes(timezones=st.just(timezone.utc)), st.integers(1, 7200),
       st.lists(st.sampled_from(["A", "B"]), min_size=1, max_size=3), st.sampled_from([list, tuple, iter]))
def test_a_moment_falls_in_the_bucket_that_holds_its_second(
    when: datetime, size: int, codes: list[str], kind: type,
) -> None:
    """Before 1970 as after, to the microsecond: the second floored, each code counted once a time."""
    timeline = Timeline(size)
    timeline.add(when, kind(codes))
    second = (when - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(seconds=1)
    assert timeline.counts().buckets == {second - second % size: {code: codes.count(code) for code in codes}}
