"""benchmarks/pattern.py: GNU grep's pattern is derived from this checkout's prefilter, and grep takes it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from benchmarks import pattern


def test_the_pattern_comes_from_the_prefilter_not_the_saved_copy() -> None:
    derived = pattern._prefilter()  # raises when the prefilter is no longer where it looks
    assert len(derived) > 10
    assert pattern.equivalent() == pattern.SAVED.read_bytes()  # the saved copy is kept current (--save)


def test_gnu_grep_accepts_every_alternative(tmp_path: Path) -> None:
    grep = shutil.which("grep")
    assert grep is not None
    patterns = pattern.write(tmp_path / "kmserr.ere")
    log = tmp_path / "app.log"
    log.write_bytes(b"ok\n[TencentCloudSDKException] code:AuthFailure message:bad\n")
    for line in patterns.read_bytes().split(b"\n")[:-1]:  # one by one: a bad one is named
        one = tmp_path / "one.ere"
        one.write_bytes(line + b"\n")
        result = subprocess.run([grep, "-a", "-E", "-f", str(one), str(log)], capture_output=True, check=False,
                                env={"LC_ALL": "C"})
        assert result.returncode in (0, 1), (line, result.stderr)
