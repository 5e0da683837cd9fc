"""Rich's tables and cards on a terminal: catalogue entries, parse results and grep's summary."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, Final

from ..controls import linkable, terminal_safe
from . import Style, catalogue_state, explanation_record, retry_text, short_retry_text, verdict

if TYPE_CHECKING:
    from ..catalogue import Entry
    from ..explanation import Explanation
    from .summary import Row


# A table is drawn only when Action and Meaning keep this many columns beside codes that are never
# wrapped; below it each entry is drawn on lines of its own. Category, Group and the times of a
# summary are drawn only when Action and Meaning would still have ROOM.
FLEX_MIN: Final = 60
ROOM: Final = 64


def layout(width: int, fixed: Sequence[int], optional: Sequence[tuple[str, int]]) -> tuple[list[str], int] | None:
    """Which optional columns fit beside the fixed ones and Action and Meaning, in order, and the
    width left for those two; None when not even the fixed ones fit (draw entries one under
    another). Columns are 3 apart (a rule between two spaces)."""

    def flexible(widths: Sequence[int]) -> int:
        return width - sum(widths) - 3 * (len(widths) + 1)

    widths = list(fixed)
    if flexible(widths) < FLEX_MIN:
        return None
    chosen = []
    for name, column_width in optional:
        if flexible([*widths, column_width]) >= ROOM:
            chosen.append(name)
            widths.append(column_width)
    return chosen, flexible(widths)


def share(room: int, action: int, meaning: int) -> tuple[int, int]:
    """The widths of Action and Meaning in `room`: what they need when it fits, else the half that
    one does not need goes to the other (Action takes the odd column)."""
    if action + meaning <= room:
        return action, meaning
    half = room // 2
    if meaning <= half:
        return room - meaning, meaning
    if action <= room - half:
        return action, room - action
    return room - half, half


def _word_width(codes: Sequence[str]) -> int:
    """The Code column's width: its longest word. A code is never wrapped; the SDK's few codes that
    are sentences (`CommonClient Parameter Error, ...`) are wrapped between their words."""
    from rich.cells import cell_len

    return max((cell_len(word) for code in codes for word in code.split()), default=0)


def _longest(texts: Sequence[str], header: str) -> int:
    from rich.cells import cell_len

    return max([cell_len(header), *(cell_len(text) for text in texts)])


def _new_table() -> Any:
    from rich import box
    from rich.table import Table

    return Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold", expand=False)


def _retry_cell(retry: str | None) -> Any:
    """A table's retry advice in few words, red when a retry cannot help, green when it can."""
    from rich.text import Text

    if retry is None:
        return Text("")
    return Text(terminal_safe(short_retry_text(retry)), style="red" if retry == "no" else "green")


