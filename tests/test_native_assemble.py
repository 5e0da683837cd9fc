"""grep's plain output assembled by the compiled core (`LineScanner.assemble`) against Python's.

The compiled core writes the matched lines whose tails a search's table holds and leaves the
others to Python; the output must be the same byte for byte as Python's path gives, with either
core: line numbers, file names, lines read in Python, keys met for the first time, a full table,
CRLF, invalid UTF-8 and a last line without its newline included.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from kmserr import _native, core, search
from kmserr.explanation import Explanation
from kmserr.extract import Extractor
from kmserr.registry import default_registry
from kmserr.render import Style, line_printer
from kmserr.render.lines import LinePrinter
from kmserr.scan import Hit, LineScanner
from kmserr.search import Search
from tests import jsonl
from tests.conftest import ENGINES
from tests.test_native import DATA, _core_class, _dense_lines, crowded_line, form_line

Grepped = tuple[bytes, list[tuple[str, int]], bool]


def grep(path: Path, *, names: bool = False, numbers: bool = False, annotate: bool = True, json: bool = False
         ) -> Grepped:
    """`kmserr grep` of one file in plain output (or --json), as the CLI builds it: output, lines per
    input, matched."""
    out = io.BytesIO()
    sink = line_printer(out, "json" if json else "plain", Style(), with_filename=names, line_numbers=numbers,
                        annotate=annotate, encoding="utf-8")
    problems: list[str] = []
    run = Search(default_registry(), sink, lambda path, problem: problems.append(problem),
                 count_lines=numbers or json, jobs=1)
    run.search(str(path))
    sink.flush()
    assert not problems
    return out.getvalue(), run.lines_per_input, run.matched


def count(path: Path, *, files_only: bool = False) -> Grepped:
    """`kmserr grep -c` (or -l) of one file: nothing printed, lines per input, matched."""
    problems: list[str] = []
    run = Search(default_registry(), None, lambda path, problem: problems.append(problem), count_lines=False,
                 files_only=files_only, count_codes=False, jobs=1)
    run.search(str(path))
    assert not problems
    return b"", run.lines_per_input, run.matched


def three_ways(monkeypatch: pytest.MonkeyPatch, path: Path, **options: bool) -> Grepped:
    """The output assembled by the compiled core (and its --json, -c and -l), asserted equal to the
    compiled core's without assembly and to pure Python's; returned."""
    _core_class()  # stops (or fails with KMSERR_REQUIRE_NATIVE) where the native core is not built
    assembled = grep(path, **options)
    json = grep(path, json=True)
    counted = count(path), count(path, files_only=True)
    with monkeypatch.context() as m:
        m.setattr(search, "ASSEMBLE", False)
        assert grep(path, **options) == assembled
        assert grep(path, json=True) == json
        assert (count(path), count(path, files_only=True)) == counted
    with monkeypatch.context() as m:
        m.setenv(core.ENV, "1")
        assert grep(path, **options) == assembled
        assert grep(path, json=True) == json
        assert (count(path), count(path, files_only=True)) == counted
    assert counted[0][1] == assembled[1]  # as many lines counted as printed
    return assembled


# --- blocks built from the real forms, and lines around them ------------------------------------------

ordinary = st.sampled_from([
    b"2024-05-14T08:00:00.063Z INFO kms-client: Encrypt ok (12 ms)",
    b"", b"\xff\xfe not utf-8 (10630) x", b"\xe5\xaf\x86 (10630)message bad",
    b"ERROR TencentCloudSDKException: [AuthFailure] wrapped by rich",
    b"  code: 'AuthFailure',",
    b'{"log":"[TencentCloudSDKException] code:AuthFailure message:m requestId:r\\n","stream":"stderr"}',
])
lines = st.one_of(form_line().map(lambda line: line.encode("utf-8", "surrogatepass")), ordinary)
blocks = st.lists(st.tuples(lines, st.sampled_from([b"\n", b"\r\n"])), min_size=1, max_size=12)


@given(blocks, st.booleans(), st.booleans(), st.booleans(), st.sampled_from([0, 1, 3, 4096]),
       st.sampled_from([64, 512, 1 << 20]), st.integers(1, 3))
@example(blocks=[(b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r", b"\r\n")] * 3,
         ended=False, names=True, numbers=True, limit=4096, block=1 << 20, times=2)
def test_assembled_as_python_prints(
    tmp_path_factory: pytest.TempPathFactory, blocks: list[tuple[bytes, bytes]], ended: bool, names: bool,
    numbers: bool, limit: int, block: int, times: int,
) -> None:
    """A file of these lines `times` over (keys met again in later blocks), read `block` bytes at a
    time, with a table of `limit` tails (0: every line a hole)."""
    data = b"".join(line + eol for line, eol in blocks) * times
    if not ended:
        data = data.rstrip(b"\r\n")
    path = tmp_path_factory.mktemp("assemble") / "a.log"
    path.write_bytes(data)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(search, "BLOCK_SIZE", block)
        monkeypatch.setattr(search, "WARM", 100)  # the first block cut after its first lines
        monkeypatch.setattr(_native, "TAILS", limit)
        three_ways(monkeypatch, path, names=names, numbers=numbers)


@given(st.lists(st.one_of(crowded_line().map(str.encode), lines), min_size=1, max_size=6), st.booleans(),
       st.sampled_from([0, 3, 4096]), st.sampled_from([512, 1 << 20]), st.integers(1, 3))
def test_crowded_lines_assembled_as_python_prints(
    tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], numbers: bool, limit: int, block: int, times: int,
) -> None:
    """Lines of many errors, their tails joined by the compiled core from each error's, as Python joins them."""
    path = tmp_path_factory.mktemp("assemble") / "a.log"
    path.write_bytes(b"".join(line + b"\n" for line in lines) * times)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(search, "BLOCK_SIZE", block)
        monkeypatch.setattr(search, "WARM", 100)
        monkeypatch.setattr(_native, "TAILS", limit)
        three_ways(monkeypatch, path, numbers=numbers)


