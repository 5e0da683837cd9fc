"""benchmarks/common.py: what the timing helpers hand every benchmark."""

from __future__ import annotations

from pathlib import Path

from benchmarks import common


def test_each_run_starts_without_its_output_file(tmp_path: Path) -> None:
    # The shell's `> OUT` would truncate the run before's output on the timed run's account.
    outputs = {"big": tmp_path / "out-big", "small": tmp_path / "out-small"}
    seen: list[tuple[str, bool]] = []

    def measure(command: str, env: dict[str, str]) -> int:
        path = outputs[command]
        seen.append((command, path.exists()))
        path.write_bytes(b"x" * 1000)
        return 0

    samples = common.rounds({"big": ("big", {}), "small": ("small", {})}, 3, measure, outputs)
    assert samples == {"big": [0, 0, 0], "small": [0, 0, 0]}
    assert seen == [("big", False), ("small", False)] * 3


def test_a_command_without_an_output_file_keeps_what_is_there(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.write_bytes(b"kept")
    common.rounds({"one": ("one", {})}, 2, lambda command, env: kept.read_bytes(), {})
    assert kept.read_bytes() == b"kept"
