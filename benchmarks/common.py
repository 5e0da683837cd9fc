"""Shared pieces of the benchmarks: generating logs with progress, timing commands, printing tables.

Every benchmark compares kmserr with a reference measured in the same run (GNU grep, or
`python -c "import click"`), and prints ratios, so that the noise of a shared machine cancels out.
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple, TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks import loggen  # noqa: E402  (after the path is set: runs from a checkout)

# The reference pattern of the issue: GNU grep looking for the same legacy, JSON and SDK forms.
REF = (
    r'\([0-9]{3,6}\)|"[Cc]ode" ?: ?("[A-Z][A-Za-z0-9.]*"|[1-9][0-9]*)'
    r"|(^|[^A-Za-z0-9_])code: ?[A-Z]|Code=[A-Z]"
)


def kmserr_command() -> list[str]:
    """The kmserr of this environment: the script beside this Python, else `python -m kmserr`."""
    script = Path(sys.executable).parent / "kmserr"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kmserr"]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "KMSERR_ENGINE")}
    env.update(extra)
    return env


class Progress:
    """A one-line progress indication on stderr while a log is written."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.start = label, max(total, 1), time.monotonic()
        self.shown = -1
        self.live = sys.stderr.isatty()  # a bar redrawn in place only makes sense on a terminal
        if not self.live:
            print(f"{self.label} ...", file=sys.stderr, flush=True)

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        if not self.live or percent == self.shown:
            return
        self.shown = percent
        bar = "#" * (percent * 30 // 100)
        print(f"\r{self.label} [{bar:<30}] {percent:3d}%", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        print(f"\r{self.label} done in {time.monotonic() - self.start:.1f} s" + " " * 30, file=sys.stderr)


def make_log(path: Path, size_mb: float, long_line_mb: float = 0.0, seed: int = 1) -> dict[str, object]:
    """Write a generated log once (reused while its settings match) and return its exact counts."""
    settings: dict[str, object] = {"size_mb": size_mb, "long_line_mb": long_line_mb, "seed": seed, "generator": 2}
    size = int(size_mb * loggen.MIB)

    def write(out: BinaryIO, progress: Progress) -> dict[str, object]:
        return loggen.write(
            out, size=size, match_rate=0.01, decoy_rate=0.01, invalid_rate=0.0001, seed=seed,
            long_line=int(long_line_mb * loggen.MIB), progress=progress,
        )

    return cached_log(path, settings, size, write)


def cached_log(path: Path, settings: dict[str, object], size: int,
               write: Callable[[BinaryIO, Progress], dict[str, object]]) -> dict[str, object]:
    """Write a log with `write` (about `size` bytes) unless the one at `path` has these settings; its counts."""
    stats_path = path.with_suffix(".stats.json")
    if path.exists() and stats_path.exists():
        saved = json.loads(stats_path.read_text())
        if saved.get("settings") == settings:
            return dict(saved["stats"])
    progress = Progress(f"writing {path.name} ({size / loggen.MIB:.4g} MiB)", size)
    with path.open("wb") as out:
        stats = write(out, progress)
    progress.close()
    stats_path.write_text(json.dumps({"settings": settings, "stats": stats}))
    return stats


def warm(path: Path) -> None:
    """Read the file once so that every timed run finds it in the page cache."""
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def time_shell(command: str, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(["bash", "-c", command], check=True, env=env or child_env())
    return time.perf_counter() - start


def median_time(command: str, runs: int, env: dict[str, str] | None = None) -> float:
    return statistics.median(time_shell(command, env) for _ in range(runs))


def have(program: str) -> bool:
    return shutil.which(program) is not None


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, aligned, for the summary at the end of a run."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verdict(ratio: float, target: float) -> str:
    return f"{'PASS' if ratio <= target else 'FAIL'} (target <= {target:g})"


class Timing(NamedTuple):
    """The runs of one command: the best counts, the median and the worst say how noisy they were."""

    best: float
    median: float
    worst: float

    @property
    def noise(self) -> str:
        return f"+{(self.median / self.best - 1) * 100:.0f}%/+{(self.worst / self.best - 1) * 100:.0f}%"


def best_of(commands: dict[str, tuple[str, dict[str, str]]], runs: int) -> dict[str, Timing]:
    """Time shell commands `runs` times each, in interleaved rounds so that a busy moment of the
    machine (2 cores, shared) hits every command alike; the best run of each counts."""
    samples = rounds(commands, runs, time_shell)
    return {label: Timing(min(s), statistics.median(s), max(s)) for label, s in samples.items()}


T = TypeVar("T")


def rounds(commands: dict[str, tuple[str, dict[str, str]]], runs: int,
           measure: Callable[[str, dict[str, str]], T], outputs: Mapping[str, Path] | None = None) -> dict[str, list[T]]:
    """Measure each command `runs` times, in interleaved rounds (one of each, then again).

    A command's file in `outputs` is removed before each of its runs, untimed: the shell's `> OUT`
    would otherwise truncate the run before's output and charge its freeing to this run (10 ms
    for the 164 MB of `--json` at 50% errors, 3 ms for plain output's 41 MB: a cost of the output
    size of the run before, not of the work timed)."""
    samples: dict[str, list[T]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, (command, env) in commands.items():
            if outputs is not None and label in outputs:
                outputs[label].unlink(missing_ok=True)
            samples[label].append(measure(command, env))
    return samples


def cpu_time_shell(command: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of a shell command and every process under it
    (RUSAGE_CHILDREN counts each process once its parent has waited for it, -j's workers included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    status = subprocess.run(["bash", "-c", command], env=env, check=False).returncode
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if status not in (0, 1):  # 1: grep's "no line matched"
        raise subprocess.CalledProcessError(status, command)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def best_of_cpu(commands: dict[str, tuple[str, dict[str, str]]], runs: int,
                outputs: Mapping[str, Path] | None = None) -> dict[str, tuple[Timing, Timing]]:
    """As best_of, for (wall, CPU) of each command: the best of each counts, taken apart; a
    command's file in `outputs` removed before each run (`rounds`)."""
    samples = rounds(commands, runs, cpu_time_shell, outputs)
    timings = {}
    for label, pairs in samples.items():
        walls, cpus = [w for w, _ in pairs], [c for _, c in pairs]
        timings[label] = (Timing(min(walls), statistics.median(walls), max(walls)),
                          Timing(min(cpus), statistics.median(cpus), max(cpus)))
    return timings


class Target(NamedTuple):
    """One target of the issue: a measured ratio (or value) against its limit, and how it was measured."""

    name: str
    measured: float
    limit: float
    unit: str  # "x" for a ratio, "MiB" for memory
    noise: str
    command: str


def report(targets: Sequence[Target]) -> int:
    """Print the targets as a table with PASS/FAIL; the exit status says whether all passed."""
    rows = [(t.name, f"{t.measured:.2f}{t.unit}", f"<= {t.limit:g}{t.unit}", "PASS" if t.measured <= t.limit else "FAIL",
             t.noise, t.command) for t in targets]
    print(table(("target", "measured", "limit", "verdict", "noise (median/worst over best)", "command"), rows))
    return 0 if all(t.measured <= t.limit for t in targets) else 1


def peak_rss(argv: Sequence[str], stdin: int | IO[bytes] | None = None, stdout: int | IO[bytes] | None = None,
             timeout: float | None = None, env: dict[str, str] | None = None,
             cap_mb: float = 4096) -> tuple[float, float, int, bool]:
    """Run a command; return its peak resident memory (MiB, from wait4's rusage of that process
    alone), its seconds, its exit status, and whether it was killed: after `timeout` seconds, or
    when its memory passed `cap_mb` (the machine is shared: /dev/zero took 10 GB in 20 s)."""
    start = time.perf_counter()
    child = subprocess.Popen(list(argv), stdin=stdin, stdout=stdout if stdout is not None else subprocess.DEVNULL,
                             env=env or child_env())
    killed = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if (timeout is not None and time.perf_counter() - start > timeout) or _rss_mb(child.pid) > cap_mb:
            child.kill()
            killed = True
            pid, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.02)
    child.returncode = os.waitstatus_to_exitcode(status)  # already reaped: Popen must not wait again
    return usage.ru_maxrss / 1024, time.perf_counter() - start, child.returncode, killed


def _rss_mb(pid: int) -> float:
    """The current resident memory of a running process, from /proc (0 where there is none)."""
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except (OSError, ValueError, IndexError):
        return 0.0


def kmserr_shell() -> str:
    return " ".join(shlex.quote(part) for part in kmserr_command())


def jobs_supported() -> bool:
    """Whether this kmserr has `grep --jobs` (issue 11 adds it)."""
    result = subprocess.run([*kmserr_command(), "grep", "--help"], capture_output=True, text=True, env=child_env())
    return "--jobs" in result.stdout
