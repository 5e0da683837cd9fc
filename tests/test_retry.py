"""kmserr.Retryer in the real SDK's clients, the SDK's StandardRetryer beside it, and should_retry.

A real `KmsClient` (sync and async) with `ClientProfile(retryer=...)` calls the loopback stand-in of
tests/fake_api.py, which answers an error N times and then succeeds; the attempts are counted by
the server and by a wrapper around the function the SDK hands the retryer. Nothing sleeps: the
sleeps are recorded, and the jitter comes from an injected random source.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.retry import StandardRetryer
from tencentcloud.common.retry_async import StandardRetryer as AsyncStandardRetryer
from tencentcloud.kms.v20190118 import kms_client, kms_client_async, models

import kmserr
from kmserr.retry import LOGGER_NAME, Retryer, should_retry
from kmserr.teams import load_registry

from .fake_api import BAD_GATEWAY, Answer, Answers, error_answer, fake_api, refused_endpoint, success_answer

T = TypeVar("T")
FAILURES = 2  # the server answers the error this many times, then succeeds
ATTEMPTS = 3  # max_attempts of both retryers: enough to get through FAILURES errors


class Counting:
    """A retryer around another that counts the attempts the SDK's client makes through it."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.attempts = inner, 0

    def send_request(self, fn: Callable[[], T]) -> T:
        def counted() -> T:
            self.attempts += 1
            return fn()

        result: T = self.inner.send_request(counted)
        return result


class Jitter:
    """A random source that answers a fixed fraction of the range it is asked for, and records the asks."""

    def __init__(self, fraction: float = 1.0) -> None:
        self.fraction, self.asked = fraction, list[tuple[float, float]]()

    def uniform(self, a: float, b: float) -> float:
        self.asked.append((a, b))
        return a + self.fraction * (b - a)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Answers]]:
    with fake_api() as served:
        yield served


def profile(endpoint: str, retryer: Any) -> ClientProfile:
    return ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=endpoint, reqTimeout=10), retryer=retryer)


def decrypt_request() -> models.DecryptRequest:
    request = models.DecryptRequest()
    request.from_json_string(json.dumps({"CiphertextBlob": "x"}))
    return request


def decrypt(endpoint: str, retryer: Any) -> tuple[int, str | None]:
    """(attempts, the code of the error that came out, None on success) for one Decrypt."""
    counting = Counting(retryer)
    kms = kms_client.KmsClient(credential.Credential("AKIDtest", "secret"), "ap-guangzhou", profile(endpoint, counting))
    try:
        kms.Decrypt(decrypt_request())
    except TencentCloudSDKException as err:
        return counting.attempts, err.get_code()
    return counting.attempts, None


def kmserr_retryer(idempotent: bool, sleeps: list[float], **options: Any) -> Retryer:
    return Retryer(max_attempts=ATTEMPTS, base_delay=0.1, max_delay=20.0, idempotent=idempotent,
                   sleep=sleeps.append, rng=Jitter(), **options)


def standard_retryer(backoffs: list[int]) -> StandardRetryer:
    def backoff(n: int) -> int:
        backoffs.append(n)
        return 0  # the SDK sleeps 2**n seconds by default; time.sleep(0) does not wait

    return StandardRetryer(max_attempts=ATTEMPTS, backoff_fn=backoff)


def retry_advice(code: str) -> str:
    entry = kmserr.default_registry().get(code)
    assert entry is not None, code
    return entry.retry


def retried_by_the_catalogue(code: str, idempotent: bool) -> bool:
    advice = retry_advice(code)
    return advice in ("yes", "backoff") or (advice == "idempotent" and idempotent)


SUCCESS = (FAILURES + 1, None)


def gave_up(code: str) -> tuple[int, str]:
    return 1, code


def stale(code: str) -> tuple[int, str]:
    """StandardRetryer after a retry: it never clears the error it caught, so the attempts that
    succeed are retried too, and once attempts run out it raises that first error."""
    return ATTEMPTS, code


