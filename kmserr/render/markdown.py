"""Markdown tables of catalogue entries, for documents and wikis."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from . import Style, retry_text

if TYPE_CHECKING:
    from ..catalogue import Entry


def markdown_cell(value: object) -> str:
    """A value as one table cell whose HTML a renderer shows as text (`<script>`, `<img onerror>`
    from a team catalogue stay text): escaped, pipes and line ends kept inside the cell."""
    text = ("" if value is None else str(value)).replace("\\", "\\\\")
    # Brackets escaped too: `[text](javascript:...)` and `![](https://tracker)` stay text.
    text = html.escape(text, quote=False).replace("[", "\\[").replace("]", "\\]").replace("|", "\\|")
    return text.replace("\r", " ").replace("\n", "<br>")


def code_cell(code: str) -> str:
    """A code in backticks, where Markdown shows it literally; escaped like any cell when it holds
    what a code span would show as written (`&lt;`) or end early (a backtick)."""
    if "`" in code or html.escape(code, quote=False) != code:
        return markdown_cell(code)
    return markdown_cell(f"`{code}`")


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    """A Markdown table, for documents and wikis."""
    out.write("| Code | Product | Error code | Message | Description | Category | Retry | Action |\n")
    out.write("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
    for e in entries:
        cells = (
            e.product, e.error_code, e.message, style.description(e), e.category, retry_text(e.retry), style.action(e),
        )
        out.write("| " + " | ".join([code_cell(e.code), *map(markdown_cell, cells)]) + " |\n")
