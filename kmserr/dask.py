"""kmserr on Dask: `grep --json`, `--summary` and `--timeline` of logs too large for one machine.

Each file is cut into byte ranges of `blocksize` (a compressed file is one task: it cannot be cut),
each range scanned by `kmserr.blocks.scan_range` with the bytes above it, so a Node SDK error that
straddles a cut keeps its message; line numbers are added up across ranges, summaries and
timelines merged, so the results are the command's for any block size and any scheduler.
`urlpath` is a path, a glob or a list of them, any fsspec URL (`s3://bucket/logs/*.log`, with
`storage_options` for its filesystem). Needs `pip install 'kmserr[dask]'`; dask is imported when
a function is called, not with this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any, Final, TypeVar, cast

from .blocks import Block, Summary, Timeline, json_records, renumber, scan_range, scan_whole
from .envelopes import AUTO, check

if TYPE_CHECKING:
    import dask.bag

    from .registry import Registry

_COMPRESSED: Final = (".gz", ".bz2", ".xz", ".lzma")  # as the command reads them (search.open_input)
_GLOB: Final = frozenset("*?[")
T = TypeVar("T", Summary, Timeline)


def read_errors(
    urlpath: str | Sequence[str], *, blocksize: int | str = "64MiB", registry: Registry | None = None,
    lang: str | None = None, envelope: str = AUTO, storage_options: dict[str, Any] | None = None,
) -> dask.bag.Bag:
    """A bag of the dicts `grep --json` prints, file by file in line order (`lang`: "en" or "zh")."""
    delayed = _module("dask").delayed
    envelope = check(envelope)
    shared = _shared(registry)
    parts = []
    for _, name, blocks in _blocks(urlpath, blocksize, shared, envelope, storage_options):
        before: Any = 0
        for _, block in blocks:
            parts.append(delayed(_records, pure=True)(block, before, name, shared, lang))
            before = delayed(_lines_after, pure=True)(before, block)
    bag = _module("dask.bag")
    return cast("dask.bag.Bag", bag.from_delayed(parts) if parts else bag.from_sequence([], npartitions=1))


def summary(
    urlpath: str | Sequence[str], *, blocksize: int | str = "64MiB", registry: Registry | None = None,
    lang: str | None = None, envelope: str = AUTO, storage_options: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The list `grep --summary --format json` prints, computed by the scheduler in use."""
    delayed = _module("dask").delayed
    envelope = check(envelope)
    now = datetime.now(timezone.utc)  # one moment for every part: a syslog time's year is read against it
    shared = _shared(registry)
    parts = [delayed(_summary_of, pure=True)(block, (index, start), shared, now, envelope)
             for index, _, blocks in _blocks(urlpath, blocksize, shared, envelope, storage_options)
             for start, block in blocks]
    whole = _compute(parts, lambda: Summary(registry, now=now, envelope=envelope))
    return whole.records(lang)


