"""`check` locates every problem as the TOML parser reads the file, in time linear in its size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kmserr import catalogue

HEADER = "[categories]\nserver = \"s\"\n\n"
# Text inside a multi-line string that looks like the start of an entry, in several spellings.
FAKES = ["[[errors]]", '[["errors"]]', "[[ errors ]] # a comment", "  [[errors]]", "[[errors]]\ncode = \"Fake\"",
         "retry = \"maybe\"", "[errors]", "[[errors.links]]"]


def entry(n: int, *, retry: str = "no", description: str = '"d"', header: str = "[[errors]]") -> list[str]:
    return [header, f'code = "E{n}"', 'product = "team"', 'generation = "api3"', f"description = {description}",
            'category = "server"', f'retry = "{retry}"', 'action = "a"', 'source = "s"', ""]


@given(
    descriptions=st.lists(st.tuples(st.sampled_from(['"""', "'''"]), st.lists(st.sampled_from(FAKES), max_size=3)),
                          min_size=1, max_size=6),
    bad=st.data(),
    header=st.sampled_from(["[[errors]]", '[["errors"]]', "[[ errors ]]  # entry", "\t[['errors']]"]),
)
def test_an_entry_header_inside_a_multi_line_string_does_not_move_the_line(
    descriptions: list[tuple[str, list[str]]], bad: Any, header: str
) -> None:
    """issue 13, point 14: a description quoting a catalogue made check name a wrong line."""
    wrong = bad.draw(st.integers(0, len(descriptions) - 1))
    lines = HEADER.split("\n")
    expected = 0
    for n, (quote, fakes) in enumerate(descriptions):
        description = quote + "\nQuoted:\n" + "\n".join(fakes) + "\n" + quote
        block = entry(n, retry="maybe" if n == wrong else "no", description=description, header=header)
        if n == wrong:
            split = "\n".join(block).split("\n")  # the entry's own retry: after its description
            expected = len(lines) + len(split) - split[::-1].index('retry = "maybe"')
        lines += "\n".join(block).split("\n")
    text = "\n".join(lines)
    problems = check_text(text)
    assert [(p.entry, p.field, p.line) for p in problems] == [(f"entry {wrong + 1} (code 'E{wrong}')", "retry", expected)]


BASIC_ML = ["\n", "[[errors]]\n", 'retry = "maybe"\n', '\\"""', '""', "'''", "#", "\\\\", "x", '\\\n  ', '"']
LITERAL_ML = ["\n", "[[errors]]\n", '"""', "''", "#", "x", "\\", "'"]
ONE_LINE = ['\\"\\"\\"', "'''", '"""', "#", "x", "[[errors]]"]


@st.composite
def string_value(draw: st.DrawFn) -> str:
    """A TOML string whose text holds delimiters of other strings, comments and header-like lines."""
    kind = draw(st.sampled_from(["basic ml", "literal ml", "basic", "literal"]))
    if kind == "basic ml":
        value = '"""' + "".join(draw(st.lists(st.sampled_from(BASIC_ML), max_size=8))) + 'x"""'
    elif kind == "literal ml":
        value = "'''" + "".join(draw(st.lists(st.sampled_from(LITERAL_ML), max_size=8))) + "x'''"
    elif kind == "basic":
        value = '"x' + "".join(draw(st.lists(st.sampled_from(ONE_LINE), max_size=4))).replace('"""', '\\"') + '"'
    else:
        value = "'x" + "".join(draw(st.lists(st.sampled_from(ONE_LINE), max_size=4))).replace("'''", "") + "'"
    comment = draw(st.sampled_from(["", " # \"\"\" ''' [[errors]]", " #"]))
    return value + comment


@given(values=st.lists(string_value(), min_size=1, max_size=5), bad=st.data())
def test_problems_are_located_whatever_the_strings_hold(values: list[str], bad: Any) -> None:
    """A property over strings of every kind: the line named is the line of the faulty key."""
    wrong = bad.draw(st.integers(0, len(values) - 1))
    lines = HEADER.split("\n")
    expected = 0
    for n, value in enumerate(values):
        block = "\n".join(entry(n, retry="maybe" if n == wrong else "no", description=value)).split("\n")
        if n == wrong:
            expected = len(lines) + len(block) - block[::-1].index('retry = "maybe"')
        lines += block
    text = "\n".join(lines)
    try:
        doc = catalogue.toml().loads(text)
    except ValueError:
        assume(False)
    assume(all(str(e["description"]).strip() for e in doc["errors"]))
    problems = check_text(text)
    assert [(p.field, p.line) for p in problems] == [("retry", expected)], text


