"""`kmserr grep --timeline`: errors per code per time bucket, in each format, with grep's filters."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import Runner

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

THROTTLED = "[TencentCloudSDKException] code:RequestLimitExceeded message:request limit exceeded requestId:r-{}"
NOT_FOUND = 'kms: "message": "(10630) key is not existed"'
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _log() -> bytes:
    """08:00 to 08:59 UTC: throttled every 10 s from 08:20 to 08:29 (ISO times, one +08:00), a key
    not found every 5 minutes (Python logging's times), quiet lines between, two errors without a time."""
    lines = []
    for second in range(0, 3600, 10):
        minute, sec = divmod(second, 60)
        if 1200 <= second < 1800:
            stamp = f"2024-05-14T{16:02}:{minute:02}:{sec:02}+08:00" if second == 1200 else f"2024-05-14T08:{minute:02}:{sec:02}Z"
            lines.append(f"{stamp} ERROR {THROTTLED.format(second)}")
        else:
            lines.append(f"2024-05-14T08:{minute:02}:{sec:02}Z INFO all well")
        if second % 300 == 0:
            lines.append(f"2024-05-14 08:{minute:02}:{sec + 5:02},123 ERROR {NOT_FOUND}")
    lines.insert(100, f"ERROR without a time {NOT_FOUND}")
    lines.append(f"ERROR without a time either {THROTTLED.format('x')}")
    return ("\n".join(lines) + "\n").encode()


LOG = _log()


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_bytes(LOG)
    return path


def records(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_json_lines_in_ten_minute_buckets(run: Runner, log: Path) -> None:
    result = run("grep", "--timeline", "--bucket", "10m", "--format", "json", str(log))
    assert result.exit_code == 0
    # every code in every bucket, the most frequent first, 0 where it was not seen
    assert records(result.stdout) == [
        {"bucket": f"2024-05-14T08:{minute}0:00Z", "code": code, "count": count}
        for minute in range(6)
        for code, count in (("RequestLimitExceeded", 60 if minute == 2 else 0), ("10630", 2))
    ]
    assert result.stderr == "kmserr: grep: 2 lines without a timestamp were not placed\n"


def test_default_bucket_shows_when_throttling_started_and_stopped(run: Runner, log: Path) -> None:
    # the hour of the log, drawn in 1m buckets: throttled from 08:20 to 08:29, six times a minute
    rows = records(run("grep", "--timeline", "--json", str(log)).stdout)
    throttled = [row for row in rows if row["code"] == "RequestLimitExceeded" and row["count"]]
    assert [row["bucket"] for row in throttled] == [f"2024-05-14T08:{minute}:00Z" for minute in range(20, 30)]
    assert {row["count"] for row in throttled} == {6}
    # every minute from the first error (08:00:05) to the last (08:55:05), quiet ones at 0
    assert [row["bucket"] for row in rows if row["code"] == "10630"] == [f"2024-05-14T08:{m:02}:00Z" for m in range(56)]
    assert sum(row["count"] for row in rows if row["code"] == "10630") == 12


def test_default_bucket_follows_the_span_of_what_the_filters_keep(run: Runner, log: Path) -> None:
    result = run("grep", "--timeline", "--json", "--code", "RequestLimitExceeded", str(log))
    rows = records(result.stdout)
    assert {row["code"] for row in rows} == {"RequestLimitExceeded"}  # --code filters as always
    # ten minutes of throttling: 10s buckets, one error each
    assert [row["bucket"] for row in rows] == [f"2024-05-14T08:{s // 60}:{s % 60:02}Z" for s in range(1200, 1800, 10)]
    assert {row["count"] for row in rows} == {1}
    assert result.stderr == "kmserr: grep: 1 line without a timestamp was not placed\n"


def test_csv_and_plain(run: Runner, log: Path) -> None:
    as_csv = run("grep", "--timeline", "--bucket", "1h", "--format", "csv", str(log)).stdout
    assert as_csv == "bucket,code,count\n2024-05-14T08:00:00Z,RequestLimitExceeded,60\n2024-05-14T08:00:00Z,10630,12\n"
    assert list(csv.DictReader(io.StringIO(as_csv)))[1] == {"bucket": "2024-05-14T08:00:00Z", "code": "10630", "count": "12"}
    plain = run("grep", "--timeline", "--bucket", "1h", "--format", "plain", str(log)).stdout
    assert plain == "2024-05-14T08:00:00Z\tRequestLimitExceeded\t60\n2024-05-14T08:00:00Z\t10630\t12\n"
    # not a terminal: plain by default, as grep's other outputs
    assert run("grep", "--timeline", "--bucket", "1h", str(log)).stdout == plain


def test_other_filters(run: Runner, log: Path) -> None:
    result = run("grep", "--timeline", "--bucket", "1h", "--format", "plain", "--retryable", str(log))
    assert result.stdout == "2024-05-14T08:00:00Z\tRequestLimitExceeded\t60\n"


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {}])
def test_chart(run: Runner, log: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    monkeypatch.setenv("COLUMNS", "90")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    color = [] if env else ["--color", "never"]  # NO_COLOR turns auto off; an explicit --color always would win
    result = run("grep", "--timeline", "--format", "table", *color, str(log))
    assert result.exit_code == 0
    text = result.stdout
    assert not ANSI.search(text)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 90
    for label in ("KMS errors per 1m", "RequestLimitExceeded", "10630", "errors", "time (UTC) on 2024-05-14", "08:00"):
        assert label in text
    assert lines[-1] == "2 lines without a timestamp were not placed"
    assert result.stderr == ""


def test_chart_in_colour(run: Runner, log: Path) -> None:
    text = run("grep", "--timeline", "--format", "table", "--color", "always", str(log)).stdout
    assert ANSI.search(text)
    assert "RequestLimitExceeded" in ANSI.sub("", text)


def test_no_match(run: Runner) -> None:
    result = run("grep", "--timeline", "--format", "json", input=b"2024-05-14T08:00:00Z all well\n")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    chart = run("grep", "--timeline", "--format", "table", input=b"2024-05-14T08:00:00Z all well\n")
    assert (chart.exit_code, chart.stdout) == (1, "No errors: nothing to draw.\n")


def test_only_lines_without_a_time(run: Runner) -> None:
    result = run("grep", "--timeline", "--format", "table", input=f"{NOT_FOUND}\n{NOT_FOUND}\n".encode())
    assert result.exit_code == 0
    assert result.stdout == "No error line had a timestamp: nothing to draw.\n2 lines without a timestamp were not placed\n"


def test_too_many_buckets_are_merged_and_said_so(run: Runner) -> None:
    data = "".join(f"2024-05-14 {s // 3600:02}:{s // 60 % 60:02}:{s % 60:02} {THROTTLED.format(s)}\n" for s in range(5000))
    result = run("grep", "--timeline", "--bucket", "1s", "--format", "json", input=data.encode())
    assert result.stderr == "kmserr: grep: --timeline: more than 4,096 buckets of 1s: counted in buckets of 2s\n"
    rows = records(result.stdout)
    assert len(rows) == 2500 and {row["count"] for row in rows} == {2}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timeline", "-c"], "--timeline cannot be combined with -c"),
        (["--timeline", "--summary", "-l"], "--timeline cannot be combined with --summary, -l"),
        (["--timeline", "-A", "1"], "--timeline cannot be combined with -A"),
        (["--timeline", "-B", "2", "-C", "1"], "--timeline cannot be combined with -B, -C"),
        (["--timeline", "--bucket", "5"], "--bucket: bucket size '5': give a whole number and a unit, as 30s, 5m, 1h or 1d"),
        (["--timeline", "--bucket", "1w"], "--bucket: bucket size '1w': give a whole number and a unit, as 30s, 5m, 1h or 1d"),
        (["--bucket", "5m"], "--bucket goes with --timeline"),
        (["--format", "csv"], "--format csv goes with --timeline"),
    ],
)
def test_usage_errors(run: Runner, log: Path, args: list[str], message: str) -> None:
    result = run("grep", *args, str(log))
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"kmserr: grep: {message}\n")


