"""Renderers, one per output format and chosen by name; Rich is imported only to draw tables."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, NamedTuple

from .controls import json_safe, linkable
from .controls import terminal_safe as terminal_safe  # where the commands have always found it

if TYPE_CHECKING:  # at run time these stay unimported: `lookup` needs none of them
    from .catalogue import Entry
    from .explanation import Explanation
    from .registry import Registry
    from .scan import Hit

FORMATS: Final = ("table", "json", "plain")

_RETRY_TEXT: Final = {
    "no": "no",
    "yes": "yes",
    "backoff": "yes, with backoff",
    "idempotent": "yes, if the call is idempotent",
}
_PLAIN_UNSAFE = re.compile(r"[\t\n\r\\]")


class Style(NamedTuple):
    """How to draw on this invocation's output: colour, width, language, and where to find related codes."""

    color: bool = False
    width: int | None = None
    lang: str = "en"
    registry: Registry | None = None

    def description(self, entry: Entry) -> str:
        return entry.description_zh if self.lang == "zh" and entry.description_zh else entry.description

    def action(self, entry: Entry) -> str:
        return entry.action_zh if self.lang == "zh" and entry.action_zh else entry.action

    def related(self, entry: Entry) -> tuple[Entry, ...]:
        return self.registry.related(entry) if self.registry is not None else ()

    def from_team(self, entry: Entry) -> bool:
        return self.registry is not None and self.registry.from_team(entry)

    def overrides(self, entry: Entry) -> bool:
        return self.registry is not None and self.registry.overrides(entry)


def retry_text(retry: str) -> str:
    return _RETRY_TEXT.get(retry, retry)


