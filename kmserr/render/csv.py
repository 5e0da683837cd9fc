"""CSV of catalogue entries, for spreadsheets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Final

from . import Style, entry_record

if TYPE_CHECKING:
    from ..catalogue import Entry


CSV_COLUMNS: Final = (
    "code", "product", "generation", "module_code", "error_code", "message", "description", "description_zh",
    "category", "retry", "retryable", "action", "action_zh", "actions", "equivalents", "links", "source",
)


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    """One row an entry, lists joined by "; ", for spreadsheets (RFC 4180 quoting)."""
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        record = entry_record(entry, style)
        record["links"] = [f"{link['title']}: {link['url']}" for link in record["links"]]
        writer.writerow(
            "; ".join(value) if isinstance(value, list) else "" if value is None else value
            for value in (record[column] for column in CSV_COLUMNS)
        )