def test_summary_reads_the_same_timestamps(run: Runner, log: Path) -> None:
    rows = json.loads(run("grep", "--summary", "--format", "json", str(log)).stdout)
    first = {row["code"]: (row["first_seen"], row["last_seen"]) for row in rows}
    assert first["10630"] == ("2024-05-14 08:00:05,123", "2024-05-14 08:55:05,123")
    # the last throttled line has no time: the last seen is the last line that had one
    assert first["RequestLimitExceeded"] == ("2024-05-14T16:20:00+08:00", "2024-05-14T08:29:50Z")


def test_summary_reads_every_form(run: Runner) -> None:
    lines = (
        f'10.0.0.1 - - [14/May/2024:08:00:01 +0200] "POST /" 400 {NOT_FOUND}\n'
        f"May 14 08:00:02 host app[1]: {NOT_FOUND}\n"
        f'{{"level":"error","time":1715673603123,"msg":{json.dumps(NOT_FOUND)}}}\n'
    )
    [row] = json.loads(run("grep", "--summary", "--format", "json", input=lines.encode()).stdout)
    assert (row["first_seen"], row["last_seen"]) == ("14/May/2024:08:00:01 +0200", '"time":1715673603123')


SCRIPT = """
import sys
from kmserr.__main__ import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stderr.write("rich imported: %s\\n" % ("rich" in sys.modules))
"""