def check_text(text: str) -> list[catalogue.CatalogueError]:
    problems: list[catalogue.CatalogueError] = []
    catalogue._validate(catalogue.toml().loads(text), text, "team.toml", None, problems)
    return problems


def test_a_string_that_closes_on_a_header_like_line() -> None:
    """A header-like line whose comment closes the string: the marker after it lands in the entry
    that holds the string, where it is not that entry's first."""
    text = HEADER + "\n".join([
        *entry(0, description='"""\n[[errors]] # """'), *entry(1, retry="maybe"),
    ])
    [problem] = check_text(text)
    assert (problem.entry, problem.line) == ("entry 2 (code 'E1')", text.split("\n").index('retry = "maybe"') + 1)


def test_entries_written_inline_have_no_header_to_point_at() -> None:
    text = 'errors = [{ code = "E0", product = "team", generation = "api3", description = """\n[[errors]]\n""",' \
        ' category = "server", retry = "maybe", action = "a", source = "s" }]\n' + HEADER
    [problem] = check_text(text)
    assert problem.field == "retry" and problem.line is None  # shown as line 1, not the string's line


def test_line_ends_that_are_not_newlines_do_not_shift_lines() -> None:
    """TOML counts lines by \\n alone; a form feed or U+2028 in a string is no line end."""
    text = HEADER + "\n".join([*entry(0, description='"a\u2028b\x0cc\rd"'.replace("\x0c", "\\f").replace("\r", "\\r")),
                               *entry(1, description='"x\u2028y\u2029z\x85"', retry="maybe")])
    [problem] = check_text(text)
    assert problem.line == text.split("\n").index('retry = "maybe"') + 1


class CountingText(str):
    """The catalogue text, counting the characters that str methods walk over it."""

    walked = 0

    def _walk(self, start: int | None = None, end: int | None = None) -> None:
        first, last, _ = slice(start, end).indices(len(self))
        CountingText.walked += max(0, last - first)

    def splitlines(self, keepends: bool = False) -> list[str]:
        self._walk()
        return str(self).splitlines(keepends)

    def split(self, sep: str | None = None, maxsplit: int = -1) -> list[str]:  # type: ignore[override]
        self._walk()
        return str(self).split(sep, maxsplit)

    def count(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        self._walk(start, end)
        return str(self).count(sub, start, end)

    def find(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        self._walk(start, end)
        return str(self).find(sub, start, end)

    def rfind(self, sub: str, start: Any = None, end: Any = None) -> int:  # type: ignore[override]
        self._walk(start, end)
        return str(self).rfind(sub, start, end)


@pytest.mark.parametrize("problem", ["retry", "duplicate", "unknown field", "category"])
def test_check_walks_the_text_a_bounded_number_of_times(problem: str) -> None:
    """issue 13, point 10: each of 8,000 problems split the whole file again (12 s). Checked by
    counting the characters walked, not by a clock: at most a few times the file's length."""
    blocks = []
    for n in range(2000):
        block = entry(n if problem != "duplicate" else 0, retry="maybe" if problem == "retry" else "no")
        if problem == "unknown field":
            block.insert(8, "colour = 1")
        if problem == "category":
            block[5] = 'category = "nowhere"'
        blocks += block
    text = CountingText(HEADER + "\n".join(blocks))
    CountingText.walked = 0
    problems: list[catalogue.CatalogueError] = []
    catalogue._validate(catalogue.toml().loads(text), text, "team.toml", None, problems)
    assert len(problems) >= 1999
    assert all(p.line is not None for p in problems)
    assert CountingText.walked <= 3 * len(text), CountingText.walked / len(text)


def test_check_of_a_file_with_many_problems_reports_each(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text(HEADER + "\n".join(line for n in range(300) for line in entry(n, retry="maybe")), "utf-8")
    problems = catalogue.check(path)
    lines = path.read_text("utf-8").split("\n")
    assert [p.line for p in problems] == [n + 1 for n, line in enumerate(lines) if line == 'retry = "maybe"']


def test_a_header_like_line_that_closes_a_string_inside_an_array() -> None:
    """The one place a marker line is not valid TOML: the lines outside strings are used instead."""
    text = HEADER + "\n".join([
        *entry(0)[:-1], 'message_templates = ["""%s', '[[errors]] # """', ', "%s"]', "", *entry(1, retry="maybe"),
    ])
    [problem] = check_text(text)
    assert (problem.entry, problem.line) == ("entry 2 (code 'E1')", text.split("\n").index('retry = "maybe"') + 1)
