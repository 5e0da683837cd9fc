"""Plain text: one record a line, tab-separated fields, for scripts and pipes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from . import Style, catalogue_state, explanation_record, meaning, plain_field, verdict

if TYPE_CHECKING:
    from ..catalogue import Entry
    from ..explanation import Explanation
    from .summary import Row


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
        advice = verdict(item, style)
        fields = (
            item.finding.code, rec["module_code"], rec["error_code"], item.finding.request_id,
            item.finding.form, catalogue_state(item, style), item.finding.message,
            rec["description"] or (meaning(item, style) if item.family else None),
            # The verdict last, so that scripts reading the first eight columns keep working.
            advice.retry, advice.action, advice.category, advice.advice_from,
        )
        out.write("\t".join(plain_field(f) for f in fields) + "\n")


def summary(rows: Sequence[Row], out: IO[str], style: Style) -> None:
    """grep's --summary: count, code, meaning, first and last seen, then retry, action, category and
    the family whose advice it is (empty: the code's own), tab-separated."""
    for r in rows:
        fields = (r.code, r.meaning, r.first, r.last, r.retry, r.action, r.category, r.advice_from)
        out.write("\t".join([str(r.times), *(plain_field(f) for f in fields)]) + "\n")
