"""JSON: whole documents for lookup, parse, list and --summary; one record a line for grep."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from json import encoder as json_encoder
from typing import IO, TYPE_CHECKING, Any, Final, cast

from ..controls import _pattern, json_safe
from ..streams import valid_text
from . import Style, entry_record, explanation_record, json_line, json_name, json_str, json_text, verdict_record

if TYPE_CHECKING:
    from ..catalogue import Entry
    from ..core import VouchedJson
    from ..explanation import Explanation
    from ..forms import Finding
    from ..scan import Hit
    from .summary import Row


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    out.write(json_text([entry_record(e, style) for e in entries]))


def lookup_entries(answers: Sequence[tuple[Entry, str, str]], out: IO[str], style: Style) -> None:
    """lookup's entries, each with the query it answers (`query`) and how it was found (`match`):
    `module_code`, `error_code`, `code`, `family`, `rule`, or `search` (another code than asked)."""
    records = [{**entry_record(e, style), "query": json_str(query), "match": kind} for e, query, kind in answers]
    out.write(json_text(records))


def explanations(items: Sequence[Explanation], out: IO[str], style: Style) -> None:
    out.write(json_text([explanation_record(i, style) for i in items]))


def summary(rows: Sequence[Row], out: IO[str], style: Style) -> None:
    """grep's --summary as one JSON array; `advice_from` names the family whose advice it is."""
    out.write(json_text(summary_records(rows)))


