#!/usr/bin/env python3
"""Write a deterministic application log with Tencent Cloud errors in every form, and decoys.

Each line is an ordinary-looking service log line; a fraction carries an error (--match-rate) in
one of ERROR_KINDS, a fraction carries a look-alike that must not be reported (--decoy-rate), and
a few carry bytes that are not valid UTF-8. The same arguments always give the same bytes, and
--stats prints exact counts, so a test or benchmark knows what a correct scanner reports.

    python benchmarks/loggen.py --size-mb 64 -o /tmp/kms.log --stats

No two lines repeat, as in a real log: every line has its own timestamp and request ID, and every
error or decoy line is rendered on its own, with its own code, message, key ID and request ID (a
cache keyed by line content would find nothing to reuse). Ordinary bodies come from a pool of
32,768 rendered once, so that 1 GiB takes about 30 seconds. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, TypeVar

MIB = 1 << 20
BLOCK_LINES = 4096
POOL = 1 << 15  # ordinary bodies rendered once; each line adds its own timestamp and request ID
EPOCH = 1715673600  # 2024-05-14T08:00:00Z
T = TypeVar("T")

SERVICES = ("order-svc", "billing", "auth-proxy", "uploader", "user-svc", "kms-client", "gateway", "ledger",
            "notify", "search", "cron", "payments")
REGIONS = ("ap-guangzhou", "ap-shanghai", "ap-beijing", "ap-singapore", "ap-chengdu", "ap-hongkong", "na-ashburn")
OPS = ("Encrypt", "Decrypt", "GenerateDataKey", "DescribeKey", "ScheduleKeyDeletion", "ReEncrypt", "SignByAsymmetricKey",
       "ListKeys", "EnableKey", "DisableKey", "GetPublicKey", "ImportKeyMaterial")
# Legacy module codes of the catalogue, with their messages (a few messages name the parameter).
LEGACY = ((10630, "key is not existed"), (10010, "lacked of required parameters"), (10650, "key is disabled"),
          (10250, "qps throttling"), (10320, "no such parameter {param}"), (10000, "invalid request parameters"),
          (10030, "authentication failed"), (10040, "charge overdue"), (10050, "server internal error"),
          (10110, "request parameters error"), (10280, "action is not existed"), (10350,
          "parameter value or length is out of range: {param}"), (10390, "lacked of required parameter {param}"),
          (10460, "exceed interface frequency limit, please slow down"), (10630, "key {key} is not existed"),
          (10650, "key {key} is disabled"))
PARAMS = ("KeyId", "Plaintext", "CiphertextBlob", "EncryptionContext", "KeySpec", "PendingWindowInDays", "Alias")
API3 = (
    ("ResourceUnavailable.CmkDisabled", "The CMK {key} has been disabled."),
    ("ResourceUnavailable.CmkNotFound", "The CMK {key} does not exist."),
    ("ResourceUnavailable.CmkArchived", "The CMK {key} is archived."),
    ("ResourceUnavailable.KeyPendingDelete", "Key {key} is pending deletion."),
    ("AuthFailure.SignatureFailure", "The provided credentials could not be validated."),
    ("AuthFailure.SignatureExpire", "Signature expired. Timestamp {ts} is older than 300 seconds."),
    ("AuthFailure.SecretIdNotFound", "SecretId {secret} is not found."),
    ("InvalidParameterValue.InvalidCiphertext", "密文格式错误。"),
    ("InvalidParameterValue.InvalidKeyId", "Invalid KeyId {key}."),
    ("InvalidParameter", "The parameter {param} is invalid."),
    ("UnsupportedOperation.NotUserCreatedCmk", "The CMK {key} was not created by the user."),
    ("LimitExceeded.CmkLimitExceeded", "CMK数量超过限制 ({n} keys in {region})."),
    ("FailedOperation.DecryptError", "解密失败 keyId={key}"),
    ("RequestLimitExceeded", "Request frequency exceeded the limit: {n} calls per second."),
    ("InternalError", "An internal error occurred, requestId {rid}."),
    ("InternalError.SendAndRecvFail", "send and receive failed after {n} ms"),  # not in any catalogue
    ("ClientNetworkError", "network error: dial tcp 10.{a}.{b}.{c}:443: i/o timeout"),
)

Render = Callable[[random.Random], str]
# Picks a code and its message template: uniform here; benchmarks/incident_log.py weights one code (a storm).
Pick = Callable[[random.Random], tuple[T, str]]


def _any_api3(rng: random.Random) -> tuple[str, str]:
    return rng.choice(API3)


def _any_legacy(rng: random.Random) -> tuple[int, str]:
    return rng.choice(LEGACY)


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _fill(rng: random.Random, message: str) -> str:
    """A message with its variable parts filled: every occurrence of an error reads differently."""
    if "{" not in message:
        return message
    return message.format(
        key=_uuid(rng), param=rng.choice(PARAMS), region=rng.choice(REGIONS), n=rng.randrange(2, 100000),
        ts=EPOCH + rng.randrange(86400), secret=f"AKID{rng.getrandbits(96):024x}", rid=_uuid(rng),
        a=rng.randrange(256), b=rng.randrange(256), c=rng.randrange(256),
    )


def _api3(rng: random.Random, pick: Pick[str] = _any_api3) -> tuple[str, str, str, str]:
    code, message = pick(rng)
    return code, _fill(rng, message), _uuid(rng), rng.choice(OPS)


def _legacy(rng: random.Random, pick: Pick[int] = _any_legacy) -> tuple[int, str, str]:
    code, message = pick(rng)
    return code, _fill(rng, message), rng.choice(OPS)


def _legacy_json(rng: random.Random, pick: Pick[int] = _any_legacy) -> str:
    code, message, op = _legacy(rng, pick)
    group = rng.choice((4000, 4100, 4530, "\"4550\""))
    if rng.random() < 0.5:
        return f'kms-client: legacy {op} returned {{"code":{group},"message":"({code}){message}","codeDesc":"InvalidParameter"}}'
    return f'kms-client: legacy {op} returned {{"code": {group}, "message": "({code}) {message}", "codeDesc": "KeyNotExist"}}'


def _api3_json(rng: random.Random, pick: Pick[str] = _any_api3) -> str:
    code, message, rid, op = _api3(rng, pick)
    shape = rng.randrange(3)
    if shape == 0:
        body = f'{{"Response":{{"Error":{{"Code":"{code}","Message":"{message}"}},"RequestId":"{rid}"}}}}'
    elif shape == 1:
        body = f'{{"Response": {{"Error": {{"Code": "{code}", "Message": "{message}"}}, "RequestId": "{rid}"}}}}'
    else:
        body = f'{{"Error":{{"Code":"{code}","Message":"{message}"}},"RequestId":"{rid}"}}'
    return f"kms-client: {op} response {body}"


def _sdk(template: str, pick: Pick[str] = _any_api3) -> Render:
    def render(rng: random.Random) -> str:
        code, message, rid, op = _api3(rng, pick)
        return template.format(code=code, message=message, rid=rid, op=op, key=_uuid(rng), region=rng.choice(REGIONS))

    return render


SDK_EXCEPTION = "[TencentCloudSDKException] code:{code} message:{message} requestId:{rid}"
PYTHON_SDK = "kms-client: {op} raised " + SDK_EXCEPTION
# Kinds of lines that carry exactly one error each.
ERROR_KINDS: dict[str, Render] = {
    "legacy_message": lambda r: '{2}: failed keyId={3} "message": "({0}) {1}"'.format(*_legacy(r), _uuid(r)),
    "legacy_nospace": lambda r: "kms-client: request rejected: ({}){} action={}".format(*_legacy(r)),
    "legacy_unknown": lambda r: f"kms-client: failed: ({r.randrange(100000, 1000000)}) incorrect projectId {r.randrange(1, 10**7)}",
    "legacy_json": _legacy_json,
    "api3_json": _api3_json,
    "python_sdk": _sdk(PYTHON_SDK),
    "go_sdk": _sdk("kms-client: {op}: [TencentCloudSDKError] Code={code}, Message={message}, RequestId={rid}"),
    "java_sdk": _sdk("c.t.kms.Client - [TencentCloudSDKException]code: {code} message:{message} requestId:{rid}"),
    "java_sdk_old": _sdk("c.t.kms.Client - [TencentCloudSDKException]message:{code}-{message} requestId:{rid}"),
    "dotnet_sdk": _sdk("Kms.Client: message：code:{code} message:{message} requestId{rid}"),
    "node_sdk": _sdk("  code: '{code}'"),
    "cpp_sdk": _sdk("kms: RequestId={rid}, ErrorCode={code}, ErrorMessage={message}"),
    "bare_code": _sdk("kms-client: {op} key={key} region={region} failed: {code}: {message} request_id={rid}"),
}

# Look-alikes that must not be reported.
DECOY_KINDS: dict[str, Render] = {
    "paren_4_digits": lambda r: f"billing: processed batch ({r.randrange(1000, 10000)}) items in {r.randrange(1, 99)}s",
    "paren_7_digits": lambda r: f"order-svc: order ({r.randrange(10**6, 10**7)}) shipped to {r.choice(REGIONS)}",
    "phone_number": lambda r: f"sms: delivered to ({r.choice(('010', '021', '0755'))}) {r.randrange(10**7, 10**8)}",
    "version_string": lambda r: r.choice((
        f"kms-client: sdk=tencentcloud-sdk-python/3.0.{r.randrange(100, 1300)} python/3.11.{r.randrange(10)}",
        f"gateway: build (1.0.{r.randrange(10000, 99999)}) commit={r.getrandbits(28):07x} ready",
        f"agent: upgraded v{r.randrange(10000, 99999)}.2.1 -> v{r.randrange(10000, 99999)}.0.0 (rev {r.randrange(100000, 999999)}b)",
    )),
    "success_body": lambda r: r.choice((
        f'kms-client: legacy ok {{"code":0,"message":"","codeDesc":"Success","keyId":"{_uuid(r)}"}}',
        f'kms-client: response {{"Response":{{"KeyId":"{_uuid(r)}","RequestId":"{_uuid(r)}"}}}}',
    )),
    "code_in_prose": lambda r: r.choice((
        f"deploy: the error code table was updated, see code review {r.randrange(1, 5000)}",
        f"auth: enter the code: {r.randrange(100000, 999999)} to continue",
        f'web: {{"id":{r.randrange(1, 10**6)},"note":"({r.randrange(1000, 10000)}) ok","Code":"none"}}',
    )),
    "other_software": lambda r: r.choice((
        f"s3: botocore.exceptions.ClientError: An error occurred (AccessDenied) on {_uuid(r)}",
        f"java: com.example.ResourceUnavailableException: pool {r.randrange(1, 64)} exhausted",
        "docs: see docs/InvalidParameter.md and kms.AuthFailure.handler",
    )),
}

INVALID_UTF8 = (
    b'uploader: stored name="caf\xe9-menu.pdf" size=20311',
    b"uploader: header X-Trace=\xff\xfejunk",
    b"user-svc: nickname=\xe5\xb0\x8f\xe6 (cut mid-character)",
    b"gateway: raw=\xc0\xaf overlong",
    b"billing: memo=\x80\x81\x82 stray continuation bytes",
)


def _ordinary(rng: random.Random) -> str:
    svc = rng.choice(SERVICES)
    n = rng.randrange(10)
    if n < 3:
        return (f"{svc}: {rng.choice(('GET', 'POST', 'PUT', 'DELETE'))} /api/v{rng.randrange(1, 3)}/"
                f"{rng.choice(('items', 'orders', 'users', 'invoices', 'keys'))}/{rng.randrange(1, 99999)} "
                f"{rng.choice((200, 200, 201, 204, 304, 404, 500))} {rng.randrange(1, 900)}ms "
                f"ip=10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)} bytes={rng.randrange(80, 60000)}")
    if n == 3:
        event = {"event": rng.choice(("order.paid", "user.login", "key.rotated", "invoice.created")),
                 "id": f"evt_{rng.getrandbits(40):010x}", "amount": rng.randrange(100, 99999)}
        return f"{svc}: event {json.dumps(event, separators=(',', ':'))}"
    if n == 4:
        return f"kms-client: {rng.choice(OPS)} ok region={rng.choice(REGIONS)} keyId={_uuid(rng)}"
    if n == 5:
        return (f"{svc}: retrying after error: connection reset "
                f"(at com.example.Pool.borrow(Pool.java:{rng.randrange(40, 400)}))")
    if n == 6:
        return f'user-svc: 用户登录成功 uid={rng.randrange(1, 10**6)} nickname="小明{rng.randrange(100)}"'
    if n == 7:
        return (f"{svc}: query ok table={rng.choice(('orders', 'users', 'ledger', 'keys'))} "
                f"rows={rng.randrange(500)} elapsed={rng.randrange(1, 400) / 10}ms")
    if n == 8:
        return f"{svc}: cache hit key=user:{rng.randrange(1, 10**6)} ttl={rng.choice((60, 300, 3600))}s"
    return f"{svc}: heartbeat seq={rng.getrandbits(20)} heap={rng.randrange(10, 900)}MiB gc={rng.randrange(1, 90) / 100}ms"


class Clock:
    """The log's time: on by `step` (0-7) ms a line; the second's text is rendered once a second."""

    def __init__(self) -> None:
        self.second, self.ms = EPOCH, 0
        self.stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.second)).encode()
        self.now = b"%s.000Z" % self.stamp

    def tick(self, step: int) -> bytes:
        self.ms += step
        if self.ms >= 1000:
            self.ms -= 1000
            self.second += 1
            self.stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.second)).encode()
        self.now = b"%s.%03dZ" % (self.stamp, self.ms)
        return self.now


def lines(size: int, match_rate: float, decoy_rate: float, invalid_rate: float, seed: int,
          long_line: int = 0) -> Iterator[tuple[str, bytes]]:
    """Yield (kind, line without its newline) until about `size` bytes; kind is "ordinary" for the rest."""
    rng = random.Random(seed)
    ordinary = [_ordinary(rng).encode() for _ in range(POOL)]
    levels = (b"INFO ", b"INFO ", b"INFO ", b"DEBUG", b"WARN ")
    errors = list(ERROR_KINDS.items())
    decoys = list(DECOY_KINDS.items())
    t_match = int(match_rate * 2**32)
    t_decoy = t_match + int(decoy_rate * 2**32)
    t_invalid = t_decoy + int(invalid_rate * 2**32)
    getrandbits = rng.getrandbits
    tick = Clock().tick
    written = 0
    long_pending = long_line > 0
    while written < size:
        x = getrandbits(64)
        now = tick(x & 7)
        category = x >> 32
        rid = getrandbits(64)  # each line's own request ID
        if category < t_match:
            kind, render = errors[(x >> 3 & 0xFFFF) % len(errors)]
            level, body = b"ERROR", render(rng).encode()
        elif category < t_decoy:
            kind, render = decoys[(x >> 3 & 0xFFFF) % len(decoys)]
            level, body = b"INFO ", render(rng).encode()
        elif category < t_invalid:
            kind, level, body = "invalid_utf8", b"WARN ", INVALID_UTF8[(x >> 3 & 0xFFFF) % len(INVALID_UTF8)]
        else:
            kind, level, body = "ordinary", levels[x >> 19 & 3], ordinary[x >> 3 & 0x7FFF]
        line = b"%s %s [%016x] %s" % (now, level, rid, body)
        written += len(line) + 1
        yield kind, line
        if long_pending and written >= (size - long_line) // 2:
            long_pending = False
            item = b'{"id":12345,"sku":"A-1","note":"(1234) ok"}'
            head = b"%s ERROR [%016x] gateway: upstream body={\"items\":[" % (now, getrandbits(64))
            tail = b'],"code":4000,"message":"(10630) key is not existed"}'
            count = max(1, (long_line - len(head) - len(tail)) // (len(item) + 1))
            line = head + b",".join([item] * count) + tail
            written += len(line) + 1
            yield "long_line", line


def write_lines(out: BinaryIO, items: Iterable[tuple[str, bytes]],
                progress: Callable[[int], None] | None = None) -> tuple[Counter[str], int]:
    """Write (kind, line) items in blocks; return the count of each kind and the bytes written."""
    counts: Counter[str] = Counter()
    block: list[bytes] = []
    written = 0
    for kind, line in items:
        counts[kind] += 1
        block.append(line)
        if len(block) == BLOCK_LINES:
            chunk = b"\n".join(block) + b"\n"
            out.write(chunk)
            written += len(chunk)
            block = []
            if progress is not None:
                progress(written)
    if block:
        chunk = b"\n".join(block) + b"\n"
        out.write(chunk)
        written += len(chunk)
    return counts, written


def write(out: BinaryIO, progress: Callable[[int], None] | None = None, **options: float | int) -> dict[str, object]:
    """Write the log; return exact counts of every kind. `progress` hears the bytes written so far."""
    counts, written = write_lines(out, lines(**options), progress)  # type: ignore[arg-type]
    matching = sum(counts[k] for k in ERROR_KINDS) + counts["long_line"]
    return {
        "bytes": written,
        "lines": sum(counts.values()),
        "matching_lines": matching,
        "by_kind": {k: counts[k] for k in (*ERROR_KINDS, "long_line")},
        "decoy_lines": {k: counts[k] for k in DECOY_KINDS},
        "invalid_utf8_lines": counts["invalid_utf8"],
    }


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--size-mb", type=float, required=True, help="about this many MiB")
    parser.add_argument("--match-rate", type=_rate, default=0.01, help="fraction of error lines (0.01)")
    parser.add_argument("--decoy-rate", type=_rate, default=0.01, help="fraction of look-alike lines (0.01)")
    parser.add_argument("--invalid-utf8-rate", type=_rate, default=0.0001, help="fraction of invalid UTF-8 lines")
    parser.add_argument("--long-line-mb", type=float, default=0.0, help="add one line of this many MiB, ending in an error")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", help="output file (default: standard output)")
    parser.add_argument("--stats", action="store_true", help="print exact counts as JSON on standard error")
    args = parser.parse_args(argv)
    options = {
        "size": int(args.size_mb * MIB), "match_rate": args.match_rate, "decoy_rate": args.decoy_rate,
        "invalid_rate": args.invalid_utf8_rate, "seed": args.seed, "long_line": int(args.long_line_mb * MIB),
    }
    out = open(args.output, "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
    try:
        stats = write(out, **options)
        out.flush()
    except BrokenPipeError:
        return 0
    finally:
        if args.output:
            out.close()
    if args.stats:
        print(json.dumps(stats, indent=2, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
