#!/usr/bin/env python3
"""Run every benchmark, one after another, with the sizes of the issue's targets by default.

    python benchmarks/run_all.py               # the issues' sizes (1 GiB log, 256 MiB lines): 45 minutes
    python benchmarks/run_all.py --quick       # small sizes: a few minutes
    python benchmarks/run_all.py --log FILE    # also time the throughput on an existing log

Each script prints its targets as a table (ratio, limit, PASS/FAIL, noise, command) and exits 1
when one fails; this runs them all and lists those that did not pass. Big files go to --folder
(a temporary folder) and are deleted after use.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a check that they run")
    parser.add_argument("--log", help="an existing log to time the throughput on as well")
    args = parser.parse_args()
    quick = ["--quick"] if args.quick else []
    runs = [
        ["startup.py", "--runs", "10" if args.quick else "30"],
        ["grep_throughput.py", "--size-mb", "64" if args.quick else "1024", "--runs", "3" if args.quick else "5"],
        ["memory.py", *quick],
        ["hostile.py", *quick],
        ["dense.py", *quick],
        ["incident.py", *quick],
        ["live_latency.py", "--seconds", "3" if args.quick else "10"],
        ["pathological.py", "--size-mb", "8" if args.quick else "60"],
    ]
    if args.log:
        runs.insert(2, ["grep_throughput.py", "--log", args.log, "--runs", "3" if args.quick else "5"])
    failed = []
    for script, *options in runs:
        print(f"\n== {script} {' '.join(options)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *options]).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nnot passed (a target missed, or an error): {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
