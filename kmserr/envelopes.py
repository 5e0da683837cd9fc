"""Platform envelopes: the wrappers a container runtime, journald or syslog puts around an app's line.

A line in an envelope is unwrapped before the forms read it, so that it reads exactly as the app
wrote it: Docker's json-file driver (`{"log":"...\\n","stream":"stderr","time":"..."}`, the line
JSON-escaped), `journalctl -o json` (`MESSAGE`, a string or an array of byte values), Kubernetes
CRI files (`<time> <stream> <P|F> <line>`), `kubectl logs --prefix --timestamps`
(`[pod/<pod>/<container>] <time> <line>`, either part alone) and syslog (RFC 5424 with structured
data, RFC 3164 with or without its `<PRI>`, and the ISO-dated form rsyslog writes). A record that holds part of
a line (CRI's `P`, a Docker record without its `\\n`, journald's `_LINE_BREAK=line-max`) is read
with the next record, as one line (grep reads a chain of CRI or Docker records a window at a time,
each record with at most MAX_JOINED records of its line above it and those below it in its window:
unwrap.Chains; so that a chain of tiny records costs a bounded time a record). Detection looks
at a line's first characters only, so that an ordinary line costs a comparison or two. A simple
record (`simple`: a whole line in CRI's or dockerd's compact record, a syslog line) is told from
its bytes, for the block cores' fast paths (unwrap.py), and its findings placed without opening
it again (`place_simple`).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Final, NamedTuple

from .forms import _lazy
from .timestamps import Stamp
from .timestamps import find as find_timestamp

AUTO: Final = "auto"
NONE: Final = "none"
DOCKER: Final = "docker"
CRI: Final = "cri"
JOURNALD: Final = "journald"
SYSLOG: Final = "syslog"
KUBECTL: Final = "kubectl"
ENVELOPES: Final = (DOCKER, CRI, JOURNALD, SYSLOG, KUBECTL)
CHOICES: Final = (AUTO, NONE, *ENVELOPES)  # what `--envelope` and the library's `envelope=` accept

MAX_ENVELOPE: Final = 1 << 20  # a longer JSON line is not opened as an envelope (Docker cuts at 16 KiB)


def check(envelope: str) -> str:
    """The envelope name, or ValueError when it is none of CHOICES (a library caller's mistake)."""
    if envelope not in CHOICES:
        raise ValueError(f"unknown envelope {envelope!r}: expected one of {', '.join(CHOICES)}")
    return envelope


class Record(NamedTuple):
    """One line in an envelope: the app's text, where it stands, and what the envelope says of it.

    `start`/`end` delimit the app text's source in the line; `escaped` says it is a JSON string's
    inside (its characters placed by reading the escapes), `raw` that it was a byte array (no
    character has a place of its own: all stand at `start`)."""

    kind: str
    text: str
    start: int
    end: int
    partial: bool  # continued by the next record
    time: str | None  # the envelope's time, as written (journald: microseconds since the epoch)
    escaped: bool = False
    raw: bool = False


# Kubernetes CRI (kubelet, containerd, CRI-O; podman's k8s-file): RFC 3339 time, stream, P or F.
_RFC3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)"
_CRI = _lazy(r"(" + _RFC3339 + r") (stdout|stderr) ([PF])(?: |$)")
# RFC 5424: <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]. A value in
# structured data may hold `]` and `"` escaped with a backslash; each alternative starts apart.
_SD_ELEMENT = r'\[[^\]"\\ ]+(?: [^= \]"]+="(?:[^"\\]|\\.)*")*\]'
_RFC5424 = _lazy(
    r"<\d{1,3}>1 (\S+) \S+ \S+ \S+ \S+ (-|(?:" + _SD_ELEMENT + r")+)(?: \ufeff?|$)"
)
# RFC 3164 and rsyslog's files: [<PRI>]TIME HOST TAG[PID]: MSG, TIME as `Oct 11 22:14:15` or RFC 3339.
_BSD_TIME = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d"
# An app's own `TIME LEVEL logger: message` is no syslog line: a log level is no host name, nor is
# one with its colon (winston's printf `${timestamp} ${level}: ${message}`).
_LEVEL = r"(?!(?i:trace|debug|info|notice|warn|warning|error|err|fatal|critical|crit|severe|panic)[ :])"
_RFC3164 = _lazy(
    r"(?:<\d{1,3}>)?(" + _BSD_TIME + "|" + _RFC3339 + r") " + _LEVEL
    + r"[^\s\[\]]+ [^\s:\[\]]{1,64}(?:\[\d{1,10}\])?:(?: |$)"
)
_MONTH_INITIALS: Final = frozenset("JFMASOND")
# `kubectl logs`: `--prefix` writes `[pod/<pod>/<container>] ` before each line, `--timestamps` the
# kubelet's time of it, in RFC 3339 with nanoseconds always nine digits (`timeFormatOut`), then a blank.
_KUBELET_TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(?:Z|[+-]\d\d:\d\d) "
_KUBECTL = _lazy(r"(?:\[pod/[a-z0-9][a-z0-9.-]*/[a-z0-9][a-z0-9-]*\] )?(" + _KUBELET_TIME + r")?")
_KUBECTL_PREFIX: Final = "[pod/"
_MONTHS: Final = frozenset(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"))

_DOCKER_HEAD: Final = '{"log":"'
_STRING = json.decoder.scanstring  # type: ignore[attr-defined]  # C's JSON string reader
_MESSAGE_KEY = _lazy(r'"MESSAGE"\s*:\s*')


# What a line in an envelope can begin with: most lines begin otherwise, and cost one set lookup.
WRAP_FIRST: Final = frozenset("{<[\x1e0123456789" + "".join(_MONTH_INITIALS))
# A record that may continue one cut short: Docker's, journald's, or a CRI record.
_CONTINUING = re.compile(rb'\{"log":"|\{\s*"__|\x1e|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-]\d\d:\d\d) std(?:out|err) [PF]')


def may_wrap(line: str) -> bool:
    """Whether a line can be in an envelope that AUTO detects, from its first characters: most
    lines cannot, and cost a comparison or two (an app's `2024-05-14T08:00:00Z ERROR ...` too)."""
    first = line[:1]
    if first.isdigit():
        blank = line.find(" ", 19, 42)  # after an RFC 3339 time: `stdout`, or a host name (_host_like)
        word = line[blank + 1 : blank + 2] if blank >= 0 else ""
        return word.islower() or word.isdigit() or kubelet_time(line, blank)
    if first == "[":
        return line.startswith(_KUBECTL_PREFIX)
    return first in WRAP_FIRST


def kubelet_time(line: str, blank: int) -> bool:
    """Whether `line` begins with the kubelet's time (`kubectl logs --timestamps`), its first blank at
    `blank`: nine digits of nanoseconds after the seconds, then `Z` or an offset (a slice or two)."""
    nanos = line[20:29]
    return line[19:20] == "." and nanos.isascii() and nanos.isdigit() and (
        (blank == 30 and line[29:30] == "Z") or (blank == 35 and line[29:30] in ("+", "-")))


def _host_like(char: str) -> bool:
    """Whether a word that begins with `char` may be CRI's stream or, after an RFC 3339 time, a
    syslog host name (lower case or digits by custom): an app's level (`INFO`, `ERROR`) is not."""
    return char.islower() or char.isdigit()


def open_line(line: str, envelope: str = AUTO) -> Record | None:
    """The record that `line` is, in `envelope` (AUTO: whichever it is in), or None; never raises."""
    if envelope == NONE or not line:
        return None
    first = line[0]
    if first == "{" or first == "\x1e":
        if envelope in (AUTO, DOCKER) and line.startswith(_DOCKER_HEAD):
            return _docker(line)
        if envelope in (AUTO, JOURNALD):
            return _journald(line)
        return None
    if first.isdigit():
        # CRI and rsyslog both begin with an RFC 3339 time: `2024-05-14T08:00:00...`, a blank after it.
        # Sliced and compared before any regex, so that an app's own timestamped line costs little.
        if line[4:5] != "-" or line[10:11] != "T":
            return None
        blank = line.find(" ", 19, 42)
        if blank < 0:
            return None
        if line.startswith((" stdout ", " stderr "), blank):
            return _cri(line) if envelope in (AUTO, CRI) else None
        if envelope in (AUTO, KUBECTL) and kubelet_time(line, blank):
            return _kubectl(line)  # the kubelet's nine digits: neither syslog's (six) nor an app's own
        if envelope == SYSLOG or (envelope == AUTO and _host_like(line[blank + 1 : blank + 2])):
            return _syslog(line)  # a level (`TIME info app: ...`) is no host: _RFC3164 says no
        return None
    if first == "[":
        return _kubectl(line) if envelope in (AUTO, KUBECTL) and line.startswith(_KUBECTL_PREFIX) else None
    if envelope not in (AUTO, SYSLOG):
        return None
    if (first == "<" and line[1:2].isdigit()) or (line[:3] in _MONTHS and line[3:4] == " "):
        return _syslog(line)
    return None


def _docker(line: str) -> Record | None:
    """moby's json-file record: `log` (Go-escaped, with its `\\n` unless cut at 16 KiB), `stream`,
    `attrs` when asked for, `time` in RFC 3339 with nanoseconds."""
    if len(line) > MAX_ENVELOPE:
        return None
    start = len(_DOCKER_HEAD)
    try:
        text, end = _STRING(line, start)
        doc = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("log") != text or not isinstance(doc.get("time"), str):
        return None
    if not set(doc) <= {"log", "stream", "time", "attrs"}:
        return None  # an app's own JSON record with a `log` key, not Docker's
    partial = not text.endswith("\n")
    text = text if partial else text[:-1]
    if text.endswith("\r") and not partial:
        text = text[:-1]
    return Record(DOCKER, text, start, end - 1, partial, doc["time"], escaped=True)


def _journald(line: str) -> Record | None:
    """A `journalctl -o json` (or json-seq) entry: MESSAGE, a string, or an array of byte values
    when it is not valid UTF-8; keys in any order, with or without blanks around the colons."""
    if len(line) > MAX_ENVELOPE or '"MESSAGE"' not in line:
        return None
    if '"__REALTIME_TIMESTAMP"' not in line and '"__CURSOR"' not in line:
        return None
    body = line.lstrip("\x1e")
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    message = doc.get("MESSAGE")
    stamp = doc.get("__REALTIME_TIMESTAMP")
    time = stamp if isinstance(stamp, str) and stamp.isdigit() else None
    partial = doc.get("_LINE_BREAK") == "line-max"
    key = _message_value(line)
    if isinstance(message, str):
        if key is not None and line[key : key + 1] == '"':
            try:
                value, end = _STRING(line, key + 1)
            except ValueError:
                value, end = None, 0
            if value == message:
                return Record(JOURNALD, message, key + 1, end - 1, partial, time, escaped=True)
        return Record(JOURNALD, message, 0, len(line), partial, time, raw=True)
    if isinstance(message, list) and all(isinstance(b, int) and 0 <= b < 256 for b in message):
        text = bytes(message).decode("utf-8", "surrogateescape")
        where = key if key is not None and line[key : key + 1] == "[" else 0
        close = line.find("]", where)
        return Record(JOURNALD, text, where, close + 1 if close >= 0 else len(line), partial, time, raw=True)
    return None


def _message_value(line: str) -> int | None:
    """Where the MESSAGE key's value starts in the raw line (checked against the decoded value)."""
    at = 0
    while True:
        key = _MESSAGE_KEY.search(line, at)
        if key is None:
            return None
        before = line[: key.start()].rstrip()
        if before.endswith(("{", ",")):
            return key.end()
        at = key.end()


def _cri(line: str) -> Record | None:
    match = _CRI.match(line)
    if match is None:
        return None
    start = match.end()
    return Record(CRI, line[start:], start, len(line), match.group(3) == "P", match.group(1))


def _kubectl(line: str) -> Record | None:
    """A line of `kubectl logs --prefix` and/or `--timestamps`: the app's line after them, as it wrote it."""
    match = _KUBECTL.match(line)
    start = match.end() if match is not None else 0
    if not start:
        return None
    time = match.group(1) if match is not None else None
    return Record(KUBECTL, line[start:], start, len(line), False, time[:-1] if time else None)


def _syslog(line: str) -> Record | None:
    match = _RFC5424.match(line) if line.startswith("<") else None
    if match is None:
        match = _RFC3164.match(line)
    if match is None:
        return None
    start = match.end()
    time = match.group(1)
    text = line[start:]
    if "#0" in text and _RSYSLOG_ESCAPE.search(text):
        return Record(SYSLOG, _RSYSLOG_ESCAPE.sub(_control, text), start, len(line), False,
                      None if time == "-" else time, escaped=True)
    return Record(SYSLOG, text, start, len(line), False, None if time == "-" else time)


# rsyslog writes a message's control characters as `#` and three octal digits (its
# $EscapeControlCharactersOnReceive, on by default): a record of several lines, as SysLogHandler
# sends `logger.exception`'s message and traceback, is one line of `#012`s. It is read as the app
# wrote it, its lines its own (a traceback's source lines are no errors), its colours (ESC) read as
# a terminal shows them (ansi.py). Only a line feed, a tab and ESC are read so: a `#0..` of the
# app's own ("issue #012") is rarely one of those.
_RSYSLOG_ESCAPE = _lazy(r"#0(?:1[12]|33)")
_CONTROLS: Final = {"#012": "\n", "#011": "\t", "#033": "\x1b"}


def _control(escape: re.Match[str]) -> str:
    return _CONTROLS[escape.group()]


# -- places: where a character of the app's text stands in the line ---------------------------

# One JSON escape a character: a surrogate pair (one character once read), `\uXXXX`, `\x`.
_JSON_ESCAPE = _lazy(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.DOTALL
)


def places(line: str, record: Record, positions: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Where each position of the record's text stands in `line`: its offset and width there.

    Verbatim text is shifted; escaped text is walked escape by escape, only as far as the last
    position asked for; a byte array's characters all stand at its start."""
    wanted = sorted(set(positions))
    if not record.escaped:
        if record.raw:
            return {p: (record.start, 0) for p in wanted}
        return {p: (record.start + p, 1) for p in wanted}
    found: dict[int, tuple[int, int]] = {}
    inner = 0  # the text's position at `raw`
    raw = record.start
    index = 0
    escapes = _RSYSLOG_ESCAPE if record.kind == SYSLOG else _JSON_ESCAPE
    for escape in escapes.finditer(line, record.start, record.end):
        run = escape.start() - raw  # characters as written, up to this escape
        while index < len(wanted) and wanted[index] < inner + run:
            found[wanted[index]] = (raw + wanted[index] - inner, 1)
            index += 1
        if index < len(wanted) and wanted[index] == inner + run:
            found[wanted[index]] = (escape.start(), escape.end() - escape.start())
            index += 1
        if index == len(wanted):
            return found
        inner += run + 1
        raw = escape.end()
    for p in wanted[index:]:
        found[p] = (min(raw + p - inner, record.end), 1)
    return found


# -- lines above: what Node's error object and a cut line need ----------------------------------


def may_continue(line: bytes) -> bool:
    """Whether a line may be a record that continues a cut one (Docker's, journald's or CRI's),
    from its first bytes: only then are the lines above looked at (`partial_above`)."""
    first = line[:1]
    if first.isdigit():  # a CRI record has its stream within its first 40 bytes: one C search says no
        return line.find(b" std", 19, 40) >= 0 and _CONTINUING.match(line) is not None
    return first in (b"{", b"\x1e") and _CONTINUING.match(line) is not None


def partial_above(data: bytes, floor: int, end: int) -> bool:
    """Whether the last line of `data[floor:end]` may be a record cut short (continued by the next
    line): a few byte comparisons, so that grep gives the lines above only to the lines that need them."""
    if data.endswith(b"\n", floor, end):
        end -= 1
    start = data.rfind(b"\n", floor, end) + 1 or floor
    first = data[start : start + 1]
    if first.isdigit():
        head = data[start : min(end, start + 48)]
        return b" P " in head and _CRI.match(head.decode("ascii", "replace")) is not None
    if first == b"{" and data.startswith(b'{"log":"', start):
        tail = data[max(start, end - 512) : end]
        at = tail.rfind(b'","stream":"')
        if at < 0:
            at = tail.rfind(b'","time":"')
        return at >= 0 and not tail[:at].endswith(b"\\n")
    return first in (b"{", b"\x1e") and data.find(b'"_LINE_BREAK"', start, end) >= 0


class Opened(NamedTuple):
    """A text's records unwrapped: the app's text, the lines above it unwrapped, and how to place
    what is found in it back in the original text."""

    text: str
    before: str
    skip: int  # the text's first characters are the end of a cut line above: found there already
    records: list[tuple[int, int, str, Record | None]]  # (start in `text`, start in original, line, record)

    def place(self, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int, str | None]]:
        """Where each `text[start:end]` stands in the original text, and the envelope of its
        record: escaped text is walked once a record, for all its spans together (a hostile line
        of escapes with 100 codes costs one walk, not 100)."""
        wanted: dict[int, list[int]] = {}  # record -> positions in its text
        ends: list[tuple[int, int, int]] = []  # each span: its record, first and last position there
        for start, end in spans:
            at = max(bisect_right(self.records, start, key=lambda r: r[0]) - 1, 0)
            inner_start, _, _, record = self.records[at]
            first = start - inner_start
            size = len(record.text) if record is not None else end - inner_start
            # A span is placed within its first record (a code that a cut runs through ends with it).
            last = max(min(end - inner_start, size) - 1, first)
            ends.append((at, first, last))
            wanted.setdefault(at, []).extend((first, last))
        placed = {}
        for at, positions in wanted.items():
            _, original, line, record = self.records[at]
            got = places(line, record, positions) if record is not None else {p: (p, 1) for p in positions}
            placed[at] = (original, got)
        result: list[tuple[int, int, str | None]] = []
        for at, first, last in ends:
            original, got = placed[at]
            begin, _ = got[first]
            stop, width = got[last]
            record = self.records[at][3]
            result.append((original + begin, original + max(stop + width, begin), record.kind if record else None))
        return result


def open_text(text: str, before: str = "", envelope: str = AUTO) -> Opened | None:
    """The records of `text` (one line, or several for parse), unwrapped, with the lines above
    that a cut line or Node's error object needs; None when no line of it is in an envelope."""
    opened: list[Record | None]
    if "\n" not in text:  # grep's one line: nothing to build unless it is in an envelope
        record = open_line(text, envelope)
        if record is None:
            return None
        lines, opened = [text], [record]
    else:  # parse's text, several lines
        lines = text.split("\n")
        opened = [open_line(line, envelope) for line in lines]
        if not any(opened):
            return None
    above = _open_above(before, envelope) if before else _NO_LINES
    texts, ends, cuts, kinds = above
    # A cut line above, continued by the text's first record: read with it, as one line, its last
    # MAX_JOINED records at most (a chain of tiny records read whole at each of them was quadratic).
    kept = len(texts)  # the lines above that are not joined to the text
    first = opened[0]
    while kept and cuts[kept - 1] and first is not None and first.kind == kinds[kept - 1] \
            and len(texts) - kept < MAX_JOINED:
        kept -= 1
    head = "".join(texts[kept:])
    pieces: list[str] = [head]
    records: list[tuple[int, int, str, Record | None]] = []
    at, original = len(head), 0
    for index, (line, record) in enumerate(zip(lines, opened, strict=True)):
        inner = record.text if record is not None else line
        records.append((at, original, line, record))
        pieces.append(inner)
        at += len(inner)
        original += len(line) + 1
        if index + 1 < len(lines) and not (record is not None and record.partial):
            pieces.append("\n")
            at += 1
    # The lines above, given for a Node error's code line or the lines of an exception line that
    # rich wrapped (a cut line's are done above), as the app wrote them; the records of a chain
    # above the ones joined end a line of their own.
    inner_before = "".join(ends[:kept])
    if kept < len(texts) and kept and cuts[kept - 1]:
        inner_before += "\n"
    return Opened("".join(pieces), inner_before, len(head), records)


# A cut line's records joined above the one read: a chain of records of 4 KiB or more (kubelet,
# containerd and dockerd cut at 16 KiB, conmon at 8 KiB) never holds more than this in 16 KiB; a
# chain of tiny records (a producer that writes a line in many pieces) is read in windows
# (unwrap.Chains), each with at most this many records above its first, each code reported once,
# on the record that holds it.
MAX_JOINED: Final = 4


class _Above(NamedTuple):
    """The lines above a line, opened: each one's app text, that text as the lines above the app's
    line hold it (ended unless cut), whether cut, and its envelope."""

    texts: list[str]
    ends: list[str]
    cuts: list[bool]
    kinds: list[str | None]


_NO_LINES: Final = _Above([], [], [], [])
# The last lines above opened (`before`, envelope, lines): grep gives each line of a run the 16 KiB
# above it, that of the line before but a line further on; the lines in both are not opened again.
_last: tuple[str, str, _Above] | None = None
_ALIGN_TRIES: Final = 3  # places tried where the last window's last line may stand (repeated lines)


def _open_above(before: str, envelope: str) -> _Above:
    """The lines above, opened (`_Above`); the last piece of `before` (the start of the current
    line, when it does not end with a newline) is left out."""
    global _last
    last = _last
    got = _open_again(before, envelope, last) if last is not None and last[1] == envelope else None
    if got is None:
        got = _open_lines(before.split("\n")[:-1], envelope)
    _last = (before, envelope, got)
    return got


def _open_again(before: str, envelope: str, last: tuple[str, str, _Above]) -> _Above | None:
    """`_open_above` of `before` from the lines opened last time, when `before` is a later window of
    the same text (it begins with the end of the last one, from a line's start on): only its first
    line and the lines after the last window's are opened. None: it is not."""
    old, _, above = last
    if not old.endswith("\n"):
        return None
    end = before.rfind("\n")  # the last line of `before` ends there (what follows is no line)
    if before.startswith(old):  # the window grew (the first lines of a block)
        same = len(old)
    else:  # it moved on: the last window's last line is in it, the text before that the same
        tail = old[old.rfind("\n", 0, len(old) - 1) + 1 :]
        at = before.rfind(tail, 0, end + 1)
        for _ in range(_ALIGN_TRIES):
            if at < 0 or old.endswith(before[: at + len(tail)]):
                break
            at = before.rfind(tail, 0, at + len(tail) - 1)
        else:
            return None
        if at < 0:
            return None
        same = at + len(tail)
    shift = len(old) - same  # before[p] == old[p + shift] for p < same
    first_end = before.find("\n")
    if first_end >= same - 1:
        return None
    index = old.count("\n", 0, first_end + 1 + shift)  # the last window's line at before's second line
    if index >= len(above.texts):
        return None
    head = _open_lines([before[:first_end]], envelope)
    new = _open_lines(before[same:end].split("\n") if end >= same else [], envelope)
    return _Above(head.texts + above.texts[index:] + new.texts, head.ends + above.ends[index:] + new.ends,
                  head.cuts + above.cuts[index:] + new.cuts, head.kinds + above.kinds[index:] + new.kinds)


def open_below(after: str, envelope: str, lines: int) -> str:
    """The first `lines` lines of `after` (the lines below a line in an envelope), each opened as
    the app wrote it: where a pretty-printed object's code line reads the rest of its object."""
    return "".join(_open_lines(after.split("\n", lines)[:lines], envelope).ends)


def _open_lines(lines: list[str], envelope: str) -> _Above:
    """Each of `lines` opened (`_Above`)."""
    got = _Above([], [], [], [])
    for line in lines:
        line = line[:-1] if line.endswith("\r") else line
        record = open_line(line, envelope) if may_wrap(line) else None
        text, cut, kind = (line, False, None) if record is None else (record.text, record.partial, record.kind)
        got.texts.append(text)
        got.ends.append(text if cut else text + "\n")
        got.cuts.append(cut)
        got.kinds.append(kind)
    return got


# -- the envelope's time ------------------------------------------------------------------------


def stamp(line: bytes, now: datetime | None = None, envelope: str = AUTO) -> Stamp | None:
    """A line's time: the app line's own when it has one, else its envelope's; never raises."""
    text = line.decode("utf-8", "surrogateescape")
    record = open_line(text[:-1] if text.endswith("\r") else text, envelope) if envelope != NONE else None
    if record is None:
        return find_timestamp(line, now)
    own = find_timestamp(record.text.encode("utf-8", "surrogateescape"), now)
    if own is not None or record.time is None:
        return own
    if record.kind == JOURNALD:
        try:
            when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(record.time))
        except OverflowError:  # more microseconds than a datetime holds: no time
            return None
        return Stamp(when.isoformat().replace("+00:00", "Z"), when)
    return find_timestamp(record.time.encode("ascii", "replace"), now)


