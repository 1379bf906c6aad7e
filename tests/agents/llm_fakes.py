"""Test doubles for the generating agents.

* :class:`ScriptedClient`: a real :class:`LLMClient` subclass whose replies come from a
  function of the request (agent logic tests, no network).
* :class:`ChatStub`: an OpenAI-compatible server on 127.0.0.1 (``/v1/chat/completions`` and
  ``/v1/completions``) whose reply to each distinct request is derived from the request
  itself, and which counts how many times each distinct request was answered.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ftbuilder.backends.base import LLMClient, LLMRequest, LLMResponse
from ftbuilder.core.errors import ProviderError


def request_id(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def conversations_json(seed: str, n: int = 3, turns: int = 1) -> str:
    """A well-formed create-mode reply with ``n`` distinct conversations derived from ``seed``."""
    convs = []
    for i in range(n):
        msgs = []
        for t in range(turns):
            msgs.append({"role": "user", "content": f"Question {seed[:10]}-{i}-{t}: how does "
                                                    f"the refund policy work?"})
            msgs.append({"role": "assistant", "content": f"Refunds take 14 days ({seed[:6]})."})
        convs.append({"messages": msgs, "keywords": ["refunds", f"k{i}"]})
    return json.dumps({"conversations": convs})


class ScriptedClient(LLMClient):
    """Replies ``reply(request, call_index)``; raises it when it returns an exception."""

    backend = "fake"

    def __init__(self, reply: Callable[[LLMRequest, int], str | Exception] | None = None,
                 delay: float = 0.0, model: str = "fake-model") -> None:
        super().__init__(model)
        self.reply = reply or (lambda req, i: conversations_json(request_id(
            req.cache_key_parts())))
        self.delay = delay
        self.calls: list[LLMRequest] = []
        self.answered: list[LLMRequest] = []  # calls that returned a reply (not cancelled)
        self.active = 0
        self.max_active = 0

    async def agenerate(self, request: LLMRequest) -> LLMResponse:
        self.calls.append(request)
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            out = self.reply(request, len(self.calls) - 1)
        finally:
            self.active -= 1
        if isinstance(out, Exception):
            raise out
        self.answered.append(request)
        return LLMResponse(out, prompt_tokens=100, completion_tokens=50, model=self.model)


def provider_error() -> ProviderError:
    return ProviderError("fake server error (HTTP 503) after 3 retries", "try again later")


_COUNT_RE = re.compile(r"Write (\d+) conversation")
_TURNS_RE = re.compile(r"Each has (\d+) user message")


class ChatStub:
    """OpenAI-compatible stub; ``counts`` maps each distinct request body to times answered.

    ``delay`` seconds per reply; ``fail_first`` answers that many requests with HTTP
    ``fail_status`` (503: overloaded; 401: a rejected key); so does every request for which
    ``fail_if(body)`` is true. ``bodies`` keeps every request body received.
    """

    def __init__(self, delay: float = 0.0, fail_first: int = 0,
                 text: Callable[[dict[str, Any], str], str] | None = None,
                 fail_status: int = 503,
                 fail_if: Callable[[dict[str, Any]], bool] | None = None) -> None:
        self.delay = delay
        self.fail_first = fail_first
        self.fail_if = fail_if
        self.bodies: list[dict[str, Any]] = []
        self.fail_status = fail_status
        self.text = text
        self.counts: Counter[str] = Counter()
        self.total = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> ChatStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def answer(self, body: dict[str, Any], rid: str) -> str:
        if self.text is not None:
            return self.text(body, rid)
        if "prompt" in body:  # completion style: continue "Question:"
            return f" What is covered by item {rid[:10]}?\nAnswer: Item {rid[:10]} is covered."
        user = body["messages"][-1]["content"]
        n = int(m.group(1)) if (m := _COUNT_RE.search(user)) else 1
        turns = int(m.group(1)) if (m := _TURNS_RE.search(user)) else 1
        return conversations_json(rid, n, turns)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls per request

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                rid = request_id(body)
                with stub._lock:
                    stub.total += 1
                    stub.bodies.append(body)
                    failing = stub.total <= stub.fail_first or bool(
                        stub.fail_if is not None and stub.fail_if(body))
                if stub.delay:
                    time.sleep(stub.delay)
                if failing:
                    self._send(stub.fail_status,
                               {"error": {"message": "overloaded", "type": "server"}})
                    return
                text = stub.answer(body, rid)
                with stub._lock:
                    stub.counts[rid] += 1
                usage = {"prompt_tokens": 120, "completion_tokens": 60, "total_tokens": 180}
                if "prompt" in body:
                    choice = {"index": 0, "text": text, "finish_reason": "stop"}
                    obj = "text_completion"
                else:
                    choice = {"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": text}}
                    obj = "chat.completion"
                self._send(200, {"id": "x", "object": obj, "created": 0,
                                 "model": body.get("model", "stub"), "choices": [choice],
                                 "usage": usage})

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def project_settings(root: Any, env: dict[str, str] | None = None, **config: Any) -> Any:
    """Settings for a project folder ``root`` holding a copy of the repository's prompts/."""
    import shutil

    from ftbuilder.config import Settings, parse_config

    if not (root / "prompts").exists():
        shutil.copytree(REPO / "prompts", root / "prompts")
    return Settings(parse_config(config), root, env or {})
