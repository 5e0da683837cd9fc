"""Markdown tables of catalogue entries, for documents and wikis."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from . import Style, retry_text

if TYPE_CHECKING:
    from ..catalogue import Entry


def markdown_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    """A Markdown table, for documents and wikis."""
    out.write("| Code | Product | Error code | Message | Description | Category | Retry | Action |\n")
    out.write("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
    for e in entries:
        cells = (
            f"`{e.code}`", e.product, e.error_code, e.message, style.description(e), e.category,
            retry_text(e.retry), style.action(e),
        )
        out.write("| " + " | ".join(markdown_cell(c) for c in cells) + " |\n")
