"""Lines in a simple envelope read by the block cores' fast paths (kmserr/unwrap.py): a CRI `F` record,
dockerd's compact record of a whole line, a syslog line with `<PRI>` or a month first, a journald entry
whose MESSAGE is one line, below no cut record. They must print exactly as the full
extractor reads them (`Extractor.find` on the wrapped line, with the lines above it).

The differential tests compare `kmserr grep` (plain, `-c`, `--json`) on both cores with that path on
and off (`core.UNWRAP`), its readings unchecked by the full extractor (`unwrap.CHECK` off): on the
common forms mutated by what may change their reading, and on every fixture in tests/data, each
line wrapped in each envelope (cut records, escapes, `\\u` and other records among them).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kmserr import core, envelopes, search, unwrap
from kmserr import core as core_module
from kmserr.envelopes import Opened, open_line, place_simple, simple
from kmserr.extract import Extractor
from kmserr.matcher import matcher_for
from kmserr.registry import default_registry
from kmserr.scan import scan_bytes
from tests.conftest import CORES, Runner, native_loaded
from tests.test_envelopes import cri, docker, journald, rfc3164, rfc5424
from tests.test_native import DATA
from tests.test_vouch import COMMON, codes, common_line, fill

TIME = "2024-05-14T08:00:00.123456789Z"


def dockerd(line: str) -> str:
    """dockerd's compact record, as json.dumps writes its string (no `\\u` but for control characters)."""
    return '{"log":' + json.dumps(line + "\n", ensure_ascii=False) + ',"stream":"stderr","time":"' + TIME + '"}'


