"""Join what the extractor found with what the catalogue knows about it."""

from __future__ import annotations

from typing import Final, NamedTuple, cast

from .catalogue import RETRY_WORDS, Entry
from .controls import terminal_safe
from .forms import (
    _LEGACY_AT_START,
    EXCEPTION,
    PYTHON_SDK,
    Finding,
    _lazy,
    ascii_number,
    body_finding,
    with_legacy_message,
)
from .matcher import matcher_for
from .registry import COMMON_PRODUCT, Registry, default_registry, message_agrees


class Explanation(NamedTuple):
    """One error found in text, with its catalogue entry when the code is known."""

    finding: Finding
    entry: Entry | None
    message_agrees: bool | None  # None when there is nothing to compare
    family: Entry | None = None  # for a code not in the catalogue: its family's entry, if known

    @property
    def known(self) -> bool:
        """Whether the code is in the catalogue."""
        return self.entry is not None

    @property
    def found(self) -> bool:
        """Whether an error code was found at all (`explain` of something that holds none: False)."""
        return bool(self.finding.code)

    def __bool__(self) -> bool:
        """False when no error code was found, so that `if explain(text):` asks whether it holds one."""
        return self.found

    def __str__(self) -> str:
        """One line for a log or a print: code, request ID, whether to retry, what to do."""
        if not self.found:
            return "no error code found"
        request = f" (request {self.request_id})" if self.request_id else ""
        advice = f"retry: {RETRY_WORDS.get(self.retry or 'no', self.retry)}"
        if self.entry is None:
            advice += f"; not in catalogue{f', family {self.family.code}' if self.family else ''}"
        action = f"; {self.action}" if self.action else ""
        return terminal_safe(f"{self.finding.code}{request}: {advice}{action}")

    @property
    def code(self) -> str | None:
        """The code found, or None when the text holds none."""
        return self.finding.code or None

    @property
    def request_id(self) -> str | None:
        return self.finding.request_id

    @property
    def message(self) -> str | None:
        return self.finding.message

    def _advice(self, field: str) -> str | None:
        """A field of the entry, else of the code's family (`InternalError.X`: `InternalError`'s)."""
        about = self.entry or self.family
        return cast("str | None", getattr(about, field)) if about is not None else None

    @property
    def retryable(self) -> bool:
        """Whether retrying can help if the call may be repeated: the entry's advice, else its
        family's; False when unknown. True for `idempotent` codes (InternalError, network errors),
        which may have taken effect: for a call that must not happen twice, ask `retryable_for(False)`."""
        return self.retryable_for(idempotent=True)

    def retryable_for(self, idempotent: bool) -> bool:
        """Whether retrying a call can help, given whether that call may be repeated safely
        (`kmserr.should_retry(err, idempotent=...)` and `Retryer` decide the same)."""
        retry = self._advice("retry")
        return retry in ("yes", "backoff") or (idempotent and retry == "idempotent")

    @property
    def retry(self) -> str | None:
        return self._advice("retry")

    @property
    def category(self) -> str | None:
        return self._advice("category")

    @property
    def description(self) -> str | None:
        return self._advice("description")

    @property
    def action(self) -> str | None:
        return self._advice("action")


# Where a Python exception's class name can be the code: the Python SDK's text, or its exception.
_PYTHON_FORMATS: Final = frozenset((PYTHON_SDK, EXCEPTION))


def resolve(finding: Finding, registry: Registry) -> Entry | None:
    """Find the catalogue entry a finding refers to: the module code first, then the code name."""
    if finding.module_code is not None:
        entry = registry.module_entry(finding.module_code)
        if entry is not None or finding.code.isdigit():
            return entry
        # An SDK's code whose legacy detail the catalogue does not know: the SDK's code explains it.
    return registry.get(finding.code)