# -- simple records: read by the block cores' fast paths ----------------------------------------

# A CRI record whole in its line (`F`), and dockerd's compact json-file record of a whole line (its
# `log` ends with `\n`) whose other escapes each stand for one character on the same line (no `\n`,
# `\r`, nor half a surrogate pair: moby writes `<`, `>`, `&` and control characters as `\u00XX`):
# as bytes, so that a block core tells them without decoding the line (native/src/envelope.rs
# reads the same records).
_ONE_CHAR_U = rb"u(?![dD][89a-fA-F])(?!000[aAdD])[0-9a-fA-F]{4}"
_CRI_WHOLE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d) std(?:out|err) F(?: |$)")
_DOCKER_WHOLE = re.compile(
    rb'\{"log":"([^"\\\x00-\x1f]*(?:\\(?:["\\/bft]|' + _ONE_CHAR_U + rb')[^"\\\x00-\x1f]*)*)\\n",'
    rb'"stream":"std(?:out|err)","time":"[^"\\\x00-\x1f]*"\}'
)


class Simple(NamedTuple):
    """A line whose record is simple (`simple`): what its app wrote, as bytes, and where that
    stands in the line's text (-1: escaped, placed by `place_simple` with the record read again)."""

    kind: str
    inner: bytes
    shift: int