def timeline(
    urlpath: str | Sequence[str], *, bucket: int | str | None = "1m", blocksize: int | str = "64MiB",
    registry: Registry | None = None, envelope: str = AUTO, storage_options: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The rows `grep --timeline --format json` prints (`bucket=None`: the size chosen from the span)."""
    delayed = _module("dask").delayed
    envelope = check(envelope)
    now = datetime.now(timezone.utc)
    shared = _shared(registry)
    parts = [delayed(_timeline_of, pure=True)(block, bucket, now, envelope)
             for _, _, blocks in _blocks(urlpath, blocksize, shared, envelope, storage_options)
             for _, block in blocks]
    whole = _compute(parts, lambda: Timeline(bucket, now=now, envelope=envelope))
    return whole.records()


def _module(name: str) -> Any:
    """A module of dask or fsspec, imported when first used (dask's own types are partial)."""
    import importlib

    return importlib.import_module(name)


def _shared(registry: Registry | None) -> Any:
    """The registry as one key of the graph, sent once to each worker, not with every task
    (None: each worker loads kmserr's own catalogue)."""
    if registry is None:
        return None
    delayed = _module("dask").delayed
    return delayed(registry, name=f"kmserr-registry-{uuid.uuid4().hex}")


def _blocks(
    urlpath: str | Sequence[str], blocksize: int | str, registry: Any, envelope: str,
    storage_options: dict[str, Any] | None,
) -> Iterator[tuple[int, str, list[tuple[int, Any]]]]:
    """Each file's index, name (as grep would print it) and delayed blocks, each with its offset."""
    delayed = _module("dask").delayed
    size = _module("dask.utils").parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
    if size < 1:
        raise ValueError(f"blocksize {blocksize!r}: must be at least one byte")
    for index, (fs, path, name) in enumerate(_files(urlpath, storage_options)):
        if path.lower().endswith(_COMPRESSED):
            yield index, name, [(0, delayed(_scan_compressed, pure=True)(fs, path, registry, envelope))]
            continue
        length = fs.size(path) or 0
        yield index, name, [(start, delayed(_scan_part, pure=True)(fs, path, start, start + size, registry, envelope))
                            for start in range(0, max(length, 1), size)]


def _files(urlpath: str | Sequence[str], storage_options: dict[str, Any] | None) -> Iterator[tuple[Any, str, str]]:
    """The files named, in the order given, a glob's in sorted order: (filesystem, path, name). A name
    is the path as given, a glob's match relative as the pattern was; a remote one as a URL."""
    import os

    get_fs_token_paths = _module("fsspec.core").get_fs_token_paths
    local = _module("fsspec.implementations.local").LocalFileSystem
    for item in [urlpath] if isinstance(urlpath, str) else list(urlpath):
        fs, _, paths = get_fs_token_paths(item, mode="rb", storage_options=storage_options)
        if not paths:
            raise FileNotFoundError(f"{item}: no such file")
        globbed = any(c in _GLOB for c in item)
        for path in sorted(paths) if globbed else paths:
            if isinstance(fs, local):
                name = item if not globbed else path if os.path.isabs(item) else os.path.relpath(path)
            else:
                name = fs.unstrip_protocol(path)
            yield fs, path, name


def _scan_part(fs: Any, path: str, start: int, end: int, registry: Registry | None, envelope: str) -> Block:
    with fs.open(path, "rb") as file:
        return scan_range(file, start, end, registry=registry, envelope=envelope)


def _scan_compressed(fs: Any, path: str, registry: Registry | None, envelope: str) -> Block:
    with fs.open(path, "rb") as raw, _decompressed(path, raw) as stream:
        return scan_whole(stream, registry=registry, envelope=envelope)


def _decompressed(path: str, raw: IO[bytes]) -> IO[bytes]:
    """The file read through its decompressor, chosen by its suffix as the command chooses it."""
    lowered = path.lower()
    if lowered.endswith(".gz"):
        import gzip

        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    if lowered.endswith(".bz2"):
        import bz2

        return cast(IO[bytes], bz2.BZ2File(raw, "rb"))
    import lzma

    return cast(IO[bytes], lzma.LZMAFile(raw, "rb"))


def _records(block: Block, before: int, name: str, registry: Registry | None, lang: str | None) -> list[dict[str, Any]]:
    return json_records(renumber(block, before).hits, name, registry=registry, lang=lang)


def _lines_after(before: int, block: Block) -> int:
    return before + block.lines


def _summary_of(block: Block, order: tuple[int, int], registry: Registry | None, now: datetime,
                envelope: str) -> Summary:
    return Summary.of(block.hits, order, registry=registry, now=now, envelope=envelope)


def _timeline_of(block: Block, bucket: int | str | None, now: datetime, envelope: str) -> Timeline:
    return Timeline.of(block.hits, bucket, now=now, envelope=envelope)


def _merge(first: T, second: T) -> T:
    """Two parts in one (the first, which no other task reads)."""
    first.merge(second)
    return first


def _compute(parts: list[Any], empty: Callable[[], T]) -> T:
    """The parts merged pairwise, a tree as deep as log2 of their number, then computed."""
    dask = _module("dask")
    delayed = dask.delayed
    if not parts:
        return empty()
    while len(parts) > 1:
        paired = [delayed(_merge, pure=True)(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        if len(parts) % 2:
            paired.append(parts[-1])
        parts = paired
    (whole,) = dask.compute(parts[0])
    return cast(T, whole)
