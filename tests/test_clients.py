"""What the real clients printed (tests/data/clients, captured by scripts/capture_clients.py) is read exactly.

Each fixture file holds one output form of one client (str(e), repr(e), a traceback, tccli's
log, Node's console.log ...) for each answer of a fake KMS, a `# case NAME` line before each;
expected.json beside it says, for each case, the errors to report in order: code, message and
request ID, taken from what the fake server sent and what the client's error object held. parse
(each output format) and grep (each engine, each output format, --summary) must report those.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .conftest import DATA, Runner

pytestmark = pytest.mark.usefixtures("core")  # every test here runs on both block cores

CLIENTS = DATA / "clients"
Expected = tuple[str | None, str | None, str | None]  # code, message, request ID


def client_folders(root: Path = CLIENTS) -> list[Path]:
    """The fixture folders under root: those with an expected.json (producers/ and envelopes/ hold
    their own, checked by test_log_producers.py)."""
    return sorted(p for p in root.iterdir() if (p / "expected.json").is_file())


def fixtures(root: Path = CLIENTS) -> list[tuple[Path, str]]:
    found = []
    for folder in client_folders(root):
        answers = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
        found += [(folder / f"{form}.txt", form) for form in sorted(answers["expected"])]
    return found


FIXTURES = fixtures()
IDS = [f"{path.parent.name}/{form}" for path, form in FIXTURES]


def expected_of(path: Path) -> dict[str, list[Expected]]:
    answers = json.loads((path.parent / "expected.json").read_text(encoding="utf-8"))
    per_case = answers["expected"][path.stem]
    return {name: [(e["code"], e["message"], e["request_id"]) for e in errors] for name, errors in per_case.items()}


def sections(path: Path) -> dict[str, tuple[int, int, str]]:
    """Each case's lines: (first line number, last line number, text)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    found: dict[str, tuple[int, int, str]] = {}
    name, first = None, 0
    for number, line in enumerate([*lines, "# case "], start=1):
        if line.startswith("# case "):
            if name is not None:
                found[name] = (first, number - 1, "\n".join(lines[first - 1 : number - 1]))
            name, first = line.removeprefix("# case "), number + 1
    return found


def test_every_client_is_captured() -> None:
    clients = {p.name.split("-")[0] for p in client_folders()}
    assert clients == {"python", "tccli", "node"}
    assert len(FIXTURES) >= 15


@pytest.mark.parametrize(("path", "form"), FIXTURES, ids=IDS)
def test_parse_reports_each_case_exactly(run: Runner, path: Path, form: str) -> None:
    expected = expected_of(path)
    for name, (_, _, text) in sections(path).items():
        want = expected[name]
        result = run("parse", "--format", "json", input=text.encode())
        got = [(r["code"], r["message"], r["request_id"]) for r in json.loads(result.stdout)] if want else []
        assert result.exit_code == (0 if want else 1), (name, result.output)
        assert got == want, name
        if not want:
            continue
        plain = run("parse", "--format", "plain", input=text.encode()).stdout
        rows = [line.split("\t") for line in plain.splitlines()]
        assert [(r[0], unescape(r[6]) or None, r[3] or None) for r in rows] == want, name
        table = run("parse", "--format", "table", input=text.encode()).stdout
        assert panels(table) == [(code, rid) for code, _, rid in want], name


def unescape(field: str) -> str:
    """A plain field as written: `\\t`, `\\n`, `\\r`, `\\\\` back to what they stand for."""
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), field)


def panels(table: str) -> list[tuple[str, str | None]]:
    """The code and request ID of each panel of parse's table."""
    found = []
    for panel in table.split("╭")[1:]:
        code = re.search(r"│ Code\s+(\S+)", panel)
        rid = re.search(r"│ Request ID\s+(\S+)", panel)
        assert code is not None
        found.append((code.group(1), rid.group(1) if rid else None))
    return found


def grep_records(run: Runner, path: Path) -> list[dict[str, Any]]:
    result = run("grep", "--json", str(path))
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize(("path", "form"), FIXTURES, ids=IDS)
def test_grep_reports_each_case_exactly(run: Runner, engine: str, path: Path, form: str) -> None:
    expected = expected_of(path)
    records = grep_records(run, path)
    for name, (first, last, _) in sections(path).items():
        got = [(m["code"], m["message"], m["request_id"])
               for r in records if first <= r["line_number"] <= last for m in r["matches"]]
        assert got == expected[name], (name, engine)
    # The plain output selects the same lines, each as it was.
    plain = run("grep", "-n", str(path)).stdout
    lines = path.read_text(encoding="utf-8").split("\n")
    assert [line.split(":", 1)[0] for line in plain.splitlines()] == [str(r["line_number"]) for r in records]
    assert all(lines[r["line_number"] - 1] == r["line"] for r in records)
    # --summary counts each occurrence once.
    want = Counter(code for errors in expected.values() for code, _, _ in errors)
    summary = run("grep", "--summary", "--json", str(path))
    got_counts = Counter({r["code"]: r["count"] for r in json.loads(summary.stdout)}) if want else Counter()
    assert got_counts == want, engine
    count = run("grep", "--count", str(path)).stdout.strip()
    assert count == str(len(records))
