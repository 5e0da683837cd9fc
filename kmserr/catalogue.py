"""Load and validate a TOML error catalogue into typed entries.

The loader trusts nothing in the file: every field is checked for presence and type, and
every problem becomes one `CatalogueError` that names the file, the entry and the field.
"""

from __future__ import annotations

import os
import re
import sys
from types import ModuleType
from typing import Any, Final, NamedTuple

from . import cache

SCHEMA_VERSION: Final = 1
RETRY_VALUES: Final = ("no", "yes", "backoff", "idempotent")
GENERATIONS: Final = ("legacy", "api3", "sdk")


class CatalogueError(Exception):
    """A catalogue file that cannot be used, located as precisely as the problem allows."""

    def __init__(
        self,
        path: str,
        problem: str,
        *,
        entry: str | None = None,
        field: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path = path
        self.problem = problem
        self.entry = entry
        self.field = field
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        parts = [where]
        if self.entry is not None:
            parts.append(self.entry)
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ": ".join([*parts, self.problem])


class Link(NamedTuple):
    title: str
    url: str


class Entry(NamedTuple):
    """One error of one product, with what a user should do about it."""

    code: str
    product: str
    generation: str
    description: str
    category: str
    retry: str
    action: str
    source: str
    message: str | None = None
    module_code: int | None = None
    error_code: int | None = None
    message_templates: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()
    description_zh: str | None = None
    action_zh: str | None = None
    source_zh: str | None = None
    actions: tuple[str, ...] = ()
    equivalents: tuple[str, ...] = ()  # "product:code", inferred
    origin: str = ""  # the file the entry came from

    @property
    def retryable(self) -> bool:
        """Whether retrying the same call can succeed (with the care `retry` names)."""
        return self.retry != "no"

    @property
    def key(self) -> tuple[str, str]:
        return (self.product, self.code.casefold())


class Catalogue(NamedTuple):
    entries: tuple[Entry, ...]
    categories: dict[str, str]
    path: str
    sdk_checked: str | None = None


# name -> (python type, required); the order is the order of the README's table.
_FIELDS: Final[dict[str, tuple[type, bool]]] = {
    "code": (str, True),
    "product": (str, True),
    "generation": (str, True),
    "module_code": (int, False),
    "error_code": (int, False),
    "message": (str, False),
    "message_templates": (list, False),
    "description": (str, True),
    "description_zh": (str, False),
    "category": (str, True),
    "retry": (str, True),
    "action": (str, True),
    "action_zh": (str, False),
    "links": (list, False),
    "actions": (list, False),
    "equivalents": (list, False),
    "source": (str, True),
    "source_zh": (str, False),
}
_TYPE_NAMES: Final = {str: "a string", int: "an integer", list: "an array", dict: "a table"}
_ENTRY_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*errors[ \t]*\]\]", re.MULTILINE)


def toml() -> ModuleType:
    """The TOML parser, imported only when a catalogue is not in the cache (it costs 4 ms)."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised only on Python 3.10
        import tomli as tomllib
    return tomllib


def bundled_path() -> str:
    """Locate the catalogue shipped with the package, or the checkout's `data/` in development."""
    # The wheel installs it beside this module; os.path, not pathlib or importlib.resources,
    # keeps 20 ms of imports off the start-up of every command.
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "data", "errors.toml")
    return packaged if os.path.isfile(packaged) else os.path.join(os.path.dirname(here), "data", "errors.toml")


def load(path: str | os.PathLike[str] | None = None) -> Catalogue:
    """Read and validate one catalogue file (the bundled one by default)."""
    name = os.fspath(path) if path is not None else bundled_path()
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise CatalogueError(name, "no such file") from None
    except IsADirectoryError:
        raise CatalogueError(name, "is a directory, not a catalogue file") from None
    except OSError as exc:
        raise CatalogueError(name, f"cannot read: {exc.strerror or exc}") from None
    return parse(data, name)