def fallback(finding: Finding, registry: Registry) -> Entry | None:
    """What explains a code that is not in the catalogue: its family, a rule, or the response's gateway code.

    `InternalError.X` has its family; a Python class name from the Python SDK (`TypeError`) the
    rule for wrapped exceptions; a module code that KMS does not define the legacy body's gateway
    `code` (5100) or its `codeDesc`, with the reminder that module codes are product-scoped.
    """
    family = registry.family_of(finding.code)
    if family is not None:
        return family
    if finding.form in _PYTHON_FORMATS:
        rule = registry.python_exception_rule(finding.code)
        if rule is not None:
            return rule
    if finding.module_code is None:
        return None
    outer = registry.get(str(finding.error_code), COMMON_PRODUCT) if finding.error_code is not None else None
    if outer is None and finding.code_desc:
        outer = registry.get(finding.code_desc)
    if outer is None:
        return None
    number, code = finding.module_code, outer.code
    return outer._replace(
        description=(
            f"Module code {number} is not in the catalogue: module codes are product-scoped, so only the "
            f"product that answered documents it. The response's {code}: {outer.description}"
        ),
        # Chinese punctuation in Chinese text is no typo.
        description_zh=(
            f"模块错误码 {number} 不在目录中：模块错误码由各产品自行定义，请查阅返回它的产品的文档。"  # noqa: RUF001
            f"响应中的 {code}：{outer.description_zh or outer.description}"  # noqa: RUF001
        ),
    )


def explain_finding(finding: Finding, registry: Registry) -> Explanation:
    # Logs repeat the same few errors: what a (code, module code) means is worked out once. The
    # registry itself: an id can be reused. What a fallback reads (the gateway code, codeDesc, the
    # form) is part of the key: `TypeError` means a wrapped exception only from the Python SDK.
    # The message is not: it only says whether it agrees, and messages differ line by line (IDs).
    key = (
        registry, finding.code, finding.module_code, finding.error_code, finding.code_desc,
        finding.form in _PYTHON_FORMATS,
    )
    known = _MEANINGS.get(key)
    if known is None:
        entry = resolve(finding, registry)
        known = (entry, fallback(finding, registry) if entry is None else None)
        if len(_MEANINGS) >= _MEANINGS_MAX:
            _MEANINGS.clear()
        _MEANINGS[key] = known
    entry, family = known
    return Explanation(finding, entry, message_agreement(finding, entry), family)


def message_agreement(finding: Finding, entry: Entry | None) -> bool | None:
    """`Explanation.message_agrees` of a finding explained by `entry`: None when there is nothing to
    compare (no entry, no documented message, nothing said); a renderer that knows the entry asks this alone."""
    if entry is None or entry.message is None:
        return None
    # A Chinese message (the request's Language was zh-CN) cannot be compared with the
    # documented English one: nothing to say, rather than "differs".
    said = _legacy_text(finding)
    if said and not (entry.message.isascii() and _has_cjk(said)):
        return _agrees(entry, said)
    return None


def _agrees(entry: Entry, said: str) -> bool:
    """`message_agrees`, kept for the messages that repeat (a legacy code's own words)."""
    if len(said) > _CACHED_MESSAGE:
        return message_agrees(entry, said)
    key = (id(entry), said)
    known = _AGREES.get(key)
    if known is not None and known[0] is entry:  # the entry itself kept: its id stays its own
        return known[1]
    agrees = message_agrees(entry, said)
    if len(_AGREES) >= _MEANINGS_MAX:
        _AGREES.clear()
    _AGREES[key] = (entry, agrees)
    return agrees


def _legacy_text(finding: Finding) -> str | None:
    """The message as the catalogue words it: an SDK's message `(10630) key is not existed` says
    `key is not existed` of its legacy code."""
    message = finding.message
    if finding.module_code is None or not message or message.lstrip()[:1] != "(":
        return message
    legacy = _LEGACY_AT_START.match(message)
    return legacy.group(2).strip() if legacy is not None else message


def _has_cjk(text: str) -> bool:
    """Whether the message's start holds CJK text (by one search: an ASCII message, the most, by none)."""
    return not text.isascii() and _CJK.search(text, 0, _CACHED_MESSAGE) is not None


_CJK: Final = _lazy("[\u3000-\u9fff\uff00-\uffef]")


_MeaningKey = tuple[Registry, str, int | None, int | None, str | None, bool]
_MEANINGS: dict[_MeaningKey, tuple[Entry | None, Entry | None]] = {}
_AGREES: dict[tuple[int, str], tuple[Entry, bool]] = {}  # whether a message agrees with an entry's
_MEANINGS_MAX = 65536
_CACHED_MESSAGE = 512  # longer messages are rare and would make the cache hold large strings


