"""The bundled catalogue matches the vendor's table, and broken catalogues fail clearly."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kmserr import catalogue
from kmserr.catalogue import CatalogueError

from .conftest import reference_rows

GOOD_ENTRY = """
[categories]
server = "The service failed"

[[errors]]
code = "10050"
product = "kms"
generation = "legacy"
module_code = 10050
error_code = 6000
message = "server internal error"
description = "Server internal error."
category = "server"
retry = "idempotent"
action = "Retry."
source = "test"
"""


def test_bundled_catalogue_has_every_row_of_the_kms_legacy_table() -> None:
    cat = catalogue.load()
    by_module = {e.module_code: e for e in cat.entries if e.product == "kms" and e.generation == "legacy"}
    rows = reference_rows()
    assert len(rows) == 27
    assert set(by_module) == {r.module_code for r in rows}
    for row in rows:
        entry = by_module[row.module_code]
        assert entry.code == str(row.module_code)
        assert entry.error_code == row.error_code
        assert entry.message == row.message  # exactly, quirks included
        assert entry.description == row.description
        assert tuple(link.url for link in entry.links) == row.links


def test_quirky_message_is_kept_and_templates_recorded() -> None:
    by_code = {e.code: e for e in catalogue.load().entries}
    assert by_code["10310"].message == 'error: parameter key format error"'
    assert by_code["10320"].message_templates == ("no such parameter %s",)


@pytest.mark.parametrize(
    ("code", "retry", "retryable"),
    [
        ("10250", "backoff", True), ("10460", "backoff", True), ("10050", "idempotent", True), ("10630", "no", False),
        # A skewed clock fails every retry (the Python SDK's StandardRetryer does not retry these either).
        ("AuthFailure.SignatureExpire", "no", False), ("4500", "no", False), ("4200", "no", False),
        # Mostly the caller's bad JSON given to CommonRequest; or an answer that is not the API's.
        ("ClientError.ParseJsonError", "no", False),
        ("FailedOperation.SignError", "no", False),
        ("JSONDecodeError", "no", False), ("PythonException", "no", False),
    ],
)
def test_retry_advice(code: str, retry: str, retryable: bool) -> None:
    entry = {e.code: e for e in catalogue.load().entries}[code]
    assert (entry.retry, entry.retryable) == (retry, retryable)
    assert entry.action and entry.category


def test_every_entry_names_its_product_generation_and_source() -> None:
    for entry in catalogue.load().entries:
        assert (entry.product, entry.generation) in {
            ("kms", "legacy"), ("kms", "api3"), ("common", "legacy"), ("common", "api3"), ("sdk", "sdk"),
        }
        assert entry.source and entry.action and entry.category


def test_written_text_keeps_its_acronyms() -> None:
    # A sentence's first letter lowered by a generator once made "hTTP status" and "cVM metadata".
    import re

    for entry in catalogue.load().entries:
        for text in (entry.description, entry.action, entry.source):
            assert not re.search(r"\b[a-z][A-Z]{2,}", text), (entry.code, text)


def test_bundled_path_is_a_file() -> None:
    assert os.path.isfile(catalogue.bundled_path())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "errors.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_catalogue_loads(tmp_path: Path) -> None:
    cat = catalogue.load(write(tmp_path, GOOD_ENTRY))
    assert [e.code for e in cat.entries] == ["10050"]


@pytest.mark.parametrize(
    ("edit", "entry", "field", "problem"),
    [
        (lambda t: t.replace('retry = "idempotent"\n', ""), "entry 1 (code '10050')", "retry", "missing"),
        (lambda t: t.replace("module_code = 10050", 'module_code = "10050"'), "entry 1 (code '10050')",
         "module_code", "must be an integer, not str"),
        (lambda t: t.replace('retry = "idempotent"', 'retry = "maybe"'), "entry 1 (code '10050')",
         "retry", "must be one of"),
        (lambda t: t.replace('category = "server"', 'category = "nope"'), "entry 1 (code '10050')",
         "category", "not declared"),
        (lambda t: t + 'colour = "red"\n', "entry 1 (code '10050')", "colour", "unknown field"),
        (lambda t: t.replace("error_code = 6000", "error_code = true"), "entry 1 (code '10050')",
         "error_code", "must be an integer, not bool"),
        (lambda t: t + t[t.index("[[errors]]") :], "entry 2 (code '10050')", "code", "duplicate code '10050'"),
    ],
)
def test_validation_errors_name_file_entry_and_field(
    tmp_path: Path, edit: object, entry: str, field: str, problem: str
) -> None:
    path = write(tmp_path, edit(GOOD_ENTRY))  # type: ignore[operator]
    with pytest.raises(CatalogueError) as info:
        catalogue.load(path)
    message = str(info.value)
    assert message.startswith(str(path) + ":")
    assert entry in message
    assert f"field '{field}'" in message
    assert problem in message


def test_field_errors_point_at_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_ENTRY.replace('retry = "idempotent"', 'retry = "maybe"'))
    with pytest.raises(CatalogueError) as info:
        catalogue.load(path)
    line = GOOD_ENTRY.splitlines().index('retry = "idempotent"') + 1
    assert info.value.line == line


def test_malformed_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[[errors]\ncode = ")
    with pytest.raises(CatalogueError, match="invalid TOML") as info:
        catalogue.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"\xff\xfe", "not valid UTF-8"), (b"errors = 3", "array of tables"), (b"[catalogue]\nschema = 9", "schema")],
)
def test_other_broken_files(tmp_path: Path, data: bytes, problem: str) -> None:
    path = tmp_path / "x.toml"
    path.write_bytes(data)
    with pytest.raises(CatalogueError, match=problem):
        catalogue.load(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no such file"):
        catalogue.load(tmp_path / "absent.toml")
    with pytest.raises(CatalogueError, match="directory"):
        catalogue.load(tmp_path)


def test_advice_that_once_misled() -> None:
    """Each of these said something its source does not (issue 12); the advice now follows the source."""
    by_key = {(e.product, e.code): e for e in catalogue.load().entries}

    def entry(code: str, product: str) -> catalogue.Entry:
        return by_key[(product, code)]

    assert "then retry" in entry("AuthFailure.SignatureExpire", "common").action
    assert "clock" in entry("4500", "common").action and "Nonce" in entry("4500", "common").action
    parse_json = entry("ClientError.ParseJsonError", "sdk")
    assert "CommonRequest" in parse_json.description and parse_json.category == "client"
    assert "ARN" not in entry("InvalidParameterValue.InvalidKeyId", "kms").action
    assert "1 MB" not in entry("10420", "kms").action
    assert "instead of a role" not in entry("UnsupportedOperation.NotRoleOperation", "kms").action
    client_side = entry("ClientSideError", "sdk")
    assert "Python" in client_side.description and "TENCENTCLOUD_SECRET_ID" in client_side.action
    assert "(Java)" not in client_side.description
    assert "retry" not in entry("FailedOperation.SignError", "kms").action
    assert "arrears" in entry("4300", "common").description and "10040" in entry("4300", "common").description
    assert "SecretId" in entry("AuthFailure.SecretIdNotFound", "common").description
    assert "requestId:None" not in entry("ClientNetworkError", "sdk").description


def test_every_changed_entry_says_what_the_project_wrote() -> None:
    for entry in catalogue.load().entries:
        if entry.product == "sdk" and entry.code not in {
            "ClientError", "ClientError.CircuitBreakerError", "ClientError.CredentialError",
            "ClientError.HttpStatusCodeError", "ClientError.INIError", "ClientError.IOError",
            "ClientError.InvalidParameter", "ClientError.MetadataError", "ClientError.NetworkError",
            "ClientError.TypeError", "ClientNetworkError", "ClientParamsError", "ClientSideError",
            "InvalidCredential", "ServerNetworkError", "ServerSideError",
        }:
            assert "written by the project" in entry.source, entry.code