# (error code the server answers FAILURES times, idempotent, kmserr's outcome, StandardRetryer's outcome)
SCRIPTS = [
    ("RequestLimitExceeded", True, SUCCESS, stale("RequestLimitExceeded")),
    ("RequestLimitExceeded", False, SUCCESS, stale("RequestLimitExceeded")),
    ("InternalError", True, SUCCESS, gave_up("InternalError")),
    ("InternalError", False, gave_up("InternalError"), gave_up("InternalError")),
    ("ResourceUnavailable.CmkDisabled", True, gave_up("ResourceUnavailable.CmkDisabled"),
     gave_up("ResourceUnavailable.CmkDisabled")),
    ("ServerNetworkError", True, SUCCESS, stale("ServerNetworkError")),  # a 502
    ("ServerNetworkError", False, gave_up("ServerNetworkError"), stale("ServerNetworkError")),
]


def answer_for(code: str) -> Answer:
    return BAD_GATEWAY if code == "ServerNetworkError" else error_answer(code, f"req-{code}")


@pytest.mark.parametrize(("code", "idempotent", "ours", "standard"), SCRIPTS)
def test_the_real_client_retries_by_the_catalogue(
    server: tuple[str, Answers], code: str, idempotent: bool, ours: tuple[int, str | None],
    standard: tuple[int, str | None],
) -> None:
    endpoint, answers = server
    # The table's outcomes rest on this advice; a catalogue change must show up here first.
    assert retried_by_the_catalogue(code, idempotent) == (ours == SUCCESS)

    sleeps: list[float] = []
    answers.script(answer_for(code), FAILURES, success_answer())
    assert decrypt(endpoint, kmserr_retryer(idempotent, sleeps)) == ours
    assert len(answers.requests) == ours[0] and set(answers.requests) == {"Decrypt"}
    assert len(sleeps) == ours[0] - 1

    backoffs: list[int] = []
    answers.script(answer_for(code), FAILURES, success_answer())
    assert decrypt(endpoint, standard_retryer(backoffs)) == standard
    assert len(answers.requests) == standard[0]
    # After its last attempt too it sleeps (2**2 = 4 s by default) before raising.
    assert backoffs == (list(range(ATTEMPTS)) if standard[0] > 1 else [])


def test_the_sdk_standard_retryer_repeats_a_call_that_succeeded(server: tuple[str, Answers]) -> None:
    # Why the table above says "stale": one throttled answer, then successes. StandardRetryer
    # (tencentcloud-sdk-python-common 3.1.195) keeps the first error, so it calls twice more
    # after the first success and raises RequestLimitExceeded; kmserr.Retryer stops at the success.
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-once"), 1, success_answer())
    assert decrypt(endpoint, standard_retryer([])) == (ATTEMPTS, "RequestLimitExceeded")
    assert len(answers.requests) == ATTEMPTS  # one throttled, then two that succeeded
    answers.script(error_answer("RequestLimitExceeded", "req-once"), 1, success_answer())
    assert decrypt(endpoint, kmserr_retryer(False, [])) == (2, None)
    assert len(answers.requests) == 2


def test_signature_expire_follows_the_catalogue(server: tuple[str, Answers]) -> None:
    # The catalogue's advice for AuthFailure.SignatureExpire is under review (a retry signs the
    # request again with the same skewed clock): the expected outcome is read from the entry.
    code = "AuthFailure.SignatureExpire"
    endpoint, answers = server
    for idempotent in (True, False):
        answers.script(error_answer(code, "req-sig"), FAILURES, success_answer())
        expected = SUCCESS if retried_by_the_catalogue(code, idempotent) else gave_up(code)
        assert decrypt(endpoint, kmserr_retryer(idempotent, [])) == expected
    answers.script(error_answer(code, "req-sig"), FAILURES, success_answer())
    assert decrypt(endpoint, standard_retryer([])) == gave_up(code)