def explain(error: object, registry: Registry | None = None) -> Explanation:
    """Explain an error as a service meets it: an SDK exception, a message, a JSON body or a dict.

    Exceptions are read by duck typing, so any Tencent Cloud SDK's exception that carries a code
    works without kmserr depending on the SDK: `code`/`get_code()`/`errorCode`, `message`,
    `requestId`/`get_request_id()`. Anything else is read as text. The first error found is
    explained; when there is none, `found` is False and `retryable` is False.
    """
    reg = registry or default_registry()
    finding = _from_object(error)
    if finding is None:
        if isinstance(error, dict):
            import json  # here: grep explains findings, never a dict

            try:
                text = json.dumps(error, ensure_ascii=False, default=str)
            except (ValueError, RecursionError):  # an int of 5,000 digits, a dict nested 5,000 deep
                text = ""
        elif isinstance(error, (bytes, bytearray)):
            text = bytes(error).decode("utf-8", "surrogateescape")
        else:
            text = _text_of(error)
        found = matcher_for(reg).extractor.find(text)
        finding = found[0] if found else Finding(code="", form=NOT_FOUND, start=0, end=0, message=text[:1000] or None)
    if not finding.code:
        return Explanation(finding, None, None, None)
    return explain_finding(finding, reg)


def _text_of(error: object) -> str:
    """The text of a foreign object, or "" when it has none to give: a number of more than 4,300
    digits, a `__str__` that raises or recurses (no code, not an error, as SECURITY.md promises)."""
    if isinstance(error, int) and ascii_number(abs(error)) is None:
        return ""
    try:
        text = str(error)
    except Exception:  # the caller's object may fail any way; RecursionError included
        return ""
    return text if isinstance(text, str) else ""


NOT_FOUND = "none"
_CODE_ATTRIBUTES = ("code", "get_code", "error_code", "errorCode", "getErrorCode", "Code", "ErrorCode")
_MESSAGE_ATTRIBUTES = ("message", "get_message", "getMessage", "Message", "msg")
_REQUEST_ID_ATTRIBUTES = ("requestId", "get_request_id", "request_id", "getRequestId", "RequestId")


def _attribute(error: object, names: tuple[str, ...]) -> str | None:
    for name in names:
        try:
            value = getattr(error, name, None)
            if callable(value):
                value = value()
        except Exception:  # a foreign object's accessor may fail any way: try the next one
            continue
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if isinstance(value, int) and not isinstance(value, bool):
            if ascii_number(abs(value)) is None:  # no code; str() of more than 4,300 digits would raise
                continue
            value = str(value)
        if isinstance(value, str) and value.strip():
            text = value.strip()
            if text.casefold() not in ("none", "null"):
                return text
    return None


def _from_object(error: object) -> Finding | None:
    """A finding from an exception's attributes, or from a dict that is a response body."""
    if isinstance(error, dict):
        return body_finding(error)
    if isinstance(error, (str, bytes, bytearray)):
        return None
    code = _attribute(error, _CODE_ATTRIBUTES)
    if code is None:
        return None
    message = _attribute(error, _MESSAGE_ATTRIBUTES)
    request_id = _attribute(error, _REQUEST_ID_ATTRIBUTES)
    finding = Finding(code=code, form=EXCEPTION, start=0, end=0, message=message, request_id=request_id)
    module_code = ascii_number(code)
    if module_code is not None:
        finding = finding._replace(module_code=module_code)
    return with_legacy_message(finding)


def explain_text(text: str, registry: Registry | None = None, *, envelope: str = "auto") -> list[Explanation]:
    """Find and explain every error in a message, log excerpt or JSON body; lines in a platform's
    envelope (`envelope`: "auto", "none", "docker", "cri", "journald" or "syslog") are unwrapped."""
    from .envelopes import check

    reg = registry or default_registry()
    return [explain_finding(f, reg) for f in matcher_for(reg).extractor.find(text, envelope=check(envelope))]
