#!/usr/bin/env python3
"""Throughput of `kmserr grep` against GNU grep with the equivalent pattern, in the same run.

    python benchmarks/grep_throughput.py --size-mb 256
    python benchmarks/grep_throughput.py --log /tmp/make_log-512m.log --runs 5   # any existing log

Writes a generated log (benchmarks/loggen.py: 1% error lines in every form, decoys, invalid
UTF-8; no two lines alike), or takes --log as it is; warms the page cache; then times each
command --runs times in interleaved rounds, and the best run counts. The reference is
`LC_ALL=C grep -a -E -f PATTERNS` where PATTERNS is what kmserr's prefilter looks for
(benchmarks/pattern.py). Every output goes to a file: GNU grep writing to /dev/null stops at its
first match, which would time nothing.

Checks: kmserr reports exactly the generated log's error lines; its output is the same byte for
byte with both engines (and every -j when kmserr has --jobs).

Targets (issue 11): from a file <= 0.6x GNU grep; from a pipe (`cat FILE |`) <= 0.7x;
KMSERR_ENGINE=re <= 3.0x GNU grep from a file.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pattern
from common import REF, Target, best_of, child_env, jobs_supported, kmserr_shell, make_log, report, warm


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=256, help="size of the generated log (256)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command; the best counts (5)")
    parser.add_argument("--log", type=Path, help="time this existing log instead of a generated one")
    parser.add_argument("--folder", type=Path, help="where to write the generated log and outputs (a temporary folder)")
    args = parser.parse_args()

    folder = args.folder or Path(tempfile.mkdtemp(prefix="kmserr-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.log:
        log, stats = args.log, None
    else:
        log = folder / f"kms-{args.size_mb:g}.log"
        stats = make_log(log, args.size_mb)
    warm(log)
    size_mb = os.path.getsize(log) / (1 << 20)
    patterns = pattern.write(folder / "kmserr.ere")
    kmserr, q = kmserr_shell(), shlex.quote(str(log))
    grep = f"LC_ALL=C grep -a -E -f {shlex.quote(str(patterns))}"
    jobs = [1, 2] if jobs_supported() else []
    env, env_re = child_env(), child_env(KMSERR_ENGINE="re")

    def out(name: str) -> str:
        return shlex.quote(str(folder / f"out-{name}"))

    cases = {
        "grep file": (f"{grep} {q} > {out('grep')}", env),
        # Shown, not a target's reference: issue 4's short pattern (4 alternatives, no code names),
        # which GNU grep runs several times faster than the whole prefilter.
        "grep file, issue-4 pattern": (f"LC_ALL=C grep -a -E {shlex.quote(REF)} {q} > {out('grep-ref4')}", env),
        "kmserr file": (f"{kmserr} grep {q} > {out('kmserr')}", env),
        "grep pipe": (f"cat {q} | {grep} > {out('grep-pipe')}", env),
        "kmserr pipe": (f"cat {q} | {kmserr} grep > {out('kmserr-pipe')}", env),
        "kmserr re file": (f"{kmserr} grep {q} > {out('kmserr-re')}", env_re),
    }
    for n in jobs:
        cases[f"kmserr -j{n} file"] = (f"{kmserr} grep -j {n} {q} > {out(f'j{n}')}", env)
        cases[f"kmserr -j{n} pipe"] = (f"cat {q} | {kmserr} grep -j {n} > {out(f'j{n}-pipe')}", env)
    times = best_of(cases, args.runs)
    for label, timing in times.items():
        print(f"{label:18} best {timing.best:.3f} s  median {timing.median:.3f} s  worst {timing.worst:.3f} s"
              f"  ({size_mb / timing.best:.0f} MiB/s)  {cases[label][0]}")

    # Same bytes from every engine, every -j, file and pipe.
    first = folder / "out-kmserr"
    others = ["kmserr-pipe", "kmserr-re", *(f"j{n}" for n in jobs), *(f"j{n}-pipe" for n in jobs)]
    differ = [name for name in others if not filecmp.cmp(first, folder / f"out-{name}", shallow=False)]
    grep_lines = sum(1 for _ in (folder / "out-grep").open("rb"))
    print(f"\nlog: {log} ({size_mb:.0f} MiB); GNU grep selected {grep_lines} lines; output of kmserr: "
          f"{first.stat().st_size} bytes, identical for {', '.join(others)}: {'yes' if not differ else 'NO: ' + ', '.join(differ)}")
    if stats is not None:
        reported = int(os.popen(f"{kmserr} grep --count {q}").read() or 0)
        print(f"kmserr --count: {reported}; the log has {stats['matching_lines']} error lines")
        if reported != stats["matching_lines"]:
            differ.append("count")

    def shown(label: str) -> str:
        command, environment = cases[label]
        command = command.replace(q, "FILE").replace(shlex.quote(str(patterns)), "PATTERNS").replace(kmserr, "kmserr")
        command = command.split(" > ")[0] + " > OUT"
        return ("KMSERR_ENGINE=re " if environment is env_re else "") + command

    def target(name: str, label: str, reference: str, limit: float) -> Target:
        ratio = times[label].best / times[reference].best
        noise = f"{times[label].noise} vs {times[reference].noise}"
        return Target(name, ratio, limit, "x", noise, f"{shown(label)}  /  {shown(reference)}")

    targets = [
        target("grep FILE vs GNU grep", "kmserr file", "grep file", 0.6),
        target("cat FILE | grep vs GNU grep", "kmserr pipe", "grep pipe", 0.7),
        target("KMSERR_ENGINE=re vs GNU grep", "kmserr re file", "grep file", 3.0),
    ]
    for n in jobs:
        targets.append(target(f"grep -j{n} FILE vs GNU grep", f"kmserr -j{n} file", "grep file", 0.6))
        targets.append(target(f"cat | grep -j{n} vs GNU grep", f"kmserr -j{n} pipe", "grep pipe", 0.7))
    if not jobs:
        print("kmserr grep has no --jobs yet: -j not timed")
    print(f"for comparison, kmserr grep FILE against GNU grep with issue 4's short pattern: "
          f"{times['kmserr file'].best / times['grep file, issue-4 pattern'].best:.2f}x")
    if args.folder is None:  # a temporary folder: nothing in it is reused, and logs are big
        shutil.rmtree(folder)
    print()
    status = report(targets)
    return 1 if differ else status


if __name__ == "__main__":
    raise SystemExit(main())
