"""grep --summary: codes by how often they occurred, with when each was first and last seen."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import IO

from . import Style

Row = tuple[str, int, str, "str | None", "str | None"]  # code, count, what it is, first seen, last seen


def report(rows: Sequence[Row], fmt: str, out: IO[str], style: Style) -> None:
    """The rows in a format: plain and json write them as they are, table draws them with Rich."""
    importlib.import_module(f"{__package__}.{fmt}").summary(rows, out, style)
