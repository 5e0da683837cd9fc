"""The optional compiled block core (native/, Rust): loaded through ctypes if it was built.

Python's extractor is the specification; the native core reads the common forms of whole lines
as `Extractor.find` would, and marks a line it is not sure about as not read (None), which
Python's extractor then reads. One call per block: the candidate search and the reading of its
lines run in Rust, and the results come back as one packed array of u64 records.
`KMSERR_NO_EXTENSIONS=1` (any non-empty value) keeps everything in Python.
"""

from __future__ import annotations

import ctypes
import os
import struct
import threading
from importlib.machinery import EXTENSION_SUFFIXES
from typing import TYPE_CHECKING, Final

from .forms import (
    API3_JSON,
    BARE_CODE,
    CPP_SDK,
    DOTNET_SDK,
    DOTTED_ONLY_FAMILIES,
    FAMILIES,
    GO_SDK,
    JAVA_SDK,
    JAVA_SDK_OLD,
    LEGACY_JSON,
    LEGACY_MESSAGE,
    PYTHON_SDK,
    Finding,
    name_literals,
)

if TYPE_CHECKING:
    from .catalogue import Entry
    from .extract import Extractor
    from .matcher import Matcher

ENV: Final = "KMSERR_NO_EXTENSIONS"
LIBRARY: Final = "_kmserr_native"  # the module name setuptools-rust builds the cdylib as
ABI: Final = 6  # the record layout this module reads (native/src/lib.rs: ABI)
RECORD: Final = 16
NO_ERROR, ONE_ERROR, NOT_READ, MANY = 0, 1, 2, 3
TAILS: Final = 4096  # tails a search's table holds (a few hundred bytes each); lines of other keys stay holes
_NONE: Final = (1 << 64) - 1
# By the native form id (native/src/reader.rs).
_FORMS: Final = (
    LEGACY_MESSAGE, LEGACY_JSON, API3_JSON, PYTHON_SDK, JAVA_SDK, JAVA_SDK_OLD, GO_SDK, CPP_SDK, DOTNET_SDK, BARE_CODE,
)

Line = tuple[int, int, "tuple[Finding, ...] | None"]
# A line `assemble` left to Python: where it goes in the output, line start and end, line number,
# the slot of its tail (-1: none), in JSON how its message agrees as the core reads it (-1: not
# known, else an index of AGREES), findings (None: not read here). A line of several errors in plain
# output has one slot for each, from its slot on, and their number where JSON has the agreement.
Hole = tuple[int, int, int, int, int, int, "tuple[Finding, ...] | None"]
AGREES: Final = (None, False, True)  # `Explanation.message_agrees` by the native core's index

_library: ctypes.CDLL | None = None
_loaded = False
_lock = threading.Lock()


def _find_library() -> str | None:
    """The built library beside this module (a wheel's, or `pip install -e`'s in-place build)."""
    here = os.path.dirname(os.path.abspath(__file__))
    for suffix in (*EXTENSION_SUFFIXES, ".so", ".dylib", ".dll"):
        path = os.path.join(here, LIBRARY + suffix)
        if os.path.isfile(path):
            return path
    return None


def _open() -> ctypes.CDLL | None:
    """The library with its functions typed, or None when it is absent, foreign or broken."""
    path = _find_library()
    if path is None:
        return None
    try:
        lib = ctypes.CDLL(path)
        lib.kmserr_native_abi.restype = ctypes.c_uint32
        lib.kmserr_native_abi.argtypes = []
        if lib.kmserr_native_abi() != ABI:
            return None
        lib.kmserr_native_new.restype = ctypes.c_void_p
        lib.kmserr_native_new.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
        lib.kmserr_native_free.restype = None
        lib.kmserr_native_free.argtypes = [ctypes.c_void_p]
        lib.kmserr_native_read.restype = ctypes.c_int
        lib.kmserr_native_read.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t,
            ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t),
        ]
        lib.kmserr_native_read_unescaped.restype = ctypes.c_int
        lib.kmserr_native_read_unescaped.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t,
            ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t),
        ]
        lib.kmserr_tails_new.restype = ctypes.c_void_p
        lib.kmserr_tails_new.argtypes = [ctypes.c_size_t]
        lib.kmserr_tails_free.restype = None
        lib.kmserr_tails_free.argtypes = [ctypes.c_void_p]
        lib.kmserr_tails_put.restype = ctypes.c_int
        lib.kmserr_tails_put.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
        lib.kmserr_tails_put_json.restype = ctypes.c_int
        lib.kmserr_tails_put_json.argtypes = [
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_size_t,
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t,
        ]
        lib.kmserr_native_assemble.restype = ctypes.c_int
        lib.kmserr_native_assemble.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t,
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint32, ctypes.c_uint64,
            ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_size_t),
            ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_uint64),
        ]
    except (OSError, AttributeError):
        return None
    return lib


