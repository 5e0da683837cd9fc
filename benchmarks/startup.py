#!/usr/bin/env python3
"""Start-up of `kmserr lookup` against `python -c "import click"` in the same environment.

    python benchmarks/startup.py --runs 30

Times each command --runs times after a few warm-up runs (which also fill the catalogue cache
and write bytecode), in interleaved rounds; the best run counts, and the median and worst show
how noisy the machine was. Also checks that the plain output path imports neither Rich nor the
scanner.

Targets (issue 11): `kmserr lookup 10630 --format plain` at most 1.1 times the import of Click,
`--format table` at most 1.8 times. Also shown, without a target: `kmserr grep -j1` of an empty
file (issue 19: the start-up every grep pays, the compiled core's included), in CPU time (user +
system, from wait4) as well as wall time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from common import Target, Timing, child_env, kmserr_command, report


def run_times(commands: list[list[str]], runs: int) -> tuple[list[Timing], list[Timing]]:
    """Best, median and worst wall time and CPU time of each command; rounds interleave the
    commands so that drift hits all alike. A command's exit status is not checked (grep's 1)."""
    env = child_env()
    for command in commands:
        for _ in range(3):  # warm-up: bytecode, page cache, catalogue cache
            subprocess.run(command, stdout=subprocess.DEVNULL, env=env)
    walls: list[list[float]] = [[] for _ in commands]
    cpus: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            child = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
            usage = os.wait4(child.pid, 0)[2]
            walls[index].append(time.perf_counter() - start)
            cpus[index].append(usage.ru_utime + usage.ru_stime)
            child.returncode = 0  # reaped above: Popen must not wait again

    def timings(samples: list[list[float]]) -> list[Timing]:
        return [Timing(min(s), statistics.median(s), max(s)) for s in samples]

    return timings(walls), timings(cpus)


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
    targets = (("plain", 1.1), ("table", 1.8))
    empty = tempfile.NamedTemporaryFile(prefix="kmserr-startup-", suffix=".log")  # noqa: SIM115 (closed below)
    commands = [[sys.executable, "-c", "import click"]]
    commands += [[*kmserr, "lookup", "10630", "--format", fmt] for fmt, _ in targets]
    commands += [[*kmserr, "grep", "-j1", empty.name]]
    with empty:
        (reference, *elapsed, grep), (reference_cpu, *_, grep_cpu) = run_times(commands, args.runs)
    print(f"python -c 'import click': best {reference.best * 1000:.1f} ms, median {reference.median * 1000:.1f} ms"
          f" (CPU: best {reference_cpu.best * 1000:.1f} ms)")
    rows = []
    for (fmt, target), timing in zip(targets, elapsed, strict=True):
        print(f"kmserr lookup 10630 --format {fmt}: best {timing.best * 1000:.1f} ms, median {timing.median * 1000:.1f} ms")
        rows.append(Target(f"lookup --format {fmt} vs import click", timing.best / reference.best, target, "x",
                           f"{timing.noise} vs {reference.noise}",
                           f"kmserr lookup 10630 --format {fmt}  /  python -c 'import click'"))
    print(f"kmserr grep -j1 (an empty file): best {grep.best * 1000:.1f} ms, median {grep.median * 1000:.1f} ms, "
          f"{grep.best / reference.best:.2f} x import click; CPU best {grep_cpu.best * 1000:.1f} ms, "
          f"{grep_cpu.best / reference_cpu.best:.2f} x import click's, "
          f"{(grep_cpu.best - reference_cpu.best) * 1000:.1f} ms beyond it")
    print()
    status = report(rows)
    modules = imported_modules(["lookup", "10630", "--format", "plain"])
    heavy = sorted(m for m in modules if m.split(".")[0] in {"rich", "hyperscan", "tomllib", "tomli", "dataclasses"}
                   or m in {"kmserr.extract", "kmserr.forms", "kmserr.matcher", "kmserr.scan", "kmserr.engines"})
    print(f"\nnot needed by the plain path, and imported: {', '.join(heavy) if heavy else 'none'}")
    return 1 if heavy else status


if __name__ == "__main__":
    raise SystemExit(main())