def simple(raw: bytes, envelope: str = AUTO) -> Simple | None:
    """The record of a line (bytes, without its newline) when `open_line` opens it as a whole line
    whose text reads as one line of the same bytes or their JSON unescaping, else None: a CRI `F`
    record, dockerd's compact record of a line without `\\n`, `\\r` or a surrogate inside, a syslog
    line that begins with `<PRI>` or a month (`SYSLOG_FIRST`), a journald entry whose MESSAGE is a
    string of one line. Whether a partial record above continues into it is the caller's to ask
    (`partial_above`)."""
    if raw.endswith(b"\r"):  # the line's text, as the scanner reads it, ends before it
        raw = raw[:-1]
    first = raw[:1]
    if first == b"\x1e" or (first == b"{" and not raw.startswith(b'{"log":"')):
        return _simple_journald(raw, envelope)
    if first == b"{":
        if envelope not in (AUTO, DOCKER) or len(raw) > MAX_ENVELOPE:
            return None
        match = _DOCKER_WHOLE.fullmatch(raw)
        if match is None:
            return None
        value = match.group(1)
        if b"\\" not in value:
            return Simple(DOCKER, value, len(_DOCKER_HEAD))
        text = value.decode("utf-8", "surrogateescape")
        return Simple(DOCKER, _STRING(text + '"', 0)[0].encode("utf-8", "surrogateescape"), -1)
    if first in SYSLOG_FIRST:
        return _simple_syslog(raw, envelope)
    if envelope not in (AUTO, CRI) or not first.isdigit():
        return None
    match = _CRI_WHOLE.match(raw)
    if match is None:
        return None
    inner = raw[match.end() :]
    if inner.endswith(b"\r"):  # read as the scanner reads a line: its last `\r` would go
        return None
    return Simple(CRI, inner, match.end())


