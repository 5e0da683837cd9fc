"""--summary and --timeline count an error once where a traceback's last line raises it again
(kmserr.repeats), and only there: grep prints every line; two tracebacks, and ordinary lines that
repeat a request ID, are counted as they are."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

import kmserr
from kmserr.blocks import Summary, Timeline

from .conftest import Runner

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

CAPTURES = Path(__file__).parent / "data" / "captures"
RID = "438b48d3-9cd4-4a2e-9cf1-493166b7ebf6"
SDK = "[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}"
RAISED = "tencentcloud.common.exception.tencent_cloud_sdk_exception.TencentCloudSDKException: "
FRAMES = ('Traceback (most recent call last):\n  File "/app/kms.py", line 372, in _check_error\n'
          "    raise TencentCloudSDKException(code, message, reqid)\n")


def summary(run: Runner, text: str) -> dict[str, int]:
    rows = json.loads(run("grep", "--summary", "--json", "-", input=text.encode()).stdout)
    return {row["code"]: row["count"] for row in rows}


def timeline(run: Runner, text: str) -> Counter[str]:
    printed = run("grep", "--timeline", "--format", "json", "-", input=text.encode()).stdout
    counts: Counter[str] = Counter()
    for record in map(json.loads, printed.splitlines()):
        counts[record["code"]] += record["count"]
    return +counts


@pytest.mark.parametrize(("capture", "lines", "timed"), [
    ("python-logging-exception-message.log", 8, True),  # the log line and the traceback's last, each
    # The cause's last line and the wrapper's, each; tracebacks' lines have no time to count them at.
    ("python-logging-chained-exception.log", 8, False),
])
def test_an_error_that_a_traceback_raises_again_counts_once(run: Runner, capture: str, lines: int, timed: bool) -> None:
    text = (CAPTURES / capture).read_text(encoding="utf-8")
    assert run("grep", "-c", "-", input=text.encode()).stdout.strip() == str(lines)
    counts = summary(run, text)
    want = {"ResourceUnavailable.CmkDisabled": 1, "InvalidParameter": 1, "FailedOperation.DecryptError": 1}
    assert {code: n for code, n in counts.items() if code in want} == want
    assert timeline(run, text) == (Counter(counts) if timed else Counter())


@pytest.mark.parametrize("platform", ["docker-json-file", "kubernetes-cri", "syslog-rfc3164", "kubectl-timestamps",
                                      "kubectl-prefix-timestamps"])
def test_an_error_told_again_by_a_traceback_in_a_platforms_records_counts_once(run: Runner, platform: str) -> None:
    """`logger.exception("Decrypt failed: %s", e)` through Docker's json-file driver, a CRI log file or
    syslog, a record a line: the traceback's last line raises the error its log line told, as in the
    app's own file (read in the record, not as the envelope's `{`, time or `<PRI>` first)."""
    text = (CAPTURES / f"python-logging-exception-message-{platform}.txt").read_text(encoding="utf-8")
    found = [(m["code"], m["request_id"], m["envelope"]) for line in run("grep", "--json", "-", input=text.encode())
             .stdout.splitlines() for m in json.loads(line)["matches"]]
    kind = {"kubernetes": "cri", "syslog": "syslog", "docker": "docker", "kubectl": "kubectl"}[platform.split("-")[0]]
    want = [("ResourceUnavailable.CmkDisabled", "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c", kind),
            ("InvalidParameter", "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d", kind), ("ClientNetworkError", None, kind)]
    assert found == [w for w in want for _ in range(2)]  # grep prints every line
    counts = {"ResourceUnavailable.CmkDisabled": 1, "InvalidParameter": 1, "ClientNetworkError": 1}
    assert summary(run, text) == counts
    assert timeline(run, text) == Counter(counts)


def test_a_network_error_without_request_id_told_by_the_log_line_counts_once(run: Runner) -> None:
    message = "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded"
    error = SDK.format(code="ClientNetworkError", message=message, rid="None")
    text = f"2026-12-05 09:37:41,277 ERROR app Decrypt failed: {error}\n{FRAMES}{RAISED}{error}\n"
    assert summary(run, text) == {"ClientNetworkError": 1}


@pytest.mark.parametrize("renderer", ["key-value", "logfmt"])
def test_an_error_told_again_in_a_key_value_records_traceback_counts_once(run: Runner, renderer: str) -> None:
    """structlog's KeyValueRenderer and LogfmtRenderer with format_exc_info: a record a line, the error
    in its `error` field and again at its `exception` field's end. Without a request ID (a refused
    connection) it counted twice, as it did not in a JSON record."""
    text = (CAPTURES / f"structlog-26.1.0-{renderer}-exception.txt").read_text(encoding="utf-8")
    assert summary(run, text) == {"ResourceUnavailable.CmkDisabled": 1, "InvalidParameter": 1,
                                  "FailedOperation.DecryptError": 2, "InvalidParameterValue.InvalidCiphertext": 1,
                                  "ClientNetworkError": 1}
    lines = [json.loads(line) for line in run("grep", "--json", "-", input=text.encode()).stdout.splitlines()]
    assert [len(line["matches"]) for line in lines] == [1] * 6


def test_two_tracebacks_that_raise_the_same_error_without_request_id_are_two(run: Runner) -> None:
    error = SDK.format(code="JSONDecodeError", message="Expecting value: line 1 column 1 (char 0)", rid="None")
    text = f"2026-12-05 09:00:00,000 ERROR app call failed\n{FRAMES}{RAISED}{error}\n" * 2
    assert summary(run, text) == {"JSONDecodeError": 2}


class DecryptFailed(Exception):
    """An app's own exception that wraps the SDK's (its message holds the SDK's text)."""


def chained_log(how: str) -> str:
    """What Python's logging writes for two failed calls without a request ID (the SDK's network
    error) that an app wraps: `raise DecryptFailed(f"...: {e}") from e` (`explicit`), the same
    inside the `except` without `from` (`implicit`), and what `logger.exception` writes for each."""
    import io
    import logging

    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger(f"kmserr-chained-{how}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    for port in (443, 8443):
        message = f"HTTPSConnectionPool(host='kms.tencentcloudapi.com', port={port}): Read timed out."
        try:
            try:
                raise TencentCloudSDKException("ClientNetworkError", message, None)
            except TencentCloudSDKException as e:
                if how == "explicit":
                    raise DecryptFailed(f"decrypt failed: {e}") from e
                raise DecryptFailed(f"decrypt failed: {e}")  # noqa: B904  (the chain Python prints itself)
        except DecryptFailed:
            logger.exception("request failed")
    return out.getvalue()


@pytest.mark.parametrize("how", ["explicit", "implicit"])
def test_a_wrapper_that_raises_its_causes_error_without_request_id_counts_once(run: Runner, how: str) -> None:
    """A chain's cause (the SDK's exception) and its wrapper (an app's class whose message holds the
    SDK's text) raise one error: without a request ID it counted twice, as two tracebacks would."""
    text = chained_log(how)
    assert run("grep", "-c", "-", input=text.encode()).stdout.strip() == "4"  # each error on two lines
    assert summary(run, text) == {"ClientNetworkError": 2}
    assert {r["code"]: r["count"] for r in Summary.of(kmserr.scan_bytes(text.encode())).records()} == \
        {"ClientNetworkError": 2}


def test_ordinary_lines_with_one_request_id_each_count(run: Runner) -> None:
    """A log that repeats one canned error body (a load test's, a generator's) is not folded."""
    error = SDK.format(code="ResourceUnavailable.CmkDisabled", message="CMK is disabled.", rid=RID)
    text = "".join(f"2026-12-05 09:00:{n:02d},000 ERROR app {error}\n" for n in range(30))
    assert summary(run, text) == {"ResourceUnavailable.CmkDisabled": 30}


def test_a_traceback_far_below_its_log_line_counts_again(run: Runner) -> None:
    """The log line is remembered for the few lines with errors a traceback spans, no more."""
    error = SDK.format(code="ResourceUnavailable.CmkDisabled", message="CMK is disabled.", rid=RID)
    between = "".join(f"2026-12-05 09:00:00,000 WARN app (10630) key is not existed {n}\n" for n in range(20))
    text = f"2026-12-05 09:00:00,000 ERROR app failed: {error}\n{between}{FRAMES}{RAISED}{error}\n"
    assert summary(run, text) == {"ResourceUnavailable.CmkDisabled": 2, "10630": 20}


def test_the_librarys_summary_and_timeline_count_as_grep(run: Runner) -> None:
    text = (CAPTURES / "python-logging-exception-message.log").read_text(encoding="utf-8")
    hits = kmserr.scan_bytes(text.encode())
    assert {r["code"]: r["count"] for r in Summary.of(hits).records()} == summary(run, text)
    made: Counter[str] = Counter()
    for record in Timeline.of(hits).records():
        made[record["code"]] += record["count"]
    assert +made == timeline(run, text)


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_parts_of_a_file_count_as_one_process(run: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              jobs: str) -> None:
    """-j cuts a file anywhere, between a log line and its traceback's last line too: each part
    knows the errors of the lines above it, and counts as -j1."""
    from kmserr import search

    monkeypatch.setattr(search, "SPLIT_MIN", 0)
    monkeypatch.setattr(search, "PART_MIN", 1)
    text = (CAPTURES / "python-logging-exception-message.log").read_text(encoding="utf-8")
    log = tmp_path / "app.log"
    log.write_text(text * 7, encoding="utf-8")
    for option in ("--summary", "--timeline"):
        one = run("grep", "-j1", option, "--format", "json", str(log))
        many = run("grep", "-j", jobs, option, "--format", "json", str(log))
        assert (many.exit_code, many.stdout, many.stderr) == (one.exit_code, one.stdout, one.stderr)
    assert summary(run, text * 7)["ResourceUnavailable.CmkDisabled"] == 7


def test_pieces_that_know_the_lines_above_them_add_up_to_the_whole(tmp_path: Path) -> None:
    """The block API's pieces, each cut anywhere and told the error lines above it (`hits_above`),
    count as grep counts the whole file: a traceback's last line at a piece's start included."""
    text = (CAPTURES / "python-logging-exception-message.log").read_bytes() * 3
    log = tmp_path / "app.log"
    log.write_bytes(text)
    whole = {r["code"]: r["count"] for r in Summary.of(kmserr.scan_bytes(text)).records()}
    for size in (97, 1000, 4096):
        starts = range(0, len(text), size)
        summary = Summary()
        timeline = Timeline("1m")
        for index, start in enumerate(starts):
            hits = kmserr.scan_range(log, start, start + size).hits
            above = kmserr.hits_above(log, start) if start else []
            summary.merge(Summary.of(hits, index, above=above))
            timeline.merge(Timeline.of(hits, "1m", above=above))
        assert {r["code"]: r["count"] for r in summary.records()} == whole, size
        assert timeline.records() == Timeline.of(kmserr.scan_bytes(text), "1m").records(), size