def test_the_core_writes_crowded_lines_once_it_knows_their_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A line of 100 errors is Python's until the table holds the tail of each of its errors; then the
    compiled core writes it, as Python would have."""
    _core_class()
    data = _dense_lines(200, 100, 7)
    path = tmp_path / "a.log"
    path.write_bytes(data)
    rendered: list[bytes] = []
    original = LinePrinter.matched_with_tail

    def spy(self: LinePrinter, hit: Hit, tail: bytes, name: str) -> None:
        rendered.append(hit.line)
        original(self, hit, tail, name)

    def read(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("Python reads no line the compiled core read")

    monkeypatch.setattr(LinePrinter, "matched_with_tail", spy)
    with monkeypatch.context() as m:
        m.setattr(Extractor, "find", read)
        grep(path, numbers=True)
    assert 1 <= len(rendered) <= 20  # the first lines teach the table every error's tail
    out = three_ways(monkeypatch, path, numbers=True)[0]
    assert out.count(b"\n") == 200


# --- messages that agree with the catalogue's, or nearly -------------------------------------------

_DOCUMENTED = [e for e in default_registry().entries if e.message and e.module_code is not None]
_MUTATIONS = [
    lambda m: m, str.upper, lambda m: m.replace(" ", "  \t"), lambda m: f"'{m}'", lambda m: f"{m}.",
    lambda m: f" {m} ", lambda m: m[: len(m) // 2], lambda m: f"`{m}` (trace 7)", lambda m: f"x{m}",
    lambda m: f"{m} 密钥", lambda m: f"密钥{m}", lambda m: m.replace("e", "é"), lambda m: f"\u3000{m}",
]


@st.composite
def documented_line(draw: st.DrawFn) -> bytes:
    entry = draw(st.sampled_from(_DOCUMENTED))
    word = draw(st.sampled_from(["KeyId", "", " ", "a b", "(10630)", "KeyId in", "密钥"]))
    message = draw(st.sampled_from([entry.message or "", *(t.replace("%s", word) for t in entry.message_templates)]))
    message = draw(st.sampled_from(_MUTATIONS))(message)
    module, sp = entry.module_code, draw(st.sampled_from(["", " ", "  "]))
    line = draw(st.sampled_from([
        f"request rejected: ({module}){sp}{message} action=Decrypt",
        f'kms: returned {{"code": 4000, "message": "({module}){sp}{message}", "codeDesc": "InvalidParameter"}}',
        f"raised [TencentCloudSDKException] code:InvalidParameter message:({module}){sp}{message} requestId:r-1",
        f"raised [TencentCloudSDKException] code:{module} message:{message} requestId:r-1",
        f'kms: {{"Response": {{"Error": {{"Code": "{module}", "Message": "{message}"}}, "RequestId": "r-2"}}}}',
    ]))
    return line.encode("utf-8", "surrogatepass")


@given(st.lists(documented_line(), min_size=1, max_size=10), st.integers(1, 2))
def test_messages_agree_as_python_says(tmp_path_factory: pytest.TempPathFactory, lines: list[bytes], times: int) -> None:
    """--json's `message_agrees`, read by the compiled core from the catalogue's messages and templates."""
    path = tmp_path_factory.mktemp("agree") / "a.log"
    path.write_bytes(b"\n".join(lines * times) + b"\n")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(search, "BLOCK_SIZE", 256)  # the tables learn in early blocks, read in later ones
        monkeypatch.setattr(search, "WARM", 40)
        three_ways(monkeypatch, path)


def test_agreeing_and_disagreeing_messages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    lines = [b"request rejected: (10320)NO SUCH  parameter 'KeyId' action=Decrypt",
             b"request rejected: (10320)no such thing action=Decrypt",
             b"request rejected: (10320)no such parameter action=Decrypt",
             b"request rejected: (10320)no such parameter action=Encrypt"]
    path.write_bytes(b"\n".join(lines * 3) + b"\n")
    monkeypatch.setattr(search, "BLOCK_SIZE", 64)  # a line a block: from the second, the compiled core writes them
    out = three_ways(monkeypatch, path)[0]
    import json

    agrees = [json.loads(line)["matches"][0]["message_agrees"] for line in grep(path, json=True)[0].splitlines()]
    assert agrees == [True, False, True, True] * 3
    assert out.count(b"\n") == 12


def test_chinese_messages_are_not_compared(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A Chinese message is not compared with the catalogue's English one: the compiled core knows
    it (None) and writes the second such line itself; a third, in English, agrees (a new part)."""
    path = tmp_path / "a.log"
    path.write_bytes("".join(f"x raised [TencentCloudSDKException] code:10320 message:{m} requestId:r-{n}\n"
                             for n, m in enumerate(["参数不存在", "参数不存在了", "no such parameter"])).encode())
    monkeypatch.setattr(search, "BLOCK_SIZE", 40)
    three_ways(monkeypatch, path)
    rendered: list[int] = []
    matched = LinePrinter.matched

    def spy(self: LinePrinter, hit: Hit, items: Sequence[Explanation], name: str) -> None:
        rendered.append(hit.line_number)
        matched(self, hit, items, name)

    monkeypatch.setattr(LinePrinter, "matched", spy)
    import json

    out = grep(path, json=True)[0]
    assert [json.loads(line)["matches"][0]["message_agrees"] for line in out.splitlines()] == [None, None, True]
    assert rendered == [1, 3]


