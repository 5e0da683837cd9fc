"""A line cut in many records (CRI `P`, Docker without `\\n`): each record is read with at most
MAX_JOINED records of its line above it, and the lines above are opened once across a run of lines.

A run of tiny records (a producer that writes a line in many pieces) re-read every record of the
16 KiB above at each record: quadratic, and codes past the joined text's 100th finding were lost.
Chains of records of 4 KiB or more (what runtimes write: 16 KiB, conmon 8 KiB) read as before.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kmserr import envelopes
from kmserr.matcher import matcher_for
from kmserr.registry import default_registry
from kmserr.scan import scan_bytes
from tests.conftest import Runner
from tests.test_envelopes import RID, SDK_LINE, cri, docker
from tests.test_native import DATA

TIME = "2024-05-14T08:00:00.000000001Z"


def grep(run: Runner, path: Path, *args: str) -> str:
    matcher_for(default_registry()).cores.clear()  # a core keeps what it checked: built anew
    result = run("grep", "-j1", *args, str(path))
    assert result.exit_code == 0
    return result.stdout


def readings(data: bytes) -> list[tuple[int, list[tuple[str, int, int, str | None, str | None]]]]:
    return [(hit.line_number, [(f.code, f.start, f.end, f.message, f.request_id) for f in hit.findings])
            for hit in scan_bytes(data)]


TINY = {
    "cri": (f"{TIME} stdout P (10630) key ", f"{TIME} stdout F AuthFailure end"),
    "docker": (f'{{"log":"(10630) key ","stream":"stdout","time":"{TIME}"}}',
               f'{{"log":"AuthFailure end\\n","stream":"stdout","time":"{TIME}"}}'),
}


@pytest.mark.usefixtures("core", "engine")
@pytest.mark.parametrize("kind", list(TINY))
def test_a_run_of_tiny_records_reports_each_code_once(run: Runner, tmp_path: Path, kind: str) -> None:
    """300 records of `(10630) key ` and a last one: each record's code on its own line, once (the
    joined text held 300 codes, and the records past its 100th were reported with none)."""
    line, last = TINY[kind]
    path = tmp_path / "chain.log"
    path.write_text(f"{line}\n" * 300 + f"{last}\n", encoding="utf-8")
    assert grep(run, path, "-c") == "301\n"
    records = [json.loads(line) for line in grep(run, path, "--json", "-n").splitlines()]
    assert [r["line_number"] for r in records] == list(range(1, 302))
    for record in records[:-1]:
        assert [(m["code"], m["start"], m["end"]) for m in record["matches"]] == [
            ("10630", line.index("(") + 1, line.index(")"))]
    assert [m["code"] for m in records[-1]["matches"]] == ["AuthFailure"]


@pytest.mark.usefixtures("engine")
@pytest.mark.parametrize("wrap", [cri, docker])
@pytest.mark.parametrize("size", [4096, 8192, 16 * 1024])
def test_chains_of_runtime_sized_records_read_as_without_a_bound(
    monkeypatch: pytest.MonkeyPatch, wrap: object, size: int,
) -> None:
    """Records of 4 KiB or more: the 16 KiB above a record holds fewer than MAX_JOINED of them, so
    the bound changes nothing (codes across the cuts, bodies split between records)."""
    rng = random.Random(size)
    fixture = [line for line in (DATA / "real-samples.txt").read_text(encoding="utf-8").split("\n") if line.strip()]
    lines = []
    for _ in range(6):
        parts = rng.sample(fixture, min(len(fixture), 400))
        lines.append(" ".join(parts)[: 9 * size])
    assert callable(wrap)
    data = ("\n".join(wrap(line, cut=size) for line in lines) + "\n").encode("utf-8", "surrogateescape")
    bounded = readings(data)
    assert sum(len(found) for _, found in bounded) > 50
    monkeypatch.setattr(envelopes, "MAX_JOINED", 1 << 30)
    assert readings(data) == bounded


@pytest.mark.usefixtures("engine")
@given(cuts=st.lists(st.integers(1, 400), min_size=1, max_size=envelopes.MAX_JOINED), which=st.integers(0, 2))
@settings(max_examples=40, deadline=None)
def test_chains_within_the_bound_read_as_without_it(cuts: list[int], which: int) -> None:
    """A line in at most MAX_JOINED + 1 records, cut anywhere: read as if every record above were joined."""
    line = [SDK_LINE, json.dumps({"level": "error", "error": SDK_LINE}),
            '{"Response":{"Error":{"Code":"ResourceUnavailable.CmkDisabled","Message":"CMK off."},"RequestId":"r-1"}}'][which]
    bounds = sorted({min(cut, len(line) - 1) for cut in cuts if cut < len(line)})
    pieces = [line[a:b] for a, b in zip([0, *bounds], [*bounds, len(line)], strict=True)]
    records = [f"{TIME} stderr P {piece}" for piece in pieces[:-1]] + [f"{TIME} stderr F {pieces[-1]}"]
    data = ("ordinary line\n" + "\n".join(records) + "\n").encode()
    bounded = readings(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(envelopes, "MAX_JOINED", 1 << 30)
        assert readings(data) == bounded


LINES = st.sampled_from([
    f"{TIME} stdout P (10630) key ", f"{TIME} stderr F tail", "plain line", "", "\r", "x\r",
    '{"log":"half","stream":"stderr","time":"t"}', '{"log":"whole\\n","stream":"stderr","time":"t"}',
    "2024-05-14T08:00:00Z ERROR app: (10630)", "<165>1 2003-10-11T22:14:15.003Z host app 1 ID - msg",
])


@given(lines=st.lists(LINES, min_size=1, max_size=40),
       windows=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 2000)), min_size=1, max_size=12),
       envelope=st.sampled_from([envelopes.AUTO, envelopes.CRI]))
@settings(max_examples=300, deadline=None)
def test_lines_above_opened_again_as_opened_afresh(
    lines: list[str], windows: list[tuple[int, int]], envelope: str,
) -> None:
    """The lines above reused from the last window (repeated lines, windows that grow, move on, go
    back or start inside a line) are those that opening every line of the window gives."""
    text = "\n".join(lines) + "\n"
    for a, b in windows:
        start, end = sorted((a % (len(text) + 1), b % (len(text) + 1)))
        before = text[start:end]
        assert envelopes._open_above(before, envelope) == envelopes._open_lines(before.split("\n")[:-1], envelope)
    # And a window that moves down a line at a time, as grep gives it.
    starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
    for end in starts:
        before = text[max(0, end - 120) : end]
        assert envelopes._open_above(before, envelope) == envelopes._open_lines(before.split("\n")[:-1], envelope)


@pytest.mark.usefixtures("core", "engine")
@pytest.mark.parametrize("wrap", [cri, docker])
def test_an_error_across_a_16_KiB_cut_keeps_its_message_and_request_id(wrap: object) -> None:
    """A runtime's cut (16,384 bytes) inside an SDK error's message: the error is reported on the
    record that holds its code, with the message's tail and the request ID of the record below
    (read alone, the record gave the message's head and no request ID)."""
    assert callable(wrap)
    pad = "x" * (16 * 1024 - SDK_LINE.index("message:") - 12)
    records = wrap(f"{pad} {SDK_LINE} tail", cut=16 * 1024).split("\n")
    assert len(records) == 2 and records[0].endswith("message:CMK" if wrap is cri else 'message:CMK","stream":"stderr","time":"2024-05-14T08:00:00.123456789Z"}')
    matcher_for(default_registry()).cores.clear()
    data = ("ordinary line\n" + "\n".join(records) + "\n").encode()
    assert [(n, [(f.code, f.message, f.request_id) for f in found]) for n, found in ((h.line_number, h.findings) for h in scan_bytes(data))] == [
        (2, [("ResourceUnavailable.CmkDisabled", "CMK is disabled.", RID)])]


@pytest.mark.usefixtures("core", "engine")
@pytest.mark.parametrize("wrap", [cri, docker])
def test_a_json_record_cut_at_16_KiB_names_its_error_once(wrap: object) -> None:
    """A JSON record (python-json-logger: `message` and `exc_info`) that names one error on both
    sides of a 16 KiB cut is one error, as the record read whole is (it counted twice)."""
    assert callable(wrap)
    traceback = ("Traceback (most recent call last):\n  File \"app.py\", line 3, in <module>\n"
                 f"tencentcloud.common.exception.tencent_cloud_sdk_exception.TencentCloudSDKException: {SDK_LINE}")
    fields = {"message": f"Decrypt failed: {SDK_LINE}", "exc_info": traceback}
    whole = json.dumps(fields)
    cut = json.dumps({"message": fields["message"], "pad": "y" * (16 * 1024 - 200), "exc_info": traceback})
    records = wrap(cut, cut=16 * 1024).split("\n")
    assert len(records) == 2 and RID in records[0] and RID in records[1]
    matcher_for(default_registry()).cores.clear()
    alone = readings(f"{whole}\n".encode())
    assert len(alone) == 1 and len(alone[0][1]) == 1
    got = readings(("\n".join(records) + "\n").encode())
    assert [(n, [(code, rid) for code, _, _, _, rid in found]) for n, found in got] == [
        (1, [("ResourceUnavailable.CmkDisabled", RID)])]


@pytest.mark.usefixtures("core", "engine")
def test_a_long_chain_of_records_of_two_codes_reports_each(run: Runner, tmp_path: Path) -> None:
    """Records of two codes each: a window of them reaches MAX_FINDINGS and reports fewer records;
    every record still has both its codes, once."""
    piece = "(10630) key (10631) key "
    path = tmp_path / "chain.log"
    path.write_text(f"{TIME} stdout P {piece}\n" * 400 + f"{TIME} stdout F end\n", encoding="utf-8")
    records = [json.loads(line) for line in grep(run, path, "--json", "-n").splitlines()]
    assert [r["line_number"] for r in records] == list(range(1, 401))
    head = len(f"{TIME} stdout P ")
    for record in records:
        assert [(m["code"], m["start"], m["end"]) for m in record["matches"]] == [
            ("10630", head + 1, head + 6), ("10631", head + 13, head + 18)]


def joined_reading(lines: list[str]) -> list[tuple[int, list[tuple[str, int, int, str | None, str | None]]]]:
    """A model of a chain's reading: the CRI records' texts joined, read as one line, each code
    reported on the record that holds it whole, placed by the record's head: a legacy code with
    what makes it one, its parenthesis and the first letter of its message (`(10630) k`: a record
    of `(10630` or `(10630)` alone holds no legacy code its own reading lists)."""
    from kmserr.extract import Extractor

    records = [envelopes.open_line(line) for line in lines]
    assert all(record is not None for record in records)
    texts = [record.text for record in records if record is not None]
    starts = [sum(map(len, texts[:i])) for i in range(len(texts))]
    found: dict[int, list[tuple[str, int, int, str | None, str | None]]] = {}
    joined = "".join(texts)
    for f in Extractor().find(joined, envelope=envelopes.NONE):
        i = max(n for n, at in enumerate(starts) if at <= f.start)
        record = records[i]
        assert record is not None
        end = f.end
        if joined[f.start - 1 : f.start] == "(" and joined[f.end : f.end + 1] == ")":
            end = f.end + (3 if joined[f.end + 1 : f.end + 2] == " " else 2)
        if end <= starts[i] + len(texts[i]):
            shift = record.start - starts[i]
            found.setdefault(i, []).append((f.code, f.start + shift, f.end + shift, f.message, f.request_id))
    return sorted(found.items())


@pytest.mark.usefixtures("core", "engine")
@given(cuts=st.lists(st.integers(1, 400), min_size=1, max_size=envelopes.MAX_JOINED), which=st.integers(0, 4))
@example(cuts=[6], which=3)  # `(10630`: no legacy code in the first record
@example(cuts=[7], which=3)  # `(10630)`: nor here
@example(cuts=[9], which=3)  # `(10630) k`: here
@example(cuts=[1, 9], which=3)  # `(` | `10630) k`: in the second (Python's prefilter asked for its "(")
@example(cuts=[8, 41], which=4)  # `4) incorrect ... (10630) ` | `key`: none (the "4)" had it listed)
@example(cuts=[3, 18], which=4)  # `x (` | `100004) incorre`: in the second
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_cut_line_reads_as_joined(cuts: list[int], which: int) -> None:
    """A line in at most MAX_JOINED + 1 CRI records, cut anywhere (in a code, a message, a request
    ID): each record's findings are those of the line read joined that start in it, its code whole
    there, with the message and request ID that follow the cut; on both cores."""
    line = [SDK_LINE, json.dumps({"level": "error", "error": SDK_LINE}),
            '{"Response":{"Error":{"Code":"ResourceUnavailable.CmkDisabled","Message":"CMK off."},"RequestId":"r-1"}}',
            f"(10630) key is not existed; {SDK_LINE} and InvalidParameter after it",
            "x (100004) incorrect projectId y (10630) key is not existed"][which]
    bounds = sorted({min(cut, len(line) - 1) for cut in cuts if cut < len(line)})
    pieces = [line[a:b] for a, b in zip([0, *bounds], [*bounds, len(line)], strict=True)]
    records = [f"{TIME} stderr P {piece}" for piece in pieces[:-1]] + [f"{TIME} stderr F {pieces[-1]}"]
    matcher_for(default_registry()).cores.clear()
    got = readings(("ordinary line\n" + "\n".join(records) + "\n").encode())
    assert [(n - 2, found) for n, found in got] == joined_reading(records)


@pytest.mark.usefixtures("core", "engine")
def test_a_docker_chain_with_half_a_surrogate_pair_escaped() -> None:
    """A cut Docker record whose `log` holds `\\ud800` (half a surrogate pair, no bytes of UTF-8):
    its window is read by the extractor, as a record of it alone would be; no error raised."""
    records = [f'{{"log":"(10630) key \\ud800 x","stream":"stderr","time":"{TIME}"}}',
               f'{{"log":"more (10631) y\\n","stream":"stderr","time":"{TIME}"}}']
    matcher_for(default_registry()).cores.clear()
    got = readings(("\n".join(records) + "\n").encode())
    assert [(n, [(code, start, end) for code, start, end, _, _ in found]) for n, found in got] == [
        (1, [("10630", 9, 14)]), (2, [("10631", 14, 19)])]


def _words(rng: random.Random, chars: int) -> str:
    """Filler of about `chars` characters, with `1) g`: a legacy code's `)` to the compiled core's
    prefilter (any digit), none to Python's (3 to 6 digits after a `(`)."""
    words: list[str] = []
    while sum(map(len, words)) + len(words) < chars:
        words.append(rng.choice(["lorem", "ipsum", "step 1) go", "x=1", "(abc)", "error:"]))
    return " ".join(words)


def _findings(run: Runner, path: Path) -> list[tuple[str, int, int, str | None, str | None, str]]:
    return [(m["code"], m["start"], m["end"], m["message"], m["request_id"], m["format"])
            for line in grep(run, path, "--json").splitlines() for m in json.loads(line)["matches"]]


@pytest.mark.usefixtures("core", "engine")
def test_a_records_error_does_not_depend_on_which_records_a_core_lists(run: Runner, tmp_path: Path) -> None:
    """conmon's records of 8 KiB (a generated JSON line of 26 KB in four): a record's error is read
    with the records above it that it alone decides. The last two records shared a window, read
    with the context above the window's first record; the compiled core listed that one (its
    prefilter takes `1) g`), Python's did not, and the last record's JSON-escaped error read as a
    legacy JSON body with its request ID on one core (the JSON record's start in reach) and as a
    name and two legacy messages on the other."""
    whole = DATA / "chains" / "conmon-8k-json-record.log"
    lines = whole.read_text(encoding="utf-8").splitlines()
    assert [len(line.encode()) for line in lines[1:5]] == [8232, 8232, 8232, 1745]
    alone = tmp_path / "alone.log"
    alone.write_text("\n".join(lines[2:]) + "\n", encoding="utf-8")  # the JSON record's start gone
    last = _findings(run, whole)[-3:]
    assert last == _findings(run, alone)[-3:]
    assert [(code, message, request_id, form) for code, _, _, message, request_id, form in last] == [
        ("InvalidParameter", None, None, "bare-code"), ("10630", "key is not existed", None, "legacy-message"),
        ("100004", "incorrect projectId", None, "legacy-message")]


@pytest.mark.usefixtures("core", "engine")
def test_a_chain_is_not_cut_by_the_pieces_a_core_reads(run: Runner, tmp_path: Path) -> None:
    """The compiled core reads an input's first 16 KiB alone, then 32 KiB (`search._warm`), and
    --json's output in pieces: a cut between two records of a chain hid the second from the first,
    whose legacy message ended at the cut on that core alone."""
    rng = random.Random(3)
    message = "(10630) key is not existed " + _words(rng, 2000) + " MARKER " + _words(rng, 500)
    line = _words(rng, 5000) + " " + message
    records = cri(line, cut=6200).split("\n")
    assert "MARKER" not in records[0] and "(10630)" in records[0]
    path = tmp_path / "chain.log"
    above = "ordinary line of the log\n" * (12000 // 25)  # the first piece's cut falls in the chain
    path.write_text(above + "\n".join(records) + "\n" + "ordinary line of the log\n" * 800, encoding="utf-8")
    found = _findings(run, path)
    assert [code for code, *_ in found] == ["10630"]
    assert "MARKER" in (found[0][3] or "")


@pytest.mark.parametrize("core", ["native", "python"])
def test_a_chain_read_from_a_stream_in_pieces_reads_as_from_a_file(tmp_path: Path, core: str) -> None:
    """A live stream's reads end anywhere: a JSON record in conmon's 8 KiB CRI records written 3,000
    bytes at a time was searched a read at a time, a record cut by a read alone (the carried line)
    or without the records below it, and an error lost its request ID and gained a second finding.
    The records of a chain that a read has not ended are held for the next read."""
    import subprocess
    import sys
    import time

    path = DATA / "chains" / "cri-8k-json-record.log"
    data = path.read_bytes()
    env = {key: value for key, value in os.environ.items() if key != "KMSERR_NO_EXTENSIONS"}
    if core == "python":
        env["KMSERR_NO_EXTENSIONS"] = "1"
    command = [sys.executable, "-m", "kmserr", "grep", "--json", "-j1"]
    from_file = subprocess.run([*command, str(path)], capture_output=True, check=True, env=env).stdout
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    for at in range(0, len(data), 3000):
        proc.stdin.write(data[at : at + 3000])
        proc.stdin.flush()
        time.sleep(0.01)
    streamed, _ = proc.communicate()
    assert proc.returncode == 0
    matches = [json.loads(line)["matches"] for line in streamed.splitlines()]
    assert matches == [json.loads(line)["matches"] for line in from_file.splitlines()]
    assert [m["code"] for m in matches[2]] == ["100004", "ResourceUnavailable.CmkDisabled", "10630"]
    assert matches[2][0]["request_id"] == "92fc6a36-1111-2222-3333-d87bfdc8c0a8"
