"""Retry Tencent Cloud SDK calls by what the catalogue says each error code means.

`Retryer` has the one method the SDK's clients call on `ClientProfile(retryer=...)`:
`send_request(fn)`, where `fn` makes one attempt and raises the SDK's exception on an error
answer. The synchronous clients (`abstract_client.py`) call it with a function that returns the
response; the asynchronous ones (`abstract_client_async.py`, the same `ClientProfile`) with a
coroutine function and await what `send_request` returns, so one `Retryer` serves both. Nothing
here imports the SDK: its exceptions are read by duck typing, as `explain` reads them.
"""

from __future__ import annotations

import inspect
import logging
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import NamedTuple, Protocol, TypeVar, cast

from .controls import terminal_safe
from .explanation import Explanation, explain
from .registry import Registry

T = TypeVar("T")

LOGGER_NAME = "kmserr.retry"
# A library logs and never prints: without this, Python's last-resort handler would write the
# retry warnings of an application that configured no logging to its stderr.
logging.getLogger("kmserr").addHandler(logging.NullHandler())

RETRIED: frozenset[str] = frozenset({"yes", "backoff"})
MESSAGE_LIMIT = 500  # characters of an error's message in a retry's log record: an HTML page is not a message


class Uniform(Protocol):
    """What the jitter needs of a random source (`random.Random` has it)."""

    def uniform(self, a: float, b: float) -> float: ...


class _NetworkError(NamedTuple):
    """An httpx transport error as the synchronous SDK names the same failure."""

    code: str
    message: str


def should_retry(err: object, idempotent: bool = True, registry: Registry | None = None) -> bool:
    """Whether the catalogue says calling again can succeed: for tenacity's and stamina's predicates.

    `yes` and `backoff` codes are retried; `idempotent` codes only when `idempotent` is true (the
    call may have taken effect: InternalError, network errors); `no` codes, and codes that neither
    the catalogue nor their family (`InternalError` for `InternalError.X`) knows, never.
    """
    info = _explained(err, registry)
    return info is not None and _retries(info, idempotent)


def _explained(err: object, registry: Registry | None) -> Explanation | None:
    """What the catalogue says of a caller's error, or None when the error cannot even be read (a
    `__getattr__` that raises KeyError, a `__str__` that recurses): never retried, never raised."""
    try:
        return explain(_readable(err), registry)
    except Exception:
        return None


def _retries(info: Explanation, idempotent: bool) -> bool:
    return info.retryable_for(idempotent)


def _readable(err: object) -> object:
    """The error as `explain` reads it: the async SDK lets httpx's network errors through unwrapped."""
    if isinstance(err, BaseException) and not hasattr(err, "code"):
        for cls in type(err).__mro__:
            # By name, so as not to import httpx: its ConnectError, ReadTimeout, ... all derive from it.
            if cls.__name__ == "TransportError" and cls.__module__.partition(".")[0] == "httpx":
                return _NetworkError("ClientNetworkError", str(err) or type(err).__name__)
    return err


