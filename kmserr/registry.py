"""Index catalogue entries: look up by code or group, search by words, suggest near codes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache, lru_cache
from typing import NamedTuple

from . import catalogue
from .catalogue import Catalogue, Entry

DEFAULT_PRODUCT = "kms"
# Patterns are compiled at their first use (re keeps them): a lookup by number needs none.
_WORD = r"[^\W_]+"
# KMS calls its keys CMKs; a search for one finds the other.
_SYNONYMS = {"key": frozenset({"cmk"}), "cmk": frozenset({"key"}), "keys": frozenset({"cmks"})}
_ALL_WORDS = 100.0  # score bonus of an entry that contains every word of a search
_STOPWORDS = frozenset({"a", "an", "the", "is", "of", "or", "to", "in", "not", "be", "it", "and"})
# The Python SDK re-raises any other exception as TencentCloudSDKException(type(e).__name__, str(e))
# (every method of tencentcloud/kms/v20190118/kms_client.py), so a Python class name can be the code.
PYTHON_EXCEPTION = "PythonException"  # the catalogue's entry for the names it does not list
_PYTHON_EXCEPTION_NAME = r"[A-Z][A-Za-z0-9_]*(?:Error|Exception|Warning)"
# The product whose legacy entries are Tencent Cloud's generic API 2.0 ones (4000 to 6200, the
# documentation's own sample module code): consulted after KMS.
COMMON_PRODUCT = "common"


class UnknownFilter(ValueError):
    """A filter names a category, product or action that the catalogue does not have."""


class Lookup(NamedTuple):
    """What one query found: how it was understood, the entries, and near misses when empty."""

    query: str
    kind: str  # "module_code", "error_code", "code", "family", "rule", "search"
    entries: tuple[Entry, ...]
    suggestions: tuple[str, ...] = ()

    @property
    def substitutes(self) -> bool:
        """Whether the query names a code that is not in the catalogue and was answered with the
        entries a search for it finds (`ResourceUnavailable.CmkDisable`: CmkDisabled's entry)."""
        return self.kind == "search" and bool(self.entries) and looks_like_code(self.query)


def looks_like_code(text: str) -> bool:
    """Whether a query is written as a code name (`A.B`, `RequestLimitExceded`), not as words."""
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)+\.?|[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+",
                        text.strip()) is not None


def _ascii_number(text: str) -> int | None:
    """A query in ASCII digits as a number: not "²" (int() refuses it), "٤٠٠٠", nor 5,000 digits
    (int() refuses more than 4,300; no code has more than a few). As extract.ascii_number, which
    this module does not import: lookup would compile the extractor's patterns for nothing."""
    return int(text) if len(text) <= 18 and text.isascii() and text.isdigit() else None


