"""A scripted HTTP server on 127.0.0.1 that speaks one LLM API's wire protocol.

``StubServer(protocol, key)`` runs a stdlib ThreadingHTTPServer in a thread. Each request is
recorded (``seen``); the reply is the next scripted :class:`Reply` if any, else a success in
the protocol's JSON shape whose text is ``answer`` (default: "echo: <last user text>"). A
request without the right key gets the protocol's 401. Scripted replies give a status, headers
(``Retry-After``), a delay (slower than the client's timeout) or a model answer (malformed).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    answer: str | None = None  # the model's text (status 200)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: Any = None  # a raw body overriding the protocol's shape


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float


class StubServer:
    """One protocol, one key, a script of replies; use as a context manager."""

    def __init__(self, protocol: Any, key: str) -> None:
        self.protocol = protocol
        self.key = key
        self.script: deque[Reply] = deque()
        self.seen: list[Seen] = []
        self.answer: str | None = None
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def queue(self, *replies: Reply) -> StubServer:
        self.script.extend(replies)
        return self

    @property
    def requests(self) -> int:
        return len(self.seen)

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next(self, seen: Seen) -> tuple[int, dict[str, str], bytes, float]:
        with self._lock:
            self.seen.append(seen)
            reply = self.script.popleft() if self.script else Reply()
        p = self.protocol
        if not p.route_ok(seen):
            return 404, {}, json.dumps(p.error(404, f"no route {seen.path}")).encode(), 0
        if not p.auth_ok(seen, self.key):
            return 401, {}, json.dumps(p.error(401, "invalid api key")).encode(), 0
        if reply.body is not None:
            body = reply.body
        elif reply.status == 200:
            answer = reply.answer if reply.answer is not None else self.answer
            body = p.success(seen, answer if answer is not None else p.echo(seen))
        else:
            body = p.error(reply.status, f"scripted HTTP {reply.status}")
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        return reply.status, reply.headers, raw, reply.delay

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                seen = Seen(self.command, self.path,
                            {k.lower(): v for k, v in self.headers.items()}, body,
                            time.monotonic())
                status, headers, payload, delay = server._next(seen)
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_POST = _serve
            do_GET = _serve

        return Handler
