"""The maintainer script that compares the catalogue with an SDK's code list."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kmserr.catalogue import toml

SCRIPT = Path(__file__).parent.parent / "scripts" / "sdk_codes.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60)


def test_pinned_sdk_has_nothing_new() -> None:
    result = run()
    assert result.returncode == 0, result.stderr
    assert "65 codes; the catalogue has 65" in result.stdout
    assert "nothing to change" in result.stdout


def test_added_and_removed_codes_are_printed_ready_to_paste(tmp_path: Path) -> None:
    from tencentcloud.kms.v20190118 import errorcodes

    text = Path(errorcodes.__file__).read_text(encoding="utf-8")
    text = text.replace("AUTHFAILURE = 'AuthFailure'\n", "")
    text += "\n# 密钥已冻结。\nRESOURCEUNAVAILABLE_CMKFROZEN = 'ResourceUnavailable.CmkFrozen'\n"
    path = tmp_path / "errorcodes.py"
    path.write_text(text, encoding="utf-8")
    result = run("--errorcodes", str(path))
    assert result.returncode == 1
    assert "# no longer in the SDK: AuthFailure" in result.stdout
    pasted = toml().loads(result.stdout.split("sdk_checked\n", 1)[1])
    [entry] = pasted["errors"]
    assert (entry["code"], entry["description_zh"], entry["category"]) == (
        "ResourceUnavailable.CmkFrozen", "密钥已冻结。", "resource",
    )
    assert entry["description"] == ""  # for a person to write: the catalogue refuses it empty


def test_a_file_with_no_codes_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.py"
    path.write_text("# nothing\n", encoding="utf-8")
    result = run("--errorcodes", str(path))
    assert result.returncode == 2
    assert "no codes found" in result.stderr