class Registry:
    """All entries of a catalogue, indexed for the questions the commands ask."""

    def __init__(
        self,
        entries: Iterable[Entry],
        categories: dict[str, str] | None = None,
        *,
        team: Iterable[tuple[str, str]] = (),
        overridden: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.entries: tuple[Entry, ...] = tuple(sorted(entries, key=_sort_key))
        self.categories: dict[str, str] = dict(categories or {})
        self._team = frozenset(team)  # keys of entries that come from a team's file, not the bundle
        self._overridden = frozenset(overridden)  # keys where a team's entry replaced a bundled one
        self._by_key = {e.key: e for e in self.entries}
        self._index: _SearchIndex | None = None  # built by the first search
        self._by_module: dict[tuple[str, int], Entry] = {}
        self._by_group: dict[int, list[Entry]] = {}
        others = dict.fromkeys(e.product for e in self.entries if e.product != DEFAULT_PRODUCT)
        self._product_order: tuple[str, ...] = (DEFAULT_PRODUCT, *others)  # KMS first: this is a KMS tool
        self._referrers: dict[str, list[Entry]] = {}
        for e in self.entries:
            for ref in e.equivalents:
                self._referrers.setdefault(ref.casefold(), []).append(e)
            if e.module_code is not None:
                self._by_module.setdefault((e.product, e.module_code), e)
            if e.error_code is not None:
                self._by_group.setdefault(e.error_code, []).append(e)

    @classmethod
    def from_catalogue(cls, cat: Catalogue) -> Registry:
        return cls(cat.entries, cat.categories)

    def from_team(self, entry: Entry) -> bool:
        """Whether the entry comes from a team's catalogue file rather than kmserr's own."""
        return entry.key in self._team

    def overrides(self, entry: Entry) -> bool:
        """Whether the entry, from a team's file, replaces kmserr's own entry for its code."""
        return entry.key in self._overridden

    def overriding(self) -> list[Entry]:
        """The team entries that replace kmserr's own, in catalogue order."""
        return [e for e in self.entries if e.key in self._overridden]

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, code: str, product: str | None = None) -> Entry | None:
        """Return the entry with exactly this code (letter case ignored)."""
        folded = code.strip().casefold()
        for prod in (product,) if product else self._product_order:
            entry = self._by_key.get((prod, folded))
            if entry is not None:
                return entry
        return None

    def by_module_code(self, number: int, product: str = DEFAULT_PRODUCT) -> Entry | None:
        return self._by_module.get((product, number))

    def module_entry(self, number: int) -> Entry | None:
        """The entry of a legacy module code: KMS's, else the generic API 2.0 documentation's."""
        return self.by_module_code(number) or self.by_module_code(number, COMMON_PRODUCT)

    @staticmethod
    def is_python_exception_name(code: str) -> bool:
        """Whether a code looks like a Python exception's class name (`KeyError`, `JSONDecodeError`)."""
        return re.fullmatch(_PYTHON_EXCEPTION_NAME, code.strip()) is not None

    def python_exception_rule(self, code: str) -> Entry | None:
        """The catalogue's rule entry for a Python exception class name it does not list itself.

        `KeyError`, `TypeError`, ...: names that no Tencent Cloud product uses (API 3.0 codes are
        families like `InternalError` or dotted; the SDKs' own are in the catalogue).
        """
        name = code.strip()
        if not self.is_python_exception_name(name) or self.get(name) is not None:
            return None
        return self.get(PYTHON_EXCEPTION, "sdk")

    def group(self, error_code: int) -> tuple[Entry, ...]:
        """Return every entry whose legacy response `code` is `error_code` (4000, 4100, ...)."""
        return tuple(self._by_group.get(error_code, ()))

    def family(self, prefix: str) -> tuple[Entry, ...]:
        """Return the entries under a dotted code family (`ResourceUnavailable` -> `...CmkDisabled`)."""
        folded = prefix.strip().casefold().rstrip(".") + "."
        return tuple(e for e in self.entries if e.code.casefold().startswith(folded))

    def exact(self, code: str, product: str | None = None) -> tuple[Entry, ...]:
        """Return every product's entry with exactly this code (letter case ignored), KMS first."""
        folded = code.strip().casefold()
        products = (product,) if product else self._product_order
        return tuple(e for p in products if (e := self._by_key.get((p, folded))) is not None)

    def lookup(self, query: str, product: str | None = None) -> Lookup:
        """Answer a user's query: a module code, a group, a code name, a family, or words."""
        text = query.strip()
        number = _ascii_number(text)
        if number is not None:
            entry = self.by_module_code(number, product) if product else self.module_entry(number)
            if entry is not None:
                return Lookup(query, "module_code", (entry,))
            # A gateway code (4000) is an entry of its own and the group of the module codes under it.
            exact = self.exact(text, product)
            group = tuple(e for e in self.group(number) if e not in exact)
            if exact or group:
                return Lookup(query, "error_code", exact + group)
            return Lookup(query, "module_code", (), self.suggest(text))
        exact = self.exact(text, product)
        members: tuple[Entry, ...] = ()
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*\.?", text):
            members = tuple(e for e in self.family(text) if product is None or e.product == product)
        if members:
            return Lookup(query, "family", exact + members)
        if exact:
            return Lookup(query, "code", exact)
        rule = self.python_exception_rule(text)
        if rule is not None and product in (None, rule.product):
            return Lookup(query, "rule", (rule,))
        found = self.search(text)
        return Lookup(query, "search", found, () if found else self.suggest(text))

    def check_category(self, category: str | None) -> None:
        """Refuse a category the catalogue does not declare, naming those it does (UnknownFilter)."""
        if category is not None and category not in self.categories:
            raise UnknownFilter(f"unknown category {category!r} (choose from {', '.join(sorted(self.categories))})")

    def knows(self, code: str) -> bool:
        """Whether `grep --code` can mean this: a code (any product's, a team's), a family with
        members (`AuthFailure`), a legacy module code (10630) or a group of them (4000)."""
        text = code.strip()
        number = _ascii_number(text)
        if number is not None:
            return any(e.module_code == number for e in self.entries) or bool(self.group(number)) or bool(
                self.exact(text)
            )
        return bool(self.exact(text)) or bool(self.family(text))

    def check_codes(self, codes: Iterable[str]) -> None:
        """Refuse a code the catalogue does not know, naming the nearest (UnknownFilter): a typo
        would otherwise filter out every line and read as "no such error"."""
        for code in codes:
            if not self.knows(code):
                near = self.suggest(code)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                shown = code if len(code) <= 80 else f"{code[:80]}... ({len(code):,} characters)"
                raise UnknownFilter(f"unknown code {shown!r}{hint} (--unknown finds codes the catalogue lacks)")

    def filter(
        self, *, error_code: int | None = None, category: str | None = None, retryable: bool | None = None,
        action: str | None = None, product: str | None = None, generation: str | None = None,
    ) -> tuple[Entry, ...]:
        """The entries that pass every filter given (`kmserr list`); UnknownFilter for a category,
        product or action that no entry has, which would otherwise look like an empty answer."""
        self.check_category(category)
        products = sorted({e.product for e in self.entries})
        if product is not None and product not in products:
            raise UnknownFilter(f"unknown product {product!r} (choose from {', '.join(products)})")
        pool = self.entries
        if action is not None:
            pool = self.for_action(action)
            if not pool:
                import difflib

                near = difflib.get_close_matches(action, self.actions(), n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(near)}?" if near else ""
                raise UnknownFilter(f"no KMS action {action!r} in the catalogue{hint}")
        return tuple(
            e for e in pool
            if (error_code is None or e.error_code == error_code)
            and (category is None or e.category == category)
            and (retryable is None or e.retryable == retryable)
            and (product is None or e.product == product)
            and (generation is None or e.generation == generation)
        )

    def for_action(self, action: str) -> tuple[Entry, ...]:
        """Return the entries that an API action (Decrypt, CreateKey, ...) can return."""
        folded = action.casefold()
        return tuple(e for e in self.entries if any(a.casefold() == folded for a in e.actions))

    def actions(self) -> tuple[str, ...]:
        return tuple(sorted({a for e in self.entries for a in e.actions}))

    def related(self, entry: Entry) -> tuple[Entry, ...]:
        """Entries that mean the same thing in another generation (inferred), both directions."""
        found: list[Entry] = []
        for ref in entry.equivalents:
            prod, _, code = ref.partition(":")
            other = self.get(code, prod)
            if other is not None and other not in found:
                found.append(other)
        for other in self._referrers.get(f"{entry.product}:{entry.code}".casefold(), ()):
            if other not in found:
                found.append(other)
        return tuple(found)

    def family_of(self, code: str) -> Entry | None:
        """The entry of a code's family (`InternalError` for `InternalError.SendAndRecvFail`)."""
        head, dot, _ = code.partition(".")
        return self.get(head) if dot and head else None

    def search(self, text: str, limit: int | None = None) -> tuple[Entry, ...]:
        """Rank entries by how many of the query's words they contain, messages first."""
        words = list(dict.fromkeys(w for w in _words(text) if w not in _STOPWORDS)) or list(dict.fromkeys(_words(text)))
        if not words:
            return ()
        if self._index is None:
            self._index = _SearchIndex(self.entries)
        index = self._index
        # One pass over the index per distinct word: a query of 30,000 words costs 30,000 look-ups,
        # not 30,000 passes over every entry's text.
        scores = [0.0] * len(self.entries)
        matched = [0] * len(self.entries)
        for word in words:
            for position, best in index.best_weights(word).items():
                scores[position] += best
                matched[position] += 1
        phrase = text.strip().casefold()
        scored: list[tuple[float, Entry]] = []
        for position, entry in enumerate(self.entries):
            if not matched[position]:
                continue
            score = scores[position]
            if phrase and phrase in (entry.message or "").casefold():
                score += 5.0
            # Entries that contain every word of the query rank above partial matches.
            scored.append((score + (_ALL_WORDS if matched[position] == len(words) else 0.0), entry))
        # When some entries contain every word of the query, partial matches are only noise.
        if any(score >= _ALL_WORDS for score, _ in scored):
            scored = [pair for pair in scored if pair[0] >= _ALL_WORDS]
        scored.sort(key=lambda pair: (-pair[0], _sort_key(pair[1])))
        ranked = tuple(entry for _, entry in scored)
        return ranked[:limit] if limit is not None else ranked

    def suggest(self, query: str, limit: int = 3) -> tuple[str, ...]:
        """Name the codes nearest to one that was not found."""
        text = query.strip()
        number = _ascii_number(text)
        if number is not None:
            # Only a typo of a known code: the same length, one digit changed or two swapped.
            # Module codes are product-scoped and their numbers carry no meaning, so a merely
            # similar number (10000 for 100004) would be an unrelated code.
            numeric = sorted({e.code for e in self.entries if e.code.isdigit()})
            near = [c for c in numeric if _one_typo(text, c)]
            near.sort(key=lambda c: (abs(int(c) - number), c))
            return tuple(near[:limit])
        import difflib

        codes = [e.code for e in self.entries]
        folded = {c.casefold(): c for c in codes}
        close = difflib.get_close_matches(text.casefold(), list(folded), n=limit, cutoff=0.6)
        return tuple(folded[c] for c in close)


