"""JSON carries one language, the one asked for, and says which (issue 21, point 8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kmserr.registry import default_registry

from .conftest import Runner

LINE = b"2024-05-14T08:00:01Z ERROR [TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:x requestId:r\n"
OTHER_LANGUAGE = {"description_en", "description_zh", "action_zh", "source_zh"}


def entries_of(run: Runner, args: list[str], lang: str) -> list[dict[str, Any]]:
    result = run(*args, "--lang", lang, input=LINE)
    assert result.exit_code == 0, result.output
    if args[0] == "grep":
        return [match["entry"] for line in result.stdout.splitlines() for match in json.loads(line)["matches"]]
    if args[0] == "parse":
        return [item["entry"] for item in json.loads(result.stdout)]
    return list(json.loads(result.stdout))


ARGS = [
    ["grep", "--json"],
    ["lookup", "ResourceUnavailable.CmkDisabled", "--format", "json"],
    ["list", "--category", "key-state", "--format", "json"],
    ["parse", "--format", "json"],
]


@pytest.mark.parametrize("args", ARGS, ids=lambda a: a[0])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_entries_carry_the_language_asked_for(run: Runner, args: list[str], lang: str) -> None:
    records = entries_of(run, args, lang)
    assert records
    for record in records:
        assert not OTHER_LANGUAGE & set(record), sorted(record)
        entry = default_registry().get(record["code"], record["product"])
        assert entry is not None
        texts = {"en": (entry.description, entry.action, entry.source),
                 "zh": (entry.description_zh, entry.action_zh, entry.source_zh)}[lang]
        assert record["lang"] == lang
        assert (record["description"], record["action"], record["source"]) == texts


def test_a_grep_json_line_is_lighter(run: Runner) -> None:
    [line] = run("grep", "--json", input=LINE).stdout_bytes.splitlines()
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in line.decode())  # no Chinese in English output
    # 1,608 bytes with both languages; the verdict (retry, action, category, whose advice) now
    # stands beside the code as well as in the entry, and the line is still lighter.
    assert len(line) < 1500


def test_a_team_entry_without_chinese_says_english(run: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("KMSERR_CATALOG", raising=False)
    team = tmp_path / "team.toml"
    team.write_text('[[errors]]\ncode = "Pay.Declined"\nproduct = "payments"\ngeneration = "api3"\n'
                    'description = "Card declined."\ncategory = "key-state"\nretry = "no"\n'
                    'action = "Ask for another card."\nsource = "runbook"\n', encoding="utf-8")
    [record] = json.loads(run("lookup", "Pay.Declined", "--catalog", str(team), "--lang", "zh", "--format", "json").stdout)
    assert (record["lang"], record["description"], record["source"]) == ("en", "Card declined.", "runbook")


def test_csv_keeps_both_languages_side_by_side(run: Runner) -> None:
    header, first = run("list", "--format", "csv").stdout.splitlines()[:2]
    assert "description_zh" in header.split(",") and "action_zh" in header.split(",")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in first)
