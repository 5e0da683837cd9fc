"""Lines coloured for a terminal are read as the terminal shows them (kmserr/ansi.py).

A service whose output goes to a terminal (`docker run -t`, a pod with `tty: true`, FORCE_COLOR)
logs with ANSI escape sequences, a token at a time, inside codes and keywords too (rich's
`co\\x1b[1;92mde:C\\x1b[0mlientNetworkError`). tests/data/clients/producers/*-tty and *-colour hold
real captures (checked with the others in test_log_producers.py); here: any fixture coloured at
random places gives, on both cores and engines, the findings of the same text uncoloured, placed
on the coloured line's own characters, and the line comes out as it was.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr.ansi import strip, strip_bytes, uncolour
from kmserr.extract import Extractor

from .conftest import Runner
from .test_clients import CLIENTS, expected_of, sections

SEQUENCES = [
    "\x1b[0m", "\x1b[31m", "\x1b[1;91m", "\x1b[2;36m", "\x1b[38;5;208m", "\x1b[38;2;10;20;30m", "\x1b[K",
    "\x1b]8;;file:///tmp/app.py\x1b\\", "\x1b]8;;\x07", "\x1b(B", "\x1bM",
]
sequences = st.sampled_from(SEQUENCES)
# Text that holds no ESC of its own (a sequence's own bytes are the only ESC in a coloured line).
plain_text = st.text(st.characters(blacklist_characters="\x1b", blacklist_categories=("Cs",)), max_size=60)


def colour(text: str, rng: random.Random, rate: float = 0.15) -> str:
    """`text` with sequences put between its characters at random (not inside one it has)."""
    out = []
    for piece in re.split("(\x1b[^m\\\x07]*[m\\\x07])", text):  # the -tty fixtures' own sequences kept whole
        if piece.startswith("\x1b"):
            out.append(piece)
            continue
        for char in piece:
            if char != "\n" and rng.random() < rate:
                out.append(rng.choice(SEQUENCES))
            out.append(char)
    return "".join(out)


@given(st.lists(st.tuples(plain_text, st.lists(sequences, max_size=3)), max_size=8))
def test_uncolour_gives_the_text_and_where_each_character_stands(parts: list[tuple[str, list[str]]]) -> None:
    coloured = "".join("".join(seqs) + text for text, seqs in parts)
    plain = "".join(text for text, _ in parts)
    got = uncolour(coloured)
    assert got.text == plain == strip(coloured)
    assert strip_bytes(coloured.encode("utf-8", "surrogatepass")) == plain.encode("utf-8", "surrogatepass")
    for index, char in enumerate(plain):
        first, last = got.place(index, index + 1)
        assert coloured[first:last] == char
    for start in range(len(plain) + 1):
        for end in range(start, min(len(plain), start + 6) + 1):
            first, last = got.place(start, end)
            assert strip(coloured[first:last]) == plain[start:end]


@pytest.mark.parametrize("line", ["\x1b[31", "abc\x1b", "\x1b]8;;http://x", "a\x1b[1;2"])
def test_a_sequence_cut_by_the_line_end_is_no_text(line: str) -> None:
    assert strip(line) == line.split("\x1b")[0]


def producer_texts() -> list[Path]:
    return sorted((CLIENTS / "producers").glob("*/*.txt"))


@pytest.mark.parametrize("path", producer_texts(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_extractor_reads_a_coloured_text_as_its_text(path: Path) -> None:
    extractor = Extractor()
    text = path.read_text(encoding="utf-8")
    coloured = colour(text, random.Random(path.name))
    want = extractor.find(text)
    got = extractor.find(coloured)
    assert [f._replace(start=0, end=0) for f in got] == [f._replace(start=0, end=0) for f in want]
    assert [strip(coloured[f.start : f.end]) for f in got] == [text[f.start : f.end] for f in want]


def records(run: Runner, path: Path, *options: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run("grep", "--json", *options, str(path)).stdout.splitlines()]


def meanings(found: list[dict[str, Any]]) -> list[tuple[int, list[dict[str, Any]]]]:
    """Each record's line number and errors, but where they stand (`spans`)."""
    return [(r["line_number"], [{k: v for k, v in m.items() if k not in ("start", "end")} for m in r["matches"]])
            for r in found]


def spans(found: list[dict[str, Any]]) -> list[str]:
    """The text of each error's span (a span of the line's UTF-8 bytes), without colours."""
    return [strip(r["line"].encode()[m["start"] : m["end"]].decode()) for r in found for m in r["matches"]]


