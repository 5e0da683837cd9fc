"""grep -c: the number of matching lines of each input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO

from . import plain_field


def report(counts: Sequence[tuple[str, int]], out: IO[str], with_filename: bool) -> None:
    """One count a line, after the input's name when there are several."""
    for name, count in counts:
        out.write(f"{plain_field(name)}:{count}\n" if with_filename else f"{count}\n")