def plain_field(value: object) -> str:
    """One tab-separated field: tabs, line ends and backslashes escaped, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return _PLAIN_UNSAFE.sub(lambda m: {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"}[m.group(0)], text)


def json_line(record: dict[str, Any]) -> bytes:
    """One JSON Lines record: UTF-8, non-ASCII text as itself, nothing that could split the line
    (U+0085, U+2028, U+2029 are line ends to some readers) or act on a terminal (C1, bidi) raw."""
    import json

    return json_safe(json.dumps(record, ensure_ascii=False)).encode("utf-8") + b"\n"


def json_text(value: object) -> str:
    """A JSON document, indented, with what json_line escapes escaped (see `controls.json_safe`)."""
    import json

    return json_safe(json.dumps(value, ensure_ascii=False, indent=2)) + "\n"


def _json_text(text: str | None) -> str | None:
    """Undecodable input bytes become U+FFFD in JSON text; the raw line is kept elsewhere."""
    if text is None:
        return None
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _json_name(filename: str) -> dict[str, str | None]:
    """A file name as JSON: `file` as text (undecodable bytes as U+FFFD), `file_base64` its exact
    bytes when it is not valid UTF-8, as for a line."""
    name = _json_text(filename)
    if name == filename:
        return {"file": name}
    import base64

    return {"file": name, "file_base64": base64.b64encode(os.fsencode(filename)).decode("ascii")}


# ---------------------------------------------------------------- records (the JSON schema)


def entry_record(entry: Entry, style: Style | None = None) -> dict[str, Any]:
    style = style or Style()
    return {
        "code": entry.code,
        "product": entry.product,
        "generation": entry.generation,
        "module_code": entry.module_code,
        "error_code": entry.error_code,
        "message": entry.message,
        "message_templates": list(entry.message_templates),
        "description": style.description(entry),
        "description_en": entry.description,
        "description_zh": entry.description_zh,
        "category": entry.category,
        "retry": entry.retry,
        "retryable": entry.retryable,
        "action": style.action(entry),
        "action_zh": entry.action_zh,
        "links": [{"title": link.title, "url": link.url} for link in entry.links],
        "actions": list(entry.actions),
        "equivalents": [f"{e.product}:{e.code}" for e in style.related(entry)],
        "source": entry.source,
        "source_zh": entry.source_zh,
        "origin": entry.origin if style.from_team(entry) else None,
        "overrides": style.overrides(entry),
    }


def explanation_record(item: Explanation, style: Style | None = None) -> dict[str, Any]:
    style = style or Style()
    found, entry = item.finding, item.entry
    family = item.family
    return {
        "code": _json_text(found.code),
        "module_code": found.module_code if found.module_code is not None else entry and entry.module_code,
        "error_code": found.error_code if found.error_code is not None else entry and entry.error_code,
        "message": _json_text(found.message),
        "description": style.description(entry) if entry else None,
        "request_id": _json_text(found.request_id),
        "format": found.format,
        "code_desc": _json_text(found.code_desc),
        "in_catalogue": entry is not None,
        "message_agrees": item.message_agrees,
        "family": {"code": family.code, "description": style.description(family)} if family else None,
        "entry": entry_record(entry, style) if entry else None,
    }


def meaning(item: Explanation, style: Style | None = None) -> str:
    """What a found code means, in a few words; a code not in the catalogue says so."""
    style = style or Style()
    if item.entry is not None:
        return item.entry.message or style.description(item.entry)
    if item.family is not None:
        return f"not in catalogue; family {item.family.code}: {style.description(item.family)}"
    return "not in catalogue"


# ---------------------------------------------------------------- catalogue entries


def _entries_json(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    out.write(json_text([entry_record(e, style) for e in entries]))


def _entries_plain(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    for e in entries:
        fields = (
            e.code, e.error_code, e.product, e.category, e.retry, e.message, style.description(e),
            style.action(e), ",".join(e.actions), e.origin if style.from_team(e) else None,
        )
        out.write("\t".join(plain_field(f) for f in fields) + "\n")


def _entries_table(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console(out, style)
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



CSV_COLUMNS: Final = (
    "code", "product", "generation", "module_code", "error_code", "message", "description", "description_zh",
    "category", "retry", "retryable", "action", "action_zh", "actions", "equivalents", "links", "source",
)


def _entries_csv(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
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


def _markdown_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", "<br>")


def _entries_markdown(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    """A Markdown table, for documents and wikis."""
    out.write("| Code | Product | Error code | Message | Description | Category | Retry | Action |\n")
    out.write("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
    for e in entries:
        cells = (
            f"`{e.code}`", e.product, e.error_code, e.message, style.description(e), e.category,
            retry_text(e.retry), style.action(e),
        )
        out.write("| " + " | ".join(_markdown_cell(c) for c in cells) + " |\n")


ENTRY_RENDERERS: Final[dict[str, Callable[[Sequence[Entry], IO[str], Style], None]]] = {
    "table": _entries_table,
    "json": _entries_json,
    "plain": _entries_plain,
    "csv": _entries_csv,
    "markdown": _entries_markdown,
}


# ---------------------------------------------------------------- parse results


def _explanations_json(items: Sequence[Explanation], out: IO[str], style: Style) -> None:
    out.write(json_text([explanation_record(i, style) for i in items]))


def _catalogue_state(item: Explanation) -> str:
    if item.entry is None:
        return "not in catalogue"
    if item.message_agrees is False:
        return "message differs from catalogue"
    return "in catalogue"


def _explanations_plain(items: Sequence[Explanation], out: IO[str], style: Style) -> None:
    for item in items:
        rec = explanation_record(item, style)
        fields = (
            item.finding.code, rec["module_code"], rec["error_code"], item.finding.request_id,
            item.finding.format, _catalogue_state(item), item.finding.message,
            rec["description"] or (meaning(item, style) if item.family else None),
        )
        out.write("\t".join(plain_field(f) for f in fields) + "\n")


def _explanations_table(items: Sequence[Explanation], out: IO[str], style: Style) -> None:
    from rich.panel import Panel
    from rich.text import Text

    console = _console(out, style)
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
        rows.append(("Format", Text(found.format)))
        state = _catalogue_state(item)
        rows.append(("Catalogue", Text(state, style="green" if state == "in catalogue" else "yellow")))
        if item.family is not None:
            rows.append(("Family", Text(terminal_safe(f"{item.family.code}: {style.description(item.family)}"))))
        if entry is not None:
            if item.message_agrees is False and entry.message is not None:
                rows.append(("Documented", Text(terminal_safe(entry.message))))
            rows += _advice_rows(entry, style)
        console.print(Panel(_grid(rows), expand=False))


EXPLANATION_RENDERERS: Final[dict[str, Callable[[Sequence[Explanation], IO[str], Style], None]]] = {
    "table": _explanations_table,
    "json": _explanations_json,
    "plain": _explanations_plain,
}


# ---------------------------------------------------------------- grep


def annotation(items: Iterable[Explanation], style: Style | None = None) -> str:
    """One short line saying what a log line's errors mean."""
    style = style or Style()
    parts = []
    for item in items:
        entry = item.entry
        if entry is None:
            parts.append(f"{item.finding.code} ({meaning(item, style)})")
            continue
        what = entry.message or style.description(entry)
        parts.append(f"{entry.code} {what} [{entry.category}; retry: {retry_text(entry.retry)}] {style.action(entry)}")
    return "kmserr: " + " | ".join(parts)


