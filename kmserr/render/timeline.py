"""Renderers of a timeline, by format name: JSON lines, CSV, tab-separated, and a chart for a terminal.

The chart is drawn by plotext, imported only here, only when a chart is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO, Final

from ..controls import terminal_safe
from ..timeline import Counts, bucket_text, size_text
from . import Style, json_line, plain_field

TOP_CODES: Final = 5  # series drawn one per code; the other codes are drawn together as "other"
CHART_HEIGHT: Final = 20
OTHER: Final = "other"
# Without colour, the series are told apart by their marks.
_MARKS: Final = ("*", "+", "o", "x", "#", "@")


def unplaced_text(count: int) -> str:
    """What is said of the lines that had errors but no timestamp."""
    return f"{count:,} line{'' if count == 1 else 's'} without a timestamp {'was' if count == 1 else 'were'} not placed"


def _json(counts: Counts, out: IO[str], style: Style) -> None:
    for row in counts.rows():
        record = {"bucket": bucket_text(row.bucket), "code": _text(row.code), "count": row.errors}
        out.write(json_line(record).decode("utf-8"))


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
    """One line per code (the most frequent `TOP_CODES`, the others as one), over every bucket."""
    text = chart_text(counts, style)
    encoding = getattr(out, "encoding", None) or "utf-8"
    # The chart's lines and marks are not in every encoding: what an output cannot show becomes "?".
    out.write(text.encode(encoding, "replace").decode(encoding))
    if counts.unplaced:
        out.write(unplaced_text(counts.unplaced) + "\n")


def chart_text(counts: Counts, style: Style) -> str:
    """The chart as text, `style.width` wide, coloured only when `style.color` is on."""
    starts = counts.starts()
    if not starts:
        return f"No {'error line had a timestamp' if counts.unplaced else 'errors'}: nothing to draw.\n"
    import plotext as plt  # type: ignore[import-untyped]  # plotext ships no type hints

    ranked = counts.codes()
    shown, rest = ranked[:TOP_CODES], ranked[TOP_CODES:]
    series = {code: [counts.buckets.get(start, {}).get(code, 0) for start in starts] for code in shown}
    if rest:
        series[OTHER] = [sum(counts.buckets.get(start, {}).get(code, 0) for code in rest) for start in starts]
    form, axis = _time_form(starts, counts.size)
    labels = [_moment(start).strftime(form) for start in starts]
    plt.clear_figure()
    plt.date_form(_plotext_form(form))
    for i, (code, values) in enumerate(series.items()):
        label = terminal_safe(code)
        if style.color:
            plt.plot(labels, values, label=label, marker="braille")
        else:
            plt.plot(labels, values, label=label, marker=_MARKS[i % len(_MARKS)])
    top = max(max(values) for values in series.values())
    step = _tick_step(top)
    plt.yticks(list(range(0, top + step, step)))
    plt.limit_size(False, False)  # the width is style.width: plotext would shrink it to a COLUMNS of 1
    plt.plotsize(style.width or 80, CHART_HEIGHT)
    plt.title(f"KMS errors per {size_text(counts.size)}")
    plt.xlabel(axis)
    plt.ylabel("errors")
    plt.theme("clear")
    drawn: str = plt.build()
    if not style.color:
        drawn = plt.uncolorize(drawn)
    plt.clear_figure()  # plotext keeps its figure in the module: leave none behind
    return drawn.rstrip("\n") + "\n"


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


def _plotext_form(form: str) -> str:
    """plotext writes a date form without the percent signs: %Y-%m-%d is Y-m-d."""
    return form.replace("%", "")


def _tick_step(top: int) -> int:
    """A round step for about five ticks from 0 to `top`: 1, 2, 5, 10, 20, 50, ..."""
    step = 1
    while top / step > 5:
        step = _next_round(step)
    return step


def _next_round(step: int) -> int:
    """The round number after `step`: 1, 2, 5, 10, 20, 50, ..."""
    digits = len(str(step)) - 1
    lead = step // 10**digits
    return (2 if lead == 1 else 5 if lead == 2 else 10) * int(10**digits)


def _text(code: str) -> str:
    """A code for JSON and CSV: undecodable input bytes as U+FFFD."""
    return code.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


RENDERERS: Final[dict[str, Callable[[Counts, IO[str], Style], None]]] = {
    "table": _chart,
    "json": _json,
    "plain": _plain,
    "csv": _csv,
}