def _action_text(action: str | None, mark: str | None) -> str:
    """The action, prefixed with whose advice it is when it is the family's."""
    if action is None:
        return ""
    return f"{mark}: {action}" if mark else action


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    """One entry as a card; several as a table whose codes are never wrapped, or, when the terminal
    is too narrow for that, each entry on lines of its own: code and retry, action, meaning."""
    from rich.cells import cell_len
    from rich.text import Text

    console = new_console(out, style)
    if len(entries) == 1:
        console.print(_card(entries[0], style))
        return
    grouped = any(e.error_code is not None for e in entries)
    codes = [terminal_safe(e.code) for e in entries]
    code_width = _word_width(codes)
    retry_width = max(len("Retry"), *(len(short_retry_text(e.retry)) for e in entries))
    optional = [("Category", max(len("Category"), *(cell_len(terminal_safe(e.category)) for e in entries)))]
    if grouped:
        optional.append(("Group", max(len("Group"), *(len(str(e.error_code or "")) for e in entries))))
    fits = layout(console.width, (code_width, retry_width), optional)
    if fits is None:
        for code, e in zip(codes, entries, strict=True):
            group = f"; group {e.error_code}" if e.error_code is not None else ""
            about = f"{terminal_safe(e.message or style.description(e))} ({terminal_safe(e.category)}{group})"
            _compact(console, "", code, e.retry, None, style.action(e), about)
        return
    chosen, room = fits
    # Rich is given every width: left to itself, it shrinks a Code column of sentences below its
    # longest word and crops the table's right edge.
    actions = [terminal_safe(style.action(e)) for e in entries]
    meanings = [terminal_safe(e.message or style.description(e)) for e in entries]
    action_width, meaning_width = share(room, _longest(actions, "Action"), _longest(meanings, "Meaning"))
    table = _new_table()
    table.add_column("Code", width=code_width)
    table.add_column("Retry", width=retry_width, no_wrap=True)
    table.add_column("Action", width=action_width, overflow="fold")
    table.add_column("Meaning", width=meaning_width, overflow="fold")
    for name, column_width in optional:
        if name in chosen:
            table.add_column(name, width=column_width, no_wrap=True)
    # A team's file may hold anything: every cell is escaped.
    for code, e, action, what in zip(codes, entries, actions, meanings, strict=True):
        row = [Text(code, style="bold"), _retry_cell(e.retry), Text(action), Text(what)]
        extra = {"Category": Text(terminal_safe(e.category), style="dim"), "Group": Text(str(e.error_code or ""))}
        table.add_row(*row, *(extra[name] for name in chosen))
    console.print(table)


def _compact(
    console: Any, lead: str, code: str, retry: str | None, mark: str | None, action: str | None, about: str,
    when: str | None = None,
) -> None:
    """One entry on lines of its own: `lead` (a count) and the code (never wrapped, never cut) and
    retry, then the action and, dimmed, what the code means, wrapped under them."""
    from rich.text import Text

    head = Text(lead)
    head.append(code, style="bold")
    indent = " " * (len(lead) or 2)  # under the code, or (without a count before it) 2 further in
    if retry is not None:
        retry_cell = _retry_cell(retry)
        verdict = Text("retry: " + retry_cell.plain, style=retry_cell.style)
        if head.cell_len + 2 + verdict.cell_len <= console.width:
            head.append("  ")
            head.append_text(verdict)
        else:  # a code as long as the line: the retry under it
            head.append("\n" + indent)
            head.append_text(verdict)
    console.print(head, no_wrap=True, overflow="ignore", crop=False)
    if action is not None:
        _indented(console, indent, Text(terminal_safe(_action_text(action, mark))))
    _indented(console, indent, Text(about, style="dim"))
    if when is not None:
        _indented(console, indent, Text(when, style="dim"))


def _indented(console: Any, indent: str, text: Any) -> None:
    """Text wrapped under a heading, without the spaces to the right edge that Padding would add."""
    for line in text.wrap(console, max(console.width - len(indent), 20)):
        line.rstrip()
        console.print(indent, line, sep="", no_wrap=True, overflow="ignore", crop=False)


def _card(entry: Entry, style: Style) -> Any:
    from rich.panel import Panel
    from rich.text import Text

    safe = terminal_safe  # a team's file may hold anything: every row is escaped
    rows: list[tuple[str, Text]] = [("Code", Text(safe(entry.code), style="bold"))]
    rows += _verdict_rows(entry.retry, None, style.action(entry))
    rows.append(("Product", Text(safe(f"{entry.product} ({entry.generation})"))))
    if entry.error_code is not None:
        rows.append(("Error code", Text(str(entry.error_code))))
    if entry.message is not None:
        rows.append(("Message", Text(safe(entry.message))))
    rows += _about_rows(entry, style)
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


def _verdict_rows(retry: str, mark: str | None, action: str) -> list[tuple[str, Any]]:
    """A card's headline, right under the code: retry, coloured, and the action in bold."""
    from rich.text import Text

    label = retry_text(retry) + (f", {mark}" if mark else "")
    return [
        ("Retry", Text(terminal_safe(label), style="red" if retry == "no" else "green")),
        ("Action", Text(terminal_safe(action), style="bold")),
    ]