def summary_records(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """The records of `summary`'s array, as Python values (kmserr.blocks.Summary gives them too)."""
    return [
        {
            "code": json_str(r.code), "count": r.times, "message": json_str(r.meaning),
            "first_seen": r.first, "last_seen": r.last, "retry": r.retry, "retryable": r.retry not in (None, "no"),
            "action": r.action, "category": r.category, "advice_from": r.advice_from,
        }
        for r in rows
    ]


def matched_record(hit: Hit, items: Sequence[Explanation], filename: str, style: Style) -> dict[str, Any]:
    """One matched line of grep as a JSON Lines record, each match with its byte span (`matched_line`
    writes it as `json_line` would, faster)."""
    matches = []
    for item in items:
        start, end = hit.byte_span(item.finding)
        matches.append({**explanation_record(item, style), "start": start, "end": end})
    record: dict[str, Any] = {**json_name(filename), "line_number": hit.line_number, "line": json_str(hit.text)}
    base64 = _line_base64(hit)
    if base64 is not None:
        record["line_base64"] = base64
    record["matches"] = matches
    return record


def _line_base64(hit: Hit) -> str | None:
    """The line's bytes in base64 when they are not valid UTF-8 (its text then holds U+FFFD)."""
    if hit.line.isascii():
        return None
    try:
        hit.line.decode("utf-8")
    except UnicodeDecodeError:
        import base64  # only for lines that are not valid UTF-8

        return base64.b64encode(hit.line).decode("ascii")
    return None


def matched_line(hit: Hit, items: Sequence[Explanation], filename: str, style: Style) -> bytes:
    """`json_line(matched_record(...))`, byte for byte, assembled from parts: what depends on a
    catalogue entry alone (most of a record) is serialized once per entry, the rest per line."""
    base64 = _line_base64(hit)
    parts = [_file_part(filename), ', "line_number": ', str(hit.line_number), ', "line": ', _text(hit.text)]
    if base64 is not None:
        parts += [', "line_base64": "', base64, '"']
    parts.append(', "matches": [')
    for index, item in enumerate(items):
        if index:
            parts.append(", ")
        _match_parts(parts, hit, item, style)
    parts.append("]}\n")
    return "".join(parts).encode("utf-8")


def matched_block(
    hits: Sequence[Hit | VouchedJson], explain: Callable[[Hit], Sequence[Explanation]],
    explain_one: Callable[[Finding], Explanation], filename: str, style: Style, meanings: dict[Any, Any],
    numbers: Sequence[int] | None = None,
) -> Iterator[tuple[Hit, Sequence[Explanation]] | bytes]:
    """`matched_line` of each hit, byte for byte, a run of lines as one `bytes` (one join and one
    encoding, not one a line); a hit of more than one match or a long line is yielded with its
    explanations (`explain`), in its place, for `matched`. What a match means is rendered once
    (`_meaning_parts`) and kept in `meanings`, which the caller keeps for one registry (`explain_one`
    explains a finding with it) and this style: the first line of a meaning is explained, the others
    only asked whether their message agrees with its entry (`message_agreement`), once a message in a block.

    A line's values are escaped as json.dumps escapes them, DEL but: what it leaves raw of what
    `json_safe` escapes is DEL alone in ASCII (the pieces of a meaning, the file's part and a
    value that is not ASCII are escaped already), so a run holding a DEL byte has them replaced
    at once (UTF-8 writes no other character with that byte).

    A line Python's core vouched for (`core.VouchedJson`: valid UTF-8, one error, its message and
    request ID read from its form's match), its number beside it in `numbers`, is written from its
    bytes, with no `Finding` made but for the first of its meaning and of each message of a meaning
    that has one to agree with (`_vouched_parts`). Where its meaning has no message to agree with
    and it is printable ASCII, the pieces of its record are found by its tail's key alone (`simple`)."""
    file_part = _file_part(filename).encode("utf-8")
    from ..explanation import message_agreement as agreement

    string, piece, run, record, span = _string, PIECE, _RUN, _RECORD, _SPAN
    # A vouched line's record up to its match, but its number and line (printable ASCII, escaped).
    head = file_part.replace(b"%", b"%%") + b', "line_number": %d, "line": "%s", "matches": ['
    # A vouched line's span is held (`held`: its start, -1: none) and written with the next line's
    # head in one format (`joint`) where that line is vouched for too: a format a line, not two; its
    # numbers (no more than WINDOW) as `decimal` writes them, not formatted each time (0.3 us a line).
    joint, held, held_end, decimal = _SPAN_TEXT + head, -1, 0, _decimals()
    tuple_type, (plain, cjk) = tuple, _plain_table()
    block = object()  # what a meaning knows of its messages, it knows for this block only (`_said`)
    # A vouched line's pieces (`_quoted`) where its meaning has no message to agree with, by its
    # tail's key (`core.VouchedJson`'s).
    simple = meanings.get(_SIMPLE)
    if simple is None:
        simple = meanings[_SIMPLE] = {}
    simple_get = simple.get
    parts: list[bytes] = []
    item: Any  # a `Hit` or a `VouchedJson` (no `cast` a line: a call each)
    finding_of: Callable[[VouchedJson], Finding] | None = None  # `core.json_finding`, once needed
    if numbers is None:
        numbers = [0] * len(hits)
    for begin in range(0, len(hits), run):
        if parts:
            if held >= 0:
                parts.append(span % (held, held_end))
                held = -1
            yield _run(parts)
            parts.clear()
        for item, at in zip(hits[begin : begin + run], numbers[begin : begin + run], strict=True):
            if type(item) is tuple_type:  # a vouched line (`core.VouchedJson`)
                made = simple_get(item[2])
                if made is not None and item[8] is None:  # (as below, in fewer steps)
                    _, _, _, line, low, high, said_bytes, rid, _ = item  # (its line escaped: ASCII)
                    line = head % (at, line) if held < 0 else joint % (decimal[held], decimal[held_end], at, line)
                    if rid is None:
                        parts += [line, made[0], said_bytes, made[3]]
                    else:
                        parts += [line, made[0], said_bytes, made[1], rid, made[2]]
                    held, held_end = low, high
                    continue
                vouched: VouchedJson = item
                _, _, key, raw, low, high, said_bytes, rid, text = vouched
                known = meanings.get(key)
                if known is None:
                    known = _vouched_meaning(meanings, vouched, explain_one, block)
                entry = known[1]
                if entry is None:
                    agrees = None
                else:  # by message, for the meaning (a legacy code's message is most often its own words)
                    agrees = known[4].get(said_bytes, _UNKNOWN)
                    if agrees is _UNKNOWN:
                        prefix = known[6]
                        if prefix is not None and said_bytes.startswith(prefix) \
                                and said_bytes.isascii():  # (`_agreeing_prefix`: 12 us less a message)
                            agrees = True
                        else:
                            if finding_of is None:  # (an import a message cost 1.6 us: once a block)
                                finding_of = _finding_of()
                            agrees = agreement(finding_of(vouched), entry)
                        if len(known[4]) < 4096:
                            known[4][said_bytes] = agrees
                if text is None or (raw.translate(plain) == raw and cjk not in raw):
                    # Printable ASCII, or UTF-8 with no control character and nothing `json_safe` escapes
                    # (`_plain_utf8`, `_plain_table`): its bytes as a record holds them, but `"` and `\`.
                    # The pieces of its meaning with the quotes around the message and request ID (`_quoted`).
                    made = known[5].get(agrees)
                    if made is None:
                        pieces = known[0].get(agrees)
                        if pieces is None:
                            pieces = _vouched_parts(known, vouched, agrees, style, explain_one)
                        made = known[5][agrees] = _quoted(pieces)
                    if entry is None and text is None:
                        if len(simple) >= 4096:
                            simple.clear()
                        simple[key] = made
                    # A line of ASCII is escaped already (`core.VouchedJson`). (`\` stands in a vouched line
                    # only in an escaped message's `\uXXXX`.) No message or request ID that a vouching regex
                    # reads holds `"` or `\`. A replace that finds nothing costs 50 ns, where asking first
                    # (`in`: 0.2 us on bytes) cost more than it saved.
                    line = raw if text is None else raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"')
                    line = head % (at, line) if held < 0 else joint % (decimal[held], decimal[held_end], at, line)
                    if rid is None:
                        parts += [line, made[0], said_bytes, made[3]]
                    else:
                        parts += [line, made[0], said_bytes, made[1], rid, made[2]]
                    held, held_end = low, high
                    continue
                if held >= 0:
                    parts.append(span % (held, held_end))
                    held = -1
                pieces = known[0].get(agrees)
                if pieces is None:
                    pieces = _vouched_parts(known, vouched, agrees, style, explain_one)
                # Valid UTF-8 with a character that `json_safe` escapes, as `_line_part` and `_said` write it.
                parts += [
                    record % (file_part, at, _utf8_string(text)), pieces[0], _utf8_string(said_bytes.decode("utf-8")),
                    pieces[1], b"null" if rid is None else _utf8_string(rid.decode("utf-8")), pieces[2],
                    span % (low, high),
                ]
                continue
            if held >= 0:
                parts.append(span % (held, held_end))
                held = -1
            hit: Hit = item
            number, _, text, findings = hit
            if len(findings) != 1 or len(text) > piece:
                if parts:
                    yield _run(parts)
                    parts.clear()
                yield hit, explain(hit)
                continue
            found = findings[0]
            code, form, start, end, message, request_id, module_code, error_code, code_desc, envelope = found
            known = meanings.get((code, module_code, error_code, code_desc, form, envelope))
            if known is None:
                first = explain_one(found)
                known = _meaning(meanings, (code, module_code, error_code, code_desc, form, envelope), first, block)
                said = _said(known, found, first.message_agrees, style, explain_one)
            else:
                if known[2] is not block:  # kept for a block at most: as many as its lines
                    known[2], known[3] = block, {}
                said = known[3].get(message)
                if said is None:
                    said = _said(known, found, None if known[1] is None else agreement(found, known[1]), style,
                                 explain_one)
            pieces = said[1]
            if text.isascii():  # one byte a character, no undecodable byte: no base64, no offsets to convert
                line = string(text).encode("utf-8")
            else:
                line, start, end = _line_part(hit, found)
            # The pieces of the meaning are not copied here, only by the join of the run.
            parts += [
                record % (file_part, number, line), pieces[0], said[0], pieces[1],
                b"null" if request_id is None else string(request_id).encode("utf-8") if request_id.isascii()
                else _safe_utf8(_string(valid_text(request_id))),
                pieces[2], span % (start, end),
            ]
    if held >= 0:
        parts.append(span % (held, held_end))
    if parts:
        yield _run(parts)


def _quoted(pieces: tuple[bytes, ...]) -> tuple[bytes, bytes, bytes, bytes]:
    """A meaning's pieces (`_meaning_parts`) with the quotes of a message and a request ID that
    need no escape: before the message, between it and the request ID, after it, and between
    the message and a request ID that is null, up to the span."""
    first, middle, last = pieces
    return first + b'"', b'"' + middle + b'"', b'"' + last, b'"' + middle + b"null" + last


def _meaning(meanings: dict[Any, Any], key: tuple[object, ...], item: Explanation, block: object) -> list[Any]:
    """What `matched_block` keeps of a meaning (its first match explained: `item`), kept by `key`."""
    entry = item.entry
    # [pieces by whether the message agrees, the entry if it has a message to agree with, the
    #  block whose messages the next holds, by message: its value and its match's pieces; by a
    #  vouched line's message: whether it agrees (`matched_block`),
    #  and by that, the pieces of its vouched lines' records (`_quoted`),
    #  what a vouched line's message that agrees for sure begins with (`_agreeing_prefix`)]
    known = [{}, entry if entry is not None and entry.message is not None else None, block, {}, {}, {},
             _agreeing_prefix(entry)]
    if len(meanings) >= 4096:
        meanings.clear()
    meanings[key] = known
    return known


def _agreeing_prefix(entry: Entry | None) -> bytes | None:
    """The entry's message as bytes, where a message of printable ASCII that begins with it agrees
    with it for sure (`message_agreement`, asked of messages that most often hold IDs and differ
    line by line, cost 12 us): ASCII, its first character a letter or digit (no blank, nor the
    `(` of a legacy code that `_legacy_text` reads), no longer than `message_agrees` compares.
    Its words normalised (case folded, quotes dropped, blanks made one, ` .` stripped at the ends)
    then begin those of the message, and hold its letter or digit: not empty. None: ask."""
    from ..registry import _COMPARED

    message = None if entry is None else entry.message
    if message is None or not message.isascii() or not message[:1].isalnum() or len(message) > _COMPARED:
        return None
    return message.encode("ascii")


def _json_finding(line: VouchedJson) -> Finding:
    """The one `Finding` of a vouched line (`core.json_finding`)."""
    return _finding_of()(line)


def _finding_of() -> Callable[[VouchedJson], Finding]:
    """`core.json_finding`, imported where a vouched line needs it (not where the compiled core runs)."""
    from ..core import json_finding  # imported already: Python's core vouched for the line

    return json_finding


def _utf8_string(text: str) -> bytes:
    """A string of valid UTF-8 text as a record holds it: `_string`, then `_safe_utf8` (DEL aside: `_run`)."""
    return _string(text).encode("utf-8") if text.isascii() else _safe_utf8(_string(text))


_UNKNOWN: Final = object()  # not known yet
_SIMPLE: Final = object()  # `matched_block`'s key in `meanings`: the pieces of meanings with no message to agree with


def _vouched_meaning(
    meanings: dict[Any, Any], line: VouchedJson, explain_one: Callable[[Finding], Explanation], block: object,
) -> list[Any]:
    """What `matched_block` keeps of a vouched line's meaning, the one of its `Finding`'s meaning key
    (a meaning met in a `Hit` first is the same), kept by its tail's key too (`core.tail_key`: the
    meaning key but the envelope, which is none)."""
    found = _json_finding(line)
    full = (found.code, found.module_code, found.error_code, found.code_desc, found.form, found.envelope)
    known = meanings.get(full)
    if known is None:
        known = _meaning(meanings, full, explain_one(found), block)
    meanings[line[2]] = known
    return cast("list[Any]", known)


def _vouched_parts(
    known: list[Any], line: VouchedJson, agrees: bool | None, style: Style,
    explain_one: Callable[[Finding], Explanation],
) -> tuple[bytes, ...]:
    """The pieces of a vouched line's match (`_said`'s), by whether its message agrees."""
    item = explain_one(_json_finding(line))
    pieces = known[0][agrees] = tuple(p.encode("utf-8") for p in _meaning_parts(item, style))
    return pieces


def _said(
    known: list[Any], found: Finding, agrees: bool | None, style: Style, explain_one: Callable[[Finding], Explanation],
) -> tuple[bytes, tuple[bytes, ...]]:
    """A message's value in a record and the pieces of its match around it (by whether it agrees
    with its entry), kept in its meaning's `known` for the lines after it in the block."""
    pieces = known[0].get(agrees)
    if pieces is None:
        pieces = known[0][agrees] = tuple(p.encode("utf-8") for p in _meaning_parts(explain_one(found), style))
    message = found.message
    value = b"null" if message is None else _string(message).encode("utf-8") if message.isascii() \
        else _safe_utf8(_string(valid_text(message)))
    said = known[3][message] = (value, pieces)
    return said


def _run(parts: list[bytes]) -> bytes:
    """A run of records joined, its DEL bytes (raw in ASCII values) escaped as `json_safe` escapes them."""
    joined = b"".join(parts)
    return joined.replace(b"\x7f", b"\\u007f") if b"\x7f" in joined else joined


def _line_part(hit: Hit, found: Finding) -> tuple[bytes, int, int]:
    """The `"line"` value of a line that is not ASCII (and its `"line_base64"` where it is not
    UTF-8), and the span of its match in bytes."""
    text = hit.text
    if (base64 := _line_base64(hit)) is None:  # UTF-8: no undecodable byte to replace, spans by encoding
        start = len(text[: found.start].encode("utf-8"))
        end = start + len(text[found.start : found.end].encode("utf-8"))
        return _safe_utf8(_string(text)), start, end
    start, end = hit.byte_span(found)
    return (_text(text) + ', "line_base64": "' + base64 + '"').encode("utf-8"), start, end


def _safe_utf8(encoded: str) -> bytes:
    """`json_safe(encoded).encode("utf-8")` of text without lone surrogates: its UTF-8 bytes as they
    are when none of them begins a character that `json_safe` escapes (CJK text, accents: most text
    that is not ASCII), which one pass over the bytes tells (`_json_safe_rest`), where `json_safe`'s
    pattern costs some 20 ns a character."""
    data = encoded.encode("utf-8")
    if not data.translate(None, _json_safe_rest()):
        return data
    return json_safe(encoded).encode("utf-8")


@functools.cache
def _plain_utf8() -> tuple[bytes, bytes]:
    """The bytes of UTF-8 text that a record holds as they are (but `"` and `\\`): printable ASCII,
    those that begin no character `json_safe` escapes (`_json_safe_rest`) or continue one, and the
    lead byte of U+3000 to U+3FFF (CJK punctuation: `。`), of which `json_safe` escapes one character,
    whose bytes are the second (a text holds them or not: one more search)."""
    kept = bytes(range(0x20, 0x7F)) + bytes(b for b in _json_safe_rest() if b >= 0x80) + b"\xe3"
    (escaped,) = _pattern("json").findall("".join(map(chr, range(0x3000, 0x4000))))
    return kept, escaped.encode("utf-8")


@functools.cache
def _plain_table() -> tuple[bytes, bytes]:
    """`_plain_utf8` as a table of `bytes.translate` that leaves its bytes as they are and changes the
    others (a text's bytes translated are the same when they are all its: no copy made), and the
    second: a translation by a table reads a byte in a step, where deleting `_plain_utf8`'s 200 bytes
    first made a table of them (4,000 instructions a line of another script)."""
    kept, escaped = _plain_utf8()
    return bytes(b if b in kept else (b + 1) % 256 for b in range(256)), escaped


@functools.cache
def _json_safe_rest() -> bytes:
    """The bytes that begin no character `json_safe` escapes in UTF-8: deleted from a text's bytes,
    they leave nothing when it has none of those (the lead bytes of its pattern's characters, read
    from the pattern's class of characters and ranges)."""
    leads: set[int] = set()
    members = _pattern("json").pattern[1:-1]
    at = 0
    while at < len(members):
        low = high = ord(members[at])
        if members[at + 1 : at + 2] == "-" and at + 2 < len(members):
            high = ord(members[at + 2])
            at += 2
        at += 1
        for first, last, shift, mark in ((0, 0x7F, 0, 0), (0x80, 0x7FF, 6, 0xC0), (0x800, 0xFFFF, 12, 0xE0),
                                         (0x10000, 0x10FFFF, 18, 0xF0)):
            if low <= last and high >= first:  # the lead byte grows with the code point, one length at a time
                leads.update(range(mark | max(low, first) >> shift, (mark | min(high, last) >> shift) + 1))
    return bytes(sorted(set(range(256)) - leads))


# `matched_line` of one match, from its parts as bytes: up to the match, the match's span and the end.
_RECORD: Final = b'%s, "line_number": %d, "line": %s, "matches": ['
_SPAN: Final = b'%d, "end": %d}]}\n'
_SPAN_TEXT: Final = b'%s, "end": %s}]}\n'  # (with `_decimals`' numbers)


@functools.cache
def _decimals() -> tuple[bytes, ...]:
    """The numbers up to WINDOW in decimal: a vouched line's span (no longer than WINDOW) by index."""
    from ..forms import WINDOW

    return tuple(b"%d" % number for number in range(WINDOW + 1))


# The records of a run of lines joined at once (64 lines): a few hundred KiB, reused by the
# allocator, where a block's MiBs would be fresh pages for the kernel to clear each time.
_RUN: Final = 64


def _match_parts(parts: list[str], hit: Hit, item: Explanation, style: Style) -> None:
    """One match of `matched_record`, as json.dumps writes it, into `parts`: what lies between the
    message, the request ID and the span is the same for every match of one meaning (`_MEANINGS`)."""
    found = item.finding
    known = known_parts(item, style)
    start, end = hit.byte_span(found)
    parts += [known[0], _text(found.message), known[1], _text(found.request_id), known[2],
              str(start), ', "end": ', str(end), "}"]


def known_parts(item: Explanation, style: Style) -> tuple[str, str, str]:
    """`_meaning_parts`, worked out once per meaning and style (`_MEANINGS`)."""
    found, entry, family = item.finding, item.entry, item.family
    key = (found.code, found.module_code, found.error_code, found.code_desc, found.form, found.envelope,
           id(entry), id(family), item.message_agrees, id(style))
    known = _MEANINGS.get(key)
    if known is None or known[0] is not entry or known[1] is not family or known[2] is not style:
        known = (entry, family, style, *_meaning_parts(item, style))
        if len(_MEANINGS) >= 4096:
            _MEANINGS.clear()
        _MEANINGS[key] = known
    return known[3], known[4], known[5]


def _meaning_parts(item: Explanation, style: Style) -> tuple[str, str, str]:
    """A match's record but its message, request ID and span, in the three pieces around them."""
    found, entry, family = item.finding, item.entry, item.family
    module_code = found.module_code if found.module_code is not None else entry and entry.module_code
    error_code = found.error_code if found.error_code is not None else entry and entry.error_code
    known = _entry_parts(entry, style) if entry is not None else _NO_ENTRY
    return (
        "".join(['{"code": ', _text(found.code), ', "module_code": ', _scalar(module_code),
                 ', "error_code": ', _scalar(error_code), ', "message": ']),
        ', "description": ' + known[0] + ', "request_id": ',
        "".join([', "format": ', _text(found.form), ', "envelope": ', _text(found.envelope),
                 ', "code_desc": ', _text(found.code_desc),
                 ', "in_catalogue": ', "true" if entry is not None else "false",
                 ', "message_agrees": ', _scalar(item.message_agrees),
                 ', "family": ', _entry_parts(family, style)[1] if family is not None else "null",
                 ", ", _verdict_part(item, style), ', "entry": ', known[2], ', "start": ']),
    )


def _verdict_part(item: Explanation, style: Style) -> str:
    """The advice's keys (`verdict_record`), as json.dumps writes them inside the record: once per
    entry, family and style, not once per meaning (`render.verdict` reads nothing else of a match
    but, for a family's advice, whether its code is dotted under the family's)."""
    entry, family = item.entry, item.family
    dotted = None if entry is not None or family is None else \
        item.finding.code.casefold().startswith(family.code.casefold() + ".")
    key = (id(entry), id(family), id(style), dotted)
    known = _VERDICTS.get(key)
    if known is not None and known[0] is entry and known[1] is family and known[2] is style:
        return known[3]
    import json

    part = json_safe(json.dumps(verdict_record(item, style), ensure_ascii=False))[1:-1]
    if len(_VERDICTS) >= 4096:
        _VERDICTS.clear()
    _VERDICTS[key] = (entry, family, style, part)
    return part


# `_verdict_part` by entry, family, style and whether the code is dotted under its family, each
# kept with the objects whose ids its key holds.
_VERDICTS: dict[tuple[int, int, int, bool | None], tuple[Any, Any, Style, str]] = {}


# The pieces of a match's record by its meaning (code, module code, gateway code, codeDesc, form,
# entry, family, whether the message agrees), each kept with the objects whose ids its key holds.
_MEANINGS: dict[tuple[object, ...], tuple[Any, Any, Style, str, str, str]] = {}
_NO_ENTRY: Final = ("null", "null", "null")


def _text(value: str | None) -> str:
    """A string of the input as json.dumps writes it (through `json_str`), escaped by `json_safe`."""
    if value is None:
        return "null"
    if value.isascii():  # no undecodable byte, nothing json_safe escapes but DEL
        encoded = _string(value)
        return encoded if "\x7f" not in encoded else json_safe(encoded)
    return json_safe(_string(valid_text(value)))


_string: Final = json_encoder.encode_basestring  # json.dumps's own, for ensure_ascii=False


def _scalar(value: object) -> str:
    """None, a bool or an int as json.dumps writes it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return int.__repr__(cast(int, value))


# What a record holds of an entry (its description, as a family, as the entry), serialized once
# per entry and style; each kept with the entry and style themselves, so their ids stay theirs.
_ENTRIES: dict[tuple[int, int], tuple[Entry, Style, tuple[str, str, str]]] = {}
_FILES: dict[str, str] = {}


def _entry_parts(entry: Entry, style: Style) -> tuple[str, str, str]:
    key = (id(entry), id(style))
    known = _ENTRIES.get(key)
    if known is not None and known[0] is entry and known[1] is style:
        return known[2]
    import json

    description = style.description(entry)
    parts = (
        _text(description),
        json_safe(json.dumps({"code": entry.code, "description": description}, ensure_ascii=False)),
        json_safe(json.dumps(entry_record(entry, style), ensure_ascii=False)),
    )
    if len(_ENTRIES) >= 4096:
        _ENTRIES.clear()
    _ENTRIES[key] = (entry, style, parts)
    return parts


def _file_part(filename: str) -> str:
    """`{"file": ...` (and `"file_base64"` for a name that is not UTF-8), once per file."""
    known = _FILES.get(filename)
    if known is None:
        import json

        known = json_safe(json.dumps(json_name(filename), ensure_ascii=False))[:-1]
        if len(_FILES) >= 4096:
            _FILES.clear()
        _FILES[filename] = known
    return known


PIECE: Final = 1 << 20  # a longer line is written in pieces of about this many characters


def matched_pieces(hit: Hit, items: Sequence[Explanation], filename: str, style: Style) -> Iterator[bytes]:
    """`matched_line`'s bytes, a long line's text and base64 written piece by piece, so that a line
    of tens of MiB costs no more copies of its size than the hit holds."""
    if len(hit.text) <= PIECE:
        yield matched_line(hit, items, filename, style)
        return
    import base64
    import json

    matches = []
    for item in items:
        start, end = hit.byte_span(item.finding)
        matches.append({**explanation_record(item, style), "start": start, "end": end})
    yield json_line({**json_name(filename), "line_number": hit.line_number})[:-2] + b', "line": "'
    text, at = hit.text, 0
    while at < len(text):
        end = min(at + PIECE, len(text))
        while end < len(text) and _ESCAPED.match(text, end - 1) and _ESCAPED.match(text, end):
            end += 1  # undecodable bytes of one sequence become one U+FFFD together: never split them
        piece = json.dumps(json_str(text[at:end]), ensure_ascii=False)[1:-1]
        yield json_safe(piece).encode("utf-8")
        at = end
    yield b'"'
    if _ESCAPED.search(text):  # undecodable bytes: the line is not valid UTF-8
        yield b', "line_base64": "'
        step = PIECE // 4 * 3  # whole groups of 3 bytes: the pieces' base64 joins into the line's
        for at in range(0, len(hit.line), step):
            yield base64.b64encode(hit.line[at : at + step])
        yield b'"'
    yield b', "matches": ' + json_line({"matches": matches})[len(b'{"matches": '):]


_ESCAPED: Final = re.compile("[\udc80-\udcff]")  # an undecodable byte, as surrogateescape keeps it


def context_line(number: int, line: bytes, filename: str) -> bytes:
    """A line around a match (-A/-B/-C) as a JSON Lines record marked as context."""
    text = line.decode("utf-8", "replace")
    return json_line({**json_name(filename), "line_number": number, "line": text, "context": True})