class HitWriter:
    """Write grep's matched lines to a binary stream as they arrive; no Rich in this loop."""

    def __init__(
        self,
        out: IO[bytes],
        fmt: str,
        style: Style,
        *,
        with_filename: bool = False,
        line_numbers: bool = False,
        annotate: bool = True,
        encoding: str = "utf-8",
    ) -> None:
        from .streams import ERRORS

        self._out = out
        # kmserr's own text in the output's encoding (the locale's); what it cannot encode escaped.
        self._encoding, self._errors = encoding, ERRORS
        self._fmt = fmt
        self._style = style
        self._with_filename = with_filename
        self._line_numbers = line_numbers
        self._annotate = annotate
        # The annotation of each combination of codes, computed once (entries live as long as the run).
        self._notes: dict[tuple[object, ...], bytes] = {}

    def flush(self) -> None:
        self._out.flush()

    def context_break(self) -> None:
        """The separator between groups of context lines, as grep prints it."""
        if self._fmt != "json":
            self._out.write(b"--\n")

    def context(self, number: int, line: bytes, filename: str) -> None:
        """A line printed around a match (-A/-B/-C), marked as grep marks them."""
        if self._fmt == "json":
            text = line.decode("utf-8", "replace")
            record = {**_json_name(filename), "line_number": number, "line": text, "context": True}
            self._out.write(json_line(record))
            return
        prefix = b""
        if self._with_filename:
            prefix += os.fsencode(filename) + b"-"  # the name's bytes as they were given
        if self._line_numbers:
            prefix += b"%d-" % number
        if self._fmt == "table":
            safe = terminal_safe(line.decode("utf-8", "surrogateescape")).encode(self._encoding, self._errors)
            dim, reset = (b"\x1b[2m", b"\x1b[0m") if self._style.color else (b"", b"")
            self._out.write(dim + prefix + safe + reset + b"\n")
        else:
            self._out.write(prefix + line + b"\n")

    def matched(self, hit: Hit, items: Sequence[Explanation], filename: str) -> None:
        if self._fmt == "json":
            self._out.write(self._json(hit, items, filename))
        elif self._fmt == "table":
            self._out.write(self._terminal(hit, items, filename))
        else:
            for piece in self._plain(hit, items, filename):
                self._out.write(piece)

    def _prefix(self, hit: Hit, filename: str) -> bytes:
        parts = []
        if self._with_filename:
            parts.append(os.fsencode(filename) + b":")
        if self._line_numbers:
            parts.append(b"%d:" % hit.line_number)
        return b"".join(parts)

    def _plain(self, hit: Hit, items: Sequence[Explanation], filename: str) -> tuple[bytes, ...]:
        """The line's bytes as they were, then a tab and the annotation; in pieces when the line is
        long, so that a line of hundreds of MiB is not copied once more to be written."""
        tail = b""
        if self._annotate:
            key = tuple((id(i.entry), id(i.family), i.entry is None and i.finding.code) for i in items)
            tail = self._notes.get(key, b"")
            if not tail:
                tail = b"\t" + plain_field(annotation(items, self._style)).encode(self._encoding, self._errors)
                if len(self._notes) < 4096:
                    self._notes[key] = tail
        prefix = self._prefix(hit, filename)
        if len(hit.line) > 65536:
            return (prefix, hit.line, tail + b"\n")
        return (prefix + hit.line + tail + b"\n",)

    def _json(self, hit: Hit, items: Sequence[Explanation], filename: str) -> bytes:
        matches = []
        for item in items:
            start, end = hit.byte_span(item.finding)
            matches.append({**explanation_record(item, self._style), "start": start, "end": end})
        record: dict[str, Any] = {**_json_name(filename), "line_number": hit.line_number, "line": _json_text(hit.text)}
        try:
            hit.line.decode("utf-8")
        except UnicodeDecodeError:
            import base64  # only for lines that are not valid UTF-8

            record["line_base64"] = base64.b64encode(hit.line).decode("ascii")
        record["matches"] = matches
        return json_line(record)

    def _terminal(self, hit: Hit, items: Sequence[Explanation], filename: str) -> bytes:
        color = self._style.color
        bold_red, dim, cyan, reset = ("\x1b[1;31m", "\x1b[2m", "\x1b[36m", "\x1b[0m") if color else ("",) * 4
        pieces: list[str] = []
        pos = 0
        for item in items:
            f = item.finding
            if f.start < pos:
                continue
            code = terminal_safe(hit.text[f.start : f.end])
            pieces += [terminal_safe(hit.text[pos : f.start]), bold_red, code, reset]
            pos = f.end
        pieces.append(terminal_safe(hit.text[pos:]))
        prefix = ""
        if self._with_filename:
            prefix += f"{cyan}{terminal_safe(filename)}{reset}:"
        if self._line_numbers:
            prefix += f"{dim}{hit.line_number}{reset}:"
        line = prefix + "".join(pieces) + "\n"
        if self._annotate:
            line += f"  {dim}↳ {terminal_safe(annotation(items, self._style))}{reset}\n"
        return line.encode(self._encoding, self._errors)


def render_counts(counts: Sequence[tuple[str, int]], out: IO[str], with_filename: bool) -> None:
    for name, count in counts:
        out.write(f"{plain_field(name)}:{count}\n" if with_filename else f"{count}\n")


def render_summary(
    rows: Sequence[tuple[str, int, str, str | None, str | None]], fmt: str, out: IO[str], style: Style
) -> None:
    """Codes by how often they occurred: (code, count, what it is, first seen, last seen)."""
    if fmt == "json":
        records = [
            {"code": _json_text(c), "count": n, "message": _json_text(m), "first_seen": first, "last_seen": last}
            for c, n, m, first, last in rows
        ]
        out.write(json_text(records))
    elif fmt == "plain":
        for code, count, meaning, first, last in rows:
            fields = (str(count), plain_field(code), plain_field(meaning), plain_field(first), plain_field(last))
            out.write("\t".join(fields) + "\n")
    else:
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
        _console(out, style).print(table)


def _console(out: IO[str], style: Style) -> Any:
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