INCIDENT = [
    '2024-05-14T08:00:00.012Z ERROR [8e2d] Decrypt response {"Response": {"Error": {"Code": '
    '"ResourceUnavailable.CmkDisabled", "Message": "The CMK is disabled."}, "RequestId": "d443781c"}}',
    "2024-05-14T08:00:00.027Z WARN  [2c59] request rejected: (10630)key is not existed action=DescribeKey",
    "2024-05-14T08:00:01.000Z INFO  served in 12ms",
    "2024-05-14T08:00:01.500Z ERROR [aa01] [TencentCloudSDKException] code:AuthFailure.SignatureFailure "
    "message:The provided credentials could not be validated. requestId:5c0e9d4c",
    '{"level":"error","message":"[TencentCloudSDKException] code:InternalError message:boom requestId:r-1"}',
    "2024-05-14T08:00:02.000Z ERROR [TencentCloudSDKError] Code=LimitExceeded.CmkLimitExceeded, Message=x, RequestId=r2,",
]


@pytest.mark.parametrize("path", [*producer_texts(), None], ids=lambda p: f"{p.parent.name}/{p.stem}" if p else "incident")
def test_grep_reads_coloured_lines_as_uncoloured_ones(
    run: Runner, core: str, engine: str, path: Path | None, tmp_path: Path,
) -> None:
    """Every line of a fixture (or of an incident log: the block cores' fast paths) coloured at
    random: the same lines, errors, messages and request IDs as without colours; each line as it
    was; `-c` and plain output's codes alike."""
    text = path.read_text(encoding="utf-8") if path else "\n".join(INCIDENT * 300) + "\n"
    plain_file, coloured_file = tmp_path / "plain.log", tmp_path / "coloured.log"
    plain_file.write_text(text, encoding="utf-8")
    coloured = colour(text, random.Random(f"{path.parent.name}/{path.name}" if path else "incident"))  # (not where the tree is)
    coloured_file.write_text(coloured, encoding="utf-8")
    want, got = records(run, plain_file), records(run, coloured_file)
    assert meanings(got) == meanings(want)
    assert spans(got) == spans(want)
    lines = coloured.split("\n")
    assert all(r["line"] == lines[r["line_number"] - 1] for r in got)
    assert run("grep", "-c", str(coloured_file)).stdout == run("grep", "-c", str(plain_file)).stdout
    codes = [re.sub(r".*\tkmserr: ", "", line) for line in run("grep", str(coloured_file)).stdout.splitlines()]
    assert codes == [re.sub(r".*\tkmserr: ", "", line) for line in run("grep", str(plain_file)).stdout.splitlines()]



def _shown_lines(text: bytes) -> tuple[list[int], list[str]]:
    """Where each line of a text that ends with a newline starts (and its end), and the lines uncoloured."""
    starts = [0, *(at + 1 for at in range(len(text)) if text[at] == 10)]
    return starts, [strip(text[a:b].decode()) for a, b in itertools.pairwise(starts)]


def _wrapped_lines(text: bytes) -> list[int]:
    """The line starts of a coloured text from two lines above each SDK exception's head to the
    line below its request ID: the lines a cut there would part from the lines they are read with."""
    starts, shown = _shown_lines(text)
    chosen: set[int] = set()
    for number, line in enumerate(shown):
        if "TencentCloudSDKException" in line and "requestId" not in line:
            last = next((n for n in range(number, len(shown)) if "requestId" in shown[n]), number)
            chosen.update(range(max(0, number - 2), min(len(shown), last + 2)))
    return [starts[n] for n in sorted(chosen)]


# Real captures of a terminal, and rich's plain ones coloured at random: each case with SDK text alone.
COLOURED_RECORDS = [
    (path, seed, name)
    for path, seed in [*((path, None) for path in sorted((CLIENTS / "producers").glob("*-tty/*.txt"))),
                       *((path, 1) for path in sorted((CLIENTS / "producers").glob("rich-*[0-9]/*.txt")))]
    for name, (_, _, text) in sections(path).items() if "TencentCloudSDKException" in text
]


@pytest.mark.parametrize(("path", "seed", "name"), COLOURED_RECORDS,
                         ids=[f"{p.parent.name}/{p.stem}/{name}" for p, _, name in COLOURED_RECORDS])