@pytest.mark.parametrize("idempotent", [True, False])
def test_a_refused_connection(idempotent: bool) -> None:
    assert retry_advice("ClientNetworkError") == "idempotent"
    sleeps: list[float] = []
    with refused_endpoint() as endpoint:
        ours = decrypt(endpoint, kmserr_retryer(idempotent, sleeps))
        backoffs: list[int] = []
        standard = decrypt(endpoint, standard_retryer(backoffs))
    assert ours == ((ATTEMPTS if idempotent else 1), "ClientNetworkError")
    assert len(sleeps) == ours[0] - 1
    assert standard == (ATTEMPTS, "ClientNetworkError") and backoffs == list(range(ATTEMPTS))


def test_each_retry_is_logged(server: tuple[str, Answers], caplog: pytest.LogCaptureFixture) -> None:
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-throttled-1"), FAILURES, success_answer())
    sleeps: list[float] = []
    with caplog.at_level(logging.WARNING, logger=LOGGER_NAME):
        assert decrypt(endpoint, kmserr_retryer(True, sleeps)) == SUCCESS
    records = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert len(records) == FAILURES
    for attempt, (record, slept) in enumerate(zip(records, sleeps, strict=True), start=1):
        assert record.levelno == logging.WARNING
        # The endpoint's own message, not the catalogue's description; no `kmserr:` prefix, which
        # the application's log format does not expect.
        assert record.getMessage() == (
            f"RequestLimitExceeded (request req-throttled-1) on attempt {attempt} of {ATTEMPTS}, "
            f"retrying in {slept:.3f}s: message of RequestLimitExceeded"
        )
        fields = {k: getattr(record, k) for k in ("kmserr_code", "kmserr_request_id", "kmserr_message",
                                                  "kmserr_retry", "kmserr_attempt", "kmserr_delay")}
        assert fields == {"kmserr_code": "RequestLimitExceeded", "kmserr_request_id": "req-throttled-1",
                          "kmserr_message": "message of RequestLimitExceeded", "kmserr_retry": "backoff",
                          "kmserr_attempt": attempt, "kmserr_delay": slept}


def test_a_refused_connection_is_logged_with_the_sdks_message(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER_NAME), refused_endpoint() as endpoint:
        decrypt(endpoint, kmserr_retryer(True, []))
    records = [r for r in caplog.records if r.name == LOGGER_NAME]
    assert len(records) == ATTEMPTS - 1
    text = records[0].getMessage()
    # No request ID reached the client: none is shown, not "(request -)".
    assert text.startswith(f"ClientNetworkError on attempt 1 of {ATTEMPTS}, retrying in ")
    assert "Connection refused" in text and "request" not in text.split(":", 1)[0]
    assert records[0].kmserr_request_id is None


def test_a_logger_of_ones_own(server: tuple[str, Answers], caplog: pytest.LogCaptureFixture) -> None:
    endpoint, answers = server
    answers.script(error_answer("InternalError", "req-internal"), 1, success_answer())
    mine = logging.getLogger("my.service.kms")
    with caplog.at_level(logging.WARNING, logger="my.service.kms"):
        assert decrypt(endpoint, kmserr_retryer(True, [], logger=mine)) == (2, None)
    [record] = caplog.records
    assert record.name == "my.service.kms" and "InternalError (request req-internal)" in record.getMessage()


def test_no_sleep_when_base_delay_is_zero(server: tuple[str, Answers]) -> None:
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-0"), FAILURES, success_answer())
    sleeps: list[float] = []
    jitter = Jitter()
    retryer = Retryer(max_attempts=ATTEMPTS, base_delay=0, sleep=sleeps.append, rng=jitter)
    assert decrypt(endpoint, retryer) == SUCCESS
    assert sleeps == [] and jitter.asked == []


def test_the_last_attempt_raises_the_last_error(server: tuple[str, Answers]) -> None:
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-x"), ATTEMPTS, success_answer())
    sleeps: list[float] = []
    assert decrypt(endpoint, kmserr_retryer(True, sleeps)) == (ATTEMPTS, "RequestLimitExceeded")
    assert len(sleeps) == ATTEMPTS - 1


