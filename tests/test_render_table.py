"""Tables and cards on a terminal, on exact strings at 80 and 200 columns, with and without colour:
a code is never wrapped, and retry and action come first."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import default_registry
from kmserr.catalogue import Entry
from kmserr.explanation import explain_text
from kmserr.render import ENTRY_RENDERERS, EXPLANATION_RENDERERS, Style
from kmserr.render.summary import Row, report
from kmserr.render.table import FLEX_MIN, ROOM, layout, share

ANSI = re.compile(r"\x1b\[[0-9;]*m")
REGISTRY = default_registry()
LONGEST = "UnsupportedOperation.UnsupportedKeyUsageInCurrentRegion"  # 55 characters, no space


def entry(code: str) -> Entry:
    found = REGISTRY.get(code)
    assert found is not None, code
    return found


def drawn(entries: list[Entry], width: int, color: bool = False) -> str:
    out = io.StringIO()
    ENTRY_RENDERERS["table"](entries, out, Style(color=color, width=width, registry=REGISTRY))
    return out.getvalue()


THREE = ["10630", "RequestLimitExceeded", LONGEST]


def test_layout_keeps_action_and_meaning_their_room() -> None:
    # 55 + 13 and 3 columns of 3 between four: 60 left for Action and Meaning, just enough.
    assert layout(55 + 13 + 9 + FLEX_MIN, (55, 13), [("Category", 18)]) == ([], FLEX_MIN)
    assert layout(55 + 13 + 9 + FLEX_MIN - 1, (55, 13), [("Category", 18)]) is None
    # Category only where Action and Meaning still have ROOM beside it; then Group, if it fits too.
    assert layout(200, (55, 13), [("Category", 18), ("Group", 5)]) == (["Category", "Group"], 200 - 91 - 15)
    assert layout(55 + 13 + 18 + 12 + ROOM, (55, 13), [("Category", 18), ("Group", 5)]) == (["Category"], ROOM)


@pytest.mark.parametrize(
    ("room", "action", "meaning", "widths"),
    [(100, 40, 30, (40, 30)), (60, 50, 20, (40, 20)), (60, 20, 50, (20, 40)), (61, 50, 50, (31, 30))],
)
def test_share(room: int, action: int, meaning: int, widths: tuple[int, int]) -> None:
    assert share(room, action, meaning) == widths


def test_entries_at_80_columns_one_under_another() -> None:
    """Too narrow for a table whose codes are whole: code and retry, the action, then (dimmed)
    what the code means, its category and group."""
    assert drawn([entry(code) for code in THREE], 80) == (
        "10630  retry: no\n"
        "  Check the KeyId and region; the key does not exist, so retrying cannot help.\n"
        "  key is not existed (key-state; group 4530)\n"
        "RequestLimitExceeded  retry: yes, backoff\n"
        "  Retry with exponential backoff and lower the request rate.\n"
        "  The number of requests exceeds the frequency limit. (throttling)\n"
        f"{LONGEST}  retry: no\n"
        "  Use a key usage that this region supports, or another region.\n"
        "  The encryption method is not supported in the current region. (unsupported)\n"
    )


def test_entries_at_80_columns_in_colour() -> None:
    assert drawn([entry("10630"), entry("RequestLimitExceeded")], 80, color=True) == (
        "\x1b[1m10630\x1b[0m  \x1b[31mretry: no\x1b[0m\n"
        "  Check the KeyId and region; the key does not exist, so retrying cannot help.\n"
        "  \x1b[2mkey is not existed (key-state; group 4530)\x1b[0m\n"
        "\x1b[1mRequestLimitExceeded\x1b[0m  \x1b[32mretry: yes, backoff\x1b[0m\n"
        "  Retry with exponential backoff and lower the request rate.\n"
        "  \x1b[2mThe number of requests exceeds the frequency limit. (throttling)\x1b[0m\n"
    )


def test_entries_at_200_columns_a_table_that_uses_the_width() -> None:
    lines = drawn([entry(code) for code in THREE], 200).splitlines()
    assert [line.rstrip() for line in lines[:3]] == [
        "Code" + " " * 54 + "Retry" + " " * 10 + "Action" + " " * 48 + "Meaning" + " " * 47 + "Category" + " " * 6 + "Group",
        "─" * 200,
        "10630" + " " * 53 + "no" + " " * 13 + "Check the KeyId and region; the key does not exist,   "
        "key is not existed" + " " * 36 + "key-state" + " " * 5 + "4530",
    ]
    assert lines[6].startswith(LONGEST + "   no   ")
    assert {len(line) for line in lines} == {200}


def test_a_code_that_is_a_sentence_is_wrapped_between_its_words_only() -> None:
    """The SDK's `CommonClient Parameter Error, ...` is a code of 77 characters with spaces."""
    sentence = next(e for e in REGISTRY.entries if " " in e.code)
    text = drawn([sentence, entry(LONGEST)], 200)
    words = sentence.code.split()
    assert all(word in text for word in words)
    lines = drawn([sentence, entry(LONGEST)], 80).splitlines()
    assert lines[:2] == [sentence.code, "  retry: no"]  # the code on a line of its own, retry under it