def parse(data: bytes, name: str, *, use_cache: bool = True) -> Catalogue:
    """Validate catalogue bytes; `name` is what error messages call the file."""
    if use_cache:
        cached = _from_cache(cache.load(name, data), name)
        if cached is not None:
            return cached
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogueError(name, "is not valid UTF-8 text", line=line) from None
    parser = toml()
    try:
        doc = parser.loads(text)
    except parser.TOMLDecodeError as exc:
        raise CatalogueError(name, f"invalid TOML: {exc}") from None
    result = _validate(doc, text, name)
    if use_cache:
        cache.store(name, data, _to_cache(result))
    return result


# The cache holds a validated catalogue as plain tuples in field order: rebuilding 169 entries
# from them takes 0.3 ms, where validating the document again took 3 ms. The cache's checksum
# proves that the tuples are what was written after validation; their shape is checked here.
_CACHE_SHAPE: Final = (SCHEMA_VERSION, Entry._fields, Link._fields)


def _to_cache(cat: Catalogue) -> tuple[Any, ...]:
    links = Entry._fields.index("links")
    rows = tuple(
        tuple(tuple(tuple(link) for link in e.links) if i == links else value for i, value in enumerate(e))
        for e in cat.entries
    )
    return (_CACHE_SHAPE, tuple(cat.categories.items()), cat.sdk_checked, rows)


def _from_cache(blob: Any, name: str) -> Catalogue | None:
    try:
        shape, categories, sdk_checked, rows = blob
        if shape != _CACHE_SHAPE or not (sdk_checked is None or isinstance(sdk_checked, str)):
            return None
        links = Entry._fields.index("links")
        entries: list[Entry] = []
        for row in rows:
            if len(row) != len(Entry._fields) or not isinstance(row[0], str):
                return None
            fields = list(row)
            fields[links] = tuple(Link(*link) for link in fields[links])
            fields[-1] = name  # origin: the file as named now
            entries.append(Entry._make(fields))
        return Catalogue(tuple(entries), dict(categories), name, sdk_checked)
    except (TypeError, ValueError):
        return None


def _validate(doc: dict[str, Any], text: str, name: str) -> Catalogue:
    unknown = sorted(set(doc) - {"catalogue", "categories", "errors"})
    if unknown:
        raise CatalogueError(name, f"unknown top-level key '{unknown[0]}'")
    meta = doc.get("catalogue", {})
    if not isinstance(meta, dict):
        raise CatalogueError(name, "[catalogue] must be a table")
    unknown_meta = sorted(set(meta) - {"schema", "sdk_checked"})
    if unknown_meta:
        raise CatalogueError(name, f"unknown key '{unknown_meta[0]}' in [catalogue]")
    sdk_checked = meta.get("sdk_checked")
    if sdk_checked is not None and not isinstance(sdk_checked, str):
        raise CatalogueError(name, "[catalogue] sdk_checked must be a string")
    schema = meta.get("schema", SCHEMA_VERSION)
    if type(schema) is not int or schema != SCHEMA_VERSION:
        raise CatalogueError(name, f"unsupported schema {schema!r} (this kmserr reads schema {SCHEMA_VERSION})")
    categories = doc.get("categories", {})
    if not isinstance(categories, dict) or not all(isinstance(v, str) for v in categories.values()):
        raise CatalogueError(name, "[categories] must map each category name to a description string")
    raw_entries = doc.get("errors", [])
    if not isinstance(raw_entries, list):
        raise CatalogueError(name, "'errors' must be an array of tables ([[errors]])")
    header_lines = _header_lines(text)
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(raw_entries):
        line = header_lines[index] if index < len(header_lines) else None
        entry = _entry(raw, index, name, line, text, categories)
        if entry.key in seen:
            raise CatalogueError(
                name,
                f"duplicate code {entry.code!r} for product {entry.product!r} "
                f"(first defined in entry {seen[entry.key] + 1})",
                entry=_label(index, entry.code),
                field="code",
                line=line,
            )
        seen[entry.key] = index
        entries.append(entry)
    return Catalogue(tuple(entries), dict(categories), name, sdk_checked)


