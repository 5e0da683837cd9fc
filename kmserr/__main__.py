"""`python -m kmserr` and the `kmserr` command: Ctrl-C is handled before anything heavy is imported."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Sequence


def _interrupted_early(signum: int, frame: object) -> None:
    """Ctrl-C while the command is still being imported: nothing is written yet, nothing to undo."""
    os._exit(130)


def main(argv: Sequence[str] | None = None) -> None:
    """Run kmserr; a Ctrl-C at any moment ends it with 130 and no output, as a shell expects."""
    with contextlib.suppress(ValueError, OSError):  # not the main thread, or a platform without it
        signal.signal(signal.SIGINT, _interrupted_early)
    from kmserr.cli import main as run

    run(argv)


if __name__ == "__main__":
    main()
