"""Shared fixtures: a Click runner with a stable terminal, and the reference table as data."""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings

from kmserr.cli import cli
from kmserr.scan import Hit, LineScanner

DATA = Path(__file__).parent / "data"

# Hypothesis: `ci` by default (fast enough for .ci/run), `long` for a thorough run at a desk:
#   python -m pytest --hypothesis-profile long
settings.register_profile("ci", max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Run the whole suite on every core (pytest-xdist's `-n auto`): it is mostly subprocess and
    file work, and one process leaves a core idle. Only the whole suite: a file or test named on
    the command line runs in one process, as workers take a second or two to start. Set here, not
    in addopts, so that `-n N` either way, `-n0` and `-p no:xdist` (xdist unloaded) all still work."""
    if (config.pluginmanager.has_plugin("xdist") and not hasattr(config, "workerinput")
            and config.getoption("numprocesses", None) is None
            and config.args_source == pytest.Config.ArgsSource.TESTPATHS):
        config.option.numprocesses = "auto"


@dataclass(frozen=True)
class ReferenceRow:
    error_code: int
    module_code: int
    message: str
    description: str
    links: tuple[str, ...]


def reference_rows() -> list[ReferenceRow]:
    """The KMS common error table, copied from the vendor's documentation into tests/data."""
    text = (DATA / "kms-common-error-codes.md").read_text(encoding="utf-8")
    rows = []
    for cells in re.findall(r"<tr>\s*<td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", text, re.S):
        error_code, module_code, message, description = (c.strip() for c in cells)
        links = tuple(re.findall(r'hre?f?="([^"]+)"', description))
        plain = html.unescape(re.sub(r"<[^>]+>", "", description))
        rows.append(ReferenceRow(int(error_code), int(module_code), message, " ".join(plain.split()), links))
    return rows


def tsv(name: str) -> list[dict[str, str]]:
    """A reference table copied into tests/data (the project does not read ../shared)."""
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ENGINES = ["re", "hyperscan"]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once per scanning engine: both must select the same lines with the same codes."""
    name: str = request.param
    monkeypatch.setenv("KMSERR_ENGINE", name)
    return name


CORES = ["python", "native"]
REQUIRE_NATIVE = "KMSERR_REQUIRE_NATIVE"


def native_loaded() -> bool:
    """Whether the compiled core built and loads here (KMSERR_NO_EXTENSIONS aside)."""
    import os

    from kmserr import core

    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(core.ENV, raising=False)
        return os.environ.get(core.ENV) is None and core.native_class() is not None


@pytest.fixture(params=CORES)
def core(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test once per block core: the compiled one must give what the Python one gives.
    Without the compiled core its runs are deselected (see pytest_collection_modifyitems), and
    fail when KMSERR_REQUIRE_NATIVE=1 says it must be there."""
    from kmserr import core as cores

    name: str = request.param
    if name == "python":
        monkeypatch.setenv(cores.ENV, "1")
        return name
    monkeypatch.delenv(cores.ENV, raising=False)
    if cores.native_class() is None:
        pytest.fail("KMSERR_REQUIRE_NATIVE=1, yet the compiled core did not load (kmserr._native.load())")
    return name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the runs on the compiled core when it did not load (unless it is required): said once."""
    import os

    if os.environ.get(REQUIRE_NATIVE) == "1" or native_loaded():
        return
    native = [i for i in items if getattr(i, "callspec", None) is not None
              and i.callspec.params.get("core") == "native"]  # type: ignore[attr-defined]
    if not native:
        return
    items[:] = [i for i in items if i not in set(native)]
    config.hook.pytest_deselected(items=native)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"kmserr: the compiled core did not load: {len(native)} runs on it deselected "
                            f"(set {REQUIRE_NATIVE}=1 to make them fail instead)")


@pytest.fixture(autouse=True, scope="session")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the catalogue cache of the test run out of the user's cache folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KMSERR_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(autouse=True, scope="session")
def compiled_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Where PYTHONDONTWRITEBYTECODE is set (some CI images set it), each of the suite's hundreds of
    `python -m kmserr` processes compiles kmserr, Click and Rich from source again: twice the CPU
    of the command itself. Their bytecode goes to a folder of the test run instead (shared by
    xdist's workers), written once and read by every later process; the checkout is not written."""
    import os

    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        yield
        return
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "pycache"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONDONTWRITEBYTECODE")
        patch.setenv("PYTHONPYCACHEPREFIX", str(folder))
        yield


@pytest.fixture(scope="session")
def config_homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of the run for every test's empty config home."""
    return tmp_path_factory.mktemp("config")


@pytest.fixture(autouse=True)
def stable_terminal(monkeypatch: pytest.MonkeyPatch, config_homes: Path) -> Iterator[None]:
    import tempfile

    for name in ("NO_COLOR", "FORCE_COLOR", "KMSERR_ENGINE", "LC_ALL", "LC_MESSAGES", "KMSERR_CATALOG"):
        monkeypatch.delenv(name, raising=False)
    # The user's own team catalogues must not change what the tests see: an empty config home of
    # each test's own. Made by mkdtemp in one folder: tmp_path_factory.mktemp lists every folder
    # of the run to number the next, which over the suite's thousands of tests costs seconds.
    monkeypatch.setenv("XDG_CONFIG_HOME", tempfile.mkdtemp(dir=config_homes))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield


def feed_in_pieces(scanner: LineScanner, data: bytes, sizes: Sequence[int]) -> list[Hit]:
    """Give a scanner the data in reads of these sizes, in turn, as a slow pipe would."""
    found: list[Hit] = []
    pos = index = 0
    while pos < len(data):
        size = sizes[index % len(sizes)]
        found += scanner.feed(data[pos : pos + size])
        pos += size
        index += 1
    return found + scanner.finish()


class Runner:
    def __init__(self) -> None:
        self._runner = CliRunner()

    def __call__(self, *args: str, input: bytes | str | None = None) -> Result:
        return self._runner.invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.fixture
def run() -> Runner:
    return Runner()


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The processes os.fork starts from here on, by pid (a search with -j forks its workers so)."""
    import os

    started: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return started
