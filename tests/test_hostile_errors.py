"""Hostile exception objects and values given to the library: the caller gets its own error back.

`explain`, `should_retry` and `Retryer` read a caller's exception by duck typing. An object whose
`__str__` raises or recurses, whose `__getattr__` raises anything but AttributeError, or a number
too long for `str()`, must never turn into another error (SECURITY.md promises "no code, not an
error"); a Retryer re-raises the caller's own exception. Codes and request IDs from a hostile
endpoint are escaped in log records, so that a newline or ESC forges no log line.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kmserr
from kmserr.retry import Retryer, should_retry


class StrRaises(Exception):
    def __str__(self) -> str:
        raise RuntimeError("str of this error fails")


class StrRecurses(Exception):
    def __str__(self) -> str:
        return str(self)


class GetattrRaises(Exception):
    def __getattr__(self, name: str) -> Any:
        raise KeyError(name)


class CodeRaises(Exception):
    @property
    def code(self) -> str:
        raise KeyError("code")


class ReprRaises(Exception):
    def __repr__(self) -> str:
        raise RuntimeError("repr fails")

    def __str__(self) -> str:
        raise RecursionError("str fails too")


HOSTILE = [StrRaises("x"), StrRecurses("x"), GetattrRaises("x"), CodeRaises("x"), ReprRaises("x")]


@pytest.mark.parametrize("value", [10**5000, -(10**5000), 10**4300, 2**20000], ids=["1e5000", "-1e5000", "1e4300", "2^20000"])
def test_explain_of_a_huge_number_is_no_code(value: int) -> None:
    info = kmserr.explain(value)
    assert not info.found
    assert not info.retryable


@pytest.mark.parametrize("err", HOSTILE, ids=lambda e: type(e).__name__)
def test_explain_of_a_hostile_exception_is_no_code(err: Exception) -> None:
    info = kmserr.explain(err)
    assert not info.found


@pytest.mark.parametrize("err", HOSTILE, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("idempotent", [True, False])
def test_should_retry_of_a_hostile_exception_is_false(err: Exception, idempotent: bool) -> None:
    assert should_retry(err, idempotent=idempotent) is False


@pytest.mark.parametrize("err", HOSTILE, ids=lambda e: type(e).__name__)
def test_the_retryer_raises_the_callers_own_exception(err: Exception) -> None:
    calls = []

    def attempt() -> None:
        calls.append(1)
        raise err

    with pytest.raises(type(err)) as raised:
        Retryer(max_attempts=3, base_delay=0).send_request(attempt)
    assert raised.value is err
    assert len(calls) == 1  # nothing known to retry: the first error goes back at once


class Hostile(Exception):
    """An SDK-like error whose code and request ID come from a hostile endpoint."""

    def __init__(self, code: str, request_id: str) -> None:
        super().__init__("boom")
        self.code, self.requestId, self.message = code, request_id, "Read timed out."


@given(
    junk=st.text(alphabet=st.sampled_from(["\n", "\r", "\x1b", "\x00", "\u2028", "\x85", "\u202e", "a", " "]),
                 min_size=1, max_size=12),
)
def test_retry_log_records_escape_what_the_endpoint_sent(junk: str) -> None:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("kmserr.test.hostile")
    logger.propagate = False
    handler = Keep()
    logger.addHandler(handler)
    try:
        err = Hostile("InternalError." + junk, "req-1" + junk)  # the family's advice: retried
        calls = []

        def attempt() -> None:
            calls.append(1)
            if len(calls) < 2:
                raise err

        Retryer(max_attempts=2, base_delay=0, logger=logger).send_request(attempt)
    finally:
        logger.removeHandler(handler)
    assert len(records) == 1
    for record in records:
        text = record.getMessage()
        assert text.isprintable(), text
        assert text.endswith(": Read timed out.") and not text.startswith("kmserr:"), text
        for key in ("kmserr_code", "kmserr_request_id"):
            value = getattr(record, key)
            assert value is None or value.isprintable(), value