def load() -> type[NativeCore] | None:
    """The native core's class, or None: not built, not loadable, or KMSERR_NO_EXTENSIONS set."""
    global _library, _loaded
    if os.environ.get(ENV):
        return None
    with _lock:
        if not _loaded:
            _library, _loaded = _open(), True
    return NativeCore if _library is not None else None


class NativeError(RuntimeError):
    """The native core refused a block (bad arguments, or a bug caught at the boundary)."""


class NativeCore:
    """The native block core for one matcher's names; one block at a time (a lock guards it)."""

    name = "native"

    def __init__(self, extractor: Extractor) -> None:
        self._build(_tagged(extractor))

    def _build(self, tagged: bytes) -> None:
        lib = _library
        if lib is None:
            raise NativeError("the native core is not loaded (call load() first)")
        handle = lib.kmserr_native_new(tagged, len(tagged))
        if not handle:
            raise NativeError("the native core could not be built for these names")
        self._lib = lib
        self._handle: int = handle
        self._lock = threading.Lock()

    @classmethod
    def from_matcher(cls, matcher: Matcher) -> NativeCore:
        """The core of a matcher's names, without building its extractor where it was not given:
        what the names tell the core is cached (`tagged_names`)."""
        core = cls.__new__(cls)
        core._build(_tagged(matcher.extractor) if matcher.custom else tagged_names(matcher.names))
        return core

    def __del__(self) -> None:
        handle, self._handle = getattr(self, "_handle", 0), 0
        if handle:
            self._lib.kmserr_native_free(handle)

    def tails(self, limit: int | None = None) -> Tails:
        """A table of tails for one search's plain output (`assemble`), of TAILS entries by default."""
        return Tails(self._lib, TAILS if limit is None else limit)

    def assemble(
        self, buf: bytes, start: int, end: int, tails: Tails, prefix: bytes, *, count: bool, show_numbers: bool,
        lines_before: int, count_only: bool = False, json: bool = False, unwrap: bool = False,
    ) -> tuple[memoryview, int, list[Hole], int] | None:
        """grep's plain output of the lines of buf[start:end] (whole lines) whose tails `tails` holds,
        each `prefix` (`name:` or empty), `N:` with `show_numbers`, its bytes, its tail and a newline;
        how many lines that is; and the holes: the other lines that may print, each with where it
        goes in that output, line start and end, its line number (`lines_before` lines before the
        block; 0 when not `count`ed), the slot its tail goes in (`Tails.put`; -1: none) and its
        findings (None: not read here, as `read`). With `count_only`, nothing is written: the
        lines read here with an error are only counted (grep -c), and the holes are the lines not read.
        Last, the newlines of buf[start:end] when `count` (else 0), which the caller need not count.
        `unwrap` (--envelope auto): a simple CRI or Docker record is read as the line it holds.
        None: the block holds rich's exception line, and is not assembled (search it with `read`).
        The output is a view of the table's own buffer, valid until its next call: write it out first."""
        if not 0 <= start <= end <= len(buf):
            raise ValueError(f"block {start}:{end} is outside a buffer of {len(buf)} bytes")
        data = buf if isinstance(buf, bytes) else bytes(buf)
        out, out_len, holes, words = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_void_p(), ctypes.c_size_t()
        out_lines, newlines = ctypes.c_size_t(), ctypes.c_uint64()
        flags = (1 if count else 0) | (2 if show_numbers else 0) | (4 if count_only else 0) | (8 if json else 0) \
            | (16 if unwrap else 0)
        with self._lock, tails.lock:  # the output lives in the table until its next call
            status = self._lib.kmserr_native_assemble(
                self._handle, tails.handle, data, len(data), start, end, prefix, len(prefix), flags, lines_before,
                ctypes.byref(out), ctypes.byref(out_len), ctypes.byref(out_lines), ctypes.byref(holes),
                ctypes.byref(words), ctypes.byref(newlines),
            )
            if status < 0:
                raise NativeError(f"the native core refused block {start}:{end}")
            if status:
                return None
            # Not copied: the caller writes it out before the table's next call (`Search._plain_assembled`).
            written = memoryview((ctypes.c_char * out_len.value).from_address(out.value)).cast("B") \
                if out.value and out_len.value else memoryview(b"")
            raw = ctypes.string_at(holes.value, words.value * 8) if holes.value and words.value else b""
        found: list[Hole] = []
        for offset, number, slot, agrees, *record in _HOLES.iter_unpack(raw):
            found.append((offset, record[0], record[1], number, -1 if slot == _NONE else slot,
                          -1 if agrees == _NONE else agrees, _findings(data, record)))
        return written, out_lines.value, found, newlines.value

    def read(self, buf: bytes, start: int, end: int) -> list[Line]:
        """The candidate lines of buf[start:end] (whole lines), in order: (line start, line end
        without its newline, findings). Findings are what `Extractor.find` gives for the line's
        text (utf-8, its trailing `\\r` dropped), or None where the native core did not read the
        line. A line not listed holds no error. `buf[start:end]` of a `\\r\\n` line ends with `\\r`."""
        if not 0 <= start <= end <= len(buf):
            raise ValueError(f"block {start}:{end} is outside a buffer of {len(buf)} bytes")
        data = buf if isinstance(buf, bytes) else bytes(buf)
        out = ctypes.c_void_p()
        words = ctypes.c_size_t()
        with self._lock:  # the records live in the core until its next call
            status = self._lib.kmserr_native_read(
                self._handle, data, len(data), start, end, ctypes.byref(out), ctypes.byref(words)
            )
            if status != 0:
                raise NativeError(f"the native core refused block {start}:{end}")
            raw = ctypes.string_at(out.value, words.value * 8) if out.value and words.value else b""
        return _unpack(data, raw)

    def read_unescaped(self, buf: bytes, start: int, end: int) -> tuple[Finding, ...] | None:
        """The finding of the line buf[start:end] (without its newline) where the core read it
        unescaped (SDK text in a quoted value with escapes: `read` and `assemble` hand such lines
        back, as their spans point into the block), as `Extractor.find` gives it. None: not such
        a line, the full extractor reads it (its imports and patterns: 6 ms for an incident log's
        first such line)."""
        if not 0 <= start <= end <= len(buf):
            raise ValueError(f"line {start}:{end} is outside a buffer of {len(buf)} bytes")
        data = buf if isinstance(buf, bytes) else bytes(buf)
        record = (ctypes.c_uint64 * RECORD)()
        text, length = ctypes.c_void_p(), ctypes.c_size_t()
        with self._lock:  # the text lives in the core until its next call
            status = self._lib.kmserr_native_read_unescaped(
                self._handle, data, len(data), start, end, record, ctypes.byref(text), ctypes.byref(length)
            )
            if status < 0:
                raise NativeError(f"the native core refused line {start}:{end}")
            if status == 0:
                return None
            raw = ctypes.string_at(text.value, length.value) if text.value and length.value else b""
        _, _, _, form, first, last, cs, ce, ms, me, rs, re_, ds, de, module, error = record
        try:
            return (Finding(
                data[cs:ce].decode(), _FORMS[form], first, last,
                None if ms == _NONE else raw[ms:me].decode(),
                None if rs == _NONE else raw[rs:re_].decode(),
                None if module == _NONE else module,
                None if error == _NONE else error,
                None if ds == _NONE else raw[ds:de].decode(),
            ),)
        except UnicodeDecodeError:  # the line holds bytes that are not UTF-8: Python's to read
            return None


