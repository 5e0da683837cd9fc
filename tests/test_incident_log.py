"""benchmarks/incident_log.py: its exact counts are what kmserr reports, and a seed always gives the same bytes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.incident_log import DENSITIES, KINDS, STORMS, write

from .conftest import Runner

pytestmark = pytest.mark.slow  # benchmark-shaped: logs generated and searched by real processes

MIB = 1 << 20


def generate(size: int, density: float, seed: int = 1, shape: str = "mixed") -> tuple[bytes, dict[str, object]]:
    out = io.BytesIO()
    stats = write(out, size, density, seed, shape)
    return out.getvalue(), stats


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("core", ["default", "pure Python"])
@pytest.mark.parametrize("density", DENSITIES)
def test_kmserr_counts_exactly_the_error_lines(tmp_path: Path, density: float, core: str) -> None:
    data, stats = generate(MIB, density)
    log = tmp_path / "incident.log"
    log.write_bytes(data)
    env = dict(os.environ)
    env.pop("KMSERR_NO_EXTENSIONS", None)
    if core == "pure Python":
        env["KMSERR_NO_EXTENSIONS"] = "1"
    result = subprocess.run([sys.executable, "-m", "kmserr", "grep", "-c", str(log)], capture_output=True,
                            env=env, check=False)
    assert result.stderr == b""
    assert result.stdout == b"%d\n" % stats["matching_lines"]
    assert stats["matching_lines"] == sum(stats["by_kind"].values())  # type: ignore[attr-defined]
    assert abs(stats["matching_lines"] / stats["lines"] - density) < 0.02  # type: ignore[operator]


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("shape", sorted(STORMS))
def test_the_codes_counted_are_the_codes_kmserr_summarises(run: Runner, shape: str) -> None:
    data, stats = generate(MIB // 4, 0.5, seed=3, shape=shape)
    summary = json.loads(run("grep", "--summary", "--format", "json", input=data).stdout)
    assert {row["code"]: row["count"] for row in summary} == stats["by_code"]
    if shape != "mixed":  # a storm: its code leads, in both generations (API 3.0 and legacy)
        (api3, _), (legacy, _) = STORMS[shape]  # type: ignore[misc]
        top_two = {row["code"] for row in summary[:2]}
        assert top_two == {api3, str(legacy)}
        assert summary[0]["count"] > stats["matching_lines"] / 2  # type: ignore[operator]


@pytest.mark.parametrize("density", [0.001, 1.0])
def test_no_two_lines_alike_and_every_form_present(density: float) -> None:
    data, stats = generate(MIB, density)
    lines = data.splitlines()
    assert len(lines) == stats["lines"]
    assert len(set(lines)) == len(lines)
    if density == 1.0:
        assert all(stats["by_kind"][kind] > 0 for kind, _ in KINDS)  # type: ignore[index]
        assert stats["decoy_lines"] == 0


def test_same_seed_same_bytes_another_seed_other_bytes() -> None:
    first, stats = generate(MIB, 0.1, seed=5)
    again, stats_again = generate(MIB, 0.1, seed=5)
    other, _ = generate(MIB, 0.1, seed=6)
    assert first == again and stats == stats_again
    assert first != other


def test_the_command_writes_the_same_bytes_and_its_stats(tmp_path: Path) -> None:
    script = Path(__file__).parent.parent / "benchmarks" / "incident_log.py"
    out = tmp_path / "incident.log"
    result = subprocess.run([sys.executable, str(script), "--size-mb", "0.25", "--density", "10%", "--seed", "4",
                             "--shape", "throttling", "-o", str(out), "--stats"], capture_output=True, check=True)
    data, stats = generate(MIB // 4, 0.1, seed=4, shape="throttling")
    assert out.read_bytes() == data
    assert json.loads(result.stderr) == stats


@given(size=st.integers(0, 32 << 10), density=st.sampled_from([0.0, *DENSITIES, 0.37]), seed=st.integers(0, 2**32),
       shape=st.sampled_from(sorted(STORMS)))
def test_counts_add_up(size: int, density: float, seed: int, shape: str) -> None:
    data, stats = generate(size, density, seed, shape)
    assert len(data) == stats["bytes"] >= size
    assert data.count(b"\n") == stats["lines"]
    errors = stats["matching_lines"]
    assert errors == sum(stats["by_kind"].values()) == sum(stats["by_code"].values())  # type: ignore[attr-defined]
    if density == 0.0:
        assert errors == 0
    if density == 1.0:
        assert errors == stats["lines"]
    assert generate(size, density, seed, shape)[0] == data
