#!/usr/bin/env python3
"""kmserr on what logging frameworks write (tests/data/clients/producers): CPU per error line, and against GNU grep.

    python benchmarks/frameworks.py                              # 2 and 4 MiB of each capture, best of 3, both cores
    python benchmarks/frameworks.py --captures loguru,json-logger --cores default
    python benchmarks/frameworks.py --quick                      # 1 and 2 MiB, best of 2: a check that it runs
    python benchmarks/frameworks.py --json > results.json

Each capture (loguru's serialize, python-json-logger, structlog's JSON and console, rich's
handler, ...) is repeated to --size-mb and to twice that. kmserr runs as `kmserr grep FILE >
OUT` (to a file: GNU grep writing to /dev/null stops at its first match) on both, each core
(`KMSERR_NO_EXTENSIONS=1`: pure Python), in interleaved rounds; the best CPU time (user +
system) of each counts. The cost of an error line is the difference of the two CPU times over
the difference of their error lines (`kmserr grep -c`): start-up cancels out. The reference is
`LC_ALL=C grep -a -E -f benchmarks/kmserr-equivalent.ere` on the larger file, timed alike.

Mark (no issue states a target for these; 150 us is where an incident log's lines were before
issue 19's fast paths, ~3x its error line's cost): at most 150 us of CPU an error line for each
capture, on either core. Not met by the JSON records with tracebacks (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
from pathlib import Path

from common import Target, Timing, best_of_cpu, child_env, kmserr_shell, report, table, warm

HERE = Path(__file__).resolve().parent
PRODUCERS = HERE.parent / "tests" / "data" / "clients" / "producers"
PATTERNS = HERE / "kmserr-equivalent.ere"
CORES: dict[str, dict[str, str]] = {"default": {}, "python": {"KMSERR_NO_EXTENSIONS": "1"}}
TARGET_US = 150.0
MIB = 1 << 20


def captures(wanted: list[str]) -> list[Path]:
    """The captures whose `producer/name` holds one of the words (all when none is given)."""
    found = sorted(PRODUCERS.glob("*/*.txt"))
    return [p for p in found if not wanted or any(w in f"{p.parent.name}/{p.name}" for w in wanted)]


def repeated(capture: Path, size: int, target: Path) -> Path:
    """The capture repeated to about `size` bytes (at least once)."""
    data = capture.read_bytes()
    if not data.endswith(b"\n"):
        data += b"\n"
    target.write_bytes(data * max(1, size // len(data)))
    return target


def count_lines(kmserr: str, path: Path, env: dict[str, str]) -> int:
    import subprocess

    result = subprocess.run(["bash", "-c", f"{kmserr} grep -c {shlex.quote(str(path))}"], env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise SystemExit(f"kmserr grep -c {path} failed: {result.stderr.strip()}")
    return int(result.stdout.strip() or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, help="size of the smaller file of each capture (2; quick 1)")
    parser.add_argument("--runs", type=int, help="timed runs per command; the best counts (3; quick 2)")
    parser.add_argument("--captures", default="", help="comma-separated words: the captures whose producer/name holds one")
    parser.add_argument("--cores", default="default,python", help="comma-separated: default, python (default,python)")
    parser.add_argument("--quick", action="store_true", help="smaller and fewer: a check that it runs")
    parser.add_argument("--json", action="store_true", help="print the results as JSON, and nothing else, on standard output")
    args = parser.parse_args()
    size = int((args.size_mb or (1.0 if args.quick else 2.0)) * MIB)
    runs = args.runs or (2 if args.quick else 3)
    cores = [c for c in args.cores.split(",") if c]
    unknown = [c for c in cores if c not in CORES]
    if unknown:
        parser.error(f"unknown core: {', '.join(unknown)} (default, python)")
    chosen = captures([w for w in args.captures.split(",") if w])
    if not chosen:
        parser.error(f"no capture under {PRODUCERS} holds {args.captures!r}")
    kmserr = kmserr_shell()
    results: list[dict[str, object]] = []
    rows: list[tuple[object, ...]] = []
    targets: list[Target] = []
    with tempfile.TemporaryDirectory(prefix="kmserr-frameworks-") as folder:
        out = shlex.quote(str(Path(folder) / "out"))
        for capture in chosen:
            name = f"{capture.parent.name}/{capture.stem}"
            small = repeated(capture, size, Path(folder) / "small.log")
            large = repeated(capture, 2 * size, Path(folder) / "large.log")
            warm(small)
            warm(large)
            commands: dict[str, tuple[str, dict[str, str]]] = {
                "grep": (f"LC_ALL=C grep -a -E -f {shlex.quote(str(PATTERNS))} {shlex.quote(str(large))} > {out}",
                         child_env()),
            }
            for core in cores:
                env = child_env(**CORES[core])
                for label, path in (("small", small), ("large", large)):
                    commands[f"{core} {label}"] = (f"{kmserr} grep {shlex.quote(str(path))} > {out}", env)
            timings = best_of_cpu(commands, runs)
            grep_cpu: Timing = timings["grep"][1]
            for core in cores:
                env = child_env(**CORES[core])
                lines = count_lines(kmserr, large, env) - count_lines(kmserr, small, env)
                small_cpu, large_cpu = timings[f"{core} small"][1], timings[f"{core} large"][1]
                per_line = (large_cpu.best - small_cpu.best) / lines * 1e6 if lines > 0 else float("nan")
                ratio = large_cpu.best / grep_cpu.best if grep_cpu.best > 0 else float("inf")
                results.append({"capture": name, "core": core, "error_lines": lines, "us_per_error_line": per_line,
                                "cpu_large_s": large_cpu.best, "grep_cpu_s": grep_cpu.best, "ratio_to_grep": ratio})
                rows.append((name, core, lines, f"{per_line:.0f}", f"{large_cpu.best:.3f}", f"{grep_cpu.best:.3f}",
                             f"{ratio:.1f}x", large_cpu.noise))
                if lines > 0:
                    targets.append(Target(f"{name} ({core})", per_line, TARGET_US, " us", large_cpu.noise,
                                          f"kmserr grep FILE > OUT ({core} core)"))
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0 if all(t.measured <= t.limit for t in targets) else 1
    print(table(("capture", "core", "error lines", "us / error line", f"CPU s ({2 * size / MIB:g} MiB)",
                 "GNU grep CPU s", "ratio", "noise"), rows))
    print()
    return report(targets)


if __name__ == "__main__":
    raise SystemExit(main())