@given(
    st.lists(st.sampled_from([e for e in REGISTRY.entries if " " not in e.code]), min_size=2, max_size=12, unique=True),
    st.integers(60, 260),
    st.booleans(),
)
def test_a_code_is_never_wrapped_and_no_line_is_wider_than_the_terminal(entries: list[Entry], width: int,
                                                                        color: bool) -> None:
    lines = [ANSI.sub("", line) for line in drawn(entries, width, color).splitlines()]
    assert all(len(line) <= width for line in lines)
    for e in entries:
        assert any(re.search(rf"(^|\s){re.escape(e.code)}(\s|$)", line) for line in lines), e.code


def test_the_card_shows_retry_and_action_under_the_code() -> None:
    assert drawn([entry("10650")], 80) == (
        "╭─ kms 10650 ──────────────────────────────────────────────────────────────────╮\n"
        "│ Code         10650                                                           │\n"
        "│ Retry        no                                                              │\n"
        "│ Action       Enable the key (EnableKey or the console) before calling again. │\n"
        "│ Product      kms (legacy)                                                    │\n"
        "│ Error code   4550                                                            │\n"
        "│ Message      key is disabled                                                 │\n"
        "│ Description  The key is disabled. Check whether the key is enabled.          │\n"
        "│ Category     key-state                                                       │\n"
        "│ Same as      ResourceUnavailable.CmkDisabled (kms),                          │\n"
        "│              ResourceUnavailable.KeyDisabled (kms) (inferred)                │\n"
        "╰──────────────────────────────────────────────────────────────────────────────╯\n"
    )


def test_the_card_in_colour_has_retry_coloured_and_the_action_bold() -> None:
    text = drawn([entry("10650")], 80, color=True)
    assert "│ \x1b[1mRetry      \x1b[0m\x1b[1m  \x1b[0m\x1b[31mno " in text  # red, as far as the cell goes
    assert "\x1b[1mEnable the key (EnableKey or the console) before calling again.\x1b[0m" in text
    assert ANSI.sub("", text) == drawn([entry("10650")], 80)


SOMETHING_NEW = "[TencentCloudSDKException] code:FailedOperation.SomethingNew message:boom requestId:r-1"


def test_parse_card_of_an_unknown_code_gives_its_familys_advice() -> None:
    out = io.StringIO()
    EXPLANATION_RENDERERS["table"](explain_text(SOMETHING_NEW, REGISTRY), out, Style(width=80, registry=REGISTRY))
    assert out.getvalue() == (
        "╭──────────────────────────────────────────────────────────────────────────────╮\n"
        "│ Code        FailedOperation.SomethingNew                                     │\n"
        "│ Retry       yes, if the call is idempotent, family FailedOperation's advice  │\n"
        "│ Action      Retry idempotent calls later; if it persists, open a ticket with │\n"
        "│             the RequestId.                                                   │\n"
        "│ Message     boom                                                             │\n"
        "│ Request ID  r-1                                                              │\n"
        "│ Format      python-sdk                                                       │\n"
        "│ Catalogue   not in catalogue                                                 │\n"
        "│ Family      FailedOperation: Operation failed.                               │\n"
        "│ Category    operation-failed                                                 │\n"
        "╰──────────────────────────────────────────────────────────────────────────────╯\n"
    )


