"""Team catalogues: files of the same schema on top of kmserr's own, and `kmserr check`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kmserr.cli import cli

pytestmark = pytest.mark.usefixtures("core")  # every test here runs on both block cores

TEAM = """
[categories]
payments = "The payments service refused the request"

[[errors]]
code = "PaymentFailure.CardDeclined"
product = "payments"
generation = "api3"
description = "The card was declined."
category = "payments"
retry = "no"
action = "Ask the customer for another card."
source = "payments team runbook"

[[errors]]
code = "10630"
product = "kms"
generation = "legacy"
module_code = 10630
error_code = 4530
message = "key is not existed"
description = "Our keys live in ap-shanghai; a 10630 elsewhere means the wrong region."
category = "key-state"
retry = "no"
action = "Call KMS in ap-shanghai."
source = "platform team"
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty config folder, so that the user's own team files never leak into a test."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KMSERR_CATALOG", raising=False)
    return tmp_path


def run(*args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_catalog_option_adds_codes(home: Path) -> None:
    team = write(home, "team.toml", TEAM)
    result = run("lookup", "PaymentFailure.CardDeclined", "--catalog", str(team), "--format", "json")
    [record] = json.loads(result.stdout)
    assert (record["code"], record["product"], record["origin"], record["overrides"]) == (
        "PaymentFailure.CardDeclined", "payments", str(team), False,
    )
    assert run("lookup", "PaymentFailure.CardDeclined").exit_code == 1  # not without the file


def test_override_is_said(home: Path) -> None:
    team = write(home, "team.toml", TEAM)
    result = run("lookup", "10630", "--catalog", str(team))
    assert result.stdout.split("\t")[7] == "Call KMS in ap-shanghai."
    assert result.stdout.rstrip("\n").split("\t")[9] == str(team)
    assert result.stderr == f"kmserr: note: 10630 comes from {team}, which overrides kmserr's own entry\n"
    card = run("lookup", "10630", "--catalog", str(team), "--format", "table").stdout
    assert "overrides kmserr's own entry" in " ".join(card.replace("│", " ").split())


def test_environment_path_list_and_config_folder(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home / "config" / "kmserr", "team.toml", TEAM)
    assert run("lookup", "PaymentFailure.CardDeclined").exit_code == 0  # the config folder loads by default
    expired = TEAM.replace("PaymentFailure.CardDeclined", "PaymentFailure.Expired").split('[[errors]]\ncode = "10630"')[0]
    refused = expired.replace("PaymentFailure.Expired", "PaymentFailure.Refused")
    paths = [write(home, "expired.toml", expired), write(home, "refused.toml", refused)]
    monkeypatch.setenv("KMSERR_CATALOG", os.pathsep.join(str(p) for p in paths))
    assert run("lookup", "PaymentFailure.Expired", "PaymentFailure.Refused").exit_code == 0


def test_parse_and_grep_use_team_codes(home: Path) -> None:
    team = write(home, "team.toml", TEAM)
    result = run("grep", "--catalog", str(team), "--json", input=b"charge failed: PaymentFailure.CardDeclined: declined\n")
    [match] = json.loads(result.stdout)["matches"]
    assert (match["code"], match["format"], match["entry"]["product"]) == ("PaymentFailure.CardDeclined", "bare-code", "payments")
    assert run("grep", input=b"charge failed: PaymentFailure.CardDeclined: declined\n").exit_code == 1
    result = run("parse", '{"Response":{"Error":{"Code":"PaymentFailure.CardDeclined","Message":"no"},"RequestId":"r"}}',
                 "--catalog", str(team), "--format", "json")
    assert json.loads(result.stdout)[0]["entry"]["product"] == "payments"


def test_two_files_that_disagree_are_an_error_naming_both(home: Path) -> None:
    first = write(home, "a.toml", TEAM)
    second = write(home, "b.toml", TEAM.replace("Ask the customer for another card.", "Retry later."))
    result = run("lookup", "PaymentFailure.CardDeclined", "--catalog", str(first), "--catalog", str(second))
    assert result.exit_code == 2
    assert str(first) in result.stderr and str(second) in result.stderr
    assert result.stderr.count("\n") == 1
    same = write(home, "c.toml", TEAM)
    assert run("lookup", "PaymentFailure.CardDeclined", "--catalog", str(first), "--catalog", str(same)).exit_code == 0


def test_a_broken_team_file_is_one_clear_error(home: Path) -> None:
    broken = write(home, "team.toml", TEAM.replace('retry = "no"', 'retry = "perhaps"', 1))
    result = run("lookup", "10630", "--catalog", str(broken))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kmserr: catalogue: {broken}:11:1: entry 1 (code 'PaymentFailure.CardDeclined'): field 'retry'")
    missing = home / "absent.toml"
    result = run("list", "--catalog", str(missing))
    assert (result.exit_code, result.stderr) == (2, f"kmserr: catalogue: {missing}: no such file\n")


def test_check_valid_files(home: Path) -> None:
    team = write(home, "team.toml", TEAM)
    result = run("check", str(team))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "kmserr: 1 file valid\n")


