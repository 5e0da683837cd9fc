#!/usr/bin/env python3
"""Run every benchmark, one after another, with the sizes of the issue's targets by default.

    python benchmarks/run_all.py               # 1 GiB log, 256 MiB line: several minutes
    python benchmarks/run_all.py --quick       # 64 MiB log, 16 MiB line: about a minute
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
    args = parser.parse_args()
    size, line = ("64", "16") if args.quick else ("1024", "256")
    runs = [
        ["startup.py", "--runs", "10" if args.quick else "30"],
        ["grep_throughput.py", "--size-mb", size, "--runs", "1" if args.quick else "3"],
        ["memory.py", "--size-mb", size, "--long-line-mb", line],
        ["live_latency.py", "--seconds", "3" if args.quick else "10"],
        ["pathological.py", "--size-mb", "8" if args.quick else "100"],
    ]
    failed = []
    for script, *options in runs:
        print(f"\n== {script} {' '.join(options)}", flush=True)
        if subprocess.run([sys.executable, str(HERE / script), *options]).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
