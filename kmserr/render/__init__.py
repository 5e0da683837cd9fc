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
from ..streams import valid_text

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
# A table's Retry column: the same advice in fewer characters, so that Action and Meaning keep the width.
_SHORT_RETRY: Final = {"no": "no", "yes": "yes", "backoff": "yes, backoff", "idempotent": "if idempotent"}


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

    def source(self, entry: Entry) -> str:
        return entry.source_zh if self.lang == "zh" and entry.source_zh else entry.source

    def language(self, entry: Entry) -> str:
        """The language an entry's description is shown in: the one asked for, else English."""
        return "zh" if self.lang == "zh" and entry.description_zh else "en"

    def related(self, entry: Entry) -> tuple[Entry, ...]:
        return self.registry.related(entry) if self.registry is not None else ()

    def from_team(self, entry: Entry) -> bool:
        return self.registry is not None and self.registry.from_team(entry)

    def overrides(self, entry: Entry) -> bool:
        return self.registry is not None and self.registry.overrides(entry)


def retry_text(retry: str) -> str:
    return _RETRY_TEXT.get(retry, retry)


def short_retry_text(retry: str) -> str:
    return _SHORT_RETRY.get(retry, retry)


class Verdict(NamedTuple):
    """What to do about a found code: its entry's advice, else its family's (`advice_from` names it)."""

    retry: str | None  # the catalogue's value: no, yes, backoff, idempotent; None when nothing is known
    action: str | None
    category: str | None
    advice_from: str | None  # the family's code when the advice is the family's, not the code's own
    family_mark: str | None  # how that is said: "family FailedOperation's advice"

    @property
    def retryable(self) -> bool:
        return self.retry not in (None, "no")

    def retry_label(self) -> str:
        """The retry advice in words, marked as the family's when it is: `yes, family X's advice`."""
        text = retry_text(self.retry or "")
        return f"{text}, {self.family_mark}" if self.family_mark else text


def verdict(item: Explanation, style: Style | None = None) -> Verdict:
    """Retry and action first: the entry's, else (as `Explanation.retry` does) the family's, marked."""
    style = style or Style()
    about = item.entry or item.family
    if about is None:
        return Verdict(None, None, None, None, None)
    if item.entry is not None:
        return Verdict(about.retry, style.action(about), about.category, None, None)
    dotted = item.finding.code.casefold().startswith(about.code.casefold() + ".")
    mark = f"family {about.code}'s advice" if dotted else f"{about.code}'s advice"
    return Verdict(about.retry, style.action(about), about.category, about.code, mark)


def plain_field(value: object) -> str:
    """One tab-separated field: tabs, line ends and backslashes escaped, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    # A pass of str.replace for each (C speed, and the text itself when it holds none), backslashes
    # first: str.translate reads a text that is not ASCII a character at a time through a dict,
    # 1.8 ms for the 30 KB annotation of a line of 100 errors (a meaning holds U+2019).
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


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
    return valid_text(text)


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
        # One language, the one asked for (`--lang`): both would double every grep --json line.
        "lang": style.language(entry),
        "description": style.description(entry),
        "category": entry.category,
        "retry": entry.retry,
        "retryable": entry.retryable,
        "action": style.action(entry),
        "links": [{"title": link.title, "url": link.url} for link in entry.links],
        "actions": list(entry.actions),
        "equivalents": [f"{e.product}:{e.code}" for e in style.related(entry)],
        "source": style.source(entry),
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
        **verdict_record(item, style),
        "entry": entry_record(entry, style) if entry else None,
    }


def verdict_record(item: Explanation, style: Style | None = None) -> dict[str, Any]:
    """The advice as JSON keys: the entry's, else the family's with `advice_from` its code."""
    found = verdict(item, style)
    return {
        "retry": found.retry,
        "retryable": found.retryable,
        "action": found.action,
        "category": found.category,
        "advice_from": found.advice_from,
    }


def meaning(item: Explanation, style: Style | None = None) -> str:
    """What a found code means, in a few words; a code not in the catalogue says so."""
    style = style or Style()
    if item.entry is not None:
        return item.entry.message or style.description(item.entry)
    if item.family is not None:
        return f"not in catalogue; family {item.family.code}: {style.description(item.family)}"
    return "not in catalogue"


def catalogue_state(item: Explanation, style: Style | None = None) -> str:
    if item.entry is None:
        return "not in catalogue"
    if item.message_agrees is False:
        return "message differs from catalogue"
    if style is not None and style.overrides(item.entry):
        return f"in catalogue, overridden by {item.entry.origin}"
    return "in catalogue"


class Note(NamedTuple):
    """One found code's annotation in its parts, so that a terminal can colour each: the verdict
    (`[retry: ...]` and the action) first, what the code means after it."""

    code: str
    retry: str | None  # `retry: no`, `retry: yes, family X's advice`, with `; overridden by FILE`
    retryable: bool
    action: str | None
    about: str  # `(meaning; category)`, or `(not in catalogue)`

    def text(self) -> str:
        if self.retry is None:
            return f"{self.code} {self.about}"
        return f"{self.code} [{self.retry}] {self.action} {self.about}"


def note(item: Explanation, style: Style | None = None) -> Note:
    style = style or Style()
    advice = verdict(item, style)
    what = meaning(item, style)
    if advice.retry is None:
        return Note(item.finding.code, None, False, None, f"({what})")
    entry = item.entry
    code = item.finding.code  # as the log wrote it; the entry that explains it, when it is another
    if entry is not None and entry.code != code:
        code = f"{code} ({entry.code})"  # `InvalidParameter (10630)`: an SDK error with a legacy message
    # A team's advice in place of kmserr's is marked where it is read (docs/team-catalogues.md).
    team = f"; overridden by {entry.origin}" if entry is not None and style.overrides(entry) else ""
    return Note(code, f"retry: {advice.retry_label()}{team}", advice.retryable, advice.action or "",
                f"({what}; {advice.category})")


def annotation(items: Iterable[Explanation], style: Style | None = None) -> str:
    """One short line saying what to do about a log line's errors, then what they mean:
    `kmserr: CODE [retry: no] ACTION (MEANING; CATEGORY)`."""
    return "kmserr: " + " | ".join(note(item, style).text() for item in items)


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
