#!/usr/bin/env python3
"""kmserr on incident logs (0.1% to 100% error lines) against GNU grep in the same run: CPU and wall.

    python benchmarks/incident.py                        # 32 MiB a density, best of 3
    python benchmarks/incident.py --quick                # 16 MiB, 1% and 50%, best of 2
    python benchmarks/incident.py --densities 10%,50% --size-mb 64 --json > results.json
    python benchmarks/incident.py --densities 10%,50% --envelope cri   # as Kubernetes stores it

For each density, writes a log with benchmarks/incident_log.py (the Python SDK's text, API 3.0
bodies, JSON-lines records, legacy codes; every line its own time and request ID), warms the page
cache, then runs each command --runs times in interleaved rounds and keeps the best CPU time
(user + system of the whole process tree: the shell, the command, -j's workers) and the best
wall time apart. The reference is `LC_ALL=C grep -a -E -f benchmarks/kmserr-equivalent.ere FILE`
(what kmserr's prefilter looks for, benchmarks/pattern.py); ripgrep runs too when it is
installed. kmserr runs as `grep -j1`, with its default -j, with `KMSERR_ENGINE=re`, `--json` and
`--summary` (those three with -j1, so that their CPU compares with -j1's), each with its default
core and with `KMSERR_NO_EXTENSIONS=1` (pure Python); `kmserr --version` says which core ran.
Every output goes to a file: GNU grep writing to /dev/null stops at its first match.

Checks: kmserr's --json output has one line for each of the log's error lines (the generator's
exact count), and the plain output is the same byte for byte with -j1, -j, `re` and both cores.

Targets (issue 19), CPU ratio to GNU grep: 50% errors <= 3.0x with the compiled core (stretch
2.0x), <= 8.0x in pure Python; 10% errors <= 2.0x with the compiled core; `--json` at 50% <=
1.5x the plain output's CPU.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, NamedTuple, cast

import incident_log
import pattern
from common import (
    Progress,
    Target,
    best_of_cpu,
    cached_log,
    child_env,
    have,
    kmserr_shell,
    report,
    table,
    warm,
)

MIB = 1 << 20
CORES: dict[str, dict[str, str]] = {"default": {}, "python": {"KMSERR_NO_EXTENSIONS": "1"}}
# label -> (shell command with {kmserr} {file} {out} {patterns}, extra environment); the kmserr
# commands are run once per core.
REFERENCES: dict[str, tuple[str, dict[str, str]]] = {
    "GNU grep": ("LC_ALL=C grep -a -E -f {patterns} {file} > {out}", {}),
    "ripgrep": ("rg --no-config -a --no-unicode -f {rg_patterns} {file} > {out}", {}),
}
KMSERR: dict[str, tuple[str, dict[str, str]]] = {
    "kmserr -j1": ("{kmserr} grep -j1 {file} > {out}", {}),
    "kmserr": ("{kmserr} grep {file} > {out}", {}),
    "KMSERR_ENGINE=re -j1": ("{kmserr} grep -j1 {file} > {out}", {"KMSERR_ENGINE": "re"}),
    "--json -j1": ("{kmserr} grep --json -j1 {file} > {out}", {}),
    "--summary -j1": ("{kmserr} grep --summary -j1 {file} > {out}", {}),
}
PLAIN = ("kmserr -j1", "kmserr", "KMSERR_ENGINE=re -j1")  # the same bytes from each, on each core
# The targets, beside the table: (density, label, limit, reference).
TARGETS = (
    (0.5, "kmserr -j1 [default]", 3.0, "GNU grep"),  # with the compiled core; stretch 2.0
    (0.5, "kmserr -j1 [python]", 8.0, "GNU grep"),
    (0.1, "kmserr -j1 [default]", 2.0, "GNU grep"),  # with the compiled core
    (0.5, "--json -j1 [default]", 1.5, "kmserr -j1 [default]"),
    (0.5, "--json -j1 [python]", 1.5, "kmserr -j1 [python]"),
)
STRETCH = {(0.5, "kmserr -j1 [default]"): 2.0}


class Row(NamedTuple):
    """One command's best CPU and wall seconds at one density, and its ratios to GNU grep's."""

    command: str
    core: str
    cpu: float
    wall: float
    cpu_ratio: float
    wall_ratio: float
    noise: str


def density_text(value: float) -> str:
    return f"{value * 100:g}%"


def rg_patterns(source: Path, target: Path) -> Path:
    """The ERE file for ripgrep: raw bytes as \\xNN (ripgrep wants its patterns in UTF-8; --no-unicode
    makes \\xNN a byte)."""
    target.write_bytes(re.sub(rb"[\x80-\xff]", lambda m: b"\\x%02x" % m.group()[0], source.read_bytes()))
    return target


def version(kmserr: str, env: dict[str, str]) -> str:
    result = subprocess.run(f"{kmserr} --version", shell=True, capture_output=True, text=True, env=env, check=False)
    return (result.stdout or result.stderr).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, help="size of each density's log (32; quick 16)")
    parser.add_argument("--densities", help="shares of error lines, comma-separated (0.1%%,1%%,10%%,50%%,100%%; quick 1%%,50%%)")
    parser.add_argument("--runs", type=int, help="timed runs per command; the best counts (3; quick 2)")
    parser.add_argument("--quick", action="store_true", help="smaller and fewer: a check that it runs")
    parser.add_argument("--shape", choices=sorted(incident_log.STORMS), default="mixed", help="which codes (mixed)")
    parser.add_argument("--envelope", choices=incident_log.ENVELOPES, default="none",
                        help="each line in a platform's envelope, as a platform stores the log (none)")
    parser.add_argument("--kmserr", help="the kmserr command to run, as a shell word list (this environment's)")
    parser.add_argument("--cores", default="default,python",
                        help="default (what loads), python (KMSERR_NO_EXTENSIONS=1), or both (default,python)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON, and nothing else, on standard output")
    parser.add_argument("--folder", type=Path, help="where to write logs and outputs, kept and reused (a temporary folder)")
    args = parser.parse_args()
    size_mb = args.size_mb or (16 if args.quick else 32)
    runs = args.runs or (2 if args.quick else 3)
    try:
        densities = [incident_log._density(d.strip()) for d in
                     (args.densities or ("1%,50%" if args.quick else "0.1%,1%,10%,50%,100%")).split(",")]
    except argparse.ArgumentTypeError as exc:
        parser.error(f"--densities: {exc}")
    cores = [c.strip() for c in args.cores.split(",")]
    if not set(cores) <= set(CORES):
        parser.error(f"--cores: one or both of {', '.join(CORES)}")
    kmserr = args.kmserr or kmserr_shell()

    def say(*parts: object) -> None:
        """Progress and tables: on standard error when standard output is for --json."""
        print(*parts, file=sys.stderr if args.json else sys.stdout, flush=True)

    folder = args.folder or Path(tempfile.mkdtemp(prefix="kmserr-incident-"))
    folder.mkdir(parents=True, exist_ok=True)
    places = {"kmserr": kmserr, "patterns": shlex.quote(str(pattern.SAVED)),
              "rg_patterns": shlex.quote(str(rg_patterns(pattern.SAVED, folder / "kmserr-rg.ere")))}
    shown_places = {"kmserr": "kmserr", "patterns": "benchmarks/kmserr-equivalent.ere", "rg_patterns": "PATTERNS.rg",
                    "file": "FILE", "out": "OUT"}
    envs = {}
    for core in cores:
        env = child_env(**CORES[core])
        if core == "default":
            env.pop("KMSERR_NO_EXTENSIONS", None)
        envs[core] = env
    versions = {core: version(kmserr, env) for core, env in envs.items()}
    for core, text in versions.items():
        say(f"core {core}{' (KMSERR_NO_EXTENSIONS=1)' if core == 'python' else ''}: {text}")
    if not have("rg"):
        say("ripgrep is not installed: not timed")

    # label -> (template, environment, core)
    plan: dict[str, tuple[str, dict[str, str], str]] = {}
    for label, (template, extra) in REFERENCES.items():
        if label != "ripgrep" or have("rg"):
            plan[label] = (template, {**child_env(), **extra}, "")
    for core in cores:
        for label, (template, extra) in KMSERR.items():
            plan[f"{label} [{core}]"] = (template, {**envs[core], **extra}, core)

    def shown(label: str) -> str:
        template, env, _ = plan[label]
        prefix = "".join(f"{k}={v} " for k, v in env.items() if k in ("KMSERR_ENGINE", "KMSERR_NO_EXTENSIONS"))
        return prefix + template.format(**shown_places)

    results: list[dict[str, object]] = []
    by_density: dict[float, dict[str, Row]] = {}
    failed_checks: list[str] = []
    for density in densities:
        wrapped = "" if args.envelope == "none" else f"-{args.envelope}"
        log = folder / f"incident-{size_mb:g}-{density_text(density).replace('%', 'pc')}{wrapped}.log"
        size = int(size_mb * MIB)
        settings: dict[str, object] = {"size_mb": size_mb, "density": density, "shape": args.shape, "seed": 1,
                                       "generator": 1}
        if args.envelope != "none":
            settings["envelope"] = args.envelope

        def write(out: BinaryIO, progress: Progress, density: float = density, size: int = size) -> dict[str, object]:
            return incident_log.write(out, size, density, 1, args.shape, progress, envelope=args.envelope)

        stats = cached_log(log, settings, size, write)
        size_read, error_lines = cast(int, stats["bytes"]) / MIB, cast(int, stats["matching_lines"])
        warm(log)
        commands = {}
        outs = {}
        for label, (template, env, _) in plan.items():
            outs[label] = folder / ("out-" + re.sub(r"[^A-Za-z0-9]+", "-", label).strip("-"))
            commands[label] = (template.format(**places, file=shlex.quote(str(log)), out=shlex.quote(str(outs[label]))), env)
        say(f"\n{density_text(density)} errors: {log.name}, {size_read:.1f} MiB, "
            f"{stats['lines']} lines, {stats['matching_lines']} error lines; {len(commands)} commands x {runs} runs")
        try:
            times = best_of_cpu(commands, runs, outs)
        except subprocess.CalledProcessError as exc:  # exit 2 or more: an error, not "no line matched"
            print(f"incident.py: exit status {exc.returncode} from: {exc.cmd}", file=sys.stderr)
            if args.folder is None:
                shutil.rmtree(folder)
            return 2
        ref_wall, ref_cpu = (max(t.best, 1e-6) for t in times["GNU grep"])  # a tiny log may take no measurable CPU
        rows = {}
        for label, (wall, cpu) in times.items():
            rows[label] = Row(shown(label), plan[label][2], cpu.best, wall.best, cpu.best / ref_cpu,
                              wall.best / ref_wall, f"CPU {cpu.noise}, wall {wall.noise}")
            say(f"  {label:32} CPU {cpu.best:7.3f} s ({cpu.best / ref_cpu:6.2f}x)  wall {wall.best:7.3f} s "
                f"({wall.best / ref_wall:6.2f}x)  {size_read / wall.best:6.1f} MiB/s  "
                f"noise CPU {cpu.noise} wall {wall.noise}")

        # Correctness: the exact count, and the same bytes however kmserr ran.
        checks: dict[str, object] = {"expected_error_lines": stats["matching_lines"]}
        checks["grep_lines"] = sum(1 for _ in outs["GNU grep"].open("rb"))
        for core in cores:
            json_lines = sum(1 for _ in outs[f"--json -j1 [{core}]"].open("rb"))
            checks[f"json_lines [{core}]"] = json_lines
            if json_lines != error_lines:
                failed_checks.append(f"{density_text(density)}: --json [{core}] has {json_lines} lines, "
                                     f"the log {stats['matching_lines']} error lines")
        first = outs[f"{PLAIN[0]} [{cores[0]}]"]
        others = [f"{p} [{c}]" for c in cores for p in PLAIN][1:] + [f"--summary -j1 [{c}]" for c in cores[1:]]
        differ = [label for label in others if not filecmp.cmp(
            outs[f"--summary -j1 [{cores[0]}]"] if label.startswith("--summary") else first, outs[label], shallow=False)]
        checks["identical"] = not differ
        if differ:
            failed_checks.append(f"{density_text(density)}: output differs from {PLAIN[0]} [{cores[0]}]: {', '.join(differ)}")
        say(f"  checks: GNU grep selected {checks['grep_lines']} lines (look-alikes included); kmserr --json "
            + ", ".join(f"{v} [{k.split('[')[1]}" for k, v in checks.items() if k.startswith("json_lines"))
            + f" for {stats['matching_lines']} error lines; same output with -j1, -j, re, both cores: "
            + ("yes" if not differ else "NO: " + ", ".join(differ)))
        by_density[density] = rows
        results.append({"density": density, "log": stats, "commands": {k: r._asdict() for k, r in rows.items()},
                        "checks": checks})

    targets = []
    limits: dict[str, list[str]] = {}
    for density, label, limit, reference in TARGETS:
        if density not in by_density or label not in plan:
            continue
        rows = by_density[density]
        name = f"{density_text(density)}: {label} vs {reference}"
        targets.append(Target(name, rows[label].cpu / rows[reference].cpu, limit, "x",
                              f"{rows[label].noise} vs {rows[reference].noise}", f"{shown(label)}  /  {shown(reference)}"))
        versus = "" if reference == "GNU grep" else " x plain"
        stretch = f" (stretch {STRETCH[density, label]:g})" if (density, label) in STRETCH else ""
        limits.setdefault(label, []).append(f"{density_text(density)} <= {limit:g}{versus}{stretch}")
    matrix = [[label, *(f"{by_density[d][label].cpu_ratio:.2f} ({by_density[d][label].wall_ratio:.2f})" for d in densities),
               ", ".join(limits.get(label, []))] for label in plan]
    say(f"\nCPU (and wall) time, ratio to GNU grep in the same run, best of {runs}, {size_mb:g} MiB logs; "
        f"cores: " + "; ".join(f"{core}: {text}" for core, text in versions.items()))
    say(table(["command", *(f"{density_text(d)} errors" for d in densities), "target (CPU)"], matrix))
    if args.json:
        print(json.dumps({"size_mb": size_mb, "runs": runs, "shape": args.shape, "versions": versions,
                          "densities": results, "targets": [t._asdict() for t in targets],
                          "failed_checks": failed_checks}, indent=2))
    else:
        print()
        if targets:
            status = report(targets)
        else:
            status = 0
            print("no target among these densities (targets are at 10% and 50%)")
    if args.json:
        status = 0 if all(t.measured <= t.limit for t in targets) else 1
    for failure in failed_checks:
        print(f"CHECK FAILED: {failure}", file=sys.stderr)
    if args.folder is None:  # a temporary folder: nothing in it is reused
        shutil.rmtree(folder)
    else:
        for path in folder.glob("out-*"):
            os.unlink(path)
    return 1 if failed_checks else status


if __name__ == "__main__":
    raise SystemExit(main())
