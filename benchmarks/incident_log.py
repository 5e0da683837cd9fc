#!/usr/bin/env python3
"""Write a deterministic log of an incident: a chosen share of the lines carry a Tencent Cloud error.

    python benchmarks/incident_log.py --size-mb 32 --density 0.5 -o /tmp/incident.log --stats
    python benchmarks/incident_log.py --size-mb 32 --density 1 --shape throttling -o /tmp/storm.log

When a service fails, its log is full of errors: --density is the share of error lines (0.001 to
1). They come in the forms an incident has: the Python SDK's text
(`[TencentCloudSDKException] code:X message:Y requestId:Z`), API 3.0 bodies, JSON-lines records
whose `error` field holds the SDK's text or a legacy message, and legacy codes (`(10630) key is
not existed`, legacy JSON bodies). --shape says which codes: `mixed` (the codes of
benchmarks/loggen.py, evenly), or a storm where one code dominates (nine error lines in ten):
`throttling` (RequestLimitExceeded, legacy 10250) or `disabled` (ResourceUnavailable.CmkDisabled,
legacy 10650). The other lines are loggen's ordinary lines and a few of its look-alikes.
--envelope puts each line in a platform's envelope, as a platform stores the log (`docker`:
dockerd's json-file record; `cri`: Kubernetes' `TIME stderr F line`; `journald`: `journalctl -o
json`; `rfc5424`, `rfc3164`: syslog): the same lines, --size-mb counting them unwrapped.

No two lines are alike, as in a real log: each has its own time and request ID, and each error
its own message fill, key ID and request ID. The same arguments always give the same bytes;
--stats prints exact counts (error lines by kind and by the code kmserr reports) as JSON on
standard error. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import loggen

DENSITIES = (0.001, 0.01, 0.1, 0.5, 1.0)
# The storm's code in each generation, with its message; nine error lines in ten carry it.
STORMS: dict[str, tuple[tuple[str, str], tuple[int, str]] | None] = {
    "mixed": None,
    "throttling": (("RequestLimitExceeded", "Request frequency exceeded the limit: {n} calls per second."),
                   (10250, "qps throttling")),
    "disabled": (("ResourceUnavailable.CmkDisabled", "The CMK {key} has been disabled."), (10650, "key {key} is disabled")),
}
STORM_SHARE = 0.9
# The forms of an incident's error lines, with their weights (out of 10).
KINDS = (("python_sdk", 3), ("api3_json", 2), ("jsonl", 3), ("legacy_text", 1), ("legacy_json", 1))
DECOY_RATE = 0.01  # loggen's look-alikes, at most what the errors leave


class Picker:
    """Chooses each error's code for a shape, and remembers the last one (the stats count lines by code)."""

    def __init__(self, shape: str) -> None:
        self.storm = STORMS[shape]
        self.last = ""

    def api3(self, rng: random.Random) -> tuple[str, str]:
        chosen = self.storm[0] if self.storm and rng.random() < STORM_SHARE else rng.choice(loggen.API3)
        self.last = chosen[0]
        return chosen

    def legacy(self, rng: random.Random) -> tuple[int, str]:
        chosen = self.storm[1] if self.storm and rng.random() < STORM_SHARE else rng.choice(loggen.LEGACY)
        self.last = str(chosen[0])
        return chosen


def renderers(picker: Picker) -> dict[str, Callable[[random.Random, bytes, int], bytes]]:
    """Each kind's whole line, from the generator, the line's time and its request ID."""
    python_sdk = loggen._sdk(loggen.PYTHON_SDK, picker.api3)
    sdk_exception = loggen._sdk(loggen.SDK_EXCEPTION, picker.api3)

    def prefixed(body: Callable[[random.Random], str]) -> Callable[[random.Random, bytes, int], bytes]:
        return lambda rng, now, rid: b"%s ERROR [%016x] %s" % (now, rid, body(rng).encode())

    def legacy_text(rng: random.Random) -> str:
        code, message, op = loggen._legacy(rng, picker.legacy)
        if rng.random() < 0.5:
            return f'kms-client: {op} failed keyId={loggen._uuid(rng)} "message": "({code}) {message}"'
        return f"kms-client: request rejected: ({code}){message} action={op}"

    def jsonl(rng: random.Random, now: bytes, rid: int) -> bytes:
        """A JSON-lines record, the whole line; its `error` field holds the SDK's text or a legacy message."""
        if rng.random() < 0.8:
            error = sdk_exception(rng)
        else:
            code, message, _ = loggen._legacy(rng, picker.legacy)
            error = f"({code}) {message}"
        record = {"time": now.decode(), "level": "error", "logger": rng.choice(loggen.SERVICES),
                  "request_id": f"{rid:016x}", "msg": f"{rng.choice(loggen.OPS)} failed", "error": error,
                  "region": rng.choice(loggen.REGIONS)}
        # Python's json escapes non-ASCII text by default; Go's loggers write it as it is.
        return json.dumps(record, ensure_ascii=rng.random() < 0.5, separators=(",", ":")).encode()

    return {
        "python_sdk": prefixed(python_sdk),
        "api3_json": prefixed(lambda rng: loggen._api3_json(rng, picker.api3)),
        "jsonl": jsonl,
        "legacy_text": prefixed(legacy_text),
        "legacy_json": prefixed(lambda rng: loggen._legacy_json(rng, picker.legacy)),
    }


ENVELOPES = ("none", "docker", "cri", "journald", "rfc5424", "rfc3164")


