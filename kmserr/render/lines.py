"""grep's standard printer: each matched line as it was, or highlighted, or as JSON, with context."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, Final, cast

from ..controls import terminal_safe
from . import Style, annotation, note, plain_field

if TYPE_CHECKING:
    from ..core import VouchedJson
    from ..explanation import Explanation
    from ..forms import Finding
    from ..scan import Hit


class LinePrinter:
    """grep's matched lines and their context, written to a binary stream as they arrive (a search's
    sink); no Rich in this loop."""

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
        from ..streams import ERRORS

        self._out = out
        # kmserr's own text in the output's encoding (the locale's); what it cannot encode escaped.
        self._encoding, self._errors = encoding, ERRORS
        self._fmt = fmt
        self._style = style
        self._with_filename = with_filename
        self._line_numbers = line_numbers
        self._annotate = annotate
        # The annotation of each combination of codes, computed once (entries live as long as the run).
        self._notes: dict[object, bytes] = {}
        self._shown: dict[tuple[object, ...], str] = {}  # the same, as a terminal shows it
        # What a block printed, written at once at `flush` (the searcher flushes after each block
        # that printed): a write per line costs more than the line's own work.
        self._pending: list[bytes] = []
        self._put = self._pending.append
        self._json: Any = None
        if fmt == "json":
            from . import json  # the JSON printer's module, looked up once, not at each line

            self._json = json

    def flush(self) -> None:
        self._drain()
        self._out.flush()

    def _drain(self) -> None:
        """Write what is held, in one write."""
        if self._pending:
            self._out.write(b"".join(self._pending))
            self._pending.clear()

    def _write_all(self, pieces: tuple[bytes, ...] | Iterator[bytes]) -> None:
        """A long line's pieces, written as they come, after what is held: never joined into one copy."""
        self._drain()
        for piece in pieces:
            self._out.write(piece)

    def context_break(self) -> None:
        """The separator between groups of context lines, as grep prints it."""
        if self._fmt != "json":
            self._put(b"--\n")

    def context(self, number: int, line: bytes, filename: str) -> None:
        """A line printed around a match (-A/-B/-C), marked as grep marks them."""
        if self._fmt == "json":
            from .json import context_line

            self._put(context_line(number, line, filename))
            return
        prefix = b""
        if self._with_filename:
            prefix += os.fsencode(filename) + b"-"  # the name's bytes as they were given
        if self._line_numbers:
            prefix += b"%d-" % number
        if self._fmt == "table":
            safe = terminal_safe(line.decode("utf-8", "surrogateescape")).encode(self._encoding, self._errors)
            dim, reset = (b"\x1b[2m", b"\x1b[0m") if self._style.color else (b"", b"")
            self._put(dim + prefix + safe + reset + b"\n")
        elif self._annotate:
            # An empty last field: what a script reads as kmserr's annotation (the last tab-separated
            # field) is never the context line's own text, whatever tabs it holds.
            self._put(prefix + line + b"\t\n")
        else:
            self._put(prefix + line + b"\n")

    def matched(self, hit: Hit, items: Sequence[Explanation], filename: str) -> None:
        if self._fmt == "json":
            json = self._json
            if len(hit.text) <= json.PIECE:
                self._put(json.matched_line(hit, items, filename, self._style))
                return
            pieces: tuple[bytes, ...] | Iterator[bytes] = json.matched_pieces(hit, items, filename, self._style)
        elif self._fmt == "table":
            pieces = self._terminal(hit, items, filename)
        else:
            pieces = self._plain(hit, items, filename)
            if len(pieces) == 1:
                self._put(pieces[0])
                return
        if len(hit.text) > _PIECE or len(hit.line) > 65536:
            self._write_all(pieces)  # a long line in pieces
        else:
            self._pending.extend(pieces)

    def _prefix(self, hit: Hit, filename: str) -> bytes:
        parts = []
        if self._with_filename:
            parts.append(os.fsencode(filename) + b":")
        if self._line_numbers:
            parts.append(b"%d:" % hit.line_number)
        return b"".join(parts)

    @property
    def plain(self) -> bool:
        """Whether each matched line is printed as its bytes and a tail that depends on its errors'
        meanings alone (`tail`, `matched_with_tail`): what a searcher may cache by code."""
        return self._fmt not in ("json", "table")

    def tail(self, items: Sequence[Explanation]) -> bytes:
        """What follows a matched line's bytes in plain output: a tab and the annotation (or nothing)."""
        if not self._annotate:
            return b""
        return b"\t" + plain_field(annotation(items, self._style)).encode(self._encoding, self._errors)

    def matched_with_tail(self, hit: Hit, tail: bytes, filename: str) -> None:
        """A matched line in plain output, its tail given (`tail` of its explanations)."""
        if len(hit.line) > 65536:
            self._write_all((self._prefix(hit, filename), hit.line, tail + b"\n"))
        elif self._with_filename or self._line_numbers:
            self._put(self._prefix(hit, filename) + hit.line + tail + b"\n")
        else:
            self._put(hit.line + tail + b"\n")

    def line_prefix(self, filename: str) -> tuple[bytes, bool] | None:
        """How plain output begins a matched line, for a compiled core that writes lines itself:
        the prefix (`name:` with -H, else empty) and whether the line number follows (`N:`);
        None: not plain output."""
        if not self.plain:
            return None
        return (os.fsencode(filename) + b":" if self._with_filename else b""), self._line_numbers

    def json_prefix(self, filename: str) -> bytes | None:
        """How a JSON Lines record begins (`{"file": ...`), for a compiled core that writes records
        itself; None: not JSON."""
        if self._fmt != "json":
            return None
        return cast(str, self._json._file_part(filename)).encode("utf-8")

    def matched_json(self, hits: Sequence[Hit | VouchedJson], explain: Callable[[Hit], Sequence[Explanation]],
                     explain_one: Callable[[Finding], Explanation], filename: str, meanings: dict[Any, Any],
                     numbers: Sequence[int] | None = None) -> None:
        """Matched lines as `matched` writes them in JSON, a block of hits at a time
        (`render.json.matched_block`; `numbers`: those of vouched lines, `LineScanner.scan_json`):
        what each match means is rendered once, not once a line."""
        for done in self._json.matched_block(hits, explain, explain_one, filename, self._style, meanings, numbers):
            if isinstance(done, bytes):
                self.assembled(memoryview(done))
            else:
                self.matched(done[0], done[1], filename)

    def json_parts(self, item: Explanation) -> tuple[bytes, bytes, bytes]:
        """A match's JSON record but its message, request ID and span, in the three pieces around
        them (`render.json.matched_line`), for a compiled core that writes records itself."""
        first, middle, last = self._json.known_parts(item, self._style)
        return first.encode("utf-8"), middle.encode("utf-8"), last.encode("utf-8")

    def assembled(self, data: memoryview) -> None:
        """Matched lines as `matched_with_tail` or `matched` would have written them, assembled
        elsewhere: a view of another's buffer, written (large) or copied (small) before this returns."""
        if len(data) >= 65536:
            self._drain()
            for at in range(0, len(data), _WRITE):
                self._out.write(data[at : at + _WRITE])  # no copy made
        else:
            self._put(bytes(data))

    def _plain(self, hit: Hit, items: Sequence[Explanation], filename: str) -> tuple[bytes, ...]:
        """The line's bytes as they were, then a tab and the annotation; in pieces when the line is
        long, so that a line of hundreds of MiB is not copied once more to be written."""
        tail = b""
        if self._annotate:
            key: object
            if len(items) == 1:  # most lines: no list and tuple built for the key
                item = items[0]
                key = (id(item.entry), id(item.family), _written(item))
            else:
                key = tuple([(id(i.entry), id(i.family), _written(i)) for i in items])
            tail = self._notes.get(key, b"")
            if not tail:
                tail = b"\t" + plain_field(annotation(items, self._style)).encode(self._encoding, self._errors)
                if len(self._notes) < 4096:
                    self._notes[key] = tail
        if not (self._with_filename or self._line_numbers):
            return (hit.line + tail + b"\n",) if len(hit.line) <= 65536 else (hit.line, tail + b"\n")
        prefix = self._prefix(hit, filename)
        if len(hit.line) > 65536:
            return (prefix, hit.line, tail + b"\n")
        return (prefix + hit.line + tail + b"\n",)

    def _terminal(self, hit: Hit, items: Sequence[Explanation], filename: str) -> Iterator[bytes]:
        """The line with its codes highlighted; a long line escaped and written a piece at a time."""
        color = self._style.color
        bold_red, dim, cyan, reset = ("\x1b[1;31m", "\x1b[2m", "\x1b[36m", "\x1b[0m") if color else ("",) * 4
        text = hit.text
        pieces: list[str | tuple[int, int]] = []  # kmserr's own text, or a stretch of the line to escape
        pos = 0
        for item in items:
            f = item.finding
            if f.start < pos:
                continue
            code = terminal_safe(text[f.start : f.end])
            pieces += [(pos, f.start), bold_red, code, reset]
            pos = f.end
        pieces.append((pos, len(text)))
        prefix = ""
        if self._with_filename:
            prefix += f"{cyan}{terminal_safe(filename)}{reset}:"
        if self._line_numbers:
            prefix += f"{dim}{hit.line_number}{reset}:"
        tail = "\n"
        if self._annotate:
            key = tuple([(id(i.entry), id(i.family), _written(i)) for i in items])
            shown_note = self._shown.get(key)
            if shown_note is None:
                shown_note = "  " + self._verdicts(items) + "\n"
                if len(self._shown) < 4096:
                    self._shown[key] = shown_note
            tail += shown_note
        step = max(len(text), 1) if len(text) <= _PIECE else _PIECE  # terminal_safe escapes character by character
        shown = [prefix]
        for piece in pieces:
            if isinstance(piece, str):
                shown.append(piece)
                continue
            for at in range(piece[0], piece[1], step):
                shown.append(terminal_safe(text[at : min(at + step, piece[1])]))
                if step < len(text):
                    yield "".join(shown).encode(self._encoding, self._errors)
                    shown = []
        shown.append(tail)
        yield "".join(shown).encode(self._encoding, self._errors)


    def _verdicts(self, items: Sequence[Explanation]) -> str:
        """The annotation on a terminal: `↳ kmserr:` and what the code means dimmed, retry coloured
        (red: no, green: yes), the code bold and the action plain; wrapped between words to the
        terminal's width, so that the terminal never breaks a code or a word in two."""
        color = self._style.color
        bold, dim = ("\x1b[1m", "\x1b[2m") if color else ("", "")
        words: list[tuple[str, str]] = [("↳", dim), ("kmserr:", dim)]
        for index, item in enumerate(items):
            found = note(item, self._style)
            if index:
                words.append(("|", ""))
            words.append((terminal_safe(found.code), bold))
            if found.retry is not None:
                hue = ("\x1b[32m" if found.retryable else "\x1b[31m") if color else ""
                words += [(word, hue) for word in f"[{terminal_safe(found.retry)}]".split()]
                words += [(word, "") for word in terminal_safe(found.action or "").split()]
            words += [(word, dim) for word in terminal_safe(found.about).split()]
        return _wrap(words, self._style.width or 80, start=2, indent=4, reset="\x1b[0m" if color else "")


