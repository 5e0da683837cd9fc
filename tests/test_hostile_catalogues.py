"""Team catalogues are untrusted text: nothing in one drives the terminal, hides a character, or
adds a shell-completion item; a name (code, product, category) holding such characters is refused."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kmserr import catalogue
from kmserr.cli import cli
from kmserr.render import terminal_safe

# What a terminal obeys (ESC, BEL, C0, C1 CSI and OSC) or hides (bidi overrides and isolates,
# zero-width characters, line and paragraph separators, a BOM, a tag character).
HOSTILE = [
    "\x1b[2J", "\x1b]0;owned\x07", "\x1b]8;;http://evil\x07click\x1b]8;;\x07", "\x9b31m", "\x9d0;t\x07", "a\bb",
    "\x7f", "\r", "\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\x85", "\U000e0041",
]


def toml_string(text: str) -> str:
    """A TOML basic string holding `text` exactly (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def team(hostile: str, *, code: str = "Team.Hostile", product: str = "team", url: str = "https://example.com/x",
         category: str = "hostile") -> str:
    h = toml_string
    return f"""
[categories]
{h(category)} = {h(hostile + " category")}

[[errors]]
code = {h(code)}
product = {h(product)}
generation = "api3"
message = {h(hostile + " message")}
description = {h(hostile + " description")}
category = {h(category)}
retry = "no"
action = {h(hostile + " action")}
actions = [{h("Decrypt" + hostile)}]
links = [{{ title = {h(hostile + " title")}, url = {h(url)} }}]
source = {h(hostile + " source")}

[[errors]]
code = "Team.Other"
product = {h(product)}
generation = "api3"
description = {h("other " + hostile)}
category = {h(category)}
retry = "yes"
action = {h("other action " + hostile)}
source = "x"
"""


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


KMSERR_OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\]8;[^;\x1b\x07]*;(https?://[!-~]*?)?\x1b\\", re.IGNORECASE)


def obeyed_or_hidden(out: str) -> list[str]:
    """What of the output, once kmserr's own colours and links are taken out, a terminal would obey
    or not show: control characters but tab and newline, and characters of Cf, Zl, Zp."""
    rest = KMSERR_OWN.sub("", out)
    return [c for c in rest if c not in "\t\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")]


def links(out: str) -> list[str]:
    return [m.group(1) for m in KMSERR_OWN.finditer(out) if m.group(0).startswith("\x1b]8") and m.group(1)]


@pytest.fixture
def hostile_team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COLUMNS", "400")  # each escape whole on one line
    return tmp_path / "team.toml"


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("command", [["lookup", "Team.Hostile"], ["list", "--product", "team"],
                                     ["parse", "[TencentCloudSDKException] code:Team.Hostile message:m requestId:r"],
                                     ["lookup", "Team"]])
def test_a_team_catalogue_cannot_drive_or_deceive_the_terminal(hostile_team: Path, hostile: str,
                                                               command: list[str]) -> None:
    """The card (title, every row), every cell of the table, the parse card: all escaped."""
    hostile_team.write_text(team(hostile), encoding="utf-8")
    result = run(*command, "--catalog", str(hostile_team), "--format", "table", "--color", "always")
    assert result.exit_code == 0, result.output
    assert obeyed_or_hidden(result.stdout) == [], repr(result.stdout)
    if command[-1].startswith(("Team.", "[")):  # a card: shown whole, as an escape (a table may fold it)
        assert terminal_safe(hostile).strip() in result.stdout
    assert set(links(result.stdout)) <= {"https://example.com/x"}


@pytest.mark.parametrize("fmt", ["json", "plain", "csv", "markdown"])
@pytest.mark.parametrize("hostile", HOSTILE)
def test_data_formats_keep_the_text_exactly(hostile_team: Path, hostile: str, fmt: str) -> None:
    """Nothing the team wrote is lost: JSON escapes it (C1, bidi and invisible characters too)."""
    hostile_team.write_text(team(hostile), encoding="utf-8")
    result = run("list", "--product", "team", "--catalog", str(hostile_team), "--format", fmt)
    assert result.exit_code == 0
    if fmt == "json":
        assert obeyed_or_hidden(result.stdout) == []  # JSON spells them \u202e, \u009b, ...
        [entry] = [e for e in json.loads(result.stdout) if e["code"] == "Team.Hostile"]
        assert entry["message"] == hostile + " message"
        assert entry["links"][0]["title"] == hostile + " title"
    elif fmt == "plain":
        assert hostile.replace("\r", "\\r") in result.stdout  # a data format for pipes: bytes as they are


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "file:///etc/passwd", "https://example.com/\x1b]0;x\x07", "https://exa mple.com",
    "https://example.com/\x07", "https://example.com/\u202e", "data:text/html,x", "//example.com", "https://",
    "ftp://example.com", "",
])
def test_only_http_links_are_accepted(hostile_team: Path, url: str) -> None:
    hostile_team.write_text(team("x", url=url), encoding="utf-8")
    result = run("check", str(hostile_team))
    assert result.exit_code == 2
    [line] = result.stdout.splitlines()
    assert "field 'links'" in line and "\x1b" not in line and "\x07" not in line
    lookup = run("lookup", "Team.Hostile", "--catalog", str(hostile_team), "--format", "table", "--color", "always")
    assert lookup.exit_code == 2 and lookup.stdout == ""
    assert obeyed_or_hidden(lookup.stderr.rstrip("\n")) == [] and lookup.stderr.count("\n") == 1


