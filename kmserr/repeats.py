"""One error, one count: the error a traceback's last line raises, told a few lines above.

`logger.exception("Decrypt failed: %s", e)` writes the error twice: in its log line and in its
traceback's last line (`tencentcloud...TencentCloudSDKException: [TencentCloudSDKException] ...`);
a wrapping exception (`raise DecryptError(f"...: {e}") from e`) and rich's console do likewise.
grep prints every such line, as it must; `--summary` and `--timeline` count errors, so a
traceback's last line (Python's, indented by rich) that raises an error a line just above told is
not counted again: the same code and request ID (a chain's cause and wrapper too); without a
request ID, the same code and message told by a log line, not by another traceback (two
tracebacks that raise `code:JSONDecodeError ... requestId:None` are two errors), but by the
SDK's exception on the line just above a wrapper's (an app's class whose message holds its text). Only there: the
same request ID on two ordinary lines counts twice, as logs that repeat one canned error body
(load tests, generators) expect.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, Final

from .forms import Finding
from .scan import Hit

_INDENTED: Final = " \t_"  # a first character of a line that raises again that is no letter (`_raises`)
# How many lines with errors below the line that told an error its traceback's last line may be
# (the log line, the cause's last line, a wrapper's: a chain of exceptions is a few).
NEAR: Final = 16


class Repeats:
    """The last lines with errors of a file, for the tracebacks below them: only a traceback's
    last line looks back at them (a line's cost otherwise: a look at its first character)."""

    def __init__(self) -> None:
        self._recent: deque[Hit] = deque(maxlen=NEAR)

    @classmethod
    def after(cls, above: Iterable[Hit]) -> Repeats:
        """Repeats that know the lines above a part of a file (the last NEAR of them count)."""
        repeats = cls()
        repeats._recent.extend(above)
        return repeats

    def once(self, hit: Hit) -> Hit:
        """The line with the errors it raises again taken out (itself when none was)."""
        recent, first = self._recent, _app_text(hit)[:1]
        if not (first.isalpha() or first in _INDENTED or _wrapped(hit)) or not recent or not _raises(hit):
            recent.append(hit)  # most lines: a time, a record's `{` or a level's `[` first
            return hit
        cause = recent[-1]
        kept = [finding for finding in hit.findings if not _told(finding, recent) and not _wraps(hit, finding, cause)]
        recent.append(hit)  # with all its errors: a chain's wrapper raises what its cause did
        return hit if len(kept) == len(hit.findings) else hit._replace(findings=tuple(kept))


def _told(finding: Finding, recent: deque[Hit]) -> bool:
    """Whether a line above told the error: the same code and request ID (any line: a request ID is
    one request's); without one, the same code and message told by a log line, not by a traceback
    (two tracebacks that raise `code:JSONDecodeError ... requestId:None` are two errors)."""
    code, request_id, message = finding.code, finding.request_id, finding.message
    if request_id is None and message is None:
        return False
    for earlier in recent:
        for told in earlier.findings:
            if told.code != code or told.request_id != request_id:
                continue
            if request_id is not None:
                return True
            if told.message == message and not _raises(earlier):
                return True
    return False


def _wraps(hit: Hit, finding: Finding, cause: Hit) -> bool:
    """Whether a traceback's last line of an app's own class raises again, without a request ID, the
    SDK's error that the line just above raised (`raise DecryptFailed(f"...: {e}") from e`: the
    cause's traceback, then the wrapper's, whose message holds the SDK's text): a chain's one error.
    Two tracebacks that each raise the SDK's own class stay two errors."""
    if finding.request_id is not None or finding.message is None or _wrapped(hit) or _wrapped(cause):
        return False  # (rich's wrapped lines: their classes stand on the lines above)
    wrapper, raised = _raised_class(_app_text(hit)), _raised_class(_app_text(cause))
    if not wrapper or wrapper.endswith(_SDK_CLASS) or not raised.endswith(_SDK_CLASS):
        return False
    return any(told.code == finding.code and told.message == finding.message and told.request_id is None
               for told in cause.findings)


_SDK_CLASS: Final = "TencentCloudSDKException"


def _raised_class(text: str) -> str:
    """The class a traceback's last line raises (`pkg.module.Name` of `pkg.module.Name: ...`), or ""."""
    start = len(text) - len(text.lstrip(" \t"))
    match = _raised().match(text, start)
    return text[start : match.end()].rstrip(": \t") if match is not None else ""


def _raises(hit: Hit) -> bool:
    """Whether a line raises an error again: a traceback's last line (an exception's class, then `: `,
    after rich's indentation), or the last line of a text rich wrapped (`extract.raised_again`)."""
    if _wrapped(hit):
        return True
    text = _app_text(hit)
    first = text[:1]
    if first in (" ", "\t"):
        start = len(text) - len(text.lstrip(" \t"))
        first = text[start : start + 1]
    else:
        start = 0
    if not (first.isalpha() or first == "_"):  # a time, a record's `{`, a level's `[`: most lines
        return False
    return _raised().match(text, start) is not None


def _wrapped(hit: Hit) -> bool:
    """Whether a line is the last of an exception line that rich wrapped: its code stands above, an
    empty span here (`extract.raised_again`). It begins with whatever rich broke the text at (a word,
    a quote, a digit: `111] Connection refused")) requestId:None`), indented or not (structlog's
    console writes it at the margin); a journald MESSAGE of bytes, whose spans are empty too, is not.
    In a platform's record the span is placed on the record's character there: the code is not in
    the record's text."""
    text: str | None = None
    for finding in hit.findings:
        if finding.envelope is None:
            if finding.start == finding.end:
                return True
        elif finding.envelope != _JOURNALD:
            text = _app_text(hit) if text is None else text
            if finding.code not in text:
                return True
    return False


def _app_text(hit: Hit) -> str:
    """The line as the app wrote it: the text of its platform's envelope (a Docker or CRI record, a
    syslog line, a journald entry), in which a traceback's last line raises the error its log line
    told, as in the app's own file; most lines are in none, and cost a look at their findings."""
    for finding in hit.findings:
        if finding.envelope is not None:
            from .envelopes import open_line

            record = open_line(hit.text, finding.envelope)
            return record.text if record is not None else hit.text
    return hit.text


_JOURNALD: Final = "journald"  # envelopes.JOURNALD, not imported by grep's start


def _raised() -> Any:
    """extract's pattern of a raised exception's line, imported when first needed (grep's start does not)."""
    global _RAISED
    if _RAISED is None:
        from .extract import RAISED

        _RAISED = RAISED
    return _RAISED


_RAISED: Any = None