def test_check_reports_every_problem_with_line_and_column(home: Path) -> None:
    text = TEAM.replace('retry = "no"', 'retry = "perhaps"', 1).replace('category = "key-state"', 'category = "nope"')
    text = text.replace("module_code = 10630", "module_code = \"10630\"")
    team = write(home, "team.toml", text)
    result = run("check", str(team))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{team}:11:1: entry 1 (code 'PaymentFailure.CardDeclined'): field 'retry': must be one of no, yes, backoff, idempotent, not 'perhaps'",
        f"{team}:19:1: entry 2 (code '10630'): field 'module_code': must be an integer, not str",
    ]


def test_check_toml_syntax_error_has_line_and_column(home: Path) -> None:
    team = write(home, "team.toml", "[[errors]\ncode = 1\n")
    result = run("check", str(team), "--format", "json")
    [problem] = json.loads(result.stdout)
    assert (problem["file"], problem["line"], problem["column"]) == (str(team), 1, 9)
    assert problem["message"].startswith("invalid TOML: ")


def test_check_several_files_and_contradictions(home: Path) -> None:
    first = write(home, "a.toml", TEAM)
    second = write(home, "b.toml", TEAM.replace("Ask the customer for another card.", "Retry later."))
    result = run("check", str(first), str(second))
    assert result.exit_code == 2
    assert result.stdout.startswith(f"{second}:1:1: code 'PaymentFailure.CardDeclined': defines payments:PaymentFailure.CardDeclined differently from {first}")


def test_check_against_the_team_files_in_use(home: Path) -> None:
    in_use = write(home / "config" / "kmserr", "team.toml", TEAM)
    other = (
        '[[errors]]\ncode = "PaymentFailure.Other"\nproduct = "payments"\ngeneration = "api3"\n'
        'description = "Another refusal."\ncategory = "payments"\nretry = "no"\naction = "Call us."\nsource = "x"\n'
    )
    # The category `payments` is declared only in the team file in use.
    assert run("check", str(write(home, "new.toml", other))).exit_code == 0
    contradicts = write(home, "contra.toml", TEAM.replace("Ask the customer for another card.", "Retry."))
    result = run("check", str(contradicts))
    assert result.exit_code == 2 and str(in_use) in result.stdout


def test_check_json_names_a_broken_team_file_in_use_and_still_checks(home: Path) -> None:
    # The command used to load the team files in use before checking: a broken one ended it with
    # a line on stderr, and `--format json` printed no JSON at all.
    broken = write(home / "config" / "kmserr", "broken.toml", "[[errors]\n")
    fine = write(home, "new.toml", TEAM)
    result = run("check", str(fine), "--format", "json")
    assert result.exit_code == 2
    [problem] = json.loads(result.stdout)
    assert (problem["file"], problem["line"]) == (str(broken), 1)
    assert problem["message"].startswith("invalid TOML: ")
    plain = run("check", str(fine))
    assert plain.exit_code == 2 and plain.stdout.startswith(f"{broken}:1:")


