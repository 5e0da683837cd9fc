"""grep over files and standard input: read in blocks, scan, explain, and count, file after file."""

from __future__ import annotations

import io
import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import IO

from .explanation import Explanation, code_names, explain_finding, extractor_for
from .registry import Registry
from .scan import BLOCK_SIZE, Hit, LineScanner, default_engine

STDIN = "-"

OnHit = Callable[[Hit, list[Explanation], str], None]
OnError = Callable[[str, str], None]


class Grep:
    """One grep run across several inputs: what matched, how often each code, which inputs failed."""

    def __init__(
        self,
        registry: Registry,
        on_hit: OnHit | None,
        on_error: OnError,
        flush: Callable[[], None],
        *,
        count_lines: bool = True,
    ) -> None:
        self.registry = registry
        self.count_lines = count_lines
        self.extractor = extractor_for(registry)
        self.engine = default_engine(code_names(registry))
        self._on_hit = on_hit  # None: only count
        self._on_error = on_error
        self._flush = flush
        self.codes: Counter[str] = Counter()
        self.examples: dict[str, Explanation] = {}  # the first explanation of each code, for summaries
        self.lines_per_input: list[tuple[str, int]] = []
        self.failed = False

    @property
    def matched(self) -> bool:
        return any(n for _, n in self.lines_per_input)

    def search(self, path: str) -> None:
        """Search one input ("-" is standard input); a problem with it is reported, not raised."""
        name = "(standard input)" if path == STDIN else path
        try:
            stream: IO[bytes] = sys.stdin.buffer if path == STDIN else open(path, "rb", buffering=0)  # noqa: SIM115
        except OSError as exc:
            self._fail(path, exc)
            return
        if path == STDIN:
            _widen_pipe(stream)
        # read1 returns what a pipe holds now instead of waiting for a full block: live streams.
        read = getattr(stream, "read1", stream.read)
        scanner = LineScanner(self.extractor, self.engine, count_lines=self.count_lines)
        lines = 0
        try:
            while True:
                try:
                    chunk: bytes = read(BLOCK_SIZE)
                except OSError as exc:
                    self._fail(path, exc)
                    chunk = b""
                hits = scanner.feed(chunk) if chunk else scanner.finish()
                lines += len(hits)
                for hit in hits:
                    self._take(hit, name)
                if hits and self._on_hit is not None:
                    self._flush()  # a live stream is shown as soon as its lines are read
                if not chunk:
                    break
        finally:
            if path != STDIN:
                stream.close()
        self.lines_per_input.append((name, lines))

    def _take(self, hit: Hit, name: str) -> None:
        items = [explain_finding(f, self.registry) for f in hit.findings]
        if self._on_hit is not None:
            self._on_hit(hit, items, name)
            return
        for item in items:
            self.codes[item.finding.code] += 1
            self.examples.setdefault(item.finding.code, item)

    def _fail(self, path: str, exc: OSError) -> None:
        self._on_error(path, exc.strerror or str(exc))
        self.failed = True


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let a pipe hold a whole block, so that `cat FILE |` is not stopped every 64 KiB (Linux only)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import fcntl
        import stat

        fd = stream.fileno()
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), BLOCK_SIZE)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass  # a smaller pipe is only slower
