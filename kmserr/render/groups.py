"""grep's `--` between the context groups of different files, around any printer of matched lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..explanation import Explanation
    from ..scan import Hit


class FileGroups:
    """A sink that passes everything on, and breaks the context groups when the file changes.

    A search keeps its context per file, so it breaks only the groups of one file; GNU grep and
    ripgrep also separate the last group of a file from the first of the next.
    """

    def __init__(self, sink: Any) -> None:
        self._sink = sink
        self._name: str | None = None  # the file of the last line printed

    def _enter(self, name: str) -> None:
        if self._name is not None and name != self._name:
            self._sink.context_break()
        self._name = name

    def matched(self, hit: Hit, items: Sequence[Explanation], name: str) -> None:
        self._enter(name)
        self._sink.matched(hit, items, name)

    def context(self, number: int, line: bytes, name: str) -> None:
        self._enter(name)
        self._sink.context(number, line, name)

    @property
    def plain(self) -> bool:
        """Whether the printer's matched lines are their bytes and a tail (`LinePrinter.plain`)."""
        return bool(getattr(self._sink, "plain", False))

    def tail(self, items: Sequence[Explanation]) -> bytes:
        return bytes(self._sink.tail(items))

    def matched_with_tail(self, hit: Hit, tail: bytes, name: str) -> None:
        self._enter(name)
        self._sink.matched_with_tail(hit, tail, name)

    def context_break(self) -> None:
        self._sink.context_break()

    def flush(self) -> None:
        self._sink.flush()