def kmserr_in(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """kmserr in a process of its own, with this config folder: a blocked read would hang the suite."""
    env = {k: v for k, v in os.environ.items() if k != "KMSERR_CATALOG"}
    env["XDG_CONFIG_HOME"] = str(config)
    return subprocess.run([sys.executable, "-m", "kmserr", *args], capture_output=True, text=True, env=env,
                          timeout=60)


@pytest.mark.parametrize("kind", ["fifo", "folder", "device", "socket", "dangling link"])
def test_only_regular_files_of_the_config_folder_are_read(tmp_path: Path, kind: str) -> None:
    """A FIFO named *.toml in the config folder blocked every command (issue 13, point 9)."""
    folder = tmp_path / "config" / "kmserr"
    write(folder, "team.toml", TEAM)
    odd = folder / "odd.toml"
    if kind == "fifo":
        os.mkfifo(odd)
    elif kind == "folder":
        odd.mkdir()
    elif kind == "device":
        odd.symlink_to("/dev/zero")
    elif kind == "socket":
        import socket

        server = socket.socket(socket.AF_UNIX)
        try:
            server.bind(str(odd))
        except OSError:  # a path too long for a socket: a FIFO stands in for it
            os.mkfifo(odd)
        server.close()
    else:
        odd.symlink_to(tmp_path / "missing.toml")
    result = kmserr_in(tmp_path / "config", "lookup", "PaymentFailure.CardDeclined", "--format", "plain")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith("PaymentFailure.CardDeclined\t")


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_named_catalogue_that_is_not_a_regular_file_is_one_line(tmp_path: Path, kind: str) -> None:
    odd = tmp_path / "odd.toml"
    if kind == "fifo":
        os.mkfifo(odd)
    else:
        odd.symlink_to("/dev/zero")
    what = "a FIFO" if kind == "fifo" else "a device"
    for args in (["lookup", "10630", "--catalog", str(odd)], ["check", str(odd)]):
        result = kmserr_in(tmp_path / "config", *args)
        assert result.returncode == 2
        message = result.stderr if args[0] == "lookup" else result.stdout
        assert message.count("\n") == 1 and str(odd) in message, message
        assert message.rstrip().endswith(f": is not a regular file ({what})"), message


def test_overridden_advice_is_marked_in_grep_and_parse(home: Path) -> None:
    """A team file that changes kmserr's advice for a code changes grep's and parse's too: said once
    on standard error, and marked where the advice is printed, in every format."""
    team = write(home, "team.toml", TEAM)
    log = b"ERROR (10630) key is not existed\nERROR (10630) key is not existed\n"
    note = f"kmserr: note: {team} overrides kmserr's own advice for 10630\n"
    plain = run("grep", "--catalog", str(team), input=log)
    assert plain.stderr == note
    for line in plain.stdout.splitlines():
        assert f"overridden by {team}]" in line.split("\t")[1]
        assert "Call KMS in ap-shanghai." in line
    table = run("grep", "--catalog", str(team), "--format", "table", "--color", "never", input=log)
    # on a terminal the annotation is wrapped between words: the mark may span two lines
    assert table.stderr == note and " ".join(table.stdout.split()).count(f"overridden by {team}") == 2
    as_json = run("grep", "--catalog", str(team), "--json", input=log)
    assert as_json.stderr == note
    for record in map(json.loads, as_json.stdout.splitlines()):
        [match] = record["matches"]
        assert (match["entry"]["overrides"], match["entry"]["origin"]) == (True, str(team))
    parsed = run("parse", "--catalog", str(team), "--format", "plain", "(10630) key is not existed")
    assert parsed.stderr == note
    assert parsed.stdout.split("\t")[5] == f"in catalogue, overridden by {team}"
    card = run("parse", "--catalog", str(team), "--format", "table", "(10630) key is not existed").stdout
    assert f"overridden by {team}" in " ".join(card.replace("│", " ").split())
    # Without the team file: no note, no mark.
    assert run("grep", input=log).stderr == ""
    assert "overridden" not in run("grep", input=log).stdout
