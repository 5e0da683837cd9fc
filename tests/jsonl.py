"""JSON-lines records that hold SDK error text in a string value, as Hypothesis draws them: the
shapes loggers write (python-json-logger, zap, logrus, structlog), escapes of every kind JSON and
Python allow (`\\uXXXX` in either case, surrogate pairs and lone halves, `\\"`, `\\\\`, `\\n`, and
some no JSON reader takes), odd keys, two errors, quotes in quotes, long values, invalid UTF-8.
Both cores must read each exactly as `Extractor.find` does (tests/test_core.py, tests/test_native.py)."""

from __future__ import annotations

from hypothesis import strategies as st

CODES = ["ResourceUnavailable.CmkDisabled", "FailedOperation.DecryptError", "InvalidParameter", "LimitExceeded",
         "ClientNetworkError", "Bogus.Code", "none", "", "InvalidParameter (10630)", "AuthFailure.X1"]
MESSAGES = ["解密失败", "CMK数量超过限制 (99155 keys in ap-beijing).", "The CMK is disabled.", "a \"q\" b",
            "x\\y", "line\nbreak", "tab\there", "(10630) key is not existed", "see InvalidParameter",
            "code:X message:y", "Code: A, Message: b", "None", "", "é\u2028\U0001f600", "\x00\x1f\x7f",
            "{\"Response\": {\"Error\": {\"Code\": \"InvalidParameter\"}}}", "k='v'", "[request id:rid-9]", "bad \udcfe\udcff bytes",
            "m" * 4100]
REQUEST_IDS = ["416beca5-e58e-4642-a2f2-83af5292b173", "None", "", "rid\"}", "x y", "%!d(string=abc-123)"]
KEYS = ["error", "err", "msg", "message", "exception", "exc_info", "Code", "code", "SDK", "MESSAGE", "log",
        "k\\\"ey", "错误", "request_id", "TencentCloudSDKException] code:"]
SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f",
                 "/": "\\/"}
STRAY = ["\\ud800", "\\udc00", "\\uDFFF", "\\ud83d", "\\x41", "\\q", "\\u12", "\\U0001F600", "\\0", "\\'",
         "\\u0022", "\\u005c", "\\u0054encentCloudSDK", "\\u0000", "\\u000a"]


@st.composite
def escaped(draw: st.DrawFn, text: str) -> str:
    """`text` as a JSON string's contents (without its quotes), each character written plainly
    where JSON allows it or escaped, in one of the ways a logger may escape it; stray escapes between."""
    style = draw(st.sampled_from(["plain", "ascii", "upper", "mixed"]))
    out = []
    for char in text:
        point = ord(char)
        if style == "mixed" and draw(st.booleans()):
            out.append(draw(st.sampled_from(STRAY)))
        if char in SHORT_ESCAPES and (char in '"\\\n\r' or draw(st.booleans())):
            out.append(SHORT_ESCAPES[char])
        elif point < 0x20 or (style != "plain" and point > 0x7E) or (style == "mixed" and draw(st.booleans())):
            if point > 0xFFFF:  # a surrogate pair, as JSON writes it
                point -= 0x10000
                units = [0xD800 + (point >> 10), 0xDC00 + (point & 0x3FF)]
            else:
                units = [point]
            hex_format = "\\u%04X" if style == "upper" else "\\u%04x"
            out.extend(hex_format % unit for unit in units)
        else:
            out.append(char)
    return "".join(out)


@st.composite
def sdk_text(draw: st.DrawFn) -> str:
    code, message, rid = draw(st.sampled_from(CODES)), draw(st.sampled_from(MESSAGES)), draw(st.sampled_from(REQUEST_IDS))
    before = draw(st.sampled_from(["", "", "kms: ", "Decrypt failed: ", "  ", "Error ", "(10650) ", "x=\""]))
    after = draw(st.sampled_from(["", "", " ", ".", " (retry 2)", " InvalidParameter", "\"", "\n  at x"]))
    return f"{before}[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}{after}"


@st.composite
def value(draw: st.DrawFn) -> str:
    """A string value, quotes and all: SDK text (mostly), or an ordinary or tricky one."""
    text = draw(st.one_of(
        sdk_text(), sdk_text(),
        st.sampled_from(["GetPublicKey failed", "ap-chengdu", "InvalidParameter", "(10280) action is not existed",
                         "x [TencentCloudSDKException] code:A", "\\", "=", "'", "a='b'", "ErrorCode=1", "Code: ",
                         "", "\U0001f600"]),
    ))
    return '"' + draw(escaped(text)) + '"'


@st.composite
def record(draw: st.DrawFn) -> str:
    """A JSON-lines record (a line, not always valid JSON): fields of string values, numbers and nested objects."""
    fields = []
    for _ in range(draw(st.integers(1, 6))):
        key = draw(st.sampled_from(KEYS))
        colon = draw(st.sampled_from([":", ": ", " : "]))
        item = draw(st.one_of(value(), value(), st.sampled_from(["4000", "null", "true", '{"Code":"X"}', "[1,2]"])))
        fields.append(f'"{key}"{colon}{item}')
    separator = draw(st.sampled_from([",", ", "]))
    body = "{" + separator.join(fields) + "}"
    head = draw(st.sampled_from(["", "", "", "\x1e", "2024-05-14T08:00:00.016Z ", "level=error err=", "  ", "{\"log\":"]))
    tail = draw(st.sampled_from(["", "", " ", "\r", "\udcff", "}"]))
    return head + body + tail


def line_bytes(lines: list[str]) -> bytes:
    """Lines as a block of bytes: lone surrogates as the invalid UTF-8 they stand for."""
    return "\n".join(lines).encode("utf-8", "surrogateescape") + b"\n"


@st.composite
def common_record(draw: st.DrawFn) -> str:
    """A record as the incident's loggers write it, its error value escaped in any way: what the fast
    readers must read themselves (with `record`'s odd ones, what they must decline or read alike)."""
    code, message, rid = draw(st.sampled_from(CODES)), draw(st.sampled_from(MESSAGES)), draw(st.sampled_from(REQUEST_IDS))
    error = draw(escaped(f"[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}"))
    msg = draw(st.sampled_from(["GetPublicKey failed", "Decrypt (retry 2)", "InvalidParameter", "é", "a\\\"b"]))
    fields = [f'"time":"2024-05-14T08:00:01.127Z","level":"error","request_id":"1e36af7c458a96b5","msg":"{msg}"',
              f'"error":"{error}"', '"region":"ap-chengdu"']
    order = draw(st.permutations(fields))
    return "{" + ",".join(order) + "}"


records = st.one_of(common_record(), record())
