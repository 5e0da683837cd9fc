#!/usr/bin/env python3
"""Throughput of `kmserr grep` against GNU grep (and ripgrep) on the same generated log.

    python benchmarks/grep_throughput.py --size-mb 256
    python benchmarks/grep_throughput.py --size-mb 1024 --runs 5 --log /tmp/kms-1g.log

Writes a log with 1% error lines in every form, decoys and invalid UTF-8 (benchmarks/loggen.py),
warms the page cache, then times each command (the median of --runs) reading the file and
reading a pipe (`cat FILE |`), every output sent to a file. Prints each time as a ratio to GNU
grep's with the reference pattern of the same run, and checks that kmserr reported exactly the
error lines of the log.

Targets (issue 4): from a file and from a pipe, kmserr at most 0.75 times GNU grep; with
KMSERR_ENGINE=re, at most 2.0 times.
"""

from __future__ import annotations

import argparse
import shlex
import tempfile
from pathlib import Path

from common import REF, child_env, have, kmserr_command, make_log, median_time, table, verdict, warm


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=256, help="size of the generated log (256)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per command; the median counts (3)")
    parser.add_argument("--log", type=Path, help="where to keep the log (default: a temporary folder)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="kmserr-bench-"))
    log = args.log or folder / "kms.log"
    stats = make_log(log, args.size_mb)
    warm(log)
    out = folder / "out"
    kmserr = " ".join(shlex.quote(part) for part in kmserr_command())
    q = shlex.quote(str(log))
    grep = f"LC_ALL=C grep -a -E {shlex.quote(REF)}"
    cases = [
        # (label, command, reference label, target, engine)
        ("GNU grep, file", f"{grep} {q} > {out}", None, None, None),
        ("kmserr grep, file", f"{kmserr} grep {q} > {out}", "GNU grep, file", 0.75, None),
        ("kmserr grep (re), file", f"{kmserr} grep {q} > {out}", "GNU grep, file", 2.0, "re"),
        ("GNU grep, pipe", f"cat {q} | {grep} > {out}", None, None, None),
        ("kmserr grep, pipe", f"cat {q} | {kmserr} grep > {out}", "GNU grep, pipe", 0.75, None),
    ]
    if have("rg"):
        cases.insert(1, ("ripgrep, file", f"rg --no-config -a -N -e {shlex.quote(REF)} {q} > {out}", "GNU grep, file", None, None))
    times: dict[str, float] = {}
    rows = []
    for label, command, reference, target, engine in cases:
        env = child_env(KMSERR_ENGINE=engine) if engine else child_env()
        times[label] = median_time(command, args.runs, env)
        if label.startswith("kmserr"):
            reported = sum(1 for _ in out.open("rb"))
            if reported != stats["matching_lines"]:
                raise SystemExit(f"{label}: {reported} lines, but the log has {stats['matching_lines']} error lines")
        ratio = times[label] / times[reference] if reference else 1.0
        rate = args.size_mb / times[label]
        rows.append((label, f"{times[label]:.3f} s", f"{rate:.0f} MiB/s", f"{ratio:.2f}", verdict(ratio, target) if target else ""))
        print(f"{label}: {times[label]:.3f} s", flush=True)
    print()
    print(f"log: {args.size_mb:g} MiB, {stats['lines']} lines, {stats['matching_lines']} error lines (kmserr found exactly these)")
    print(table(("command", "median", "rate", "ratio to GNU grep", "target"), rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
