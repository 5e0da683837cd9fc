"""Errors as logging libraries and log platforms write them are read exactly (issue 20).

tests/data/clients/producers holds what real logging libraries printed for a real SDK exception
(python-json-logger, structlog, loguru, rich, a Sentry-like event, the SDK's async client,
CommonClient and debug logging; pino, winston, bunyan, console.error), one folder per library and
version; tests/data/clients/envelopes holds real lines of some of them inside each platform's
envelope (Docker json-file, Kubernetes CRI, journalctl -o json, RFC 5424 and RFC 3164 syslog).
scripts/capture_clients.py captured them and wrote expected.json beside each: per case, each error
once, with the code, message and request ID its exception held, and the envelope's time where the
app's line has none. Each fixture is checked in grep --json, grep --format plain and parse.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .conftest import Runner
from .test_clients import CLIENTS, Expected, expected_of, fixtures, grep_records, sections, unescape

ROOTS = [CLIENTS / "producers", CLIENTS / "envelopes"]
FIXTURES = [path for root in ROOTS for path, _ in fixtures(root)]
IDS = [f"{path.parent.parent.name}/{path.parent.name}/{path.stem}" for path in FIXTURES]


def answers_of(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((path.parent / "expected.json").read_text(encoding="utf-8"))
    return result


def timed_fixtures() -> list[Path]:
    """The envelope fixtures whose errors take the envelope's time (the app's lines have none)."""
    return [path for path in FIXTURES
            if any(e["time"] for errors in answers_of(path)["expected"][path.stem].values() for e in errors)]


def mismatches(want: dict[str, list[Any]], got: dict[str, list[Any]]) -> list[str]:
    """Each case whose findings differ from what its expected.json says, as a readable line."""
    return [f"{name}: want {want[name]}, got {got[name]}" for name in want if got[name] != want[name]]


def test_every_producer_and_envelope_is_captured() -> None:
    folders = {path.parent.name.split("-")[0] for path in FIXTURES if path.parent.parent.name == "producers"}
    assert folders == {"python", "structlog", "loguru", "rich", "sentry", "pino", "winston", "bunyan", "node"}
    envelopes = {path.parent.name for path in FIXTURES if path.parent.parent.name == "envelopes"}
    assert envelopes == {"docker-json-file", "kubernetes-cri", "journald-json", "syslog-rfc5424", "syslog-rfc3164"}
    assert all(any(expected_of(path).values()) for path in FIXTURES)


ENVELOPE_FIXTURES = [path for path in FIXTURES if path.parent.parent.name == "envelopes"]
SYSLOG = {
    "syslog-rfc5424": re.compile(r"<\d+>1 \S+ \S+ \S+ \S+ \S+ (?:-|(?:\[[^\]]*\])+) (.*)"),
    "syslog-rfc3164": re.compile(r"<\d+>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [^\s\[]+\[\d+\]: (.*)"),
}


def unwrap(platform: str, records: list[str]) -> list[str]:
    """The app's lines inside one case's records, as the platform's own reader gives them back."""
    if platform == "docker-json-file":  # a record without "\n" is continued by the next
        return "".join(json.loads(record)["log"] for record in records).removesuffix("\n").split("\n")
    if platform == "kubernetes-cri":
        lines, partial = [], ""
        for record in records:
            _, _, tag, content = record.split(" ", 3)
            partial += content
            if tag == "F":
                lines.append(partial)
                partial = ""
        return lines
    if platform == "journald-json":
        messages = [json.loads(record)["MESSAGE"] for record in records]
        return [m if isinstance(m, str) else bytes(m).decode("utf-8", "surrogateescape") for m in messages]
    found = [SYSLOG[platform].fullmatch(record) for record in records]
    assert all(found), records
    return [match.group(1) for match in found if match]


