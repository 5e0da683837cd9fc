"""grep -r: the files under the directories given, in a stable order, as GNU grep walks them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

STDIN = "-"


def files_under(operands: Iterable[str], on_error: Callable[[str, str], None]) -> Iterator[str]:
    """Each operand that is not a directory as it is; each directory's files, depth first, by name.

    As GNU grep's -r: symbolic links met inside a directory are not followed (one given as an
    operand is); a directory that cannot be read is reported through `on_error` and skipped.
    """
    for operand in operands:
        if operand == STDIN or not os.path.isdir(operand):
            yield operand  # a missing or unreadable file is the search's to report
            continue
        yield from _walk(operand, on_error)


def _walk(top: str, on_error: Callable[[str, str], None]) -> Iterator[str]:
    def failed(exc: OSError) -> None:
        on_error(exc.filename if isinstance(exc.filename, str) else top, exc.strerror or str(exc))

    for folder, dirs, files in os.walk(top, onerror=failed):
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                yield path