def _header_lines(text: str) -> list[int]:
    """Line numbers of the [[errors]] headers, counted in one pass over the text."""
    lines: list[int] = []
    line, pos = 1, 0
    for match in _ENTRY_HEADER.finditer(text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        lines.append(line)
    return lines


def _label(index: int, code: object) -> str:
    return f"entry {index + 1}" + (f" (code {code!r})" if isinstance(code, str) else "")


def _field_line(text: str, entry_line: int | None, key: str) -> int | None:
    """Find the line of `key = ...` inside the entry that starts at `entry_line`."""
    if entry_line is None:
        return None
    lines = text.splitlines()
    for number in range(entry_line, len(lines)):
        stripped = lines[number].lstrip()
        if stripped.startswith("["):
            break
        if re.match(rf"{re.escape(key)}\s*=", stripped):
            return number + 1
    return entry_line


def _entry(
    raw: object, index: int, name: str, line: int | None, text: str, categories: dict[str, Any]
) -> Entry:
    if not isinstance(raw, dict):
        raise CatalogueError(name, "must be a table", entry=_label(index, None), line=line)
    label = _label(index, raw.get("code"))

    def fail(key: str, problem: str) -> CatalogueError:
        return CatalogueError(name, problem, entry=label, field=key, line=_field_line(text, line, key))

    for key in raw:
        if key not in _FIELDS:
            raise fail(key, "unknown field")
    for key, (kind, required) in _FIELDS.items():
        if key not in raw:
            if required:
                raise CatalogueError(name, "missing", entry=label, field=key, line=line)
            continue
        value = raw[key]
        # bool is an int subclass in Python, but `true` is never a valid code.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise fail(key, f"must be {_TYPE_NAMES[kind]}, not {type(value).__name__}")
        if isinstance(value, str) and not value.strip() and key != "message":
            raise fail(key, "must not be empty")
    if raw["generation"] not in GENERATIONS:
        raise fail("generation", f"must be one of {', '.join(GENERATIONS)}, not {raw['generation']!r}")
    if raw["retry"] not in RETRY_VALUES:
        raise fail("retry", f"must be one of {', '.join(RETRY_VALUES)}, not {raw['retry']!r}")
    if raw["category"] not in categories:
        raise fail("category", f"{raw['category']!r} is not declared in [categories]")
    for key in ("module_code", "error_code"):
        if key in raw and raw[key] <= 0:
            raise fail(key, "must be a positive integer")
    templates = raw.get("message_templates", [])
    for template in templates:
        if not isinstance(template, str) or "%s" not in template:
            raise fail("message_templates", "each template must be a string containing %s")
    for key in ("actions", "equivalents"):
        for item in raw.get(key, []):
            if not isinstance(item, str) or not item:
                raise fail(key, "must be an array of non-empty strings")
    for item in raw.get("equivalents", []):
        if ":" not in item:
            raise fail("equivalents", f"{item!r} must name an entry as \"product:code\"")
    links: list[Link] = []
    for item in raw.get("links", []):
        if not (
            isinstance(item, dict)
            and set(item) == {"title", "url"}
            and all(isinstance(v, str) and v for v in item.values())
        ):
            raise fail("links", "each link must be a table { title = \"...\", url = \"...\" }")
        links.append(Link(item["title"], item["url"]))
    return Entry(
        code=raw["code"],
        product=raw["product"],
        generation=raw["generation"],
        description=raw["description"],
        category=raw["category"],
        retry=raw["retry"],
        action=raw["action"],
        source=raw["source"],
        message=raw.get("message"),
        module_code=raw.get("module_code"),
        error_code=raw.get("error_code"),
        message_templates=tuple(templates),
        links=tuple(links),
        description_zh=raw.get("description_zh"),
        action_zh=raw.get("action_zh"),
        source_zh=raw.get("source_zh"),
        actions=tuple(raw.get("actions", [])),
        equivalents=tuple(raw.get("equivalents", [])),
        origin=name,
    )
