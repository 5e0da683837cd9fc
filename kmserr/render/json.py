"""JSON: whole documents for lookup, parse, list and --summary; one record a line for grep."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, Final

from ..controls import json_safe
from . import Style, entry_record, explanation_record, json_line, json_name, json_str, json_text

if TYPE_CHECKING:
    from ..catalogue import Entry
    from ..explanation import Explanation
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
    records = [
        {
            "code": json_str(r.code), "count": r.times, "message": json_str(r.meaning),
            "first_seen": r.first, "last_seen": r.last, "retry": r.retry, "retryable": r.retry not in (None, "no"),
            "action": r.action, "category": r.category, "advice_from": r.advice_from,
        }
        for r in rows
    ]
    out.write(json_text(records))


def matched_line(hit: Hit, items: Sequence[Explanation], filename: str, style: Style) -> bytes:
    """One matched line of grep as a JSON Lines record, each match with its byte span."""
    matches = []
    for item in items:
        start, end = hit.byte_span(item.finding)
        matches.append({**explanation_record(item, style), "start": start, "end": end})
    record: dict[str, Any] = {**json_name(filename), "line_number": hit.line_number, "line": json_str(hit.text)}
    try:
        hit.line.decode("utf-8")
    except UnicodeDecodeError:
        import base64  # only for lines that are not valid UTF-8

        record["line_base64"] = base64.b64encode(hit.line).decode("ascii")
    record["matches"] = matches
    return json_line(record)


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
