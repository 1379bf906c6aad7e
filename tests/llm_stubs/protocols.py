"""The wire shapes of each API, as the real services send them (paths, auth, JSON bodies)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from llm_stubs.server import Seen


def _words(value: Any) -> int:
    return len(json.dumps(value).split()) if value is not None else 0


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for m in reversed(messages or []):
        if m.get("role") == "user":
            c = m.get("content")
            return c if isinstance(c, str) else json.dumps(c)
    return ""


class OpenAIProtocol:
    """POST /v1/chat/completions, ``Authorization: Bearer``; errors ``{"error": {...}}``."""

    path = "/v1/chat/completions"

    def route_ok(self, seen: Seen) -> bool:
        return seen.method == "POST" and seen.path.rstrip("/") == self.path

    def auth_ok(self, seen: Seen, key: str) -> bool:
        return seen.headers.get("authorization") == f"Bearer {key}"

    def echo(self, seen: Seen) -> str:
        return "echo: " + _last_user_text(seen.body.get("messages", []))

    def success(self, seen: Seen, text: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-stub", "object": "chat.completion", "created": int(time.time()),
            "model": seen.body.get("model", "stub"),
            "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": _words(seen.body.get("messages")),
                      "completion_tokens": len(text.split()),
                      "total_tokens": _words(seen.body.get("messages")) + len(text.split())},
        }

    def error(self, status: int, message: str) -> dict[str, Any]:
        kinds = {401: "invalid_request_error", 429: "rate_limit_exceeded"}
        kind = kinds.get(status, "server_error")
        return {"error": {"message": message, "type": kind, "param": None, "code": None}}


class MistralProtocol(OpenAIProtocol):
    """Same route and auth as OpenAI; errors ``{"object": "error", "message": ...}``."""

    def error(self, status: int, message: str) -> dict[str, Any]:
        return {"object": "error", "message": message, "type": "invalid_request_error",
                "param": None, "code": str(status)}


class AnthropicProtocol:
    """POST /v1/messages, key in ``x-api-key`` (or ``Authorization: Bearer``, which SDK 2.x
    sends), ``anthropic-version`` required; a forced tool gets a ``tool_use`` block."""

    def route_ok(self, seen: Seen) -> bool:
        return seen.method == "POST" and seen.path.rstrip("/") == "/v1/messages"

    def auth_ok(self, seen: Seen, key: str) -> bool:
        given = seen.headers.get("x-api-key") or seen.headers.get("authorization", "")
        return given in (key, f"Bearer {key}") and "anthropic-version" in seen.headers

    def echo(self, seen: Seen) -> str:
        return "echo: " + _last_user_text(seen.body.get("messages", []))

    def success(self, seen: Seen, text: str) -> dict[str, Any]:
        body = seen.body
        content: list[dict[str, Any]] = [{"type": "text", "text": text}]
        stop = "end_turn"
        choice = body.get("tool_choice") or {}
        if choice.get("type") == "tool":
            try:
                data = json.loads(text)
            except ValueError:
                data = None  # the model ignored the tool: plain text comes back
            if isinstance(data, dict):
                content = [{"type": "tool_use", "id": "toolu_stub", "name": choice["name"],
                            "input": data}]
                stop = "tool_use"
        return {
            "id": "msg_stub", "type": "message", "role": "assistant", "content": content,
            "model": body.get("model", "stub"), "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": _words(body.get("messages")),
                      "output_tokens": len(text.split())},
        }

    def error(self, status: int, message: str) -> dict[str, Any]:
        kind = {401: "authentication_error", 429: "rate_limit_error", 404: "not_found_error",
                529: "overloaded_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}


class GoogleProtocol:
    """POST /v1beta (or /v1, google-genai 3.x's default)/models/{model}:generateContent with
    ``x-goog-api-key``."""

    route = re.compile(r"^/v1(?:beta)?/models/([^/:]+):generateContent$")

    def route_ok(self, seen: Seen) -> bool:
        return seen.method == "POST" and bool(self.route.match(seen.path.split("?")[0]))

    def auth_ok(self, seen: Seen, key: str) -> bool:
        return seen.headers.get("x-goog-api-key") == key

    def echo(self, seen: Seen) -> str:
        for c in reversed(seen.body.get("contents", [])):
            if c.get("role") == "user":
                return "echo: " + "".join(p.get("text", "") for p in c.get("parts", []))
        return "echo: "

    def success(self, seen: Seen, text: str) -> dict[str, Any]:
        prompt = _words(seen.body.get("contents"))
        return {
            "candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                            "finishReason": "STOP", "index": 0}],
            "usageMetadata": {"promptTokenCount": prompt,
                              "candidatesTokenCount": len(text.split()),
                              "totalTokenCount": prompt + len(text.split())},
            "modelVersion": self.route.match(seen.path.split("?")[0]).group(1),
        }

    def error(self, status: int, message: str) -> dict[str, Any]:
        name = {401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                500: "INTERNAL", 503: "UNAVAILABLE"}.get(status, "UNKNOWN")
        return {"error": {"code": status, "message": message, "status": name}}
