"""Plain text: one record a line, tab-separated fields, for scripts and pipes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from . import Style, catalogue_state, explanation_record, meaning, plain_field

if TYPE_CHECKING:
    from ..catalogue import Entry
    from ..explanation import Explanation


def entries(entries: Sequence[Entry], out: IO[str], style: Style) -> None:
    for e in entries:
        fields = (
            e.code, e.error_code, e.product, e.category, e.retry, e.message, style.description(e),
            style.action(e), ",".join(e.actions), e.origin if style.from_team(e) else None,
        )
        out.write("\t".join(plain_field(f) for f in fields) + "\n")


def explanations(items: Sequence[Explanation], out: IO[str], style: Style) -> None:
    for item in items:
        rec = explanation_record(item, style)
        fields = (
            item.finding.code, rec["module_code"], rec["error_code"], item.finding.request_id,
            item.finding.form, catalogue_state(item, style), item.finding.message,
            rec["description"] or (meaning(item, style) if item.family else None),
        )
        out.write("\t".join(plain_field(f) for f in fields) + "\n")


def summary(rows: Sequence[tuple[str, int, str, str | None, str | None]], out: IO[str], style: Style) -> None:
    """grep's --summary: count, code, meaning, first and last seen, tab-separated."""
    for code, count, what, first, last in rows:
        fields = (str(count), plain_field(code), plain_field(what), plain_field(first), plain_field(last))
        out.write("\t".join(fields) + "\n")
