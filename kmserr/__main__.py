"""`python -m kmserr` and the `kmserr` command: Ctrl-C is handled before anything heavy is imported."""

# No `from __future__ import annotations`: it imports the __future__ module, from disk, before the
# handler is set (a Ctrl-C then is a traceback); the one annotation that needs it is a string.
import os

try:  # the C module that Python's start-up has loaded already: `signal` would import enum first
    import _signal as signal  # type: ignore[import-not-found]  # (typeshed has no stub for it)
except ImportError:  # an interpreter without it
    import signal

TYPE_CHECKING = False  # typing is not imported before Ctrl-C is handled (mypy knows this name)
if TYPE_CHECKING:
    from collections.abc import Sequence


def _interrupted_early(signum: int, frame: object) -> None:
    """Ctrl-C while the command is still being imported: nothing is written yet, nothing to undo."""
    os._exit(130)


def main(argv: "Sequence[str] | None" = None) -> None:
    """Run kmserr; a Ctrl-C at any moment ends it with 130 and no output, as a shell expects."""
    try:  # noqa: SIM105 (contextlib would be one more import before Ctrl-C is handled)
        signal.signal(signal.SIGINT, _interrupted_early)
    except (ValueError, OSError):  # not the main thread, or a platform without it
        pass
    import gc

    # Importing Click and kmserr makes some 13,000 objects that live as long as the process: the
    # collector's passes over them, while they are made and after, find nothing to free (3 ms).
    # Frozen, they are left out of every collection; what the command makes is collected as usual.
    gc.disable()
    try:
        from kmserr.cli import main as run
    finally:
        gc.freeze()
        gc.enable()
    try:
        run(argv)
    finally:
        # At exit Python collects once more over every object, Click's modules, the catalogue,
        # Rich's: frozen, they are left to the end of the process (5 ms of every command). The
        # output is flushed and the modules are torn down as before; only that search is skipped.
        gc.freeze()


if __name__ == "__main__":
    main()
