"""Properties that must hold on any input (Hypothesis): the ways to break kmserr by its input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from kmserr import catalogue, default_registry
from kmserr.catalogue import CatalogueError
from kmserr.cli import cli
from kmserr.explanation import explain, explain_text
from kmserr.matcher import matcher_for
from kmserr.scan import scan_bytes
from kmserr.search import Search

from .test_engines import CROWDS, CUT
from .test_forms import all_cases

pytestmark = pytest.mark.usefixtures("core")  # every test here runs on both block cores

EX = matcher_for(default_registry()).extractor
FORMS = [c.text.encode() for c in all_cases() if "\n" not in c.text]
DECOYS = [b"processed batch (4821) items", b"(010) 12345678", b'{"code":0,"message":""}', b"the code: is here",
          b"botocore.exceptions.ClientError: x", b"v10630.2.1 (rev 100004b)", b"ResourceUnavailableException"]
PIECES = st.one_of(
    st.sampled_from(FORMS), st.sampled_from(DECOYS), st.binary(max_size=30), st.text(max_size=20).map(str.encode),
    st.sampled_from([b"\r", b"\r\n", b"\x00", b"\n", b"", b"\xff\xfe", b"\x1b[2J", b"(", b"\"code\":"]),
    # Digits and letters beyond ASCII around the forms: the library and the byte prefilters must agree.
    st.sampled_from(["(١٠٦٣٠) key is not existed", '{"code":"٤٠٠٠","message":"x"}', "错误AuthFailure.X",
                     "AuthFailureé", "ÀResourceNotFound"]).map(str.encode),
)
INPUTS = st.lists(PIECES, max_size=25).map(b"".join)


def reference(data: bytes) -> list[bytes]:
    """The lines to select, the obvious way: one line at a time, each decoded and asked."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line for line in lines if EX.find(line.decode("utf-8", "surrogateescape").removesuffix("\r"))]


