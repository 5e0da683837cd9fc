"""Printers and renderers by name, one module per output family; each imported only when used.

This module holds what they share (the style of an invocation, JSON records, plain fields) and
the tables by name from which the commands take their `--format` choices. Rich is imported only
by `table`, to draw.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, NamedTuple

from ..controls import json_safe
from ..controls import terminal_safe as terminal_safe  # where the commands have always found it

if TYPE_CHECKING:  # at run time these stay unimported: `lookup` needs none of them
    from ..catalogue import Entry
    from ..explanation import Explanation
    from ..registry import Registry

_RETRY_TEXT: Final = {
    "no": "no",
    "yes": "yes",
    "backoff": "yes, with backoff",
    "idempotent": "yes, if the call is idempotent",
}
_PLAIN_ESCAPES: Final = str.maketrans({"\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\"})


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
    return text.translate(_PLAIN_ESCAPES)  # one pass, as a regular expression would (no compile)


def json_line(record: dict[str, Any]) -> bytes:
    """One JSON Lines record: UTF-8, non-ASCII text as itself, nothing that could split the line
    (U+0085, U+2028, U+2029 are line ends to some readers) or act on a terminal (C1, bidi) raw."""
    import json

    return json_safe(json.dumps(record, ensure_ascii=False)).encode("utf-8") + b"\n"


def json_text(value: object) -> str:
    """A JSON document, indented, with what json_line escapes escaped (see `controls.json_safe`)."""
    import json

    return json_safe(json.dumps(value, ensure_ascii=False, indent=2)) + "\n"


def json_str(text: str | None) -> str | None:
    """Undecodable input bytes become U+FFFD in JSON text; the raw line is kept elsewhere."""
    if text is None:
        return None
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def json_name(filename: str) -> dict[str, str | None]:
    """A file name as JSON: `file` as text (undecodable bytes as U+FFFD), `file_base64` its exact
    bytes when it is not valid UTF-8, as for a line."""
    name = json_str(filename)
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
        "code": json_str(found.code),
        "module_code": found.module_code if found.module_code is not None else entry and entry.module_code,
        "error_code": found.error_code if found.error_code is not None else entry and entry.error_code,
        "message": json_str(found.message),
        "description": style.description(entry) if entry else None,
        "request_id": json_str(found.request_id),
        "format": found.form,
        "envelope": found.envelope,
        "code_desc": json_str(found.code_desc),
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


def catalogue_state(item: Explanation) -> str:
    if item.entry is None:
        return "not in catalogue"
    if item.message_agrees is False:
        return "message differs from catalogue"
    return "in catalogue"


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


# ---------------------------------------------------------------- printers and renderers by name


class _Lazy:
    """A renderer found by name in its module at the first call: `lookup` imports no other family."""

    def __init__(self, module: str, name: str) -> None:
        self._module, self._name = module, name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{self._module}"), self._name)(*args, **kwargs)


EntryRenderer = Callable[["Sequence[Entry]", IO[str], Style], None]
ExplanationRenderer = Callable[["Sequence[Explanation]", IO[str], Style], None]

ENTRY_RENDERERS: Final[dict[str, EntryRenderer]] = {
    "table": _Lazy("table", "entries"),
    "json": _Lazy("json", "entries"),
    "plain": _Lazy("plain", "entries"),
    "csv": _Lazy("csv", "entries"),
    "markdown": _Lazy("markdown", "entries"),
}
EXPLANATION_RENDERERS: Final[dict[str, ExplanationRenderer]] = {
    "table": _Lazy("table", "explanations"),
    "json": _Lazy("json", "explanations"),
    "plain": _Lazy("plain", "explanations"),
}
FORMATS: Final = tuple(EXPLANATION_RENDERERS)  # every command's formats; `list` adds csv and markdown
# grep's printers: matched lines in one of FORMATS (`lines`), or a report that replaces them.
REPORTS: Final[dict[str, Callable[..., None]]] = {
    "count": _Lazy("count", "report"),
    "summary": _Lazy("summary", "report"),
    "files-with-matches": _Lazy("files", "report"),
}


def line_printer(out: IO[bytes], fmt: str, style: Style, **options: Any) -> Any:
    """grep's printer of matched lines and their context in a format: a search's sink."""
    from .lines import LinePrinter

    return LinePrinter(out, fmt, style, **options)