# The first bytes of a syslog line that `simple` reads (`<PRI>`, RFC 3164's month): rsyslog's
# ISO-dated lines begin as an app's own timed lines do, and are left to the full extractor.
SYSLOG_FIRST: Final = frozenset([b"<", *[c.encode() for c in _MONTH_INITIALS]])


def _simple_syslog(raw: bytes, envelope: str) -> Simple | None:
    """A syslog line that begins with `<PRI>` or a month (`simple`): its message is the rest of the line."""
    if envelope not in (AUTO, SYSLOG):
        return None
    if not (raw[1:2].isdigit() if raw[:1] == b"<" else raw[3:4] == b" " and raw[:3].decode("latin-1") in _MONTHS):
        return None
    line = raw.decode("utf-8", "surrogateescape")
    record = open_line(line, envelope)
    if record is None or record.kind != SYSLOG:
        return None
    if record.escaped:
        return None  # rsyslog's `#012`s: a record of several lines, the full extractor's
    inner = line[record.start :].encode("utf-8", "surrogateescape")
    if inner.endswith(b"\r"):
        return None
    return Simple(SYSLOG, inner, record.start)


def _simple_journald(raw: bytes, envelope: str) -> Simple | None:
    """A journald entry whose MESSAGE is a string of one line, not cut (`simple`): opened as
    `open_line` opens it (its JSON read whole), its text placed by `place_simple` from the record."""
    if envelope not in (AUTO, JOURNALD) or b'"MESSAGE"' not in raw:
        return None
    record = open_line(raw.decode("utf-8", "surrogateescape"), envelope)
    if record is None or record.kind != JOURNALD or record.partial or record.raw or "\n" in record.text \
            or record.text.endswith("\r"):
        return None
    try:
        return Simple(JOURNALD, record.text.encode("utf-8", "surrogateescape"), -1)
    except UnicodeEncodeError:  # half a surrogate pair, escaped: no bytes of a line
        return None


