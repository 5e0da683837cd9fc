"""CSV of catalogue entries, for spreadsheets."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Final

from . import Style, entry_record

if TYPE_CHECKING:
    from ..catalogue import Entry


CSV_COLUMNS: Final = (
    "code", "product", "generation", "module_code", "error_code", "message", "description", "description_zh",
    "category", "retry", "retryable", "action", "action_zh", "actions", "equivalents", "links", "source",
)


# A cell that begins with one of these is a formula to Excel, LibreOffice and Google Sheets
# (`=cmd|' /c calc'!A1`, `=HYPERLINK(...)`, `@SUM(...)`): OWASP's advice is a leading `'`, which
# they show as text. Team catalogues and log lines are untrusted, so every cell is checked.
_FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: object) -> str:
    """A value as a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "; ".join(value) if isinstance(value, list) else "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def rows(out: IO[str]) -> Callable[[Iterable[object]], None]:
    """A writer of RFC 4180 rows ending in "\n": a cell holding a carriage return is quoted too
    (Python's writer quotes only the characters of its line terminator), each cell `cell`-safe."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def write(row: Iterable[object]) -> None:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([cell(value) for value in row])
        out.write(buffer.getvalue()[:-2] + "\n")

    return write


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    """One row an entry, lists joined by "; ", for spreadsheets (RFC 4180 quoting)."""
    write = rows(out)
    write(CSV_COLUMNS)
    for entry in entries:
        record = entry_record(entry, style)
        # A spreadsheet keeps both languages side by side; JSON carries only the one asked for.
        record["description_zh"], record["action_zh"] = entry.description_zh, entry.action_zh
        record["links"] = [f"{link['title']}: {link['url']}" for link in record["links"]]
        write(record[column] for column in CSV_COLUMNS)
