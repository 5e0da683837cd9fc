"""kmserr.parallel's pieces on their own: what -j's processes share and how their memory is kept."""

from __future__ import annotations

import platform
import subprocess
import sys

# Batches of a few MiB made and freed, as a worker's and the reading process's are: the page
# faults of the loop, with glibc's defaults and with the memory kept (argv[1] == "keep").
CHURN = """
import resource, sys
from kmserr import parallel
applied = parallel.keep_freed_memory() if sys.argv[1] == "keep" else None
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for n in range(40):
    batch = [b"x" * ((1 << 20) + n) for _ in range(5)]
    joined = b"".join(batch)
    del batch, joined
print(applied, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def churn(how: str) -> tuple[str, int]:
    run = subprocess.run([sys.executable, "-c", CHURN, how], capture_output=True, text=True, check=True)
    applied, faults = run.stdout.split()
    return applied, int(faults)


def test_freed_batches_are_not_faulted_in_again() -> None:
    applied, kept = churn("keep")
    if platform.libc_ver()[0] != "glibc":  # other allocators: nothing is set, and it says so
        assert applied == "False"
        return
    assert applied == "True"
    default_applied, default = churn("default")
    assert default_applied == "None"
    # 40 rounds of 10 MiB made and freed: glibc's defaults fault nearly every page in again
    # (about 100,000); kept, only the first round's pages are new.
    assert default > 40_000
    assert kept < 10_000
