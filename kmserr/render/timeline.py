"""Renderers of a timeline, by format name: JSON lines, CSV, tab-separated, and a chart for a terminal.

The data formats have a row for every code in every bucket from the first to the last, 0 where
none was seen; the chart a bar per bucket, stacked by code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import IO, Any, Final

from ..controls import terminal_safe
from ..streams import valid_text
from ..timeline import Counts, bucket_text, size_text
from . import Style, json_line, plain_field

TOP_CODES: Final = 5  # series drawn one per code; the other codes are drawn together as "other"
OTHER: Final = "other"
_ANSI: Final = re.compile("\x1b\\[[0-9;]*m")


def unplaced_text(count: int) -> str:
    """What is said of the lines that had errors but no timestamp."""
    return f"{count:,} line{'' if count == 1 else 's'} without a timestamp {'was' if count == 1 else 'were'} not placed"


def _json(counts: Counts, out: IO[str], style: Style) -> None:
    for record in json_records(counts):
        out.write(json_line(record).decode("utf-8"))


def json_records(counts: Counts) -> Iterator[dict[str, Any]]:
    """The records `--timeline --format json` prints, one a line (kmserr.blocks.Timeline gives them too)."""
    for row in counts.rows():
        yield {"bucket": bucket_text(row.bucket), "code": _text(row.code), "count": row.errors}


def _csv(counts: Counts, out: IO[str], style: Style) -> None:
    from .csv import rows

    write = rows(out)
    write(("bucket", "code", "count"))
    for row in counts.rows():
        write((bucket_text(row.bucket), _text(row.code), row.errors))


def _plain(counts: Counts, out: IO[str], style: Style) -> None:
    for row in counts.rows():
        out.write(f"{bucket_text(row.bucket)}\t{plain_field(row.code)}\t{row.errors}\n")


def _chart(counts: Counts, out: IO[str], style: Style) -> None:
    """A row per bucket, its bar stacked by code (the most frequent `TOP_CODES`, the others as one)."""
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        "".join(_BLOCKS).encode(encoding)
        marks = _BLOCKS
    except (UnicodeEncodeError, LookupError):  # an ASCII terminal: letters it can show
        marks = _ASCII_MARKS
    text = chart_text(counts, style, marks)
    out.write(text.encode(encoding, "replace").decode(encoding))
    if counts.unplaced:
        out.write(unplaced_text(counts.unplaced) + "\n")


def chart_text(counts: Counts, style: Style, marks: tuple[str, ...] | None = None) -> str:
    """The chart as text, `style.width` wide, coloured only when `style.color` is on: a title, a
    row per bucket (its start, its bar, its count at the right edge), then the legend.

    As lnav's histogram: bars of whole cells on rows, so that every count shown is a whole number
    and every row is a bucket; a bar's length follows its count (a larger count never has a
    shorter bar), and a code's part of it is told apart by its colour, and without colour by its
    mark."""
    starts = counts.starts()
    if not starts:
        return f"No {'error line had a timestamp' if counts.unplaced else 'errors'}: nothing to draw.\n"
    if marks is None:
        marks = _BLOCKS
    width = style.width or 80
    ranked = counts.codes()
    shown, rest = ranked[:TOP_CODES], ranked[TOP_CODES:]
    names = [*shown, OTHER] if rest else list(shown)
    rows = []
    for start in starts:
        bucket = counts.buckets.get(start, {})
        values = [bucket.get(code, 0) for code in shown]
        if rest:
            values.append(sum(bucket.get(code, 0) for code in rest))
        rows.append(values)
    form, axis = _time_form(starts, counts.size)
    labels = [_moment(start).strftime(form) for start in starts]
    top = max(sum(values) for values in rows)
    number = len(f"{top:,}")
    # A row: its start, a space, the bar, a space, the count right-aligned at the edge.
    room = max(width - len(labels[0]) - 2 - number, 1)
    # A bar's length is its bucket's count in cells: whole cells an error when they fit, so that two
    # buckets of one error each have bars as long as each other; a bucket with errors has a cell.
    cells = room / top
    if cells >= 1:
        cells = float(int(cells))
    title = f"KMS errors per {size_text(counts.size)}"
    lines = [f"{title}, {axis}"] if len(title) + 2 + len(axis) <= width else [title, _fit(axis, width)]
    for label, values in zip(labels, rows, strict=True):
        count = sum(values)
        length = max(round(count * cells), 1) if count else 0
        bar, drawn, running = [], 0, 0
        for i, value in enumerate(values):
            # Cut the bar where each code's share ends: the parts add up to the bar, a code's share
            # under half a cell is not drawn (the legend counts it).
            running += value
            end = round(running * length / count) if count else 0
            if end > drawn:
                bar.append(_paint(marks[i % len(marks)] * (end - drawn), i, style.color))
                drawn = end
        lines.append(f"{label} {''.join(bar)}{' ' * (room - drawn)} {count:>{number},}")
    legend = []
    for i, name in enumerate(names):
        name_shown = _fit(terminal_safe(name), width - 16)  # a tab is shown as \t: raw, it would break the line up
        legend.append(f"{_paint(marks[i % len(marks)], i, style.color)} {name_shown} ({sum(r[i] for r in rows):,})")
    lines += _wrapped(legend, width)
    return "\n".join(lines) + "\n"


# A code's part of a bar: a full block in its colour; without colour, a shade of its own.
_BLOCKS: Final = ("█", "▓", "▒", "░", "▚", "▞")
_ASCII_MARKS: Final = ("#", "=", "+", "o", "x", ":")
_COLOURS: Final = ("31", "33", "36", "35", "32", "34")  # red, yellow, cyan, magenta, green, blue


def _paint(text: str, series: int, color: bool) -> str:
    if not color:
        return text
    return f"\x1b[{_COLOURS[series % len(_COLOURS)]}m{text}\x1b[0m"


def _visible(text: str) -> int:
    return len(_ANSI.sub("", text))


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _wrapped(items: list[str], width: int) -> list[str]:
    """The legend's items, two spaces apart, on as few lines as the width allows."""
    lines: list[str] = []
    line = ""
    for item in items:
        if line and _visible(line) + 2 + _visible(item) > width:
            lines.append(line)
            line = ""
        line = f"{line}  {item}" if line else item
    return [*lines, line]


def _moment(start: int) -> datetime:
    return datetime.fromtimestamp(start, timezone.utc)


def _time_form(starts: list[int], size: int) -> tuple[str, str]:
    """How to write the times on the x axis, and its label: the date only once when all are on one day."""
    clock = "%H:%M:%S" if size % 60 else "%H:%M"
    if size % 86400 == 0:
        return "%Y-%m-%d", "date (UTC)"
    first, last = _moment(starts[0]), _moment(starts[-1])
    if first.date() == last.date():
        return clock, f"time (UTC) on {first:%Y-%m-%d}"
    return f"%Y-%m-%d {clock}", "time (UTC)"


def _text(code: str) -> str:
    """A code for JSON and CSV: undecodable input bytes as U+FFFD."""
    return valid_text(code)


RENDERERS: Final[dict[str, Callable[[Counts, IO[str], Style], None]]] = {
    "table": _chart,
    "json": _json,
    "plain": _plain,
    "csv": _csv,
}