class Retryer:
    """A retry policy for `ClientProfile(retryer=...)` that retries what the catalogue says may succeed.

    `max_attempts` counts every attempt, the first included (3: one call and up to two retries).
    Before retry n (n = 1, 2, ...) it sleeps a random time between 0 and
    `min(max_delay, base_delay * 2 ** (n - 1))` seconds (exponential backoff with full jitter);
    `base_delay=0` never sleeps. `idempotent` says whether the calls this profile makes may be
    repeated safely, which decides the codes the catalogue marks `idempotent`. Each retry is logged
    at WARNING on `logger` (default: the `kmserr.retry` logger) with the code, the request ID and
    what the code means. `registry` is the catalogue to ask (team catalogues included), default the
    bundled one. `sleep` (default `time.sleep`, or `asyncio.sleep` for the async clients; when it
    returns an awaitable the async clients await it) and `rng` are for tests.
    """

    def __init__(
        self,
        max_attempts: int = 3,
        base_delay: float = 0.1,
        max_delay: float = 20.0,
        idempotent: bool = True,
        logger: logging.Logger | None = None,
        registry: Registry | None = None,
        *,
        sleep: Callable[[float], object] | None = None,
        rng: Uniform | None = None,
    ) -> None:
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts must be a whole number of at least 1, not {max_attempts!r}")
        for name, value in (("base_delay", base_delay), ("max_delay", max_delay)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
                raise ValueError(f"{name} must be a finite number of seconds of at least 0, not {value!r}")
        self.max_attempts = max_attempts
        self.base_delay = float(base_delay)
        self.max_delay = float(max_delay)
        self.idempotent = idempotent
        self.logger = logger if logger is not None else logging.getLogger(LOGGER_NAME)
        self.registry = registry
        self._sleep = sleep
        self._rng: Uniform = rng if rng is not None else random.Random()

    def __repr__(self) -> str:
        return (
            f"Retryer(max_attempts={self.max_attempts}, base_delay={self.base_delay}, "
            f"max_delay={self.max_delay}, idempotent={self.idempotent})"
        )

    def should_retry(self, err: object) -> bool:
        """Whether this policy retries an error (attempts left aside)."""
        return should_retry(err, self.idempotent, self.registry)

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1 for the first): full jitter under the cap."""
        if self.base_delay == 0 or self.max_delay == 0:
            return 0.0
        try:  # ldexp is exact: base_delay * 2 ** (retry - 1), however small base_delay is
            ceiling = min(self.max_delay, math.ldexp(self.base_delay, retry - 1))
        except OverflowError:  # beyond the largest float: the cap
            ceiling = self.max_delay
        # Clamped: a random source may round to just past its bounds.
        return min(ceiling, max(0.0, self._rng.uniform(0.0, ceiling)))

    def send_request(self, fn: Callable[[], T]) -> T:
        """Call `fn` until it succeeds, fails with an error not worth retrying, or attempts run out."""
        attempt = 1
        while True:
            try:
                result = fn()
            except Exception as err:
                delay = self._after_failure(err, attempt)
                if delay is None:
                    raise
                if delay > 0:
                    (self._sleep or time.sleep)(delay)
                attempt += 1
                continue
            if inspect.isawaitable(result):
                # An async client's chain.proceed: it fails when awaited, so the loop goes on there.
                return cast(T, self._send_async(cast("Callable[[], Awaitable[object]]", fn), result, attempt))
            return result

    async def _send_async(
        self, fn: Callable[[], Awaitable[object]], pending: Awaitable[object], attempt: int
    ) -> object:
        while True:
            try:
                return await pending
            except Exception as err:
                delay = self._after_failure(err, attempt)
                if delay is None:
                    raise
                if delay > 0:
                    await self._async_sleep(delay)
            attempt += 1
            pending = fn()

    async def _async_sleep(self, delay: float) -> None:
        if self._sleep is None:
            import asyncio  # only an async client needs it

            await asyncio.sleep(delay)
            return
        slept = self._sleep(delay)
        if inspect.isawaitable(slept):
            await slept

    def _after_failure(self, err: Exception, attempt: int) -> float | None:
        """The delay before the next attempt, logged; None when the error goes to the caller."""
        if attempt >= self.max_attempts:
            return None
        info = _explained(err, self.registry)
        if info is None or not _retries(info, self.idempotent):
            return None
        delay = self.delay(attempt)
        # What an endpoint sent (a code, a request ID, a message) may hold a newline or an ESC that
        # would forge log lines or drive the reader's terminal: escaped, as kmserr shows it anywhere.
        code = terminal_safe(info.code) if info.code is not None else None
        request_id = terminal_safe(info.request_id) if info.request_id is not None else None
        # The SDK's own words (`Read timed out.`, `Connection refused`) say what happened to this
        # call; the catalogue's description, only when the error carries none.
        said = info.message or info.description or ""
        said = terminal_safe(said if len(said) <= MESSAGE_LIMIT else said[:MESSAGE_LIMIT] + "...")
        self.logger.warning(
            "%s%s on attempt %d of %d, retrying in %.3fs: %s",
            code,
            f" (request {request_id})" if request_id else "",
            attempt,
            self.max_attempts,
            delay,
            said,
            extra={
                "kmserr_code": code,
                "kmserr_request_id": request_id,
                "kmserr_message": said,
                "kmserr_retry": info.retry,
                "kmserr_attempt": attempt,
                "kmserr_delay": delay,
            },
        )
        return delay
