"""Plain output in pure Python from lines read for their tails alone (`LineScanner.scan_plain`).

For plain output the tail of a line depends only on its errors' (code, module code, gateway code,
codeDesc, form): Python's core reads its common lines for that key alone, with no `Finding` or
`Hit` made. The output must be the same byte for byte as the one from each line's findings
(`search.CODES_ONLY` off) and as the full extractor's of every line (`core.FAST_PATH` off): on
Hypothesis lines of the real forms and every fixture in tests/data, with and without line
numbers and file names, in blocks of any size, keys met again in later blocks.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from benchmarks.incident_log import write
from kmserr import core, search
from kmserr.registry import default_registry
from kmserr.render import Style, line_printer
from kmserr.search import Search
from tests.conftest import ENGINES
from tests.test_native import DATA, form_line


def grep(path: Path, *, names: bool = False, numbers: bool = False, annotate: bool = True) -> tuple[bytes, bool]:
    """`kmserr grep` of one file in plain output, as the CLI builds it: the output, and whether it matched."""
    out = io.BytesIO()
    sink = line_printer(out, "plain", Style(), with_filename=names, line_numbers=numbers, annotate=annotate,
                        encoding="utf-8")
    problems: list[str] = []
    run = Search(default_registry(), sink, lambda path, problem: problems.append(problem), count_lines=numbers,
                 jobs=1)
    run.search(str(path))
    sink.flush()
    assert not problems
    return out.getvalue(), run.matched


def count(path: Path) -> int:
    """`kmserr grep -c` of one file: the lines with errors, counted from the same reading."""
    run = Search(default_registry(), None, lambda path, problem: None, count_lines=False, jobs=1, count_codes=False)
    run.search(str(path))
    return run.lines_per_input[-1][1]


def three_ways(path: Path, engine: str = "hyperscan", **options: bool) -> bytes:
    """Pure Python's plain output of lines read for their tails (with this engine), asserted equal
    to that of their findings and to the full extractor's; returned."""
    with pytest.MonkeyPatch.context() as m:
        m.setenv(core.ENV, "1")
        m.setenv("KMSERR_ENGINE", engine)
        keyed = grep(path, **options)
        assert count(path) == keyed[0].count(b"\n")  # -c reads as plain output does
        m.setattr(search, "CODES_ONLY", False)
        assert grep(path, **options) == keyed
        assert count(path) == keyed[0].count(b"\n")
        m.setattr(core, "FAST_PATH", False)
        assert grep(path, **options) == keyed
    return keyed[0]


ordinary = st.sampled_from([
    b"2024-05-14T08:00:00.063Z INFO kms-client: Encrypt ok (12 ms)",
    b"", b"\xff\xfe not utf-8 (10630) x", b"\xe5\xaf\x86 (10630)message bad",
    b"ERROR TencentCloudSDKException: [AuthFailure] wrapped by rich",
    b"  code: 'AuthFailure',",
    b'{"log":"[TencentCloudSDKException] code:AuthFailure message:m requestId:r\\n","stream":"stderr"}',
    b'{"level":"error","error":"[TencentCloudSDKException] code:AuthFailure message:m requestId:r"}',
    b'{"level":"error","error":"[TencentCloudSDKException] code:None message:m requestId:r","x":"(10630) y"}',
    b'R{"level":"error","error":"[TencentCloudSDKException] code:AuthFailure message:m requestId:r"}',
    b"12 [TencentCloudSDKException] code:AuthFailure message:(10630) bad requestId:r",
])
lines = st.one_of(form_line().map(lambda line: line.encode("utf-8", "surrogatepass")), ordinary)
blocks = st.lists(st.tuples(lines, st.sampled_from([b"\n", b"\r\n"])), min_size=1, max_size=12)


@given(blocks, st.booleans(), st.booleans(), st.booleans(), st.sampled_from([64, 512, 1 << 20]),
       st.integers(1, 3), st.sampled_from(ENGINES))
@example(blocks=[(b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r", b"\r\n")] * 3,
         ended=False, names=True, numbers=True, block=1 << 20, times=2, engine="hyperscan")
def test_lines_read_for_their_tails_print_as_their_findings(
    tmp_path_factory: pytest.TempPathFactory, blocks: list[tuple[bytes, bytes]], ended: bool, names: bool,
    numbers: bool, block: int, times: int, engine: str,
) -> None:
    """A file of these lines `times` over (keys met again in later blocks), read `block` bytes at a time."""
    data = b"".join(line + eol for line, eol in blocks) * times
    if not ended:
        data = data.rstrip(b"\r\n")
    path = tmp_path_factory.mktemp("codes") / "a.log"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(search, "BLOCK_SIZE", block)
        three_ways(path, engine, names=names, numbers=numbers)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("numbers", [False, True])
def test_every_fixture(tmp_path: Path, numbers: bool, engine: str) -> None:
    """Every file in tests/data, each whole and all of them in one file (their keys met again)."""
    files = [p for p in sorted(DATA.rglob("*")) if p.is_file()]
    for path in files:
        three_ways(path, engine, numbers=numbers)
    joined = tmp_path / "all.log"
    joined.write_bytes(b"\n".join(p.read_bytes() for p in files) * 2)
    assert three_ways(joined, engine, names=True, numbers=numbers)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_incident_log(tmp_path: Path, engine: str) -> None:
    """An incident log (half its lines errors, of the common forms and others): most of its lines
    are read for their tails alone, and print as their findings do."""
    out = io.BytesIO()
    write(out, 256 << 10, 0.5, 7, "mixed")
    path = tmp_path / "incident.log"
    path.write_bytes(out.getvalue())
    printed = three_ways(path, engine, numbers=True)
    assert printed.count(b"\n") > 500


def test_a_key_let_go_is_worked_out_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a table of one tail, a line whose key was let go has its tail worked out again from
    the key alone (`Search._keyed_tail`), as its findings would give it."""
    monkeypatch.setattr(search, "_TAILS", 1)
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(
        b"a [TencentCloudSDKException] code:%s message:m requestId:r%d\n" % (code, n)
        for n in range(4) for code in (b"AuthFailure", b"InternalError", b"ResourceUnavailable.CmkDisabled")
    ) + b'b {"code": 4000, "message": "(10010) lacked of required parameters", "codeDesc": "InvalidParameter"}\n' * 3)
    printed = three_ways(path)
    assert printed.count(b"\n") == 15
    assert printed.count(b"AuthFailure") == 8  # in each line and its tail


@pytest.mark.parametrize("numbers", [False, True])
def test_a_long_line_among_common_ones(tmp_path: Path, numbers: bool) -> None:
    """A line longer than the sink writes whole (`search._LONG_LINE`), between common lines of a
    block: written by the sink in its place, the lines around it assembled."""
    common = b"a [TencentCloudSDKException] code:AuthFailure message:m requestId:r\n"
    long = b"x" * 70000 + b" (10630) lacked of required parameters\n"
    path = tmp_path / "a.log"
    path.write_bytes(common * 2 + long + common * 2)
    printed = three_ways(path, numbers=numbers)
    assert printed.count(b"\n") == 5
    assert printed.splitlines()[2].startswith(b"3:x" if numbers else b"xxx")
