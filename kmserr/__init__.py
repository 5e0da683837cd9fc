"""kmserr: explain Tencent Cloud KMS error codes and find them in logs.

The library never prints; the `kmserr` command is a thin layer over these names.
"""

from __future__ import annotations

from .catalogue import Catalogue, CatalogueError, Entry, Link
from .explain import Explanation, explain_finding, explain_text
from .extract import Extractor, Finding
from .registry import Lookup, Registry, default_registry, message_agrees
from .scan import Hit, LineScanner, scan_bytes, scan_stream
from .version import __version__

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Entry",
    "Explanation",
    "Extractor",
    "Finding",
    "Hit",
    "LineScanner",
    "Link",
    "Lookup",
    "Registry",
    "__version__",
    "default_registry",
    "explain_finding",
    "explain_text",
    "message_agrees",
    "scan_bytes",
    "scan_stream",
]
