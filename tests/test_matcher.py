"""The matcher and the public library: a registry's codes are found by every entry point."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import kmserr
from kmserr.extract import Extractor
from kmserr.matcher import Matcher, matcher_for

from .test_team_catalogues import TEAM

pytestmark = pytest.mark.usefixtures("engine", "core")  # every test here runs with both engines and both cores

LOG = b"ok\n2026-01-01 charge failed: PaymentFailure.CardDeclined\n(10630) key is not existed\n"


@pytest.fixture
def team_registry(tmp_path: Path) -> kmserr.Registry:
    path = tmp_path / "team.toml"
    path.write_text(TEAM, encoding="utf-8")
    return kmserr.load_registry([path])


def codes(hits: list[kmserr.Hit]) -> list[str]:
    return [f.code for hit in hits for f in hit.findings]


def test_load_registry_merges_team_files_over_the_bundled_catalogue(team_registry: kmserr.Registry) -> None:
    assert team_registry.get("PaymentFailure.CardDeclined") is not None
    assert team_registry.get("AuthFailure") is not None
    assert kmserr.load_registry() is kmserr.default_registry()


def test_scan_bytes_finds_a_registrys_codes(team_registry: kmserr.Registry) -> None:
    assert codes(kmserr.scan_bytes(LOG, registry=team_registry)) == ["PaymentFailure.CardDeclined", "10630"]
    assert codes(kmserr.scan_bytes(LOG)) == ["10630"]  # the bundled catalogue knows no payments codes


def test_scan_stream_finds_a_registrys_codes(team_registry: kmserr.Registry) -> None:
    read_end, write_end = os.pipe()
    os.write(write_end, LOG)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        hits = [hit for batch in kmserr.scan_stream(stream, registry=team_registry, block_size=5) for hit in batch]
    assert codes(hits) == ["PaymentFailure.CardDeclined", "10630"]


def test_explain_text_and_explain_find_a_registrys_codes(team_registry: kmserr.Registry) -> None:
    text = "charge failed: PaymentFailure.CardDeclined"
    [item] = kmserr.explain_text(text, registry=team_registry)
    assert item.code == "PaymentFailure.CardDeclined" and item.known and item.category == "payments"
    assert kmserr.explain_text(text) == []
    assert kmserr.explain(text, registry=team_registry).known


def test_a_matcher_built_from_names_has_an_engine_that_looks_for_them() -> None:
    matcher = Matcher(["PaymentFailure.CardDeclined"])
    assert codes(kmserr.scan_bytes(LOG, matcher)) == ["PaymentFailure.CardDeclined", "10630"]
    around = Matcher.for_extractor(Extractor(["PaymentFailure.CardDeclined"]))
    assert around.names == matcher.names


def test_one_matcher_per_registry(team_registry: kmserr.Registry) -> None:
    assert matcher_for(team_registry) is matcher_for(team_registry)
    assert matcher_for(team_registry).extractor is matcher_for(team_registry).extractor
