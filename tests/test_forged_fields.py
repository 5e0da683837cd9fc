"""A log line's own tabs never pass for kmserr's annotation (issue 23, point 12).

Plain output is the line as it was, then a tab and kmserr's annotation: the LAST tab-separated
field, as `awk -F'\\t' '{print $NF}'` reads it, since kmserr writes its own tabs as `\\t`. A line
holding `\\tkmserr: 10630 [retry: yes]` cannot change what that field says. On a terminal a tab is
shown as `\\t`; JSON escapes it.
"""

from __future__ import annotations

import json
import subprocess

from hypothesis import example, given
from hypothesis import strategies as st

from kmserr import explain_text
from kmserr.render import Style, annotation, plain_field

from .conftest import Runner

GENUINE = "(10630) key is not existed"
FORGED = "\tkmserr: 10630 [retry: yes] Retry at once. (key is not existed; key-state)"
TRUE_ADVICE = "kmserr: 10630 [retry: no] Check the KeyId and region"

# Pieces of hostile lines: kmserr's own words and separators, escapes that kmserr itself writes,
# other codes, controls, and any text at all (but a line end, which ends the line).
HOSTILE_PIECES = st.one_of(
    st.sampled_from([
        "\t", "\t\t", "kmserr: ", FORGED, "[retry: yes]", " | ", "\\t", "\\", "\r", "\x1b[2K", "\x00",
        "(10250)qps throttling", "code:InternalError message:x requestId:r-1", " ", "\u202e", "中文",
    ]),
    st.text(st.characters(blacklist_characters="\n", blacklist_categories=("Cs",)), max_size=12),
)
HOSTILE = st.lists(HOSTILE_PIECES, max_size=8).map("".join)


def last_field(line: str) -> str:
    """What `awk -F'\\t' '{print $NF}'` prints for one line."""
    return line.split("\t")[-1]


@given(before=HOSTILE, after=HOSTILE)
@example(before="\x1b", after="")  # a stray ESC: ` (1` was taken for its sequence, the code lost (Hypothesis)
def test_the_last_tab_field_is_kmserr_s_annotation_whatever_the_line_holds(before: str, after: str) -> None:
    line = f"{before} {GENUINE} {after}".removesuffix("\r")
    result = Runner()("grep", "--format", "plain", input=(line + "\n").encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    printed = result.stdout.removesuffix("\n")
    own, _, field = printed.rpartition("\t")
    assert own == line  # everything before the last tab is the line, as it was
    assert field == last_field(printed)
    # The field is kmserr's annotation of the line's errors, computed apart from grep's printer.
    assert field == plain_field(annotation(explain_text(line), Style()))


def test_a_forged_field_after_a_tab_changes_nothing_read_the_documented_way(run: Runner) -> None:
    result = run("grep", input=f"ERROR {GENUINE}{FORGED}\n".encode())
    assert last_field(result.stdout.removesuffix("\n")).startswith(TRUE_ADVICE)
    # awk reads it so too, as docs/commands.md says (awk is POSIX; rev, also named there, is not).
    read = subprocess.run(["awk", "-F\t", "{print $NF}"], input=result.stdout, capture_output=True, text=True, check=True)
    assert read.stdout.startswith(TRUE_ADVICE) and "retry: yes" not in read.stdout


def test_a_context_line_ends_with_an_empty_field(run: Runner) -> None:
    """With -A/-B/-C, a context line's last field is empty: its own text never reads as an annotation."""
    log = f"before{FORGED}\nERROR {GENUINE}\nafter\tkmserr: forged too\n"
    result = run("grep", "-C", "1", input=log.encode())
    lines = result.stdout.splitlines()
    assert [last_field(line) for line in lines[::2]] == ["", ""]
    assert lines[0] == f"before{FORGED}\t" and lines[2] == "after\tkmserr: forged too\t"
    assert last_field(lines[1]).startswith(TRUE_ADVICE)
    # Without the annotation there is no field to read: the lines are printed as they were.
    bare = run("grep", "-C", "1", "--no-annotate", input=log.encode())
    assert bare.stdout == log


def test_a_tab_is_shown_as_an_escape_on_a_terminal(run: Runner) -> None:
    for args in (["grep", "--format", "table"], ["grep", "--format", "table", "-C", "1"]):
        out = run(*args, input=f"x\tctx\nERROR {GENUINE}{FORGED}\n".encode()).stdout
        assert "\t" not in out, args
        assert f"{GENUINE}\\tkmserr: 10630 [retry: yes]" in out, args
    assert "x\\tctx" in out  # the context line too
    card = run("parse", "--format", "table", f"[TencentCloudSDKException] code:InternalError message:a{FORGED} requestId:r")
    assert "\t" not in card.stdout and "a\\tkmserr: 10630 [retry: yes]" in card.stdout


def test_json_holds_the_line_s_tab_escaped_and_exact(run: Runner) -> None:
    line = f"ERROR {GENUINE}{FORGED}"
    out = run("grep", "--json", input=(line + "\n").encode()).stdout
    assert "\t" not in out
    record = json.loads(out)
    assert record["line"] == line and record["matches"][0]["retry"] == "no"
