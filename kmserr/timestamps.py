"""When a log line was written: the first timestamp near its start, in the forms logs commonly use.

Recognised, wherever the first one stands within the first `HEAD` bytes of the line:

- ISO 8601 and its relatives: `2024-05-14T08:00:01Z`, `2024-05-14 08:00:01.123+08:00`, Python
  logging's `2024-05-14 08:00:01,123`, Go's `2024/05/14 08:00:01`, bracketed or not;
- the common log format of nginx and Apache: `[14/May/2024:08:00:01 +0000]`;
- syslog's `May 14 08:00:01` and C's `Tue May 14 08:00:01 2024` (Apache's error log);
- epoch seconds or milliseconds under a JSON key `ts`, `time`, `timestamp` or `created`
  (`"ts": 1715673601`, `"time": 1715673601123`), only from 2001-09-09 to 2099 so that other numbers
  are not taken for times.

A time with an offset (`+08:00`, `+0800`, `UTC+8`, `GMT+08:00`, `(UTC+8)`) is converted to UTC; a
time without one is taken to be UTC already. A syslog
time has no year: it is taken to be within the year before `now` (this year, or last year when this
year's date would be more than a day ahead), as `journalctl` and most log tools do.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Final, NamedTuple

HEAD: Final = 512  # bytes of a line searched: a time stands near the start, even in a JSON line after its "msg"
MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER: Final = {name.encode(): number for number, name in enumerate(MONTHS, 1)}
_MONTH = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# A named zone with its offset (`UTC+8`, `GMT+08:00`, `(UTC+8)`: logs of China regions write them so)
# before the bare names, so that `UTC+8` is not read as UTC.
_NAMED_OFFSET = rb"(?:UTC|GMT)[+-](?:\d{2}(?::?\d{2})?|\d(?::\d{2})?)"
_ZONE = rb"\(" + _NAMED_OFFSET + rb"\)|" + _NAMED_OFFSET + rb"|Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?"
# Epoch seconds from 2001-09-09 (10 digits) to 2099: other JSON numbers are not times.
EPOCH_MIN, EPOCH_MAX = 1_000_000_000, 4_102_444_800

# Every form but the JSON epoch has a clock, `HH:MM:SS`: the clocks are found first (a search that
# starts with a literal runs at C speed), and each form is tried where it would start before one.
_CLOCK = rb":(?=\d\d:\d\d)"  # the colon only, so that clocks may overlap (`2024:08:00:01`)
_ISO = (
    rb"(?<![0-9])(?P<y>\d{4})(?P<sep>[-/])(?P<m>\d{2})(?P=sep)(?P<d>\d{2})[Tt ]"
    rb"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?(?: ?(?P<z>" + _ZONE + rb"))?(?![0-9])"
)
_CLF = (
    rb"(?<![0-9])(?P<d>\d{2})/(?P<mon>" + _MONTH + rb")/(?P<y>\d{4}):"
    rb"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?: (?P<z>[+-]\d{4}))?(?![0-9])"
)
_SYSLOG = (
    rb"(?<![A-Za-z])(?P<mon>" + _MONTH + rb") {1,2}(?P<d>\d{1,2}) "
    rb"(?P<H>\d{2}):(?P<M>\d{2}):(?P<S>\d{2})(?:\.(?P<f>\d{1,9}))?(?: (?P<y>\d{4})(?![0-9]))?(?![0-9])"
)
_EPOCH_KEY = rb'"(?:ts|time|timestamp|created)" ?: ?"?(?P<n>\d{10,13})(?:\.(?P<f>\d{1,9}))?(?![0-9])'
_TAIL: Final = 40  # bytes read past `head`, so that a time that starts before it is read whole


class Stamp(NamedTuple):
    """A line's timestamp: its text as written, and the moment it names, in UTC."""

    text: str
    when: datetime


def find(line: bytes, now: datetime | None = None, head: int = HEAD) -> Stamp | None:
    """The first timestamp within the first `head` bytes of a line, or None; never raises."""
    end = head + _TAIL
    found = None
    clocks, forms, epoch_key = _patterns()
    for clock in clocks.finditer(line, 2, end):
        hour = clock.start() - 2  # where HH starts, if this colon is the one after the hour
        if hour >= head:
            break
        found = _at_clock(forms, line, hour, end, now)
        if found is not None:
            break
    # A JSON epoch before the first clock's time (or anywhere, when there was none) comes first.
    limit = found[0] if found is not None else head
    epoch = _first_epoch(epoch_key, line, limit)
    if epoch is not None:
        return epoch
    return found[1] if found is not None else None


def _at_clock(
    forms: tuple[_Form, ...], line: bytes, hour: int, end: int, now: datetime | None,
) -> tuple[int, Stamp] | None:
    """The stamp whose clock's hour is at `hour`, with where it starts; None if no form reads there."""
    for pattern, before, read in forms:
        start = hour - before
        if start < 0:
            continue
        match = pattern.match(line, start, end)
        if match is None:
            continue
        try:
            when = read(match, now)
        except (ValueError, OverflowError):  # a 31st of February, hour 25, a year beyond 9999
            when = None
        if when is not None:
            return start, Stamp(match.group().decode("ascii"), when)
    return None


