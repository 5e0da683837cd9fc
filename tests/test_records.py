"""A record of several lines in one line of a platform's is read as the app wrote it, each error once.

journald's MESSAGE (JournalHandler) and rsyslog's `#012` escapes (SysLogHandler through rsyslog,
$EscapeControlCharactersOnReceive on by default) carry a whole `logger.exception` record: the log
line and its traceback, whose last line repeats the error. Real captures in tests/data/captures
(README.md there).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kmserr.envelopes import open_line, places

from .conftest import Runner

CAPTURES = Path(__file__).parent / "data" / "captures"


def records(run: Runner, path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run("grep", "--json", str(path)).stdout.splitlines()]


def test_one_record_of_several_lines_names_its_error_once(run: Runner, core: str, engine: str) -> None:
    """A journald entry whose MESSAGE holds a log line and its traceback (real: JournalHandler and
    `logger.exception("...: %s", e)`): the traceback's last line repeats the error, same code and
    request ID, in the same line of the platform's: one error, as on any line (docs/forms.md)."""
    path = CAPTURES / "journald-logger-exception.json"
    found = [(m["code"], m["message"], m["request_id"]) for r in records(run, path) for m in r["matches"]]
    assert found == [("ResourceUnavailable.CmkDisabled", "CMK is disabled.", "438b48d3-9cd4-4a2e-9cf1-493166b7ebf6")]
    parsed = json.loads(run("parse", "--format", "json", input=path.read_bytes()).stdout)
    assert [(p["code"], p["request_id"]) for p in parsed] == [found[0][::2]]
    summary = json.loads(run("grep", "--summary", "--json", str(path)).stdout)
    assert [(s["code"], s["count"]) for s in summary] == [("ResourceUnavailable.CmkDisabled", 1)]


RSYSLOG_ERRORS = [
    ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", "438b48d3-9cd4-4a2e-9cf1-493166b7ebf6"),
    ("InvalidParameter", "(10630) key is not existed", "808b408c-feac-4702-8f92-5949f5ad43db"),
    ("FailedOperation.DecryptError", "密钥 'kms-abc' <disabled> & \"quoted\" \\path", "92473160-bb18-4b12-8f58-b1f01fd60ae2"),
    ("ClientNetworkError", None, None),
]


def test_rsyslog_records_are_read_as_their_lines(run: Runner, core: str, engine: str) -> None:
    """Four `logger.exception` records through rsyslog, each one line of `#012`s: each error once, on
    its line, with its message and request ID; the traceback's source line that raises
    `TencentCloudSDKException("ClientNetworkError", str(e))` is no error of its own."""
    path = CAPTURES / "rsyslog-logger-exception.log"
    found = [(r["line_number"], m["code"], m["message"], m["request_id"]) for r in records(run, path) for m in r["matches"]]
    assert [(n, c, r) for n, c, _, r in found] == [(n, c, r) for n, (c, _, r) in enumerate(RSYSLOG_ERRORS, start=1)]
    assert [m for _, _, m, _ in found][:3] == [m for _, m, _ in RSYSLOG_ERRORS[:3]]
    assert run("grep", "-c", str(path)).stdout.strip() == "4"
    summary = json.loads(run("grep", "--summary", "--json", str(path)).stdout)
    assert sorted((s["code"], s["count"]) for s in summary) == sorted((c, 1) for c, _, _ in RSYSLOG_ERRORS)


def test_an_rsyslog_escape_is_placed_where_it_is_written() -> None:
    line = "May 14 08:00:00 node-1 app[1]: failed#012  code:InternalError#011x"
    record = open_line(line)
    assert record is not None and record.text == "failed\n  code:InternalError\tx"
    at = record.text.index("InternalError")
    placed = places(line, record, [at, record.text.index("\n"), record.text.index("\t")])
    assert line[placed[at][0] : placed[at][0] + len("InternalError")] == "InternalError"
    assert [line[s : s + w] for s, w in (placed[record.text.index("\n")], placed[record.text.index("\t")])] == ["#012", "#011"]


def test_parse_of_a_logged_exception_names_its_error_once(run: Runner) -> None:
    """`logger.exception("Decrypt failed: %s", e)` (real): the log line tells the error, the
    traceback's last line raises it again; `parse` of the record gives it once (a refused connection,
    with no request ID, by its code and message). grep prints both lines, as grep does."""
    text = (CAPTURES / "python-logging-exception-message.log").read_text(encoding="utf-8")
    heads = [at for at in range(len(text)) if text.startswith("2026-12-05 ", at) and (at == 0 or text[at - 1] == "\n")]
    records_ = [text[a:b] for a, b in zip(heads, [*heads[1:], len(text)], strict=True)]
    assert len(records_) == 4
    found = [[(p["code"], p["request_id"]) for p in json.loads(run("parse", "--format", "json", input=r).stdout)]
             for r in records_]
    assert found == [[(code, rid)] for code, _, rid in RSYSLOG_ERRORS]
