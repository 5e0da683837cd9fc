"""`kmserr lookup`: codes, groups, words; formats and exit statuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import Runner


def test_module_code_plain(run: Runner) -> None:
    result = run("lookup", "10630")
    assert result.exit_code == 0
    assert result.stdout.split("\t")[:6] == ["10630", "4530", "kms", "key-state", "no", "key is not existed"]
    assert result.stderr == ""


def test_group_json(run: Runner) -> None:
    result = run("lookup", "4000", "--format", "json")
    records = json.loads(result.stdout)
    assert result.exit_code == 0
    assert len(records) == 19
    assert {r["error_code"] for r in records} == {4000}
    gateway, *members = records
    assert (gateway["product"], gateway["code"], gateway["module_code"]) == ("common", "4000", None)
    assert [r["module_code"] for r in members] == sorted(r["module_code"] for r in members)


def test_words(run: Runner) -> None:
    result = run("lookup", "key disabled")
    assert result.stdout.splitlines()[0].startswith("10650\t")


def test_gateway_code(run: Runner) -> None:
    assert run("lookup", "4400").stdout.startswith("4400\t4400\tcommon\tquota\tno\t\t")


@pytest.mark.parametrize("code", ["ResourceUnavailable.CmkDisabled", "resourceunavailable.cmkdisabled"])
def test_api3_code_any_case(run: Runner, code: str) -> None:
    result = run("lookup", code)
    assert result.exit_code == 0
    assert result.stdout.startswith("ResourceUnavailable.CmkDisabled\t\tkms\tkey-state\tno\t")


def test_family_lists_its_members(run: Runner) -> None:
    listed = [line.split("\t")[0] for line in run("lookup", "ResourceUnavailable").stdout.splitlines()]
    assert listed[0] == "ResourceUnavailable"  # the family's own entry first
    assert len(listed) == 17
    assert all(code.startswith("ResourceUnavailable") for code in listed)


def test_lang_chooses_the_description(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    english = run("lookup", "ResourceUnavailable.CmkDisabled", "--lang", "en").stdout.split("\t")[6]
    chinese = run("lookup", "ResourceUnavailable.CmkDisabled", "--lang", "zh").stdout.split("\t")[6]
    assert (english, chinese) == ("The CMK has been disabled.", "CMK已被禁用。")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert run("lookup", "ResourceUnavailable.CmkDisabled").stdout.split("\t")[6] == "CMK已被禁用。"
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert run("lookup", "ResourceUnavailable.CmkDisabled").stdout.split("\t")[6] == "The CMK has been disabled."


def test_english_only_entries_stay_english_in_chinese(run: Runner, tmp_path: Path) -> None:
    assert "qps" in run("lookup", "10250", "--lang", "zh").stdout  # 10250 has Chinese; its message stays
    team = tmp_path / "team.toml"
    team.write_text(
        '[[errors]]\ncode = "Pay.Declined"\nproduct = "payments"\ngeneration = "api3"\ndescription = "Card declined."\n'
        'category = "billing"\nretry = "no"\naction = "Ask for another card."\nsource = "runbook"\n',
        encoding="utf-8",
    )
    row = run("lookup", "Pay.Declined", "--lang", "zh", "--catalog", str(team)).stdout.split("\t")
    assert (row[6], row[7]) == ("Card declined.", "Ask for another card.")


def test_chinese_cards_do_not_mix_languages(run: Runner) -> None:
    """Every bundled entry has Chinese for both its description and its action."""
    rows = [line.split("\t") for line in run("list", "--lang", "zh").stdout.splitlines()]
    assert len(rows) > 100
    for row in rows:
        description, action = row[6], row[7]
        assert re.search(r"[\u4e00-\u9fff]", description) and re.search(r"[\u4e00-\u9fff]", action), row[0]


def test_search_in_chinese(run: Runner) -> None:
    found = [line.split("\t")[0] for line in run("lookup", "禁用").stdout.splitlines()]
    assert set(found[:2]) == {"10650", "ResourceUnavailable.CmkDisabled"}


def test_card_shows_equivalents_and_actions(run: Runner) -> None:
    card = run("lookup", "10630", "--format", "table").stdout
    assert "ResourceUnavailable.CmkNotFound (kms) (inferred)" in card
    card = run("lookup", "ResourceUnavailable.CmkNotFound", "--format", "table").stdout
    assert "10630 (kms) (inferred)" in card
    assert "Returned by" in card and "Decrypt" in card


def test_several_codes_in_order(run: Runner) -> None:
    result = run("lookup", "10650", "10010")
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == ["10650", "10010"]


def test_unknown_code_suggests_and_exits_1(run: Runner) -> None:
    result = run("lookup", "10631")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "kmserr: no entry for '10631'; did you mean 10630?\n"


def test_one_unknown_among_known_still_prints_the_known(run: Runner) -> None:
    result = run("lookup", "10630", "99999")
    assert result.exit_code == 1
    assert result.stdout.startswith("10630\t")


@pytest.mark.parametrize("fmt", ["table", "json", "plain"])
def test_every_format(run: Runner, fmt: str) -> None:
    result = run("lookup", "10250", "--format", fmt)
    assert result.exit_code == 0
    assert "qps throttling" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal, colour auto: none


def test_table_colour_always_and_no_color(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    coloured = run("lookup", "10250", "10460", "--format", "table", "--color", "always")
    assert "\x1b[" in coloured.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    # no-color.org: NO_COLOR changes the default; an explicit flag still wins.
    assert run("lookup", "10250", "10460", "--format", "table", "--color", "always").stdout == coloured.stdout
    monkeypatch.setenv("FORCE_COLOR", "1")
    plain = run("lookup", "10250", "10460", "--format", "table")
    assert "\x1b[" not in plain.stdout


def test_missing_argument_is_a_usage_error(run: Runner) -> None:
    result = run("lookup")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_bad_format_is_a_usage_error(run: Runner) -> None:
    assert run("lookup", "10630", "--format", "xml").exit_code == 2


def test_card_links_are_terminal_hyperlinks(run: Runner) -> None:
    card = run("lookup", "10030", "--format", "table", "--color", "always").stdout
    assert "\x1b]8;" in card and "https://cloud.tencent.com/doc/api/431/5906" in card
    plain_card = run("lookup", "10030", "--format", "table", "--color", "never").stdout
    assert "\x1b]8;" not in plain_card and "https://cloud.tencent.com/doc/api/431/5906" in plain_card


@pytest.mark.parametrize("columns", ["0", "1", "3", "20", "-5", "abc", "9" * 5000])
def test_a_width_too_small_to_read_falls_back_to_80(run: Runner, monkeypatch: pytest.MonkeyPatch,
                                                      columns: str) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    for args in (["lookup", "10630"], ["lookup", "4000"], ["list", "--category", "throttling"]):
        result = run(*args, "--format", "table")
        assert result.exit_code == 0
        lines = result.stdout.splitlines()
        assert lines, (columns, args)
        assert max(len(line) for line in lines) <= 80  # no wider than the fallback
        assert "10630" in result.stdout or "4000" in result.stdout or "10250" in result.stdout
        assert any(len(line) > 40 for line in lines)  # more than borders


def test_a_readable_width_is_kept(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    result = run("lookup", "10630", "--format", "table")
    assert max(len(line) for line in result.stdout.splitlines()) <= 50


def test_a_long_query_not_found_is_named_in_one_short_line(run: Runner) -> None:
    result = run("lookup", "9" * 5000)
    assert result.exit_code == 1
    assert result.stderr == f"kmserr: no entry for '{'9' * 80}... (5,000 characters)'\n"


def test_a_query_not_found_shows_its_controls(run: Runner) -> None:
    result = run("lookup", "zz\x1b[2Jzz")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "zz\\x1b[2Jzz" in result.stderr


ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("query", ["ResourceUnavailable", "throttling"])
@pytest.mark.parametrize("color", ["never", "always"])
def test_a_family_at_80_columns_keeps_every_code_whole(run: Runner, monkeypatch: pytest.MonkeyPatch,
                                                      query: str, color: str) -> None:
    """`ResourceUnavailab` / `le.CmkDisabled` was a table at 80 columns: each entry now heads its
    own lines, code and retry, with the action and the meaning under it."""
    monkeypatch.setenv("COLUMNS", "80")
    found = [line.split("\t")[0] for line in run("lookup", query, "--format", "plain").stdout.splitlines()]
    text = run("lookup", query, "--format", "table", "--color", color).stdout
    assert (ANSI.search(text) is not None) == (color == "always")
    lines = ANSI.sub("", text).splitlines()
    assert [line.split("  retry: ")[0] for line in lines if not line.startswith(" ")] == found
    assert all(len(line) <= 80 for line in lines)


def test_a_family_at_80_columns_reads_retry_then_action(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    lines = run("lookup", "ResourceUnavailable", "--format", "table").stdout.splitlines()
    at = lines.index("ResourceUnavailable.CmkDisabled  retry: no")
    assert lines[at + 1 : at + 3] == [
        "  Enable the CMK (EnableKey or the console) before calling again.",
        "  The CMK has been disabled. (key-state)",
    ]


@pytest.mark.parametrize("color", ["never", "always"])
def test_a_family_at_200_columns_is_a_table(run: Runner, monkeypatch: pytest.MonkeyPatch, color: str) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    lines = ANSI.sub("", run("lookup", "ResourceUnavailable", "--format", "table", "--color", color).stdout).splitlines()
    assert lines[0].split() == ["Code", "Retry", "Action", "Meaning", "Category"]
    row = next(line for line in lines if line.startswith("ResourceUnavailable.CmkDisabled "))
    assert row.split("   ")[0] == "ResourceUnavailable.CmkDisabled"
    assert "   no   " in row and "Enable the CMK (EnableKey or the console) before calling again." in row
    assert max(len(line) for line in lines) <= 200


def test_the_card_begins_with_code_retry_and_action(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    card = run("lookup", "ResourceUnavailable.CmkDisabled", "--format", "table", "--color", "never").stdout
    rows = [line.strip("│ ").split("  ")[0] for line in card.splitlines()[1:4]]
    assert rows == ["Code", "Retry", "Action"]
    assert "│ Action       Enable the CMK (EnableKey or the console) before calling again. │" in card
