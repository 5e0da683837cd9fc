"""Join what the extractor found with what the catalogue knows about it."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from .catalogue import Entry
from .extract import Extractor, Finding
from .registry import Registry, default_registry, message_agrees


class Explanation(NamedTuple):
    """One error found in text, with its catalogue entry when the code is known."""

    finding: Finding
    entry: Entry | None
    message_agrees: bool | None  # None when there is nothing to compare
    family: Entry | None = None  # for a code not in the catalogue: its family's entry, if known

    @property
    def known(self) -> bool:
        return self.entry is not None


@lru_cache(maxsize=8)
def extractor_for(registry: Registry) -> Extractor:
    """Build the extractor once per registry: it also finds the registry's code names alone."""
    return Extractor(code_names(registry))


def code_names(registry: Registry) -> list[str]:
    """The registry's string codes: the extractor finds them standing alone in text."""
    return [e.code for e in registry.entries if not e.code.isdigit()]


def resolve(finding: Finding, registry: Registry) -> Entry | None:
    """Find the catalogue entry a finding refers to: the module code first, then the code name."""
    if finding.module_code is not None:
        return registry.by_module_code(finding.module_code)
    return registry.get(finding.code)


def explain_finding(finding: Finding, registry: Registry) -> Explanation:
    # Logs repeat the same few errors: what a (code, module code, message) means is worked out once.
    key = (id(registry), finding.code, finding.module_code, finding.message)
    known = _MEANINGS.get(key)
    if known is None:
        entry = resolve(finding, registry)
        agrees: bool | None = None
        if entry is not None and entry.message is not None and finding.message:
            agrees = message_agrees(entry, finding.message)
        family = registry.family_of(finding.code) if entry is None else None
        known = (entry, agrees, family)
        if len(_MEANINGS) >= _MEANINGS_MAX:
            _MEANINGS.clear()
        _MEANINGS[key] = known
    return Explanation(finding, *known)


_MEANINGS: dict[tuple[int, str, int | None, str | None], tuple[Entry | None, bool | None, Entry | None]] = {}
_MEANINGS_MAX = 65536


def explain_text(text: str, registry: Registry | None = None) -> list[Explanation]:
    """Find and explain every error in a message, log excerpt or JSON body."""
    reg = registry or default_registry()
    return [explain_finding(f, reg) for f in extractor_for(reg).find(text)]