def _tagged(extractor: Extractor) -> bytes:
    """What the native core must know, as tagged lines: the literals of the code names (`L:`,
    the candidate search), the families the old Java SDK's codes may be (`K:`), and the words of
    the extractor's names standing alone (`H:` families, `D:` dotted-only families, `N:` names)."""
    bare = extractor._bare  # the very sets the extractor matches with: the two cannot drift apart
    lines = [
        *(f"L:{w}" for w in name_literals(extractor.names)),
        *(f"K:{w}" for w in (*FAMILIES, *DOTTED_ONLY_FAMILIES)),
        *(f"H:{w}" for w in bare._heads), *(f"D:{w}" for w in bare._dotted_heads), *(f"N:{w}" for w in bare._names),
    ]
    return "\n".join(lines).encode("ascii", "replace")


def tagged_names(names: tuple[str, ...]) -> bytes:
    """`_tagged` of the names' own extractor, from the cache where this very code made it for
    these names: the extractor and its modules (3 ms of imports, 0.6 ms to build) are then not
    needed until a line is handed back."""
    from . import cache

    made_by = _made_by()
    data = made_by + b"\0" + "\0".join(names).encode("utf-8", "surrogatepass")
    name = f"tagged {cache.digest(data).hex()[:16]}"  # a file for each catalogue, as Hyperscan's databases
    cached = cache.load(name, data, kind="native") if made_by else None
    if isinstance(cached, bytes):
        return cached
    from .extract import Extractor

    tagged = _tagged(Extractor(names))
    if made_by:
        cache.store(name, data, tagged, kind="native")
    return tagged


# What `_tagged` is made by: a change to any of them (an edit, an upgrade) makes its cached result stale.
_SOURCES: Final = ("_native.py", "extract.py", "forms.py", "version.py")


