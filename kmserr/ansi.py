"""Terminal colour in a log line: read as the terminal shows it.

A service whose output goes to a terminal (`docker run -t`, a pod with `tty: true`, `FORCE_COLOR`)
logs with ANSI escape sequences: winston's `\\x1b[31merror\\x1b[39m:`, rich's and structlog's
tracebacks coloured a token at a time, Node's `util.inspect` with colours. A code, a message or a
`code: '` between two sequences is no longer the text the forms know, and a locals panel's border
is no longer at the line's start. The extractor reads such a line (and the lines above it) without
its sequences, as the terminal shows it, and places what it finds back in the line as it stands.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Final

ESC: Final = "\x1b"

# ECMA-48: a control sequence (CSI: `ESC [`, parameters, intermediates, a final byte: colours and
# cursor moves), an operating system command (OSC: `ESC ]` to BEL or ST: rich's hyperlinks), or
# ESC with intermediates and a final byte (a character set's choice, `ESC (B`; a lone `ESC M`).
# A sequence cut short by the line's end is taken to there: none of it is text. A blank is an
# intermediate only before the final byte (`ESC SP F`): a stray ESC before ` (10630) key is not
# existed` took the blank, the `(` and the `1` for a sequence and the legacy code was lost.
_SEQUENCE: Final = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*(?:[@-~]|(?=\n)|\Z)"  # CSI
    r"|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?"  # OSC
    r"| [0-~]|[!-/]{0,2}[0-~]?)"  # the others
)
_SEQUENCE_BYTES: Final = re.compile(_SEQUENCE.pattern.encode())


class Uncoloured:
    """A text without its escape sequences, and where each of its characters stands in the text."""

    __slots__ = ("_firsts", "_starts", "text")

    def __init__(self, text: str, starts: list[int], firsts: list[int]) -> None:
        self.text = text
        self._starts, self._firsts = starts, firsts  # runs of text: where each begins here, and there

    def place(self, start: int, end: int) -> tuple[int, int]:
        """Where `self.text[start:end]` stands in the coloured text: from its first character to
        just after its last (an empty span: where it is)."""
        first = self._at(start)
        return first, (self._at(end - 1) + 1 if end > start else first)

    def _at(self, index: int) -> int:
        if not self._starts:
            return 0
        run = max(bisect_right(self._starts, index) - 1, 0)
        return self._firsts[run] + index - self._starts[run]


def uncolour(text: str) -> Uncoloured:
    """`text` without its escape sequences (a text with none is itself, one run)."""
    pieces: list[str] = []
    starts: list[int] = []
    firsts: list[int] = []
    done = count = 0
    for sequence in _SEQUENCE.finditer(text):
        at = sequence.start()
        if at > done:
            starts.append(count)
            firsts.append(done)
            pieces.append(text[done:at])
            count += at - done
        done = sequence.end()
    if done < len(text) or not starts:
        starts.append(count)
        firsts.append(done)
        pieces.append(text[done:])
    return Uncoloured("".join(pieces), starts, firsts)


def strip(text: str) -> str:
    """`text` without its escape sequences."""
    return _SEQUENCE.sub("", text) if ESC in text else text


def strip_bytes(data: bytes) -> bytes:
    """`data` without its escape sequences (its newlines kept: no sequence holds one)."""
    return _SEQUENCE_BYTES.sub(b"", data)