def wrap(envelope: str, line: bytes, now: bytes, number: int) -> bytes:
    """The line as `envelope` stores it (`now`: its time, `2024-05-14T08:00:00.004Z`; `number`: its
    place in the log, for journald's cursor and the nanoseconds)."""
    if envelope == "none":
        return line
    nanos = b"%s%06dZ" % (now[:-1], number % 1000000)
    text = line.decode("utf-8", "surrogateescape")
    if envelope == "docker":
        log = json.dumps(text + "\n", separators=(",", ":"), ensure_ascii=False)
        return b'{"log":%s,"stream":"stderr","time":"%s"}' % (log.encode("utf-8", "surrogateescape"), nanos)
    if envelope == "cri":
        return b"%s stderr F %s" % (nanos, line)
    if envelope == "journald":
        micros = 1715673600000000 + number * 1000
        message = json.dumps(text, ensure_ascii=False).encode("utf-8", "surrogateescape")
        return (b'{"__CURSOR":"s=6f1c0e9b;i=%x","__REALTIME_TIMESTAMP":"%d","PRIORITY":"3",'
                b'"_HOSTNAME":"node-1","SYSLOG_IDENTIFIER":"kms-app","_PID":"4242","MESSAGE":%s}' % (number, micros, message))
    if envelope == "rfc5424":
        return b'<11>1 %s node-1 kms-app 4242 - [meta@32473 stream="stderr"] %s' % (now, line)
    if envelope == "rfc3164":
        return b"<11>May 14 %s node-1 kms-app[4242]: %s" % (now[11:19], line)
    raise ValueError(f"unknown envelope {envelope!r}")


def lines(size: int, density: float, seed: int, shape: str = "mixed",
          codes: Counter[str] | None = None, envelope: str = "none") -> Iterator[tuple[str, bytes]]:
    """Yield (kind, line without its newline) until about `size` bytes (unwrapped); `codes` counts
    error lines by code; each line in `envelope` (`wrap`)."""
    rng = random.Random(seed)
    # loggen's pool of ordinary bodies; a small log needs fewer (a line is over 100 bytes)
    ordinary = [loggen._ordinary(rng).encode() for _ in range(min(loggen.POOL, size // 100 + 1))]
    picker = Picker(shape)
    render = renderers(picker)
    table = [kind for kind, weight in KINDS for _ in range(weight)]
    decoys = list(loggen.DECOY_KINDS.items())
    levels = (b"INFO ", b"INFO ", b"INFO ", b"DEBUG", b"WARN ")
    t_error = int(density * 2**32)
    t_decoy = t_error + int(min(DECOY_RATE, 1.0 - density) * 2**32)
    tick = loggen.Clock().tick
    getrandbits = rng.getrandbits
    written = 0
    number = 0
    while written < size:
        x = getrandbits(64)
        now = tick(x & 7)
        category = x >> 32
        rid = getrandbits(64)  # each line's own request ID
        if category < t_error:
            kind = table[(x >> 3 & 0xFFFF) % len(table)]
            line = render[kind](rng, now, rid)
            if codes is not None:
                codes[picker.last] += 1
        elif category < t_decoy:
            kind, decoy = decoys[(x >> 3 & 0xFFFF) % len(decoys)]
            line = b"%s INFO  [%016x] %s" % (now, rid, decoy(rng).encode())
        else:
            kind = "ordinary"
            line = b"%s %s [%016x] %s" % (now, levels[x >> 19 & 3], rid, ordinary[(x >> 3 & 0x7FFF) % len(ordinary)])
        written += len(line) + 1
        yield kind, wrap(envelope, line, now, number) if envelope != "none" else line
        number += 1


def write(out: BinaryIO, size: int, density: float, seed: int = 1, shape: str = "mixed",
          progress: Callable[[int], None] | None = None, envelope: str = "none") -> dict[str, object]:
    """Write the log; return exact counts: error lines in all, by kind and by code, look-alikes, lines."""
    codes: Counter[str] = Counter()
    counts, written = loggen.write_lines(out, lines(size, density, seed, shape, codes, envelope), progress)
    errors = sum(counts[kind] for kind, _ in KINDS)
    return {
        "bytes": written,
        "lines": sum(counts.values()),
        "density": density,
        "shape": shape,
        "matching_lines": errors,
        "by_kind": {kind: counts[kind] for kind, _ in KINDS},
        "by_code": dict(codes.most_common()),
        "decoy_lines": sum(counts[kind] for kind in loggen.DECOY_KINDS),
    }


def _density(text: str) -> float:
    value = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1 (or 0% and 100%)")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, required=True, help="about this many MiB")
    parser.add_argument("--density", type=_density, default=0.5, help="share of error lines: 0.5 or 50%% (0.5)")
    parser.add_argument("--shape", choices=sorted(STORMS), default="mixed", help="which codes (mixed)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--envelope", choices=ENVELOPES, default="none",
                        help="each line in a platform's envelope (none: the app's lines as written)")
    parser.add_argument("-o", "--output", help="output file (default: standard output)")
    parser.add_argument("--stats", action="store_true", help="print exact counts as JSON on standard error")
    args = parser.parse_args(argv)
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        stats = write(out, int(args.size_mb * loggen.MIB), args.density, args.seed, args.shape,
                      envelope=args.envelope)
        out.flush()
    except BrokenPipeError:
        return 0
    finally:
        if args.output:
            out.close()
    if args.stats:
        print(json.dumps(stats, indent=2), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
