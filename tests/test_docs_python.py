"""Every ```python example of the project's Markdown documents runs, as a service would run it.

Each example is executed as written, by the runner of the one marker it holds (RUNNERS); a block
with no marker, or with two, fails. The names it leaves to the reader (`client`, `req`, `cred`,
`http_profile`, `log`) are given real objects: a real `KmsClient` calling the loopback API
stand-in of tests/fake_api.py, which answers errors and then succeeds. `time.sleep` is recorded
instead of slept. stamina is not a test dependency: its example runs against a stand-in of the one
call it makes (`stamina.retry(on=predicate, attempts=n)`), so there the predicate is what is tested.
"""

from __future__ import annotations

import functools
import gzip
import inspect
import io
import json
import logging
import pickle
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.kms.v20190118 import kms_client, models

import kmserr

from .fake_api import Answers, error_answer, fake_api, success_answer
from .markdown import Block, blocks, documents, name

EXAMPLES = [block for doc in documents() for block in blocks(doc) if block.lang == "python"]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Answers]]:
    with fake_api() as served:
        yield served


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    return sleeps


def run(example: Block, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "docs_example", **names}
    exec(compile(example.text, f"{name(example.doc)}:{example.line}", "exec"), namespace)
    return namespace


def http_profile(endpoint: str) -> HttpProfile:
    return HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=10)


def plain_client(endpoint: str) -> kms_client.KmsClient:
    cred = credential.Credential("AKIDtest", "secret")
    return kms_client.KmsClient(cred, "ap-guangzhou", ClientProfile(httpProfile=http_profile(endpoint)))


def request(model: type[Any], params: dict[str, str]) -> Any:
    made = model()
    made.from_json_string(json.dumps(params))
    return made


def decrypt_request() -> models.DecryptRequest:
    return request(models.DecryptRequest, {"CiphertextBlob": "x"})


def explain_in_an_except(example: Block, server: tuple[str, Answers], caplog: pytest.LogCaptureFixture) -> None:
    endpoint, answers = server
    answers.script(error_answer("ResourceUnavailable.CmkDisabled", "req-readme-1"), 1, success_answer())
    log = logging.getLogger("readme.service")
    with caplog.at_level(logging.ERROR, logger="readme.service"):
        run(example, client=plain_client(endpoint), req=decrypt_request(), log=log)
    action = kmserr.explain("ResourceUnavailable.CmkDisabled").action
    assert [r.getMessage() for r in caplog.records] == [
        f"KMS ResourceUnavailable.CmkDisabled (request req-readme-1): retry: no; {action}"
    ]


