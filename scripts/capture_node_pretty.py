"""Capture what Node's pretty log formats print for the Node SDK's errors, as kmserr's test captures.

winston's prettyPrint() and printf(), pino through pino-pretty, bunyan through its CLI,
`JSON.stringify(..., null, 2)`, `console.log({ err })` and `util.inspect(..., { depth: null })`
print an error's code, message and request ID on lines of their own, in either order. Each form is
run for each case against the loopback fake KMS of capture_clients.py; what it printed for all the
cases goes to tests/data/captures/<form>.txt (and, for a few, wrapped in Docker's json-file and
containerd's CRI records), and what each occurrence must read as (code, message, request ID: from
what the fake server sent, as the form keeps it, never from kmserr) to node-pretty.json there.

    mkdir /tmp/node && (cd /tmp/node && npm install tencentcloud-sdk-nodejs@4.1.313 winston@3.19.0 \
        pino@10.4.0 pino-pretty@13.2.0 bunyan@2.0.5)
    python scripts/capture_node_pretty.py --node-modules /tmp/node/node_modules
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).resolve().parent))
from capture_clients import START, Case, FakeKms, cri, docker_json_file

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "captures"
NANO: Final = 10**9


def case(name: str, code: str, message: str, request_id: str) -> Case:
    body = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": request_id}}
    return Case(name, 200, "application/json", json.dumps(body).encode(), 0.0, False, code, message, request_id)


CASES: Final = [
    case("cmk-disabled", "ResourceUnavailable.CmkDisabled", "CMK is disabled.", "7c0e4b1a-2d3f-4e5a-8b6c-9d0e1f2a3b4c"),
    case("legacy", "InvalidParameter", "(10630) key is not existed", "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"),
    case("multi-line", "FailedOperation.DecryptError", "Decrypt failed.\nThe ciphertext was made by another key.",
         "3e1f5a7c-9b2d-4c6e-8f0a-1b3c5d7e9f20"),
    # Longer than util.inspect's line: a string of several lines is printed in pieces, `'...\n' +`.
    case("multi-line-long", "FailedOperation.DecryptError",
         "Decrypt failed: the ciphertext was made by another key.\nCheck the CiphertextBlob and the key's region.",
         "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"),
]

APP: Final = r'''const tencentcloud = require("tencentcloud-sdk-nodejs");
const util = require("util");
const [port, form] = process.argv.slice(2);
const client = new tencentcloud.kms.v20190118.Client({
  credential: { secretId: "AKIDexample", secretKey: "secret" },
  region: "ap-guangzhou",
  profile: { httpProfile: { protocol: "http://", endpoint: `127.0.0.1:${port}`, reqTimeout: 1 } },
});
function winston(...formats) {
  const w = require("winston");
  const transports = [new w.transports.Console()];
  return w.createLogger({ level: "info", format: w.format.combine(...formats), transports });
}
const f = () => require("winston").format;
const forms = {
  "winston-pretty-print-meta": (err) => winston(f().timestamp(), f().prettyPrint()).error("Decrypt failed",
    { error: { code: err.code, message: err.message, requestId: err.requestId } }),
  "winston-pretty-print-err": (err) =>
    winston(f().errors({ stack: true }), f().timestamp(), f().prettyPrint()).error(err),
  "winston-pretty-print-splat": (err) => winston(f().timestamp(), f().prettyPrint()).error("Decrypt failed", err),
  "winston-printf-stack": (err) => winston(f().errors({ stack: true }), f().timestamp(),
    f().printf(({ timestamp, level, message, stack, ...meta }) =>
      `${timestamp} ${level}: ${stack || message} ${JSON.stringify(meta)}`)).error(err),
  "pino-err": (err) => require("pino")().error(err),
  "pino-obj": (err) => require("pino")().error({ err, keyId: "kms-app-key" }, "Decrypt failed"),
  "bunyan": (err) => {
    const bunyan = require("bunyan");
    bunyan.createLogger({ name: "kms-app", serializers: bunyan.stdSerializers })
      .error({ err, keyId: "kms-app-key" }, "Decrypt failed");
  },
  "json-stringify-own-names": (err) => console.error(JSON.stringify(err, Object.getOwnPropertyNames(err), 2)),
  "json-stringify-fields": (err) => console.error(JSON.stringify(
    { err: { code: err.code, message: err.message, requestId: err.requestId } }, null, 2)),
  "json-stringify-err": (err) => console.error(JSON.stringify(err, null, 2)),
  "console-log-object": (err) => console.log({ err }),
  "inspect-depth-null": (err) =>
    console.log(util.inspect({ op: "Decrypt", keyId: "kms-app-key", err }, { depth: null })),
};
client.Decrypt({ CiphertextBlob: "eA==" }).then(() => console.log("no error"), (err) => forms[form](err));
'''

# Each capture: its file's stem, the form the app runs, the program its output is piped through
# (a package's CLI), and what each case's error reads as where the form keeps less than the SDK's
# error holds (None: the form prints no message, or no request ID).
Expected = tuple[str | None, str | None, str | None]


def sdk(c: Case) -> Expected:
    return c.code, c.message, c.request_id


def splat(c: Case) -> Expected:  # winston's `log.error("Decrypt failed", err)`: the record's message
    return c.code, f"Decrypt failed {c.message}", c.request_id


def no_message(c: Case) -> Expected:  # JSON.stringify(err): message and stack are no own enumerable properties
    return c.code, None, c.request_id


def no_request_id(c: Case) -> Expected:  # bunyan's err serializer keeps message, name, stack, code
    return c.code, c.message, None


FORMS: Final = {
    "winston-{winston}-pretty-print-meta": ("winston-pretty-print-meta", None, sdk),
    "winston-{winston}-pretty-print-err": ("winston-pretty-print-err", None, sdk),
    "winston-{winston}-pretty-print-splat": ("winston-pretty-print-splat", None, splat),
    "winston-{winston}-printf-stack": ("winston-printf-stack", None, sdk),
    "pino-{pino}-pino-pretty-{pino-pretty}-err": ("pino-err", "pino-pretty", sdk),
    "pino-{pino}-pino-pretty-{pino-pretty}-obj": ("pino-obj", "pino-pretty", sdk),
    "bunyan-{bunyan}-cli": ("bunyan", "bunyan", no_request_id),
    "node-{node}-json-stringify-own-names": ("json-stringify-own-names", None, sdk),
    "node-{node}-json-stringify-fields": ("json-stringify-fields", None, sdk),
    "node-{node}-json-stringify-err": ("json-stringify-err", None, no_message),
    "node-{node}-console-log-object": ("console-log-object", None, sdk),
    "node-{node}-inspect-depth-null": ("inspect-depth-null", None, sdk),
}
# The captures also written in Docker's json-file records and containerd's CRI ones, a line a record.
WRAPPED: Final = ("winston-{winston}-pretty-print-meta", "node-{node}-json-stringify-fields",
                  "pino-{pino}-pino-pretty-{pino-pretty}-err")


def versions(modules: Path) -> dict[str, str]:
    got = {name: json.loads((modules / name / "package.json").read_text())["version"]
           for name in ("winston", "pino", "pino-pretty", "bunyan", "tencentcloud-sdk-nodejs")}
    got["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    return got


def run(fake: FakeKms, modules: Path, folder: str, form: str, pipe: str | None, c: Case) -> str:
    env = {**os.environ, "NODE_PATH": str(modules)}
    done = subprocess.run(["node", "app.js", str(fake.port_for(c)), form], capture_output=True, text=True,
                          env=env, timeout=60, cwd=folder)
    text = done.stdout + done.stderr
    if pipe is not None:
        text = subprocess.run([str(modules / ".bin" / pipe)], input=text, capture_output=True, text=True,
                              env=env, timeout=60, check=True).stdout
    return text.replace(str(modules.resolve()), "/app/node_modules").replace(folder, "/app")


def wrap(record: object, text: str, number: int) -> str:
    lines = text.rstrip("\n").split("\n")
    ns = (START + 60 * number) * NANO + 123_456_789
    return "\n".join(piece for at, line in enumerate(lines) for piece in record(line, ns + 17_001 * at)) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--node-modules", type=Path, required=True,
                        help="a node_modules folder holding the SDK, winston, pino, pino-pretty and bunyan")
    args = parser.parse_args()
    modules = args.node_modules.resolve()
    found = versions(modules)
    fake = FakeKms(CASES)
    answers: dict[str, object] = {
        "about": f"tencentcloud-sdk-nodejs {found['tencentcloud-sdk-nodejs']} on Node {found['node']}, "
                 "scripts/capture_node_pretty.py",
        "sent": {c.name: {"code": c.code, "message": c.message, "request_id": c.request_id} for c in CASES},
        "expected": {},
    }
    expected: dict[str, list[Expected]] = {}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "app.js").write_text(APP)
        for number, (stem, (form, pipe, reads)) in enumerate(FORMS.items()):
            name = stem.format_map(found)
            text = "".join(run(fake, modules, folder, form, pipe, c) for c in CASES)
            (OUT / f"{name}.txt").write_text(text, encoding="utf-8")
            expected[name] = [reads(c) for c in CASES]
            if stem in WRAPPED:
                for platform, record in (("docker-json-file", docker_json_file), ("kubernetes-cri", cri)):
                    (OUT / f"{platform}-{name}.txt").write_text(wrap(record, text, number), encoding="utf-8")
                    expected[f"{platform}-{name}"] = expected[name]
            print(f"wrote {name}.txt")
    answers["expected"] = expected
    (OUT / "node-pretty.json").write_text(json.dumps(answers, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
