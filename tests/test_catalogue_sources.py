"""Every row of the reference tables (copied into tests/data) is in the bundled catalogue."""

from __future__ import annotations

import pytest

from kmserr import Registry, default_registry

from .conftest import tsv


@pytest.fixture(scope="module")
def registry() -> Registry:
    return default_registry()


def test_every_kms_api3_code_with_both_languages(registry: Registry) -> None:
    rows = tsv("api3-kms-error-codes.tsv")
    assert len(rows) == 62
    for row in rows:
        entry = registry.get(row["code"], "kms")
        assert entry is not None, row["code"]
        assert entry.generation == "api3"
        if row["code"] == "InvalidParameterValue.InvalidImportKeyMaterial":
            # Upstream says "valid" in both languages, contrary to the code's name.
            assert (row["description"], row["description_zh"]) == ("The imported data key is valid.", "导入的数据密钥合法")
            assert (entry.description, entry.description_zh) == ("The imported key material is invalid.", "导入的数据密钥不合法")
            assert "corrected" in entry.source and entry.source_zh and "corrected" in entry.source_zh
        else:
            assert (entry.description, entry.description_zh) == (row["description"], row["description_zh"])


def test_the_three_codes_newer_than_the_reference(registry: Registry) -> None:
    for code in ("FailedOperation.SignError", "FailedOperation.VerifyError", "UnsupportedOperation.UserVersionNotSupport"):
        entry = registry.get(code, "kms")
        assert entry is not None and entry.description and entry.description_zh


def test_every_common_api3_code(registry: Registry) -> None:
    rows = tsv("api3-common-error-codes.tsv")
    assert len(rows) == 38
    for row in rows:
        entry = registry.get(row["code"], "common")
        assert entry is not None, row["code"]
        if row["code"] == "AuthFailure.SecretIdNotFound":
            # "Key" reads as a CMK in a KMS tool: the entry says it is the API key's SecretId.
            assert row["description"].startswith("Key does not exist.")
            assert entry.description.startswith("The API key's SecretId does not exist (the credential, not a KMS key).")
            assert entry.description_zh and "SecretId，不是 KMS 密钥" in entry.description_zh
            assert "clarified" in entry.source and entry.source_zh and "added by the project" in entry.source_zh
        else:
            assert (entry.description, entry.description_zh) == (row["description"], row["description_zh"])


def test_every_sdk_code(registry: Registry) -> None:
    for row in tsv("sdk-client-error-codes.tsv"):
        entry = registry.get(row["code"], "sdk")
        assert entry is not None, row["code"]
        assert entry.generation == "sdk"
        sdk = {"go": "Go", "python": "Python", "java": "Java"}[row["sdk"]]
        assert sdk in entry.description


def test_every_gateway_code_with_official_chinese(registry: Registry) -> None:
    rows = [r for r in tsv("legacy-v2-codes-zh.tsv") if r["section"] == "gateway_common"]
    assert len(rows) == 22
    for row in rows:
        entry = registry.get(row["error_code"], "common")
        assert entry is not None, row["error_code"]
        assert entry.generation == "legacy" and entry.error_code == int(row["error_code"])
        assert (entry.description_zh, entry.action_zh) == (row["description_zh"], row["handling_zh"])
        assert entry.description and entry.action  # English, written from the Chinese


def test_legacy_kms_chinese_only_where_code_and_message_agree(registry: Registry) -> None:
    for row in tsv("legacy-v2-codes-zh.tsv"):
        if row["section"] != "module_kms_inferred":
            continue
        entry = registry.by_module_code(int(row["module_code"]))
        assert entry is not None and entry.description_zh and entry.action_zh and entry.source_zh
        if row["match"] == "same_code_and_message" and "%s" not in row["description_zh"]:
            assert (entry.description_zh, entry.action_zh) == (row["description_zh"], row["handling_zh"])
            assert "CMQ" in entry.source_zh
        elif row["match"] == "same_code_and_message":
            # CMQ's Chinese here is a message template ("参数 %s 不可重复"), not a description.
            assert "%s" not in entry.description_zh and entry.action_zh == row["handling_zh"]
            assert f"「{row['description_zh']}」 is a message template" in entry.source_zh
            assert "description_zh written by the project" in entry.source_zh
        else:
            # CMQ's row is another error: its Chinese is not borrowed.
            assert entry.description_zh != row["description_zh"] and entry.action_zh != row["handling_zh"]
            assert "written by the project" in entry.source_zh


def test_every_entry_has_chinese_description_and_action_with_a_source(registry: Registry) -> None:
    for entry in registry.entries:
        assert entry.description_zh and entry.action_zh and entry.source_zh, (entry.product, entry.code)
        assert "%s" not in entry.description_zh, entry.code
        if entry.generation != "legacy":  # no source gives API 3.0 or SDK advice in Chinese
            assert "action_zh written by the project" in entry.source_zh, entry.code


def test_actions_of_every_kms_action(registry: Registry) -> None:
    rows = tsv("api3-kms-action-error-codes.tsv")
    assert len(rows) == 495
    expected: dict[str, set[str]] = {}
    for row in rows:
        expected.setdefault(row["action"], set()).add(row["code"])
    assert len(expected) == 69
    for action, codes in expected.items():
        assert {e.code for e in registry.for_action(action)} == codes, action


def test_equivalents_resolve_and_are_inferred(registry: Registry) -> None:
    linked = 0
    for entry in registry.entries:
        for ref in entry.equivalents:
            product, _, code = ref.partition(":")
            other = registry.get(code, product)
            assert other is not None, ref
            assert other.generation != entry.generation
            assert entry in registry.related(other)  # shown from both sides
            linked += 1
    assert linked >= 20
    assert [e.code for e in registry.related(registry.get("10630"))] == ["ResourceUnavailable.CmkNotFound"]


def test_catalogue_records_the_sdk_version_checked() -> None:
    from kmserr import catalogue

    assert catalogue.load().sdk_checked == "tencentcloud-sdk-python-kms 3.1.192"


def test_pinned_sdk_codes_are_all_in_the_catalogue(registry: Registry) -> None:
    """Fails when the pinned SDK knows a KMS code that the catalogue lacks."""
    from importlib import metadata

    from tencentcloud.kms.v20190118 import errorcodes  # test dependency, pinned in pyproject.toml

    from kmserr import catalogue

    version = metadata.version("tencentcloud-sdk-python-kms")
    assert catalogue.load().sdk_checked == f"tencentcloud-sdk-python-kms {version}"
    codes = {v for k, v in vars(errorcodes).items() if k.isupper() and isinstance(v, str)}
    assert len(codes) == 65
    missing = sorted(c for c in codes if registry.get(c, "kms") is None)
    assert missing == []
