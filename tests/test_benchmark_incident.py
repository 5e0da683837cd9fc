"""benchmarks/incident.py: it times every command on both cores, and its checks catch a kmserr that loses a line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs the benchmark itself, on generated logs

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "incident.py"


def benchmark(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """A tiny run (0.1 MiB, 50% errors, one run of each command), results as JSON."""
    return subprocess.run([sys.executable, str(SCRIPT), "--size-mb", "0.1", "--densities", "50%", "--runs", "1",
                           "--json", "--folder", str(tmp_path / "work"), *extra],
                          capture_output=True, text=True, check=False)


def test_every_command_timed_and_every_check_passed(tmp_path: Path) -> None:
    result = benchmark(tmp_path)
    data = json.loads(result.stdout)
    (run,) = data["densities"]
    assert run["density"] == 0.5
    checks, commands = run["checks"], run["commands"]
    expected = run["log"]["matching_lines"]
    assert expected == checks["expected_error_lines"] == checks["json_lines [default]"] == checks["json_lines [python]"]
    assert checks["identical"] is True
    assert checks["grep_lines"] >= expected  # GNU grep's pattern also takes the look-alikes
    assert data["failed_checks"] == []
    assert commands["GNU grep"]["cpu_ratio"] == commands["GNU grep"]["wall_ratio"] == 1.0
    assert commands["kmserr -j1 [python]"]["command"] == "KMSERR_NO_EXTENSIONS=1 kmserr grep -j1 FILE > OUT"
    assert commands["KMSERR_ENGINE=re -j1 [default]"]["command"] == "KMSERR_ENGINE=re kmserr grep -j1 FILE > OUT"
    assert {label.split(" [")[0] for label in commands if "[" in label} == {
        "kmserr -j1", "kmserr", "KMSERR_ENGINE=re -j1", "--json -j1", "--summary -j1"}
    assert all(row["cpu"] > 0 and row["wall"] > 0 for row in commands.values())
    assert set(data["versions"]) == {"default", "python"}
    assert all(text.startswith("kmserr ") for text in data["versions"].values())
    # Only the 50% targets, as there is no 10% run; the exit status is theirs.
    assert [t["name"] for t in data["targets"]] == [
        "50%: kmserr -j1 [default] vs GNU grep", "50%: kmserr -j1 [python] vs GNU grep",
        "50%: --json -j1 [default] vs kmserr -j1 [default]", "50%: --json -j1 [python] vs kmserr -j1 [python]"]
    assert result.returncode == (0 if all(t["measured"] <= t["limit"] for t in data["targets"]) else 1)
    assert not list((tmp_path / "work").glob("out-*"))  # outputs deleted; the log is kept for the next run


def test_a_lost_line_fails_the_run(tmp_path: Path) -> None:
    fake = tmp_path / "kmserr-losing-a-line"
    fake.write_text(f'#!/bin/sh\n"{sys.executable}" -m kmserr "$@" | tail -n +2\n')
    fake.chmod(0o755)
    result = benchmark(tmp_path, "--kmserr", str(fake), "--cores", "python")
    data = json.loads(result.stdout)
    expected = data["densities"][0]["log"]["matching_lines"]
    assert data["failed_checks"] == [f"50%: --json [python] has {expected - 1} lines, the log {expected} error lines"]
    assert f"CHECK FAILED: 50%: --json [python] has {expected - 1} lines" in result.stderr
    assert result.returncode == 1