def _first_epoch(epoch_key: re.Pattern[bytes], line: bytes, limit: int) -> Stamp | None:
    """The first plausible JSON epoch that starts before `limit`."""
    pos = 0
    while True:
        match = epoch_key.search(line, pos, limit + _TAIL)
        if match is None or match.start() >= limit:
            return None
        when = _epoch(match.group("n"), match.group("f"))
        if when is not None:
            return Stamp(match.group().decode("ascii"), when)
        pos = match.end()


def _iso(match: re.Match[bytes], now: datetime | None) -> datetime | None:
    group = match.group
    offset = _offset(group("z"))
    if offset is None:
        return None
    return _utc(_naive(group("y"), group("m"), group("d"), group("H"), group("M"), group("S"), group("f")), offset)


def _clf(match: re.Match[bytes], now: datetime | None) -> datetime | None:
    group = match.group
    offset = _offset(group("z"))
    if offset is None:
        return None
    month = _MONTH_NUMBER[group("mon")]
    return _utc(_naive(group("y"), month, group("d"), group("H"), group("M"), group("S"), None), offset)


Field = bytes | int  # as written in the line, or a number (a month's name read, a syslog year supplied)


def _naive(
    year: Field, month: Field, day: Field, hour: Field, minute: Field, second: Field, fraction: bytes | None
) -> datetime:
    """A datetime from the fields as written; a leap second (:60) is taken as :59.999999."""
    seconds = int(second)
    micro = int((fraction or b"0")[:6].ljust(6, b"0"))
    if seconds == 60:
        seconds, micro = 59, 999_999
    return datetime(int(year), int(month), int(day), int(hour), int(minute), seconds, micro)


def _offset(zone: bytes | None) -> timedelta | None:
    """A zone's offset from UTC (none written: UTC); None for one that cannot be (+25:00)."""
    if zone is None or zone in (b"Z", b"z", b"UTC", b"GMT"):
        return timedelta(0)
    zone = zone.strip(b"()").removeprefix(b"UTC").removeprefix(b"GMT")
    hours_text, colon, minutes_text = zone[1:].partition(b":")
    if not colon and len(hours_text) > 2:  # +0800
        hours_text, minutes_text = hours_text[:2], hours_text[2:]
    hours, minutes = int(hours_text), int(minutes_text or b"0")
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return -offset if zone[:1] == b"-" else offset


def _utc(stamp: datetime, offset: timedelta) -> datetime:
    return (stamp - offset).replace(tzinfo=timezone.utc)


def _syslog(match: re.Match[bytes], now: datetime | None) -> datetime | None:
    """A syslog time: the year written after it (C's ctime), else the last 12 months' before `now`."""
    group = match.group
    fields = (_MONTH_NUMBER[group("mon")], group("d"), group("H"), group("M"), group("S"), group("f"))
    if group("y"):
        return _naive(group("y"), *fields).replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    try:
        stamp = _naive(now.year, *fields).replace(tzinfo=timezone.utc)
    except ValueError:  # the 29th of February, in a year without one: last year's may have it
        stamp = None
    if stamp is None or stamp > now + timedelta(days=1):
        stamp = _naive(now.year - 1, *fields).replace(tzinfo=timezone.utc)
    return stamp


def _epoch(whole: bytes, fraction: bytes | None) -> datetime | None:
    """Epoch seconds (10 digits) or milliseconds (13), within the plausible years only."""
    number = int(whole)
    if len(whole) == 13:
        seconds, millis = divmod(number, 1000)
        micro = millis * 1000 + int((fraction or b"0")[:3].ljust(3, b"0"))
    elif len(whole) == 10:
        seconds, micro = number, int((fraction or b"0")[:6].ljust(6, b"0"))
    else:
        return None
    if not EPOCH_MIN <= seconds < EPOCH_MAX:
        return None
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds, microseconds=micro)


# Each form: its pattern, how many bytes before its clock's hour it starts, and how it is read.
_Form = tuple["re.Pattern[bytes]", int, Callable[["re.Match[bytes]", "datetime | None"], "datetime | None"]]


@functools.cache
def _patterns() -> tuple[re.Pattern[bytes], tuple[_Form, ...], re.Pattern[bytes]]:
    """The patterns, compiled at the first line read: a grep without --timeline or --summary, or
    of a log without errors, reads no time (their compiling was 1.3 ms of every start)."""
    syslog = re.compile(_SYSLOG)
    forms: tuple[_Form, ...] = (
        (re.compile(_ISO), len(b"2024-05-14T"), _iso),
        (re.compile(_CLF), len(b"14/May/2024:"), _clf),
        (syslog, len(b"May 14 "), _syslog),  # `May 14 ` and `May  4 `
        (syslog, len(b"May 4 "), _syslog),
    )
    return re.compile(_CLOCK), forms, re.compile(_EPOCH_KEY)  # the clocks, the forms, the JSON epoch