def the_retryer_in_a_client_profile(example: Block, server: tuple[str, Answers], slept: list[float]) -> None:
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-readme-2"), 2, success_answer())
    cred = credential.Credential("AKIDtest", "secret")
    run(example, cred=cred, http_profile=http_profile(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt"] * 3
    assert len(slept) == 2 and 0 <= slept[0] <= 0.1 and 0 <= slept[1] <= 0.2


def the_tenacity_predicate(example: Block, server: tuple[str, Answers], slept: list[float]) -> None:
    endpoint, answers = server
    answers.script(error_answer("InternalError", "req-readme-3"), 1, success_answer())
    names = run(example, client=plain_client(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt", "Decrypt"] and len(slept) == 1
    if "create_key" not in names:  # the README's shorter example
        return

    # create_key does not repeat a call that may have taken effect.
    answers.script(error_answer("InternalError", "req-readme-4"), 1, success_answer())
    with pytest.raises(TencentCloudSDKException) as caught:
        names["create_key"](request(models.CreateKeyRequest, {"Alias": "a"}))
    assert caught.value.get_code() == "InternalError" and answers.requests == ["CreateKey"]
    answers.script(error_answer("RequestLimitExceeded", "req-readme-5"), 1, success_answer())
    names["create_key"](request(models.CreateKeyRequest, {"Alias": "a"}))
    assert answers.requests == ["CreateKey", "CreateKey"]


def stamina_stand_in() -> ModuleType:
    """`stamina.retry(on=predicate, attempts=n)` as stamina documents it, without the backoff."""
    module = ModuleType("stamina")

    def retry(*, on: Callable[[Exception], bool], attempts: int) -> Callable[[Callable[..., Any]], Any]:
        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                for attempt in range(1, attempts + 1):
                    try:
                        return fn(*args, **kwargs)
                    except Exception as err:
                        if attempt == attempts or not on(err):
                            raise
                raise AssertionError("unreachable")

            return wrapper

        return decorate

    module.retry = retry  # type: ignore[attr-defined]
    return module


def the_stamina_predicate(example: Block, server: tuple[str, Answers], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "stamina", stamina_stand_in())
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-readme-6"), 2, success_answer())
    run(example, client=plain_client(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt"] * 3

    answers.script(error_answer("ResourceUnavailable.CmkDisabled", "req-readme-7"), 2, success_answer())
    with pytest.raises(TencentCloudSDKException):
        run(example, client=plain_client(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt"]


def the_rest_of_the_library(
    example: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app.log").write_text(
        "2024-05-14 08:00:00 INFO started\n"
        "2024-05-14 08:00:01 ERROR [TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled "
        "message:The CMK has been disabled. requestId:req-9\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    names = run(example)
    assert capsys.readouterr().out == "2 ['ResourceUnavailable.CmkDisabled']\n"
    assert names["registry"] is kmserr.default_registry()


def an_envelope(example: Block) -> None:
    assert run(example)["found"] == [("10630", "cri")]


def _grep(*args: str) -> str:
    from click.testing import CliRunner

    from kmserr.cli import cli

    return CliRunner().invoke(cli, ["grep", *args], catch_exceptions=False).stdout


def _logs(folder: Path) -> list[str]:
    """Two logs of a few ranges each, and a rotated one, with a Node SDK error across 1 MiB."""
    from benchmarks.loggen import write

    from .test_blocks import node_error

    (folder / "logs").mkdir()
    data = io.BytesIO()
    write(data, size=(1 << 20) - 150, match_rate=0.05, decoy_rate=0.05, invalid_rate=0.01, seed=5)
    (folder / "app.log").write_bytes(data.getvalue() + node_error(1) + data.getvalue())
    (folder / "logs" / "app.log").write_bytes((folder / "app.log").read_bytes())
    (folder / "logs" / "app.log.1.gz").write_bytes(gzip.compress(node_error(2) * 50))
    return ["logs/app.log", "logs/app.log.1.gz"]


def the_block_api(example: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    _logs(tmp_path)
    names = run(example)
    assert len(names["ranges"]) == 3
    assert names["records"] == [json.loads(line) for line in _grep("--json", "app.log").splitlines()]
    assert any(r["matches"][0]["message"] == "The CMK 1 is disabled." for r in names["records"])
    assert names["summary"].records() == json.loads(_grep("--summary", "--format", "json", "app.log"))
    printed = _grep("--timeline", "--bucket", "1m", "--format", "json", "app.log").splitlines()
    assert names["timeline"].records() == [json.loads(line) for line in printed]
    assert capsys.readouterr().out == f"{len(names['records'])} {names['summary'].records()[0]['code']} {json.loads(printed[0])}\n"


def kmserr_on_dask(example: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   capsys: pytest.CaptureFixture[str]) -> None:
    import dask

    monkeypatch.chdir(tmp_path)
    files = _logs(tmp_path)
    with dask.config.set(scheduler="synchronous"):
        names = run(example)
        records = names["errors"].compute()
    assert records == [json.loads(line) for line in _grep("--json", *files).splitlines()]
    assert names["rows"] == json.loads(_grep("--summary", "--format", "json", *files))
    printed = _grep("--timeline", "--bucket", "1m", "--format", "json", *files)
    assert names["per_minute"] == [json.loads(line) for line in printed.splitlines()]
    assert capsys.readouterr().out == f"{len(records)} {records[0]['matches'][0]['code']}\n"


class _Rdd:
    """The RDD calls of docs/distributed.md's Spark example, run in this process in order."""

    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def map(self, f: Callable[[Any], Any]) -> _Rdd:
        return _Rdd([f(item) for item in pickle.loads(pickle.dumps(self._items))])  # Spark pickles rows

    def flatMap(self, f: Callable[[Any], Any]) -> _Rdd:
        return _Rdd([out for item in self._items for out in f(item)])

    def collect(self) -> list[Any]:
        return list(self._items)

    def reduce(self, f: Callable[[Any, Any], Any]) -> Any:
        items = pickle.loads(pickle.dumps(self._items))  # each partial is pickled to the driver
        random.Random(0).shuffle(items)  # partitions reduce in no set order
        return functools.reduce(f, items)


class _Spark:
    """`spark.read.format("binaryFile").load(glob)`: a row (path, content) per file, in path order."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self.read = self

    def format(self, name: str) -> _Spark:
        assert name == "binaryFile"
        return self

    def load(self, pattern: str) -> Any:
        from types import SimpleNamespace

        rows = [SimpleNamespace(path=str(p), content=bytearray(p.read_bytes()))
                for p in sorted(self._folder.glob(pattern))]
        return SimpleNamespace(rdd=_Rdd(rows))


def kmserr_on_spark(example: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    files = [str(tmp_path / f) for f in _logs(tmp_path)]
    names = run(example, spark=_Spark(tmp_path))
    assert names["records"] == [json.loads(line) for line in _grep("--json", *files).splitlines()]
    assert names["summary"].records() == json.loads(_grep("--summary", "--format", "json", *files))
    printed = _grep("--timeline", "--bucket", "1m", "--format", "json", *files)
    assert names["timeline"].records() == [json.loads(line) for line in printed.splitlines()]


# The marker each example holds -> what runs it and checks what it did.
RUNNERS: dict[str, Callable[..., None]] = {
    "explain(err)": explain_in_an_except,
    "kmserr.Retryer(": the_retryer_in_a_client_profile,
    "from tenacity import": the_tenacity_predicate,
    "import stamina": the_stamina_predicate,
    "scan_stream(": the_rest_of_the_library,
    "f.envelope": an_envelope,
    "scan_range(": the_block_api,
    "kmserr.dask.": kmserr_on_dask,
    "binaryFile": kmserr_on_spark,
}


def runner(example: Block) -> Callable[..., None]:
    markers = [marker for marker in RUNNERS if marker in example.text]
    assert len(markers) == 1, f"{name(example.doc)}:{example.line}: holds {markers}, not one marker of RUNNERS"
    return RUNNERS[markers[0]]


def test_every_runner_runs_an_example() -> None:
    assert {runner(example) for example in EXAMPLES} == set(RUNNERS.values())


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"{name(e.doc)}:{e.line}" for e in EXAMPLES])
def test_python_example(example: Block, request: pytest.FixtureRequest) -> None:
    run_it = runner(example)
    fixtures = [p for p in inspect.signature(run_it).parameters if p != "example"]
    run_it(example, **{f: request.getfixturevalue(f) for f in fixtures})