def _sort_key(entry: Entry) -> tuple[int, str, int, str]:
    """Sort numeric codes by value before string codes, product first."""
    numeric = entry.code.isdigit()
    return (
        0 if entry.product == DEFAULT_PRODUCT else 1,
        entry.product,
        0 if numeric else 1,
        entry.code.zfill(12) if numeric else entry.code.casefold(),
    )


def _words(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(_WORD, text)]


def _code_words(code: str) -> str:
    """Split a code name into words, `ResourceUnavailable.CmkDisabled` -> `Resource Unavailable Cmk Disabled`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code)


def _one_typo(typed: str, code: str) -> bool:
    """Whether `typed` is `code` with one digit changed or two neighbouring digits swapped."""
    if len(typed) != len(code) or typed == code:
        return False
    differ = [i for i, (a, b) in enumerate(zip(typed, code, strict=True)) if a != b]
    if len(differ) == 1:
        return True
    first, last = differ[0], differ[-1]
    return len(differ) == 2 and last == first + 1 and typed[first] == code[last] and typed[last] == code[first]


class _SearchIndex:
    """Every entry's words by field, built once per registry: what a search looks words up in."""

    # Code names and messages weigh most, then descriptions, then actions and categories.
    _MESSAGE, _DESCRIPTION, _ACTION = 3.0, 1.0, 0.5
    _PREFIX = 0.6  # a word that only begins a word of the entry counts this much of a whole one

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._postings: dict[str, dict[int, float]] = {}  # word -> entry position -> best weight
        self._texts: list[tuple[tuple[float, str], ...]] = []  # for Chinese words, found inside text
        for position, entry in enumerate(entries):
            names = (entry.code, _code_words(entry.code), entry.message or "", *entry.message_templates)
            fields = (
                (self._MESSAGE, " ".join(names)),
                (self._DESCRIPTION, entry.description + " " + (entry.description_zh or "")),
                (self._ACTION, entry.action + " " + (entry.action_zh or "") + " " + entry.category),
            )
            self._texts.append(tuple((weight, value.casefold()) for weight, value in fields))
            for weight, value in fields:
                for token in _words(value):
                    weights = self._postings.setdefault(token, {})
                    weights[position] = max(weights.get(position, 0.0), weight)
        self._tokens = sorted(self._postings)

    def best_weights(self, word: str) -> dict[int, float]:
        """The entries that contain `word` (or a synonym, or a word it begins), each with its best weight."""
        best: dict[int, float] = {}

        def take(weights: dict[int, float], factor: float = 1.0) -> None:
            for position, weight in weights.items():
                if weight * factor > best.get(position, 0.0):
                    best[position] = weight * factor

        for token in (word, *_SYNONYMS.get(word, ())):
            take(self._postings.get(token, {}))
        if len(word) >= 3:
            from bisect import bisect_left  # here: a lookup by code never searches

            start = bisect_left(self._tokens, word)
            for token in self._tokens[start:]:
                if not token.startswith(word):
                    break
                take(self._postings[token], self._PREFIX)
        if not word.isascii():
            # Chinese has no spaces between words: match it inside the text.
            for position, fields in enumerate(self._texts):
                for weight, value in fields:
                    if weight > best.get(position, 0.0) and word in value:
                        best[position] = weight
        return best


