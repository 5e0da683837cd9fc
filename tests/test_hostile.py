"""Input written by attackers: markup and terminal control sequences are shown, never obeyed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import Runner

pytestmark = pytest.mark.usefixtures("core")  # every test here runs on both block cores

MARKUP = "[bold red]boom[/] [link=file:///etc/passwd]x[/link]"
CONTROLS = ["\x1b[2J", "\x1b]0;owned\x07", "\x1b]8;;http://evil\x07click\x1b]8;;\x07", "ab\bc", "hid\rden"]
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # anything but tab and newline


@pytest.mark.parametrize("fmt", ["table", "json", "plain"])
def test_markup_in_a_log_line_is_printed_literally(run: Runner, fmt: str) -> None:
    line = f"(10630) key is not existed {MARKUP}"
    out = run("grep", "--format", fmt, input=(line + "\n").encode()).stdout
    assert MARKUP in (json.loads(out)["line"] if fmt == "json" else out)


@pytest.mark.parametrize("fmt", ["table", "json", "plain"])
def test_markup_in_a_parsed_message_is_printed_literally(run: Runner, fmt: str) -> None:
    out = run("parse", f"[TencentCloudSDKException] code:InternalError message:{MARKUP} requestId:r-1", "--format", fmt).stdout
    assert MARKUP in (json.loads(out)[0]["message"] if fmt == "json" else " ".join(out.replace("│", " ").split()))


def test_markup_in_arguments_and_team_files(run: Runner, tmp_path: Path) -> None:
    result = run("lookup", "[blink]zzqq[/blink]")
    assert result.stderr.startswith("kmserr: no entry for '[blink]zzqq[/blink]'")
    team = tmp_path / "team.toml"
    team.write_text(
        '[[errors]]\ncode = "Team.Markup"\nproduct = "team"\ngeneration = "api3"\n'
        f'description = "{MARKUP}"\ncategory = "server"\nretry = "no"\naction = "{MARKUP}"\nsource = "x"\n',
        encoding="utf-8",
    )
    card = run("lookup", "Team.Markup", "--catalog", str(team), "--format", "table").stdout
    assert MARKUP in " ".join(card.replace("│", " ").split())


@pytest.mark.parametrize("control", CONTROLS)
def test_control_sequences_are_escaped_on_a_terminal(run: Runner, control: str) -> None:
    line = f"(10630) key is not existed {control} tail"
    out = run("grep", "--format", "table", "--color", "never", input=(line + "\n").encode()).stdout
    assert not RAW_CONTROL.search(out), repr(out)
    assert "tail" in out
    parsed = run("parse", f"[TencentCloudSDKException] code:X.Y message:{control} requestId:r", "--format", "table",
                 "--color", "never").stdout
    assert not RAW_CONTROL.search(parsed), repr(parsed)


@pytest.mark.parametrize("control", CONTROLS)
def test_control_sequences_pass_through_plain_output_unchanged(run: Runner, control: str) -> None:
    line = f"(10630) key is not existed {control} tail".encode()
    assert run("grep", "--no-annotate", input=line + b"\n").stdout_bytes == line + b"\n"


def test_colour_codes_are_kmserr_s_own(run: Runner) -> None:
    out = run("grep", "--format", "table", "--color", "always", input=b"(10630) key is not existed \x1b]0;x\x07\n").stdout
    assert "\x07" not in out and "\x1b]" not in out
    # the code found, the annotation's code, its retry advice (red: no, green: yes), the dimmed meaning
    assert set(re.findall(r"\x1b\[[0-9;]*m", out)) <= {"\x1b[1;31m", "\x1b[0m", "\x1b[2m", "\x1b[1m", "\x1b[31m", "\x1b[32m"}


def test_control_sequences_in_a_code_or_a_file_name(run: Runner, tmp_path: Path) -> None:
    result = run("lookup", "\x1b[2J10630")
    assert "\x1b" not in result.stderr and "\\x1b" in result.stderr
    missing = tmp_path / "evil\x1b[2J.log"
    result = run("grep", str(missing))
    assert "\x1b" not in result.stderr and "\\x1b[2J" in result.stderr


def test_format_strings_and_regex_syntax_in_input_are_just_text(run: Runner) -> None:
    for text in ("(10630) key %s %d {0} {code} %(x)s", "(10630) key .* (?P<x>) [a-z]+ \\1"):
        [record] = json.loads(run("parse", text, "--format", "json").stdout)
        assert record["message"] == text.split(") ", 1)[1]
    result = run("grep", "--code", "Auth.*", input=b"[TencentCloudSDKException] code:AuthFailure message:x requestId:r\n")
    assert result.exit_code == 2 and "unknown code 'Auth.*'" in result.stderr  # a code, not a regex
    assert run("grep", "--code", "(", input=b"(10630) key is not existed\n").exit_code == 2


def test_a_deeply_nested_json_body_is_not_a_crash(run: Runner) -> None:
    body = '{"a":\n' * 100_000 + "1" + "}" * 100_000
    result = run("parse", input=body + '\n{"code":4530,"message":"(10630)key is not existed"}')
    assert result.exit_code == 0 and "10630" in result.stdout


@pytest.mark.parametrize(
    "hostile",
    [b"(" * 2_000_000, b"(" + b"1" * 1_000_000, b'"code":' * 150_000, b'{"a":' * 100_000,
     b"AuthFailure." * 80_000, b"(10630)" * 150_000, b"code:AuthFailure message:" + b" " * 1_000_000],
)
def test_pathological_lines_keep_their_error(run: Runner, hostile: bytes) -> None:
    line = hostile + b' "message": "(10650) key is disabled"'
    result = run("grep", "--json", input=b"before\n" + line + b"\nafter\n")
    [record] = [json.loads(x) for x in result.stdout.splitlines()]
    assert record["line_number"] == 2 and record["matches"]
    codes = [m["code"] for m in record["matches"]]
    # The planted error is reported, unless a form before it claims it as its message (.NET's
    # `code:X message:...`) or the line holds more codes than a line reports (100).
    assert "10650" in codes or codes[0] in ("AuthFailure", "10630")