class Chunks:
    """A stream that gives 1 to N bytes a read, so that block boundaries fall everywhere."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data, self._sizes, self._pos, self._turn = data, sizes, 0, 0

    def read1(self, size: int) -> bytes:
        step = min(size, self._sizes[self._turn % len(self._sizes)])
        self._turn += 1
        piece = self._data[self._pos : self._pos + step]
        self._pos += len(piece)
        return piece

    read = read1

    def close(self) -> None:
        pass


class Collect:
    def __init__(self) -> None:
        self.lines: list[bytes] = []

    def matched(self, hit: object, items: object, name: str) -> None:
        self.lines.append(hit.line)  # type: ignore[attr-defined]

    def context(self, number: int, line: bytes, name: str) -> None:
        raise AssertionError("no context was asked for")

    def context_break(self) -> None:
        raise AssertionError("no context was asked for")

    def flush(self) -> None:
        pass


@given(data=INPUTS, sizes=st.lists(st.integers(1, 64), min_size=1, max_size=6))
def test_grep_selects_exactly_the_reference_lines(data: bytes, sizes: list[int]) -> None:
    expected = reference(data)
    for engine in ("re", "hyperscan"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KMSERR_ENGINE", engine)
            patch.setattr("kmserr.search.open_input", lambda path: Chunks(data, sizes))
            sink = Collect()
            run = Search(default_registry(), sink, on_error=lambda path, problem: None)
            run.search("input")
        assert sink.lines == expected, engine


@pytest.mark.slow
@given(text=st.text())
def test_the_library_never_raises_on_any_text(text: str) -> None:
    for item in explain_text(text):
        assert item.finding.code
    explain(text)
    scan_bytes(text.encode("utf-8", "surrogatepass"), EX)


@pytest.mark.slow
@given(data=st.binary())
def test_the_library_never_raises_on_any_bytes(data: bytes) -> None:
    for hit in scan_bytes(data, EX):
        assert hit.line in data
    explain(data)


# Values that look like codes to one reader and not to another: digits that are not ASCII
# ("²".isdigit() holds, int() refuses it), numbers as strings, nulls, nesting.
BODY_KEYS = ["code", "message", "codeDesc", "Response", "Error", "Code", "Message", "RequestId"]
BODY_SCALARS = st.one_of(
    st.sampled_from(["²", "٤٠٠٠", "4000", "0", "-1", "10630", "", "AuthFailure", "(10630) x", "(١٠٦٣٠) x"]),
    st.integers(-10, 10**7), st.booleans(), st.none(), st.text(max_size=8),
    st.floats(allow_nan=False, allow_infinity=False),
)
BODIES = st.recursive(
    st.dictionaries(st.sampled_from(BODY_KEYS), BODY_SCALARS, max_size=4),
    lambda inner: st.dictionaries(st.sampled_from(BODY_KEYS), st.one_of(BODY_SCALARS, inner), max_size=4),
    max_leaves=12,
)


@given(body=BODIES, indent=st.sampled_from([None, 2]))
def test_any_response_body_is_read_without_raising(body: dict[str, object], indent: int | None) -> None:
    text = json.dumps(body, indent=indent, ensure_ascii=False)
    for item in explain_text(text):
        assert item.finding.code
    assert explain(body).found in (True, False)
    result = runner().invoke(cli, ["parse", "--format", "json"], input=text, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output


QUERIES = st.one_of(st.text(max_size=20), st.sampled_from(["²", "٤٠٠٠", "１０６３０", "10630", "4000", " 4000 ", "-1"]))


@given(query=QUERIES)
def test_any_query_is_answered_without_raising(query: str) -> None:
    for args in (["lookup", query], ["lookup", "--format", "json", query], ["grep", "--code", query]):
        result = runner().invoke(cli, args, input=b"(10630) key is not existed\n", catch_exceptions=False)
        assert result.exit_code in (0, 1, 2), (args, result.output)
        assert "kmserr: internal error" not in result.output


def runner() -> CliRunner:
    return CliRunner()


@given(data=INPUTS)
def test_parse_json_is_always_valid_json_that_round_trips(data: bytes) -> None:
    result = runner().invoke(cli, ["parse", "--format", "json"], input=data, catch_exceptions=False)
    assert result.exit_code in (0, 1)
    if result.exit_code == 0:
        records = json.loads(result.stdout)
        assert json.loads(json.dumps(records)) == records
        assert all(isinstance(r["code"], str) and r["code"] for r in records)


@given(data=INPUTS)
def test_grep_json_is_always_valid_json(data: bytes) -> None:
    result = runner().invoke(cli, ["grep", "--json"], input=data, catch_exceptions=False)
    for line in result.stdout.splitlines():
        record = json.loads(line)
        assert json.loads(json.dumps(record)) == record


# ---------------------------------------------------------------- the catalogue loader

FIELDS = ["code", "product", "generation", "module_code", "error_code", "message", "message_templates",
          "description", "description_zh", "category", "retry", "action", "action_zh", "links", "actions",
          "equivalents", "source", "source_zh", "colour"]
SCALARS = st.one_of(st.text(max_size=12), st.integers(-5, 99999), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["kms", "no", "api3", "server"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.sampled_from(["title", "url", "x"]), inner, max_size=3)),
                      max_leaves=6)


def toml_value(value: object) -> str:
    """A TOML writer for the test's documents (tomllib only reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(value)


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = []
    if draw(st.booleans()):
        parts.append(f"[catalogue]\nschema = {toml_value(draw(st.one_of(st.just(1), SCALARS)))}\n")
    if draw(st.booleans()):
        categories = draw(st.dictionaries(st.sampled_from(["server", "key-state", "x"]), SCALARS, max_size=3))
        parts.append("[categories]\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in categories.items()))
    for _ in range(draw(st.integers(0, 4))):
        entry = draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=len(FIELDS)))
        parts.append("[[errors]]\n" + "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in entry.items()))
    return "\n".join(parts)


def load_only_raises_catalogue_errors(tmp_path: Path, text: str | bytes) -> None:
    path = tmp_path / "team.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    try:
        catalogue.load(path, known_categories={"server": "x"})
    except CatalogueError as problem:
        message = str(problem)
        assert message.startswith(str(path))
        if problem.entry is not None:
            assert re.match(r"entry \d+", problem.entry)
            assert problem.entry in message


@given(text=documents())
def test_the_loader_raises_only_its_own_error_on_any_toml(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    load_only_raises_catalogue_errors(tmp_path_factory.mktemp("toml"), text)


@given(data=st.binary(max_size=300))
def test_the_loader_raises_only_its_own_error_on_any_bytes(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    load_only_raises_catalogue_errors(tmp_path_factory.mktemp("bytes"), data)


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KMSERR_CACHE_DIR", "")
    yield


# ---------------------------------------------------------------- parse and grep agree on a line

CLIENT_LINES = [line.encode() for path in sorted((Path(__file__).parent / "data" / "clients").glob("*/*.txt"))
                for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("# ")]
LINE_PIECES = st.one_of(PIECES, st.sampled_from(CLIENT_LINES))
LINES = st.one_of(
    st.lists(LINE_PIECES, max_size=12).map(b"".join),
    # Crowded: one piece 8 to 200 times, then a tail.
    st.tuples(st.sampled_from(CUT + CROWDS), st.integers(8, 200), LINE_PIECES).map(lambda t: t[0] * t[1] + t[2]),
).map(lambda line: line.replace(b"\n", b" ").removesuffix(b"\r"))
KEYS = ("code", "module_code", "error_code", "message", "request_id", "format", "code_desc")


@given(line=LINES)
def test_grep_reports_what_parse_reports_for_any_line(line: bytes) -> None:
    """grep's matches of a line are parse's records of it, with their places: parse does not print
    places, so the library's (character offsets into the decoded line) are turned into UTF-8 byte
    offsets, undecodable bytes counted as the one byte each stands for, and compared with grep's."""
    parsed = runner().invoke(cli, ["parse", "--format", "json"], input=line, catch_exceptions=False)
    records = json.loads(parsed.stdout) if parsed.exit_code == 0 else []
    text = line.decode("utf-8", "surrogateescape")
    places = [(len(text[: f.start].encode("utf-8", "surrogateescape")), len(text[: f.end].encode("utf-8", "surrogateescape")))
              for f in EX.find(text)]
    want = [(*(r[k] for k in KEYS), *place) for r, place in zip(records, places, strict=True)]
    for engine in ("re", "hyperscan"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KMSERR_ENGINE", engine)
            result = runner().invoke(cli, ["grep", "--json"], input=line + b"\n", catch_exceptions=False)
        matches = [m for out in result.stdout.splitlines() for m in json.loads(out)["matches"]]
        assert [(*(m[k] for k in KEYS), m["start"], m["end"]) for m in matches] == want, engine


class Record:
    """A sink that keeps what it was given, in order: ("m"|"c", number, line) and "--" for a break."""

    def __init__(self) -> None:
        self.events: list[object] = []

    def matched(self, hit: object, items: object, name: str) -> None:
        self.events.append(("m", hit.line_number, hit.line))  # type: ignore[attr-defined]

    def context(self, number: int, line: bytes, name: str) -> None:
        self.events.append(("c", number, line))

    def context_break(self) -> None:
        self.events.append("--")

    def flush(self) -> None:
        pass


def context_reference(data: bytes, before: int, after: int) -> list[object]:
    """grep's -B/-A the obvious way: every line numbered, each printed line decided alone."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    matched = [bool(EX.find(line.decode("utf-8", "surrogateescape").removesuffix("\r"))) for line in lines]
    events: list[object] = []
    last = 0
    for index, line in enumerate(lines):
        number = index + 1
        near_before = any(matched[index + 1 : index + 1 + before])
        near_after = any(matched[max(0, index - after) : index])
        if not (matched[index] or near_before or near_after):
            continue
        if (before or after) and last and number > last + 1:
            events.append("--")
        events.append(("m" if matched[index] else "c", number, line))
        last = number
    return events


LINES = [b"ok\n", b"(10630) key is not existed\n", b"ok\r\n", b"AuthFailure.X here\n", b"\n", b"tail (10010)x"]


@given(
    lines=st.lists(st.sampled_from(LINES), max_size=30),
    before=st.integers(0, 4),
    after=st.integers(0, 4),
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=6),
)
def test_context_lines_are_grep_s_whatever_the_read_sizes(
    lines: list[bytes], before: int, after: int, sizes: list[int]
) -> None:
    data = b"".join(lines)
    expected = context_reference(data, before, after)
    for engine in ("re", "hyperscan"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KMSERR_ENGINE", engine)
            patch.setattr("kmserr.search.open_input", lambda path: Chunks(data, sizes))
            sink = Record()
            Search(default_registry(), sink, on_error=lambda path, problem: None, before=before, after=after).search("x")
        assert sink.events == expected, engine