def message_agrees(entry: Entry, text: str) -> bool:
    """Whether a message from a log says what the catalogue documents for its code.

    A log's message may carry a filled-in parameter (`no such parameter KeyId`), trailing
    context, or lose the documented quirks (10310's stray quote); none of that is a disagreement.
    """
    if entry.message is None:
        return True
    given = _normalise(text[:_COMPARED])
    if not given:
        return False
    documented, templates = _documented(entry.message, tuple(entry.message_templates))
    if documented and given.startswith(documented):
        return True
    return any(template.match(given) for template in templates)


_COMPARED = 1024  # documented messages are short: more of a log's text adds nothing but time


@lru_cache(maxsize=4096)
def _documented(message: str, templates: tuple[str, ...]) -> tuple[str, tuple[re.Pattern[str], ...]]:
    """An entry's message normalised and its templates' patterns (`message_agrees`), made once per
    entry: a log holds many messages of one code, each its own (an ID in it), each compared."""
    patterns = []
    for template in templates:
        head, _, tail = _normalise(template.replace("%s", "\x00")).partition("\x00")
        patterns.append(re.compile(re.escape(head) + r"\s*\S.*?\s*" + re.escape(tail)))
    return _normalise(message), tuple(patterns)


def _normalise(message: str) -> str:
    """Case folded, without quotes, each run of blanks one space (as `\\s+`: `str.split` and `re`
    both ask `Py_UNICODE_ISSPACE`), ` .` stripped at the ends."""
    folded = message.casefold()
    if '"' in folded or "'" in folded or "`" in folded:  # (compiled where first needed: not by a lookup)
        folded = re.sub(r"[\"'`]", "", folded)
    return " ".join(folded.split()).strip(" .")


@cache
def default_registry() -> Registry:
    """The bundled catalogue, loaded once per process; later calls return the same registry."""
    return Registry.from_catalogue(catalogue.load())
