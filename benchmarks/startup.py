#!/usr/bin/env python3
"""Start-up of `kmserr lookup` against `python -c "import click"` in the same environment.

    python benchmarks/startup.py --runs 30

Times each command --runs times after a few warm-up runs (which also fill the catalogue cache
and write bytecode), and prints medians as ratios to the import of Click alone. Also checks that
the plain output path imports neither Rich nor the scanner.

Targets (issue 4): `kmserr lookup 10630 --format plain` at most 1.2 times the import of Click,
`--format table` at most 1.8 times.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from common import child_env, kmserr_command, table, verdict


def run_times(commands: list[list[str]], runs: int) -> list[float]:
    """Median time of each command; rounds interleave the commands so that drift hits all alike."""
    env = child_env()
    for command in commands:
        for _ in range(3):  # warm-up: bytecode, page cache, catalogue cache
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
            samples[index].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


def imported_modules(command: list[str]) -> set[str]:
    """The modules a command imports, from `python -X importtime`."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "kmserr", *command], capture_output=True, text=True, env=child_env(),
    )
    return {line.split("|")[-1].strip() for line in result.stderr.splitlines() if "|" in line}


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command; the median counts (20)")
    args = parser.parse_args()
    kmserr = kmserr_command()
    targets = (("plain", 1.2), ("table", 1.8))
    commands = [[sys.executable, "-c", "import click"]]
    commands += [[*kmserr, "lookup", "10630", "--format", fmt] for fmt, _ in targets]
    reference, *elapsed = run_times(commands, args.runs)
    rows = [("python -c 'import click'", f"{reference * 1000:.1f} ms", "1.00", "")]
    for (fmt, target), seconds in zip(targets, elapsed, strict=True):
        ratio = seconds / reference
        rows.append((f"kmserr lookup 10630 --format {fmt}", f"{seconds * 1000:.1f} ms", f"{ratio:.2f}", verdict(ratio, target)))
    modules = imported_modules(["lookup", "10630", "--format", "plain"])
    heavy = sorted(m for m in modules if m.split(".")[0] in {"rich", "hyperscan", "tomllib", "tomli", "dataclasses"}
                   or m in {"kmserr.extract", "kmserr.forms", "kmserr.matcher", "kmserr.scan", "kmserr.engines"})
    print(table(("command", "median", "ratio to import click", "target"), rows))
    print(f"\nnot needed by the plain path, and imported: {', '.join(heavy) if heavy else 'none'}")
    return 1 if heavy else 0


if __name__ == "__main__":
    raise SystemExit(main())
