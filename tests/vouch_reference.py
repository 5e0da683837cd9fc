"""The lines that `PythonCore.vouch` selected before it was one regex (five regexes, each line's first
match, the text around it checked by more regexes and `in` tests): kept as the reference that the
one-pass regex must agree with, line for line (`tests/test_vouch.py`)."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from kmserr.forms import (
    API3_JSON,
    LEGACY_JSON,
    LEGACY_MESSAGE,
    PYTHON_SDK,
    WINDOW,
    _trie_regex,
    name_literals,
    word_trie,
)

_STOP_PREFIX = 4


def _outside_parts(stop: bytes, starts: bytes) -> tuple[bytes, bytes]:
    chars = rb'[^\n\r"\\()=' + starts + rb"]"
    return rb"(?:" + chars + rb"++|=(?![\"'])|(?!" + stop + rb")[" + starts + rb"])", chars


def _outside(stop: bytes, starts: bytes) -> bytes:
    return _outside_parts(stop, starts)[0] + rb"*+"


_TIME_HEAD = (
    rb"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})? (?=[A-Z])"
)
_MESSAGE_FIRST = rb"(?!None[^!-~])[!#-'*-\[\]-~\xe4-\xe9]"
_CODE = rb"([A-Za-z][A-Za-z0-9_.]*)"
_RID = rb"(?!(?i:none|null|nil|undefined)(?![0-9A-Za-z_-]))[0-9A-Za-z][0-9A-Za-z_-]{0,127}"
_V_PLAIN_SDK = re.compile(
    rb"\[TencentCloudSDKException\] code:" + _CODE + rb" message:(" + _MESSAGE_FIRST
    + rb'(?:[^\n\r"\\ \[]++| (?!requestId:' + _RID + rb"$)|\[(?!TencentCloudSDK))*+) requestId:" + _RID + rb"$",
    re.MULTILINE)
# In a JSON string the message may hold escapes of CJK ideographs and of `、` `。` (core._V_ESCAPE).
_ESCAPE = rb"\\u(?:[4-9][0-9a-f]{3}|300[12])"
_V_QUOTED_SDK = re.compile(
    rb'"\[TencentCloudSDKException\] code:' + _CODE + rb" message:((?!None[^!-~])(?:[!#-'*-\[\]-~\xe4-\xe9]|(?="
    + _ESCAPE + rb'))(?:[^\n\r"\\ ]++|' + _ESCAPE + rb'| (?!requestId:' + _RID + rb'"))*+) requestId:' + _RID + rb'"')
_V_LEGACY = re.compile(rb"\((?<![A-Za-z0-9_.(\x80-\xff]\()([0-9]{3}|[0-9]{5,6})\) ?(?=[A-Za-z])")
_B = rb"[ \t]*"
_V_LEGACY_BODY = re.compile(
    rb'\{"code"' + _B + rb":" + _B + rb'(?:"(0|[1-9][0-9]{0,5})"|(0|[1-9][0-9]{0,5}))' + _B + rb"," + _B
    + rb'"message"' + _B + rb":" + _B + rb'"\(([0-9]{3}|[0-9]{5,6})\) ?(?=[A-Za-z])([^"\\\x00-\x1f]{0,4000})"' + _B
    + rb"," + _B + rb'"codeDesc"' + _B + rb":" + _B + rb'"([^"\\\x00-\x1f]{0,4096})"' + _B + rb"\}")
_V_API3 = re.compile(
    rb'\{"(?:(Response)"' + _B + rb":" + _B + rb"\{" + _B + rb'")?' + rb'Error"' + _B + rb":" + _B
    + rb"\{" + _B + rb'"Code"' + _B + rb":" + _B + rb'"([A-Za-z][A-Za-z0-9_.]*)"' + _B + rb"," + _B
    + rb'"Message"' + _B + rb":" + _B + rb'"([^"\\\x00-\x1f]{0,4096})"' + _B + rb"\}" + _B + rb"," + _B
    + rb'"RequestId"' + _B + rb":" + _B + rb'"[!#-\[\]-~]*"' + _B + rb"\}(?(1)" + _B + rb"\})")
_DIGIT_PAREN = re.compile(rb"\)(?<=[0-9]\))")


def _message_inert(message: bytes) -> bool:
    return not (b"SDK" in message or b"code" in message or b"Code" in message or b"='" in message
                or b"RequestId=" in message or (b")" in message and _DIGIT_PAREN.search(message) is not None))


_Check = Callable[[bytes, int, int], "re.Match[bytes] | None"]


class _Vouchers(NamedTuple):
    time_head: _Check
    outside: _Check
    json_head: _Check
    json_tail: _Check
    json_open: _Check
    json_rest: _Check
    time_open: _Check  # a timed line up to a value's quote (`"message": "`): the quoted legacy message


@functools.lru_cache(maxsize=8)
def _vouchers(names: tuple[str, ...]) -> _Vouchers:
    words = {w[:_STOP_PREFIX] for w in (*name_literals(names), "SDK", "Code", "ErrorCode", "RequestId", "MESSAGE")}
    stop = _trie_regex(word_trie({w: {""} for w in words})).encode("ascii")
    starts = "".join(sorted({w[0] for w in words})).encode("ascii")
    outside = _outside(stop, starts)
    string = rb'"(?!locals"|code")' + outside + rb'"'
    unit = _outside_parts(stop, starts)[0]
    parts = rb"(?:" + string + rb"|" + unit + rb")*+"
    return _Vouchers(
        re.compile(_TIME_HEAD + outside).fullmatch,
        re.compile(outside).fullmatch,
        re.compile(rb'\{(?!"log":")' + parts + rb"(?<=:)").fullmatch,
        re.compile(parts).fullmatch,
        re.compile(rb'\{(?!"log":")' + parts + rb'(?<=:)"').fullmatch,
        re.compile(outside + rb'"' + parts).fullmatch,
        re.compile(_TIME_HEAD + parts + rb'(?:(?<=:)|(?<=: ))"').fullmatch,
    )


def _first_in_lines(
    pattern: re.Pattern[bytes], buf: bytes, start: int, end: int,
) -> Iterator[tuple[re.Match[bytes], int, int]]:
    search, find, rfind = pattern.search, buf.find, buf.rfind
    pos = start
    while True:
        match = search(buf, pos, end)
        if match is None:
            return
        at, high = match.span()
        newline = find(b"\n", high, end)
        line_end = end if newline < 0 else newline
        pos = line_end + 1
        newline = rfind(b"\n", max(start, at - WINDOW), at)
        line_start = newline + 1 if newline >= 0 else start
        if line_end - line_start <= WINDOW and (newline >= 0 or at - WINDOW <= start):
            yield match, line_start, line_end


Selected = tuple[int, int, str, "bytes | tuple[bytes | None, ...]"]


def selected(names: tuple[str, ...], buf: bytes, start: int, end: int) -> list[Selected]:
    """The lines of `buf[start:end]` that the five regexes vouched for, sorted: (start, end, form,
    what the key depends on), before the full extractor's check of each (form, code)."""
    time_head, outside, json_head, json_tail, json_open, json_rest, time_open = _vouchers(names)
    found: list[Selected] = []
    find = buf.find
    for match, line_start, line_end in _first_in_lines(_V_PLAIN_SDK, buf, start, end):
        at = match.start()
        if time_head(buf, line_start, at) is None \
                or find(b"code", line_start, at) >= 0 or not _message_inert(match.group(2)):
            continue
        found.append((line_start, line_end, PYTHON_SDK, match.group(1)))
    for match, line_start, line_end in _first_in_lines(_V_QUOTED_SDK, buf, start, end):
        at, high = match.span()
        if json_head(buf, line_start, at) is None \
                or json_tail(buf, high, line_end) is None or find(b"code", line_start, at) >= 0 \
                or find(b"code", high, line_end) >= 0 or not _message_inert(match.group(2)):
            continue
        # (a message with escapes: its (form, code) kept apart, as `vouch` keeps it)
        found.append((line_start, line_end, PYTHON_SDK + "\\u" if b"\\" in match.group(2) else PYTHON_SDK,
                      match.group(1)))
    for match, line_start, line_end in _first_in_lines(_V_API3, buf, start, end):
        at, high = match.span()
        if time_head(buf, line_start, at) is None \
                or outside(buf, high, line_end) is None or find(b"code", line_start, at) >= 0 \
                or find(b"code", high, line_end) >= 0 or not _message_inert(match.group(3)):
            continue
        found.append((line_start, line_end, API3_JSON, match.group(2)))
    for match, line_start, line_end in _first_in_lines(_V_LEGACY, buf, start, end):
        at, high = match.span()
        if find(b"code", line_start, line_end) >= 0:
            continue
        if buf[at - 1 : at] == b'"':
            if (json_open(buf, line_start, at) is None and time_open(buf, line_start, at) is None) \
                    or json_rest(buf, high, line_end) is None:
                continue
        elif time_head(buf, line_start, at) is None or outside(buf, high, line_end) is None \
                or buf.endswith(b"]: ", line_start, at):
            continue
        found.append((line_start, line_end, LEGACY_MESSAGE, match.group(1)))
    for match, line_start, line_end in _first_in_lines(_V_LEGACY_BODY, buf, start, end):
        at, high = match.span()
        message, desc = match.group(4, 5)
        if time_head(buf, line_start, at) is None \
                or outside(buf, high, line_end) is None or find(b"code", line_start, at) >= 0 \
                or find(b"code", high, line_end) >= 0 or not _message_inert(message) or not _message_inert(desc) \
                or b"(" in message or b"(" in desc:
            continue
        found.append((line_start, line_end, LEGACY_JSON, match.group(1, 2, 3, 5)))
    found.sort()
    return found
