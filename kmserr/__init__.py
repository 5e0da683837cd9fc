"""kmserr: explain Tencent Cloud KMS error codes and find them in logs.

The library never prints; the `kmserr` command is a thin layer over these names. Names load on
first use, so that a command that needs only the catalogue starts without the scanner.
"""

# This module runs before the command can handle Ctrl-C (kmserr/__main__.py), so it imports
# nothing: not typing (with re, 7 ms), not even the version. mypy knows the TYPE_CHECKING name.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .blocks import (
        Block,
        Summary,
        Timeline,
        hits_above,
        json_line,
        json_record,
        json_records,
        scan_block,
        scan_range,
        scan_whole,
    )
    from .catalogue import Catalogue, CatalogueError, Entry, Link
    from .explanation import Explanation, explain, explain_finding, explain_text
    from .extract import Extractor
    from .forms import Finding
    from .matcher import Matcher
    from .registry import Lookup, Registry, default_registry, message_agrees
    from .retry import Retryer, should_retry
    from .scan import Hit, LineScanner, scan_bytes, scan_stream
    from .teams import load_registry
    from .version import __version__

_WHERE = {
    "__version__": "version",
    "Block": "blocks",
    "Summary": "blocks",
    "Timeline": "blocks",
    "hits_above": "blocks",
    "json_line": "blocks",
    "json_record": "blocks",
    "json_records": "blocks",
    "scan_block": "blocks",
    "scan_range": "blocks",
    "scan_whole": "blocks",
    "Catalogue": "catalogue",
    "CatalogueError": "catalogue",
    "Entry": "catalogue",
    "Link": "catalogue",
    "Explanation": "explanation",
    "explain": "explanation",
    "explain_finding": "explanation",
    "explain_text": "explanation",
    "Extractor": "extract",
    "Finding": "forms",
    "Matcher": "matcher",
    "load_registry": "teams",
    "Lookup": "registry",
    "Registry": "registry",
    "default_registry": "registry",
    "message_agrees": "registry",
    "Retryer": "retry",
    "should_retry": "retry",
    "Hit": "scan",
    "LineScanner": "scan",
    "scan_bytes": "scan",
    "scan_stream": "scan",
}

__all__ = [
    "Block",
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
    "Matcher",
    "Registry",
    "Retryer",
    "Summary",
    "Timeline",
    "__version__",
    "default_registry",
    "explain",
    "explain_finding",
    "explain_text",
    "hits_above",
    "json_line",
    "json_record",
    "json_records",
    "load_registry",
    "message_agrees",
    "scan_block",
    "scan_bytes",
    "scan_range",
    "scan_stream",
    "scan_whole",
    "should_retry",
]


def __getattr__(name: str) -> "Any":
    import importlib

    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'kmserr' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
