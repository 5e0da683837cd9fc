"""Capture what the real Tencent Cloud clients print for KMS errors, as kmserr's test fixtures.

Starts a fake KMS on 127.0.0.1 (a random port) that answers API 3.0 errors, a 502 with HTML, a 500
with an API 3.0 body, a 200 that is not JSON, a reply slower than the client's timeout, and points
each client at it (a closed port gives a refused connection). What each client prints is written to
tests/data/clients/<client>-<version>/<output form>.txt, and what each occurrence must read as
(code, message, request ID: taken from what the fake server sent, never from kmserr) to
expected.json beside it (with what the server sent).

Clients: the Python SDK (the test dependency, always), tccli and the Node SDK when installed:

    python -m venv /tmp/tccli && /tmp/tccli/bin/pip install tccli
    mkdir /tmp/tcnode && (cd /tmp/tcnode && npm install tencentcloud-sdk-nodejs)
    python scripts/capture_clients.py --tccli /tmp/tccli/bin/tccli --node-modules /tmp/tcnode/node_modules

A client that is not installed is skipped, with a note; its committed fixtures stay as they are.

Logging libraries (tests/data/clients/producers/<library>-<version>/) and platforms' envelopes around
their real lines (tests/data/clients/envelopes/<platform>/), for three API 3.0 errors with request IDs:

    python -m venv /tmp/prod && /tmp/prod/bin/pip install python-json-logger structlog loguru rich httpx \
        tencentcloud-sdk-python-kms tencentcloud-sdk-python-common
    python -m venv /tmp/norich && /tmp/norich/bin/pip install structlog tencentcloud-sdk-python-kms
    (cd /tmp/tcnode && npm install pino winston bunyan)
    python scripts/capture_clients.py --only-producers --producers-python /tmp/prod/bin/python \
        --producers-python-without-rich /tmp/norich/bin/python --producers-node-modules /tmp/tcnode/node_modules
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "clients"
TIMEOUT = 1  # the clients' timeout, in seconds; the slow answer waits longer


@dataclass
class Case:
    """One answer of the fake server, and the errors a client must report for it."""

    name: str
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b"{}"
    delay: float = 0.0
    refused: bool = False
    code: str | None = None  # the API 3.0 error in the body, if any
    message: str | None = None
    request_id: str | None = None


def api3_case(name: str, code: str, message: str, status: int = 200) -> Case:
    request_id = str(uuid.uuid4())
    body = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}
    return Case(name, status, "application/json", json.dumps(body).encode(), 0.0, False, code, message, request_id)


def cases() -> list[Case]:
    return [
        api3_case("cmk-disabled", "ResourceUnavailable.CmkDisabled", "CMK is disabled."),
        api3_case("signature", "AuthFailure.SignatureFailure",
                  "The provided credentials could not be validated. Please check your signature is correct."),
        api3_case("ciphertext", "InvalidParameterValue.InvalidCiphertext",
                  'The "CiphertextBlob" is invalid: can\'t decode, bad base64 (offset 3).'),
        api3_case("throttled", "RequestLimitExceeded", "Your request rate exceeds the limit, please retry later."),
        api3_case("chinese", "FailedOperation.DecryptError", "解密失败，请检查密文（CiphertextBlob）。"),  # noqa: RUF001 (as the service writes it)
        api3_case("http-500-json", "InternalError", "An internal error has occurred. Retry your request.", 500),
        api3_case("http-503-json-escaped", "InternalError.ServiceUnavailable",
                  '服务暂不可用 ("ServiceUnavailable"), retry\\later.', 503),
        Case("http-502-html", 502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
        Case("http-200-html", 200, "text/html", b"<html><body>maintenance</body></html>"),
        Case("http-200-not-json", 200, "application/json", b"not json at all"),
        Case("timeout", 200, "application/json", b"{}", delay=TIMEOUT + 2.0),
        Case("refused", refused=True),
    ]


class Error(NamedTuple):
    """An occurrence that kmserr must report, as the client held it (and, in a platform's envelope
    around a line that has no time of its own, the envelope's time)."""

    code: str | None
    message: str | None
    request_id: str | None
    time: str | None = None


class FakeKms:
    """The loopback server: answers every POST with the current case."""

    def __init__(self, all_cases: list[Case]) -> None:
        self.case = all_cases[0]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                case = fake.case
                if case.delay:
                    time.sleep(case.delay)
                try:
                    self.send_response(case.status)
                    self.send_header("Content-Type", case.content_type)
                    self.send_header("Content-Length", str(len(case.body)))
                    self.end_headers()
                    self.wfile.write(case.body)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that gave up on the slow answer: expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.closed_port = _closed_port()

    def port_for(self, case: Case) -> int:
        self.case = case
        return self.closed_port if case.refused else self.port


def _closed_port() -> int:
    """A port on which nothing listens: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------- the Python SDK

PY_SDK = r'''
import json, logging, sys, io
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.kms.v20190118 import kms_client, models

port, form, timeout, truth = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
kwargs = {}
retry_log = io.StringIO()
if form == "retryer":
    from tencentcloud.common.retry import StandardRetryer
    retry_logger = logging.getLogger("app.retry")
    retry_logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    retry_logger.addHandler(handler)
    kwargs["retryer"] = StandardRetryer(max_attempts=2, backoff_fn=lambda n: 0, logger=retry_logger)
profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint="127.0.0.1:%d" % port, reqTimeout=timeout),
                        **kwargs)
kms = kms_client.KmsClient(credential.Credential("AKIDexample", "secret"), "ap-guangzhou", profile)
if form == "debug-log":
    kms.set_stream_logger(stream=sys.stdout, level=logging.DEBUG)
request = models.DecryptRequest()
request.from_json_string(json.dumps({"CiphertextBlob": "eA=="}))
if form == "traceback":
    kms.Decrypt(request)  # uncaught: Python prints the traceback on stderr
    sys.exit(0)
try:
    kms.Decrypt(request)
except TencentCloudSDKException as e:
    err = e
else:
    sys.exit("no error")
with open(truth, "w") as handle:  # what the exception object holds: the answer for every form
    json.dump({"code": err.code, "message": "%s" % (err.message,), "request_id": err.requestId}, handle)
app = logging.getLogger("app")
app.setLevel(logging.INFO)
out = logging.StreamHandler(sys.stdout)
app.addHandler(out)
if form == "str":
    print(str(err))
elif form == "repr":
    print(repr(err))
elif form == "log-text":
    out.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    app.error("Decrypt failed: %s", err)
elif form == "log-exception":
    out.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    try:
        raise err
    except TencentCloudSDKException:
        app.exception("Decrypt failed")
elif form == "log-json":
    print(json.dumps({"level": "error", "msg": "Decrypt failed", "error": str(err)}))
elif form == "log-json-repr":
    print(json.dumps({"level": "error", "msg": "Decrypt failed", "error": repr(err)}))
elif form == "log-json-traceback":  # a JSON formatter's exc_info: the traceback, escaped
    import traceback
    print(json.dumps({"level": "error", "msg": "Decrypt failed", "exc_info": "".join(traceback.format_exception(err))}))
'''

PY_FORMS = ["str", "repr", "traceback", "debug-log", "retryer", "log-text", "log-exception", "log-json",
            "log-json-repr", "log-json-traceback"]


def python_sdk(fake: FakeKms, all_cases: list[Case]) -> dict[str, Error]:
    """Run the SDK for each case and form; return what its exception held, per case."""
    from importlib.metadata import version

    name = f"python-sdk-kms-{version('tencentcloud-sdk-python-kms')}-common-{version('tencentcloud-sdk-python-common')}"
    runs: dict[str, list[tuple[Case, str]]] = {form: [] for form in PY_FORMS}
    truths: dict[str, Error] = {}
    with tempfile.TemporaryDirectory() as folder:
        truth = Path(folder, "truth.json")
        for case in all_cases:
            for form in PY_FORMS:
                port = fake.port_for(case)
                done = subprocess.run([sys.executable, "-c", PY_SDK, str(port), form, str(TIMEOUT), str(truth)],
                                      capture_output=True, text=True, timeout=60)
                text = done.stderr if form == "traceback" else done.stdout
                runs[form].append((case, text.replace(sys.prefix, "/app/venv")))  # no path of this machine
            held = json.loads(truth.read_text())
            truths[case.name] = Error(held["code"], held["message"], held["request_id"])
    expected = {form: {c.name: python_expected(form, c, truths[c.name]) for c in all_cases} for form in PY_FORMS}
    write(name, runs, expected)
    return truths


RETRIED: Final = ("ClientNetworkError", "ServerNetworkError", "RequestLimitExceeded")  # StandardRetryer's


def python_expected(form: str, case: Case, sdk: Error) -> list[Error]:
    """What the Python SDK's output (and tccli's) holds: its exception, and the API 3.0 error of a
    non-200 reply's body, which the exception's message quotes."""
    body = Error(case.code, case.message, case.request_id) if case.code else None
    if form == "debug-log":  # the reply, logged as it came: its body is an API 3.0 error or none
        return [body] if body else []
    found = [sdk] + ([body] if body and case.status != 200 else [])
    if form == "retryer":  # one log line per attempt of a code it retries (two attempts)
        return found * 2 if sdk.code in RETRIED else []
    return found


# ---------------------------------------------------------------- tccli

def tccli(fake: FakeKms, program: str, all_cases: list[Case], truths: dict[str, Error]) -> None:
    version = subprocess.run([program, "--version"], capture_output=True, text=True).stdout.strip()
    runs: dict[str, list[tuple[Case, str]]] = {"stderr": [], "tccli-log": []}
    for case in all_cases:
        port = fake.port_for(case)
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "HOME": home}
            env.pop("TENCENTCLOUD_SECRET_ID", None)
            done = subprocess.run(
                [program, "kms", "Decrypt", "--CiphertextBlob", "eA==", "--secretId", "AKIDexample",
                 "--secretKey", "secret", "--region", "ap-guangzhou", "--endpoint", f"http://127.0.0.1:{port}",
                 "--timeout", str(TIMEOUT)],
                capture_output=True, text=True, env=env, timeout=120,
            )
            log = Path(home, ".tccli", "log", "tccli.log")
            runs["stderr"].append((case, done.stderr))
            runs["tccli-log"].append((case, log.read_text() if log.exists() else ""))
    # tccli prints the Python SDK's exception (it bundles the SDK): the same exception per case.
    expected = {form: {c.name: python_expected("str", c, truths[c.name]) for c in all_cases} for form in runs}
    write(f"tccli-{version}", runs, expected)


# ---------------------------------------------------------------- the Node SDK

NODE = r'''
const util = require("util");
const tencentcloud = require("tencentcloud-sdk-nodejs");
const [port, form, timeout] = process.argv.slice(2);
const KmsClient = tencentcloud.kms.v20190118.Client;
const client = new KmsClient({
  credential: { secretId: "AKIDexample", secretKey: "secret" },
  region: "ap-guangzhou",
  profile: { httpProfile: { protocol: "http://", endpoint: `127.0.0.1:${port}`, reqTimeout: Number(timeout) } },
});
const call = client.Decrypt({ CiphertextBlob: "eA==" });
if (form === "unhandled") {
  call.then(() => {});
} else {
  call.then(() => console.log("no error"), (err) => {
    if (form === "console-log") console.log(err);
    else if (form === "console-log-nested") console.log({ action: "Decrypt", err });
    else if (form === "console-error") console.error("Decrypt failed:", err);
    else if (form === "string") console.log(String(err));
    else if (form === "json") console.log(JSON.stringify(err));
    else if (form === "log-json") console.log(JSON.stringify(
      { level: "error", msg: "Decrypt failed", error: String(err), code: err.code, requestId: err.requestId }));
  });
}
'''

NODE_FORMS = ["console-log", "console-log-nested", "console-error", "string", "json", "log-json", "unhandled"]


def node_sdk(fake: FakeKms, modules: Path, all_cases: list[Case]) -> None:
    package = json.loads((modules / "tencentcloud-sdk-nodejs" / "package.json").read_text())
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    runs: dict[str, list[tuple[Case, str]]] = {form: [] for form in NODE_FORMS}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder, "capture.js")
        script.write_text(NODE)
        env = {**os.environ, "NODE_PATH": str(modules)}
        for case in all_cases:
            for form in NODE_FORMS:
                port = fake.port_for(case)
                done = subprocess.run(["node", str(script), str(port), form, str(TIMEOUT)],
                                      capture_output=True, text=True, env=env, timeout=60, cwd=folder)
                text = done.stderr if form in ("unhandled", "console-error") else done.stdout
                text = text.replace(str(modules.resolve()), "/app/node_modules").replace(folder, "/app")
                runs[form].append((case, text))
    expected = {form: {c.name: node_expected(form, c) for c in all_cases} for form in NODE_FORMS}
    write(f"node-sdk-{package['version']}-node-{node}", runs, expected)


def node_expected(form: str, case: Case) -> list[Error]:
    """The Node SDK's error holds a code only for an API 3.0 error body of a 200 reply; its other
    errors (a non-200 status, a network error) hold a message and no code, and are not reported.

    util.inspect (console.log, console.error, an unhandled rejection) shows the code, the request
    ID and the message (on its first line); JSON.stringify shows the code and request ID;
    String(err) shows the message and request ID but no code, so it is not reported either."""
    if case.code is None or case.status != 200 or form == "string":
        return []
    if form in ("json", "log-json"):
        return [Error(case.code, None, case.request_id)]
    return [Error(case.code, case.message, case.request_id)]


# ---------------------------------------------------------------- logging libraries and platforms

PRODUCERS = OUT / "producers"  # a folder per library and version, a file per way of logging
ENVELOPES = OUT / "envelopes"  # a folder per platform, a file per producer's output wrapped in it


def producer_cases() -> list[Case]:
    """API 3.0 errors with a request ID, a legacy `(10630)` message under an API 3.0 code, and a
    refused connection (the Python SDK's ClientNetworkError: no request ID; Node's error: no code)."""
    return [
        api3_case("cmk-disabled", "ResourceUnavailable.CmkDisabled", "CMK is disabled."),
        api3_case("throttled", "RequestLimitExceeded", "Your request rate exceeds the limit, please retry later."),
        api3_case("legacy-in-message", "InvalidParameter", "(10630) key is not existed"),
        Case("refused", refused=True),
    ]


PY_PRODUCER = r'''import asyncio, json, logging, os, sys, time, traceback
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.kms.v20190118 import kms_client, models

port, form, timeout, truth = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
PARAMS = {"CiphertextBlob": "eA=="}


def profile():
    return ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint="127.0.0.1:%d" % port, reqTimeout=timeout))


def call_sdk(blob):
    """The SDK call of the form: the sync KmsClient, the async one, or CommonClient."""
    cred = credential.Credential("AKIDexample", "secret")
    if form.startswith("sdk-async"):
        from tencentcloud.kms.v20190118 import kms_client_async

        async def run():
            async with kms_client_async.KmsClient(cred, "ap-guangzhou", profile()) as kms:
                request = models.DecryptRequest()
                request.from_json_string(json.dumps({"CiphertextBlob": blob}))
                return await kms.Decrypt(request)
        return asyncio.run(run())
    if form.startswith("sdk-common"):
        from tencentcloud.common.common_client import CommonClient
        client = CommonClient("kms", "2019-01-18", cred, "ap-guangzhou", profile())
        return client.call_json("Decrypt", {"CiphertextBlob": blob})
    kms = kms_client.KmsClient(cred, "ap-guangzhou", profile())
    request = models.DecryptRequest()
    request.from_json_string(json.dumps({"CiphertextBlob": blob}))
    return kms.Decrypt(request)


def decrypt(blob):
    """What an app's own function does: call, look at the code, raise on (its locals: blob, e, code)."""
    try:
        return call_sdk(blob)
    except TencentCloudSDKException as e:
        code = e.code
        if code == "ResourceUnavailable.CmkNotFound":
            return None
        raise


