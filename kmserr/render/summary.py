"""grep --summary: codes by how often they occurred, what to do about each, when first and last seen."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from typing import IO, TYPE_CHECKING, NamedTuple

from . import Style, meaning, verdict

if TYPE_CHECKING:
    from ..explanation import Explanation


class Row(NamedTuple):
    """One code of the summary: how often, the verdict (the family's when `advice_from` is set), when."""

    code: str
    times: int
    meaning: str
    first: str | None
    last: str | None
    retry: str | None = None
    action: str | None = None
    category: str | None = None
    advice_from: str | None = None
    family_mark: str | None = None  # "family FailedOperation's advice", as cards and annotations say it


def row(code: str, times: int, example: Explanation, first: str | None, last: str | None, style: Style) -> Row:
    """A code's row from one of its explanations: every line of a code has the same advice."""
    advice = verdict(example, style)
    return Row(code, times, meaning(example, style), first, last, advice.retry, advice.action, advice.category,
               advice.advice_from, advice.family_mark)


OTHER_MEANING = "codes first seen beyond what --summary holds, counted together"


def ranked(seen: Iterable[tuple[str, int, Explanation, str | None, str | None]], style: Style,
           other: str | None = None) -> list[Row]:
    """The rows --summary prints, most frequent first (ties by code), from (code, times, example,
    first, last); the row of `other` (codes counted together past the summary's budget) says so."""
    ordered = sorted(seen, key=lambda s: (-s[1], s[0]))
    return [row(code, times, example, first, last, style) if code != other else
            Row(code, times, OTHER_MEANING, first, last) for code, times, example, first, last in ordered]


def report(rows: Sequence[Row], fmt: str, out: IO[str], style: Style) -> None:
    """The rows in a format: plain and json write them as they are, table draws them with Rich."""
    importlib.import_module(f"{__package__}.{fmt}").summary(rows, out, style)