def test_a_team_catalogue_decides_its_own_codes(server: tuple[str, Answers], tmp_path: Path) -> None:
    team = tmp_path / "team.toml"
    team.write_text(
        '[[errors]]\ncode = "TeamProxy.Busy"\nproduct = "kms"\ngeneration = "api3"\n'
        'description = "Our proxy is busy."\ncategory = "throttling"\nretry = "backoff"\n'
        'action = "Wait."\nsource = "team runbook"\n',
        encoding="utf-8",
    )
    endpoint, answers = server
    answers.script(error_answer("TeamProxy.Busy", "req-team"), FAILURES, success_answer())
    assert decrypt(endpoint, kmserr_retryer(True, [])) == gave_up("TeamProxy.Busy")
    answers.script(error_answer("TeamProxy.Busy", "req-team"), FAILURES, success_answer())
    registry = load_registry((str(team),))
    assert decrypt(endpoint, kmserr_retryer(True, [], registry=registry)) == SUCCESS


# --- the async client: the same ClientProfile, awaited -------------------------------------------


async def decrypt_async(endpoint: str, retryer: Any) -> tuple[int, str | None]:
    counting = Counting(retryer)
    cred = credential.Credential("AKIDtest", "secret")
    async with kms_client_async.KmsClient(cred, "ap-guangzhou", profile(endpoint, counting)) as kms:
        try:
            await kms.Decrypt(decrypt_request())
        except TencentCloudSDKException as err:
            return counting.attempts, err.get_code()
        except Exception as err:  # the async SDK lets httpx's network errors through
            return counting.attempts, type(err).__name__
    return counting.attempts, None


@pytest.mark.parametrize(("code", "idempotent", "ours", "standard"), SCRIPTS)
def test_the_async_client_retries_by_the_catalogue(
    server: tuple[str, Answers], code: str, idempotent: bool, ours: tuple[int, str | None],
    standard: tuple[int, str | None],
) -> None:
    endpoint, answers = server
    answers.script(answer_for(code), FAILURES, success_answer())
    sleeps: list[float] = []
    assert asyncio.run(decrypt_async(endpoint, kmserr_retryer(idempotent, sleeps))) == ours
    assert len(answers.requests) == ours[0] and len(sleeps) == ours[0] - 1

    # The SDK's async StandardRetryer has the same loop, stale error included.
    answers.script(answer_for(code), FAILURES, success_answer())
    backoffs: list[int] = []
    assert asyncio.run(decrypt_async(endpoint, standard_async_retryer(backoffs))) == standard
    assert len(answers.requests) == standard[0]
    assert backoffs == (list(range(ATTEMPTS)) if standard[0] > 1 else [])


def standard_async_retryer(backoffs: list[int]) -> AsyncStandardRetryer:
    async def backoff(n: int) -> int:
        backoffs.append(n)
        return 0

    return AsyncStandardRetryer(max_attempts=ATTEMPTS, backoff_fn=backoff)


def test_the_async_client_awaits_an_async_sleep(server: tuple[str, Answers]) -> None:
    endpoint, answers = server
    answers.script(error_answer("RequestLimitExceeded", "req-a"), FAILURES, success_answer())
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    retryer = Retryer(max_attempts=ATTEMPTS, sleep=sleep, rng=Jitter())
    assert asyncio.run(decrypt_async(endpoint, retryer)) == SUCCESS
    assert len(slept) == FAILURES


@pytest.mark.parametrize("idempotent", [True, False])
def test_the_async_client_on_a_refused_connection(idempotent: bool) -> None:
    sleeps: list[float] = []
    with refused_endpoint() as endpoint:
        attempts, error = asyncio.run(decrypt_async(endpoint, kmserr_retryer(idempotent, sleeps)))
        standard = asyncio.run(decrypt_async(endpoint, standard_async_retryer([])))
    assert (attempts, error) == ((ATTEMPTS if idempotent else 1), "ConnectError")
    assert len(sleeps) == attempts - 1
    assert standard == (ATTEMPTS, "ConnectError")


