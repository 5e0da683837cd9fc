"""Lookup, search, suggestions and message agreement over the bundled catalogue."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kmserr import Registry, default_registry, message_agrees
from kmserr.registry import UnknownFilter, _normalise


@pytest.fixture(scope="module")
def registry() -> Registry:
    return default_registry()


def test_loaded_once_per_process() -> None:
    assert default_registry() is default_registry()


def test_module_code(registry: Registry) -> None:
    result = registry.lookup("10630")
    assert result.kind == "module_code"
    assert [e.message for e in result.entries] == ["key is not existed"]


def test_error_code_group_gives_every_member_sorted(registry: Registry) -> None:
    result = registry.lookup("4100")
    assert result.kind == "error_code"
    assert [e.code for e in result.entries] == ["4100", "10030", "10080", "10270"]


def test_group_4000_has_every_parameter_error(registry: Registry) -> None:
    assert len([e for e in registry.group(4000) if e.module_code is not None]) == 18


def test_words_search_best_match_first(registry: Registry) -> None:
    result = registry.lookup("key disabled")
    assert result.kind == "search"
    assert result.entries[0].code == "10650"


def test_search_matches_descriptions_too(registry: Registry) -> None:
    assert registry.search("arrears")[0].code == "10040"


def test_search_finds_word_prefixes(registry: Registry) -> None:
    assert "10250" in [e.code for e in registry.search("thrott")]


def test_unknown_code_suggests_nearest(registry: Registry) -> None:
    result = registry.lookup("10631")
    assert result.entries == ()
    assert result.suggestions[0] == "10630"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("10631", ("10630",)),  # one digit changed
        ("16030", ("10630", "10030")),  # two swapped, or one digit changed; the nearer number first
        ("4201", ("4200", "4101")),
        ("100014", ("100004",)),
        ("123456", ()),  # a module code of another product: nothing is near it
        ("1003", ()),  # 1003 is no typo of 10030: no code of another length
    ],
)
def test_numbers_suggest_only_typos_of_a_known_code(registry: Registry, typed: str, suggested: tuple[str, ...]) -> None:
    # Module codes are product-scoped and numbered without meaning: 10000 is no neighbour of 100004.
    assert registry.lookup(typed).suggestions == suggested


def test_the_documentations_sample_module_code(registry: Registry) -> None:
    result = registry.lookup("100004")
    assert (result.kind, [(e.product, e.code) for e in result.entries]) == ("module_code", [("common", "100004")])
    assert registry.module_entry(10630) is registry.by_module_code(10630)  # KMS's own first


def test_a_messages_own_words_rank_first(registry: Registry) -> None:
    assert registry.search("incorrect projectId")[0].code == "100004"
    assert registry.search("projectId")[0].code == "100004"


def test_python_exception_names(registry: Registry) -> None:
    listed = registry.lookup("KeyError")
    assert (listed.kind, [e.code for e in listed.entries]) == ("code", ["KeyError"])
    rule = registry.lookup("TypeError")
    assert (rule.kind, [e.code for e in rule.entries]) == ("rule", ["PythonException"])
    assert registry.python_exception_rule("InternalError") is None  # a Tencent Cloud code
    assert registry.python_exception_rule("CoreInternalError") is None  # the C++ SDK's own code
    assert registry.python_exception_rule("InternalError.Foo") is None  # dotted: an API 3.0 code
    assert registry.python_exception_rule("keyerror") is None


def test_a_query_repeated_ranks_as_the_query_once(registry: Registry) -> None:
    assert registry.search(" ".join(["key"] * 30000)) == registry.search("key")
    assert registry.search("key disabled " * 1000) == registry.search("key disabled")


def test_family_of_an_unknown_code(registry: Registry) -> None:
    family = registry.family_of("InternalError.SendAndRecvFail")
    assert family is not None and family.code == "InternalError"
    assert registry.family_of("InternalError") is None


def test_unknown_words_find_nothing(registry: Registry) -> None:
    assert registry.lookup("zebra crossing").entries == ()


def test_module_codes_are_product_scoped(registry: Registry) -> None:
    assert registry.by_module_code(10630, product="cmq") is None


@pytest.mark.parametrize(
    ("code", "message", "agrees"),
    [
        ("10630", "key is not existed", True),
        ("10630", "Key is not existed.", True),
        ("10320", "no such parameter", True),
        ("10320", "no such parameter KeyId", True),
        ("10310", 'error: parameter key format error"', True),
        ("10310", "error: parameter key format error", True),
        ("10310", "error: parameter KeyId key format error", True),
        ("10360", "parameter Limit error type", True),
        ("10630", "key is disabled", False),
        ("10320", "incorrect projectId", False),
    ],
)
def test_message_agreement(registry: Registry, code: str, message: str, agrees: bool) -> None:
    entry = registry.get(code)
    assert entry is not None
    assert message_agrees(entry, message) is agrees


# Blanks of every kind (`\\s` and `str.split` both ask `Py_UNICODE_ISSPACE`), quotes, dots, case.
_MESSAGE_PARTS = st.sampled_from(["key", "İ", "ß", " ", "\t", "\n", "\x0b", "\x1c", "\x85", "\xa0", "\u3000",
                                  "\u2028", "\u200b", "\ufeff", ".", "'", '"', "`", "x. ", "密钥"])


@given(st.lists(_MESSAGE_PARTS, max_size=12).map("".join) | st.text(max_size=12))
def test_a_message_is_normalised_as_by_its_regexes(message: str) -> None:
    """`_normalise` (quotes dropped only where one stands, blanks by `str.split`) is what its two
    regexes made of a message: case folded, no quote, each run of blanks one space, ` .` stripped."""
    assert _normalise(message) == re.sub(r"\s+", " ", re.sub(r"[\"'`]", "", message.casefold())).strip(" .")


def test_an_entrys_templates_are_read_however_it_holds_them(registry: Registry) -> None:
    """Templates in a list (an entry made by hand) agree as in the catalogue's tuple."""
    entry = next(e for e in registry.entries if e.message_templates)
    said = entry.message_templates[0].replace("%s", "KeyId")
    assert message_agrees(entry, said) is True
    assert message_agrees(entry._replace(message_templates=list(entry.message_templates)), said) is True


def test_filter_keeps_the_entries_that_pass_every_filter() -> None:
    registry = default_registry()
    found = registry.filter(error_code=4000, retryable=False, product="kms")
    assert found and all(e.error_code == 4000 and not e.retryable and e.product == "kms" for e in found)
    assert registry.filter() == registry.entries


@pytest.mark.parametrize(
    ("filters", "said"),
    [({"category": "nope"}, "unknown category 'nope'"), ({"product": "nope"}, "unknown product 'nope'"),
     ({"action": "Decript"}, "no KMS action 'Decript' in the catalogue; did you mean Decrypt")],
)
def test_filter_refuses_what_no_entry_has(filters: dict[str, str], said: str) -> None:
    with pytest.raises(UnknownFilter, match=said):
        default_registry().filter(**filters)
