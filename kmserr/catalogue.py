"""Load and validate a TOML error catalogue into typed entries.

The loader trusts nothing in the file: every field is checked for presence and type, and
every problem becomes one `CatalogueError` that names the file, the entry and the field.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from types import ModuleType
from typing import Any, Final, NamedTuple, cast

from . import cache
from .controls import hidden, web_address

SCHEMA_VERSION: Final = 1
RETRY_VALUES: Final = ("no", "yes", "backoff", "idempotent")
# Each retry value in words, as a person reads it on a card, a grep line or str(explanation).
RETRY_WORDS: Final = {
    "no": "no",
    "yes": "yes",
    "backoff": "yes, with backoff",
    "idempotent": "yes, if the call is idempotent",
}
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
        column: int | None = None,
    ) -> None:
        self.path = path
        self.problem = problem
        self.entry = entry
        self.field = field
        self.line = line
        self.column = column
        super().__init__(str(self))

    @property
    def message(self) -> str:
        """The problem, with the entry and field it is about, without the place."""
        parts = []
        if self.entry is not None:
            parts.append(self.entry)
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ": ".join([*parts, self.problem])

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.message}"


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
# A line that may be an [[errors]] header (TOML allows nothing after one but a comment); one
# inside a multi-line string is not, which only the parser can tell: see _header_lines. This and
# the other patterns of this module are compiled where they are used (re keeps them): a catalogue
# read from the cache needs none of them.
_ENTRY_HEADER: Final = r"""(?m)^[ \t]*\[\[[ \t]*(?:errors|"errors"|'errors')[ \t]*\]\][ \t]*(?:#[^\n]*)?$"""


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


def load(
    path: str | os.PathLike[str] | None = None, known_categories: Mapping[str, str] | None = None
) -> Catalogue:
    """Read and validate one catalogue file (the bundled one by default)."""
    name = os.fspath(path) if path is not None else bundled_path()
    return parse(_read(name), name, known_categories=known_categories, use_cache=known_categories is None)


MAX_BYTES: Final = 8 * 1024 * 1024  # the bundled catalogue is 0.2 MB; more is a mistake, and slow to parse


_KINDS: Final = {stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


def _read(name: str) -> bytes:
    try:
        # Opened without blocking, so that a FIFO is refused here rather than waited on forever.
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with open(fd, "rb") as handle:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(info.st_mode):
                kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a file")
                raise CatalogueError(name, f"is not a regular file ({kind})")
            limit = f"a catalogue may hold {MAX_BYTES // 2**20} MiB"
            size = info.st_size
            if size > MAX_BYTES:
                raise CatalogueError(name, f"is too large: {size / 1e6:.1f} MB ({limit})")
            data = handle.read(MAX_BYTES + 1)  # read once: a file that changes meanwhile is seen whole or not
            if len(data) > MAX_BYTES:
                raise CatalogueError(name, f"is too large ({limit})")
            return data
    except FileNotFoundError:
        raise CatalogueError(name, "no such file") from None
    except IsADirectoryError:
        raise CatalogueError(name, "is a directory, not a catalogue file") from None
    except OSError as exc:
        raise CatalogueError(name, f"cannot read: {exc.strerror or exc}") from None


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise CatalogueError(name, "is not valid UTF-8 text", line=line, column=column) from None


_TOML_PLACE: Final = r"\s*\(at line (\d+), column (\d+)\)\s*$"


def _parse_toml(text: str, name: str) -> dict[str, Any]:
    parser = toml()
    try:
        doc: dict[str, Any] = parser.loads(text)
    except parser.TOMLDecodeError as exc:
        message = str(exc)
        place = re.search(_TOML_PLACE, message)
        if place is None:
            raise CatalogueError(name, f"invalid TOML: {message}") from None
        raise CatalogueError(
            name, f"invalid TOML: {message[: place.start()]}", line=int(place.group(1)), column=int(place.group(2))
        ) from None
    except RecursionError:  # arrays or tables nested thousands deep
        raise CatalogueError(name, "invalid TOML: nested too deeply to read") from None
    except ValueError:  # an integer of more than 4,300 digits, which Python refuses to convert
        raise CatalogueError(name, "invalid TOML: a number too long to read") from None
    return doc


def parse(
    data: bytes, name: str, *, use_cache: bool = True, known_categories: Mapping[str, str] | None = None
) -> Catalogue:
    """Validate catalogue bytes; `name` is what error messages call the file."""
    if use_cache:
        cached = _from_cache(cache.load(os.path.abspath(name), data), name)
        if cached is not None:
            return cached
    text = _decode(data, name)
    result = _validate(_parse_toml(text, name), text, name, known_categories)
    if use_cache:
        cache.store(os.path.abspath(name), data, _to_cache(result))
    return result


# The cache holds a validated catalogue as plain tuples in field order: rebuilding 169 entries
# from them takes 0.4 ms, where validating the document again took 3 ms. The cache's signature
# proves that the tuples are what this user's kmserr wrote after validation; their shape and the
# type of every field are checked here all the same, so that a cache of another version, or one
# forged with the key, can only mean a rebuild.
_CACHE_SHAPE: Final = (SCHEMA_VERSION, Entry._fields, Link._fields)
# How each field of Entry is stored: "s" a string, "s?" a string or None, "i?" a positive integer
# or None, "s*" a tuple of strings, "l*" a tuple of (title, url) string pairs.
_CACHED_TYPES: Final = {
    "code": "s", "product": "s", "generation": "s", "description": "s", "category": "s", "retry": "s",
    "action": "s", "source": "s", "message": "s?", "module_code": "i?", "error_code": "i?",
    "message_templates": "s*", "links": "l*", "description_zh": "s?", "action_zh": "s?", "source_zh": "s?",
    "actions": "s*", "equivalents": "s*", "origin": "s",
}
_ROW_TYPES: Final = tuple(_CACHED_TYPES[name] for name in Entry._fields)


def _to_cache(cat: Catalogue) -> tuple[Any, ...]:
    links = Entry._fields.index("links")
    # Equal strings stored once: marshal writes a repeat as a reference, so the file is a third
    # smaller (the same category, source and action text recur), and faster to hash and read.
    once: dict[str, str] = {}

    def shared(value: Any) -> Any:
        if type(value) is str:
            return once.setdefault(value, value)
        return tuple(shared(item) for item in value) if type(value) is tuple else value

    rows = tuple(
        tuple(shared(tuple(tuple(link) for link in e.links) if i == links else value) for i, value in enumerate(e))
        for e in cat.entries
    )
    return (_CACHE_SHAPE, tuple(cat.categories.items()), cat.sdk_checked, rows)


_NONE: Final = type(None)
_TYPES: Final[dict[str, set[type]]] = {"s": {str}, "s?": {str, _NONE}, "i?": {int, _NONE}}


def _types(values: Iterable[object]) -> set[type]:
    return set(map(type, values))


def _cached_column(kind: str, values: tuple[object, ...]) -> bool:
    """Whether every value of one field has the type its kind says (bool is an int, but never a
    code). A column at a time, in C loops: a check per value cost as much as the rest of loading."""
    if kind in _TYPES:
        if not _types(values) <= _TYPES[kind]:
            return False
        return kind != "i?" or min([cast(int, v) for v in values if v is not None], default=1) > 0
    if not _types(values) <= {tuple}:
        return False
    items: list[object] = list(chain.from_iterable(cast("tuple[tuple[object, ...], ...]", values)))
    if kind == "s*":
        return _types(items) <= {str}
    # "l*": (title, url) pairs of strings
    pairs = cast("list[tuple[object, ...]]", items)
    return _types(pairs) <= {tuple} and set(map(len, pairs)) <= {2} and _types(chain.from_iterable(pairs)) <= {str}


def _from_cache(blob: Any, name: str) -> Catalogue | None:
    """The catalogue a cache holds, or None when anything in it is not as _to_cache writes it."""
    if type(blob) is not tuple or len(blob) != 4:
        return None
    shape, categories, sdk_checked, rows = blob
    if shape != _CACHE_SHAPE or not (sdk_checked is None or type(sdk_checked) is str):
        return None
    if type(categories) is not tuple or type(rows) is not tuple:
        return None
    if not all(type(c) is tuple and len(c) == 2 and type(c[0]) is str and type(c[1]) is str for c in categories):
        return None
    width, links = len(_ROW_TYPES), Entry._fields.index("links")
    if not (_types(rows) <= {tuple} and set(map(len, rows)) <= {width}):
        return None
    columns = tuple(zip(*rows, strict=True)) or ((),) * width  # (lengths checked above)
    if not all(_cached_column(kind, column) for kind, column in zip(_ROW_TYPES, columns, strict=True)):
        return None
    entries: list[Entry] = []
    for row in rows:
        fields = list(row)
        fields[links] = tuple(map(Link._make, fields[links]))
        fields[-1] = name  # origin: the file as named now
        entries.append(Entry._make(fields))
    return Catalogue(tuple(entries), dict(categories), name, sdk_checked)


def _validate(
    doc: dict[str, Any],
    text: str,
    name: str,
    known_categories: Mapping[str, str] | None = None,
    problems: list[CatalogueError] | None = None,
) -> Catalogue:
    """Check a parsed document; raise its first problem, or, given `problems`, gather them all and
    return the valid entries. `known_categories` may be used besides the file's own (team files)."""
    unknown = sorted(set(doc) - {"catalogue", "categories", "errors"})
    if unknown:
        raise _problem(name, f"unknown top-level key '{unknown[0]}'", _key_place(text, unknown[0]))
    meta = doc.get("catalogue", {})
    if not isinstance(meta, dict):
        raise _problem(name, "[catalogue] must be a table", _key_place(text, "catalogue"))
    unknown_meta = sorted(set(meta) - {"schema", "sdk_checked"})
    if unknown_meta:
        raise _problem(name, f"unknown key '{unknown_meta[0]}' in [catalogue]", _key_place(text, unknown_meta[0]))
    sdk_checked = meta.get("sdk_checked")
    if sdk_checked is not None and not isinstance(sdk_checked, str):
        raise _problem(name, "[catalogue] sdk_checked must be a string", _key_place(text, "sdk_checked"))
    schema = meta.get("schema", SCHEMA_VERSION)
    if type(schema) is not int or schema != SCHEMA_VERSION:
        problem = f"unsupported schema {schema!r} (this kmserr reads schema {SCHEMA_VERSION})"
        raise _problem(name, problem, _key_place(text, "schema"))
    categories = doc.get("categories", {})
    if not isinstance(categories, dict) or not all(isinstance(v, str) for v in categories.values()):
        problem = "[categories] must map each category name to a description string"
        raise _problem(name, problem, _key_place(text, "categories"))
    for category in categories:
        bad = hidden(category)
        if bad is not None:
            problem = f"category name {category!r} must not hold control or invisible characters (found {bad})"
            raise _problem(name, problem, _key_place(text, "categories"))
    usable = {**(known_categories or {}), **categories}
    raw_entries = doc.get("errors", [])
    if raw_entries == []:
        raise _problem(name, "defines no errors: a catalogue needs [[errors]] entries", (1, 1))
    if not isinstance(raw_entries, list):
        raise _problem(name, "'errors' must be an array of tables ([[errors]])", _key_place(text, "errors"))
    lines = text.split("\n")  # once: each problem is located by looking through its entry's lines only
    quoted = _quoted_lines(text)
    header_lines = _header_lines(text, raw_entries, quoted)
    entries: list[Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(raw_entries):
        line = header_lines[index]
        try:
            entry = _entry(raw, index, name, line, (lines, quoted), usable)
            if entry.key in seen:
                raise _problem(
                    name,
                    f"duplicate code {entry.code!r} for product {entry.product!r} "
                    f"(first defined in entry {seen[entry.key] + 1})",
                    _field_place((lines, quoted), line, "code"),
                    entry=_label(index, entry.code),
                    field="code",
                )
        except CatalogueError as problem:
            if problems is None:
                raise
            problems.append(problem)
            continue
        seen[entry.key] = index
        entries.append(entry)
    return Catalogue(tuple(entries), dict(categories), name, sdk_checked)


def check(path: str | os.PathLike[str], known_categories: Mapping[str, str] | None = None) -> list[CatalogueError]:
    """Every problem of a catalogue file, each located (`kmserr check`); empty when it is valid."""
    name = os.fspath(path)
    try:
        data = _read(name)
        text = _decode(data, name)
        doc = _parse_toml(text, name)
    except CatalogueError as problem:
        return [problem]
    problems: list[CatalogueError] = []
    try:
        _validate(doc, text, name, known_categories, problems)
    except CatalogueError as problem:
        problems.append(problem)
    return problems


class Overlay(NamedTuple):
    """Team catalogues merged over a base one: every entry, every category, and which are the teams'."""

    entries: list[Entry]
    categories: dict[str, str]
    team: frozenset[tuple[str, str]]  # keys of entries from a team's file
    overridden: frozenset[tuple[str, str]]  # keys where a team's entry replaced a base one


def overlay(base: Catalogue, paths: Sequence[str]) -> Overlay:
    """Load team files in order over `base`: each may use the categories declared before it, and
    may override a base entry, but two that define the same code differently are an error naming both."""
    merged = {e.key: e for e in base.entries}
    categories = dict(base.categories)
    team: dict[tuple[str, str], Entry] = {}
    overridden: set[tuple[str, str]] = set()
    for path in paths:
        cat = load(path, known_categories=categories)
        categories.update(cat.categories)
        for entry in cat.entries:
            earlier = team.get(entry.key)
            if earlier is not None:
                if earlier._replace(origin="") != entry._replace(origin=""):
                    raise CatalogueError(
                        path,
                        f"defines {entry.product}:{entry.code} differently from {earlier.origin}",
                        entry=f"code {entry.code!r}",
                    )
                continue
            team[entry.key] = entry
            if entry.key in merged:
                overridden.add(entry.key)
            merged[entry.key] = entry
    return Overlay(list(merged.values()), categories, frozenset(team), frozenset(overridden))


def check_files(paths: Sequence[str], in_use: Sequence[str] = ()) -> list[CatalogueError]:
    """Every problem of these team files (`kmserr check`), and of the team files in use beside them.

    The files may use the categories of kmserr's catalogue and of the files in use; files that
    are each valid may still contradict each other or those in use. A file in use that cannot be
    read is a problem reported with the others, never a reason to check nothing."""
    bundled = load()
    categories = dict(bundled.categories)
    problems: list[CatalogueError] = []
    usable: list[str] = []
    for path in in_use:
        try:
            categories.update(load(path, known_categories=categories).categories)
        except CatalogueError as problem:
            problems.append(problem)
            continue
        usable.append(path)
    own = [p for path in paths for p in check(path, categories)]
    problems += own
    if not own:
        try:
            overlay(bundled, (*usable, *paths))
        except CatalogueError as problem:
            problems.append(problem)
    return problems


def _header_lines(text: str, entries: list[Any], quoted: set[int]) -> list[int | None]:
    """The line of each entry's [[errors]] header, as the TOML parser sees the file.

    A line that looks like a header may stand inside a multi-line string (only there: no other
    string spans lines). Without one, and with as many such lines as entries, they are the headers.
    Otherwise the text is parsed once more with a marker key after each of them: a marker inside
    a string stays text, and an entry's header is its first marker (none: an inline entry). Where
    a marker is not allowed (a string closing inside an array), the lines outside strings count."""
    candidates: list[int] = []
    line, pos = 1, 0
    for match in re.finditer(_ENTRY_HEADER, text):
        line += text.count("\n", pos, match.start())
        pos = match.start()
        candidates.append(line)
    if len(candidates) == len(entries) and '"""' not in text and "'''" not in text:
        return list(candidates)
    found: list[int | None] = [None] * len(entries)
    pieces, pos = [], 0
    for index, match in enumerate(re.finditer(_ENTRY_HEADER, text)):
        pieces += [text[pos : match.end()], f'\n"\\u0000{_MARKER}{index}" = 0']
        pos = match.end()
    pieces.append(text[pos:])
    try:
        marked = toml().loads("".join(pieces)).get("errors")
    except ValueError:  # TOMLDecodeError
        outside = [line for line in candidates if line - 1 not in quoted]
        return list(outside) if len(outside) == len(entries) else found
    if not isinstance(marked, list) or len(marked) != len(entries):
        return found
    for at, entry in enumerate(marked):
        if isinstance(entry, dict):
            markers = [int(key[len(_MARKER) + 1 :]) for key in entry if key.startswith("\0" + _MARKER)]
            found[at] = candidates[min(markers)] if markers else None
    return found


_MARKER: Final = "kmserr header "  # after a NUL, which TOML allows in a key only as the escape \u0000


def _label(index: int, code: object) -> str:
    return f"entry {index + 1}" + (f" (code {code!r})" if isinstance(code, str) else "")


Place = tuple[int | None, int | None]  # line and column, from 1


# A multi-line string, or a string or comment that may hold its delimiters: what TOML reads as
# text. Only used on a file the parser accepted, where every string ends.
_TEXT_TOKEN: Final = (
    r'''(?s)"""(?:\\.|[^\\])*?"""(?:""?(?!"))?|\'\'\'.*?\'\'\'(?:\'\'?(?!\'))?|"(?:\\.|[^"\\\n])*"|'[^'\n]*'|#[^\n]*'''
)


def _quoted_lines(text: str) -> set[int]:
    """The lines (from 0) that begin inside a multi-line string: no key or header stands there."""
    inside: set[int] = set()
    if '"""' not in text and "'''" not in text:
        return inside
    line, pos = 0, 0
    for token in re.finditer(_TEXT_TOKEN, text):
        line += text.count("\n", pos, token.start())
        breaks = text.count("\n", token.start(), token.end())
        inside.update(range(line + 1, line + breaks + 1))
        line, pos = line + breaks, token.end()
    return inside


Lines = tuple[list[str], set[int]]  # the file's lines, and those that begin inside a multi-line string


def _field_place(source: Lines, entry_line: int | None, key: str) -> Place:
    """Line and column of `key = ...` inside the entry that starts at `entry_line`."""
    if entry_line is None:
        return (None, None)
    lines, quoted = source
    for number in range(entry_line, len(lines)):
        if number in quoted:
            continue
        content = lines[number]
        stripped = content.lstrip()
        if number >= entry_line and stripped.startswith("["):
            break
        if re.match(rf"{re.escape(key)}\s*=", stripped):
            return (number + 1, len(content) - len(stripped) + 1)
    return (entry_line, 1)


def _key_place(text: str, key: str) -> Place:
    """Line and column of a top-level key or table header, where the text has one."""
    found = re.search(rf"^[ \t]*(\[+[ \t]*)?{re.escape(key)}\b", text, re.MULTILINE)
    if found is None:
        return (None, None)
    line_start = text.rfind("\n", 0, found.start()) + 1
    return (text.count("\n", 0, found.start()) + 1, found.start() - line_start + 1)


def _problem(
    name: str, problem: str, place: Place, entry: str | None = None, field: str | None = None
) -> CatalogueError:
    return CatalogueError(name, problem, entry=entry, field=field, line=place[0], column=place[1])


def _entry(
    raw: object, index: int, name: str, line: int | None, lines: Lines, categories: dict[str, Any]
) -> Entry:
    """One [[errors]] table as an Entry, or the first problem of it, located in the file."""
    if not isinstance(raw, dict):
        raise CatalogueError(name, "must be a table", entry=_label(index, None), line=line, column=1 if line else None)
    label = _label(index, raw.get("code"))

    def fail(key: str, problem: str) -> CatalogueError:
        return _problem(name, problem, _field_place(lines, line, key), entry=label, field=key)

    def missing(key: str) -> CatalogueError:
        return CatalogueError(name, "missing", entry=label, field=key, line=line, column=1 if line else None)

    _check_types(raw, fail, missing)
    _check_values(raw, fail, categories)
    return _build(raw, _links(raw, fail), name)


_Fail = Callable[[str, str], CatalogueError]


def _check_types(raw: dict[str, Any], fail: _Fail, missing: Callable[[str], CatalogueError]) -> None:
    """Every field known, every required one there, each of its type and not blank."""
    for key in raw:
        if key not in _FIELDS:
            raise fail(key, "unknown field")
    for key, (kind, required) in _FIELDS.items():
        if key not in raw:
            if required:
                raise missing(key)
            continue
        value = raw[key]
        # bool is an int subclass in Python, but `true` is never a valid code.
        if not isinstance(value, kind) or isinstance(value, bool):
            raise fail(key, f"must be {_TYPE_NAMES[kind]}, not {type(value).__name__}")
        if isinstance(value, str) and not value.strip() and key != "message":
            raise fail(key, "must not be empty")


def _check_values(raw: dict[str, Any], fail: _Fail, categories: dict[str, Any]) -> None:
    """Each field's value among those allowed: names without controls, known categories, codes > 0."""
    for key in ("code", "product"):
        # A name is printed in tables, completed by shells (one per line) and typed by users.
        bad = hidden(raw[key])
        if bad is not None:
            raise fail(key, f"must not hold control or invisible characters (found {bad})")
    if raw["generation"] not in GENERATIONS:
        raise fail("generation", f"must be one of {', '.join(GENERATIONS)}, not {raw['generation']!r}")
    if raw["retry"] not in RETRY_VALUES:
        raise fail("retry", f"must be one of {', '.join(RETRY_VALUES)}, not {raw['retry']!r}")
    if raw["category"] not in categories:
        raise fail("category", f"{raw['category']!r} is not declared in [categories]")
    for key in ("module_code", "error_code"):
        if key in raw and raw[key] <= 0:
            raise fail(key, "must be a positive integer")
    for template in raw.get("message_templates", []):
        if not isinstance(template, str) or "%s" not in template:
            raise fail("message_templates", "each template must be a string containing %s")
    for key in ("actions", "equivalents"):
        for item in raw.get(key, []):
            if not isinstance(item, str) or not item:
                raise fail(key, "must be an array of non-empty strings")
    for item in raw.get("equivalents", []):
        if ":" not in item:
            raise fail("equivalents", f"{item!r} must name an entry as \"product:code\"")


def _links(raw: dict[str, Any], fail: _Fail) -> list[Link]:
    """The entry's links, each a titled http(s) address."""
    links: list[Link] = []
    for item in raw.get("links", []):
        if not (
            isinstance(item, dict)
            and set(item) == {"title", "url"}
            and all(isinstance(v, str) and v for v in item.values())
        ):
            raise fail("links", "each link must be a table { title = \"...\", url = \"...\" }")
        if not web_address(item["url"]):
            raise fail("links", f"{item['url']!r} is not an http:// or https:// address")
        links.append(Link(item["title"], item["url"]))
    return links


def _build(raw: dict[str, Any], links: list[Link], name: str) -> Entry:
    """The Entry of a table already checked."""
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
        message_templates=tuple(raw.get("message_templates", [])),
        links=tuple(links),
        description_zh=raw.get("description_zh"),
        action_zh=raw.get("action_zh"),
        source_zh=raw.get("source_zh"),
        actions=tuple(raw.get("actions", [])),
        equivalents=tuple(raw.get("equivalents", [])),
        origin=name,
    )
