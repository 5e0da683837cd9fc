"""Plain output with -A/-B/-C or a filter prints a matched line with the tail of its errors'
meanings, worked out once per meaning (`Search._tail`; a filter's verdict too, `Search._kept`):
the same bytes as explaining each line for its printer."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import render, search
from kmserr.render.groups import FileGroups
from kmserr.render.lines import LinePrinter

from .conftest import Runner

RUN = Runner()  # a CliRunner holds nothing between calls: one for every example

LINES = [
    b"2024-05-14 08:00:01 INFO started",
    b"2024-05-14 08:00:02 ERROR (10630) key is not existed",
    b"2024-05-14 08:00:02 ERROR (10630) key is gone",  # the message differs from the catalogue's
    b"[TencentCloudSDKException]code:AuthFailure.SignatureExpire message:x requestId:y",
    b"RequestLimitExceeded and InternalError on one line",
    b'{"Response":{"Error":{"Code":"ResourceUnavailable.CmkDisabled","Message":"m"},"RequestId":"r"}}',
    b"(5100) codeDesc: InvalidParameter module code 10007",
    b"UnknownFamily.SomethingNew in a line",
    b"TypeError: code:TypeError from the Python SDK",
    b"plain \xff\xfe line\twith a tab",
    b"",
]

OPTIONS = st.lists(st.sampled_from(["-A1", "-B2", "-C1", "-C3", "-n", "-H", "--no-annotate"]), min_size=1, max_size=4)


def _grep(paths: list[Path], options: list[str], *, explained: bool) -> bytes:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(search, "BLOCK_SIZE", 64)  # context across blocks too
        if explained:  # each matched line explained for the printer, as before tails were shared
            monkeypatch.setattr(FileGroups, "plain", property(lambda self: False))
            monkeypatch.setattr(LinePrinter, "plain", property(lambda self: False))
        result = RUN("grep", "-j1", *options, *map(str, paths))
    assert result.exit_code in (0, 1), result.output
    return result.stdout_bytes


@given(files=st.lists(st.lists(st.sampled_from(LINES), max_size=25), min_size=1, max_size=3), options=OPTIONS)
def test_context_lines_print_the_tails_explaining_would(
    tmp_path_factory: pytest.TempPathFactory, files: list[list[bytes]], options: list[str],
) -> None:
    if not any(o.startswith(("-A", "-B", "-C")) for o in options):
        options = [*options, "-C1"]
    folder = tmp_path_factory.mktemp("context")
    paths = []
    for index, content in enumerate(files):
        path = folder / f"app{index}.log"
        path.write_bytes(b"\n".join(content) + b"\n")
        paths.append(path)
    assert _grep(paths, options, explained=False) == _grep(paths, options, explained=True)


FILTERS = st.lists(
    st.sampled_from([("--code", "AuthFailure"), ("--code", "10630"), ("--code", "InternalError"),
                     ("--category", "key-state"), ("--retryable",), ("--not-retryable",), ("--unknown",)]),
    min_size=1, max_size=3,
).map(lambda chosen: [word for option in chosen for word in option])


@given(files=st.lists(st.lists(st.sampled_from(LINES), max_size=25), min_size=1, max_size=2),
       filters=FILTERS, options=st.lists(st.sampled_from(["-n", "-H", "--no-annotate", "-C1"]), max_size=2))
def test_filtered_lines_print_the_tails_explaining_would(
    tmp_path_factory: pytest.TempPathFactory, files: list[list[bytes]], filters: list[str], options: list[str],
) -> None:
    folder = tmp_path_factory.mktemp("filtered")
    paths = []
    for index, content in enumerate(files):
        path = folder / f"app{index}.log"
        path.write_bytes(b"\n".join(content) + b"\n")
        paths.append(path)
    assert _grep(paths, [*filters, *options], explained=False) == _grep(paths, [*filters, *options], explained=True)


@given(content=st.lists(st.sampled_from(LINES), max_size=40), filters=FILTERS)
def test_a_filtered_count_is_the_lines_printed(
    tmp_path_factory: pytest.TempPathFactory, content: list[bytes], filters: list[str],
) -> None:
    path = tmp_path_factory.mktemp("counted") / "app.log"
    path.write_bytes(b"\n".join(content) + b"\n")
    printed = _grep([path], filters, explained=True).count(b"\n")
    assert _grep([path], ["-c", *filters], explained=False) == b"%d\n" % printed
    assert _grep([path], ["-l", *filters], explained=False) == (os.fsencode(path) + b"\n" if printed else b"")


def test_the_printer_is_plain_text_only() -> None:
    """The tails are the plain printer's: a table or JSON printer is asked for each line's meanings."""
    for fmt, plain in (("plain", True), ("json", False), ("table", False)):
        assert FileGroups(render.line_printer(io.BytesIO(), fmt, render.Style())).plain is plain
