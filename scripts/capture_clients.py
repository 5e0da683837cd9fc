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
    """An occurrence that kmserr must report, as the client held it."""

    code: str | None
    message: str | None
    request_id: str | None


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


# ---------------------------------------------------------------- fixtures

def write(client: str, runs: dict[str, list[tuple[Case, str]]], expected: dict[str, dict[str, list[Error]]]) -> None:
    """One file per output form, each case's output between marker lines; the answers beside them."""
    folder = OUT / client
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    answers: dict[str, Any] = {"client": client, "sent": {}, "expected": {}}
    for form, outputs in runs.items():
        lines = [f"# captured from {client}, output form {form}"]
        for case, text in outputs:
            lines.append(f"# case {case.name}")
            lines.extend(text.rstrip("\n").split("\n") if text.strip() else [])
        (folder / f"{form}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
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
    args = parser.parse_args()
    all_cases = cases()
    fake = FakeKms(all_cases)
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
