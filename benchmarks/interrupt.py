#!/usr/bin/env python3
"""Ctrl-C at a random moment of a command's life: how often standard error shows a traceback, and whose.

    python benchmarks/interrupt.py --runs 200 --max-ms 60 "kmserr lookup 10630"
    python benchmarks/interrupt.py --runs 200 "/old/venv/bin/kmserr lookup 10630" "kmserr lookup 10630"

Each command runs --runs times and gets SIGINT at a random 0 to --max-ms milliseconds after it was
started (the same delays for every command, interleaved, so that a busy machine hits all alike).
A run that printed anything on standard error is counted by where its traceback was raised:
the interpreter's start-up (`Fatal Python error`, status 1), the `import re` of the script pip
writes, kmserr's own code, or elsewhere in Python. A process killed before Python set its SIGINT
handler shows status -2 and prints nothing; kmserr's handler ends with 130, quietly.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import random
import shlex
import signal
import subprocess
import time


def place(errors: str) -> str:
    """Where the traceback on standard error was raised."""
    if "Fatal Python error" in errors:
        return "interpreter start-up"
    if "    import re\n" in errors:
        return "launcher's import re"
    if "kmserr/" in errors or "kmserr\\" in errors:
        return "kmserr"
    return "python"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("commands", nargs="+", help="each a command line, quoted")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--max-ms", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    commands = [shlex.split(c) for c in args.commands]
    rng = random.Random(args.seed)
    places = [collections.Counter[str]() for _ in commands]
    statuses = [collections.Counter[int]() for _ in commands]
    for _ in range(args.runs):
        delay = rng.uniform(0, args.max_ms / 1000)
        for index, command in enumerate(commands):
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(delay)
            with contextlib.suppress(ProcessLookupError):  # already ended
                proc.send_signal(signal.SIGINT)
            _, errors = proc.communicate()
            statuses[index][proc.returncode] += 1
            if errors:
                places[index][place(errors.decode(errors="replace"))] += 1
    for command, found, ended in zip(args.commands, places, statuses, strict=True):
        print(f"{command}: {args.runs} runs, SIGINT at 0-{args.max_ms:g} ms: {sum(found.values())} with a traceback "
              f"{dict(found.most_common())}; statuses {dict(sorted(ended.items()))}")


if __name__ == "__main__":
    main()
