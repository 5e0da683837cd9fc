#!/usr/bin/env python3
"""The GNU grep pattern equivalent to what `kmserr grep` looks for, derived from kmserr's own prefilter.

    python benchmarks/pattern.py > /tmp/kmserr.ere && LC_ALL=C grep -a -E -f /tmp/kmserr.ere app.log

kmserr's engines pre-select lines with byte patterns (one per structured form: SDK exceptions,
JSON bodies, `Code=`...; the legacy `(10630)` followed by a letter; and the literals of every code
name of the catalogue); only the lines they hit go to the extractor. The reference for the
throughput targets is GNU grep selecting lines by those same patterns, one alternative per line
of a file (`grep -f`), translated from Python/Hyperscan syntax into POSIX ERE: `\\d` -> `[0-9]`,
`\\S` -> `[^[:space:]]`, `(?:` -> `(`, escaped bytes written raw (grep runs with LC_ALL=C, so
a class of raw bytes is a class of bytes). GNU grep then does the prefilter's work and none of
the extractor's, so it selects a few more lines than kmserr reports (decoys such as botocore's
`ClientError`); the throughput benchmark prints both counts.

When kmserr's internals no longer offer the prefilter where this looks for it, the copy saved
beside this script (kmserr-equivalent.ere, written by `--save`) is used, with a note.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAVED = HERE / "kmserr-equivalent.ere"


def _prefilter() -> list[bytes]:
    """kmserr's prefilter patterns for the bundled catalogue: located forms, legacy codes, names."""
    sys.path.insert(0, str(HERE.parent))
    from kmserr import default_registry

    for module in ("kmserr.engines", "kmserr.forms", "kmserr.extract"):
        try:
            prefilter_patterns = importlib.import_module(module).prefilter_patterns
            break
        except (ImportError, AttributeError):
            continue
    else:
        raise LookupError("no prefilter_patterns in kmserr.engines, kmserr.forms or kmserr.extract")
    for module in ("kmserr.matcher", "kmserr.explanation"):
        try:
            names = importlib.import_module(module).code_names(default_registry())
            break
        except (ImportError, AttributeError):
            continue
    else:
        names = [entry.code for entry in default_registry().entries]
    prefilter = prefilter_patterns(names)
    return [*(p for _, p in prefilter.located), *prefilter.parens, *(re.escape(n) for n in prefilter.names)]


_ESCAPES = {rb"\t": b"\t", rb"\r": b"\r", rb"\d": b"[0-9]", rb"\S": b"[^[:space:]]", rb"\]": b"]"}


def to_ere(pattern: bytes) -> bytes:
    """One prefilter pattern in GNU grep's ERE (bytes, for LC_ALL=C)."""
    # grep sees lines: no newline to exclude, and "anything but a newline" is any byte.
    out = pattern.replace(b"(?:", b"(").replace(rb"[^\n]", b".").replace(rb"\n", b"")
    out = re.sub(rb"\\x([0-9a-fA-F]{2})", lambda m: bytes([int(m.group(1), 16)]), out)
    for escape, raw in _ESCAPES.items():
        out = out.replace(escape, raw)
    if b"(?" in out or re.search(rb"\\[a-zA-Z]", out):
        raise ValueError(f"no ERE translation for {pattern!r}")
    return out


def equivalent() -> bytes:
    """The pattern file's content: derived from this checkout's kmserr, else the saved copy."""
    try:
        return b"".join(to_ere(p) + b"\n" for p in _prefilter())
    except (LookupError, ImportError, AttributeError, ValueError) as exc:
        print(f"pattern.py: using the saved {SAVED.name} ({exc})", file=sys.stderr)
        return SAVED.read_bytes()


def write(path: Path) -> Path:
    path.write_bytes(equivalent())
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--save", action="store_true", help=f"write it to {SAVED.name} beside this script")
    args = parser.parse_args()
    if args.save:
        write(SAVED)
    else:
        sys.stdout.buffer.write(equivalent())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
