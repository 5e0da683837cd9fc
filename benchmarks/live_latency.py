#!/usr/bin/env python3
"""How soon `kmserr grep` shows an error line of a live stream, with no flag given.

    python benchmarks/live_latency.py --seconds 20

A writer sends 20 lines a second into `kmserr grep | reader`, a tenth of them errors in several
forms; the reader notes when each error line arrives. The latency of a line is the time from
the moment its newline was written to the moment the reader got it. Prints the 95th percentile
and the maximum, for each engine.

Target (issue 4): every error line within 50 ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import threading
import time

from common import child_env, kmserr_command, table, verdict

ERRORS = (
    'kms: Decrypt failed "message": "(10630) key is not existed" seq={seq}',
    "kms: [TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:disabled requestId:r-{seq} seq={seq}",
    'kms: {{"Response":{{"Error":{{"Code":"AuthFailure.SignatureFailure","Message":"bad"}},"RequestId":"r"}}}} seq={seq}',
)


def measure(engine: str, seconds: float, rate: float) -> list[float]:
    proc = subprocess.Popen(
        [*kmserr_command(), "grep", "--no-annotate"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env=child_env(KMSERR_ENGINE=engine),
    )
    assert proc.stdin is not None and proc.stdout is not None
    sent: dict[int, float] = {}
    received: dict[int, float] = {}

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            now = time.monotonic()
            found = re.search(rb"seq=(\d+)", line)
            if found:
                received[int(found.group(1))] = now

    reader = threading.Thread(target=read)
    reader.start()
    count = int(seconds * rate)
    start = time.monotonic()
    for seq in range(count):
        error = seq % 10 == 9
        text = ERRORS[(seq // 10) % len(ERRORS)].format(seq=seq) if error else f"INFO ordinary line seq-{seq} ok"
        proc.stdin.write(f"2024-05-14T08:00:00Z {text}\n".encode())
        proc.stdin.flush()
        if seq % 10 == 9:
            sent[seq] = time.monotonic()
        time.sleep(max(0.0, start + (seq + 1) / rate - time.monotonic()))
    time.sleep(0.5)
    proc.stdin.close()
    proc.wait(timeout=30)
    reader.join(timeout=30)
    missing = sorted(set(sent) - set(received))
    if missing:
        raise SystemExit(f"{engine}: error lines never arrived: {missing}")
    return [received[seq] - sent[seq] for seq in sent]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10, help="how long the writer writes (10)")
    parser.add_argument("--rate", type=float, default=20, help="lines a second (20)")
    args = parser.parse_args()
    rows = []
    for engine in ("hyperscan", "re"):
        latencies = sorted(measure(engine, args.seconds, args.rate))
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        worst = latencies[-1]
        rows.append((engine, len(latencies), f"{statistics.median(latencies) * 1000:.1f} ms",
                     f"{p95 * 1000:.1f} ms", f"{worst * 1000:.1f} ms", verdict(worst / 0.050, 1.0)))
    print(table(("engine", "error lines", "median", "95th percentile", "maximum", "every line within 50 ms"), rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