def place_simple(line: str, record: Simple, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]] | None:
    """Where each span of a simple record's text stands in `line` (its text), as `Opened.place`
    places it; None when the line does not open as that record after all, or a span of Docker's
    text holds an escape or follows one that ends with a letter or digit."""
    shift = record.shift
    # A verbatim text's characters stand each at its place (Docker's last one is followed by `\n`,
    # where an empty span at the text's end would be placed: the record is read again for that).
    if shift >= 0 and (record.kind != DOCKER or all(start < end for start, end in spans)):
        return [(shift + start, shift + max(end, start + 1)) for start, end in spans]
    if shift >= 0 or record.kind == JOURNALD:  # placed as the full extractor places them
        opened = open_line(line, record.kind)
        if opened is None or opened.partial or opened.raw:
            return None
        placed = Opened(opened.text, "", 0, [(0, 0, line, opened)]).place(spans)
        if shift < 0:  # escaped: the engines must see each span as the text has it (Docker's rule, below)
            text = opened.text
            for (start, end), (begin, stop, _) in zip(spans, placed, strict=True):
                if line[begin:stop] != text[start:end] or (
                        start > 0 and begin > 0 and line[begin - 1] != text[start - 1] and line[begin - 1].isalnum()):
                    return None
        return [(start, end) for start, end, _ in placed]
    # Docker's text with escapes of one character each (`simple`: two or six long), the last its
    # `\n`: a position on an escape stands there, as wide; one past escapes further by their
    # lengths but one each (`places`).
    head = len(_DOCKER_HEAD)
    close = line.rfind('","stream":"')
    escapes: list[int] = []
    widths: list[int] = []
    inner: list[int] = []  # each escape's place in the text
    longer = [0]  # how much longer the escapes before each are than their characters
    at = line.find("\\", head, close)
    while at >= 0:
        width = 6 if line[at + 1] == "u" else 2
        escapes.append(at)
        widths.append(width)
        inner.append(at - head - longer[-1])
        longer.append(longer[-1] + width - 1)
        at = line.find("\\", at + width, close)
    size = inner[-1]

    def where(position: int) -> tuple[int, int]:
        before = bisect_left(inner, position)
        if before < len(inner) and inner[before] == position:
            return escapes[before], widths[before]
        return head + position + longer[before], 1

    result: list[tuple[int, int]] = []
    for start, end in spans:
        # A span that holds an escape, or follows one that ends with a letter or digit (`\t`,
        # `\u003c`), is no text the engines see as it is read (they search the line as written):
        # the searcher's, as before.
        first = bisect_left(inner, start - 1)
        if first < len(inner) and inner[first] < max(end, start + 1) and (
                inner[first] >= start or line[escapes[first] + widths[first] - 1].isalnum()
                or (first + 1 < len(inner) and inner[first + 1] < end)):
            return None
        begin, _ = where(start)
        stop, width = where(max(min(end, size) - 1, start))
        result.append((begin, max(stop + width, begin)))
    return result