ROWS = [
    Row("10250", 12, "qps throttling", "2024-05-14T08:00:03Z", "2024-05-14T08:09:03Z", "backoff",
        "Retry with exponential backoff and lower the request rate.", "throttling"),
    Row("FailedOperation.SomethingNew", 3, "not in catalogue; family FailedOperation: Operation failed.",
        None, None, "idempotent", "Retry idempotent calls later.", "operation-failed", "FailedOperation",
        "family FailedOperation's advice"),
    Row("Foo.Bar", 1, "not in catalogue", "2024-05-14T08:00:07Z", "2024-05-14T08:00:07Z"),
]


def summary(fmt: str, width: int = 80, color: bool = False) -> str:
    out = io.StringIO()
    report(ROWS, fmt, out, Style(color=color, width=width))
    return out.getvalue()


def test_summary_at_80_columns_code_by_code() -> None:
    assert summary("table") == (
        "12  10250  retry: yes, backoff\n"
        "    Retry with exponential backoff and lower the request rate.\n"
        "    qps throttling (throttling)\n"
        "    seen 2024-05-14T08:00:03Z to 2024-05-14T08:09:03Z\n"
        " 3  FailedOperation.SomethingNew  retry: if idempotent\n"
        "    family FailedOperation's advice: Retry idempotent calls later.\n"
        "    not in catalogue; family FailedOperation: Operation failed.\n"
        "    (operation-failed)\n"
        " 1  Foo.Bar\n"
        "    not in catalogue\n"
        "    seen 2024-05-14T08:00:07Z\n"  # once: first and last are the same line
    )
    coloured = summary("table", color=True)
    assert "\x1b[32mretry: yes, backoff\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == summary("table")


def test_summary_at_200_columns_a_table() -> None:
    lines = [line.rstrip() for line in summary("table", 200).splitlines()]
    assert lines[0].split() == ["Count", "Code", "Retry", "Action", "Meaning", "Category", "First", "seen", "Last", "seen"]
    assert all(len(line) <= 200 for line in lines)
    # Action and Meaning share what the other columns leave: 200 - 5 - 28 - 13 - 16 - 2 * 20 - 7 * 3 = 77
    assert lines[2] == "   ".join([
        "   12", "10250".ljust(28), "yes, backoff".ljust(13), "Retry with exponential backoff and".ljust(39),
        "qps throttling".ljust(38), "throttling".ljust(16), "2024-05-14T08:00:03Z", "2024-05-14T08:09:03Z",
    ])
    assert "family FailedOperation's advice: Retry" in lines[4] and "idempotent calls later." in lines[5]


def test_summary_plain_and_json_add_the_verdict_at_the_end() -> None:
    assert summary("plain") == (
        "12\t10250\tqps throttling\t2024-05-14T08:00:03Z\t2024-05-14T08:09:03Z\tbackoff\t"
        "Retry with exponential backoff and lower the request rate.\tthrottling\t\n"
        "3\tFailedOperation.SomethingNew\tnot in catalogue; family FailedOperation: Operation failed.\t\t\tidempotent\t"
        "Retry idempotent calls later.\toperation-failed\tFailedOperation\n"
        "1\tFoo.Bar\tnot in catalogue\t2024-05-14T08:00:07Z\t2024-05-14T08:00:07Z\t\t\t\t\n"
    )
    import json

    records = json.loads(summary("json"))
    assert records[1] == {
        "code": "FailedOperation.SomethingNew", "count": 3,
        "message": "not in catalogue; family FailedOperation: Operation failed.", "first_seen": None,
        "last_seen": None, "retry": "idempotent", "retryable": True, "action": "Retry idempotent calls later.",
        "category": "operation-failed", "advice_from": "FailedOperation",
    }
    assert (records[2]["retry"], records[2]["retryable"], records[2]["advice_from"]) == (None, False, None)