def report(err):
    """Log the SDK's exception as the form's library does, inside the except block (exc_info is set)."""
    if form.startswith("json-logger"):
        from pythonjsonlogger.json import JsonFormatter
        log = logging.getLogger("app")
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
        if form == "json-logger-exc-info":  # the error in the message and in exc_info
            log.exception("Decrypt failed: %s", err)
        elif form == "json-logger-field":  # the error in a field of its own and in exc_info
            log.exception("Decrypt failed", extra={"error": str(err), "key_id": "kms-app-key"})
        elif form == "json-logger-long":  # a record longer than 16 KiB: the platforms split it
            log.exception("Decrypt failed", extra={"ciphertext_blob": "QUJD" * 5000})
    elif form.startswith("structlog"):
        import structlog
        processors = [structlog.processors.add_log_level, structlog.processors.TimeStamper(fmt="iso")]
        if form == "structlog-json":
            structlog.configure(processors=[*processors, structlog.processors.format_exc_info,
                                            structlog.processors.JSONRenderer()])
        elif form == "structlog-json-dict":
            structlog.configure(processors=[*processors, structlog.processors.dict_tracebacks,
                                            structlog.processors.JSONRenderer()])
        # structlog-console*: structlog's default configuration (ConsoleRenderer; rich's traceback if installed)
        structlog.get_logger().exception("decrypt failed", key_id="kms-app-key")
    elif form.startswith("loguru"):
        from loguru import logger
        logger.remove()
        logger.add(sys.stdout, backtrace=True, diagnose=True, colorize=False, serialize=form == "loguru-serialize")
        logger.exception("Decrypt failed")
    elif form.startswith("rich"):
        from rich.logging import RichHandler
        logging.basicConfig(level=logging.INFO, format="%(message)s", datefmt="[%X]",
                            handlers=[RichHandler(rich_tracebacks=True, tracebacks_show_locals="locals" in form)])
        logging.getLogger("app").exception("Decrypt failed")
    elif form == "sentry-event":  # the exception in the message and in the event's traceback
        print(json.dumps({"event_id": "9f2c4e1d8b7a4c3e9d1f0a2b3c4d5e6f", "level": "error", "logger": "app",
                          "platform": "python", "message": "Decrypt failed: %s" % err,
                          "exception": traceback.format_exc(), "tags": {"service": "kms-app"}}))
    elif form.endswith("log-exception"):
        logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s %(message)s")
        logging.getLogger("app").exception("Decrypt failed")
    elif form.endswith("-str"):
        print("Decrypt failed: %s" % err)
    elif form == "print-bad-bytes":  # an alias that is not UTF-8, written as the bytes it is
        sys.stdout.buffer.write(b"Decrypt failed for alias/kms-\xff\xfe: " + str(err).encode() + b"\n")


