"""grep --summary holds what it prints of each code, and a bounded number of distinct codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kmserr import search
from kmserr.registry import default_registry
from kmserr.search import Search

from .conftest import Runner

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores


def api3_line(code: str, message: str = "details", stamp: str = "2024-05-14T08:00:00Z") -> bytes:
    return (f'{stamp} {{"Response":{{"Error":{{"Code":"{code}","Message":"{message}"}},'
            f'"RequestId":"a1b2c3d4-0000-1111-2222-333344445555"}}}}\n').encode()


def test_the_summary_keeps_no_message_or_request_id(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(api3_line("InvalidParameter.Made", "m" * 3000) + api3_line("KmsKeyNotExist", "k" * 3000))
    run = Search(default_registry(), None, lambda path, problem: None)
    run.search(str(log))
    assert sorted(run.seen) == ["InvalidParameter.Made", "KmsKeyNotExist"]
    for seen in run.seen.values():
        assert (seen.example.message, seen.example.request_id, seen.example.finding.code_desc) == (None, None, None)


def test_codes_beyond_the_budget_are_counted_together_and_said_once(
    run: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SUMMARY_BYTES", 3 * (search._CODE_COST + 40))
    codes = [f"InvalidParameter.Made{i}" for i in range(10)]
    stamps = [f"2024-05-14T08:00:{i:02d}Z" for i in range(10)]
    data = b"".join(api3_line(c, stamp=s) for c, s in zip(codes, stamps, strict=True)) + api3_line(codes[0])
    result = run("grep", "--summary", "--format", "json", input=data)
    assert result.exit_code == 0  # every occurrence is counted: a note, not an error
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    assert {c: r["count"] for c, r in rows.items()} == {
        codes[0]: 2, codes[1]: 1, codes[2]: 1, search.OTHER_CODES: 7,
    }
    other = rows[search.OTHER_CODES]
    assert (other["first_seen"], other["last_seen"]) == (stamps[3], stamps[9])
    assert other["message"] == "codes first seen beyond what --summary holds, counted together"
    assert result.stderr == (
        f"kmserr: grep: -: more distinct codes than --summary holds ({3 * (search._CODE_COST + 40)} bytes of them): "
        f"those first seen from here on are counted as {search.OTHER_CODES}\n"
    )


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_the_budget_holds_across_processes_as_in_one(
    run: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, jobs: str
) -> None:
    """-j merges each part's codes into the budget in the order one process meets them: the same
    rows, counts and note as -j1 (the parts' codes used to be taken whole, jobs x the budget)."""
    monkeypatch.setattr(search, "SUMMARY_BYTES", 5 * (search._CODE_COST + 40))
    monkeypatch.setattr(search, "SPLIT_MIN", 0)
    monkeypatch.setattr(search, "PART_MIN", 1)
    lines = [api3_line(f"InvalidParameter.Made{i % 23}", stamp=f"2024-05-14T08:{i // 60:02d}:{i % 60:02d}Z")
             for i in range(600)]
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(lines))
    one = run("grep", "-j1", "--summary", "--format", "json", str(log))
    many = run("grep", "-j", jobs, "--summary", "--format", "json", str(log))
    assert (many.exit_code, many.stdout, many.stderr) == (one.exit_code, one.stdout, one.stderr)
    rows = {r["code"]: r["count"] for r in json.loads(one.stdout)}
    assert len(rows) == 6 and rows[search.OTHER_CODES] == 600 - sum(600 // 23 + (i < 600 % 23) for i in range(5))


def test_a_summary_from_standard_input_is_counted_in_one_process() -> None:
    """What was read from a pipe cannot be read again: --summary from standard input is counted in
    one process whatever -j says (its rows depend on the order codes are first met in); -c and
    printed lines are searched in batches."""
    import os

    read_end, write_end = os.pipe()
    try:
        with os.fdopen(read_end, "rb", buffering=0) as stream:
            def batches(sink: object, count_codes: bool) -> bool:
                run = Search(default_registry(), sink, lambda path, problem: None, jobs=2,  # type: ignore[arg-type]
                             count_codes=count_codes, printer=lambda out: sink, out=stream)  # type: ignore[arg-type,return-value]
                return run._batches(search.STDIN, stream)

            assert not batches(None, count_codes=True)  # --summary
            assert batches(None, count_codes=False)  # -c
    finally:
        os.close(write_end)


@pytest.mark.parametrize("distinct", [3, 40])
def test_the_parts_of_a_file_share_one_budget(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, forks: list[int],
                                             distinct: int) -> None:
    """One budget for the run: each of N parts holds at most 1/N of it (8 parts held 8 budgets, 727 MB
    for 850,000 distinct codes); a part that outgrows its share stops, and the file is counted again
    in one process, with the same rows as -j1."""
    import os

    budget = 12 * (search._CODE_COST + 40)
    monkeypatch.setattr(search, "SUMMARY_BYTES", budget)
    monkeypatch.setattr(search, "SPLIT_MIN", 0)
    monkeypatch.setattr(search, "PART_MIN", 1)
    held = tmp_path / "held"
    parent = os.getpid()
    real_slot = search.Search._slot

    def slot(self: search.Search, code: str) -> tuple[str, search.Seen | None]:
        if os.getpid() != parent:  # what a part's process holds, its largest
            with held.open("a") as f:
                f.write(f"{self._seen_bytes}\n")
        return real_slot(self, code)

    monkeypatch.setattr(search.Search, "_slot", slot)
    log = tmp_path / "app.log"
    log.write_bytes(b"".join(api3_line(f"InvalidParameter.Made{i % distinct}", stamp=f"2024-05-14T08:00:{i % 60:02d}Z")
                             for i in range(400)))
    results = []
    for jobs in (1, 4):
        notes: list[str] = []
        run = search.Search(default_registry(), None, lambda path, problem, into=notes: into.append(problem), jobs=jobs)
        run.search(str(log))
        results.append(({c: (s.times, s.first, s.last) for c, s in run.seen.items()}, notes))
    assert results[0] == results[1]
    assert len(forks) == 3
    # What each part held (a part the parent stopped once another outgrew its share may not have
    # begun: on a loaded machine none had, and `held` was never written).
    assert max(map(int, held.read_text().split() if held.exists() else []), default=0) <= budget // 4
    assert (search.OTHER_CODES in results[0][0]) == (distinct > 12)