def _about_rows(entry: Entry, style: Style) -> list[tuple[str, Any]]:
    """What an entry says the code is, for a card; a team's file may hold anything, so escaped."""
    from rich.text import Text

    rows: list[tuple[str, Any]] = [
        ("Description", Text(terminal_safe(style.description(entry)))),
        ("Category", Text(terminal_safe(entry.category))),
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
        advice = verdict(item, style)
        if advice.retry is not None:
            rows += _verdict_rows(advice.retry, advice.family_mark, advice.action or "")
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
            rows.append(("Category", Text(terminal_safe(item.family.category))))
        if entry is not None:
            if item.message_agrees is False and entry.message is not None:
                rows.append(("Documented", Text(terminal_safe(entry.message))))
            rows += _about_rows(entry, style)
        console.print(Panel(_grid(rows), expand=False))


def summary(rows: Sequence[Row], out: IO[str], style: Style) -> None:
    """grep's --summary: count, code, retry, action, meaning (category, first and last seen where
    they fit), as a table whose codes are never wrapped, or code by code when the terminal is narrow."""
    from rich.cells import cell_len
    from rich.text import Text

    console = new_console(out, style)
    codes = [terminal_safe(r.code) for r in rows]
    count_width = max([len("Count"), *(len(str(r.times)) for r in rows)])
    code_width = max(len("Code"), _word_width(codes))
    retry_width = max([len("Retry"), *(len(short_retry_text(r.retry)) for r in rows if r.retry)])
    timed = any(r.first for r in rows)
    optional = [("Category", max([len("Category"), *(cell_len(terminal_safe(r.category or "")) for r in rows)]))]
    if timed:
        seen = max([len("First seen"), *(len(r.first or "") for r in rows)])
        optional.append(("First seen", 2 * seen + 3))  # first and last seen go together
    fits = layout(console.width, (count_width, code_width, retry_width), optional)
    if fits is None:
        lead = max(len(str(r.times)) for r in rows) if rows else 0
        for code, r in zip(codes, rows, strict=True):
            about = terminal_safe(r.meaning) + (f" ({terminal_safe(r.category)})" if r.category else "")
            when = None if not r.first else f"seen {r.first}" + ("" if r.last in (None, r.first) else f" to {r.last}")
            _compact(console, f"{r.times:>{lead}}  ", code, r.retry, r.family_mark, r.action, about, when)
        return
    chosen, room = fits
    actions = [terminal_safe(_action_text(r.action, r.family_mark)) for r in rows]
    meanings = [terminal_safe(r.meaning) for r in rows]
    action_width, meaning_width = share(room, _longest(actions, "Action"), _longest(meanings, "Meaning"))
    table = _new_table()
    table.add_column("Count", justify="right", width=count_width, no_wrap=True)
    table.add_column("Code", width=code_width)
    table.add_column("Retry", width=retry_width, no_wrap=True)
    table.add_column("Action", width=action_width, overflow="fold")
    table.add_column("Meaning", width=meaning_width, overflow="fold")
    if "Category" in chosen:
        table.add_column("Category", width=dict(optional)["Category"], no_wrap=True)
    if "First seen" in chosen:
        table.add_column("First seen", width=seen, no_wrap=True)
        table.add_column("Last seen", width=seen, no_wrap=True)
    for code, r, action, what in zip(codes, rows, actions, meanings, strict=True):
        cells: list[Any] = [str(r.times), Text(code, style="bold"), _retry_cell(r.retry), Text(action), Text(what)]
        if "Category" in chosen:
            cells.append(Text(terminal_safe(r.category or ""), style="dim"))
        if "First seen" in chosen:
            cells += [r.first or "", r.last or ""]
        table.add_row(*cells)
    console.print(table)


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
        # Rich draws 80 wide on a dumb terminal (TERM=dumb, Emacs' shell) unless given a height too.
        height=25,
        highlight=False,
        markup=False,
        emoji=False,
    )