@pytest.mark.parametrize("path", ENVELOPE_FIXTURES, ids=[i for i in IDS if i.startswith("envelopes/")])
def test_envelopes_hold_the_producers_lines(path: Path) -> None:
    """Each envelope fixture holds its producer's captured lines exactly, as the platform writes them."""
    platform, about = path.parent.name, answers_of(path)["about"]
    producer = CLIENTS / "producers" / f"{about[path.stem]}.txt"
    # The last case's text ends with the file's final newline.
    records = {name: text.removesuffix("\n").split("\n") for name, (_, _, text) in sections(path).items()}
    for name, lines in records.items():
        unwrapped = unwrap(platform, lines)
        if producer.exists():
            assert unwrapped == sections(producer)[name][2].removesuffix("\n").split("\n"), name
        else:  # the app's bytes that are not UTF-8: only journald's byte array holds them
            assert any("\udcff" in line for line in unwrapped), name
    if platform == "docker-json-file":  # Go's escaping, and pieces of 16 KiB at most
        assert not any(c in line for lines in records.values() for line in lines for c in "<>&")
        assert all(len(json.loads(line)["log"].encode()) <= 16384 for lines in records.values() for line in lines)
    if platform == "kubernetes-cri":
        assert all(len(line.split(" ", 3)[3].encode()) <= 16384 for lines in records.values() for line in lines)


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_parse(run: Runner, path: Path) -> None:
    """parse of each case's text: each error once, with its code, message and request ID (json and plain)."""
    got: dict[str, list[Expected]] = {}
    plain: dict[str, list[Expected]] = {}
    for name, (_, _, text) in sections(path).items():
        result = run("parse", "--format", "json", input=text.encode("utf-8"))
        got[name] = [(r["code"], r["message"], r["request_id"]) for r in json.loads(result.stdout or "[]")]
        rows = [line.split("\t") for line in run("parse", "--format", "plain", input=text.encode("utf-8")).stdout.splitlines()]
        plain[name] = [(r[0], unescape(r[6]) or None, r[3] or None) for r in rows]
    assert not mismatches(expected_of(path), got), "\n".join(mismatches(expected_of(path), got))
    assert not mismatches(expected_of(path), plain), "plain: " + "\n".join(mismatches(expected_of(path), plain))


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_grep_json(run: Runner, engine: str, path: Path) -> None:
    """grep --json: each case's errors on the lines of its case, once each, with code, message and request ID."""
    records = grep_records(run, path)
    got = {name: [(m["code"], m["message"], m["request_id"])
                  for r in records if first <= r["line_number"] <= last for m in r["matches"]]
           for name, (first, last, _) in sections(path).items()}
    assert not mismatches(expected_of(path), got), "\n".join(mismatches(expected_of(path), got))


@pytest.mark.parametrize("path", FIXTURES, ids=IDS)
def test_grep_plain(run: Runner, engine: str, path: Path) -> None:
    """The lines grep selects, each as it was, then its codes in the annotation, in order."""
    lines = path.read_text(encoding="utf-8").split("\n")
    codes: dict[int, list[str]] = {}
    for out in run("grep", "-n", "--format", "plain", str(path)).stdout.splitlines():
        number, rest = out.split(":", 1)
        line, note = rest.rsplit("\tkmserr: ", 1)
        assert line == lines[int(number) - 1]
        codes[int(number)] = [part.split(" ", 1)[0] for part in note.split(" | ")]
    got = {name: [code for n in sorted(codes) if first <= n <= last for code in codes[n]]
           for name, (first, last, _) in sections(path).items()}
    want = {name: [code for code, _, _ in errors] for name, errors in expected_of(path).items()}
    assert not mismatches(want, got), "\n".join(mismatches(want, got))


@pytest.mark.parametrize("path", timed_fixtures(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_envelope_time(run: Runner, path: Path) -> None:
    """An app line without a time of its own is counted at its envelope's time (--timeline, per second)."""
    answers = answers_of(path)
    dated = answers["about"].get("time_has_year") != "no"  # RFC 3164: the time has no year
    want = Counter((e["time"] if dated else e["time"][4:], e["code"])
                   for errors in answers["expected"][path.stem].values() for e in errors)
    result = run("grep", "--timeline", "--bucket", "1s", "--format", "json", str(path))
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    codes = {code for _, code in want}  # an error too many is test_grep_json's to report
    got = Counter({(r["bucket"] if dated else r["bucket"][4:], r["code"]): r["count"] for r in rows if r["code"] in codes})
    assert got == want