if form == "sdk-debug-log":  # the SDK's own debug logging, through the app's root handler
    logging.basicConfig(stream=sys.stdout, level=logging.DEBUG, format="%(asctime)s %(levelname)s %(name)s %(message)s")
try:
    decrypt("eA==")
except TencentCloudSDKException as e:
    with open(truth, "w") as handle:  # what the exception object holds: the answer for every form
        json.dump({"code": e.code, "message": "%s" % (e.message,), "request_id": e.requestId}, handle)
    if form.endswith("traceback"):
        raise  # uncaught: Python prints the traceback on stderr
    report(e)
else:
    sys.exit("no error")
'''

NODE_PRODUCER = r'''const tencentcloud = require("tencentcloud-sdk-nodejs");
const [port, form, timeout] = process.argv.slice(2);
const KmsClient = tencentcloud.kms.v20190118.Client;
const client = new KmsClient({
  credential: { secretId: "AKIDexample", secretKey: "secret" },
  region: "ap-guangzhou",
  profile: { httpProfile: { protocol: "http://", endpoint: `127.0.0.1:${port}`, reqTimeout: Number(timeout) } },
});

function logger() {
  if (form.startsWith("pino")) return require("pino")();
  if (form.startsWith("bunyan")) {
    const bunyan = require("bunyan");
    return bunyan.createLogger({ name: "kms-app", serializers: bunyan.stdSerializers });
  }
  if (form.startsWith("winston")) {
    const winston = require("winston");
    const { combine, timestamp, errors, json, simple } = winston.format;
    const format = form === "winston-simple" ? simple() : combine(errors({ stack: true }), timestamp(), json());
    return winston.createLogger({ level: "info", format, transports: [new winston.transports.Console()] });
  }
  return null;
}

