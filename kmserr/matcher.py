"""Matcher: the extractor and the engine of one registry, built together so they never disagree.

The engine says where lines may carry an error; the extractor decides on those lines. Both must
know the same code names, or the engine would pass over a line that holds only a team's code: so
neither is built on its own, only this object, from one registry (or one list of names).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

from .cache import digest
from .forms import DOTTED_ONLY_FAMILIES, FAMILIES
from .registry import Registry

if TYPE_CHECKING:
    from .catalogue import Entry
    from .core import BlockCore
    from .engines import Engine
    from .extract import Extractor

_KNOWN_SDK_NAMES: Final = frozenset((*FAMILIES, *DOTTED_ONLY_FAMILIES))


class Matcher:
    """Find the lines that carry errors: the engine pre-selects over a block, the extractor decides."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: tuple[str, ...] = tuple(names)
        self._extractor: Extractor | None = None  # built when a line needs it (`extractor`)
        self._engines: dict[str, Engine] = {}
        self.cores: dict[tuple[object, ...], BlockCore] = {}  # core.block_core's, by core, engine and envelope

    @classmethod
    def for_extractor(cls, extractor: Extractor) -> Matcher:
        """A matcher around an extractor built alone: its engine is built from the extractor's names."""
        matcher = cls.__new__(cls)
        matcher.names = extractor.names
        matcher._extractor = extractor
        matcher._engines = {}
        matcher.cores = {}
        return matcher

    @property
    def extractor(self) -> Extractor:
        """The extractor of the names, built at first use: the compiled core's grep needs it (and
        extract.py, envelopes.py, 3 ms of imports) only for a line it hands back."""
        built = self._extractor
        if built is None:
            from .extract import Extractor

            built = self._extractor = Extractor(self.names)
        return built

    @property
    def custom(self) -> bool:
        """Whether the extractor was given (`for_extractor`) rather than built from the names."""
        if self._extractor is None:
            return False
        from .extract import Extractor

        return type(self._extractor) is not Extractor or self._extractor.names != self.names

    # Built when a scan first needs it (`explain_text` needs only the extractor, and Hyperscan's
    # database costs milliseconds to load), once per engine: KMSERR_ENGINE is read at each scan.
    @property
    def engine(self) -> Engine:
        """Hyperscan where installed, unless KMSERR_ENGINE says otherwise (EngineError when unusable)."""
        from .engines import engine_name, prefilter_patterns, select_engine  # the compiled core needs none

        name = engine_name()
        built = self._engines.get(name)
        if built is None:
            built = self._engines[name] = select_engine(prefilter_patterns(self.names))
        return built

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle the names only: a Hyperscan database and the block cores do not pickle, and a
        worker that unpickles a registry's matcher takes its own cached one (`matcher_for`)."""
        if not self.custom:
            return _matcher_for_names, (self.names,)
        return Matcher.for_extractor, (self.extractor,)  # a custom extractor pickles as it can


def matcher_for(registry: Registry) -> Matcher:
    """Build the matcher once per registry content: it finds the registry's code names standing
    alone too. Keyed by the names (what the matcher is built from), not the object: a registry
    unpickled in each task of a cluster shares one matcher, and one engine, per process."""
    return _matcher_for_names(tuple(code_names(registry)))


def _matcher_for_names(names: tuple[str, ...]) -> Matcher:
    """The matcher of these names, built once per process and thread (`_built`, keyed by their
    digest): a Hyperscan database scans with one scratch space, which two threads (Dask's
    threaded scheduler) must not share."""
    key = (digest("\0".join(names).encode("utf-8", "surrogatepass")), threading.get_ident())
    matcher = _built.get(key)
    if matcher is None:
        if len(_built) >= 32:
            _built.pop(next(iter(_built)))  # the oldest: a process rarely has more than one or two catalogues
        matcher = _built[key] = Matcher(names)
    return matcher


_built: dict[tuple[bytes, int], Matcher] = {}


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
