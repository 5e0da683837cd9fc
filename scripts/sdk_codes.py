#!/usr/bin/env python3
"""Compare the catalogue's KMS API 3.0 codes with an SDK's code list, ready to paste.

The KMS SDK (`tencentcloud-sdk-python-kms`) lists every code that KMS can return in
`tencentcloud/kms/v20190118/errorcodes.py`, with a Chinese comment per code. This prints the codes
that the SDK adds, as [[errors]] entries for data/errors.toml (category, retry and action taken
from the code's family; the English description is left for a person to write, and the catalogue
refuses an empty one), and the codes that it no longer has.

    python -m pip install --upgrade tencentcloud-sdk-python-kms
    python scripts/sdk_codes.py                      # the installed SDK
    python scripts/sdk_codes.py --errorcodes path/to/errorcodes.py

Exit status: 0 nothing changed, 1 the SDK adds or removes codes, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kmserr import catalogue
from kmserr.catalogue import Entry

_CONSTANT = re.compile(r"^#\s*(?P<comment>.*)\n(?P<name>[A-Z0-9_]+)\s*=\s*'(?P<code>[^']+)'", re.MULTILINE)


def sdk_codes(text: str) -> dict[str, str]:
    """Map each code of an errorcodes.py to its Chinese comment."""
    return {m.group("code"): m.group("comment").strip() for m in _CONSTANT.finditer(text)}


def installed_errorcodes() -> tuple[Path, str]:
    try:
        from tencentcloud.kms.v20190118 import errorcodes
    except ImportError:
        raise SystemExit("sdk_codes: tencentcloud-sdk-python-kms is not installed; give --errorcodes FILE") from None
    release = "tencentcloud-sdk-python-kms " + metadata.version("tencentcloud-sdk-python-kms")
    return Path(errorcodes.__file__), release + " tencentcloud/kms/v20190118/errorcodes.py"


def family_defaults(code: str, entries: list[Entry]) -> tuple[str, str, str]:
    """Category, retry and action of the code's family: its own entry, else its most common members'."""
    head = code.split(".")[0]
    for entry in entries:
        if entry.code == head:
            return entry.category, entry.retry, entry.action
    kin = [e for e in entries if e.code.split(".")[0] == head] or entries
    category = Counter(e.category for e in kin).most_common(1)[0][0]
    same = [e for e in kin if e.category == category]
    retry = Counter(e.retry for e in same).most_common(1)[0][0]
    action = next(e.action for e in same if e.retry == retry)
    return category, retry, action


def toml_entry(code: str, comment: str, release: str, entries: list[Entry]) -> str:
    category, retry, action = family_defaults(code, entries)
    q = lambda value: json.dumps(value, ensure_ascii=False)  # noqa: E731  (TOML basic strings)
    return "\n".join([
        "[[errors]]",
        f"code = {q(code)}",
        'product = "kms"',
        'generation = "api3"',
        "# Write the English description from description_zh; the catalogue refuses an empty one.",
        'description = ""',
        f"description_zh = {q(comment)}",
        f"category = {q(category)}  # from the family; check it",
        f"retry = {q(retry)}  # from the family; check it",
        f"action = {q(action)}  # from the family; check it",
        f"source = {q(release)}",
        f"source_zh = {q(release)}",
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--errorcodes", type=Path, help="an errorcodes.py to compare (default: the installed SDK's)")
    parser.add_argument("--catalog", type=Path, help="the catalogue to compare (default: the bundled one)")
    args = parser.parse_args(argv)
    if args.errorcodes is not None:
        path, release = args.errorcodes, str(args.errorcodes)
    else:
        path, release = installed_errorcodes()
    try:
        codes = sdk_codes(path.read_text(encoding="utf-8"))
        cat = catalogue.load(args.catalog)
    except OSError as exc:
        print(f"sdk_codes: {path}: {exc.strerror}", file=sys.stderr)
        return 2
    except catalogue.CatalogueError as exc:
        print(f"sdk_codes: {exc}", file=sys.stderr)
        return 2
    if not codes:
        print(f"sdk_codes: {path}: no codes found; is it an errorcodes.py?", file=sys.stderr)
        return 2
    ours = [e for e in cat.entries if e.product == "kms" and e.generation == "api3"]
    known = {e.code for e in ours}
    added = sorted(set(codes) - known)
    removed = sorted(known - set(codes))
    print(f"# {release}: {len(codes)} codes; the catalogue has {len(known)} (checked: {cat.sdk_checked})")
    if not added and not removed:
        print("# nothing to change")
        return 0
    for code in removed:
        print(f"# no longer in the SDK: {code} (keep it for old logs, or remove it)")
    if added:
        print(f"# new in the SDK: {len(added)}; paste into data/errors.toml and update [catalogue] sdk_checked\n")
    for code in added:
        print(toml_entry(code, codes[code], release, list(cat.entries)))
    return 1


if __name__ == "__main__":
    sys.exit(main())