const log = logger();
client.Decrypt({ CiphertextBlob: "eA==" }).then(() => console.log("no error"), (err) => {
  if (form === "pino-err") log.error(err);
  else if (form === "pino-obj") log.error({ err, keyId: "kms-app-key" }, "Decrypt failed");
  else if (form === "bunyan") log.error({ err, keyId: "kms-app-key" }, "Decrypt failed");
  else if (form === "winston-json" || form === "winston-simple") log.error(err);
  else if (form === "console-error") console.error(err);
});
'''

# Each library's fixture files: file name, the form the script runs, its environment. rich draws 80
# columns wide off a terminal, and as wide as COLUMNS says; loguru draws its diagnose notes with `|`
# and `->` on a stream that cannot encode `│` and `└` (PYTHONIOENCODING=ascii stands for one).
WIDE: Final = {"COLUMNS": "200"}
ASCII: Final = {"PYTHONIOENCODING": "ascii"}
PY_PRODUCER_FORMS: Final[dict[str, list[tuple[str, str, dict[str, str]]]]] = {
    "python-json-logger": [("exc-info", "json-logger-exc-info", {}), ("field", "json-logger-field", {}),
                           ("long", "json-logger-long", {})],
    "structlog": [("json", "structlog-json", {}), ("json-dict-tracebacks", "structlog-json-dict", {}),
                  ("console-80", "structlog-console", {}), ("console-200", "structlog-console", WIDE)],
    "loguru": [("text", "loguru-text", {}), ("serialize", "loguru-serialize", {}),
               ("text-ascii", "loguru-text", ASCII), ("serialize-ascii", "loguru-serialize", ASCII)],
    "rich": [("handler-80", "rich", {}), ("handler-200", "rich", WIDE),
             ("handler-locals-80", "rich-locals", {}), ("handler-locals-200", "rich-locals", WIDE)],
    "sentry-like": [("event", "sentry-event", {})],
    "python-sdk": [("log-exception", "log-exception", {}), ("async-log-exception", "sdk-async-log-exception", {}),
                   ("async-traceback", "sdk-async-traceback", {}), ("common-client-str", "sdk-common-str", {}),
                   ("common-client-log-exception", "sdk-common-log-exception", {}),
                   ("debug-log", "sdk-debug-log", {}), ("print-bad-bytes", "print-bad-bytes", {})],
}
BOXED: Final = ("structlog-console", "rich", "rich-locals")  # drawn to a width: paths are left as they were
NODE_PRODUCER_FORMS: Final[dict[str, list[str]]] = {
    "pino": ["pino-err", "pino-obj"], "winston": ["winston-json", "winston-simple"], "bunyan": ["bunyan"],
    "console": ["console-error"],
}


class Output(NamedTuple):
    """One case's output of one producer's form, and the errors it holds."""

    case: Case
    text: str
    errors: list[Error]


Captured = dict[tuple[str, str], tuple[str, list[Output]]]  # (library, file) -> (folder, each case's output)


def py_version(python: str, *packages: str) -> list[str]:
    code = "import sys, importlib.metadata as m; print(*[m.version(p) for p in sys.argv[1:]])"
    return subprocess.run([python, "-c", code, *packages], capture_output=True, text=True, check=True).stdout.split()


def python_producers(fake: FakeKms, python: str, norich: str | None, all_cases: list[Case]) -> Captured:
    """Run each Python library's forms for each case against the fake KMS; write their fixtures."""
    kms, common, structlog, rich = py_version(python, "tencentcloud-sdk-python-kms", "tencentcloud-sdk-python-common",
                                              "structlog", "rich")
    pyver = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                           capture_output=True, text=True, check=True).stdout.strip()
    folders = {
        "python-json-logger": f"python-json-logger-{py_version(python, 'python-json-logger')[0]}",
        "structlog": f"structlog-{structlog}-rich-{rich}",
        "loguru": f"loguru-{py_version(python, 'loguru')[0]}",
        "rich": f"rich-{rich}",
        "sentry-like": f"sentry-like-event-python-{pyver}",
        "python-sdk": f"python-sdk-kms-{kms}-common-{common}-python-{pyver}",
    }
    plan = [(key, folders[key], stem, form, extra, python)
            for key, forms in PY_PRODUCER_FORMS.items() for stem, form, extra in forms]
    if norich:
        plan.append(("structlog-without-rich", f"structlog-{py_version(norich, 'structlog')[0]}-without-rich",
                     "console", "structlog-console", {}, norich))
    captured: Captured = {}
    with tempfile.TemporaryDirectory() as folder:
        script, truth = Path(folder, "app.py"), Path(folder, "truth.json")
        script.write_text(PY_PRODUCER)
        for key, name, stem, form, extra, program in plan:
            prefixes = subprocess.run([program, "-c", "import sys; print(sys.prefix, sys.base_prefix)"],
                                      capture_output=True, text=True, check=True).stdout.split()
            outputs = []
            for case in all_cases:
                truth.unlink(missing_ok=True)
                env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "FORCE_COLOR")}
                env.update(extra)
                done = subprocess.run([program, str(script), str(fake.port_for(case)), form, str(TIMEOUT), str(truth)],
                                      capture_output=True, env=env, timeout=60, cwd=folder)
                text = (done.stdout + done.stderr).decode("utf-8", "surrogateescape")
                if form not in BOXED or program == norich:  # no path of this machine
                    text = text.replace(str(script), "/app/app.py").replace(prefixes[0], "/app/venv")
                    text = text.replace(prefixes[1], "/usr/local")
                # One exception, logged once: one occurrence, as the exception held it. None where the
                # SDK raised no TencentCloudSDKException (the async client lets httpx.ConnectError
                # through), nor from the debug log, which shows a reply's body and no exception.
                held = json.loads(truth.read_text()) if truth.exists() else None
                found = held is not None and (form != "sdk-debug-log" or case.code is not None)
                errors = [Error(held["code"], held["message"], held["request_id"])] if held and found else []
                outputs.append(Output(case, text, errors))
            captured[key, stem] = (name, outputs)
    write_captured(captured, exclude=frozenset({("python-sdk", "print-bad-bytes")}))  # not UTF-8: only inside journald
    return captured


def node_producers(fake: FakeKms, modules: Path, all_cases: list[Case]) -> Captured:
    """Run each Node library's forms for each case against the fake KMS; write their fixtures."""
    def version(package: str) -> str:
        return str(json.loads((modules / package / "package.json").read_text())["version"])

    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    sdk = f"sdk-{version('tencentcloud-sdk-nodejs')}-node-{node}"
    captured: Captured = {}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder, "app.js")
        script.write_text(NODE_PRODUCER)
        env = {**os.environ, "NODE_PATH": str(modules)}
        for library, forms in NODE_PRODUCER_FORMS.items():
            name = f"node-console-{sdk}" if library == "console" else f"{library}-{version(library)}-{sdk}"
            for form in forms:
                outputs = []
                for case in all_cases:
                    done = subprocess.run(["node", str(script), str(fake.port_for(case)), form, str(TIMEOUT)],
                                          capture_output=True, text=True, env=env, timeout=60, cwd=folder)
                    text = (done.stdout + done.stderr).replace(str(modules.resolve()), "/app/node_modules")
                    # The SDK's error of an API 3.0 body: its code, message and request ID; bunyan's
                    # error serializer keeps message, name, stack and code, not the request ID.
                    rid = None if form == "bunyan" else case.request_id
                    errors = [Error(case.code, case.message, rid)] if case.code else []  # see node_expected
                    outputs.append(Output(case, text.replace(folder, "/app"), errors))
                captured[library, form] = (name, outputs)
    write_captured(captured)
    return captured


def write_captured(captured: Captured, exclude: frozenset[tuple[str, str]] = frozenset()) -> None:
    """One fixture folder per library and version, one file per form."""
    by_folder: dict[str, dict[str, list[Output]]] = {}
    for (key, stem), (name, outputs) in captured.items():
        if (key, stem) not in exclude:
            by_folder.setdefault(name, {})[stem] = outputs
    for name, forms in by_folder.items():
        runs = {stem: [(o.case, o.text) for o in outputs] for stem, outputs in forms.items()}
        expected = {stem: {o.case.name: o.errors for o in outputs} for stem, outputs in forms.items()}
        write(name, runs, expected, PRODUCERS)


# The outputs wrapped in each platform's envelope, and whether their lines have a time of their own
# (if not, the envelope's time is theirs).
WRAPPED: Final[dict[tuple[str, str], bool]] = {
    ("console", "console-error"): False,
    ("winston", "winston-simple"): False,
    ("pino", "pino-err"): True,
    ("python-json-logger", "exc-info"): True,
    ("python-sdk", "log-exception"): True,
    ("python-sdk", "debug-log"): True,
    ("rich", "handler-80"): True,  # `[18:14:06]`: a time without a date, but a time
}
LONG: Final = ("python-json-logger", "long")  # a record of 20 KiB: Docker and CRI split it at 16 KiB
BAD_BYTES: Final = ("python-sdk", "print-bad-bytes")  # not UTF-8: journald writes a byte array
SPLIT: Final = 16 * 1024  # Docker's copier buffer, and containerd's default max-container-log-line-size
START: Final = 1715673600  # 2024-05-14T08:00:00Z; each case's lines fall in a second of their own
NANO: Final = 10**9


def envelopes(captured: Captured) -> None:
    """Wrap each chosen output, case by case, in each platform's envelope: one line of the app, one record."""
    platforms: dict[str, tuple[Any, str, list[tuple[str, str]]]] = {
        "docker-json-file": (docker_json_file, "Docker's json-file driver (moby daemon/logger/jsonfilelog): Go's "
                             "escaping (\\u003c, \\u003e, \\u0026), a line over 16 KiB in records without \\n",
                             [*WRAPPED, LONG]),
        "kubernetes-cri": (cri, "containerd's CRI log file (/var/log/containers): <RFC 3339 nano time> <stream> "
                           "<P|F> <line>, a line over 16 KiB in P records continued by the next", [*WRAPPED, LONG]),
        "journald-json": (journald_json, "journalctl -o json: MESSAGE a string, or an array of bytes when it is "
                          "not printable UTF-8", [*WRAPPED, BAD_BYTES]),
        "syslog-rfc5424": (rfc5424, "RFC 5424 with structured data, as rsyslog receives it", list(WRAPPED)),
        "syslog-rfc3164": (rfc3164, "RFC 3164 (BSD syslog), as rsyslog receives it: its time has no year",
                           list(WRAPPED)),
    }
    for platform, (record, about, sources) in platforms.items():
        runs: dict[str, list[tuple[Case, str]]] = {}
        expected: dict[str, dict[str, list[Error]]] = {}
        names: dict[str, str] = {}  # each file's source: the producer's fixture
        for number, source in enumerate(sources):
            folder, outputs = captured[source]
            stem = source[1] if source[1].startswith(source[0]) else f"{source[0]}-{source[1]}"
            names[stem] = f"{folder}/{source[1]}"
            timed = WRAPPED.get(source, source == LONG)
            runs[stem], expected[stem] = [], {}
            for index, (case, text, errors) in enumerate(outputs):
                second = START + 60 * number + index
                records = [record(line, second * NANO + 123_456_789 + 17_001 * at)
                           for at, line in enumerate(text.rstrip("\n").split("\n"))]
                runs[stem].append((case, "\n".join(line for lines in records for line in lines)))
                expected[stem][case.name] = [e._replace(time=None if timed else iso(second)) for e in errors]
        year = {"time_has_year": "no"} if platform == "syslog-rfc3164" else {}  # the test compares the rest
        write(platform, runs, expected, ENVELOPES, {"platform": about, **year, **names})


def iso(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(second))


def rfc3339nano(ns: int) -> str:
    """Go's time.RFC3339Nano of a UTC time: trailing zeros of the fraction dropped."""
    fraction = f"{ns % NANO:09d}".rstrip("0")
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // NANO)) + (f".{fraction}" if fraction else "") + "Z"


def go_escape(data: bytes) -> str:
    """moby's ffjsonWriteJSONBytesAsString: `<`, `>`, `&` and control bytes as \\u00XX, bad UTF-8 as \\ufffd."""
    out = ['"']
    for char in data.decode("utf-8", "replace"):
        if char in '\\"':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char < " " or char in "<>&":
            out.append(f"\\u00{ord(char):02x}")
        elif char in "\u2028\u2029":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out) + '"'


def docker_json_file(line: str, ns: int) -> list[str]:
    """The json-file records of one line: a line over 16 KiB is logged as partial records of 16 KiB
    (moby's copier), each without the \\n that ends the last."""
    data = line.encode("utf-8", "surrogateescape") + b"\n"
    pieces = [data[at : at + SPLIT] for at in range(0, len(data), SPLIT)]
    return [f'{{"log":{go_escape(piece)},"stream":"stderr","time":"{rfc3339nano(ns + 3_000 * n)}"}}'
            for n, piece in enumerate(pieces)]


def cri(line: str, ns: int) -> list[str]:
    """containerd's CRI records of one line: P for each 16 KiB piece but the last, F for the last."""
    data = line.encode("utf-8", "surrogateescape")
    pieces = [data[at : at + SPLIT] for at in range(0, len(data), SPLIT)] or [b""]
    return [f"{rfc3339nano(ns + 3_000 * n)} stderr {'F' if n == len(pieces) - 1 else 'P'} "
            + piece.decode("utf-8", "surrogateescape") for n, piece in enumerate(pieces)]


def journald_json(line: str, ns: int) -> list[str]:
    """journalctl -o json's record of one line that a service wrote to stdout (systemd's logs-show.c:
    a field that is not printable UTF-8, tab and newline aside, is an array of its bytes)."""
    data = line.encode("utf-8", "surrogateescape")
    try:
        text = data.decode("utf-8")
        printable = not any((c < " " and c not in "\t\n") or "\x7f" <= c <= "\x9f" for c in text)
    except UnicodeDecodeError:
        printable = False
    usec = ns // 1000
    entry = {
        "__CURSOR": f"s=6f1c0e9b2a7d4e8f9c3b5a1d0e2f4a6b;i={usec % 100_000:x};b=2b7e1516a0c84b3c9d8f6e5a4c3b2a19;"
                    f"m={usec - 1_715_600_000_000_000:x};t={usec:x};x=9a3c5e7f1b2d4f60",
        "__REALTIME_TIMESTAMP": str(usec),
        "__MONOTONIC_TIMESTAMP": str(usec - 1_715_600_000_000_000),
        "_BOOT_ID": "2b7e1516a0c84b3c9d8f6e5a4c3b2a19",
        "PRIORITY": "6", "SYSLOG_FACILITY": "3", "_TRANSPORT": "stdout", "_UID": "1000", "_GID": "1000",
        "_MACHINE_ID": "4c1f3e5a7b9d0e2f4a6c8e0b2d4f6a8c", "_HOSTNAME": "node-1", "SYSLOG_IDENTIFIER": "kms-app",
        "_PID": "4242", "_COMM": "kms-app", "_SYSTEMD_UNIT": "kms-app.service",
        "MESSAGE": text if printable else list(data),
    }
    return [json.dumps(entry, ensure_ascii=False, separators=(",", ":"))]


def rfc5424(line: str, ns: int) -> list[str]:
    """<PRI>1 TIME HOST APP PROCID MSGID [SD] MSG; user.err (11): the app's stderr."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // NANO)) + f".{ns % NANO // 1000:06d}Z"
    return [f'<11>1 {stamp} node-1 kms-app 4242 - [meta@32473 container="kms-app" stream="stderr"] {line}']


def rfc3164(line: str, ns: int) -> list[str]:
    """<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG (the day padded with a space)."""
    moment = time.gmtime(ns // NANO)
    return [f"<11>{time.strftime('%b', moment)} {moment.tm_mday:2d} {time.strftime('%H:%M:%S', moment)} "
            f"node-1 kms-app[4242]: {line}"]


# ---------------------------------------------------------------- fixtures

def write(client: str, runs: dict[str, list[tuple[Case, str]]], expected: dict[str, dict[str, list[Error]]],
          root: Path = OUT, about: dict[str, str] | None = None) -> None:
    """One file per output form, each case's output between marker lines; the answers beside them."""
    folder = root / client
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    answers: dict[str, Any] = {"client": client, **({"about": about} if about else {}), "sent": {}, "expected": {}}
    for form, outputs in runs.items():
        lines = [f"# captured from {client}, output form {form}"]
        for case, text in outputs:
            lines.append(f"# case {case.name}")
            lines.extend(text.rstrip("\n").split("\n") if text.strip() else [])
        # surrogateescape: a journald record keeps an app's bytes that are not UTF-8 (as a byte array)
        (folder / f"{form}.txt").write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    for case in cases_by_name(runs):
        answers["sent"][case.name] = {
            "status": case.status, "body": case.body.decode(), "refused": case.refused, "slow": bool(case.delay),
            "code": case.code, "message": case.message, "request_id": case.request_id,
        }
    answers["expected"] = {
        form: {name: [e._asdict() for e in errors] for name, errors in per_case.items()}
        for form, per_case in expected.items()
    }
    (folder / "expected.json").write_text(json.dumps(answers, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {folder.relative_to(ROOT)}: {', '.join(sorted(runs))}")


def cases_by_name(runs: dict[str, list[tuple[Case, str]]]) -> list[Case]:
    seen: dict[str, Case] = {}
    for outputs in runs.values():
        for case, _ in outputs:
            seen.setdefault(case.name, case)
    return list(seen.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tccli", default=shutil.which("tccli"), help="the tccli program (default: on PATH)")
    parser.add_argument("--node-modules", type=Path, help="a node_modules folder holding tencentcloud-sdk-nodejs")
    parser.add_argument("--producers-python", help="a Python with the SDK, python-json-logger, structlog, loguru, "
                        "rich and httpx: capture the logging libraries and the platforms' envelopes")
    parser.add_argument("--producers-python-without-rich", help="a Python with the SDK and structlog, without rich")
    parser.add_argument("--producers-node-modules", type=Path,
                        help="a node_modules folder holding tencentcloud-sdk-nodejs, pino, winston and bunyan")
    parser.add_argument("--only-producers", action="store_true", help="capture the libraries and platforms only")
    args = parser.parse_args()
    all_cases = cases()
    fake = FakeKms(all_cases)
    if args.producers_python and args.producers_node_modules:
        captured = python_producers(fake, args.producers_python, args.producers_python_without_rich, producer_cases())
        captured.update(node_producers(fake, args.producers_node_modules, producer_cases()))
        envelopes(captured)
    else:
        print("logging libraries: --producers-python and --producers-node-modules not given, skipped", file=sys.stderr)
    if args.only_producers:
        return 0
    truths = python_sdk(fake, all_cases)
    if args.tccli:
        tccli(fake, args.tccli, all_cases, truths)
    else:
        print("tccli: not installed (pip install tccli), skipped", file=sys.stderr)
    if args.node_modules and (args.node_modules / "tencentcloud-sdk-nodejs").is_dir() and shutil.which("node"):
        node_sdk(fake, args.node_modules, all_cases)
    else:
        print("Node SDK: not installed (npm install tencentcloud-sdk-nodejs; --node-modules), skipped",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