def cri_cut(line: str) -> str:
    """A CRI line cut in two records (P, then F) at its middle."""
    return cri(line, cut=max(1, len(line) // 2 + 1))


def docker_cut(line: str) -> str:
    """A Docker line cut in two records (the first without its `\\n`) at its middle."""
    return docker(line, cut=max(1, len(line.encode("utf-8", "surrogateescape")) // 2 + 1))


WRAPS: dict[str, Callable[[str], str]] = {
    "none": lambda line: line, "cri": cri, "docker": docker, "dockerd": dockerd, "cri-cut": cri_cut,
    "docker-cut": docker_cut, "journald": journald, "rfc5424": rfc5424, "rfc3164": rfc3164,
    "stdout": lambda line: f"{TIME} stdout F {line}",
}
ARGS = ((), ("-c",), ("--json",), ("-n", "-H"))
CORE_NAMES = [name for name in CORES if name == "python" or native_loaded()]


def grep(run: Runner, path: Path, args: tuple[str, ...]) -> tuple[int, str]:
    """kmserr grep's exit status and output, with block cores built anew (a core keeps what it checked)."""
    matcher_for(default_registry()).cores.clear()
    result = run("grep", "-j1", *args, str(path))
    return result.exit_code, result.stdout


def same_both_ways(run: Runner, path: Path, monkeypatch: pytest.MonkeyPatch, arguments: tuple[tuple[str, ...], ...] = ARGS,
                   ) -> dict[tuple[str, ...], str]:
    """Each output, on each core, asserted the same with the simple records' path on (unchecked) and
    off; Python's outputs. (Not core against core: pure Python with Hyperscan misses an API 3.0 body
    of a code not in the catalogue in a JSON string, `\"Code\"`, before this path as after it.)"""
    outputs: dict[tuple[str, ...], str] = {}
    for name in CORE_NAMES:
        if name == "python":
            monkeypatch.setenv(core.ENV, "1")
        else:
            monkeypatch.delenv(core.ENV, raising=False)
        for args in arguments:
            monkeypatch.setattr(unwrap, "CHECK", False)
            monkeypatch.setattr(core, "UNWRAP", True)
            fast = grep(run, path, args)
            monkeypatch.setattr(core, "UNWRAP", False)
            assert grep(run, path, args) == fast, (name, args)
            if name == "python":
                outputs[args] = fast[1]
    return outputs


def wrapped(lines: list[str], wrap: str) -> bytes:
    return "".join(WRAPS[wrap](line) + "\n" for line in lines).encode("utf-8", "surrogateescape")


@given(codes.flatmap(lambda code: st.tuples(st.just(code), st.lists(
           st.tuples(common_line(code), st.sampled_from(list(WRAPS))), min_size=1, max_size=8))))
@example(("AuthFailure", [(fill(COMMON[0], "AuthFailure", "m", "r"), "cri"),
                          (fill(COMMON[1], "AuthFailure", 'a "b" <c>', "r"), "docker")]))
@settings(max_examples=40)  # eight runs of grep each
def test_mutated_lines_in_every_envelope(
    tmp_path_factory: pytest.TempPathFactory, drawn: tuple[str, list[tuple[str, str]]],
) -> None:
    """Mutated lines of the common forms, each in an envelope, mixed (cut records above simple ones)."""
    _, lines = drawn
    data = b"".join(wrapped([line], wrap) for line, wrap in lines)
    path = tmp_path_factory.mktemp("unwrap") / "a.log"
    path.write_bytes(data * 2)
    with pytest.MonkeyPatch.context() as m:
        same_both_ways(Runner(), path, m, ((), ("--json",)))


@pytest.mark.parametrize("wrap", ["cri", "dockerd", "docker", "rfc5424", "rfc3164", "journald", "mixed"])
def test_every_fixture_in_each_envelope(tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch,
                                        wrap: str) -> None:
    """Every line of every file in tests/data in an envelope, in one file (and the fixtures of
    tests/data/clients/envelopes as captured): the same output with the path on and off."""
    files = [p for p in sorted(DATA.rglob("*")) if p.is_file()]
    lines = [line for p in files for line in p.read_bytes().decode("utf-8", "surrogateescape").split("\n")]
    lines = [line.removesuffix("\r") for line in lines if len(line) < 20000]
    if wrap == "mixed":
        rng = random.Random(1)
        names = list(WRAPS)
        data = b"".join(wrapped([line], rng.choice(names)) for line in lines)
    else:
        data = wrapped(lines, wrap)
    path = tmp_path / "all.log"
    path.write_bytes(data)
    outputs = same_both_ways(run, path, monkeypatch)
    assert int(outputs[("-c",)]) > 500  # the fixtures' errors, read


def test_captured_envelopes(tmp_path: Path, run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """The captures of tests/data/clients/envelopes, each file and all in one."""
    files = [p for p in sorted((DATA / "clients" / "envelopes").rglob("*.txt"))]
    assert len(files) >= 35
    for p in files:
        same_both_ways(run, p, monkeypatch)
    joined = tmp_path / "all.log"
    joined.write_bytes(b"\n".join(p.read_bytes() for p in files))
    same_both_ways(run, joined, monkeypatch)


@pytest.mark.usefixtures("engine")
def test_the_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simple records are read by it: the full extractor reads only the first of each (envelope,
    tails), in the check; a cut record above, a `\\r` or a surrogate in the text, another record's
    keys, leave a line to it (the tests above would pass with nothing taken)."""
    calls: list[str] = []
    real = Extractor._opened

    def spy(self: Extractor, opened: Opened, *below: str) -> object:
        calls.append(opened.text)
        return real(self, opened, *below)

    monkeypatch.setattr(Extractor, "_opened", spy)
    for env in (core.ENV,):
        monkeypatch.setenv(env, "1")
    line = fill(COMMON[0], "AuthFailure", "The CMK is disabled.", "r-1")
    body = fill(COMMON[2], "InternalError", 'a <b> & "c"', "r-2")
    for wrap in ("cri", "dockerd", "docker", "rfc5424", "rfc3164", "journald"):
        calls.clear()
        matcher_for(default_registry()).cores.clear()
        data = wrapped([line, body] * 50, wrap)
        hits = scan_bytes(data)
        assert len(hits) == 100
        kind = "docker" if "docker" in wrap else "syslog" if wrap.startswith("rfc") else wrap
        assert {f.envelope for h in hits for f in h.findings} == {kind}
        assert len(calls) == 2, wrap  # each (envelope, tails) checked once
    left = [
        cri_cut(line),  # the F record below a P one
        '{"log":"' + line + '\\r\\n","stream":"stderr","time":"' + TIME + '"}',
        '{"log":"' + line + ' \\ud83d\\ude00\\n","stream":"stderr","time":"' + TIME + '"}',
        '{"log":"' + line + '\\n","stream":"stderr","time":"' + TIME + '","attrs":{"a":"b"}}',
        '{"log":"' + line + '\\n","time":"' + TIME + '","stream":"stderr"}',
    ]
    for record in left:
        calls.clear()
        matcher_for(default_registry()).cores.clear()
        hits = scan_bytes(("\n".join([dockerd(line), record]) + "\n").encode())
        assert [f.code for h in hits for f in h.findings] == ["AuthFailure"] * 2
        assert calls[-1].endswith(line[-20:] + (" \U0001f600" if "ude00" in record else "")), record  # the full extractor's


def test_a_reading_the_full_extractor_disputes_turns_the_path_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first line of each (envelope, tails) is read by the full extractor too: where it reads
    otherwise, that envelope's lines are the searcher's again (and read as it reads them)."""
    monkeypatch.setenv(core.ENV, "1")
    matcher_for(default_registry()).cores.clear()
    checker = unwrap.Unwrapper(Extractor, "auto")
    monkeypatch.setattr(checker, "_extractor", type("Blind", (), {"find": staticmethod(lambda *a, **k: [])})())
    line = fill(COMMON[0], "AuthFailure", "m", "r")
    raw = cri(line).encode()
    record = simple(raw)
    assert record is not None
    found = Extractor().find(line)
    assert checker.placed(raw, record, tuple(found)) is None
    assert checker.off == {"cri"}


@given(st.text(st.characters(codec="utf-8", exclude_characters="\n"), max_size=40),
       st.sampled_from(["AuthFailure", "(10630) x", '"Code": "Q9"']), st.text(max_size=10), st.booleans())
def test_property_places_are_the_full_extractors(head: str, code: str, tail: str, ascii: bool) -> None:
    """Each span of a simple record's text is placed where `Opened.place` places it (every span,
    empty ones too), and its text is the record's, for Docker's escapes as moby and json write them."""
    app = (head + code + tail).replace("\n", " ")
    for line in (dockerd(app), docker(app), f"{TIME} stderr F {app}",
                 '{"log":' + json.dumps(app + "\n", ensure_ascii=ascii) + ',"stream":"stdout","time":"t"}'):
        raw = line.encode("utf-8", "surrogateescape")
        record = simple(raw)
        line = line.removesuffix("\r")  # as the scanner reads the line
        opened = open_line(line)
        if record is None:
            continue
        assert record.kind != "docker" or envelopes._DOCKER_WHOLE.fullmatch(raw) is not None
        assert opened is not None and not opened.partial
        assert record.inner == opened.text.encode("utf-8", "surrogateescape")
        size = len(opened.text)
        spans = [(a, b) for a in range(0, size + 1, max(1, size // 7)) for b in (a, min(size, a + 3), size) if b >= a]
        expected = [(a, b) for a, b, _ in Opened(opened.text, "", 0, [(0, 0, line, opened)]).place(spans)]
        for span, place in zip(spans, expected, strict=True):
            got = place_simple(line, record, [span])
            # None: a span of Docker's text at an escape (`place_simple`), left to the full extractor.
            assert got == [place] or (got is None and record.shift < 0 and "\\" in line[max(0, place[0] - 6) : place[1] + 1])


@pytest.mark.parametrize("line", [
    f"{TIME} stderr P x AuthFailure",
    f"{TIME} stdin F x",
    "2024-05-14T08:00:00 stderr F x",
    '{"log":"x AuthFailure","stream":"stderr","time":"t"}',
    '{"log":"x\\nAuthFailure\\n","stream":"stderr","time":"t"}',
    '{"log":"x\\u000aAuthFailure\\n","stream":"stderr","time":"t"}',
    '{"log":"x\\u000DAuthFailure\\n","stream":"stderr","time":"t"}',
    '{"log":"x\\ud800\\n","stream":"stderr","time":"t"}',
    '{"log": "x\\n","stream":"stderr","time":"t"}',
    '{"log":"x\\n","stream":"stderr","time":"t"} ',
    '{"log":"x\\n","stream":"stderr","time":1}',
    '{"log":"x\\n","stream":"stderr","time":"t","log":"y\\n"}',
])
def test_not_simple(line: str) -> None:
    """A cut record, another stream, a time that is no RFC 3339 one, a text that is several lines or
    ends with a `\\r`, half a surrogate pair, a record written otherwise: left to the full extractor."""
    assert simple(line.encode()) is None


def test_a_named_envelope_is_simple_only_in_its_own() -> None:
    """Under --envelope cri a Docker record is no envelope's, and the other way round."""
    assert simple(dockerd("x").encode(), envelopes.CRI) is None
    assert simple(f"{TIME} stderr F x".encode(), envelopes.DOCKER) is None
    assert simple(f"{TIME} stderr F x".encode(), envelopes.CRI) == envelopes.Simple("cri", b"x", len(TIME) + 10)


@pytest.mark.parametrize("wrap", ["cri", "dockerd", "docker"])
def test_both_cores_read_simple_records_themselves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, core: str,
                                                   wrap: str) -> None:
    """In plain output the compiled core writes simple records' lines itself (native/src/envelope.rs):
    Python renders only the first line of each tail; on either core the full extractor reads only
    the first of each (envelope, tails). With the path off, Python reads each line."""
    import io

    from kmserr.render import Style, line_printer
    from kmserr.render.lines import LinePrinter
    from kmserr.search import Search

    opened: list[str] = []
    real = Extractor._opened
    monkeypatch.setattr(Extractor, "_opened", lambda self, o, *below: opened.append(o.text) or real(self, o, *below))
    rendered: list[int] = []
    matched = LinePrinter.matched_with_tail
    monkeypatch.setattr(LinePrinter, "matched_with_tail",
                        lambda self, hit, tail, name: rendered.append(1) or matched(self, hit, tail, name))
    lines = [line for n in range(100) for line in (fill(COMMON[0], "AuthFailure", f"The CMK {n} is off.", f"r-{n}"),
                                                   fill(COMMON[2], "InternalError", f'a <b> & "c{n}"', f"r-{n}"))]
    monkeypatch.setattr(search, "WARM", 100)  # the first line alone, then pieces twice as long
    path = tmp_path / "a.log"
    path.write_bytes(wrapped(lines, wrap))

    def grep() -> bytes:
        matcher_for(default_registry()).cores.clear()
        out = io.BytesIO()
        sink = line_printer(out, "plain", Style(), with_filename=False, line_numbers=False, annotate=True,
                            encoding="utf-8")
        Search(default_registry(), sink, lambda path, problem: None, count_lines=False, jobs=1).search(str(path))
        sink.flush()
        return out.getvalue()

    fast = grep()
    assert fast.count(b"\n") == 200
    assert len(opened) <= 2  # each (envelope, tails) checked once
    if core == "native":
        # The first lines, until the table knows each tail, and each piece's first line (its line
        # above, in the piece before, is Python's to see: `_warm` cuts 11 pieces here).
        assert len(rendered) <= 2 + 11
    opened.clear()
    rendered.clear()
    monkeypatch.setattr(core_module, "UNWRAP", False)
    assert grep() == fast
    assert len(opened) >= 100
    assert len(rendered) == (200 if core == "native" else 0)


@given(st.lists(st.sampled_from(['\\"', "\\\\", "\\/", "\\t", "\\b", "\\u003c", "\\u000a", "\\ud83d", "\\ude00",
                                 "\\n", "\\r", "\\x", "a", "é", '"', "\t", "\\"]), max_size=8),
       st.sampled_from(['\\n","stream":"stderr","time":"t"}', '","stream":"stderr","time":"t"}',
                        '\\n","stream":"stdin","time":"t"}', '\\n","stream":"stdout","time":"t\\"x"}']))
def test_property_docker_records_simple_only_as_the_regex_says(pieces: list[str], tail: str) -> None:
    """`simple` reads a Docker record (C's JSON string reader, a regex of its tail) only where
    `_DOCKER_WHOLE` matches it whole, and then as `open_line` reads it."""
    line = '{"log":"' + "".join(pieces) + tail
    raw = line.encode("utf-8", "surrogateescape")
    record = simple(raw)
    if record is not None:
        assert envelopes._DOCKER_WHOLE.fullmatch(raw) is not None
        opened = open_line(line)
        assert opened is not None and not opened.partial
        assert record.inner == opened.text.encode("utf-8", "surrogateescape")