@pytest.mark.parametrize("url", ["https://example.com/a?b=c;d#e", "HTTP://EXAMPLE.COM", "https://例子.测试/路径"])
def test_http_links_are_accepted_and_only_ascii_ones_are_clickable(hostile_team: Path, url: str) -> None:
    hostile_team.write_text(team("x", url=url), encoding="utf-8")
    card = run("lookup", "Team.Hostile", "--catalog", str(hostile_team), "--format", "table", "--color", "always")
    assert card.exit_code == 0 and url in card.stdout
    assert links(card.stdout) == ([url] if url.isascii() else [])


@pytest.mark.parametrize("name", ["code", "product", "category"])
@pytest.mark.parametrize("hostile", [*HOSTILE, "\t", "\n", "a\nb", "\x00"])
def test_a_name_with_control_or_invisible_characters_is_refused(hostile_team: Path, name: str, hostile: str) -> None:
    value = f"Team{hostile}Name"
    hostile_team.write_text(team("x", **{name: value}), encoding="utf-8")
    with pytest.raises(catalogue.CatalogueError) as caught:
        catalogue.load(hostile_team, known_categories={})
    first = next(c for c in hostile if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp"))
    assert f"found {terminal_safe(first) if first != chr(9) else chr(92) + 'x09'})" in caught.value.message
    assert obeyed_or_hidden(str(caught.value).replace("\t", " ")) == []
    checked = run("check", str(hostile_team))
    assert checked.exit_code == 2 and obeyed_or_hidden(checked.stdout) == []
    assert all(line.startswith(str(hostile_team)) for line in checked.stdout.splitlines())
    for shell in ("bash", "zsh", "fish"):  # nothing reaches shell completion
        env = {"_KMSERR_COMPLETE": f"{shell}_complete", "COMP_WORDS": "kmserr lookup Team", "COMP_CWORD": "2",
               "KMSERR_CATALOG": str(hostile_team)}
        assert run(env=env).stdout.strip() == ""


@pytest.mark.parametrize("hostile", HOSTILE)
def test_completion_items_stay_one_a_line(hostile_team: Path, hostile: str) -> None:
    """A message or category description with a line end does not add a completion item."""
    hostile_team.write_text(team(hostile), encoding="utf-8")
    for shell, words, cword in (("zsh", "kmserr lookup Team.H", "2"), ("fish", "kmserr list --category hos", "")):
        env = {"_KMSERR_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword,
               "KMSERR_CATALOG": str(hostile_team)}
        out = run(env=env).stdout
        assert out.count("\n") == (3 if shell == "zsh" else 1), repr(out)
        assert obeyed_or_hidden(out.replace("\t", " ")) == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_check_messages_and_the_catalogue_error_line_are_escaped(tmp_path: Path, hostile: str) -> None:
    """Key names and paths in `check`'s messages, and the one `catalogue:` line, are the file's text."""
    folder = tmp_path / f"dir{hostile.replace('/', '_')}x"
    folder.mkdir()
    path = folder / "team.toml"
    path.write_text(team("x").replace('retry = "no"', f'retry = "no"\n{toml_string("key" + hostile)} = 1'),
                    encoding="utf-8")
    checked = run("check", str(path))
    assert checked.exit_code == 2
    [line] = checked.stdout.splitlines()
    assert obeyed_or_hidden(line) == [] and terminal_safe(hostile) in line
    as_json = run("check", str(path), "--format", "json")
    assert obeyed_or_hidden(as_json.stdout) == []
    [record] = json.loads(as_json.stdout)
    assert record["file"] == str(path) and "key" + hostile in record["message"]  # exact, as data
    used = run("lookup", "10630", "--catalog", str(path))
    assert used.exit_code == 2 and used.stderr.startswith("kmserr: catalogue: ")
    assert used.stderr.count("\n") == 1 and obeyed_or_hidden(used.stderr.rstrip("\n")) == []


FORMULAS = ["=cmd|' /C calc'!A0", "=HYPERLINK(\"https://evil\",\"x\")", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+cmd|x", "-2+3",
            "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_are_never_formulas(hostile_team: Path, formula: str) -> None:
    """OWASP's advice: a cell that a spreadsheet would run begins with `'`, and says the rest as written."""
    import csv
    import io

    hostile_team.write_text(team("x").replace('"x message"', toml_string(formula))
                            .replace('"x action"', toml_string(formula)), encoding="utf-8")
    result = run("list", "--product", "team", "--catalog", str(hostile_team), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    [row] = [r for r in rows if r["code"] == "Team.Hostile"]
    assert row["message"] == "'" + formula
    assert row["action"] == "'" + formula
    for r in rows:
        for value in r.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_timeline_csv_cells_are_never_formulas(tmp_path: Path) -> None:
    """A code read from a log line is untrusted too."""
    log = tmp_path / "app.log"
    log.write_text("2024-05-14T08:00:00Z [TencentCloudSDKException] code:=HYPERLINK(\"https://evil\") message:x\n",
                   encoding="utf-8")
    result = run("grep", "--timeline", "--format", "csv", str(log))
    assert result.exit_code == 0, result.output
    assert "'=HYPERLINK" in result.stdout
    assert "\n=" not in result.stdout and ",=" not in result.stdout


@pytest.mark.parametrize("html", ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "<a href='javascript:x'>y</a>",
                                  "[click](javascript:alert(1))", "![t](https://tracker.example/p.gif)"])
def test_markdown_cells_show_html_as_text(hostile_team: Path, html: str) -> None:
    hostile_team.write_text(team(html), encoding="utf-8")
    result = run("list", "--product", "team", "--catalog", str(hostile_team), "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "<img" not in result.stdout and "<script" not in result.stdout and "<a " not in result.stdout
    assert "](" not in result.stdout.replace("\\](", "")  # no live link or image
    if html.startswith("<"):
        assert html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in result.stdout