def test_a_piece_cut_at_any_line_of_a_coloured_record(
    run: Runner, core: str, path: Path, seed: int | None, name: str, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A terminal's colours stand before a wrapped record's indentation (rich's empty time column,
    `\x1b[2;36m   `) and inside its `requestId:`: the compiled core's first piece (`search._warm`)
    cut at any line of an SDK exception's text gives the captured errors (a random colour before a
    request ID's line ended a piece above it: the error counted twice, once without its request ID)."""
    from kmserr import search

    text = sections(path)[name][2] + "\n"
    if seed is not None:
        text = colour(text, random.Random(f"{path.stem}/{name}/{seed}"))
    data = text.encode("utf-8")
    coloured = tmp_path / "coloured.log"
    coloured.write_bytes(data + b"an ordinary line of the log\n" * (2 * len(data) // 28 + 1))  # (a first piece at any cut)
    cuts = _wrapped_lines(data)
    assert cuts
    for cut in cuts:
        monkeypatch.setattr(search, "WARM", cut - 1)  # the first piece ends where the line at `cut` starts
        got = [(m["code"], m["message"], m["request_id"]) for r in records(run, coloured) for m in r["matches"]]
        assert got == expected_of(path)[name], cut


def test_a_cut_inside_coloured_wrapped_text_moves_past_its_request_id() -> None:
    """rich colours `d:` of `requestId:` (`requestI\x1b[1;92md:0338...`): a cut below the exception's
    head moves to the line after the request ID's (`scan.wrapped_end`), not MAX_WRAPPED_LINES on."""
    from kmserr import scan

    data = (CLIENTS / "producers" / "rich-15.0.0-tty" / "handler.txt").read_bytes()
    starts, lines = _shown_lines(data)
    heads = [n for n, line in enumerate(lines) if line.strip() == "TencentCloudSDKException:"]
    ends = {head: next(n for n in range(head, len(lines)) if "requestId:" in lines[n]) for head in heads}
    assert any(b"requestId:" not in data[starts[n] : starts[n + 1]] for n in ends.values())  # (rich coloured it)
    for head, below in ends.items():
        for cut in range(head + 1, below + 1):
            assert scan.wrapped_end(data, 0, starts[cut], len(data)) == starts[below + 1], (head, cut)


def test_a_live_stream_holds_coloured_wrapped_text_until_its_request_id() -> None:
    """A read of a pipe that ends inside rich's coloured wrapped text (each line begins with the
    empty time column's colour, `\x1b[2;36m   `) holds it for the next read (`scan.open_start`),
    as it holds the same text uncoloured; the request ID's line ends it."""
    from kmserr import scan

    data = (CLIENTS / "producers" / "rich-15.0.0-tty" / "handler.txt").read_bytes()
    starts, lines = _shown_lines(data)
    heads = [n for n, line in enumerate(lines) if line.strip() == "TencentCloudSDKException:"]
    assert heads
    for head in heads:
        below = next(n for n in range(head, len(lines)) if "requestId:" in lines[n])
        for cut in range(head + 1, below + 1):
            assert scan.open_start(data, 0, starts[cut]) <= starts[head], (head, cut)
        assert scan.open_start(data, 0, starts[below + 1]) == starts[below + 1], head


def _journald(line: str) -> str:
    """journalctl -o json's entry: MESSAGE as bytes where the line holds a control character."""
    raw = line.encode()
    message: object = list(raw) if any(b < 32 and b != 9 for b in raw) else line
    return json.dumps({"__REALTIME_TIMESTAMP": "1715673600123456", "_TRANSPORT": "stdout", "SYSLOG_IDENTIFIER": "app",
                       "MESSAGE": message}, separators=(",", ":"), ensure_ascii=False)


ENVELOPES = {
    "docker": lambda line: json.dumps({"log": line + "\n", "stream": "stderr", "time": "2024-05-14T08:00:00.000000001Z"},
                                      separators=(",", ":"), ensure_ascii=False),  # ESC as \u001b
    "cri": lambda line: "2024-05-14T08:00:00.000000001Z stderr F " + line,  # ESC as it is
    "journald": _journald,  # ESC in MESSAGE's bytes
    "syslog": lambda line: "May 14 08:00:00 node-1 app[42]: " + line.replace("\x1b", "#033"),  # rsyslog's escape
}


@pytest.mark.parametrize("envelope", sorted(ENVELOPES))
@pytest.mark.parametrize("form", ["console-error", "inspect-colours"])
def test_a_coloured_node_error_in_an_envelope(run: Runner, core: str, engine: str, envelope: str, form: str,
                                              tmp_path: Path) -> None:
    """Node's error object coloured (real capture), each line in a platform's envelope, ESC as the
    platform keeps it: each error with its message and request ID, read from the object's lines."""
    folder = CLIENTS / "producers" / "node-console-sdk-4.1.313-node-v20.20.2-tty"
    lines = [line for line in (folder / f"{form}.txt").read_text(encoding="utf-8").split("\n") if line and line[0] != "#"]
    wrapped = tmp_path / "wrapped.log"
    wrapped.write_text("\n".join(ENVELOPES[envelope](line) for line in lines) + "\n", encoding="utf-8")
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["expected"][form]
    want = [(e["code"], e["message"], e["request_id"]) for case in expected.values() for e in case]
    got = [(m["code"], m["message"], m["request_id"]) for r in records(run, wrapped) for m in r["matches"]]
    assert got == want
