"""JSON and Python `\\uXXXX` escapes of surrogates in what a log holds (hostile or merely odd input).

A character beyond the BMP is written by JSON as a pair of escapes (`\\ud83d\\ude00`): it is one
character, as json.loads reads it. A half alone (`\\ud83d`) is no character at all: json.loads keeps
it as a lone surrogate, which no UTF-8 output can hold; kmserr shows it as the escape it was, and
never stops with an error on it (it did: `UnicodeEncodeError` in grep --json, parse and lookup's
renderers alike).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.extract import _unescape_with_places

from .conftest import Runner

SDK_RECORD = '{"error":"[TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled message:%s requestId:416beca5"}'
API3_BODY = '{"Response":{"Error":{"Code":"ResourceUnavailable.CmkDisabled","Message":"%s"},"RequestId":"abc-1"}}'
# A message as escaped in the log, and what kmserr says it is.
MESSAGES = [
    ("\\u00e9\\ud83d\\ude00", "é😀"),  # a pair: one character
    ("bad \\ud83d x", "bad \\ud83d x"),  # a high half alone: its escape
    ("\\ude00\\ud83d", "\\ude00\\ud83d"),  # halves in the wrong order: neither is a character
    ("\\ud83d\\ud83d\\ude00!", "\\ud83d😀!"),
]


@given(st.text(st.characters(), max_size=40))
def test_unescaping_reads_a_json_string_as_json_loads_does(text: str) -> None:
    """Surrogates included (astral characters as pairs, lone halves from st.characters' Cs)."""
    escaped = json.dumps(text, ensure_ascii=True)[1:-1]
    unescaped, places = _unescape_with_places(escaped, 7)
    assert unescaped == json.loads(f'"{escaped}"')
    assert len(places) == len(unescaped) + 1 and places[0] == 7 and places[len(unescaped)] == 7 + len(escaped)
    # Each character stands where its escape (or itself) starts in the escaped text.
    for index, char in enumerate(unescaped):
        start = places[index] - 7
        assert json.loads(f'"{escaped[start:places[index + 1] - 7]}"') == char


@pytest.mark.parametrize("form", [SDK_RECORD, API3_BODY])
@pytest.mark.parametrize(("escaped", "shown"), MESSAGES)
def test_grep_json_shows_a_surrogate_escape_and_goes_on(
    run: Runner, core: str, tmp_path, form: str, escaped: str, shown: str,  # type: ignore[no-untyped-def]
) -> None:
    log = tmp_path / "app.log"
    log.write_text(form % escaped + "\n(10630) key is not existed\n", encoding="ascii")
    result = run("grep", "--json", str(log))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout_bytes.decode("utf-8").splitlines()]
    assert [r["matches"][0]["code"] for r in records] == ["ResourceUnavailable.CmkDisabled", "10630"]
    assert records[0]["matches"][0]["message"] == shown
    assert records[0]["line"] == form % escaped  # the line itself, as it was


@pytest.mark.parametrize("fmt", ["plain", "json", "table"])
@pytest.mark.parametrize("form", [SDK_RECORD, API3_BODY])
def test_parse_shows_a_lone_surrogate_as_its_escape(form: str, fmt: str) -> None:
    """In a real process: its standard streams are kmserr's own (`streams.prepare`)."""
    result = subprocess.run([sys.executable, "-m", "kmserr", "parse", form % "bad \\ud83d x", "--format", fmt],
                            capture_output=True, check=False)
    assert (result.returncode, result.stderr) == (0, b"")
    text = result.stdout.decode("utf-8")
    assert "bad \\ud83d x" in (json.loads(text)[0]["message"] if fmt == "json" else text)
