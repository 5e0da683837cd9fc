"""Characters that can drive a terminal or deceive its reader, and how they are shown instead.

Control characters (C0, DEL, C1) make a terminal act: clear the screen, set its title, open a
link; a tab is shown as `\\t` too, so that a log line's own tab and the text after it (a forged
`kmserr: ... [retry: yes]`) cannot pass for kmserr's layout. Format characters (Unicode category
Cf: bidi overrides such as U+202E and isolates such as U+2066, zero-width spaces and joiners, the
BOM) and line and paragraph separators (Zl, Zp) print as nothing, or reorder what follows, so that
one code looks like another. Undecodable input bytes are kept as lone surrogates by
`surrogateescape`. All of these are shown as escapes.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

# Every character of the categories Cc (but tab), Cf, Zl, Zp and Cs up to Unicode 15.1, with the
# few unassigned or invisible neighbours of their blocks; tests/test_render.py checks against the
# running Python's unicodedata that none is missing.
_FORMAT: Final = (
    "\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
# Letters and marks that print as nothing though no category says so: the Hangul fillers, Khmer's
# inherent vowels, the combining grapheme joiner, Mongolian variation selectors, the blank braille
# pattern. `AuthFailure\u3164` looks exactly like `AuthFailure`.
_BLANK: Final = "\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u2800\u3164\uffa0"
# Spaces other than the space itself (a code may hold one: `signMethod invalid`): no name holds them.
_OTHER_SPACES: Final = "\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
_CONTROLS: Final = f"\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff{_FORMAT}{_BLANK}"  # all of C0 but tab
_PATTERNS: Final = {
    "unsafe": f"[\t{_CONTROLS}]",
    "in names": f"[\t{_CONTROLS}{_OTHER_SPACES}]",  # a name holds no tab, nor a space that is not " "
    "characters": f"[\x00-\x08\x0a-\x1f\x7f-\x9f{_FORMAT}{_BLANK}]",  # the unsafe ones but undecodable bytes
    # What JSON must escape besides what json.dumps does: it leaves C1 controls, DEL, format
    # characters and U+2028/U+2029 raw, and some readers split lines at U+0085, U+2028 and U+2029.
    "json": f"[\x7f-\x9f{_FORMAT}{_BLANK}]",
    "linkable": r"(?ai)https?://[!-~]+",
    "address": r"(?i)https?://\S+",
}


@cache
def _pattern(name: str) -> re.Pattern[str]:
    """Compiled when first needed: together they cost 2 ms, and `lookup --format plain` needs none."""
    return re.compile(_PATTERNS[name])


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if 0xDC80 <= code <= 0xDCFF:  # a byte that surrogateescape kept
        return f"\\x{code - 0xDC00:02x}"
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _terminal_escape(match: re.Match[str]) -> str:
    return "\\t" if match.group(0) == "\t" else _escape(match)


def terminal_safe(text: str) -> str:
    """Show tabs, control and invisible characters, and undecodable bytes, as escapes (`\\t`,
    `\\x1b`, `\\u202e`): what a terminal shows is then the text's own characters, one for one."""
    if text.isascii() and text.isprintable():  # nothing to show (the usual case): no pattern compiled (0.8 ms)
        return text
    return _pattern("unsafe").sub(_terminal_escape, text)


def characters_safe(text: str) -> str:
    """Show control and invisible characters as escapes, but keep undecodable bytes as they were:
    for a diagnostic line into a pipe, where a file name's bytes must still name the file."""
    return _pattern("characters").sub(_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells a character beyond the BMP as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_safe(encoded: str) -> str:
    """Escape, in text that json.dumps made, what it leaves raw and a terminal or reader would act on.

    These characters can only stand inside JSON strings (the rest of JSON is ASCII), where an
    escape means the same character to every JSON reader."""
    if encoded.isascii() and "\x7f" not in encoded:  # of ASCII it escapes DEL alone: no pattern read (20 ns a char)
        return encoded
    return _pattern("json").sub(_json_escape, encoded)



def linkable(url: str) -> bool:
    """Whether a URL may become a terminal hyperlink (OSC 8): http(s), printable ASCII, no spaces.
    Anything else (`javascript:`, `file:`, an ESC or BEL that would end the sequence) stays text."""
    # As the pattern `(?ai)https?://[!-~]+` says, without compiling one for the few links of a card.
    if not url.isascii() or not url.isprintable() or " " in url:
        return False
    lowered = url.lower()
    for scheme in ("https://", "http://"):
        if lowered.startswith(scheme):
            return len(url) > len(scheme)
    return False


def web_address(url: str) -> bool:
    """Whether a catalogue may name this URL: http(s), without spaces, control or invisible characters."""
    return _pattern("address").fullmatch(url) is not None and _pattern("unsafe").search(url) is None


def hidden(text: str) -> str | None:
    """The first character that may not stand in a name (a code, a product, a category), escaped:
    a control character, a tab or an invisible one. None when there is none."""
    found = _pattern("in names").search(text)
    return None if found is None else _escape(found)
