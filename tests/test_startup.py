"""Start-up: what a command imports and compiles beyond Click itself, in a real process.

benchmarks/startup.py measures the time (issue 11); these tests keep out of the quick paths the
modules and regular expressions that were taken out of them, one by one, so that an import
added back at the top of a module shows up here rather than as a slower benchmark.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# Records what running kmserr imports and compiles after `import click` (which the benchmark's
# reference pays too), through the same entry point as the `kmserr` script.
PROBE = """\
import re, sys
compiled = []
_compile = re.compile

def recording(pattern, flags=0):
    compiled.append(pattern if isinstance(pattern, str) else repr(pattern))
    return _compile(pattern, flags)

re.compile = recording
import click
before = set(sys.modules)
already = len(compiled)
from kmserr.__main__ import main
try:
    main(sys.argv[2:])
except SystemExit:
    pass
modules, made = sorted(set(sys.modules) - before), compiled[already:]
with open(sys.argv[1], "w", encoding="utf-8") as out:
    import gc, json  # after what kmserr did is taken: whether it imported json is part of it
    json.dump({"modules": modules, "compiled": made,
               "frozen": gc.get_freeze_count(), "threshold": gc.get_threshold()}, out)
"""


def probe(tmp_path: Path, *args: str) -> dict[str, Any]:
    """What `kmserr ARGS` imports and compiles beyond Click, with the catalogue cache warm."""
    report = tmp_path / "report.json"
    env = {**os.environ, "KMSERR_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first run fills the cache
        subprocess.run([sys.executable, "-c", PROBE, str(report), *args], capture_output=True, check=True, env=env,
                       cwd=tmp_path)
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result


@pytest.fixture(scope="module")
def lookup_plain(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return probe(tmp_path_factory.mktemp("lookup"), "lookup", "10630", "--format", "plain")


# Each was imported by `kmserr lookup 10630 --format plain` once, for nothing it needed there.
@pytest.mark.parametrize(("module", "why"), [
    ("signal", "the Python module makes IntEnums of every signal: the C module `_signal` is enough"),
    ("locale", "Click's --help text asked gettext, which imports locale"),
    ("bisect", "only a search of the catalogue's words bisects"),
    ("zlib", "the cache named its files with zlib's crc32"),
    ("rich", "plain text needs no Rich"),
    ("kmserr.scan", "a lookup scans nothing"),
    ("kmserr.forms", "a lookup extracts nothing"),
    ("tomllib", "the catalogue comes from the cache"),
    ("dataclasses", "nothing on this path is a dataclass"),
])
def test_the_plain_lookup_does_not_import(lookup_plain: dict[str, Any], module: str, why: str) -> None:
    assert module not in lookup_plain["modules"], why


def test_the_plain_lookup_imports_only_these(lookup_plain: dict[str, Any]) -> None:
    """Beyond Click: kmserr's own modules for a lookup, and the hashes that check the cache."""
    expected = {
        "kmserr", "kmserr.__main__", "kmserr.cli", "kmserr.cache", "kmserr.catalogue", "kmserr.controls",
        "kmserr.registry", "kmserr.render", "kmserr.render.plain", "kmserr.streams", "kmserr.teams", "kmserr.version",
        "_blake2", "_sha2", "_sha256", "gc",
    }
    assert set(lookup_plain["modules"]) <= expected


def test_the_plain_lookup_compiles_no_regular_expression(lookup_plain: dict[str, Any]) -> None:
    """The catalogue's validation patterns, the search's words, plain text's escapes: none is needed."""
    assert lookup_plain["compiled"] == []


def test_the_table_of_an_ascii_entry_compiles_none_of_kmserrs_patterns(tmp_path: Path) -> None:
    """Escaping a card's text and checking its links need no pattern when the text is printable
    ASCII: Rich draws, and kmserr compiles nothing of its own (0.9 ms)."""
    from kmserr.controls import _PATTERNS

    found = probe(tmp_path, "lookup", "10630", "--format", "table", "--lang", "en")
    assert "rich.table" in found["modules"]
    assert set(found["compiled"]) & set(_PATTERNS.values()) == set()


GC_PROBE = """\
import gc, sys
import kmserr.cli
real = kmserr.cli.main
seen = []

def recording(argv):
    seen.append((gc.isenabled(), gc.get_freeze_count() > 0))
    real(argv)

kmserr.cli.main = recording
from kmserr.__main__ import main
try:
    main(sys.argv[1:])
finally:
    sys.stderr.write(f"collector on, imports frozen, while running: {seen}; frozen at exit: {gc.get_freeze_count() > 0}\\n")
"""


def test_the_collector_runs_while_the_command_does_and_skips_the_exit(tmp_path: Path) -> None:
    """Off while the modules are imported, on while the command runs (a long grep makes cycles)
    but over what the command makes only, and what is alive at the end frozen, so that Python's
    last collection at exit skips it."""
    env = {**os.environ, "KMSERR_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run([sys.executable, "-c", GC_PROBE, "lookup", "10630", "--format", "plain"],
                            capture_output=True, text=True, env=env, check=True)
    assert result.stdout.startswith("10630\t")
    last = result.stderr.splitlines()[-1]
    assert last == "collector on, imports frozen, while running: [(True, True)]; frozen at exit: True"


