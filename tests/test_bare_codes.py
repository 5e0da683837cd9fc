"""Code names standing alone: what a crowded line's one regex pass finds, and the work it costs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import extract, forms
from kmserr.extract import Extractor, _BareCodes
from kmserr.forms import _token_at, name_literals

NAMES = ["Team1", "Team1.Sub", "Pay.Card", "PaymentFailure.CardDeclined", "A", "AuthFailure.Team", "ClientError.Own", "X9.Y"]
PIECES = ["AuthFailure", "ClientError", "Team1", "Sub", "Pay", "Card", "A", "X9", "Y", ".", " ", "x", "_", "-", "/",
          "\\", "é", "—", "9", "\n", "InvalidParameter", "Value", "LimitExceeded", "Request", "a" * 60, "B" * 70]


def _every_identifier(bare: _BareCodes, text: str) -> Iterator[re.Match[str]]:
    """The reference: each capitalised run's identifier, asked of `_accept` one by one (the former scan)."""
    for run in re.finditer(r"[A-Z][A-Za-z0-9.]*", text):
        token = _token_at(text, run.start())
        if token is not None and bare._accept(token, text):
            yield token


@given(text=st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_one_pass_finds_what_asking_each_identifier_finds(text: str) -> None:
    bare = _BareCodes(NAMES)
    assert [m.span() for m in bare.scan(text)] == [m.span() for m in _every_identifier(bare, text)]


def test_a_crowded_line_of_a_dotted_only_family_costs_no_python_per_identifier(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"accept": 0, "token": 0}
    accept, token_at = _BareCodes._accept, extract._token_at

    def counted_accept(self: _BareCodes, token: re.Match[str], text: str) -> bool:
        calls["accept"] += 1
        return accept(self, token, text)

    def counted_token_at(text: str, start: int) -> re.Match[str] | None:
        calls["token"] += 1
        return token_at(text, start)

    monkeypatch.setattr(_BareCodes, "_accept", counted_accept)
    monkeypatch.setattr(extract, "_token_at", counted_token_at)
    line = "ClientError " * 10_000 + "ClientError.NetworkError x"
    found = Extractor().find(line, names_at=None)  # None: too many hits to list, the whole line is read
    assert [f.code for f in found] == ["ClientError.NetworkError"]
    assert calls == {"accept": 0, "token": 0}


class _CountedName(str):
    """A code name that counts how often it is compared."""

    compared = 0
    __hash__ = str.__hash__

    def __eq__(self, other: object) -> bool:
        _CountedName.compared += 1
        return str.__eq__(self, other)

    def startswith(self, *args: object) -> bool:  # type: ignore[override]  # counted like a comparison
        _CountedName.compared += 1
        return str.startswith(self, *args)  # type: ignore[arg-type]  # as str's own


def test_a_near_miss_name_costs_a_lookup_per_dot_not_a_comparison_per_known_name() -> None:
    names = [_CountedName(f"Team{n:05d}Failure.Reason{n:05d}") for n in range(2000)]
    extractor = Extractor(names)
    misses = [f"Team{n:05d}Failure.Reasom{n:05d}" for n in range(300)]
    line = " ".join(misses)
    positions = [line.index(miss) + 4 for miss in misses]  # where a prefilter saw `Team`
    _CountedName.compared = 0
    assert extractor.find(line, names_at=positions) == []
    assert extractor.find(line + " Team00007Failure.Reason00007.Extra", names_at=None)[0].code == \
        "Team00007Failure.Reason00007.Extra"
    assert _CountedName.compared <= 2 * len(misses)  # was 2,000 a name: 600,000


class _CountedWord(str):
    """A code name that counts how often another name is looked for inside it."""

    looked_in = 0
    __hash__ = str.__hash__

    def __contains__(self, other: object) -> bool:
        _CountedWord.looked_in += 1
        return str.__contains__(self, other)  # type: ignore[operator]  # as str's own


def test_the_name_literals_are_found_without_comparing_each_pair_of_names() -> None:
    names = [_CountedWord(f"Team{n:05d}Failure.Reason{n:05d}") for n in range(500)]
    _CountedWord.looked_in = 0
    literals = name_literals([*names, "Team00001Failure.Reason00001.Sub", "AuthFailure.Team"])
    assert "Team00001Failure.Reason00001" in literals and "AuthFailure" in literals
    assert "Team00001Failure.Reason00001.Sub" not in literals and "AuthFailure.Team" not in literals
    assert _CountedWord.looked_in <= len(names)  # was every pair: 250,000


_PIECES = st.sampled_from(["Auth", "Failure", "Limit", "Exceeded", "Key", "Cmk", "A", "Aa", "Disabled"])
_WORDS = st.lists(st.lists(_PIECES, min_size=1, max_size=3).map("".join), max_size=4).map(".".join)


@given(st.lists(_WORDS, max_size=40))
def test_few_names_are_compared_pairwise_with_the_same_literals(names: list[str]) -> None:
    """A catalogue's few hundred names are compared pair by pair, which costs less than compiling
    the regex of them all; both ways give the same literals."""
    with patch.object(forms, "PAIRWISE_WORDS", 0):
        by_regex = name_literals(names)
    with patch.object(forms, "PAIRWISE_WORDS", 10**6):
        assert name_literals(names) == by_regex


def test_the_bundled_names_are_compared_pairwise() -> None:
    from kmserr.matcher import code_names
    from kmserr.registry import default_registry

    names = code_names(default_registry())
    with patch.object(forms, "_trie_regex", side_effect=AssertionError("no regex of the names")):
        literals = name_literals(names)
    assert "LimitExceeded" in literals and "RequestLimitExceeded" not in literals
