"""A code name right after a JSON escape that ends with a letter (`\\t`, `\\n`, `\\u003c`) in a
Docker `log`, a journald `MESSAGE` or a JSON string: grep finds what parse finds, on every engine
and core. The engines search the line as written, where `tInternalError` is no name standing alone;
the extractor reads it unescaped, after a tab. An escaped backslash and a `t` (`\\\\tInternalError`)
is a backslash and `tInternalError` once read: no name, for both.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kmserr.envelopes import NONE, open_line
from kmserr.extract import Extractor
from kmserr.forms import NODE_CONTEXT
from kmserr.matcher import matcher_for
from kmserr.registry import default_registry
from tests.conftest import Runner

EX = Extractor()
TIME = "2024-05-14T08:00:00Z"
# As written in the JSON string: each ends with a letter or digit, or is an escaped backslash
# before a letter (no escape of it: `\\t` is `\` and `t`), or both (`\\\t`: `\` and a tab).
ESCAPES = ["\\t", "\\n", "\\r", "\\b", "\\f", "\\u00e9", "\\u003c", "\\u0041", "\\\\t", "\\\\\\t", "\\\\\\\\n",
           "\\\\", "\\/", '\\"']
PAYLOADS = ["InternalError: boom", "ResourceUnavailable.CmkDisabled off", "AuthFailure.SignatureFailure",
            "(10630) key is not existed", "code:InternalError message:boom", "Code: InternalError, Message: boom"]


def docker(inner: str) -> str:
    return f'{{"log":"{inner}\\n","stream":"stderr","time":"{TIME}"}}'


def docker_cut(inner: str) -> str:
    return f'{{"log":"{inner}","stream":"stderr","time":"{TIME}"}}'


def journald(inner: str) -> str:
    return f'{{"__REALTIME_TIMESTAMP":"1715673600123456","MESSAGE":"{inner}","_PID":"1"}}'


def json_line(inner: str) -> str:
    return f'{{"level":"error","message":"{inner}"}}'


def cri_docker(inner: str) -> str:
    return f"{TIME} stderr F " + docker(inner)


WRAPS = {"docker": docker, "docker-cut": docker_cut, "journald": journald, "json": json_line, "cri-docker": cri_docker}


def grep_codes(run: Runner, path: Path) -> dict[int, list[str]]:
    matcher_for(default_registry()).cores.clear()  # a core keeps what it checked: built anew
    result = run("grep", "-j1", "-n", "--json", str(path))
    assert result.exit_code in (0, 1)
    return {r["line_number"]: [m["code"] for m in r["matches"]] for r in map(json.loads, result.stdout.splitlines())}


def parse_codes(line: str) -> list[str]:
    return [f.code for f in EX.find(line)]


@pytest.mark.usefixtures("core", "engine")
def test_a_name_after_a_tab_in_a_docker_record(run: Runner, tmp_path: Path) -> None:
    """The issue's line: InternalError after `\\t` is found; after `\\\\t` (a backslash, then `t`) it
    is not, by grep as by parse; twenty times over (past the lines a core hands back at first)."""
    found = docker("ArchiveKey\\tInternalError: boom")
    not_found = docker("ArchiveKey\\\\tInternalError: boom")
    assert parse_codes(found) == ["InternalError"]
    assert parse_codes(not_found) == []
    path = tmp_path / "a.log"
    path.write_text(f"{found}\n{not_found}\n" * 20, encoding="utf-8")
    got = grep_codes(run, path)
    assert got == {n: ["InternalError"] for n in range(1, 41, 2)}


@pytest.mark.usefixtures("core", "engine")
@given(lines=st.lists(st.tuples(st.sampled_from(list(WRAPS)), st.sampled_from(["", "ArchiveKey", "x ", "a\\\\"]),
                                st.sampled_from(ESCAPES), st.sampled_from(PAYLOADS)), min_size=1, max_size=6),
       copies=st.sampled_from([1, 20]))
@example(lines=[("docker-cut", "", "\\t", "code:InternalError message:boom"), ("docker", "", "\\t", "InternalError: boom")],
         copies=1)  # the cut record's message runs on into the next: one error, on the first line
@example(lines=[("docker-cut", "", "\\n", "AuthFailure.SignatureFailure"), ("docker", "ArchiveKey", "\\t", "InternalError: boom")],
         copies=1)  # a chain with a newline in it: each record read alone, with the lines above
# The core and engine fixtures set an environment variable, the same for every example.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_grep_finds_what_parse_finds_after_an_escape(
    run: Runner, tmp_path_factory: pytest.TempPathFactory, lines: list[tuple[str, str, str, str]], copies: int,
) -> None:
    """A name, legacy code or structured error after each escape kind, in each envelope or JSON string."""
    written = [WRAPS[wrap](before + escape + payload) for wrap, before, escape, payload in lines] * copies
    path = tmp_path_factory.mktemp("escaped") / "a.log"
    path.write_text("".join(line + "\n" for line in written), encoding="utf-8")
    assert grep_codes(run, path) == expected_codes(written)


def expected_codes(written: list[str]) -> dict[int, list[str]]:
    """Each line's codes as the full extractor reads it with the lines above it; a line cut in
    records (a Docker record without its `\\n`, and those below that continue it) read joined, as
    one line, each code reported on the record that holds it whole (but a chain with a newline in
    it, each record read with the lines above, as before chains were read joined)."""
    records = [open_line(line) for line in written]
    expected: dict[int, list[str]] = {}
    above, n = "", 0
    while n < len(written):
        last = n  # the chain's last record
        while (record := records[last]) is not None and record.partial and last + 1 < len(written) \
                and (below := records[last + 1]) is not None and below.kind == record.kind:
            last += 1
        texts = [r.text for r in records[n : last + 1] if r is not None]
        if last == n or "\n" in "".join(texts):
            # A line alone, or a chain that holds a newline (no runtime's: Docker cuts a line at
            # its `\n`): each record read with the lines above it, as `Extractor.find` reads it.
            for i in range(n, last + 1):
                codes = [f.code for f in EX.find(written[i], before=(above + "".join(
                    line + "\n" for line in written[n:i]))[-NODE_CONTEXT:])]
                if codes:
                    expected[i + 1] = codes
        else:
            starts = [sum(map(len, texts[:i])) for i in range(len(texts))]
            for f in EX.find("".join(texts), envelope=NONE):
                i = bisect_right(starts, f.start) - 1
                if f.end <= starts[i] + len(texts[i]):
                    expected.setdefault(n + i + 1, []).append(f.code)
        above += "".join(line + "\n" for line in written[n : last + 1])
        n = last + 1
    return expected
