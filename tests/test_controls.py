"""Which characters reach a terminal or a JSON reader escaped: every control, format (bidi,
zero-width), line and paragraph separator character that the running Python's Unicode knows."""

from __future__ import annotations

import json
import re
import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.controls import _PATTERNS, _terminal_escape, hidden, json_safe, linkable, terminal_safe, web_address
from kmserr.render import json_line, json_text

MUST_ESCAPE = ("Cc", "Cf", "Zl", "Zp", "Cs")


def every_character() -> list[str]:
    return [chr(code) for code in range(sys.maxunicode + 1)]


def test_every_control_and_invisible_character_is_escaped_and_nothing_visible_is() -> None:
    """Exhaustive over the running Python's Unicode database, so that a newer Unicode's format
    characters are caught by the suite the day the project runs on it."""
    escaped = {c for c in every_character() if terminal_safe(c) != c}
    required = {c for c in every_character() if unicodedata.category(c) in MUST_ESCAPE}  # the tab too
    assert required - escaped == set()
    # Beyond them only unassigned code points and invisible variation selectors, in the same blocks,
    # and the letters that print as nothing (Hangul fillers, the blank braille pattern).
    assert {unicodedata.category(c) for c in escaped - required - set(BLANK)} <= {"Cn", "Mn"}
    assert set(BLANK) <= escaped


BLANK = "\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0"


@pytest.mark.parametrize("blank", BLANK)
def test_letters_that_print_as_nothing_are_shown(blank: str) -> None:
    assert terminal_safe(f"AuthFailure{blank}") == f"AuthFailure\\u{ord(blank):04x}"
    assert hidden(f"AuthFailure{blank}") == f"\\u{ord(blank):04x}"
    assert json.loads(json_text([blank])) == [blank] and blank not in json_text([blank])


@pytest.mark.parametrize("space", ["\xa0", "\u2007", "\u3000", "\u202f"])
def test_a_name_holds_no_space_but_the_space(space: str) -> None:
    expected = f"\\u{ord(space):04x}" if ord(space) > 0xFF else f"\\x{ord(space):02x}"
    assert hidden(f"Auth{space}Failure") == expected
    assert hidden("signMethod invalid") is None


def test_escapes_say_which_character_it_was() -> None:
    assert terminal_safe("a\u202eb\u200b\u2066c") == "a\\u202eb\\u200b\\u2066c"
    assert terminal_safe("\x9b\x85\x7f\x00") == "\\x9b\\x85\\x7f\\x00"
    assert terminal_safe("tag\U000e0041") == "tag\\U000e0041"
    assert terminal_safe("中文 ’quote’ é ok") == "中文 ’quote’ é ok"
    # A tab as `\t`: a log line's own tab, and a forged `kmserr:` field after it, show as what they are.
    assert terminal_safe("(10630) x\tkmserr: 10630 [retry: yes]") == "(10630) x\\tkmserr: 10630 [retry: yes]"
    assert terminal_safe(b"\xff".decode("utf-8", "surrogateescape")) == "\\xff"


@given(st.text())
def test_json_escapes_are_exact_and_leave_nothing_raw(text: str) -> None:
    """JSON keeps the text exactly (a reader gets it back) and holds none of those characters raw."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # what JSON output holds: no lone surrogates
    for encoded in (json_line({"t": text}).decode("utf-8"), json_text([text])):
        assert json.loads(encoded) in ({"t": text}, [text])
        assert not any(unicodedata.category(c) in MUST_ESCAPE for c in encoded.strip("\n") if c not in "\n")


def test_json_escapes_c1_and_bidi_characters() -> None:
    assert json_safe(json.dumps("\x9b\x9d\u202e\u2028\U000e0041", ensure_ascii=False)) == (
        '"\\u009b\\u009d\\u202e\\u2028\\udb40\\udc41"'
    )
    assert json_safe('"中文 é"') == '"中文 é"'
    assert json_safe('"a\x7fb"') == '"a\\u007fb"'  # DEL, the one ASCII character it escapes
    assert json_safe('"a\x7f\x85"') == '"a\\u007f\\u0085"'


def test_links_and_names() -> None:
    assert linkable("https://cloud.tencent.com/document/product/573/34406")
    assert not linkable("javascript:alert(1)") and not linkable("file:///etc/passwd")
    assert not linkable("https://x/\x1b\\") and not linkable("https://x/\x07") and not linkable("https://x y")
    assert web_address("https://例子.测试/路径") and not linkable("https://例子.测试/路径")
    assert not web_address("https://x/\u202e") and not web_address("data:,x")
    assert hidden("ResourceUnavailable.CmkDisabled") is None and hidden("密钥") is None
    assert hidden("a\tb") == "\\x09" and hidden("a\u202eb") == "\\u202e" and hidden("a\nb") == "\\x0a"


UNSAFE = re.compile(_PATTERNS["unsafe"])
LINKABLE = re.compile(r"(?ai)https?://[!-~]+")


@given(st.text(st.characters(max_codepoint=0x3000)) | st.text(st.characters(max_codepoint=0x7F)))
def test_printable_ascii_is_left_as_it_is_without_the_pattern(text: str) -> None:
    """terminal_safe answers printable ASCII without compiling its pattern: as the pattern would."""
    assert terminal_safe(text) == UNSAFE.sub(_terminal_escape, text)


@given(st.sampled_from(["", "http://", "https://", "HTTPS://", "hTtP://", "https:/", "ftp://"]),
       st.text(st.sampled_from("aZ09/:.~!? \t\x1b\x7f\u017f\u0130é\u202e"), max_size=8))
def test_linkable_says_what_its_pattern_says(scheme: str, rest: str) -> None:
    """http(s), printable ASCII, no space, something after the scheme; U+017F and U+0130 fold to ASCII
    letters under Unicode rules, never under the pattern's ASCII ones."""
    url = scheme + rest
    assert linkable(url) == (LINKABLE.fullmatch(url) is not None)
