"""Matcher: the extractor and the engine of one registry, built together so they never disagree.

The engine says where lines may carry an error; the extractor decides on those lines. Both must
know the same code names, or the engine would pass over a line that holds only a team's code: so
neither is built on its own, only this object, from one registry (or one list of names).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Final

from .engines import prefilter_patterns
from .extract import Extractor
from .forms import DOTTED_ONLY_FAMILIES, FAMILIES
from .registry import Registry

if TYPE_CHECKING:
    from .catalogue import Entry
    from .core import BlockCore
    from .engines import Engine

_KNOWN_SDK_NAMES: Final = frozenset((*FAMILIES, *DOTTED_ONLY_FAMILIES))


class Matcher:
    """Find the lines that carry errors: the engine pre-selects over a block, the extractor decides."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: tuple[str, ...] = tuple(names)
        self.extractor = Extractor(self.names)
        self._engines: dict[str, Engine] = {}
        self.cores: dict[tuple[object, ...], BlockCore] = {}  # core.block_core's, by core, engine and envelope

    @classmethod
    def for_extractor(cls, extractor: Extractor) -> Matcher:
        """A matcher around an extractor built alone: its engine is built from the extractor's names."""
        matcher = cls.__new__(cls)
        matcher.names = extractor.names
        matcher.extractor = extractor
        matcher._engines = {}
        matcher.cores = {}
        return matcher

    # Built when a scan first needs it (`explain_text` needs only the extractor, and Hyperscan's
    # database costs milliseconds to load), once per engine: KMSERR_ENGINE is read at each scan.
    @property
    def engine(self) -> Engine:
        """Hyperscan where installed, unless KMSERR_ENGINE says otherwise (EngineError when unusable)."""
        from .engines import engine_name, select_engine

        name = engine_name()
        built = self._engines.get(name)
        if built is None:
            built = self._engines[name] = select_engine(prefilter_patterns(self.names))
        return built


@lru_cache(maxsize=8)
def matcher_for(registry: Registry) -> Matcher:
    """Build the matcher once per registry: it finds the registry's code names standing alone too."""
    return Matcher(code_names(registry))


def code_names(registry: Registry) -> list[str]:
    """The registry's string codes: the extractor finds them standing alone in text.

    Not the Python exception names that the SDK uses as codes (`JSONDecodeError`): every Python
    program's log has them, so they count only inside an SDK's exception text (`code:KeyError`).
    """
    return [e.code for e in registry.entries if not e.code.isdigit() and not _python_name(e)]


def _python_name(entry: Entry) -> bool:
    """Whether the entry is a Python exception's class name, as the Python SDK reports it."""
    return (
        entry.product == "sdk"
        and entry.code not in _KNOWN_SDK_NAMES
        and Registry.is_python_exception_name(entry.code)
    )
