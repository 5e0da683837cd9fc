"""grep -l: the names of the inputs with a match."""

from __future__ import annotations

import os
from typing import IO


def report(name: str, out: IO[bytes]) -> None:
    """The name's bytes as they were given, so that it still opens the file; written at once."""
    out.write(os.fsencode(name) + b"\n")
    out.flush()