# --- should_retry, for tenacity and stamina --------------------------------------------------------


@pytest.mark.parametrize("code", sorted({e.code for e in kmserr.default_registry().entries if e.product == "kms"}))
def test_should_retry_follows_each_kms_entry(code: str) -> None:
    err = TencentCloudSDKException(code, "m", "req-1")
    advice = kmserr.explain(err).retry
    assert should_retry(err) == (advice in ("yes", "backoff", "idempotent"))
    assert should_retry(err, idempotent=False) == (advice in ("yes", "backoff"))


def test_should_retry_reads_a_family_and_never_an_unknown_code() -> None:
    family = TencentCloudSDKException("RequestLimitExceeded.SomethingNew", "m", "req-1")
    assert kmserr.explain(family).entry is None and should_retry(family, idempotent=False)
    assert not should_retry(TencentCloudSDKException("NoSuchFamily.AtAll", "m", "req-1"))
    assert not should_retry(ValueError("nothing to do with KMS"))
    assert kmserr.should_retry is should_retry


# --- the jitter ------------------------------------------------------------------------------------


@given(
    base_delay=st.floats(min_value=0, max_value=1e6),
    max_delay=st.floats(min_value=0, max_value=1e6),
    retry=st.integers(min_value=1, max_value=3000),
    fraction=st.floats(min_value=0, max_value=1),
)
@example(base_delay=5e-324, max_delay=1.0, retry=1001, fraction=1.0)  # a tiny base: still its exponential
@example(base_delay=1e-300, max_delay=1e6, retry=3000, fraction=1.0)  # beyond the largest float: the cap
def test_full_jitter_stays_under_the_capped_exponential(
    base_delay: float, max_delay: float, retry: int, fraction: float
) -> None:
    jitter = Jitter(fraction)
    delay = Retryer(base_delay=base_delay, max_delay=max_delay, rng=jitter).delay(retry)
    ceiling = min(Fraction(max_delay), Fraction(base_delay) * 2 ** (retry - 1))
    assert 0 <= delay <= ceiling <= max_delay
    if ceiling == 0:
        assert delay == 0 and jitter.asked == []
    else:
        [(low, high)] = jitter.asked
        assert low == 0 and abs(Fraction(high) - ceiling) <= ceiling * Fraction(1, 2**50)


@given(max_attempts=st.integers(min_value=1, max_value=8), fraction=st.floats(min_value=0, max_value=1))
def test_every_sleep_is_a_jittered_delay(max_attempts: int, fraction: float) -> None:
    sleeps: list[float] = []
    calls: list[int] = []

    def throttled() -> None:
        calls.append(1)
        raise TencentCloudSDKException("RequestLimitExceeded", "slow down", "req-1")

    retryer = Retryer(max_attempts=max_attempts, base_delay=0.5, max_delay=3.0, sleep=sleeps.append,
                      rng=Jitter(fraction))
    with pytest.raises(TencentCloudSDKException):
        retryer.send_request(throttled)
    assert len(calls) == max_attempts
    expected = [fraction * min(3.0, 0.5 * 2**n) for n in range(max_attempts - 1)]
    assert sleeps == [d for d in expected if d > 0]


@pytest.mark.parametrize(
    ("options", "wrong"),
    [({"max_attempts": 0}, "max_attempts"), ({"max_attempts": 2.5}, "max_attempts"),
     ({"base_delay": -1}, "base_delay"), ({"max_delay": float("inf")}, "max_delay"),
     ({"max_delay": float("nan")}, "max_delay")],
)
def test_bad_settings_are_named(options: dict[str, Any], wrong: str) -> None:
    with pytest.raises(ValueError, match=wrong):
        Retryer(**options)
