"""The error forms: for each, its name, the literal that gates it, its regex, its builder and the
byte locator that engines search blocks with, in one place.

A form is one way an error is written: a legacy `(10630) message`, an SDK exception's text, a JSON
body, a code name standing alone. `Extractor` (extract.py) tries them in the order of FORMS;
engines (engines.py) find candidate lines from LOCATORS and the code names' literals.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final, NamedTuple, cast

if TYPE_CHECKING:
    import json


class _Lazy:
    """A regular expression compiled at its first use: grep of an empty input, `--version` or a
    parse that holds one form compile only what they use (all of this module's cost 5 ms)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        """A method of the pattern (`search`, `match`, ...), asked for the first time: the pattern is
        compiled, and its methods are kept on this object, where later lookups find them first."""
        if name.startswith("__") or "_source" not in self.__dict__:
            raise AttributeError(name)  # copy and pickle ask before __init__ has run
        compiled = re.compile(*self._source)
        self.__dict__.update((method, getattr(compiled, method)) for method in _PATTERN_METHODS)
        return getattr(compiled, name)


_PATTERN_METHODS: Final = ("search", "match", "fullmatch", "finditer", "findall", "split", "sub", "pattern", "flags")


def _finditer(pattern: re.Pattern[str]) -> Callable[[str, int], Iterator[re.Match[str]]]:
    """A form's finder: the pattern's finditer, looked up at each call, so that a lazy pattern,
    once compiled, answers with the compiled pattern's own method (FORMS is built at import)."""
    def finder(text: str, pos: int = 0) -> Iterator[re.Match[str]]:
        return pattern.finditer(text, pos)

    return finder


def _lazy(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """A pattern as the module's code uses it (search, match, fullmatch, finditer, findall, sub)."""
    return cast("re.Pattern[str]", _Lazy(pattern, flags))


# API 3.0 code families (the part before the first dot) and the codes that SDKs raise
# themselves. A name in this list, or a dotted name under it, is recognised standing alone.
FAMILIES: Final = (
    "ActionOffline", "AuthFailure", "DryRunOperation", "FailedOperation", "InternalError",
    "InvalidAction", "InvalidParameter", "InvalidParameterValue", "InvalidRequest",
    "IpInBlacklist", "IpNotInWhitelist", "LimitExceeded", "MissingParameter", "NoSuchProduct",
    "NoSuchVersion", "OperationDenied", "RequestLimitExceeded", "RequestSizeLimitExceeded",
    "ResourceInUse", "ResourceInsufficient", "ResourceNotFound", "ResourceUnavailable",
    "ResourcesSoldOut", "ResponseSizeLimitExceeded", "ServiceUnavailable",
    "UnauthorizedOperation", "UnknownParameter", "UnsupportedOperation", "UnsupportedProtocol",
    "UnsupportedRegion", "ClientNetworkError", "ServerNetworkError", "ClientParamsError",
    "ClientSideError", "ServerSideError", "InvalidCredential", "CoreInternalError",
)
# Generic words that other software logs too (botocore's `ClientError`): recognised standing
# alone only with a dotted sub-code (`ClientError.NetworkError`).
DOTTED_ONLY_FAMILIES: Final = ("ClientError",)

# Forms, as reported in `Finding.form` and as `format` in JSON output.
LEGACY_MESSAGE: Final = "legacy-message"
LEGACY_JSON: Final = "legacy-json"
API3_JSON: Final = "api3-json"
PYTHON_SDK: Final = "python-sdk"
PYTHON_SDK_REPR: Final = "python-sdk-repr"  # repr() of the Python SDK's exception: `%r`, pytest, debuggers
GO_SDK: Final = "go-sdk"
JAVA_SDK: Final = "java-sdk"
JAVA_SDK_OLD: Final = "java-sdk-old"
DOTNET_SDK: Final = "dotnet-sdk"
NODE_SDK: Final = "node-sdk"
CPP_SDK: Final = "cpp-sdk"
CODE_MESSAGE: Final = "code-message"
BARE_CODE: Final = "bare-code"
EXCEPTION: Final = "exception"  # read from an exception object's attributes (kmserr.explain)


class Finding(NamedTuple):
    """One error found in text; `start`/`end` locate the code (character offsets), `form` names
    the form it was found in (FORMS; the `format` key of JSON output)."""

    code: str
    form: str
    start: int
    end: int
    message: str | None = None
    request_id: str | None = None
    module_code: int | None = None
    error_code: int | None = None
    code_desc: str | None = None
    envelope: str | None = None  # the platform's envelope the line was read in (envelopes.py), if any

    @property
    def format(self) -> str:
        """The form, by the name JSON output gives it (kept for code written against `format`)."""
        return self.form


# Each pattern begins with a literal, and a condition on what stands before it comes after it as
# a lookbehind: Python's re then skips to the literal at C speed instead of trying every position
# of a long line.
_LEGACY = _lazy(
    # 3, 5 or 6 digits: four-digit numbers are the gateway codes' range and common in prose. ASCII
    # digits only (`\d` would take `(١٠٦٣٠)`, which int() reads as 10630 and no byte prefilter sees).
    r"\((?<![\w.(]\()([0-9]{3}|[0-9]{5,6})\)[ ]?(?=[^\W\d_])"
)
# `_LEGACY` without its lookbehind, and before a backslash too: in a JSON string, an escape may
# stand before the code or begin its message (json.dumps's default, ensure_ascii, writes a fullwidth
# colon and `密钥` so: `\\uff1a(10630) \\u5bc6\\u94a5`). `legacy_match` reads the characters the
# escapes stand for, as `_LEGACY` reads them unescaped.
_LEGACY_UNCHECKED = _lazy(r"\(([0-9]{3}|[0-9]{5,6})\)[ ]?(?=[^\W\d_]|\\)")
_NOT_BEFORE_LEGACY = _lazy(r"[\w.(]")  # `_LEGACY`'s lookbehind: no code after one of these
_LETTER = _lazy(r"[^\W\d_]")  # a letter as `_LEGACY` wants one after a code
_HEX4 = _lazy(r"[0-9A-Fa-f]{4}")
_LEGACY_AT_START = _lazy(r"\s*\(([0-9]{3,6})\)\s?(.*)", re.DOTALL)
_JSON_STRING = r'"((?:[^"\\\n]|\\.){0,4096})"'
_LEGACY_JSON_CODE = _lazy(r'"code"\s*:\s*"?([0-9]{1,6})"?')
_LEGACY_JSON_DESC = _lazy(r'"codeDesc"\s*:\s*' + _JSON_STRING)
_LEGACY_JSON_PLAIN = _lazy(
    r'"code"\s*:\s*"?([4-6][0-9]{3})"?\s*,\s*"message"\s*:\s*' + _JSON_STRING
)
_API3_CODE = _lazy(r'"Code"\s*:\s*"([A-Za-z][A-Za-z0-9_.]*)"')
_API3_MESSAGE = _lazy(r'"Message"\s*:\s*' + _JSON_STRING)
_API3_REQUEST_ID = _lazy(r'"RequestId"\s*:\s*"([^"\s]*)"')
_ERROR_KEY = _lazy(r'"Error"\s*:\s*\{')
# A message is read to WINDOW characters (4096) at most, as everything around a code is.
_PY_SDK = _lazy(  # after `[`, or after the class path of PHP's exception (`...\Exception\`)
    # The code is one word but for the sentences the SDK itself raises as codes (`signMethod
    # invalid`, `CommonClient Parameter Error, ... all required.`): up to 16 words, the first
    # ` message:` ends it.
    r"TencentCloudSDKException\] code:(?<=[\[\\]TencentCloudSDKException\] code:)"
    r"(\S*(?: \S+){0,15}?) message:(.{0,4096})"
)
_JAVA_SDK = _lazy(r"\[TencentCloudSDKException\]code: (\S*) message:(.{0,4096})")
_JAVA_SDK_OLD = _lazy(r"\[TencentCloudSDKException\]message:([A-Za-z][\w.]*)-(.{0,4096})")
_GO_SDK = _lazy(r"\[TencentCloudSDKError\] Code=([^,\s]*), Message=(.{0,4096})")
_DOTNET_SDK = _lazy(r"code:(?<![\w\]\\]code:)([A-Za-z][\w.]*) message:(.{0,4096})")
_NODE_CODE = _lazy(r"^[ \t]*code: '([^'\n]*)',?[ \t]*\r?$", re.MULTILINE)
_NODE_REQUEST_ID = _lazy(r"^[ \t]*requestId: '([^'\n]*)',?[ \t]*\r?$")
# Node's util.inspect of an error: `Name [Error]: message` (after any prefix), then stack lines,
# the last ending in ` {`, then one property a line.
# The header's message runs to the line's end, less a ` {` that opens the object (`_node_message`):
# read greedily and cut in Python, where a lazy `(.*?)(?: \{)?$` tried its tail at every character.
_NODE_HEADERS: Final = (
    _lazy(r"(?:^|\s)[A-Za-z_$][\w$]* \[[A-Za-z_$][\w$]*\]: (.*)"),
    _lazy(r"(?:^|\s)[A-Za-z_$][\w$]*(?:Exception|Error): (.*)"),
)
_NODE_STACK = _lazy(r"^[ \t]+at .*$")
_NODE_SDK_HEADER = _lazy(r"TencentCloudSDK[\w$]* \[[A-Za-z_$][\w$]*\]: $")
# A property as util.inspect prints it; `[stack]: ` and `[message]: ` where it shows hidden ones
# (`console.error("%o", err)`), whose strings run on over lines of their own (`'...' +`).
_NODE_PROPERTY = _lazy(r"^([ \t]+)(?:[A-Za-z_$][\w$]*|\[[A-Za-z_$][\w$]*\]): ")
_NODE_CONTINUED = _lazy(r"[ \t]+'")
_NODE_HIDDEN = _lazy(r"[ \t]+\[(?:stack|message)\]: '(?:[A-Za-z_$][\w$.]*(?: \[[A-Za-z_$][\w$]*\])?: )?")
# A Python literal as repr() prints it: a string or bytes in either quote style, or None.
_PY_LITERAL = r"""(?:[bBrRuU]{0,2}'(?:[^'\\\n]|\\.){0,65536}'|[bBrRuU]{0,2}"(?:[^"\\\n]|\\.){0,65536}"|None)"""
_PY_KEY = r"(?:(code|message|requestId)\s*=\s*)?"
_PY_ARGUMENT = _lazy(r"\s*" + _PY_KEY + "(" + _PY_LITERAL + r")\s*(,\s*\)|,|\))")
_PY_REPR = _lazy(  # one to three arguments; _python_sdk_repr reads them
    r"TencentCloudSDKException\((?<!\wTencentCloudSDKException\()"
    r"(?:\s*" + _PY_KEY.replace("(code", "(?:code") + _PY_LITERAL + r"\s*,){0,2}"
    r"\s*" + _PY_KEY.replace("(code", "(?:code") + _PY_LITERAL + r"\s*,?\s*\)"
)
_REPR_KEYS: Final = ("code", "message", "requestId")
_CPP_SDK = _lazy(r"RequestId=([^,\s]*), ErrorCode=([^,\s]*), ErrorMessage=(.{0,4096})")
_CODE_MESSAGE = _lazy(r"Code: (?<![\w.]Code: )([A-Za-z][\w.]*), Message: (.{0,4096})")
# The ID, then what may end a sentence or a record.
_DOTNET_REQUEST_ID = _lazy(r"requestId\s*:?\s*([0-9A-Za-z-]{8,64})[\s.,;:\"'}\])]*")
_REQUEST_ID_ANYWHERE = _lazy(
    r"request[ _-]?id[\"']?\s*[:=]\s*[\"']?([0-9A-Za-z][0-9A-Za-z-]{7,63})", re.IGNORECASE
)
_BRACKETED_REQUEST_ID = _lazy(r"\[request id:([0-9A-Za-z-]+)\]")
_NO_VALUE: Final = frozenset({"", "none", "null", "nil", "undefined"})
_KNOWN_HEAD: Final = _lazy("|".join(map(re.escape, (*FAMILIES, *DOTTED_ONLY_FAMILIES))))


_TOKEN = _lazy(r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*")
MAX_NAME: Final = 128  # a longer identifier is no code name (the longest known has 57 characters)


def _token_at(text: str, start: int) -> re.Match[str] | None:
    """The identifier at `start`, if it is no longer than a code name can be; read no further."""
    token = _TOKEN.match(text, start, start + MAX_NAME + 1)
    if token is None or token.end() - start > MAX_NAME or _continues(text, token.end()):
        return None
    return token


def _continues(text: str, end: int) -> bool:
    """Whether an identifier read to `end` goes on (reading stopped at MAX_NAME + 1 characters)."""
    after = text[end : end + 2]
    return after[:1] in _ALNUM or (after[:1] == "." and after[1:] in _ALNUM)


_ALNUM: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_NAME_CHARS: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789."
_CODE_NAME = _lazy(r"[A-Z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*")


# Up to this many words, testing each pair costs less than compiling the regex of them all (1 ms
# against 4 ms for the bundled catalogue's 114; the pairs grow as the square, the regex linearly).
PAIRWISE_WORDS: Final = 256


def name_literals(names: Iterable[str]) -> list[str]:
    """The fewest literals that every code name standing alone contains (`LimitExceeded` covers
    `RequestLimitExceeded`): the prefilter's patterns and the bare form's gate."""
    return _fewest_literals(set(FAMILIES) | set(DOTTED_ONLY_FAMILIES) | {n for n in names if _CODE_NAME.fullmatch(n)})


def _fewest_literals(words: set[str]) -> list[str]:
    """The words that hold no other word: every word contains one of them."""
    if not words:
        return []
    if len(words) <= PAIRWISE_WORDS:
        # Shortest first, each asked only of the words kept before it: a word that holds a dropped
        # word holds the kept word inside that one too (a third of the pairs' 0.7 ms, every grep).
        kept: list[str] = []
        for word in sorted(words, key=len):
            if not any(shorter in word for shorter in kept):
                kept.append(word)
        return sorted(kept)
    lengths = sorted({len(w) for w in words})
    slices = sum(len(w) - n + 1 for w in words for n in lengths if n < len(w))
    if slices <= SLICES_PER_CHARACTER * sum(map(len, words)):
        return _holding_none(words, lengths)
    # Whether another word stands inside a word, asked of one regex of them all (C speed), not of
    # each pair: 20,000 team codes took 45 s.
    other = re.compile(_trie_regex(word_trie({w: {""} for w in words})))
    return sorted(w for w in words if not (other.search(w, 1) or other.match(w, 0, len(w) - 1)))


# Looking up a slice of a word in the set of words costs about 0.17 µs, compiling the regex of
# them all 1.6 to 2 µs per character: up to this many slices (of every length a word has) per
# character, the slices cost less. 2,000 team codes: 270,000 slices, 44 ms against 86 ms;
# 20,000: 0.48 s against 1.1 s.
SLICES_PER_CHARACTER: Final = 8


def _holding_none(words: set[str], lengths: list[int]) -> list[str]:
    """`_fewest_literals` by slices: a word is dropped when a slice of it shorter than itself, of a
    length some word has, is a word."""
    kept = []
    for word in words:
        size = len(word)
        if not any(word[at : at + n] in words for n in lengths if n < size for at in range(size - n + 1)):
            kept.append(word)
    return sorted(kept)


def name_starts(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """What a code name standing alone begins with, for a prefilter that can ask what stands before
    it: the families (`ClientError.` with its dot: alone it is botocore's), and the fewest literals
    that the other names contain, which may stand anywhere in them. A family is found only where an
    identifier starts, so that a flood of `ClientError ` or of `AuthFailure.` hits nothing."""
    starts = sorted({*FAMILIES} - {*DOTTED_ONLY_FAMILIES} | {family + "." for family in DOTTED_ONLY_FAMILIES})
    begins = tuple(starts)
    others = {n for n in names if _CODE_NAME.fullmatch(n) and n not in DOTTED_ONLY_FAMILIES
              and not n.startswith(begins)}
    return starts, _fewest_literals(others)


def word_trie(words: dict[str, set[str]]) -> dict[str, Any]:
    """The words as a trie of characters; under "" where a word ends, the regexes that may follow it."""
    trie: dict[str, Any] = {}
    for word, tails in words.items():
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node.setdefault("", set()).update(tails)
    return trie


def _trie_regex(node: dict[str, Any]) -> str:
    """The regex of a trie's node: its children's, then the tails of the words that end there."""
    branches = []
    for char in sorted(k for k in node if k):
        child, literal = node[char], re.escape(char)
        while len(child) == 1 and "" not in child:  # a chain of one child each: one literal
            (char, child), = child.items()
            literal += re.escape(char)
        branches.append(literal + _trie_regex(child))
    branches.extend(sorted(node.get("", ())))
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


_Builder = Callable[[re.Match[str], str], "Finding | None"]
_Finder = Callable[[str, int], Iterable[re.Match[str]]]  # the matches of a text from a position on


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if value.casefold() in _NO_VALUE else value


def _split_request_id(rest: str, label: str) -> tuple[str, str | None]:
    """Split `message ... requestId:X` at the last label; the message may contain anything."""
    head, sep, tail = rest.rpartition(label)
    if not sep:
        return rest.rstrip(), None
    token = tail.strip().split(" ", 1)[0] if tail.strip() else ""
    return head.rstrip(), _request_id_token(token)


def _request_id_token(token: str) -> str | None:
    """The ID inside what a format printed around it: Go 2018's `%!d(string=ID)`, Ruby's `ID)`,
    a JSON record's `ID"}`, a sentence's `ID.`: the ID's own shape (a UUID, hex, a token of
    letters, digits, `-` and `_`) and nothing after it; `None`, `null`, `undefined` are no ID."""
    wrapped = _GO_WRAPPED.fullmatch(token)
    if wrapped:
        token = wrapped.group(1)
    shaped = _REQUEST_ID_SHAPE.match(token.lstrip("'\"([<"))
    return _clean(shaped.group()) if shaped else None


_GO_WRAPPED = _lazy(r"%!d\(string=(.*)\)")  # Go's %d of a string
# What a request ID is made of: UUIDs, hex, and every SDK's own tokens.
_REQUEST_ID_SHAPE = _lazy(r"[0-9A-Za-z][0-9A-Za-z_-]{0,127}")


def with_legacy_message(finding: Finding) -> Finding:
    """An SDK error whose message is a legacy one (`(10630) key is not existed`: an API 3.0 answer
    that carried a legacy module's message, printed by any SDK) is one error: the SDK's code, its
    message as the SDK holds it, and the legacy code as its detail (`module_code`, which the
    catalogue explains; `error_code` is the catalogue's)."""
    message = finding.message
    legacy = _LEGACY_AT_START.match(message) if message and message.lstrip()[:1] == "(" else None
    if legacy is None or ascii_number(legacy.group(1)) is None:
        return finding
    return finding._replace(module_code=int(legacy.group(1)))


def _sdk(
    match: re.Match[str], fmt: str, code_group: int, message: str | None, rid: str | None, empty: str | None = None
) -> Finding | None:
    """A finding of an SDK's text; `empty` is what an empty message means (None: no message; the
    Python SDK prints the server's `"Message": ""` as nothing, and a missing one as `None`)."""
    code = _clean(match.group(code_group))
    if code is None:
        return None
    start, end = match.span(code_group)
    return with_legacy_message(
        Finding(code=code, form=fmt, start=start, end=end,
                message=None if message is None else message[:WINDOW] or empty, request_id=rid)
    )


def _python_sdk(match: re.Match[str], text: str) -> Finding | None:
    message, rid = _sdk_message(text, match.start(2))
    if message == "None":  # the SDK's str() of an exception raised without a message
        return _sdk(match, PYTHON_SDK, 1, None, rid)
    return _sdk(match, PYTHON_SDK, 1, message, rid or _bracketed_rid(message), empty="")


MAX_MESSAGE: Final = 65536  # how far a long message is read for the request ID after it


def _sdk_message(text: str, start: int) -> tuple[str, str | None]:
    """The message that starts at `start` and its request ID: the SDK writes `message:M requestId:R`
    whatever M holds, so M runs to the last ` requestId:` of its line, which may lie beyond WINDOW
    (the ID of a long message is kept; the message is cut to WINDOW). A message with newlines (the
    SDK's str printed, or a JSON value unescaped) runs on to the first later line with a
    ` requestId:`, within WINDOW. Another SDK error ends the search, which reads MAX_MESSAGE
    characters at most."""
    stop = text.find("TencentCloudSDK", start, start + MAX_MESSAGE)
    if stop < 0:
        stop = min(len(text), start + MAX_MESSAGE)
    line_end = text.find("\n", start, stop)
    line_end = stop if line_end < 0 else line_end
    label = text.rfind(" requestId:", start, line_end)
    if label < 0 and line_end < stop:
        later = _LATER_REQUEST_ID.search(text, line_end, min(stop, start + WINDOW))
        if later is not None:
            end = text.find("\n", later.end(), stop)
            label = text.rfind(" requestId:", later.start(), stop if end < 0 else end)
            if label < 0:
                label = later.start() - 1  # the label begins its line
            line_end = stop if end < 0 else end
    if label < 0:
        return text[start:line_end][:WINDOW].rstrip(), None
    token = text[label + len(" requestId:") : min(line_end, label + 256)].strip().split(" ", 1)[0]
    message = text[start:label]
    return (message[:WINDOW] if len(message) > WINDOW else message).rstrip(), _request_id_token(token)


_LATER_REQUEST_ID = _lazy(r"(?<=\s)requestId:")


def _python_sdk_repr(match: re.Match[str], text: str) -> Finding | None:
    """`TencentCloudSDKException('Code', 'message', 'requestId')`: positional or keyword arguments,
    either quote style; a bytes message (a non-200 reply's body) is kept as printed, as str() does."""
    values: dict[str, tuple[str, int, int]] = {}
    pos = match.start() + len("TencentCloudSDKException(")
    for index in range(len(_REPR_KEYS)):
        argument = _PY_ARGUMENT.match(text, pos, match.end())
        if argument is None:
            return None
        key = argument.group(1) or _REPR_KEYS[index]
        values[key] = (argument.group(2), *argument.span(2))
        pos = argument.end()
        if argument.group(3) != ",":
            break
    else:
        return None  # a fourth argument: not the SDK's exception
    code = values.get("code")
    if code is None or code[0][-1:] not in "'\"" or code[0][:1] in "bB":
        return None
    name = _python_literal(code[0])
    if not name or _CODE_TOKEN.fullmatch(name) is None:
        return None
    message = values.get("message")
    rid = values.get("requestId")
    text_message = None
    if message is not None and message[0] != "None":
        text_message = message[0] if message[0][:1] in "bB" else _python_literal(message[0])
    quote = code[0].find(code[0][-1])
    start = code[1] + quote + 1
    return with_legacy_message(Finding(
        code=name, form=PYTHON_SDK_REPR, start=start, end=start + len(code[0]) - quote - 2,
        message=None if text_message is None else text_message[:WINDOW],
        request_id=_clean(_python_literal(rid[0])) if rid is not None and rid[0] != "None" else None,
    ))


# A code name, or one of the sentences the SDK raises as codes (`signMethod invalid`).
_CODE_TOKEN = _lazy(r"[A-Za-z][^\x00-\x1f\x7f-\x9f]{0,127}")


def _python_literal(literal: str) -> str:
    """The value of a Python string literal as repr() wrote it (the text itself if it is not one)."""
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return literal
    return value if isinstance(value, str) else literal


def _java_sdk(match: re.Match[str], text: str) -> Finding | None:
    rest = match.group(2)
    cause = rest.rfind(" cause:")
    if cause >= 0 and " requestId:" in rest[:cause]:
        rest = rest[:cause]
    message, rid = _split_request_id(rest, " requestId:")
    return _sdk(match, JAVA_SDK, 1, message, rid or _bracketed_rid(message))


def _java_sdk_old(match: re.Match[str], text: str) -> Finding | None:
    # `message:Code-Message`: the code is only a code if it looks like one (`Request-timeout` is not).
    code = match.group(1)
    if "." not in code and not _KNOWN_HEAD.fullmatch(code.split(".")[0]):
        return None
    message, rid = _split_request_id(match.group(2), " requestId:")
    return _sdk(match, JAVA_SDK_OLD, 1, message, rid or _bracketed_rid(message))


def _go_sdk(match: re.Match[str], text: str) -> Finding | None:
    message, rid = _split_request_id(match.group(2), ", RequestId=")
    return _sdk(match, GO_SDK, 1, message, rid)


def _dotnet_sdk(match: re.Match[str], text: str) -> Finding | None:
    rest = match.group(2)
    at = rest.rfind("requestId")  # found from the end: a regex search would be quadratic on long spaces
    tail = _DOTNET_REQUEST_ID.fullmatch(rest, at) if at > 0 and rest[at - 1].isspace() else None
    message, rid = (rest[:at], tail.group(1)) if tail else (rest, None)
    return _sdk(match, DOTNET_SDK, 1, message.strip(), rid)


def _cpp_sdk(match: re.Match[str], text: str) -> Finding | None:
    return _sdk(match, CPP_SDK, 2, match.group(3).strip(), _clean(match.group(1)))


def _code_message(match: re.Match[str], text: str) -> Finding | None:
    message, rid = _split_request_id(match.group(2), ", RequestId: ")  # as Go's `, RequestId=`
    return _sdk(match, CODE_MESSAGE, 1, message.strip(), rid or _own_request_id(text, match.start(), match.end()))


def _node_code(match: re.Match[str], text: str) -> Finding | None:
    return _sdk(match, NODE_SDK, 1, "", None)  # the message and request ID: _with_node_object


NODE_LOOKBACK: Final = 64  # lines: util.inspect's stack (10 lines by default) and properties
NODE_CONTEXT: Final = NODE_LOOKBACK * 256  # characters above a Node code line that are read


# The lines above a Node code line that are split: the last NODE_LOOKBACK and the two around them
# are all that is read (the first item holds whatever is above them, never read). Splitting all
# 16 KiB was a fifth of a Node error line's cost.
_NODE_SPLIT = NODE_LOOKBACK + 2


def _with_node_object(finding: Finding, before: str, after: str = "") -> Finding:
    """The message and request ID of the Node error whose `code: '...'` line this is: util.inspect
    prints the other properties (requestId first) on the lines above it, up to the stack's last
    line (`    at ... {`), and the message on the first line (`Name [Error]: message`). A plain
    object (winston's prettyPrint(), `console.log({ code, message, requestId })`) may hold them
    below: `after`, the lines below the code line (grep: within its block), are read for the
    properties of the same object (`pretty_siblings`) that the lines above did not give."""
    found = _node_object_above(finding, before)
    if found.message is None or found.request_id is None:
        lines = before[-NODE_CONTEXT:].rsplit("\n", NODE_BELOW + 1)
        indent = lines.pop()
        siblings = pretty_siblings(lines[::-1], _lines_below(after), indent)
        message, rid = _pretty_text(siblings.get("message")), _pretty_text(siblings.get("requestId"))
        found = with_legacy_message(found._replace(
            message=found.message if found.message is not None else (message[:WINDOW] if message else None),
            request_id=found.request_id if found.request_id is not None else _clean(rid)))
    return found


# Lines below a code line read for the other properties of its object, and characters of them
# (grep reads them within the block that holds the line: a stream's object is read as it came).
NODE_BELOW: Final = 32
NODE_AFTER: Final = NODE_BELOW * 256

# One property a line of a pretty-printed object: util.inspect's `key: value` or JSON's `"key": value`
# (JSON.stringify(x, null, 2), pino-pretty), after the object's indentation.
_PRETTY_PROPERTY = _lazy(r'([ \t]+)(?:"([A-Za-z_$][\w$]*)"|([A-Za-z_$][\w$]*)): ?(.*?)\r?')
_PRETTY_CLOSE = _lazy(r"[}\]],?\r?")
_PRETTY_CONTINUED = _lazy(r"[ \t]*(?:'|\"|`)")


def pretty_siblings(above: list[str], below: list[str], indent: str) -> dict[str, tuple[bool, list[str]]]:
    """The properties at `indent` of the pretty-printed object whose property line stands between
    `above` (nearest first) and `below` (nearest first): each key's (whether it was quoted: JSON,
    its value's text and the lines that continue it, `'...' +`). Deeper lines (a nested value, a
    string's further lines, pino-pretty's stack) are passed over; a line of less indentation or of
    another shape ends the object, as does a second `code` (another object's)."""
    found: dict[str, tuple[bool, list[str]]] = {}
    if not indent or indent.strip(" \t"):
        return found
    deeper = (indent + " ", indent + "\t")
    for lines in (above, below):
        for at, line in enumerate(lines):
            if line.startswith(deeper) or (line.startswith(indent) and _PRETTY_CLOSE.fullmatch(line, len(indent))):
                continue  # a nested value's lines, and its closing brace
            prop = _PRETTY_PROPERTY.fullmatch(line)
            if prop is None or prop.group(1) != indent:
                break
            key = prop.group(2) or prop.group(3)
            if key == "code" or key in found:
                break
            value = [prop.group(4)]
            if lines is below:
                for more in lines[at + 1 :]:
                    if not value[-1].endswith(" +") or not more.startswith(deeper) or not _PRETTY_CONTINUED.match(more):
                        break
                    value.append(more.strip(" \t\r"))
            found[key] = (prop.group(2) is not None, value)
    return found


def _lines_below(after: str) -> list[str]:
    """The first NODE_BELOW lines of `after` (a last one cut by NODE_AFTER is left out)."""
    if not after:
        return []
    lines = after[: NODE_AFTER + 1].split("\n", NODE_BELOW)[:NODE_BELOW]
    if len(after) > NODE_AFTER and len(lines) < NODE_BELOW:
        lines.pop()
    return lines


_PRETTY_JSON_CODE = _lazy(r'([ \t]+)"code": "([^"\\\n]*)",?\r?')


def pretty_json_code(finding: Finding, line: str, offset: int, before: str, after: str) -> Finding:
    """A code standing alone on its line of a pretty-printed JSON object (`JSON.stringify(err, null,
    2)`, pino-pretty: `    "code": "InvalidParameter",`), with the `message` and `requestId` of the
    same object, above it or below (`pretty_siblings`); else the finding as it was. `offset`: where
    the line starts in the text the finding was found in."""
    got = _PRETTY_JSON_CODE.fullmatch(line)
    if got is None or got.span(2) != (finding.start - offset, finding.end - offset):
        return finding
    siblings = pretty_siblings(_lines_above(before), _lines_below(after), got.group(1))
    message, rid = _pretty_text(siblings.get("message")), _pretty_text(siblings.get("requestId"))
    if message is None and isinstance(stack := _pretty_text(siblings.get("stack")), str):
        message = _stack_message(stack)
    return with_legacy_message(finding._replace(
        message=finding.message if finding.message is not None else (message[:WINDOW] if message else None),
        request_id=finding.request_id if finding.request_id is not None else _clean(rid)))


def _lines_above(before: str) -> list[str]:
    """The last NODE_BELOW lines of `before` (which ends with a newline), nearest first."""
    lines = before[-NODE_AFTER:].rsplit("\n", NODE_BELOW + 1)[::-1]
    return lines[1 : NODE_BELOW + 1]


def in_coded_object(line: str, before: str, after: str) -> bool:
    """Whether a line of a pretty-printed object (a property, or a line of one's value) is in an
    object that has a `code` of a name (`code: 'InvalidParameter'`, `"code": "..."`): its legacy
    code (`message: '(10630) key is not existed'`, the stack's first line) is that error's detail,
    which the code's line reports (`module_code`), not an error of its own."""
    if line[:1] not in (" ", "\t"):
        return False
    above = _lines_above(before)
    depth = len(line) - len(line.lstrip(" \t"))
    if above and len(above[0]) - len(above[0].lstrip(" \t")) >= depth:
        prop = _PRETTY_PROPERTY.fullmatch(line)  # a property, below one of its object's
    else:  # a line of a value, or the object's first property: a property's owns it if it holds none
        owner = _PRETTY_PROPERTY.fullmatch(above[0]) if above else None
        prop = _PRETTY_PROPERTY.fullmatch(line)
        opened = owner.group(4).strip() if owner is not None else None
        # An object's first property (below `error: {`) is read among its own siblings, below it.
        if owner is not None and (opened in ("", "[") or (opened == "{" and prop is None)):
            prop, above = owner, above[1:]
    if prop is None:
        return False
    indent = prop.group(1)
    deeper = (indent + " ", indent + "\t")
    for lines in (above, _lines_below(after)):
        for upper in lines:
            if upper.startswith(deeper) or (upper.startswith(indent) and _PRETTY_CLOSE.fullmatch(upper, len(indent))):
                continue
            sibling = _PRETTY_PROPERTY.fullmatch(upper)
            if sibling is None or sibling.group(1) != indent:
                break
            if (sibling.group(2) or sibling.group(3)) == "code":
                code = _pretty_text((sibling.group(2) is not None, [sibling.group(4)]))
                return code is not None and _CODE_NAME.fullmatch(code) is not None
    return False


# bunyan's CLI: `[time] ERROR: app/pid on host: msg (keyId=..., err.code=X)`, then the error's stack
# indented by four (`    Error: CMK is disabled.` / `        at ...`).
_BUNYAN_CODE_BEFORE: Final = "err.code="
_BUNYAN_STACK_HEAD = _lazy(r"    [A-Za-z_$][\w$.]*(?: \[[A-Za-z_$][\w$]*\])?: (.*?)\r?")
_STACK_LINE = _lazy(r"[ \t]+at \S")


def bunyan_message(finding: Finding, line: str, offset: int, after: str) -> Finding:
    """The message of a code that bunyan's CLI printed as `err.code=X` on a record's first line: the
    stack's first lines below it (`    Error: message`, a message of several lines included)."""
    if finding.message is not None or not line.endswith(_BUNYAN_CODE_BEFORE, 0, finding.start - offset):
        return finding
    below = _lines_below(after)
    head = _BUNYAN_STACK_HEAD.fullmatch(below[0]) if below else None
    if head is None:
        return finding
    message = [head.group(1)]
    for more in below[1:]:
        if _STACK_LINE.match(more) is not None:
            return with_legacy_message(finding._replace(message="\n".join(message)[:WINDOW] or None))
        message.append(more.rstrip("\r").removeprefix("    "))
    return finding  # no frame below within NODE_BELOW lines: no stack of this record's


def stack_json_message(finding: Finding, line: str, offset: int, before: str) -> Finding:
    """The message of a code in a JSON object at the end of an error's stack (winston's printf of
    `${stack} ${JSON.stringify(meta)}`): the stack's first line above, `Error: message`."""
    if finding.message is not None or _STACK_LINE.match(line) is None:
        return finding
    brace = line.rfind(" {", 0, finding.start - offset)
    if brace < 0 or '"' in line[:brace]:
        return finding
    lines = before[-NODE_CONTEXT:].rsplit("\n", NODE_MESSAGE_LINES + 2)[:-1]
    index = len(lines)
    while index > 0 and _STACK_LINE.match(lines[index - 1]) is not None:
        index -= 1
    for at in range(index - 1, -1, -1):
        header = _STACK_HEADER.search(lines[at].rstrip("\r"))
        if header is not None:
            message = "\n".join([header.group(1), *(upper.rstrip("\r") for upper in lines[at + 1 : index])]).strip()
            return with_legacy_message(finding._replace(message=message[:WINDOW] or None))
    return finding


# A stack's first line, after what a log line prints before it: `Error: message`, `TypeError: ...`,
# `TencentCloudSDKHttpException [Error]: ...`.
_STACK_HEADER = _lazy(r"(?:^|\s)(?:[A-Za-z_$][\w$]*)?(?:Exception|Error)(?: \[[A-Za-z_$][\w$]*\])?: (.*)")


def legacy_of_a_coded_stack(line: str, start: int, above: str, after: str) -> bool:
    """Whether a legacy code at `start` of `line` is the message of an error whose code a record
    prints on a line of its own: bunyan's CLI (the record's first line above holds `err.code=X`),
    pino-pretty (the record's line `[time] ERROR (pid): (10630) ...`, its `err` object below), or a
    stack header (`Error: (10630) ...`) whose last frame ends with a JSON object with a `"code"`
    (winston's printf of `${stack} ${JSON.stringify(meta)}`). That code's line reports it."""
    if line.startswith("    ") and _BUNYAN_STACK_HEAD.fullmatch(line) is not None:
        upper = _lines_above(above)[:1]
        at = upper[0].rfind(_BUNYAN_CODE_BEFORE) if upper else -1
        return at >= 0 and _CODE_NAME.match(upper[0], at + len(_BUNYAN_CODE_BEFORE)) is not None
    if _PINO_PRETTY_HEAD.fullmatch(line, 0, start) is not None:
        for below in _lines_below(after):  # its properties below, four spaces in: `    err: {`, ...
            if below.startswith("["):
                return False  # the next record
            code = _PRETTY_JSON_CODE.fullmatch(below)
            if code is not None and len(code.group(1)) > 4 and _CODE_NAME.fullmatch(code.group(2)) is not None:
                return True
        return False
    if not (line.endswith("Error: ", 0, start) or line.endswith("Exception: ", 0, start)):
        return False
    for below in _lines_below(after):
        if _STACK_LINE.match(below) is None:
            continue
        brace = below.rfind(" {")
        if brace >= 0 and _STACK_CODE.search(below, brace) is not None:
            return True
        if brace >= 0 and below.rstrip("\r").endswith("}"):
            return False
    return False


# pino-pretty's record line: `[time] LEVEL (pid): msg`, `[time] LEVEL (pid on host): msg`.
_PINO_PRETTY_HEAD = _lazy(r"\[[^\]\n]{1,64}\] [A-Z]{4,6} \([^)\n]{1,128}\): ")
_STACK_CODE = _lazy(r'"code":"[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*"')


def _pretty_text(value: tuple[bool, list[str]] | None) -> str | None:
    """A property's string value as the program held it: a JSON string, or util.inspect's string
    literal (`'...'`, its pieces joined with ` +` over lines); None if it is no string."""
    if value is None:
        return None
    quoted, pieces = value
    text = []
    for piece in pieces:
        piece = piece.rstrip(",").removesuffix(" +").rstrip(",")
        if len(piece) < 2 or piece[0] not in "'\"`" or piece[-1] != piece[0]:
            return None
        if quoted:
            try:
                got = _decoder().decode(piece)
            except ValueError:
                return None
        else:  # util.inspect's escapes are Python's; a string with both quotes is in backticks
            inner = piece[1:-1]
            triple = piece[0] == "`" and "'''" not in inner and inner[-1:] != "'"
            literal = "'''" + inner + "'''" if triple else piece
            got = _python_literal(literal)
            if got is literal:
                return None
        if not isinstance(got, str):
            return None
        text.append(got)
    return "".join(text)


def _node_object_above(finding: Finding, before: str) -> Finding:
    """`_with_node_object` from the lines above the code line alone, as util.inspect prints an error."""
    lines = before[-NODE_CONTEXT:].rsplit("\n", _NODE_SPLIT)
    indent = lines.pop()  # the start of the code's own line: its indentation (deeper when nested)
    rid: str | None = None
    message: str | None = None
    index = len(lines) - 1
    stop = max(-1, index - NODE_LOOKBACK)
    while index > stop:  # the properties, up to the line that opens the object
        line = lines[index].rstrip("\r")
        if line.startswith(indent) and _NODE_CONTINUED.match(line, len(indent)) is not None and len(indent) > 0:
            index -= 1  # a string property's line after its first, deeper (`    '    at ...\\n' +`)
            continue
        prop = _NODE_PROPERTY.match(line)
        if prop is None or prop.group(1) != indent or line.startswith("code:", prop.end(1)):
            break  # an object holds one `code`: a second one above is another object's (or a flood's)
        got = _NODE_REQUEST_ID.match(line)
        if got is not None and rid is None:
            rid = _clean(got.group(1))
        index -= 1
    if index > stop and lines[index].rstrip("\r").endswith("{"):
        while index > stop and _NODE_STACK.match(lines[index]) is not None and index > 0 and \
                _NODE_STACK.match(lines[index - 1]) is not None:
            index -= 1  # up the stack, to its first line
        if _NODE_STACK.match(lines[index]) is not None:
            index -= 1
        message = _node_message(lines, index, max(stop, index - NODE_MESSAGE_LINES))
    return with_legacy_message(finding._replace(message=message[:WINDOW] if message else None, request_id=rid))


NODE_MESSAGE_LINES: Final = 32  # lines of a message with newlines, above an error's stack


def _node_message(lines: list[str], index: int, stop: int) -> str | None:
    """The message of the header line (`Name [Error]: message`) at `index` or, for a message with
    newlines, a few lines above it: the header's text and the lines after it, to the stack."""
    for at in range(index, stop, -1):
        header = lines[at].rstrip("\r")
        for pattern in _NODE_HEADERS:
            got = pattern.search(header)
            if got is not None:
                first = got.group(1)
                # A nested error's lines are indented as its header is (`console.log({ err })`).
                pad = header[: len(header) - len(header.lstrip(" \t"))]
                rest = [line.rstrip("\r").removeprefix(pad) for line in lines[at + 1 : index + 1]]
                return "\n".join([first[:-2] if first.endswith(" {") else first, *rest]).strip() or None
    return None


def json_object(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the outermost JSON object on the line that holds `text[start:end]` (an error
    body), read from at most MAX_BRACES braces before it, within WINDOW; None when none is whole
    (a body cut short). So a line with two bodies reads each in its own braces."""
    line_start, line_end = _line_start(text, start), _line_end(text, end)
    if text.find("}", end, line_end) < 0:
        return None  # nothing closes after it: no object to read (a body cut short, a flood of them)
    found = None
    brace = start
    for _ in range(MAX_BRACES):
        brace = text.rfind("{", line_start, brace)
        if brace < 0:
            break
        try:
            _, length = _decoder().raw_decode(text[brace:line_end])
        except (ValueError, RecursionError):
            continue
        if brace + length < end:
            break  # an object before the code: those further back hold no more of it
        found = (brace, brace + length)
    return found


def _api3_json(match: re.Match[str], text: str) -> Finding | None:
    line_start = _line_start(text, match.start())
    if _ERROR_KEY.search(text, line_start, match.start()) is None:
        return None  # no error body: decided before any JSON is read (a line may hold 25,000 `"Code":`)
    line_start, line_end = json_object(text, match.start(), match.end()) or (line_start, _line_end(text, match.end()))
    if _ERROR_KEY.search(text, line_start, match.start()) is None:
        return None  # the `"Error": {` before it is another body's
    message = _API3_MESSAGE.search(text, line_start, line_end)
    rid = _API3_REQUEST_ID.search(text, line_start, line_end)
    start, end = match.span(1)
    return Finding(
        code=match.group(1), form=API3_JSON, start=start, end=end,
        message=_json_unescape(message.group(1)) if message else None,
        request_id=_clean(rid.group(1)) if rid else None,
    )


def _legacy_message(match: re.Match[str], text: str) -> Finding | None:
    start, end = match.span(1)
    body_start = match.end()
    quoted = match.start() > 0 and text[match.start() - 1] == '"'
    if not quoted and text.endswith("]: ", 0, match.start()) and _NODE_SDK_HEADER.search(
        text, max(_line_start(text, match.start()), match.start() - 128), match.start()
    ):
        # The message of a Node SDK error (`TencentCloudSDKHttpException [Error]: (10630) ...`):
        # the error's `code:` line below reports it, the legacy code as its module code.
        return None
    if not quoted and text.find("]: '", max(0, match.start() - 128), match.start()) >= 0 and _NODE_HIDDEN.fullmatch(
        text, _line_start(text, match.start()), match.start()
    ):
        return None  # the same message in util.inspect's hidden `[stack]` and `[message]`: the header's
    line_end = _line_end(text, body_start)
    # A single-quoted string is Python's repr or Node's util.inspect of a body (`{'code': 4000,
    # 'message': '(10630) key is not existed', ...}`): it ends at the next `'` (either writes a
    # string holding one in double quotes, or escapes it), not at the line's end.
    single = not quoted and match.start() > 0 and text[match.start() - 1] == "'"
    stop = text.find('"' if quoted else "'", body_start, line_end) if quoted or single else -1
    escaped = quoted and _escaped_quote(text, match.start() - 1)
    while quoted and not escaped and stop >= 0 and _escaped_quote(text, stop):
        # A JSON string ends at its closing quote, not at an escaped one inside it (`"(10630) key
        # \"k1\" gone"` read as `key \`); an escaped string (below) ends at its first.
        stop = text.find('"', stop + 1, line_end)
    if not quoted and not single and in_string(text, _line_start(text, match.start()), match.start()):
        # Inside a string opened before it on its line (a JSON record's `"message": "decrypt failed:
        # (10630) ..."`, logfmt's `msg="..."`): the message ends at the string's quote, unescaped,
        # not with the record's `", "levelname": ...}`.
        return _string_finding(match, text, string_message(text, body_start, line_end))
    if escaped:
        # An escaped string (`\"(10630) key is not existed\"`: a body logged inside a JSON string,
        # outside any value `Extractor._quoted` reads) ends at its quote without the `\` escaping it.
        quoted = False  # no body of this line's own JSON; unescaped once below
    message = text[body_start : stop if stop >= 0 else line_end]
    if escaped and stop >= 0:
        message = _json_unescape(message[: len(message) - _backslashes(text, stop)])
    message = (_json_unescape(message) if quoted else message).strip()  # stripped as it reads unescaped
    line_start = _line_start(text, match.start())
    body_start, body_end = (json_object(text, match.start(), end) if quoted else None) or (line_start, line_end)
    code = _LEGACY_JSON_CODE.search(text, body_start, body_end)
    fmt = LEGACY_MESSAGE
    error_code = code_desc = None
    if quoted and code is not None and _in_message_value(text, line_start, match.start()):
        fmt, error_code = LEGACY_JSON, int(code.group(1))
        desc = _LEGACY_JSON_DESC.search(text, body_start, body_end)
        code_desc = _json_unescape(desc.group(1)) if desc else None
    return Finding(
        code=match.group(1), form=fmt, start=start, end=end,
        message=message, request_id=_request_id_near(text, match.end()),
        module_code=int(match.group(1)), error_code=error_code, code_desc=code_desc,
    )


def in_string(text: str, line_start: int, at: int) -> bool:
    """Whether `text[at]` stands inside a double-quoted string opened before it on its line: an odd
    number of quotes (none escaped) from the line's start. Counted on from the last call's places
    where it asks of the same text further on (`_counted`)."""
    global _counted
    last, low, low_odd, high, high_odd = _counted
    if last is not text or line_start < low or at < high:
        low = high = line_start
        low_odd = high_odd = False
    # Two places move on through the text, each with whether an odd number of quotes stands
    # between the first line start asked of and it: the string is open where they differ.
    low_odd ^= _odd_quotes(text, low, line_start)
    high_odd ^= _odd_quotes(text, high, at)
    _counted = (text, line_start, low_odd, at, high_odd)
    return low_odd != high_odd


# Where `in_string` last counted to: its text, its line start and whether an odd number of quotes
# stood before it, its place and the same. A line's legacy codes are asked of in order, each with
# the start of its window (WINDOW before it, on a long line): a line of 100,000 codes that are in no
# string, among quotes (`"" (123) \u0041 ...`, each code read as an escaped letter's), is counted
# once, not a window a code.
_counted: tuple[str, int, bool, int, bool] = ("", -1, False, -1, False)


def _odd_quotes(text: str, start: int, end: int) -> bool:
    """Whether an odd number of unescaped quotes stands in `text[start:end]`."""
    odd = False
    quote = text.find('"', start, end)
    while quote >= 0:
        odd ^= not _escaped_quote(text, quote)
        quote = text.find('"', quote + 1, end)
    return odd


def string_message(text: str, body_start: int, line_end: int) -> str:
    """A legacy message inside a double-quoted string: to the string's closing quote (the line's end
    if none), unescaped as JSON escapes it."""
    stop = text.find('"', body_start, line_end)
    while stop >= 0 and _escaped_quote(text, stop):
        stop = text.find('"', stop + 1, line_end)
    return _json_unescape(text[body_start : stop if stop >= 0 else line_end]).strip()


def _string_finding(match: re.Match[str], text: str, message: str) -> Finding:
    """A legacy code inside a string, with its message (`string_message`)."""
    start, end = match.span(1)
    return Finding(code=match.group(1), form=LEGACY_MESSAGE, start=start, end=end, message=message,
                   request_id=_request_id_near(text, match.end()), module_code=int(match.group(1)))


def _backslashes(text: str, at: int) -> int:
    """How many backslashes stand right before `text[at]`."""
    before = at
    while before > 0 and text[before - 1] == "\\":
        before -= 1
    return at - before


def _escaped_quote(text: str, at: int) -> bool:
    """Whether the quote at `at` is escaped: an odd number of backslashes before it."""
    return _backslashes(text, at) % 2 == 1


def _python_sdk_matches(text: str, pos: int = 0) -> Iterator[re.Match[str]]:
    """The Python SDK's `[TencentCloudSDKException] code:X message:...`, tried only where a
    ` message:` follows within a code's reach (16 words of MAX_NAME): the regex, which reads up to
    16 words for the SDK's sentence codes, would read them after each of a line of 1 MB of
    `[TencentCloudSDKException] code:` with no message (0.4 s); the next ` message:` is found once
    for all the occurrences before it."""
    at = text.find(_PY_SDK_LITERAL, pos)
    message = -1  # where the next ` message:` stands (-1: not looked for yet, or before `at`)
    while at >= 0:
        code = at + len(_PY_SDK_LITERAL)
        if message < code:
            message = text.find(" message:", code)
            if message < 0:
                return
        if message - code <= _PY_SDK_CODE_REACH:
            match = _PY_SDK.match(text, at)
            if match is not None:
                yield match
                at = text.find(_PY_SDK_LITERAL, match.end())
                continue
        at = text.find(_PY_SDK_LITERAL, at + 1)


def _coded_matches(
    regex: re.Pattern[str], head: str, label: str,
) -> Callable[[str, int], Iterator[re.Match[str]]]:
    """A finder for a form written `{head}CODE{label}MESSAGE` whose code is one word (no space, `:`
    or `,`: neither the head nor the label can stand inside it), tried from its label, the rarer
    literal: only the last head before a label can start a match, and none before the label before
    it. A line of 20 MB of `code:` costs a search for ` message:`, not a regex at each `code:`."""
    def finder(text: str, pos: int = 0) -> Iterator[re.Match[str]]:
        low = pos  # where the next match may start: after the last one, and after the last label
        at = text.find(label, pos)
        while at >= 0:
            start = text.rfind(head, low, at)
            match = regex.match(text, start) if start >= 0 else None
            if match is not None:
                yield match
                low = match.end()
                at = text.find(label, low)
                continue
            low = max(low, at + 1)
            at = text.find(label, at + 1)

    return finder


def legacy_match(text: str, at: int, budget: list[int] | None = None) -> re.Match[str] | None:
    """`_LEGACY` at the `(` at `at`; or, in a double-quoted string, a code that a `\\uXXXX` escape
    stands before or begins the message of (`"...\\uff1a(10630) \\u5bc6..."`): the code the
    string unescaped holds, read so by `_legacy_message`, which unescapes its message. `budget`:
    how many more such escaped codes a text may have read (one taken here), MAX_ESCAPED_LEGACY a
    text: each costs microseconds (its string looked for), and a line of 200,000 of them seconds."""
    match = _LEGACY.match(text, at)
    if match is not None:
        return match
    match = _LEGACY_UNCHECKED.match(text, at)
    if match is None:
        return None
    if budget is not None:
        if budget[0] <= 0:
            return None
        budget[0] -= 1
    after = text.startswith("\\", match.end())
    if after and not escaped_letter(text, match.end()):
        return None  # `\\n`, `\\u0000`, `\\\\u5bc6`: no letter begins the message
    before = escaped_before(text, at)
    if before is None and not after:
        return None  # no escape either side: `_LEGACY` refused it as it stands
    if _NOT_BEFORE_LEGACY.match(text[at - 1 : at] if before is None else before) is not None:
        return None  # `.(10630)`, `\\u5931(10630)` (失): a word's character, `.` or `(` stands before it
    if text[at - 1 : at] == '"' or in_string(text, _line_start(text, at), at):
        return match
    return None  # no string's escape: the text holds a backslash there


def legacy_matches_at(text: str, places: Iterable[int]) -> list[re.Match[str]]:
    """`legacy_match` at each of `places` (a prefilter's `(`s), MAX_ESCAPED_LEGACY escaped codes at most."""
    budget = [MAX_ESCAPED_LEGACY]
    return [match for at in places
            if (match := legacy_match(text, at, budget) if budget[0] else _LEGACY.match(text, at)) is not None]


MAX_ESCAPED_LEGACY: Final = 64  # codes read through escapes a text (a record holds one or two)


def escaped_before(text: str, at: int) -> str | None:
    """The character that a `\\uXXXX` escape (a surrogate pair's two) ending at `at` stands for, or
    None where none ends there (an escaped backslash before the `u` is none)."""
    low = _unit_before(text, at)
    if low < 0:
        return None
    if 0xDC00 <= low < 0xE000:
        high = _unit_before(text, at - 6)
        if 0xD800 <= high < 0xDC00:
            return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    return chr(low)


def _unit_before(text: str, at: int) -> int:
    """The code unit of the `\\uXXXX` escape that ends at `at` (an odd number of backslashes before
    its `u`), else -1."""
    if at < 6 or text[at - 5] != "u" or _HEX4.fullmatch(text, at - 4, at) is None:
        return -1
    if _backslashes(text, at - 5) % 2 == 0:
        return -1  # `\\\\u5bc6`: an escaped backslash, then the text `u5bc6`
    return int(text[at - 4 : at], 16)


def escaped_letter(text: str, at: int, slashes: int = 1) -> bool:
    """Whether the JSON escape at `at` (`\\u5bc6`, or a surrogate pair's two), each `u` after
    `slashes` backslashes (2: escaped again, in a string inside a string), is of a letter."""
    lead = "\\" * slashes + "u"

    def unit(pos: int) -> int:
        if not text.startswith(lead, pos) or _HEX4.match(text, pos + len(lead)) is None:
            return -1
        return int(text[pos + len(lead) : pos + len(lead) + 4], 16)

    first = unit(at)
    if 0xD800 <= first < 0xDC00:  # a high surrogate: the letter is the pair's (`\\ud835\\udc00`)
        low = unit(at + len(lead) + 4)
        first = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00) if 0xDC00 <= low < 0xE000 else -1
    return first >= 0 and not 0xDC00 <= first < 0xE000 and _LETTER.match(chr(first)) is not None


def _legacy_matches(text: str, pos: int = 0) -> Iterator[re.Match[str]]:
    """Legacy codes, looked for from their `)` (`(10630) ...`): a `)` after 3, 5 or 6 digits and a
    `(`, before a letter, found at C speed; the regex tried only at the `(` of each. A regex that
    began at each `(` tried every one of a line of 20 MB of `(` (2.4 x an ordinary line)."""
    done = pos  # where the last match ended: the next starts there or after
    budget = [MAX_ESCAPED_LEGACY]
    closes = _LEGACY_CLOSE.finditer(text, pos)
    for close in closes:
        at = close.start()
        paren = at - 4 if text[at - 4] == "(" else at - 6 if text[at - 6] == "(" else at - 7
        if paren >= done:
            match = legacy_match(text, paren, budget)
            if match is not None:
                yield match
                done = match.end()
        if not budget[0]:  # no escaped code more: the `)`s before a letter alone, at C speed
            closes = _LEGACY_CLOSE_LETTER.finditer(text, at + 1)
            break
    for close in closes:
        at = close.start()
        paren = at - 4 if text[at - 4] == "(" else at - 6 if text[at - 6] == "(" else at - 7
        if paren >= done and (match := _LEGACY.match(text, paren)) is not None:
            yield match
            done = match.end()


# What ends a legacy code, the regex's `)` and after it, with the digits and the `(` before it (a
# letter after it, or an escape that `legacy_match` reads).
_LEGACY_CLOSE = _lazy(r"\)(?:(?<=\([0-9]{3}\))|(?<=\([0-9]{5}\))|(?<=\([0-9]{6}\)))[ ]?(?=[^\W\d_]|\\)")
_LEGACY_CLOSE_LETTER = _lazy(r"\)(?:(?<=\([0-9]{3}\))|(?<=\([0-9]{5}\))|(?<=\([0-9]{6}\)))[ ]?(?=[^\W\d_])")


_PY_SDK_LITERAL: Final = "TencentCloudSDKException] code:"
_PY_SDK_CODE_REACH: Final = 16 * (MAX_NAME + 1)  # a code of 16 words at most (the SDK's sentences)


def _legacy_json_bodies(text: str, pos: int = 0) -> Iterator[re.Match[str]]:
    """`"code": 4000, "message": ...`, looked for from its "message", the rarer key: a regex that
    began at each "code" would try every one of a line of 1 MB of `"code":`."""
    at = text.find('"message"', pos)
    while at >= 0:
        key = text.rfind('"code"', max(0, at - _CODE_BEFORE_MESSAGE), at)
        match = _LEGACY_JSON_PLAIN.match(text, key) if key >= 0 else None
        if match is not None:
            yield match
        at = text.find('"message"', max(at + 1, match.end() if match else 0))


_CODE_BEFORE_MESSAGE: Final = 64  # how far before its "message" a legacy body's "code" stands


def _legacy_json_plain(match: re.Match[str], text: str) -> Finding | None:
    start, end = match.span(1)
    body_start, body_end = json_object(text, start, end) or (_line_start(text, start), _line_end(text, match.end()))
    desc = _LEGACY_JSON_DESC.search(text, body_start, body_end)
    return Finding(
        code=match.group(1), form=LEGACY_JSON, start=start, end=end, message=_json_unescape(match.group(2)) or None,
        request_id=_request_id_near(text, match.end()), error_code=int(match.group(1)),
        code_desc=_json_unescape(desc.group(1)) if desc else None,
    )


def _bare_code(match: re.Match[str], text: str) -> Finding | None:
    found = _error_object(text, match.start(), match.group(0))
    if found is not None:  # a logged error object: pino's `err`, winston's record, JSON.stringify(err)
        error, brace = found
        message, rid = error.get("message"), error.get("requestId")
        if message is None:  # winston's simple(): `error: CMK is disabled. {"code":...}`, the message before
            simple = _WINSTON_SIMPLE.fullmatch(text, _line_start(text, brace), brace)
            message = simple.group(1) if simple is not None else None
        if message is None and isinstance(error.get("stack"), str):
            # winston's errors({stack: true}) with logstash() or metadata(): the message is not
            # beside the code, the stack is (`Error: CMK is disabled.\n    at ...`).
            message = _stack_message(error["stack"])
        finding = with_legacy_message(Finding(
            code=match.group(0), form=BARE_CODE, start=match.start(), end=match.end(),
            message=message[:WINDOW] if isinstance(message, str) else None,
            request_id=_request_id_token(rid) if isinstance(rid, str) else _request_id_near(text, match.end()),
        ))
        if finding.module_code is None and finding.message is not None:
            # The app's words before the SDK's message (winston's splat: `Decrypt failed: %s`):
            # a legacy code after them is still this error's, not one more on the line.
            legacy = _LEGACY_AFTER_WORDS.match(finding.message)
            if legacy is not None and ascii_number(legacy.group(1)) is not None:
                finding = finding._replace(module_code=int(legacy.group(1)))
        return finding
    after = text[match.end() : _line_end(text, match.end())]
    message = _AFTER_NAME.match(after)
    return Finding(
        code=match.group(0), form=BARE_CODE, start=match.start(), end=match.end(),
        message=message.group(1).strip() if message else None, request_id=_request_id_near(text, match.end()),
    )


_AFTER_NAME = _lazy(r"\s*(?::|-|,)\s+(\S.*)")  # `Code: message`, `Code - message`


_LEGACY_AFTER_WORDS = _lazy(r"[^(\n]{1,200}?: \(([0-9]{3,6})\) ")


def _stack_message(stack: str) -> str | None:
    """The message in a JavaScript error's `stack`: its first lines (`Name: message`, a message of
    several lines included), up to the first frame; None when it names the error only."""
    frame = _STACK_FRAME.search(stack, 0, WINDOW)
    head = _STACK_HEAD.match(stack, 0, frame.start() if frame is not None else min(len(stack), WINDOW))
    return head.group(1) if head is not None and head.group(1).strip() else None


_STACK_FRAME = _lazy(r"\n[ \t]+at ")
# `Error: message`, `TypeError: message`, `TencentCloudSDKHttpException [Error]: message`.
_STACK_HEAD = _lazy(r"[A-Za-z_$][\w$.]*(?: \[[A-Za-z_$][\w$]*\])?: (.*)", re.DOTALL)
# winston's simple() format: `level: message {"metadata":...}`, with npm's and syslog's levels.
_WINSTON_SIMPLE = _lazy(
    r"(?:error|warn|info|http|verbose|debug|silly|emerg|alert|crit|warning|notice): (\S.*?) "
)


_CODE_KEY_BEFORE = _lazy(r'"code"\s*:\s*"$')


@lru_cache(maxsize=1)
def _decoder() -> json.JSONDecoder:
    """json's decoder, imported when a line first needs it: a grep whose lines the compiled core
    reads never does (json compiles its patterns at import: 1.6 ms of every start)."""
    import json

    return json.JSONDecoder()

MAX_BRACES: Final = 8  # braces tried, going back from a `"code":"X"`, for the object that holds it


def _error_object(text: str, start: int, code: str) -> tuple[dict[str, Any], int] | None:
    """The JSON object on this line whose `"code"` is the code at `start` (a Node error as pino,
    winston or JSON.stringify log it, its message and requestId beside the code), and where it
    opens, else None. Read within the line and WINDOW, from at most MAX_BRACES braces before the code."""
    if _CODE_KEY_BEFORE.search(text, max(0, start - 16), start) is None:
        return None
    line_start, line_end = _line_start(text, start), _line_end(text, start)
    brace = start
    for _ in range(MAX_BRACES):
        brace = text.rfind("{", line_start, brace)
        if brace < 0:
            return None
        try:
            doc, _ = _decoder().raw_decode(text[brace:line_end])
        except (ValueError, RecursionError):
            continue
        if isinstance(doc, dict) and doc.get("code") == code:
            return doc, brace
    return None


def _in_message_value(text: str, line_start: int, paren: int) -> bool:
    return _MESSAGE_KEY_BEFORE.search(text[max(line_start, paren - 40) : paren]) is not None


_MESSAGE_KEY_BEFORE = _lazy(r'"message"\s*:\s*"$')


WINDOW: Final = 4096  # how far from a code its message, request ID and body are looked for
MAX_FINDINGS: Final = 100  # per text: a line with more is still selected, its first ones explained


def _line_end(text: str, pos: int) -> int:
    """The end of the line, or WINDOW characters on: what surrounds a code is read within bounds,
    so that a line of 100 MB with a code in it costs no more than its length."""
    end = text.find("\n", pos, pos + WINDOW)
    return min(len(text), pos + WINDOW) if end < 0 else end


def _line_start(text: str, pos: int) -> int:
    low = max(0, pos - WINDOW)
    return max(text.rfind("\n", low, pos) + 1, low)


def _request_id_near(text: str, pos: int) -> str | None:
    """A request ID on the line around `pos`, in any spelling (`RequestId=`, `request_id:`, ...)."""
    found = _request_ids(text, _line_start(text, pos), _line_end(text, pos))
    return _clean(next(found, None))


def _request_ids(text: str, low: int, high: int) -> Iterator[str]:
    """The request IDs of `text[low:high]` in order: found by a literal, then read by the regex,
    so that there is no scan per position."""
    if len(text) <= LOWERED_ONCE and text.isascii():  # lower() keeps every place: lowered once a text
        lowered = _lowered(text)
        at = lowered.find("request", low, high)
        while at >= 0:
            found = _REQUEST_ID_ANYWHERE.match(text, at, high)
            if found:
                yield found.group(1)
            at = lowered.find("request", at + 7, high)
        return
    window = text[low:high].lower()
    if len(window) != high - low:  # a letter lowered to two (`İ`): the places after it moved on
        yield from (found.group(1) for found in _REQUEST_ID_ANYWHERE.finditer(text, low, high))
        return
    at = window.find("request")
    while at >= 0:
        found = _REQUEST_ID_ANYWHERE.match(text, low + at, high)
        if found:
            yield found.group(1)
        at = window.find("request", at + 7)


LOWERED_ONCE: Final = 4 * WINDOW  # a longer text is lowered a window at a time (a few errors in 64 MB)
_last_lowered: tuple[str, str] = ("", "")  # the last text `_lowered` lowered, and its lowered copy


def _lowered(text: str) -> str:
    """A text lowered once for all its errors (a line of 100 lowered the 8 KB around each of them)."""
    global _last_lowered
    last = _last_lowered  # one tuple, replaced whole: a thread sees a text with its own copy
    if last[0] is not text:
        last = _last_lowered = (text, text.lower())
    return last[1]


def _own_request_id(text: str, start: int, pos: int) -> str | None:
    """The request ID of the error that starts at `start` (its code read up to `pos`): the first
    after its start on its line; else the first before it, unless another SDK error stands before
    it on the line (that ID is the other error's: two errors on one line each keep their own)."""
    low, high = _line_start(text, pos), _line_end(text, pos)
    after = next(_request_ids(text, start, high), None)
    if after is not None:
        return _clean(after)
    if ERROR_HEAD.search(text, low, start) is not None:
        return None
    return _clean(next(_request_ids(text, low, start), None))


# Where an error in an SDK's text form may begin (see `next_error`).
ERROR_HEAD: Final = _lazy(
    r"[\[\\]?TencentCloudSDK(?:Exception|Error)|RequestId=[^,\s]*, ErrorCode="
    r"|(?<![\w\]\\])code:[A-Za-z][\w.]* message:|(?<![\w.])Code: [A-Za-z][\w.]*, Message: "
)


def next_error(text: str, start: int, end: int) -> int:
    """Where the next error in an SDK's text form begins in `text[start:end]` (-1: none there), as
    its form's regex confirms: the forms whose message runs on to the line's end end it there, so
    that a second error on a line keeps its own message and request ID. The separators before it
    (` | `, `; `) are left out of the first one's text."""
    # Each head holds one of these: found by str.find first, so that a message without any (the
    # common case) costs no regex, which would try its alternatives at every position.
    first = end
    for literal in _HEAD_LITERALS:  # each searched only up to the earliest found so far
        at = text.find(literal, start, first + len(literal) - 1)
        if at >= 0:
            first = at
    if first == end:
        return -1
    confirm = _any_sdk_text().match  # whether any form's regex matches there: one call, not one a form
    for head in ERROR_HEAD.finditer(text, max(start, first - 1), end):
        at = head.start()
        if confirm(text, at) or confirm(text, at + 1):
            return before_separators(text, start, at)
    return -1


def before_separators(text: str, start: int, at: int) -> int:
    """Where the text of an error that the next one's start (`at`) ends stops: before the `[`
    that opens the next one and the separators between them (` | `, `; `), not before `start`."""
    if at > start and text[at - 1] in "[\\":
        at -= 1
    while at > start and text[at - 1] in _SEPARATORS:
        at -= 1
    return at


_SEPARATORS: Final = frozenset(" \t|/;,")
_HEAD_LITERALS: Final = ("TencentCloudSDK", "RequestId=", "code:", "Code: ")  # where each ERROR_HEAD begins


def _bracketed_rid(message: str) -> str | None:
    found = _BRACKETED_REQUEST_ID.search(message)
    return found.group(1) if found else None


def _json_unescape(value: str) -> str:
    if "\\" not in value:
        return value  # nothing escaped: the common case, without a JSON parse
    try:
        result = _decoder().decode('"' + value + '"')  # json.loads, less its checks of the argument
    except ValueError:
        return value
    return result if isinstance(result, str) else value


MAX_CODE_DIGITS: Final = 18  # far more than any code has; int() refuses more than 4,300 digits


def ascii_number(text: str | int) -> int | None:
    """The number that `text` spells in ASCII digits, else None: "²".isdigit() holds but int()
    refuses it, and int("٤٠٠٠") is 4000, yet neither is a code that any log or prefilter spells.
    A number of more than 18 digits is no code either: None, never an error, whatever the input."""
    if isinstance(text, int):
        return text if 0 <= text < 10**MAX_CODE_DIGITS else None
    if len(text) > MAX_CODE_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def body_finding(doc: dict[str, Any]) -> Finding | None:
    """The error of a parsed response body: API 3.0 (`Response.Error`, or `Error` alone) or legacy."""
    response = doc.get("Response", doc)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        error = response["Error"]
        code = error.get("Code")
        if isinstance(code, str) and code:
            message = error.get("Message")
            rid = response.get("RequestId", doc.get("RequestId"))
            return Finding(
                code=code, form=API3_JSON, start=0, end=0, message=message if isinstance(message, str) else None,
                request_id=rid if isinstance(rid, str) and rid else None,
            )
    raw_code = doc.get("code")
    if isinstance(raw_code, bool) or not isinstance(raw_code, (int, str)):
        return None
    number = ascii_number(raw_code)
    if not number:
        return None
    message = doc.get("message") if isinstance(doc.get("message"), str) else None
    desc = doc.get("codeDesc") if isinstance(doc.get("codeDesc"), str) else None
    legacy = _LEGACY_AT_START.match(message or "")
    if legacy is not None:
        module = legacy.group(1)
        return Finding(code=module, form=LEGACY_JSON, start=0, end=0, message=legacy.group(2).strip() or None,
                       module_code=int(module), error_code=number, code_desc=desc)
    return Finding(code=str(raw_code), form=LEGACY_JSON, start=0, end=0, message=message or None,
                   error_code=number, code_desc=desc)


# What Python's `\s` matches, as UTF-8 bytes within a line: ASCII spaces, \x1c-\x1f and (any byte
# of) Unicode's spaces.
_SPACE: Final = rb"[\t\x0b\x0c\r \x1c-\x1f\x80-\xff]*"

# For each structured form, a locator: a byte pattern (of Hyperscan's syntax and Python's) that
# matches wherever the form's regex can match in a line, and seldom anywhere else. Character
# classes are wider than the regexes' (`[^,\n]` where they say `\s`), as bytes do not know
# Unicode's spaces and letters, so that a locator never misses what its form finds.
LOCATORS: Final = {
    PYTHON_SDK: rb"TencentCloudSDKException\] code:[^\n]* message:",
    PYTHON_SDK_REPR: rb"TencentCloudSDKException\(",
    JAVA_SDK: rb"\[TencentCloudSDKException\]code: \S* message:",
    JAVA_SDK_OLD: rb"\[TencentCloudSDKException\]message:[A-Za-z]",
    GO_SDK: rb"\[TencentCloudSDKError\] Code=[^,\n]*, Message=",
    CPP_SDK: rb"RequestId=[^,\n]*, ErrorCode=[^,\n]*, ErrorMessage=",
    # Its code in at most 200 bytes before ` message:`, or longer: bounded, so that Hyperscan hangs
    # it on ` message:`, where `\S*` made it run from each of a line of 20 MB of `code:` (22 ns a byte).
    DOTNET_SDK: rb"code:[A-Za-z](?:[^\s:]{0,200} message:|[^\s:]{201})",
    CODE_MESSAGE: rb"Code: [A-Za-z]\S*, Message: ",
    NODE_SDK: rb"code: '",
    # Its `"Code"` escaped too (`\"Code\"`: a body logged as a JSON string), which the extractor
    # reads unescaped: a code no name literal finds (a team's own) is found there as well.
    API3_JSON: rb'"Code\\?"[^"\n]*"[A-Za-z]',
    # Without its `"code"`: a locator costs Hyperscan a check at each place its literal stands, so
    # it hangs on the rarest, and a line of 1 MB of `"code":` then costs no more than plain text.
    LEGACY_JSON: rb'[4-6][0-9]{3}"?' + _SPACE + rb',' + _SPACE + rb'"message"',
}
# Not a form: rich's exception line (`TencentCloudSDKException: [TencentCloudSDKException] ...`,
# the class's bare name), which rich wraps at its width: the scanner reads the lines below it, up
# to its request ID, and the extractor reads the last of them with the lines above it.
RICH_WRAPPED: Final = "rich-wrapped"
RICH_HEAD: Final = "TencentCloudSDKException:"
MAX_WRAPPED_LINES: Final = 32  # lines of one exception line that rich wrapped
MAX_FOLDS: Final = 3  # lines below its line that a request ID rich folded is read from: a column of 12 or more
WRAPPED_WINDOW: Final = 4096  # characters of them, indentation, padding and boxes included
LOCATORS[RICH_WRAPPED] = rb"TencentCloudSDKException:"
# rich's log record of an SDK error (RichHandler: `logger.exception("Decrypt failed: %s", e)`), its
# message wrapped at the message's column: the first line ends with the SDK's mark (then padding
# and the record's `file.py:NN` on the right), the error's text on the lines below, as far as its
# request ID. Read as rich's exception line is (`extract.Extractor._rich_wrapped`).
RICH_LOG_MARK: Final = "[TencentCloudSDKException]"
# A RichHandler record's first line: its time (left blank when the last record's was the same),
# its level, the message from the column after it.
# (RichHandler pads its level to 8 columns: `ERROR    `; an app's own `ERROR [trace] ...` line is none.)
RICH_LOG_RECORD: Final = _lazy(
    r"(?:\[[^\]\n]{1,64}\] +| *)(?:CRITICAL|ERROR   |WARNING |INFO    |DEBUG   |NOTSET  ) +(?=\S)")
_RICH_LOG_OPEN = _lazy(r"\[TencentCloudSDKException\](?![^\n]*requestId:)")


def rich_log_marked(text: str) -> bool:
    """Whether a line of `text` holds the SDK's mark (`RICH_LOG_MARK`) without the request ID that
    ends the SDK's text after it: where a RichHandler record's SDK text may go on below."""
    return _RICH_LOG_OPEN.search(text) is not None


def rich_log_column(line: str) -> int:
    """Where a RichHandler record's first line's message starts (0: not such a line)."""
    record = RICH_LOG_RECORD.match(line)
    return record.end() if record is not None else 0


def rich_log_message(line: str, column: int) -> str:
    """A RichHandler record's first line's message: from `column`, without the `file.py:NN` on the right."""
    content = line[column:].rstrip(" \t\r")
    path = _RICH_LOG_PATH.search(content)
    return (content[: path.start()] if path is not None else content).rstrip(" \t")


_RICH_LOG_PATH = _lazy(r" +(?:\S+\.py|<\w+>):\d+$")
# Not a form either: a journald entry whose MESSAGE is an array of byte values (not valid UTF-8),
# where no form's literal stands as text; envelopes.py reads it.
JOURNALD_BYTES: Final = "journald-bytes"
LOCATORS[JOURNALD_BYTES] = rb'"MESSAGE" ?: ?\['

LOCATED: Final = frozenset(LOCATORS)


class Form(NamedTuple):
    """One structured form: it runs only on text that holds its gate, which costs nanoseconds,
    where running every regex on every line costs microseconds."""

    name: str
    gate: str
    finder: _Finder
    builder: _Builder


# In priority order: a later form never reports text that an earlier one explained. Code names
# standing alone come last; the extractor adds that form, which depends on the names it knows.
FORMS: Final = (
    Form(PYTHON_SDK, "SDKException] code:", _python_sdk_matches, _python_sdk),
    Form(PYTHON_SDK_REPR, "SDKException(", _finditer(_PY_REPR), _python_sdk_repr),
    Form(JAVA_SDK, "SDKException]code: ", _finditer(_JAVA_SDK), _java_sdk),
    Form(JAVA_SDK_OLD, "SDKException]message:", _finditer(_JAVA_SDK_OLD), _java_sdk_old),
    Form(GO_SDK, "SDKError] Code=", _finditer(_GO_SDK), _go_sdk),
    Form(CPP_SDK, "ErrorCode=", _finditer(_CPP_SDK), _cpp_sdk),
    Form(DOTNET_SDK, "code:", _coded_matches(_DOTNET_SDK, "code:", " message:"), _dotnet_sdk),
    Form(CODE_MESSAGE, "Code: ", _coded_matches(_CODE_MESSAGE, "Code: ", ", Message: "), _code_message),
    Form(NODE_SDK, "code: '", _finditer(_NODE_CODE), _node_code),
    Form(API3_JSON, '"Code"', _finditer(_API3_CODE), _api3_json),
    Form(LEGACY_MESSAGE, "(", _legacy_matches, _legacy_message),
    Form(LEGACY_JSON, '"code"', _legacy_json_bodies, _legacy_json_plain),
)
# The forms of an SDK's text whose message runs on to its line's end (`message:(.{0,4096})`), and
# their regexes: `next_error` ends such a message where the next of them begins.
SDK_TEXT_FORMS: Final = {
    PYTHON_SDK: _PY_SDK, PYTHON_SDK_REPR: _PY_REPR, JAVA_SDK: _JAVA_SDK, JAVA_SDK_OLD: _JAVA_SDK_OLD,
    GO_SDK: _GO_SDK, CPP_SDK: _CPP_SDK, DOTNET_SDK: _DOTNET_SDK, CODE_MESSAGE: _CODE_MESSAGE,
}


@lru_cache(maxsize=1)
def _any_sdk_text() -> re.Pattern[str]:
    """Their regexes as one alternation, which matches at a place where any of them does (built at
    its first use, as each of them is)."""
    return re.compile("|".join(f"(?:{regex.pattern})" for regex in SDK_TEXT_FORMS.values()))