@pytest.mark.parametrize(
    ("args", "imported"),
    [
        (["grep", "--format", "table"], False),
        (["grep", "--summary", "--format", "table"], True),
        (["lookup", "10630", "--format", "table"], True),
        (["grep", "--timeline", "--format", "json"], False),
        (["grep", "--timeline", "--format", "table"], False),
    ],
)
def test_the_chart_is_drawn_without_rich(log: Path, args: list[str], imported: bool) -> None:
    """The chart's rows are written as text: only tables and cards import Rich (start-up time)."""
    files = [str(log)] if args[0] == "grep" else []
    result = subprocess.run([sys.executable, "-c", SCRIPT, *args, *files], capture_output=True, text=True, timeout=120)
    assert result.stderr.splitlines()[-1] == f"rich imported: {imported}"


def test_times_of_china_regions_are_placed_in_utc(run: Runner, tmp_path: Path) -> None:
    """`UTC+8`, `GMT+8` and `(UTC+8)` are eight hours ahead of UTC, in --timeline as in --summary's order."""
    log = tmp_path / "cn.log"
    log.write_text(
        "2024-05-14 08:10:01 (UTC+8) ERROR (10630) key is not existed\n"
        "2024-05-14 09:10:01 UTC+08:00 ERROR (10630) key is not existed\n"
        "2024-05-14 01:20:00 GMT ERROR (10630) key is not existed\n"
        "2024-05-14 10:10:01 GMT+8 ERROR (10630) key is not existed\n",
        encoding="utf-8",
    )
    result = run("grep", "--timeline", "--bucket", "1h", "--format", "json", str(log))
    assert result.exit_code == 0, result.output
    assert records(result.stdout) == [
        {"bucket": "2024-05-14T00:00:00Z", "code": "10630", "count": 1},
        {"bucket": "2024-05-14T01:00:00Z", "code": "10630", "count": 2},
        {"bucket": "2024-05-14T02:00:00Z", "code": "10630", "count": 1},
    ]


@pytest.mark.parametrize("columns", ["1", "10", "39"])
def test_a_chart_too_narrow_to_read_is_drawn_80_wide(run: Runner, log: Path, columns: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule of every table (a COLUMNS under 40 draws 80) holds for the chart too."""
    monkeypatch.setenv("COLUMNS", columns)
    result = run("grep", "--timeline", "--format", "table", "--color", "never", str(log))
    assert result.exit_code == 0, result.output
    widths = [len(line) for line in result.stdout.splitlines()]
    assert max(widths) == 80, result.stdout


@pytest.mark.parametrize(("columns", "cells"), [("80", 10), ("200", 27)])
@pytest.mark.parametrize("color", ["never", "always"])
def test_chart_rows_at_80_and_200_columns(run: Runner, log: Path, monkeypatch: pytest.MonkeyPatch,
                                          columns: str, cells: int, color: str) -> None:
    """A row a minute, as wide as the terminal: at 08:20 six throttled and one key not found, each
    error the same whole number of cells ((width - 8) // 7 errors at most)."""
    monkeypatch.setenv("COLUMNS", columns)
    result = run("grep", "--timeline", "--format", "table", "--color", color, str(log))
    lines = result.stdout.splitlines()
    assert lines[0] == "KMS errors per 1m, time (UTC) on 2024-05-14"
    width, bar = int(columns), 7 * cells
    red, yellow, reset = ("\x1b[31m", "\x1b[33m", "\x1b[0m") if color == "always" else ("", "", "")
    assert lines[1 + 20] == f"08:20 {red}{'█' * 6 * cells}{reset}{yellow}{'▓' * cells}{reset}{' ' * (width - 8 - bar)} 7"
    assert lines[1 + 21] == f"08:21 {red}{'█' * 6 * cells}{reset}{' ' * (width - 8 - 6 * cells)} 6"
    assert lines[1 + 1] == "08:01" + " " * (width - 6) + "0"
    assert ANSI.sub("", lines[-2]) == "█ RequestLimitExceeded (60)  ▓ 10630 (12)"
    assert all(len(ANSI.sub("", line)) <= width for line in lines)