def test_lines_handed_back_are_read_by_pythons_fast_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """JSON-lines records whose SDK text has escapes, which the compiled core hands back, are read
    again by Python's block core in one go (more of them than scan._AGAIN_AFTER): the full extractor
    reads the first of their kind only."""
    _core_class()
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(
        b'{"level":"error","msg":"[TencentCloudSDKException] code:AuthFailure message:\\u5bc6 %d requestId:r-%d"}\n'
        % (n, n) for n in range(40)))
    expected = three_ways(monkeypatch, path, numbers=True)
    calls: list[str] = []
    find = Extractor.find

    def counted(self: Extractor, text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return find(self, text, *args, **kwargs)

    monkeypatch.setattr(Extractor, "find", counted)
    assert grep(path, numbers=True) == expected
    assert expected[0].count(b"\n") == 40
    assert len(calls) <= 2


@pytest.mark.parametrize("engine", ENGINES)
def test_a_long_line_handed_back_is_read_with_the_prefilter_s_places(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, engine: str,
) -> None:
    """With Hyperscan, a line longer than scan._AGAIN_MAX, which the compiled core hands back, is
    read by Python's block core where it stands, with the places its prefilter found, from the
    first such line on: not by the full extractor over the whole line (up to twice an ordinary
    line's time for 8 MB floods). With `re`, whose prefilter costs more there, the full extractor
    reads it. The output is the same."""
    _core_class()
    monkeypatch.setenv("KMSERR_ENGINE", engine)
    path = tmp_path / "a.log"
    filler = b"ResourceUnavailableish Cmk.Disabledx AuthFailurey " * 2000  # 100 KB of near-misses
    path.write_bytes(b"".join(b"%s (10630) key is not existed %d\n" % (filler, n) for n in range(3)))
    expected = three_ways(monkeypatch, path, numbers=True)
    blind: list[int] = []
    find = Extractor.find

    def counted(self: Extractor, text: str, names_at: Any = None, parens_at: Any = None, forms: Any = None,
                **kwargs: Any) -> Any:
        if names_at is None and parens_at is None and forms is None:
            blind.append(len(text))
        return find(self, text, names_at, parens_at, forms, **kwargs)

    monkeypatch.setattr(Extractor, "find", counted)
    assert grep(path, numbers=True) == expected
    assert expected[0].count(b"\n") == 3
    assert bool([size for size in blind if size > 65536]) == (engine == "re")


def test_escaped_records_are_written_by_the_core(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """JSON-lines records whose SDK text has `\\uXXXX` escapes (Chinese messages under json.dumps'
    ensure_ascii) are read unescaped by the compiled core: after the first of their key, it writes
    them, and Python neither reads nor renders them."""
    _core_class()
    path = tmp_path / "a.log"
    path.write_bytes(b"".join(
        b'{"level":"error","msg":"[TencentCloudSDKException] code:FailedOperation.DecryptError '
        b'message:\\u89e3\\u5bc6\\u5931\\u8d25 \\/k%d requestId:r-%d","region":"ap-chengdu"}\n' % (n, n)
        for n in range(40)))
    expected = three_ways(monkeypatch, path, numbers=True)
    assert expected[0].count(b"\n") == 40
    rendered: list[int] = []
    read_again: list[int] = []
    again = LineScanner._read_again

    def counted(self: LineScanner, buf: bytes, lines: list[tuple[int, int]], start: int) -> Any:
        read_again.append(len(lines))
        return again(self, buf, lines, start)

    monkeypatch.setattr(LineScanner, "_read_again", counted)
    monkeypatch.setattr(search, "WARM", 100)  # the first line alone, then the rest in one block
    monkeypatch.setattr(LinePrinter, "matched_with_tail", lambda self, hit, tail, name: rendered.append(hit.line_number))
    grep(path, numbers=True)
    assert rendered == [1]
    assert read_again == [1]
    json = grep(path, json=True)
    explained: list[int] = []
    explain = Search._explain

    def counted_explain(self: Search, hit: Hit) -> Any:
        explained.append(hit.line_number)
        return explain(self, hit)

    monkeypatch.setattr(Search, "_explain", counted_explain)
    assert grep(path, json=True) == json
    assert json[0].count(b"\n") == 40
    assert explained == [1]  # --json too: the core writes the records after the first


@given(st.lists(st.tuples(jsonl.records, st.sampled_from([b"\n", b"\r\n"])), min_size=1, max_size=6),
       st.booleans(), st.integers(1, 3))
def test_records_assembled_as_python_prints(
    tmp_path_factory: pytest.TempPathFactory, records: list[tuple[str, bytes]], numbers: bool, times: int,
) -> None:
    """JSON-lines records (escapes of every kind, odd keys, two errors): the output the compiled
    core assembles, reading SDK text unescaped, is Python's, keys met again included."""
    data = b"".join(line.encode("utf-8", "surrogateescape") + eol for line, eol in records) * times
    path = tmp_path_factory.mktemp("records") / "a.log"
    path.write_bytes(data)
    _core_class()

    def json_or_error() -> object:
        # --json of a message with a lone surrogate (`\\ud83d` alone) fails on either core
        # (render.json._text), a matter of its own: then both must fail alike.
        try:
            return grep(path, json=True)
        except UnicodeError as exc:
            return type(exc)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(search, "WARM", 100)
        monkeypatch.setattr(search, "JSON_PIECE", 150)  # --json's records assembled a few lines at a time
        assembled, counted, json = grep(path, numbers=numbers), count(path), json_or_error()
        monkeypatch.setattr(search, "ASSEMBLE", False)
        assert grep(path, numbers=numbers) == assembled
        assert count(path) == counted
        assert json_or_error() == json
        monkeypatch.setenv(core.ENV, "1")
        assert grep(path, numbers=numbers) == assembled
        assert count(path) == counted
        assert json_or_error() == json


def test_the_first_block_is_cut_after_its_first_lines(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """In one block, the lines after the first WARM bytes are written by the compiled core, with
    what Python taught it from the first ones."""
    _core_class()
    line = b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r"
    path = tmp_path / "a.log"
    path.write_bytes(b"ok\n" + b"\n".join([line] * 50))  # no final newline
    monkeypatch.setattr(search, "WARM", 100)
    expected = three_ways(monkeypatch, path, numbers=True)
    rendered: list[int] = []
    monkeypatch.setattr(LinePrinter, "matched_with_tail", lambda self, hit, tail, name: rendered.append(hit.line_number))
    grep(path, numbers=True)
    assert rendered == [2, 3]  # the lines of the first 100 bytes and the one that ends beyond them
    printed = expected[0].splitlines()
    assert len(printed) == 50
    assert printed[-1].startswith(b"51:" + line + b"\tkmserr: AuthFailure ")


def test_json_is_assembled_a_piece_at_a_time(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """--json's records are assembled JSON_PIECE bytes (whole lines) at a time, each piece written
    before the next is assembled: the output is the same as in one block, line numbers included."""
    _core_class()
    line = b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r"
    path = tmp_path / "a.log"
    path.write_bytes(b"\n".join([b"ok", *[line] * 40, b"ok"] * 3))  # no final newline
    whole = grep(path, json=True)
    assert whole[0].count(b"\n") == 120
    pieces: list[tuple[int, int]] = []
    assemble = LineScanner.assemble

    def counted(self: LineScanner, buf: bytes, start: int, end: int, *rest: Any, **options: Any) -> Any:
        if options.get("json"):
            pieces.append((start, end))
        return assemble(self, buf, start, end, *rest, **options)

    monkeypatch.setattr(LineScanner, "assemble", counted)
    monkeypatch.setattr(search, "JSON_PIECE", 500)
    three_ways(monkeypatch, path, numbers=True)  # the same output by every path, in pieces or not
    pieces.clear()
    assert grep(path, json=True) == whole
    assert len(pieces) > 10
    assert sum(end - start for start, end in pieces) == path.stat().st_size  # every line once
    assert all(end - start <= 500 + len(line) + 1 for start, end in pieces)


def test_the_first_block_is_cut_in_growing_pieces(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A meaning first met after the first WARM bytes is Python's to print in the piece where it
    first appears, not on every line of the rest of the block: the pieces grow from WARM bytes."""
    _core_class()
    first = b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r"
    later = b"x [TencentCloudSDKException] code:InvalidParameter message:m requestId:r"
    path = tmp_path / "a.log"
    path.write_bytes(b"\n".join([first] * 2 + [later] * 60) + b"\n")
    monkeypatch.setattr(search, "WARM", 100)
    plain = three_ways(monkeypatch, path, numbers=True)[0]
    json = grep(path, json=True)[0]
    for method in ("matched_with_tail", "matched"):  # how Python prints a line in plain output, in JSON
        printed: list[int] = []
        original = getattr(LinePrinter, method)

        def counted(self: LinePrinter, hit: Hit, *rest: Any, original: Any = original, printed: list[int] = printed
                    ) -> None:
            printed.append(hit.line_number)
            original(self, hit, *rest)

        with monkeypatch.context() as m:
            m.setattr(LinePrinter, method, counted)
            assert grep(path, numbers=True, json=method == "matched")[0] == (json if method == "matched" else plain)
        # the lines of the first 100 bytes, then the three of `later` in the next 200 (not its 60)
        assert printed == [1, 2, 3, 4, 5], method
    pieces = list(search._warm([(path.read_bytes(), 0, path.stat().st_size)]))
    assert [(start, end) for _, start, end in pieces] == [(0, 136), (136, 355), (355, 793), (793, 1596), (1596, 4516)]


def test_every_fixture_file(monkeypatch: pytest.MonkeyPatch) -> None:
    files = [p for p in sorted(DATA.rglob("*")) if p.is_file()]
    assert len(files) > 10
    printed = 0
    for path in files:
        printed += len(three_ways(monkeypatch, path)[0])
        three_ways(monkeypatch, path, names=True, numbers=True)
    assert printed > 10_000


def test_without_annotations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "a.log"
    path.write_bytes(b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r\n" * 3)
    out = three_ways(monkeypatch, path, annotate=False, numbers=True)[0]
    assert out == b"".join(b"%d:x [TencentCloudSDKException] code:AuthFailure message:m requestId:r\n" % n
                           for n in (1, 2, 3))


def test_the_core_writes_the_lines_of_known_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """After the first line of a key, the lines with its key are written by the compiled core, not Python."""
    _core_class()
    line = b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r"
    path = tmp_path / "a.log"
    path.write_bytes(b"\nok\n".join([line] * 50) + b"\n")
    assembled: list[bytes] = []
    rendered: list[bytes] = []
    monkeypatch.setattr(LinePrinter, "assembled", lambda self, data: assembled.append(bytes(data)))
    monkeypatch.setattr(LinePrinter, "matched_with_tail", lambda self, hit, tail, name: rendered.append(hit.line))
    monkeypatch.setattr(search, "BLOCK_SIZE", 80)  # a line a block: the first one's tail is known at the next
    grep(path, names=True, numbers=True)
    assert rendered == [line]

    def scanned(*args: object) -> None:
        raise AssertionError("-c counts in the compiled core")

    monkeypatch.setattr(LineScanner, "scan_lines", scanned)
    assert count(path)[1] == [(str(path), 50)]
    written = b"".join(assembled).split(b"\n")
    assert written.pop() == b""
    assert len(written) == 49
    for number, printed in enumerate(written, 1):
        assert printed.startswith(b"%s:%d:%s\tkmserr: AuthFailure " % (bytes(path), 2 * number + 1, line))


def test_a_rich_exception_line_is_searched_by_python(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """rich wraps the exception's line; the lines below it are read with it, whatever the core says."""
    path = tmp_path / "a.log"
    path.write_bytes(
        b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r\n"
        b"TencentCloudSDKException: [TencentCloudSDKException] code:InvalidParameter message:The\n"
        b"parameter is wrong requestId:abc-1\n"
    )
    out = three_ways(monkeypatch, path, numbers=True)[0]
    assert out.count(b"\n") >= 2


def test_a_table_takes_tails_only_for_its_holes() -> None:
    native = _core_class()
    from kmserr.matcher import matcher_for

    built = native.from_matcher(matcher_for(default_registry()))
    tails = built.tails()
    line = b"x [TencentCloudSDKException] code:AuthFailure message:m requestId:r\n"
    got = built.assemble(line, 0, len(line), tails, b"", count=True, show_numbers=False, lines_before=7)
    assert got is not None
    data, written, holes, newlines = got
    assert (data, written, newlines) == (b"", 0, 1)
    [(offset, start, end, number, slot, agrees, findings)] = holes
    assert (offset, start, end, number, slot, agrees) == (0, 0, len(line) - 1, 8, 0, -1)
    assert findings is not None and findings[0].code == "AuthFailure"
    with pytest.raises(_native.NativeError):
        tails.put(1, b"\tno such hole")
    tails.put(0, b"\tT")
    assert built.assemble(line, 0, len(line), tails, b"f:", count=True, show_numbers=True, lines_before=7) == (
        b"f:8:" + line[:-1] + b"\tT\n", 1, [], 1)
    two = b"ok\n" + line + b"ok\n\nlast"  # newlines before, between and after the lines read; no last one
    assert built.assemble(two, 0, len(two), tails, b"", count=True, show_numbers=False, lines_before=0)[3] == 4
    assert built.assemble(two, 0, len(two), tails, b"", count=False, show_numbers=False, lines_before=0)[3] == 0


class _Writes(io.BytesIO):
    """A file that keeps the length of each write."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, data: Any) -> int:
        self.sizes.append(len(memoryview(data)))
        return super().write(data)


@pytest.mark.parametrize("size", [65536, (1 << 17) - 1, 1 << 17, (1 << 17) + 1, 5_000_001])
def test_assembled_output_written_in_pieces(size: int) -> None:
    """What a compiled core assembled reaches the output whole and in order, in writes of at most
    128 KiB: megabytes in one write cost the kernel ten times as much (--json at 50% errors)."""
    data = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    out = _Writes()
    printer = LinePrinter(out, "plain", Style())
    printer.assembled(memoryview(b"head\n"))
    printer.assembled(memoryview(data))
    printer.flush()
    assert out.getvalue() == b"head\n" + data
    assert max(out.sizes) <= 1 << 17
    assert sum(out.sizes) == size + 5
