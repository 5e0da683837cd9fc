"""How many errors of each code per time bucket: counts only, so memory stays bounded on any log.

Buckets start at whole multiples of their size from the Unix epoch, in UTC (a 5m bucket starts at
08:00, 08:05, ...; a 1d bucket at midnight UTC). Without a size given, errors are counted at one
second and the size is chosen at the end from the span of the data: the smallest of the nice sizes
(1s, 5s, 10s, 30s, 1m, 5m, 10m, 30m, 1h, 3h, 6h, 12h, 1d, then 2d, 4d, ...) that draws the span in
at most `TARGET_BUCKETS` buckets. Whatever the size, when more than `MAX_BUCKETS` buckets would be
held, the counts are merged into buckets of the next size (of the next nice size; twice the size
given), so the memory used is at most `MAX_BUCKETS` times the number of codes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Final, NamedTuple

MAX_BUCKETS: Final = 4096  # buckets held while counting: beyond, they are merged into larger ones
TARGET_BUCKETS: Final = 60  # at most this many buckets drawn when the size is chosen from the data
# Each divides the next, so that counts in one size merge exactly into the next.
NICE_SIZES: Final = (1, 5, 10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400)
UNITS: Final = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_SIZE = re.compile(r"([1-9][0-9]{0,5})([smhd])")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=timezone.utc)


def parse_bucket(text: str) -> int:
    """A bucket size as written (`30s`, `5m`, `1h`, `1d`) in seconds; ValueError names what is wrong."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bucket size {text[:40]!r}: give a whole number and a unit, as 30s, 5m, 1h or 1d")
    return int(match.group(1)) * UNITS[match.group(2)]


def size_text(seconds: int) -> str:
    """A bucket size in its largest whole unit: 300 is `5m`, 90 is `90s`."""
    for unit, length in UNITS.items():
        if seconds % length == 0:
            return f"{seconds // length}{unit}"
    return f"{seconds}s"  # not reached: every whole number of seconds is a number of seconds


def bucket_text(start: int) -> str:
    """A bucket's start as ISO 8601 in UTC: `2024-05-14T08:01:00Z`."""
    moment = _EPOCH + timedelta(seconds=start)
    return f"{moment.year:04}-{moment:%m-%dT%H:%M:%S}Z"


def next_nice_size(size: int) -> int:
    """The nice size after `size`: the next in NICE_SIZES, then twice as many days."""
    return next((nice for nice in NICE_SIZES if nice > size), size * 2)


class Row(NamedTuple):
    """One bucket's count for one code; a bucket is named by its start, in seconds since the epoch."""

    bucket: int
    code: str
    errors: int


class Counts(NamedTuple):
    """A timeline's result: the bucket size, the counts per bucket and code, the lines not placed."""

    size: int
    buckets: dict[int, dict[str, int]]  # bucket start -> code -> count, starts in order
    unplaced: int  # lines with errors but without a timestamp
    requested: int | None  # the size the user gave, if any: `size` is larger when buckets were merged

    @property
    def merged(self) -> bool:
        """The size given was too small for the span: its buckets were merged into larger ones."""
        return self.requested is not None and self.size != self.requested

    def codes(self) -> list[str]:
        """The codes, most frequent first (ties by name)."""
        totals: Counter[str] = Counter()
        for counts in self.buckets.values():
            totals.update(counts)
        return sorted(totals, key=lambda code: (-totals[code], code))

    def rows(self) -> Iterator[Row]:
        """Every bucket from the first to the last, each with every code, most frequent first, and
        its count, 0 included: a series per code without gaps, as a plot or a spreadsheet wants it."""
        codes = self.codes()
        for start in self.starts():
            counts = self.buckets.get(start, {})
            for code in codes:
                yield Row(start, code, counts.get(code, 0))

    def starts(self) -> list[int]:
        """Every bucket's start from the first to the last, empty ones included (for a chart)."""
        if not self.buckets:
            return []
        first, last = min(self.buckets), max(self.buckets)
        return list(range(first, last + 1, self.size))


class Timeline:
    """Count errors per (bucket, code) as lines come; `counts()` gives the result."""

    def __init__(self, bucket: int | None = None, max_buckets: int = MAX_BUCKETS) -> None:
        if bucket is not None and bucket < 1:
            raise ValueError(f"bucket size {bucket}: must be at least one second")
        self._requested = bucket
        self._size = bucket or 1
        self._max = max(1, max_buckets)
        self._buckets: dict[int, Counter[str]] = {}
        self.unplaced = 0

    def add(self, when: datetime | None, codes: Iterable[str]) -> None:
        """Count one line's errors at the moment it was written (None: the line had no timestamp)."""
        if when is None:
            self.unplaced += 1
            return
        since = when - _EPOCH  # whole seconds, floored: a timedelta's seconds and microseconds are never negative
        second = since.days * 86400 + since.seconds
        start = second - second % self._size
        counts = self._buckets.get(start)
        if counts is None:
            counts = self._buckets[start] = Counter()
            if len(self._buckets) > self._max:
                self._merge(self._larger(self._size))
                counts = self._buckets[second - second % self._size]
        if isinstance(codes, list | tuple) and len(codes) == 1:  # most lines: no Counter.update
            code = codes[0]
            counts[code] = counts.get(code, 0) + 1
        else:
            counts.update(codes)

    def counts(self) -> Counts:
        """The counts so far, in buckets of the size given, or else of a nice size for their span."""
        if self._requested is None and self._buckets:
            first, last = min(self._buckets), max(self._buckets)
            size = self._size
            while last // size - first // size + 1 > TARGET_BUCKETS:
                size = next_nice_size(size)
            self._merge(size)
        buckets = {start: dict(self._buckets[start]) for start in sorted(self._buckets)}
        return Counts(self._size, buckets, self.unplaced, self._requested)

    def merge(self, other: Timeline) -> None:
        """Add the counts of another timeline of the same bucket size and maximum (a part of the
        same input). Whatever order parts are added and merged in, the result is the same: the
        smallest size of the chain (each dividing the next) that holds all their buckets within
        the maximum, as one timeline fed every line would have. Merge before `counts()`, which
        coarsens an unrequested size to the span it has seen."""
        if other._requested != self._requested or other._max != self._max:
            raise ValueError("only timelines of the same bucket size and maximum merge")
        if other._size > self._size:
            self._merge(other._size)
        size = self._size
        for start, counts in other._buckets.items():
            key = start - start % size
            held = self._buckets.get(key)
            if held is None:
                self._buckets[key] = Counter(counts)
            else:
                held.update(counts)
        self.unplaced += other.unplaced
        if len(self._buckets) > self._max:
            self._merge(self._larger(size))

    def _larger(self, size: int) -> int:
        """The next size to merge into: the next nice one, or twice the size the user gave."""
        return size * 2 if self._requested is not None else next_nice_size(size)

    def _merge(self, size: int) -> None:
        """Count in buckets of `size` (a multiple of the current size), and as many times larger
        as it takes to hold no more than the maximum."""
        while True:
            merged: dict[int, Counter[str]] = {}
            for start, counts in self._buckets.items():
                key = start - start % size
                if key in merged:
                    merged[key].update(counts)
                else:
                    merged[key] = counts
            self._buckets, self._size = merged, size
            if len(merged) <= self._max:
                return
            size = self._larger(size)
