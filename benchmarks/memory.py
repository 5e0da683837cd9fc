#!/usr/bin/env python3
"""Peak resident memory of `kmserr grep`: on a large log, and on a log with one huge line.

    python benchmarks/memory.py --size-mb 1024 --long-line-mb 256

Runs each command in a child and reads its peak resident set size (ru_maxrss) when it ends.
Also checks that the error at the end of the huge line is found.

Targets (issue 4): at most 64 MiB on the large log; at most 64 MiB plus twice the longest line
with --long-line-mb.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from common import child_env, kmserr_command, make_log, table, verdict

MIB = 1 << 20


def peak_rss(command: list[str], stdout: Path) -> tuple[float, int]:
    """Run a command in a fresh child of a fresh child, so ru_maxrss is that command's alone."""
    probe = (
        "import resource, subprocess, sys\n"
        "with open(sys.argv[1], 'wb') as out:\n"
        "    code = subprocess.run(sys.argv[2:], stdout=out).returncode\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(stdout), *command],
                            capture_output=True, text=True, check=True, env=child_env())
    kib, code = result.stdout.split()
    return int(kib) * 1024 / MIB, int(code)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, default=1024, help="size of the large log (1024)")
    parser.add_argument("--long-line-mb", type=float, default=256, help="size of the huge line (256)")
    parser.add_argument("--folder", type=Path, help="where to keep the logs (default: a temporary folder)")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="kmserr-mem-"))
    folder.mkdir(parents=True, exist_ok=True)
    big = folder / f"kms-{args.size_mb:g}.log"
    long = folder / f"kms-long-{args.long_line_mb:g}.log"
    stats_big = make_log(big, args.size_mb)
    stats_long = make_log(long, 64, long_line_mb=args.long_line_mb)
    kmserr = kmserr_command()
    out = folder / "out"
    rows = []
    peak, code = peak_rss([*kmserr, "grep", str(big)], out)
    assert code == 0 and sum(1 for _ in out.open("rb")) == stats_big["matching_lines"]
    rows.append((f"kmserr grep ({args.size_mb:g} MiB log)", f"{peak:.1f} MiB", "64 MiB", verdict(peak / 64, 1.0)))
    peak, code = peak_rss([*kmserr, "grep", "--no-annotate", str(long)], out)
    longest = max(len(line) for line in out.open("rb")) / MIB
    found = any(line.rstrip(b"\n").endswith(b'"message":"(10630) key is not existed"}') for line in out.open("rb"))
    assert code == 0 and found, "the error at the end of the long line was not found"
    limit = 64 + 2 * longest
    rows.append((f"kmserr grep (one {longest:.0f} MiB line)", f"{peak:.1f} MiB", f"{limit:.0f} MiB",
                 verdict(peak / limit, 1.0)))
    print(table(("command", "peak RSS", "limit", "target"), rows))
    print(f"\nthe error at the end of the {longest:.0f} MiB line was found; {stats_long['matching_lines']} lines matched")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
