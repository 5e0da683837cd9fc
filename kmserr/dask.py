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

from .blocks import Block, Summary, Timeline, hits_above, json_records, scan_range, scan_whole
from .envelopes import AUTO, check

if TYPE_CHECKING:
    import dask.bag

    from .registry import Registry
    from .scan import Hit

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
    for _, name, pieces in _pieces(urlpath, blocksize, storage_options):
        before: Any = 0
        for piece in pieces:
            # Scanned and turned into records in one task (hits never travel), numbered from the
            # piece's first line; then moved on by the lines before it, a chain of small tasks.
            scanned = delayed(_records_of, pure=True)(piece, name, shared, lang, envelope)
            parts.append(delayed(_renumbered, pure=True)(scanned, before))
            before = delayed(_lines_after, pure=True)(before, scanned)
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
    parts = [delayed(_summary_of, pure=True)(piece, (index, piece[2]), shared, now, envelope)
             for index, _, pieces in _pieces(urlpath, blocksize, storage_options) for piece in pieces]
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
    empty = Timeline(bucket, now=now, envelope=envelope)  # a bucket size that is not one fails here, not in a task
    shared = _shared(registry)
    parts = [delayed(_timeline_of, pure=True)(piece, shared, bucket, now, envelope)
             for _, _, pieces in _pieces(urlpath, blocksize, storage_options) for piece in pieces]
    return _compute(parts, lambda: empty).records()


def _module(name: str) -> Any:
    """A module of dask or fsspec, imported when first used (dask's own types are partial)."""
    import importlib

    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.partition(".")[0] not in ("dask", "fsspec"):
            raise
        raise ModuleNotFoundError(f"kmserr.dask needs {exc.name.partition('.')[0]}: pip install 'kmserr[dask]'",
                                  name=exc.name) from None


def _shared(registry: Registry | None) -> Any:
    """The registry as one key of the graph, sent once to each worker, not with every task
    (None: each worker loads kmserr's own catalogue)."""
    if registry is None:
        return None
    delayed = _module("dask").delayed
    return delayed(registry, name=f"kmserr-registry-{uuid.uuid4().hex}")


Piece = tuple[Any, str, int, "int | None"]  # filesystem, path, start, end (None: the whole file, decompressed)


def _pieces(
    urlpath: str | Sequence[str], blocksize: int | str, storage_options: dict[str, Any] | None,
) -> Iterator[tuple[int, str, list[Piece]]]:
    """Each file's index, name (as grep would print it) and pieces: its ranges, or itself whole."""
    size = _module("dask.utils").parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
    if size < 1:
        raise ValueError(f"blocksize {blocksize!r}: must be at least one byte")
    for index, (fs, path, name) in enumerate(_files(urlpath, storage_options)):
        if path.lower().endswith(_COMPRESSED):
            yield index, name, [(fs, path, 0, None)]
            continue
        length = fs.size(path) or 0
        yield index, name, [(fs, path, start, start + size) for start in range(0, max(length, 1), size)]


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


def _scan(piece: Piece, registry: Registry | None, envelope: str) -> Block:
    """A piece's hits: a range with the bytes above it, or a compressed file read to its end."""
    fs, path, start, end = piece
    with fs.open(path, "rb") as file:
        if end is not None:
            return scan_range(file, start, end, registry=registry, envelope=envelope)
        with _decompressed(path, file) as stream:
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


class _Records(list):  # type: ignore[type-arg]  # of dicts
    """A piece's records in a list of another type, which `distributed` pickles whole: a plain
    list it serializes item by item, nested dicts too (gathering 5,519 records took 1.3 s, so 0.13 s)."""

    lines = 0  # the piece's lines


def _records_of(piece: Piece, name: str, registry: Registry | None, lang: str | None, envelope: str) -> _Records:
    block = _scan(piece, registry, envelope)
    records = _Records(json_records(block.hits, name, registry=registry, lang=lang))
    records.lines = block.lines
    return records


def _renumbered(records: _Records, before: int) -> _Records:
    """The records as numbered after `before` lines (new dicts: a task's input is not changed)."""
    if not before:
        return records
    return _Records({**record, "line_number": record["line_number"] + before} for record in records)


def _lines_after(before: int, records: _Records) -> int:
    return before + records.lines


def _summary_of(piece: Piece, order: tuple[int, int], registry: Registry | None, now: datetime,
                envelope: str) -> Summary:
    return Summary.of(_scan(piece, registry, envelope).hits, order, registry=registry, now=now, envelope=envelope,
                      above=_above(piece, registry, envelope))


def _timeline_of(piece: Piece, registry: Registry | None, bucket: int | str | None, now: datetime,
                 envelope: str) -> Timeline:
    return Timeline.of(_scan(piece, registry, envelope).hits, bucket, now=now, envelope=envelope,
                       above=_above(piece, registry, envelope))


def _above(piece: Piece, registry: Registry | None, envelope: str) -> list[Hit]:
    """The error lines just above a range (`blocks.hits_above`): a traceback's repeat at its start counts once."""
    fs, path, start, end = piece
    if end is None or start == 0:
        return []
    with fs.open(path, "rb") as file:
        return hits_above(file, start, registry=registry, envelope=envelope)


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
