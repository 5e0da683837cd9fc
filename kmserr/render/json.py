"""JSON: whole documents for lookup, parse, list and --summary; one record a line for grep."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from . import Style, entry_record, explanation_record, json_line, json_name, json_str, json_text

if TYPE_CHECKING:
    from ..catalogue import Entry
    from ..explanation import Explanation
    from ..scan import Hit


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    out.write(json_text([entry_record(e, style) for e in entries]))


def explanations(items: Sequence[Explanation], out: IO[str], style: Style) -> None:
    out.write(json_text([explanation_record(i, style) for i in items]))


def summary(rows: Sequence[tuple[str, int, str, str | None, str | None]], out: IO[str], style: Style) -> None:
    """grep's --summary as one JSON array."""
    records = [
        {"code": json_str(c), "count": n, "message": json_str(m), "first_seen": first, "last_seen": last}
        for c, n, m, first, last in rows
    ]
    out.write(json_text(records))


def matched_line(hit: Hit, items: Sequence[Explanation], filename: str, style: Style) -> bytes:
    """One matched line of grep as a JSON Lines record, each match with its byte span."""
    matches = []
    for item in items:
        start, end = hit.byte_span(item.finding)
        matches.append({**explanation_record(item, style), "start": start, "end": end})
    record: dict[str, Any] = {**json_name(filename), "line_number": hit.line_number, "line": json_str(hit.text)}
    try:
        hit.line.decode("utf-8")
    except UnicodeDecodeError:
        import base64  # only for lines that are not valid UTF-8

        record["line_base64"] = base64.b64encode(hit.line).decode("ascii")
    record["matches"] = matches
    return json_line(record)


def context_line(number: int, line: bytes, filename: str) -> bytes:
    """A line around a match (-A/-B/-C) as a JSON Lines record marked as context."""
    text = line.decode("utf-8", "replace")
    return json_line({**json_name(filename), "line_number": number, "line": text, "context": True})
