"""A RichHandler record whose message holds the SDK's text (`logger.exception("Decrypt failed: %s", e)`,
`logger.error(..., e)`): rich wraps the message at its column, after the SDK's mark or within its
text; the error is read whole from the record's lines, reported on the line of its request ID, as
rich's exception line is. Printed here by the real rich and the real SDK exception, at the widths
rich is used at, and read on both cores with both engines."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.logging import RichHandler
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

import kmserr

from .conftest import Runner

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

CAPTURES = Path(__file__).parent / "data" / "captures"
RIDS = [f"7c0e4b1a-7f39-4a4b-9e0a-3b8a1c2d4e{n:02d}" for n in range(3)]
ERRORS = [
    ("ResourceUnavailable.CmkDisabled", "CMK is disabled."),
    ("InvalidParameter", "(10630) key is not existed"),
    ("FailedOperation.DecryptError", "密钥 'kms-abc' <disabled> & \"quoted\""),
]


def rich_log(width: int, *, traceback: bool, words: str = "Decrypt failed", rids: list[str] = RIDS,
             rich_tracebacks: bool = True, show_path: bool = True, colour: bool = False) -> str:
    """What RichHandler prints for three SDK errors logged with their text in the message (with
    `rich_tracebacks=False`, RichHandler's default, Python's own traceback in the message's column)."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=colour, color_system="truecolor" if colour else None)
    logger = logging.getLogger(f"kmserr-rich-{width}-{traceback}-{len(words)}-{rich_tracebacks}-{show_path}-{colour}")
    logger.handlers[:] = [RichHandler(console=console, rich_tracebacks=rich_tracebacks, show_path=show_path)]
    logger.propagate = False
    for (code, message), rid in zip(ERRORS, rids, strict=True):
        try:
            raise TencentCloudSDKException(code, message, rid)
        except TencentCloudSDKException as e:
            (logger.exception if traceback else logger.error)(f"{words}: %s", e)
    return out.getvalue()


def grep_findings(run: Runner, text: str) -> list[tuple[str, str | None, str | None]]:
    printed = run("grep", "--json", "-", input=text.encode()).stdout
    return [(m["code"], m["message"], m["request_id"]) for r in map(json.loads, printed.splitlines())
            for m in r["matches"]]


def summary(run: Runner, text: str) -> dict[str, int]:
    rows = json.loads(run("grep", "--summary", "--json", "-", input=text.encode()).stdout)
    return {row["code"]: row["count"] for row in rows}


@pytest.mark.parametrize("width", [100, 120, 160, 200])
@pytest.mark.parametrize("traceback", [False, True])
def test_a_records_sdk_text_is_read_whole(run: Runner, width: int, traceback: bool) -> None:
    text = rich_log(width, traceback=traceback)
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    # With its traceback, each error is told twice: by the record, then by rich's exception line.
    assert grep_findings(run, text) == [f for f in want for _ in range(2 if traceback else 1)]
    assert summary(run, text) == {code: 1 for code, _ in ERRORS}
    library = [(f.code, f.message, f.request_id) for hit in kmserr.scan_bytes(text.encode()) for f in hit.findings]
    assert library == grep_findings(run, text)
    plain = run("grep", "-n", "-", input=text.encode()).stdout
    assert all("requestId:" in line.split("\t")[0] for line in plain.splitlines())


class DecryptFailed(Exception):
    """An app's own exception that wraps the SDK's (its message holds the SDK's text)."""


def rich_wrapped_log(width: int, *, chained: bool, depth: int) -> str:
    """What RichHandler prints (rich's tracebacks) for three SDK errors an app wraps in its own
    exception, `depth` frames down: `raise DecryptFailed(f"...: {e}") from e` (the SDK's exception
    shown above the wrapper's) or `from None` (the wrapper's alone)."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None)
    logger = logging.getLogger(f"kmserr-rich-wrapped-{width}-{chained}-{depth}")
    logger.handlers[:] = [RichHandler(console=console, rich_tracebacks=True)]
    logger.propagate = False

    def wrap(left: int, code: str, message: str, rid: str) -> None:
        if left:
            wrap(left - 1, code, message, rid)
            return
        try:
            raise TencentCloudSDKException(code, message, rid)
        except TencentCloudSDKException as e:
            if chained:
                raise DecryptFailed(f"decrypt of the blob failed: {e}") from e
            raise DecryptFailed(f"decrypt of the blob failed: {e}") from None

    for (code, message), rid in zip(ERRORS, RIDS, strict=True):
        try:
            wrap(depth, code, message, rid)
        except DecryptFailed:
            logger.exception("request failed")
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 100, 140])
@pytest.mark.parametrize("chained", [False, True])
@pytest.mark.parametrize("depth", [0, 6])
def test_an_app_exception_that_wraps_the_sdks_is_read_whole(
    run: Runner, width: int, chained: bool, depth: int,
) -> None:
    """rich's exception line of an app's own class whose message holds the SDK's text, wrapped at
    rich's width below the traceback's box (`DecryptFailed: decrypt of the blob failed:` /
    `[TencentCloudSDKException] code:...` / ... / `requestId:...`): one error with its message and
    request ID (its code was read alone, without them; on the compiled core too where no head of
    rich's own stood in the block)."""
    text = rich_wrapped_log(width, chained=chained, depth=depth)
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    # With `from e`, each error is told twice: by the SDK's exception, then by the wrapper's.
    assert grep_findings(run, text) == [f for f in want for _ in range(2 if chained else 1)]
    assert summary(run, text) == {code: 1 for code, _ in ERRORS}
    library = [(f.code, f.message, f.request_id) for hit in kmserr.scan_bytes(text.encode()) for f in hit.findings]
    assert library == grep_findings(run, text)


# Each line of an app's output as a platform keeps it: rich in a container, read from its files,
# `kubectl logs` or syslog.
PLATFORMS = {
    "cri": lambda n, line: f"2024-05-14T08:00:{n % 60:02d}.123456789Z stderr F {line}",
    "docker": lambda n, line: json.dumps({"log": line + "\n", "stream": "stderr",
                                          "time": f"2024-05-14T08:00:{n % 60:02d}.123456789Z"},
                                         separators=(",", ":"), ensure_ascii=False),
    "kubectl": lambda n, line: f"[pod/kms-app-7d9f8c6b5-x2x9q/app] 2024-05-14T08:00:{n % 60:02d}.123456789Z {line}",
    "kubectl-prefix": lambda n, line: f"[pod/kms-app-7d9f8c6b5-x2x9q/app] {line}",
    "syslog": lambda n, line: f"<11>1 2024-05-14T08:00:{n % 60:02d}.123456+08:00 node-1 app 42 - - {line}",
}


@pytest.mark.parametrize("platform", sorted(PLATFORMS))
@pytest.mark.parametrize("width", [100, 120, 200])
@pytest.mark.parametrize("traceback", [False, True])
def test_a_records_sdk_text_in_a_platforms_lines_is_read_whole(
    run: Runner, platform: str, width: int, traceback: bool,
) -> None:
    """A RichHandler record wrapped at its message's column, each of its lines a record of the
    platform's: each error with its message and request ID, as in the app's own output (the lines
    were looked at as the app's only outside an envelope: each error lost, or read without its
    request ID on its first line alone)."""
    plain = rich_log(width, traceback=traceback, words="Decrypt 失败 for 'kms-app'")
    wrapped = "".join(PLATFORMS[platform](n, line) + "\n" for n, line in enumerate(plain.splitlines()))
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    assert grep_findings(run, plain) == [f for f in want for _ in range(2 if traceback else 1)]
    assert grep_findings(run, wrapped) == grep_findings(run, plain)
    assert summary(run, wrapped) == {code: 1 for code, _ in ERRORS}


@pytest.mark.parametrize("width", [79, 80, 89, 92, 104])
@pytest.mark.parametrize("traceback", [False, True])
def test_a_request_id_rich_folded_is_read_from_the_lines_below(run: Runner, width: int, traceback: bool) -> None:
    """Below ~110 columns the record's message column (here 27 cells at 80: the path on the right is
    long) is narrower than a request ID: rich folds it onto the next lines, each as wide as the
    column, and the parts make the SDK's UUID whole again (it was reported as none). RichHandler's
    console is 80 columns wide wherever it is not a terminal's: in every container. With the
    traceback, rich's exception line below it at 90-104 columns (a window of the lines above
    shorter than WRAPPED_WINDOW was looked at in its last characters alone: a second finding)."""
    text = rich_log(width, traceback=traceback)
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    assert grep_findings(run, text) == [f for f in want for _ in range(2 if traceback else 1)]
    assert summary(run, text) == {code: 1 for code, _ in ERRORS}


@pytest.mark.parametrize("width", [80, 100, 120, 200])
def test_pythons_own_traceback_that_richhandler_wrapped_is_read_whole(run: Runner, width: int) -> None:
    """RichHandler's default (`rich_tracebacks=False`) writes Python's own traceback in the message's
    column, wrapped there: its last line, `tencentcloud.common.exception.tencent_cloud_sdk_exc` /
    `eption.TencentCloudSDKException:` / `[TencentCloudSDKException]` / ..., was read a line at a
    time (the code without its message and request ID). The record's message tells each error
    first. (Without the path on the right: this file's long name leaves a column at 80 narrower
    than the class's name, which rich folds in turn: a limit.)"""
    text = rich_log(width, traceback=True, rich_tracebacks=False, show_path=False)
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    assert grep_findings(run, text) == [f for f in want for _ in range(2)]
    assert summary(run, text) == {code: 1 for code, _ in ERRORS}


def _raise_deep(depth: int, code: str, message: str, rid: str) -> None:
    if depth:
        _raise_deep(depth - 1, code, message, rid)
        return
    raise TencentCloudSDKException(code, message, rid)


@pytest.mark.parametrize("width", [80, 100, 120])
def test_pythons_own_traceback_of_a_deep_stack_that_richhandler_wrapped(run: Runner, width: int) -> None:
    """As above, with a stack of a dozen frames: the record's first line stands far above the
    exception line, which alone says where the error's lines begin (its class's name folded over
    two lines at 80 and 100 columns: `...tencent_cloud_sdk_exception.Te` / `ncentCloudSDKException:
    [TencentCloudSDKException]`); the compiled core read its code line alone."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None)
    logger = logging.getLogger(f"kmserr-rich-deep-{width}")
    logger.handlers[:] = [RichHandler(console=console)]
    logger.propagate = False
    for (code, message), rid in zip(ERRORS, RIDS, strict=True):
        try:
            _raise_deep(12, code, message, rid)
        except TencentCloudSDKException:
            logger.exception("request failed")
    text = out.getvalue()
    assert grep_findings(run, text) == [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_a_file_and_a_pipe_read_folded_request_ids_alike(n: int, core: str) -> None:
    """A file and the same bytes from a pipe: a block's or a read's held lines began between a
    request ID that rich folded and its rest (a record's lines counted up from a later record's
    mark, or a stream's indented lines), and that ID was read as none on one of them."""
    import os
    import subprocess
    import sys

    path = CAPTURES / f"rich-15.0.0-handler-folded-ids-{n}.txt"
    env = {key: value for key, value in os.environ.items() if key != "KMSERR_NO_EXTENSIONS"}
    if core == "python":
        env["KMSERR_NO_EXTENSIONS"] = "1"
    command = [sys.executable, "-m", "kmserr", "grep", "--json"]
    from_file = subprocess.run([*command, str(path)], capture_output=True, check=False, env=env).stdout
    from_pipe = subprocess.run(command, input=path.read_bytes(), capture_output=True, check=False, env=env).stdout
    def matches(printed: bytes) -> list[tuple[int, list[dict[str, object]]]]:
        return [(record["line_number"], record["matches"]) for record in map(json.loads, printed.splitlines())]

    assert matches(from_file) == matches(from_pipe)
    found = [m for _, line in matches(from_file) for m in line]
    assert found
    text = path.read_text(encoding="utf-8")
    for match in found:  # each request ID as the SDK wrote it: a UUID whole, `None` none
        rid = match["request_id"]
        assert rid is None or len(rid) == 36 or "-" not in rid or rid.startswith("req-"), rid
    assert not [m for m in found if m["request_id"] is None and "requestId:None" not in text]


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("coloured", ["records", "a line above"])
def test_a_record_in_a_block_with_a_terminals_colours(run: Runner, width: int, coloured: str) -> None:
    """RichHandler on a terminal (`docker run -t`, FORCE_COLOR), or plain records below one coloured
    line of another logger's (uvicorn's `\x1b[32mINFO\x1b[0m:`): in a block with colours only rich's
    exception line was looked for, and a record's SDK text was read a line at a time (its code
    alone; on the compiled core with the path on the right in its message)."""
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    if coloured == "records":
        text = rich_log(width, traceback=False, colour=True)
        assert "\x1b[" in text
    else:
        text = '\x1b[32mINFO\x1b[0m:     10.0.0.1:51234 - "GET /health HTTP/1.1" \x1b[32m200 OK\x1b[0m\n' + \
            rich_log(width, traceback=False)
    assert grep_findings(run, text) == want


def test_a_chinese_message_folded_a_cell_short_of_the_column(run: Runner) -> None:
    """rich folds a Chinese message that has no space at its column; where the next character, two
    cells wide, does not fit the last cell, the line ends a cell short and the character begins the
    next: the parts were joined with a space (`密钥状态 后重试`). At every width from 90 to 150."""
    message = "密钥已被禁用，请检查密钥状态后重试，或联系管理员开启该密钥"
    short = 0
    for width in range(90, 151):
        out = io.StringIO()
        logger = logging.getLogger(f"kmserr-rich-cjk-{width}")
        logger.handlers[:] = [RichHandler(console=Console(file=out, width=width, force_terminal=False,
                                                          color_system=None))]
        logger.propagate = False
        logger.error("Decrypt failed: %s", TencentCloudSDKException("InvalidParameter", message, RIDS[0]))
        text = out.getvalue()
        short += any(line.rstrip().endswith(("态", "后", "试")) for line in text.splitlines()[1:-1])
        assert grep_findings(run, text) == [("InvalidParameter", message, RIDS[0])], width
    assert short  # (some widths end a line a cell short)


def test_a_chain_in_pythons_own_traceback_that_richhandler_wrapped(run: Runner) -> None:
    """`raise DecryptFailed(f"...: {e}") from e` logged with RichHandler's default (Python's own
    traceback in its column): the wrapper's exception line, below its source line (indented deeper),
    was read a line at a time, and a class's name that rich folded at its module's dot
    (`...tencent_cloud_sdk_exception` / `.TencentCloudSDKException: ...`) too. At every width from
    100 to 200 (the path on the right left out: this file's long name narrows the column)."""
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    for width in range(100, 201, 3):
        out = io.StringIO()
        logger = logging.getLogger(f"kmserr-rich-chain-plain-{width}")
        logger.handlers[:] = [RichHandler(console=Console(file=out, width=width, force_terminal=False,
                                                          color_system=None), show_path=False)]
        logger.propagate = False
        for (code, message), rid in zip(ERRORS, RIDS, strict=True):
            try:
                try:
                    _raise_deep(2, code, message, rid)
                except TencentCloudSDKException as e:
                    raise DecryptFailed(f"decrypt of the blob failed: {e}") from e
            except DecryptFailed:
                logger.exception("request failed")
        text = out.getvalue()
        assert grep_findings(run, text) == [f for f in want for _ in range(2)], width
        assert summary(run, text) == {code: 1 for code, _ in ERRORS}, width


def test_a_folded_request_id_that_is_no_uuid_is_cut_not_wrong(run: Runner) -> None:
    """Where rich's folded parts make no UUID (an ID of another shape), which of the lines below are
    its parts cannot be told: it is reported as none rather than as its first part."""
    rids = ["req-" + "0123456789" * 5, "7c0e4b1a-7f39-4a4b-9e0a-3b8a1c2d4e00-extra", "7c0e4b1a-7f39-4a4b-9e0a"]
    found = grep_findings(run, rich_log(80, traceback=False, rids=rids))
    assert found == [(code, message, None) for code, message in ERRORS]


@pytest.mark.parametrize("width", [80, 88])
def test_a_piece_or_a_read_that_ends_between_a_folded_request_ids_lines(
    run: Runner, width: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """The compiled core's first piece (`search._warm`) ended after the line that a folded request
    ID begins on, at any line of the records: each error whole on both cores. A read of a stream
    that ends there holds it for the next (`scan.open_wrapped`), as it holds the lines above."""
    from kmserr import scan, search

    text = rich_log(width, traceback=False).encode()
    path = tmp_path / "rich.log"
    path.write_bytes(text + b"an ordinary line of the log\n" * (2 * len(text) // 28 + 1))
    want = [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]
    starts = [at + 1 for at in range(len(text)) if text[at] == 10][:-1]
    for cut in starts:
        monkeypatch.setattr(search, "WARM", cut - 1)  # the first piece ends where the line at `cut` starts
        printed = run("grep", "--json", str(path)).stdout
        found = [(m["code"], m["message"], m["request_id"]) for r in map(json.loads, printed.splitlines())
                 for m in r["matches"]]
        assert found == want, cut
    ends = [cut for cut in starts if text[text.rfind(b"\n", 0, cut - 1) + 1 : cut].strip().startswith(b"requestId:")]
    assert len(ends) == 3
    for cut in ends:
        assert scan.open_wrapped(text, 0, cut) < cut  # held: the ID goes on below
        below = text.find(b"\n", cut) + 1
        assert scan.open_wrapped(text, 0, below) == below


@settings(max_examples=25, deadline=None)
@given(width=st.integers(79, 220), words=st.text(st.sampled_from("abcdefgh ."), min_size=1, max_size=70).map(
    lambda w: w.strip(" ") or "x"))
def test_any_width_and_words_read_the_same_errors(width: int, words: str) -> None:
    """Whatever rich wrapped where (the SDK's mark at a line's end, `code:` on the record's first
    line, the message over lines), each error is read whole, its request ID too where rich folded
    it (a message column narrower than it, below ~110 columns)."""
    text = rich_log(width, traceback=False, words=words).encode()
    found = [(f.code, f.message, f.request_id) for hit in kmserr.scan_bytes(text) for f in hit.findings]
    assert found == [(code, message, rid) for (code, message), rid in zip(ERRORS, RIDS, strict=True)]


@pytest.mark.parametrize("width", [90, 115, 117, 140])
def test_both_cores_and_the_library_agree_at_any_width(run: Runner, width: int) -> None:
    text = rich_log(width, traceback=True)
    library = [(f.code, f.message, f.request_id) for hit in kmserr.scan_bytes(text.encode()) for f in hit.findings]
    assert grep_findings(run, text) == library
    assert [code for code, _, _ in library] == [code for code, _ in ERRORS for _ in range(2)]


def test_the_captured_record_is_read_whole(run: Runner) -> None:
    text = (CAPTURES / "rich-15.0.0-handler-message-120.txt").read_text(encoding="utf-8")
    assert grep_findings(run, text) == [
        ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RIDS[0]),
        ("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RIDS[0]),
    ]
    assert summary(run, text) == {"ResourceUnavailable.CmkDisabled": 1}


@pytest.mark.parametrize("head", ["ERROR ", "2024-05-14 08:00:00 ERROR [3d37] ", "[svc] WARNING "])
def test_an_apps_own_level_line_with_sdk_text_cut_short_is_an_error(run: Runner, head: str) -> None:
    """An app's own line (a level and one blank, not RichHandler's level padded to 8 columns) with
    the SDK's text and no request ID (a shipper's length limit cut it): taken for a RichHandler
    record whose request ID rich wrapped below, none came, and the error was lost on both cores
    (found by Hypothesis)."""
    text = (f"{head}kms: [TencentCloudSDKException] code:AuthFailure message:The CMK is disabled. req\n"
            "an ordinary line after it\n")
    assert grep_findings(run, text) == [("AuthFailure", "The CMK is disabled. req", None)]


def padded_log(error: TencentCloudSDKException, *, cut: int | None = None) -> str:
    """What logging's `%(levelname)-8s` format prints (pytest's log format begins so: RichHandler's
    padded level, without rich), for an error logged with its text, cut at `cut` characters."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)-8s %(name)s:%(filename)s:%(lineno)d %(message)s"))
    logger = logging.getLogger(f"kmserr-padded-{cut}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.error("Decrypt failed: %s", str(error)[:cut])
    logger.info("next request")
    return out.getvalue()


def test_a_padded_level_records_sdk_text_with_a_newline_is_an_error(run: Runner) -> None:
    """The SDK's message holds a newline: its request ID stands on a line of its own at the margin,
    not at the message's column. Taken for a RichHandler record whose text rich wraps below, the
    error was lost (grep and parse, both cores)."""
    text = padded_log(TencentCloudSDKException("InternalError", "backend said:\nupstream timeout", RIDS[0]))
    assert text.splitlines()[0].startswith("ERROR    ")
    assert grep_findings(run, text) == [("InternalError", "backend said:", None)]
    parsed = json.loads(run("parse", "--format", "json", text).stdout)
    assert [(m["code"], m["message"]) for m in parsed] == [("InternalError", "backend said:")]


@pytest.mark.parametrize("cut", [80, 90, 101, 110])
def test_a_padded_level_records_sdk_text_cut_short_is_an_error(run: Runner, cut: int) -> None:
    """A message cut short (a formatter's `%(message).Ns`, a shipper's limit) before its request ID."""
    error = TencentCloudSDKException("ResourceUnavailable.CmkDisabled", "CMK is disabled by its owner.", RIDS[1])
    text = padded_log(error, cut=cut)
    assert "requestId:" not in text
    message = str(error)[:cut].partition(" message:")[2].strip()
    assert message
    assert grep_findings(run, text) == [("ResourceUnavailable.CmkDisabled", message, None)]


@pytest.mark.parametrize("width", [80, 120, 200])
def test_a_rich_handler_records_sdk_text_cut_short_is_an_error(run: Runner, width: int) -> None:
    """RichHandler itself, its message (the SDK's text cut before its request ID) wrapped or not:
    the error, once, without rich's `file.py:NN` in its message."""
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, color_system=None)
    logger = logging.getLogger(f"kmserr-rich-cut-{width}")
    logger.handlers[:] = [RichHandler(console=console)]
    logger.propagate = False
    error = TencentCloudSDKException("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RIDS[2])
    logger.error("Decrypt failed: %s", str(error).partition(" requestId:")[0])
    logger.info("next request")
    found = grep_findings(run, out.getvalue())
    assert found == [("ResourceUnavailable.CmkDisabled", "CMK is disabled.", None)]
    assert kmserr.scan_bytes(out.getvalue().encode())[0].findings[0].message == "CMK is disabled."


@pytest.mark.parametrize("lines", [
    # rich's exception line cut short, the input's last line
    ["TencentCloudSDKException: [TencentCloudSDKException] code:InternalError message:backend"],
    # in an ExceptionGroup's box, wrapped, the box closed before a request ID
    ["\u2502 TencentCloudSDKException: [TencentCloudSDKException] code:InternalError message:backend  \u2502",
     "\u2502 gone                                                                                   \u2502",
     "\u2570\u2500\u2500\u2500\u2500\u256f"],
])
def test_richs_exception_line_that_ends_before_its_request_id_is_an_error(run: Runner, lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    message = "backend gone" if len(lines) > 1 else "backend"
    assert grep_findings(run, text) == [("InternalError", message, None)]
    parsed = json.loads(run("parse", "--format", "json", text).stdout)
    assert [(m["code"], m["message"], m["request_id"]) for m in parsed] == [("InternalError", message, None)]


@pytest.mark.parametrize("core", ["native", "python"])
def test_a_live_stream_waits_for_the_lines_below_richs_wrapped_text(core: str) -> None:
    """`tail -f | kmserr grep`: rich's exception line arrives, then (a read later) the line with its
    request ID. It is read with that line, once, not reported cut short at the first read's end."""
    import os
    import subprocess
    import sys
    import time

    env = {key: value for key, value in os.environ.items() if key != "KMSERR_NO_EXTENSIONS"}
    if core == "python":
        env["KMSERR_NO_EXTENSIONS"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "kmserr", "grep", "--json"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    for piece in ("decrypt failed\nTencentCloudSDKException: [TencentCloudSDKException] code:InternalError ",
                  "message:backend\n", "said no requestId:" + RIDS[0] + "\n",
                  "TencentCloudSDKException: [TencentCloudSDKException] code:AuthFailure message:cut\n"):
        proc.stdin.write(piece.encode())
        proc.stdin.flush()
        time.sleep(0.2)
    printed, _ = proc.communicate()
    assert proc.returncode == 0
    found = [(m["code"], m["message"], m["request_id"]) for r in map(json.loads, printed.splitlines())
             for m in r["matches"]]
    assert found == [("InternalError", "backend said no", RIDS[0]), ("AuthFailure", "cut", None)]


@pytest.mark.parametrize("prefix", ["2024-05-14T08:01:22.123456789Z ", "2024-05-14T08:01:22.123456789Z stderr F ",
                                    "capture"])
def test_both_cores_read_a_records_wrapped_sdk_text_in_a_platforms_lines_alike(prefix: str, tmp_path: Path) -> None:
    """A RichHandler record wrapped onto the lines below, each line in a platform's envelope (kubectl's,
    CRI's): Python's core read the record's first line alone as ended (an error without its request
    ID, and a second finding), where the compiled core left it to the lines below; each error is
    read with its request ID (test_a_records_sdk_text_in_a_platforms_lines_is_read_whole)."""
    import os
    import subprocess
    import sys

    path = tmp_path / "k.log"
    if prefix == "capture":  # real RichHandler output, tracebacks and all, in kubectl's lines
        path = CAPTURES / "rich-15.0.0-handler-message-120-kubectl-timestamps.txt"
    else:
        path.write_text("".join(prefix + line + "\n" for line in rich_log(120, traceback=False).splitlines()),
                        encoding="utf-8")
    printed = []
    for forced in ("", "1"):
        env = {key: value for key, value in os.environ.items() if key != "KMSERR_NO_EXTENSIONS"}
        if forced:
            env["KMSERR_NO_EXTENSIONS"] = forced
        printed.append(subprocess.run([sys.executable, "-m", "kmserr", "grep", "--json", str(path)],
                                      capture_output=True, check=False, env=env).stdout)
    assert printed[0] == printed[1]
    assert printed[0]
    # (but the network error's: the SDK's own exception, with no answer, has none)
    assert all(m["request_id"] for r in map(json.loads, printed[0].splitlines()) for m in r["matches"]
               if m["code"] != "ClientNetworkError")
