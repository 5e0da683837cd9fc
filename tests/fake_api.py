"""A loopback stand-in for the Tencent Cloud API: the real SDK's clients call it over HTTP.

It answers each request with the next queued answer, then with the standing one, and records the
`X-TC-Action` of every request, so a test can count the attempts a client made.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, str, bytes]  # HTTP status, content type, body


def error_answer(code: str, request_id: str) -> Answer:
    """An API 3.0 error answer, as the service sends it."""
    body = {"Response": {"Error": {"Code": code, "Message": f"message of {code}"}, "RequestId": request_id}}
    return 200, "application/json", json.dumps(body).encode()


def success_answer(request_id: str = "ok-0000") -> Answer:
    """A successful Decrypt answer."""
    body = {"Response": {"KeyId": "k", "Plaintext": "eA==", "RequestId": request_id}}
    return 200, "application/json", json.dumps(body).encode()


BAD_GATEWAY: Answer = (502, "text/html", b"<html>502 Bad Gateway</html>")


class Answers:
    """What the server answers: the queued answers first, then the standing one."""

    def __init__(self) -> None:
        self.status, self.content_type, self.body = 200, "application/json", b"{}"
        self.queue: deque[Answer] = deque()
        self.requests: list[str] = []
        self._lock = threading.Lock()

    def script(self, first: Answer, times: int, then: Answer) -> None:
        """Answer `first` `times` times, then `then` for good; forget earlier requests."""
        with self._lock:
            self.queue = deque([first] * times)
            self.status, self.content_type, self.body = then
            self.requests = []

    def next(self, action: str) -> Answer:
        with self._lock:
            self.requests.append(action)
            return self.queue.popleft() if self.queue else (self.status, self.content_type, self.body)


@contextmanager
def fake_api() -> Iterator[tuple[str, Answers]]:
    """Serve on 127.0.0.1; yields the endpoint ("127.0.0.1:PORT") and its answers."""
    answers = Answers()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self.rfile.read(length)
            status, content_type, body = answers.next(self.headers.get("X-TC-Action", ""))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{httpd.server_address[1]}", answers
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def refused_endpoint() -> Iterator[str]:
    """An endpoint on 127.0.0.1 that refuses connections: bound, so no one else takes the port, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"127.0.0.1:{sock.getsockname()[1]}"