def _made_by() -> bytes:
    """The identity of the files that `_tagged`'s result depends on (inode, size, modification
    time), or b"" where one cannot be seen (then nothing is cached)."""
    here = os.path.dirname(os.path.abspath(__file__))
    parts = []
    for name in _SOURCES:
        try:
            info = os.stat(os.path.join(here, name))
        except OSError:
            return b""
        parts.append(f"{name}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}")
    return ";".join(parts).encode()


_RECORDS: Final = struct.Struct(f"={RECORD}Q")
_HOLES: Final = struct.Struct(f"={4 + RECORD}Q")


class Tails:
    """A search's tails in the compiled core (`NativeCore.assemble`): its printer's, not the core's,
    which searches with other printers share."""

    def __init__(self, lib: ctypes.CDLL, limit: int) -> None:
        handle = lib.kmserr_tails_new(limit)
        if not handle:
            raise NativeError("the native core could not make a table of tails")
        self._lib = lib
        self.handle: int = handle
        self.lock = threading.Lock()

    def __del__(self) -> None:
        handle, self.handle = getattr(self, "handle", 0), 0
        if handle:
            self._lib.kmserr_tails_free(handle)

    def put_json(self, slot: int, rule: bytes | None, agrees: bool | None, parts: tuple[bytes, bytes, bytes]) -> None:
        """What the last assembled block's hole `slot` needs in JSON: its meaning's rule
        (`agree_rule`; None: its lines are Python's to render from now on), and the three parts of
        a match's record (`render.json._meaning_parts`) for one agreement."""
        with self.lock:
            status = self._lib.kmserr_tails_put_json(
                self.handle, slot, rule, len(rule or b""), AGREES.index(agrees), parts[0], len(parts[0]),
                parts[1], len(parts[1]), parts[2], len(parts[2]),
            )
            if status != 0:
                raise NativeError(f"the native core has no hole {slot} in its last block, or cannot read its rule")

    def put(self, slot: int, tail: bytes) -> None:
        """The tail of the last assembled block's hole `slot` (kept while the table has room)."""
        with self.lock:
            if self._lib.kmserr_tails_put(self.handle, slot, tail, len(tail)) != 0:
                raise NativeError(f"the native core has no hole {slot} in its last block")


def agree_rule(entry: Entry | None) -> bytes:
    """How the native core tells whether a message agrees with `entry`'s (`registry.message_agrees`,
    as `explanation.explain_finding` asks it): `N` (nothing to compare: None), or `A` (an ASCII
    message) or `C`, then the normalised documented message and each template's text before and
    after `%s`, length-prefixed."""
    if entry is None or entry.message is None:
        return b"N"
    known = _RULES.get(id(entry))
    if known is not None and known[0] is entry:  # the entry itself kept: its id stays its own
        return known[1]
    from .registry import _normalise

    strings = [_normalise(entry.message)]
    for template in entry.message_templates:
        head, _, tail = _normalise(template.replace("%s", "\x00")).partition("\x00")
        strings += [head, tail]
    encoded = [text.encode("utf-8", "surrogatepass") for text in strings]
    rule = (b"A" if entry.message.isascii() else b"C") + b"".join(struct.pack("<I", len(e)) + e for e in encoded)
    if len(_RULES) >= 4096:
        _RULES.clear()
    _RULES[id(entry)] = (entry, rule)
    return rule


_RULES: dict[int, tuple[Entry, bytes]] = {}  # `agree_rule` by entry: asked again at each hole of its meanings


def _findings(buf: bytes, record: list[int] | tuple[int, ...]) -> tuple[Finding, ...] | None:
    """A record's findings (RECORD words, native/src/lib.rs): None when the line was not read."""
    _, _, status, form, first, last, cs, ce, ms, me, rs, re_, ds, de, module, error = record
    if status != ONE_ERROR:
        return None if status == NOT_READ else ()
    return (tuple.__new__(Finding, (  # Finding's fields in order, without NamedTuple's keyword handling
        buf[cs:ce].decode(), _FORMS[form], first, last,
        None if ms == _NONE else buf[ms:me].decode(),
        None if rs == _NONE else buf[rs:re_].decode(),
        None if module == _NONE else module,
        None if error == _NONE else error,
        None if ds == _NONE else buf[ds:de].decode(),
        None,  # envelope: a line in one is Python's to read (native/src/reader.rs: in_envelope)
    )),)


def _unpack(buf: bytes, raw: bytes) -> list[Line]:
    """The records (RECORD native-endian u64 words each, native/src/lib.rs) as lines with Findings:
    a line of several errors is a MANY record (their number in its form word), then one each."""
    records = _RECORDS.iter_unpack(raw)
    lines: list[Line] = []
    for record in records:
        if record[2] == MANY:
            found: list[Finding] = []
            for _ in range(record[3]):
                found.extend(_findings(buf, next(records)) or ())
            lines.append((record[0], record[1], tuple(found)))
        else:
            lines.append((record[0], record[1], _findings(buf, record)))
    return lines
