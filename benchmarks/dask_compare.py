#!/usr/bin/env python3
"""The command's `grep -j2` against the Dask recipe (kmserr.dask) on 2 workers, on one generated log.

    python benchmarks/dask_compare.py                         # 64 MiB, 16 MiB blocks, best of 3
    python benchmarks/dask_compare.py --size-mb 200 --scheduler cluster --runs 2

For `--json`, `--summary` and `--timeline --bucket 1m`, times the command (`kmserr grep -j2 ...`,
its output to a file) and the same result computed by kmserr.dask with 2 workers (`--json` twice:
the bag's `.compute()`, and its partitions computed as they are, then chained), best of --runs each, and prints the ratio Dask / command (below 1: Dask is faster). Each result of Dask
is checked equal to the command's. `--scheduler processes` is Dask's own process pool (no
`distributed`; its start is in each run); `cluster` a `distributed.LocalCluster` of 2 one-thread
workers, started once (its start is printed apart); `threads` Dask's thread pool. Not run by the tests.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import child_env, kmserr_command, make_log, table, warm


def best(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The best wall time of `runs` calls, and the last call's result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def command(args: list[str], path: Path, out: Path) -> Callable[[], str]:
    def run() -> str:
        with out.open("wb") as written:
            subprocess.run([*kmserr_command(), "grep", "-j2", *args, str(path)], stdout=written, env=child_env(),
                           check=False)
        return out.read_text(encoding="utf-8")

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=64, help="the generated log's size (64)")
    parser.add_argument("--blocksize", default="16MiB", help="Dask's block size (16MiB)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, the best kept (3)")
    parser.add_argument("--scheduler", choices=["processes", "threads", "cluster"], default="processes")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()), help="where the log is written")
    options = parser.parse_args(argv)

    import dask

    import kmserr.dask as kd

    path = options.dir / f"kmserr-dask-{options.size_mb:g}.log"
    make_log(path, options.size_mb)
    warm(path)
    out = options.dir / "kmserr-dask-compare.out"
    started = None
    client = None
    if options.scheduler == "cluster":
        from distributed import Client, LocalCluster

        start = time.perf_counter()
        client = Client(LocalCluster(n_workers=2, threads_per_worker=1, processes=True))
        started = time.perf_counter() - start
        config = dask.config.set()
    else:
        config = dask.config.set(scheduler=options.scheduler, num_workers=2)
    tasks: list[tuple[str, list[str], Callable[[], Any], Callable[[str], Any]]] = [
        ("--json", ["--json"], lambda: kd.read_errors(str(path), blocksize=options.blocksize).compute(),
         lambda text: [json.loads(line) for line in text.splitlines()]),
        ("--json, by partition", ["--json"], lambda: list(itertools.chain.from_iterable(
            dask.compute(*kd.read_errors(str(path), blocksize=options.blocksize).to_delayed()))),
         lambda text: [json.loads(line) for line in text.splitlines()]),
        ("--summary", ["--summary", "--format", "json"], lambda: kd.summary(str(path), blocksize=options.blocksize),
         json.loads),
        ("--timeline", ["--timeline", "--bucket", "1m", "--format", "json"],
         lambda: kd.timeline(str(path), blocksize=options.blocksize),
         lambda text: [json.loads(line) for line in text.splitlines()]),
    ]
    rows = []
    same = True
    with config:
        for name, args, recipe, parse in tasks:
            command_time, printed = best(options.runs, command(args, path, out))
            dask_time, computed = best(options.runs, recipe)
            equal = computed == parse(printed)
            same &= equal
            rows.append((name, f"{command_time:.2f}", f"{dask_time:.2f}", f"{dask_time / command_time:.2f}x",
                         "yes" if equal else "NO"))
    if client is not None:
        client.close()
    print(f"{options.size_mb:g} MiB generated log, Dask blocks of {options.blocksize}, scheduler {options.scheduler}"
          f" with 2 workers, best of {options.runs}")
    if started is not None:
        print(f"starting the local cluster: {started:.2f} s (not in the times below)")
    print(table(["grep", "command -j2 (s)", "Dask (s)", "Dask / command", "equal"], rows))
    print("The command searches --timeline in one process: -j does not split it.")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