def _wrap(words: Sequence[tuple[str, str]], width: int, *, start: int, indent: int, reset: str) -> str:
    """Words, each with its colour, joined by spaces on lines of at most `width` cells (a word
    longer than a line has one to itself): the first line goes on from column `start`, the
    others begin at `indent`. A colour is set once for a run of words that share it."""
    out: list[str] = []
    column, fresh, current = start, True, ""
    for word, colour in words:
        size = _cells(word)
        if not fresh and column + 1 + size > width:
            if current:
                out.append(reset)
                current = ""
            out.append("\n" + " " * indent)
            column, fresh = indent, True
        if colour != current:
            if current:
                out.append(reset)
            if not fresh:
                out.append(" ")
            out.append(colour)
            current = colour
        elif not fresh:
            out.append(" ")
        out.append(word)
        column += size + (0 if fresh else 1)
        fresh = False
    if current:
        out.append(reset)
    return "".join(out)


def _cells(word: str) -> int:
    """How many terminal cells a word takes: two for each wide (Chinese) character."""
    if word.isascii():
        return len(word)
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in word)


# What a compiled core assembled is written in pieces of this many bytes: a write of megabytes
# from a buffer larger than the CPU's caches cost the kernel 3 ms a MiB (--json's 163 MB at 50%
# errors: 0.5-0.9 s of system time), one of 128 KiB 0.3 ms.
_WRITE: Final = 1 << 17
_PIECE: Final = 1 << 20  # a longer line is escaped and written in pieces of this many characters


def _written(item: Explanation) -> str | None:
    """The code as the log wrote it, where the annotation shows it beside (or without) an entry's."""
    entry = item.entry
    return item.finding.code if entry is None or entry.code != item.finding.code else None
