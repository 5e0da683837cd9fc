"""Rich's tables and cards on a terminal: catalogue entries, parse results and grep's summary."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

from ..controls import linkable, terminal_safe
from . import Style, catalogue_state, explanation_record, retry_text

if TYPE_CHECKING:
    from ..catalogue import Entry
    from ..explanation import Explanation


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    from rich.table import Table
    from rich.text import Text

    console = new_console(out, style)
    if len(entries) == 1:
        console.print(_card(entries[0], style))
        return
    table = Table(show_lines=False, header_style="bold", expand=False)
    grouped = any(e.error_code is not None for e in entries)
    table.add_column("Code", overflow="fold")
    if grouped:
        table.add_column("Group")
    for name in ("Meaning", "Category", "Retry", "Action"):
        table.add_column(name, overflow="fold")
    # A team's file may hold anything: every cell is escaped.
    for e in entries:
        row = [Text(terminal_safe(e.code), style="bold")]
        if grouped:
            row.append(Text(str(e.error_code or "")))
        row += [
            Text(terminal_safe(e.message or style.description(e))),
            Text(terminal_safe(e.category)),
            Text(terminal_safe(retry_text(e.retry)), style="green" if e.retryable else "red"),
            Text(terminal_safe(style.action(e))),
        ]
        table.add_row(*row)
    console.print(table)


def _card(entry: Entry, style: Style) -> Any:
    from rich.panel import Panel
    from rich.text import Text

    safe = terminal_safe  # a team's file may hold anything: every row is escaped
    rows: list[tuple[str, Text]] = [
        ("Code", Text(safe(entry.code), style="bold")),
        ("Product", Text(safe(f"{entry.product} ({entry.generation})"))),
    ]
    if entry.error_code is not None:
        rows.append(("Error code", Text(str(entry.error_code))))
    if entry.message is not None:
        rows.append(("Message", Text(safe(entry.message))))
    rows += _advice_rows(entry, style)
    if style.from_team(entry):
        note = " (overrides kmserr's own entry)" if style.overrides(entry) else ""
        rows.append(("From", Text(safe(entry.origin) + note, style="yellow")))
    related = style.related(entry)
    if related:
        rows.append(("Same as", Text(safe(", ".join(f"{e.code} ({e.product})" for e in related)) + " (inferred)")))
    if entry.actions:
        rows.append(("Returned by", Text(safe(", ".join(entry.actions)))))
    title = Text(safe(f"{entry.product} {entry.code}"))
    return Panel(_grid(rows), title=title, title_align="left", expand=False)


def _grid(rows: Sequence[tuple[str, Any]]) -> Any:
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, value in rows:
        grid.add_row(name, value)
    return grid


def _advice_rows(entry: Entry, style: Style) -> list[tuple[str, Any]]:
    """What an entry tells the user to do, for a card; a team's file may hold anything, so escaped."""
    from rich.text import Text

    retry = Text(retry_text(entry.retry), style="green" if entry.retryable else "red")
    rows: list[tuple[str, Any]] = [
        ("Description", Text(terminal_safe(style.description(entry)))),
        ("Category", Text(terminal_safe(entry.category))),
        ("Retry", retry),
        ("Action", Text(terminal_safe(style.action(entry)))),
    ]
    for link in entry.links:
        text = Text(terminal_safe(f"{link.title}: {link.url}"))
        if linkable(link.url):  # a clickable terminal hyperlink (OSC 8) where the terminal supports it
            from rich.style import Style as RichStyle

            text.stylize(RichStyle(link=link.url))
        rows.append(("Link", text))
    return rows


def explanations(items: Sequence[Explanation], out: IO[str], style: Style) -> None:
    from rich.panel import Panel
    from rich.text import Text

    console = new_console(out, style)
    for item in items:
        found, entry = item.finding, item.entry
        rec = explanation_record(item, style)
        rows: list[tuple[str, Text]] = [("Code", Text(terminal_safe(found.code), style="bold"))]
        if rec["module_code"] is not None:
            rows.append(("Module code", Text(str(rec["module_code"]))))
        if rec["error_code"] is not None:
            rows.append(("Error code", Text(str(rec["error_code"]))))
        rows.append(("Message", Text(terminal_safe(found.message or ""))))
        if found.request_id:
            rows.append(("Request ID", Text(terminal_safe(found.request_id))))
        rows.append(("Format", Text(found.form)))
        state = catalogue_state(item, style)
        rows.append(("Catalogue", Text(terminal_safe(state), style="green" if state == "in catalogue" else "yellow")))
        if item.family is not None:
            rows.append(("Family", Text(terminal_safe(f"{item.family.code}: {style.description(item.family)}"))))
        if entry is not None:
            if item.message_agrees is False and entry.message is not None:
                rows.append(("Documented", Text(terminal_safe(entry.message))))
            rows += _advice_rows(entry, style)
        console.print(Panel(_grid(rows), expand=False))


def summary(rows: Sequence[tuple[str, int, str, str | None, str | None]], out: IO[str], style: Style) -> None:
    """grep's --summary as a table: count, code, meaning, and first and last seen where known."""
    from rich.table import Table
    from rich.text import Text

    table = Table(header_style="bold")
    table.add_column("Count", justify="right")
    table.add_column("Code", overflow="fold")
    table.add_column("Meaning", overflow="fold", ratio=1)
    timed = any(first for _, _, _, first, _ in rows)
    if timed:
        table.add_column("First seen", no_wrap=True)
        table.add_column("Last seen", no_wrap=True)
    for code, count, meaning, first, last in rows:
        cells: list[Any] = [str(count), Text(terminal_safe(code), style="bold"), Text(terminal_safe(meaning))]
        if timed:
            cells += [first or "", last or ""]
        table.add_row(*cells)
    new_console(out, style).print(table)


def new_console(out: IO[str], style: Style) -> Any:
    """A console per call, so colour follows this invocation's flags and environment."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            """Rich would exit with status 1 ("not found"): let the command end with its own status."""
            import errno

            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    # Rich reads COLUMNS and LINES itself, and int() of 5,000 digits raises: only sane ones.
    environ = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES") or len(v) <= 6}
    return _Console(
        _environ=environ,
        file=out,
        force_terminal=style.color,
        no_color=not style.color,
        color_system="standard" if style.color else None,
        width=style.width,
        highlight=False,
        markup=False,
        emoji=False,
    )