def test_grep_of_an_empty_file_compiles_none_of_the_forms(tmp_path: Path, engine: str) -> None:
    """The forms' patterns are compiled when a line needs them (but the one that tells which of the
    catalogue's codes are names), and --timeline's module is imported with --timeline: grep of an
    empty input (or of a log without errors) needs neither."""
    from kmserr import forms

    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    found = probe(tmp_path, "grep", str(empty))
    lazy = {value._source[0] for value in vars(forms).values() if isinstance(value, forms._Lazy)}
    lazy |= {value._source[0] for value in forms._NODE_HEADERS}  # type: ignore[attr-defined]
    lazy.discard(forms._CODE_NAME._source[0])  # type: ignore[attr-defined]  # which of the catalogue's codes are names
    assert len(lazy) > 30
    assert set(found["compiled"]) & lazy == set()
    assert "kmserr.timeline" not in found["modules"] and "kmserr.search" in found["modules"]


@pytest.fixture(scope="module")
def grep_one_error(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`kmserr grep -nj1` of a log with one error line among others, as a user runs it."""
    folder = tmp_path_factory.mktemp("grep")
    log = folder / "app.log"
    log.write_bytes(b"2024-05-14 08:00:01 starting\n2024-05-14 08:00:02 (10630) key is not existed\nbye\n")
    found = probe(folder, "grep", "-nj1", str(log))
    assert "kmserr.search" in found["modules"]  # the probe ran the search
    return found


# Each was imported by every `kmserr grep`, for work that only some greps do (issue 19).
@pytest.mark.parametrize(("module", "why"), [
    ("shutil", "search copies a -j part's output with it; shutil imports bz2 and lzma (2 ms)"),
    ("lzma", "only a .xz input, or the error of reading one, needs lzma"),
    ("bz2", "only a .bz2 input needs bz2"),
    ("tempfile", "only a forked -j part writes temporary files (with random, 1.5 ms)"),
    ("dataclasses", "parallel's parts are plain classes"),
    ("signal", "the Python module makes IntEnums of every signal: the C module `_signal` is enough"),
    ("select", "only -j's batches of a pipe wait on several descriptors"),
    ("locale", "Click's error for a short option read as a long one asked gettext (-j1, -n, -C2)"),
    ("difflib", "the same error's suggestions of long options"),
    ("kmserr.timeline", "a grep without --timeline counts no time buckets"),
    ("rich", "plain output needs no Rich"),
])
def test_grep_does_not_import(grep_one_error: dict[str, Any], module: str, why: str) -> None:
    assert module not in grep_one_error["modules"], why


def test_forms_decodes_json_when_a_line_first_needs_it() -> None:
    """forms.py imports json at its first JSON value (`_decoder`), not at import: in a process where
    nothing imported it, an escaped message and a logged error object are still read."""
    script = """\
import sys
from kmserr import forms
assert "json" not in sys.modules
text = 'failed: {"code":"ResourceUnavailable.CmkDisabled","message":"CMK \\\\u5df2\\\\u7981\\\\u7528","requestId":"r-1"}'
start = text.index("ResourceUnavailable")
error, brace = forms._error_object(text, start, "ResourceUnavailable.CmkDisabled")
print(forms._json_unescape("key \\\\u5b58\\\\u5728"), error["message"], error["requestId"], brace, "json" in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, encoding="utf-8",
                          env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    assert done.stdout.split() == ["key", "\u5b58\u5728", "CMK", "\u5df2\u7981\u7528", "r-1", "8", "True"]


def test_grep_without_times_compiles_no_timestamp_pattern(grep_one_error: dict[str, Any]) -> None:
    """Plain output reads no line's time: timestamps.py compiles its patterns for --timeline,
    --summary and the envelopes that carry a time (1.3 ms)."""
    from kmserr import timestamps

    sources = {timestamps._CLOCK, timestamps._ISO, timestamps._CLF, timestamps._SYSLOG, timestamps._EPOCH_KEY}
    assert {repr(pattern) for pattern in sources} & set(grep_one_error["compiled"]) == set()
    assert len(sources) == 5


def test_only_pythons_core_builds_an_engine(tmp_path: Path, core: str) -> None:
    """The compiled core finds its own candidates: a grep whose lines it reads all (here an empty
    file) neither imports Hyperscan nor builds an engine (5 ms of every start); Python's core does."""
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    found = probe(tmp_path, "grep", "-j1", str(empty))
    assert "kmserr.search" in found["modules"]
    assert ("hyperscan" in found["modules"]) is (core == "python")
    assert ("kmserr.engines" in found["modules"]) is (core == "python")  # 1 ms: engine_name looks for Hyperscan


def test_the_compiled_core_imports_no_extractor_for_lines_it_reads(tmp_path: Path, core: str) -> None:
    """The compiled core is built from the names (what they tell it cached): a grep whose lines it
    reads all imports neither Python's core nor the extractor and the envelopes (3 ms); Python's
    core needs them all."""
    empty = tmp_path / "empty.log"
    empty.write_bytes(b"")
    modules = set(probe(tmp_path, "grep", "-j1", str(empty))["modules"])
    assert "kmserr.search" in modules
    for module in ("kmserr.core", "kmserr.extract", "kmserr.envelopes", "kmserr.timestamps"):
        assert (module in modules) is (core == "python"), module
    # Neither core: -j1 forks no part, and a log without errors has no meaning to explain.
    assert not {"kmserr.parallel", "kmserr.explanation"} & modules


def test_the_compiled_core_imports_no_json_for_lines_it_reads(tmp_path: Path, core: str) -> None:
    """forms.py decodes JSON where a line needs it (`_decoder`): json compiles its patterns at import
    (1.6 ms of every start), and a grep whose lines the compiled core reads, JSON bodies among them,
    needs none of it; Python's core reads them with json."""
    log = tmp_path / "app.log"
    log.write_bytes(b'2024-05-14 08:00:02 (10630) key is not existed\n'
                    b'resp {"Response":{"Error":{"Code":"ResourceUnavailable.CmkDisabled","Message":"x"},'
                    b'"RequestId":"r-1"}}\nbye\n')
    found = probe(tmp_path, "grep", "-j1", str(log))
    assert "kmserr.search" in found["modules"]
    assert ("json" in found["modules"]) is (core == "python")


def test_the_names_written_out_for_start_up_agree() -> None:
    from kmserr import core, envelopes, scan

    assert (scan.AUTO, scan.NONE, scan.NO_EXTENSIONS) == (envelopes.AUTO, envelopes.NONE, core.ENV)
    assert scan._NODE_CODE == core._NODE_CODE


def test_a_line_the_compiled_core_hands_back_needs_no_engine(tmp_path: Path, core: str) -> None:
    """The first lines it hands back go to the full extractor: Python's block core for them would
    need an engine (Hyperscan, 5 ms) and core.py. (A Node error object is one.)"""
    log = tmp_path / "app.log"
    log.write_bytes(b"TencentCloudSDKHttpException [Error]: The CMK is disabled.\n"
                    b"  code: 'ResourceUnavailable.CmkDisabled',\n  requestId: 'r-1'\n}\n")
    found = probe(tmp_path, "grep", "-j1", str(log))
    modules = set(found["modules"])
    assert "kmserr.extract" in modules
    for module in ("kmserr.core", "kmserr.engines", "hyperscan"):
        assert (module in modules) is (core == "python"), module


def test_a_line_the_compiled_core_read_unescaped_needs_no_extractor(tmp_path: Path, core: str) -> None:
    """SDK text the compiled core read unescaped from a JSON string (escaped CJK) is handed back, as
    its spans cannot point at that text, then asked for alone (`NativeCore.read_unescaped`): the
    extractor, its modules and patterns (6 ms) are Python's core's alone."""
    log = tmp_path / "app.log"
    log.write_bytes(b'{"level":"error","error":"[TencentCloudSDKException] code:InvalidParameterValue'
                    b' message:\\u5bc6\\u6587 requestId:df630af6-8ce5-4ef7-a248-37c37f187539"}\n')
    found = probe(tmp_path, "grep", "-j1", str(log))
    assert "kmserr.search" in found["modules"]
    assert ("kmserr.extract" in found["modules"]) is (core == "python")
    done = subprocess.run([sys.executable, "-m", "kmserr", "grep", "-j1", str(log)], capture_output=True, check=True,
                          env={**os.environ, "KMSERR_CACHE_DIR": str(tmp_path / "cache")})
    assert done.stdout.startswith(log.read_bytes()[:-1] + b"\tkmserr: InvalidParameterValue ")


def test_a_grep_process_keeps_its_start_up_out_of_collections(grep_one_error: dict[str, Any], tmp_path: Path) -> None:
    """What start-up made lives to the end: a grep process freezes it before searching and
    collects young objects less often (5% of a pure Python search went to collections); a host
    that runs the command in its own process (CliRunner, a library caller) keeps its collector."""
    import gc

    from click.testing import CliRunner

    from kmserr.cli import cli

    assert grep_one_error["frozen"] > 0
    assert grep_one_error["threshold"][0] > gc.get_threshold()[0]
    log = tmp_path / "app.log"
    log.write_bytes(b"(10630) key is not existed\n")
    frozen, threshold = gc.get_freeze_count(), gc.get_threshold()
    assert CliRunner().invoke(cli, ["grep", "-j1", str(log)]).exit_code == 0
    assert (gc.get_freeze_count(), gc.get_threshold()) == (frozen, threshold)
