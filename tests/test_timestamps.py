"""A line's timestamp: each log form read back to the moment it names, in UTC; no input raises."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.timestamps import EPOCH_MAX, EPOCH_MIN, HEAD, MONTHS, find

UTC = timezone.utc
NOW = datetime(2024, 12, 31, 12, 0, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)  # type: ignore[misc]  # the fields of a datetime, as ints


@pytest.mark.parametrize(
    ("line", "text", "when"),
    [
        (b"2024-05-14T08:00:01Z ERROR (10630)", "2024-05-14T08:00:01Z", utc(2024, 5, 14, 8, 0, 1)),
        (b"2024-05-14T08:00:01.250+08:00 x", "2024-05-14T08:00:01.250+08:00", utc(2024, 5, 14, 0, 0, 1, 250000)),
        (b"2024-05-14 08:00:01,123 ERROR kms", "2024-05-14 08:00:01,123", utc(2024, 5, 14, 8, 0, 1, 123000)),
        (b"[2024-05-14 08:00:01] ERROR", "2024-05-14 08:00:01", utc(2024, 5, 14, 8, 0, 1)),
        (b"2024/05/14 08:00:01 kms: error", "2024/05/14 08:00:01", utc(2024, 5, 14, 8, 0, 1)),
        (b"2024-05-14 08:00:01 -0500 x", "2024-05-14 08:00:01 -0500", utc(2024, 5, 14, 13, 0, 1)),
        (b"2024-05-14 08:00:01 UTC x", "2024-05-14 08:00:01 UTC", utc(2024, 5, 14, 8, 0, 1)),
        (b"2024-05-14T23:30:00-02 x", "2024-05-14T23:30:00-02", utc(2024, 5, 15, 1, 30)),
        (
            b'10.0.0.1 - - [14/May/2024:08:00:01 +0200] "POST / HTTP/1.1" 400',
            "14/May/2024:08:00:01 +0200",
            utc(2024, 5, 14, 6, 0, 1),
        ),
        (b"May 14 08:00:01 host app[12]: (10630)", "May 14 08:00:01", utc(2024, 5, 14, 8, 0, 1)),
        (b"May  4 08:00:01 host app: x", "May  4 08:00:01", utc(2024, 5, 4, 8, 0, 1)),
        (b"[Tue May 14 08:00:01.123456 2024] [error]", "May 14 08:00:01.123456 2024", utc(2024, 5, 14, 8, 0, 1, 123456)),
        (b'{"ts": 1715673601, "msg": "x"}', '"ts": 1715673601', utc(2024, 5, 14, 8, 0, 1)),
        (b'{"time":1715673601123,"level":"error"}', '"time":1715673601123', utc(2024, 5, 14, 8, 0, 1, 123000)),
        (b'{"timestamp": "1715673601"}', '"timestamp": "1715673601', utc(2024, 5, 14, 8, 0, 1)),
        (b'{"created": 1715673601.5}', '"created": 1715673601.5', utc(2024, 5, 14, 8, 0, 1, 500000)),
    ],
)
def test_each_form(line: bytes, text: str, when: datetime) -> None:
    stamp = find(line, now=NOW)
    assert stamp is not None
    assert (stamp.text, stamp.when) == (text, when)


def test_the_first_one_near_the_start() -> None:
    line = b"2024-05-14 08:00:01 key expires at 2025-01-01 00:00:00"
    assert find(line) == find(b"2024-05-14 08:00:01")


@pytest.mark.parametrize(
    "line",
    [
        b"no time here (10630)",
        b"2024-13-14 08:00:01 month 13",
        b"2024-02-30 08:00:01 no such day",
        b"2024-05-14 25:00:01 hour 25",
        b"2024-05-14T08:00:01+25:00 no such zone",
        b"0000-01-01 00:00:00 year 0",
        b'{"ts": 12345, "port": 8080}',
        b'{"ts": 999999999}',  # 1970s: not a time a log of today holds
        b'{"ts": 4102444800}',  # 2100
        b'{"time": 171567360112}',  # 12 digits: neither seconds nor milliseconds
        b'{"id": 1715673601}',  # not a time's key
        b"12024-05-14 08:00:01 a longer number",
        b"Feb 30 08:00:01 host x",
    ],
)
def test_not_a_time(line: bytes) -> None:
    assert find(line, now=NOW) is None


def test_an_impossible_time_gives_way_to_the_next() -> None:
    stamp = find(b"2024-02-30 00:00:00 then 2024-05-14 08:00:01", now=NOW)
    assert stamp is not None and stamp.when == utc(2024, 5, 14, 8, 0, 1)


def test_only_near_the_start() -> None:
    assert find(b"x" * HEAD + b" 2024-05-14 08:00:01") is None
    assert find(b"x" * (HEAD - 20) + b" 2024-05-14 08:00:01") is not None


def test_a_time_that_starts_before_the_end_of_the_head_is_read_whole() -> None:
    line = b"x" * (HEAD - 12) + b'"time": 1715673601123'
    stamp = find(line)
    assert stamp is not None and stamp.when == utc(2024, 5, 14, 8, 0, 1, 123000)


def test_syslog_year_is_the_last_twelve_months() -> None:
    january = datetime(2025, 1, 2, tzinfo=UTC)
    assert find(b"Dec 31 23:59:59 host x", now=january).when == utc(2024, 12, 31, 23, 59, 59)  # type: ignore[union-attr]
    assert find(b"Jan  2 08:00:00 host x", now=january).when == utc(2025, 1, 2, 8)  # type: ignore[union-attr]
    # a day ahead is still this year: clocks differ, and the log's zone may be ahead of UTC
    assert find(b"Jan  3 00:00:00 host x", now=january).when == utc(2025, 1, 3)  # type: ignore[union-attr]
    assert find(b"Feb 29 08:00:00 host x", now=datetime(2025, 3, 1, tzinfo=UTC)).when == utc(2024, 2, 29, 8)  # type: ignore[union-attr]


def test_a_leap_second_is_the_end_of_its_minute() -> None:
    stamp = find(b"2016-12-31T23:59:60Z")
    assert stamp is not None and stamp.when == utc(2016, 12, 31, 23, 59, 59, 999999)


# -- properties: every form read back; any bytes read without raising ---------------------------


def _offset_text(offset: timedelta, colon: bool) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02}{':' if colon else ''}{minutes:02}"


def _iso(moment: datetime, offset: timedelta) -> tuple[str, datetime]:
    local = moment + offset
    return local.strftime("%Y-%m-%dT%H:%M:%S.%f") + _offset_text(offset, colon=True), moment


def _python_logging(moment: datetime, offset: timedelta) -> tuple[str, datetime]:
    millis = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return moment.strftime("%Y-%m-%d %H:%M:%S,") + f"{moment.microsecond // 1000:03}", millis


def _bracketed(moment: datetime, offset: timedelta) -> tuple[str, datetime]:
    return moment.strftime("[%Y-%m-%d %H:%M:%S]"), moment.replace(microsecond=0)


def _nginx(moment: datetime, offset: timedelta) -> tuple[str, datetime]:
    local = moment + offset
    text = f"[{local.day:02}/{MONTHS[local.month - 1]}/{local.year:04}:{local:%H:%M:%S} {_offset_text(offset, False)}]"
    return text, moment.replace(microsecond=0)


def _syslog(moment: datetime, offset: timedelta) -> tuple[str, datetime]:
    # a moment of the year before NOW: what a syslog time without a year is taken to be
    moment = NOW - (moment - utc(2001, 9, 9)) % timedelta(days=365)
    return f"{MONTHS[moment.month - 1]} {moment.day:2} {moment:%H:%M:%S}", moment.replace(microsecond=0)


def _epoch_seconds(moment: datetime, offset: timedelta) -> tuple[str, datetime]:
    return f'{{"ts": {int((moment - EPOCH).total_seconds())}}}', moment.replace(microsecond=0)


def _epoch_millis(moment: datetime, offset: timedelta) -> tuple[str, datetime]:
    millis = (moment - EPOCH) // timedelta(milliseconds=1)
    return f'{{"time":{millis},"msg":"x"}}', EPOCH + timedelta(milliseconds=millis)


FORMS: dict[str, Callable[[datetime, timedelta], tuple[str, datetime]]] = {
    "iso": _iso,
    "python logging": _python_logging,
    "bracketed": _bracketed,
    "nginx": _nginx,
    "syslog": _syslog,
    "epoch seconds": _epoch_seconds,
    "epoch milliseconds": _epoch_millis,
}


@pytest.mark.parametrize("form", list(FORMS))
@given(
    moment=st.datetimes(
        min_value=datetime.fromtimestamp(EPOCH_MIN, UTC).replace(tzinfo=None),
        max_value=datetime.fromtimestamp(EPOCH_MAX - 86400, UTC).replace(tzinfo=None),
    ),
    offset=st.integers(-14 * 60, 14 * 60).map(lambda m: timedelta(minutes=m)),
    prefix=st.sampled_from(["", "INFO ", "host-1 ", '{"level":"error",']),
)
def test_every_form_read_back(form: str, moment: datetime, offset: timedelta, prefix: str) -> None:
    text, expected = FORMS[form](moment.replace(tzinfo=UTC), offset)
    stamp = find(f"{prefix}{text} ERROR (10630) key is not existed".encode(), now=NOW)
    assert stamp is not None, text
    assert stamp.when == expected, text


@given(st.binary(max_size=HEAD + 100))
def test_any_bytes_are_read_without_raising(data: bytes) -> None:
    stamp = find(data)
    assert stamp is None or stamp.when.tzinfo is UTC


@given(st.text(alphabet="0123456789-/:.,TZ +[]\"tsime{}MayJanFeb", max_size=80))
def test_near_misses_are_read_without_raising(text: str) -> None:
    find(text.encode(), now=NOW)


@pytest.mark.parametrize(
    ("zone", "hours", "minutes"),
    [
        ("UTC+8", 8, 0), ("UTC+08:00", 8, 0), ("UTC+0800", 8, 0), ("GMT+8", 8, 0), ("(UTC+8)", 8, 0),
        ("(UTC+08:00)", 8, 0), ("GMT-5", -5, 0), ("UTC+5:30", 5, 30), ("GMT+05:45", 5, 45), ("UTC-03:30", -3, -30),
    ],
)
def test_a_named_zone_with_its_offset(zone: str, hours: int, minutes: int) -> None:
    """Logs of China regions write `UTC+8`, `GMT+8` or `(UTC+8)`: 8 hours ahead, not UTC."""
    stamp = find(f"2024-05-14 08:00:01 {zone} ERROR (10630) key is not existed".encode())
    assert stamp is not None
    assert stamp.text == f"2024-05-14 08:00:01 {zone}"
    assert stamp.when == utc(2024, 5, 14, 8, 0, 1) - timedelta(hours=hours, minutes=minutes)


@given(
    moment=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1)).map(
        lambda d: d.replace(microsecond=0)),
    minutes=st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15),
    name=st.sampled_from(["UTC", "GMT"]),
    style=st.sampled_from(["{h}", "{h:02d}:{m:02d}", "{h:02d}{m:02d}", "{h}:{m:02d}"]),
    parens=st.booleans(),
)
def test_every_named_offset_read_back(moment: datetime, minutes: int, name: str, style: str, parens: bool) -> None:
    if style == "{h}" and minutes % 60:
        minutes -= minutes % 60 if minutes > 0 else -(-minutes % 60)
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(minutes), 60)
    zone = f"{name}{sign}{style.format(h=h, m=m)}"
    if parens:
        zone = f"({zone})"
    stamp = find(f"{moment:%Y-%m-%d %H:%M:%S} {zone} x".encode())
    assert stamp is not None
    assert stamp.when == moment.replace(tzinfo=UTC) - timedelta(minutes=minutes), zone
