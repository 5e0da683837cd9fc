"""On generated logs (every form, decoys, invalid UTF-8) the lines reported are exactly the error lines."""

from __future__ import annotations

import io
import json

import pytest

from benchmarks.loggen import DECOY_KINDS, ERROR_KINDS, lines, write

from .conftest import Runner

# Every test here runs with both engines and both cores, on generated logs (benchmark-shaped: slow).
pytestmark = [pytest.mark.usefixtures("engine", "core"), pytest.mark.slow]

OPTIONS = {"size": 1 << 20, "match_rate": 0.05, "decoy_rate": 0.05, "invalid_rate": 0.01, "long_line": 1 << 16}


def expected(seed: int) -> tuple[bytes, list[int], dict[int, str]]:
    data = io.BytesIO()
    stats = write(data, **OPTIONS, seed=seed)
    kinds = {n: kind for n, (kind, _) in enumerate(lines(**OPTIONS, seed=seed), 1)}
    numbers = [n for n, kind in kinds.items() if kind in ERROR_KINDS or kind == "long_line"]
    assert len(numbers) == stats["matching_lines"]
    return data.getvalue(), numbers, kinds


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exactly_the_error_lines(run: Runner, seed: int) -> None:
    data, numbers, kinds = expected(seed)
    assert set(kinds.values()) >= {*ERROR_KINDS, *DECOY_KINDS, "invalid_utf8", "long_line"}
    result = run("grep", "--json", input=data)
    reported = [json.loads(line) for line in result.stdout.splitlines()]
    got = [r["line_number"] for r in reported]
    assert [kinds[n] for n in got if n not in numbers] == []  # no decoy, no ordinary line
    assert got == numbers
    assert all(len(r["matches"]) == 1 for r in reported)


def test_count_matches_the_stats(run: Runner) -> None:
    data = io.BytesIO()
    stats = write(data, **OPTIONS, seed=7)
    assert run("grep", "--count", input=data.getvalue()).stdout == f"{stats['matching_lines']}\n"
