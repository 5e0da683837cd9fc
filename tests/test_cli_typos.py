"""A typo is not silent: an unknown `grep --code` is an input error, a lookup that answers with another
code says so (issue 21, point 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kmserr.registry import default_registry, looks_like_code

from .conftest import Runner

THROTTLED = b"2024-05-14T08:00:03Z WARN [TencentCloudSDKException] code:RequestLimitExceeded message:x requestId:r\n"


def test_an_unknown_code_is_an_input_error_naming_the_nearest(run: Runner) -> None:
    result = run("grep", "--code", "RequestLimitExceded", "-c", input=THROTTLED)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("kmserr: grep: unknown code 'RequestLimitExceded'; did you mean RequestLimitExceeded")


def test_the_exit_status_of_a_real_process(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(THROTTLED)
    done = subprocess.run([sys.executable, "-m", "kmserr", "grep", "--code", "RequestLimitExceded", "-c", str(log)],
                          capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.count("\n") == 1 and "did you mean RequestLimitExceeded" in done.stderr


@pytest.mark.parametrize("code", ["RequestLimitExceeded", "requestlimitexceeded", "AuthFailure", "AuthFailure.",
                                  "10630", "4000", "InternalError"])
def test_codes_families_legacy_numbers_and_groups_stay_valid(run: Runner, code: str) -> None:
    assert run("grep", "--code", code, "-c", input=THROTTLED).exit_code in (0, 1)


def test_a_team_code_is_valid_with_its_catalogue(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("KMSERR_CATALOG", raising=False)
    team = tmp_path / "team.toml"
    team.write_text('[[errors]]\ncode = "Pay.Declined"\nproduct = "payments"\ngeneration = "api3"\n'
                    'description = "Card declined."\ncategory = "key-state"\nretry = "no"\n'
                    'action = "Ask for another card."\nsource = "runbook"\n', encoding="utf-8")
    line = b"charge failed: Pay.Declined: declined\n"
    assert run("grep", "--code", "Pay.Declined", "-c", input=line).exit_code == 2
    result = run("grep", "--catalog", str(team), "--code", "Pay.Declined", "-c", input=line)
    assert (result.exit_code, result.stdout) == (0, "1\n")


def test_a_hostile_unknown_code_is_one_short_line(run: Runner) -> None:
    result = run("grep", "--code", "\x1b[2J" + "9" * 5000, input=THROTTLED)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and result.stderr.count("\n") == 1 and len(result.stderr) < 400


def test_a_lookup_answered_by_another_code_says_so(run: Runner) -> None:
    result = run("lookup", "ResourceUnavailable.CmkDisable", "--format", "plain")
    assert result.exit_code == 0
    assert result.stdout.startswith("ResourceUnavailable.CmkDisabled\t")
    assert result.stderr == ("kmserr: note: no code 'ResourceUnavailable.CmkDisable'; showing what a search for "
                             "it finds: ResourceUnavailable.CmkDisabled\n")
    [record] = json.loads(run("lookup", "ResourceUnavailable.CmkDisable", "--format", "json").stdout)
    assert (record["code"], record["query"], record["match"]) == (
        "ResourceUnavailable.CmkDisabled", "ResourceUnavailable.CmkDisable", "search")


def test_a_lookup_that_finds_what_was_asked_says_nothing(run: Runner) -> None:
    result = run("lookup", "ResourceUnavailable.CmkDisabled", "10630", "--format", "json")
    assert result.stderr == ""
    records = json.loads(result.stdout)
    assert [(r["query"], r["match"]) for r in records] == [
        ("ResourceUnavailable.CmkDisabled", "code"), ("10630", "module_code")]
    assert run("lookup", "key disabled", "--format", "plain").stderr == ""  # words are a search, as asked


def test_what_looks_like_a_code() -> None:
    assert looks_like_code("ResourceUnavailable.CmkDisable") and looks_like_code("RequestLimitExceded")
    assert not looks_like_code("key disabled") and not looks_like_code("disabled") and not looks_like_code("Decrypt")
    assert default_registry().knows("AuthFailure") and not default_registry().knows("Auth.*")
