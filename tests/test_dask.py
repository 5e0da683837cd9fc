"""kmserr.dask gives what the command prints, at any block size, on Dask's synchronous scheduler (no cluster)."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import dask
import pytest

import kmserr.dask as kd
from benchmarks.loggen import write
from kmserr.teams import load_registry

from .conftest import Runner
from .test_blocks import node_error
from .test_team_catalogues import TEAM

BLOCK_SIZES = [4 << 10, 64 << 10, 1 << 20]


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


def generated(seed: int) -> bytes:
    data = io.BytesIO()
    write(data, size=1 << 20, match_rate=0.05, decoy_rate=0.05, invalid_rate=0.01, seed=seed)
    return data.getvalue()


def node_at_every_offset() -> bytes:
    """Node errors (the code line's message is in the lines above it), each 4 KiB and a byte after
    the last: 4 KiB cuts fall on every byte of one of them."""
    out = []
    for n in range(len(node_error(0)) + 4):
        error = node_error(n)
        out.append(b"x" * (4096 + 1 - len(error) - 1) + b"\n" + error)
    return b"".join(out)


def crlf_without_final_newline() -> bytes:
    lines = [b"2024-05-14 08:%02d:00 ERROR (10630) key is not existed" % (n % 60) if n % 7 == 0
             else b"2024-05-14 08:%02d:30 INFO ok %d" % (n % 60, n) for n in range(3000)]
    return b"\r\n".join(lines) + b"\r\n" + node_error(1).replace(b"\n", b"\r\n") + b"tail (10650) key is disabled"


FILES = {"generated-1": lambda: generated(1), "generated-2": lambda: generated(2),
         "node": node_at_every_offset, "crlf": crlf_without_final_newline}


def grep_json(run: Runner, *paths: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in run("grep", "--json", *paths).stdout.splitlines()]


def grep_summary(run: Runner, *paths: str) -> list[dict[str, object]]:
    result: list[dict[str, object]] = json.loads(run("grep", "--summary", "--format", "json", *paths).stdout)
    return result


def grep_timeline(run: Runner, *paths: str, bucket: tuple[str, ...] = ("--bucket", "1m")) -> list[dict[str, object]]:
    printed = run("grep", "--timeline", *bucket, "--format", "json", *paths).stdout
    return [json.loads(line) for line in printed.splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("name", FILES)
def test_the_command_s_results_at_every_block_size(run: Runner, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.log"
    path.write_bytes(FILES[name]())
    records, summary, timeline = grep_json(run, str(path)), grep_summary(run, str(path)), grep_timeline(run, str(path))
    assert records
    for size in BLOCK_SIZES:
        assert kd.read_errors(str(path), blocksize=size).compute() == records, size
        assert kd.summary(str(path), blocksize=size) == summary, size
        assert kd.timeline(str(path), blocksize=size) == timeline, size


def test_node_errors_cut_at_every_offset_keep_their_message(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "node.log"
    path.write_bytes(node_at_every_offset())
    records = kd.read_errors(str(path), blocksize="4KiB").compute()
    assert records == grep_json(run, str(path))
    assert [r["matches"][0]["message"] for r in records] == [  # type: ignore[index]
        f"The CMK {n} is disabled." for n in range(len(node_error(0)) + 4)]


def test_crlf_without_a_final_newline(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "crlf.log"
    path.write_bytes(crlf_without_final_newline())
    assert kd.read_errors(str(path), blocksize=4096).compute() == grep_json(run, str(path))
    assert kd.summary(str(path), blocksize=4096) == grep_summary(run, str(path))
    assert kd.timeline(str(path), blocksize=4096, bucket=None) == grep_timeline(run, str(path), bucket=())


def test_lists_globs_and_compressed_files(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "logs").mkdir()
    crlf = crlf_without_final_newline()
    Path("logs/b.log").write_bytes(crlf)
    Path("logs/a.log.gz").write_bytes(gzip.compress(node_at_every_offset()[:20000]))
    Path("logs/c.log").write_bytes(b"")
    names = ["logs/a.log.gz", "logs/b.log", "logs/c.log"]
    assert kd.read_errors("logs/*", blocksize=4096).compute() == grep_json(run, *names)
    assert kd.read_errors(names[::-1], blocksize=4096).compute() == grep_json(run, *names[::-1])
    assert kd.summary("logs/*", blocksize=4096) == grep_summary(run, *names)
    assert kd.timeline(f"file://{tmp_path}/logs/*.log*", blocksize=4096) == grep_timeline(run, *names)
    with pytest.raises(FileNotFoundError, match="nothing"):
        kd.summary("logs/nothing*")


def test_a_team_catalogue(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    team = tmp_path / "team.toml"
    team.write_text(TEAM, encoding="utf-8")
    path = tmp_path / "app.log"
    path.write_bytes(b"2024-05-14 08:00:00 ERROR PaymentFailure.CardDeclined: no\n" * 300 + crlf_without_final_newline())
    monkeypatch.setenv("KMSERR_CATALOG", str(team))
    registry = load_registry([team])
    assert kd.read_errors(str(path), blocksize=4096, registry=registry).compute() == grep_json(run, str(path))
    assert kd.summary(str(path), blocksize=4096, registry=registry) == grep_summary(run, str(path))


def test_the_threaded_scheduler_gives_the_same(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(node_at_every_offset() + crlf_without_final_newline())
    with dask.config.set(scheduler="threads", num_workers=2):
        assert kd.read_errors(str(path), blocksize=4096).compute() == grep_json(run, str(path))
        assert kd.summary(str(path), blocksize=4096) == grep_summary(run, str(path))


def test_an_empty_input_has_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    assert kd.read_errors(str(path)).compute() == []
    assert kd.summary(str(path)) == []
    assert kd.timeline(str(path)) == []


def test_a_block_size_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="blocksize"):
        kd.summary(str(tmp_path), blocksize=0)


def test_a_bucket_size_is_checked_before_any_task(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bucket size"):
        kd.timeline(str(tmp_path / "not-there.log"), bucket="5 minutes")


def test_without_dask_it_says_which_extra_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "dask", None)  # as if dask were not installed
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'kmserr\[dask\]'"):
        kd.summary(str(tmp_path))
