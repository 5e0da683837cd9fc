"""Every ```python example of the README's "The library" section runs, as a service would run it.

Each example is executed as written. The names it leaves to the reader (`client`, `req`, `cred`,
`http_profile`, `log`) are given real objects: a real `KmsClient` calling the loopback API
stand-in of tests/fake_api.py, which answers errors and then succeeds. `time.sleep` is recorded
instead of slept. stamina is not a test dependency: its example runs against a stand-in of the one
call it makes (`stamina.retry(on=predicate, attempts=n)`), so there the predicate is what is tested.
"""

from __future__ import annotations

import functools
import json
import logging
import re
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

README = Path(__file__).parent.parent / "README.md"


def library_examples() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## The library\n")
    end = text.index("\n## ", start)
    return re.findall(r"```python\n(.*?)```", text[start:end], re.S)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Answers]]:
    with fake_api() as served:
        yield served


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    return sleeps


def run(example: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme_example", **names}
    exec(compile(example, "README.md (The library)", "exec"), namespace)
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


def example(marker: str) -> str:
    [found] = [e for e in library_examples() if marker in e]
    return found


MARKERS = ["explain(err)", "kmserr.Retryer(", "from tenacity import", "import stamina", "scan_stream("]


def test_each_example_is_run_here() -> None:
    examples = library_examples()
    assert sorted(examples) == sorted(example(m) for m in MARKERS)


def test_explain_in_an_except(
    server: tuple[str, Answers], caplog: pytest.LogCaptureFixture
) -> None:
    endpoint, answers = server
    answers.script(error_answer("ResourceUnavailable.CmkDisabled", "req-readme-1"), 1, success_answer())
    log = logging.getLogger("readme.service")
    with caplog.at_level(logging.ERROR, logger="readme.service"):
        run(example("explain(err)"), client=plain_client(endpoint), req=decrypt_request(), log=log)
    action = kmserr.explain("ResourceUnavailable.CmkDisabled").action
    assert [r.getMessage() for r in caplog.records] == [
        f"KMS ResourceUnavailable.CmkDisabled (req-readme-1): {action}"
    ]


def test_the_retryer_in_a_client_profile(server: tuple[str, Answers], slept: list[float]) -> None:
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-readme-2"), 2, success_answer())
    cred = credential.Credential("AKIDtest", "secret")
    run(example("kmserr.Retryer("), cred=cred, http_profile=http_profile(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt"] * 3
    assert len(slept) == 2 and 0 <= slept[0] <= 0.1 and 0 <= slept[1] <= 0.2


def test_the_tenacity_predicate(server: tuple[str, Answers], slept: list[float]) -> None:
    endpoint, answers = server
    answers.script(error_answer("InternalError", "req-readme-3"), 1, success_answer())
    names = run(example("from tenacity import"), client=plain_client(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt", "Decrypt"] and len(slept) == 1

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


def test_the_stamina_predicate(server: tuple[str, Answers], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "stamina", stamina_stand_in())
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-readme-6"), 2, success_answer())
    run(example("import stamina"), client=plain_client(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt"] * 3

    answers.script(error_answer("ResourceUnavailable.CmkDisabled", "req-readme-7"), 2, success_answer())
    with pytest.raises(TencentCloudSDKException):
        run(example("import stamina"), client=plain_client(endpoint), req=decrypt_request())
    assert answers.requests == ["Decrypt"]


def test_the_rest_of_the_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app.log").write_text(
        "2024-05-14 08:00:00 INFO started\n"
        "2024-05-14 08:00:01 ERROR [TencentCloudSDKException] code:ResourceUnavailable.CmkDisabled "
        "message:The CMK has been disabled. requestId:req-9\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    names = run(example("scan_stream("))
    assert capsys.readouterr().out == "2 ['ResourceUnavailable.CmkDisabled']\n"
    assert names["registry"] is kmserr.default_registry()
