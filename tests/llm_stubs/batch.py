"""Loopback servers that speak each provider's batch API wire protocol (docs/scale.md).

``BatchStub(kind, key)`` (kind: openai, anthropic, google, mistral) runs a stdlib threaded
HTTP server on 127.0.0.1: file upload (multipart, OpenAI and Mistral), batch create, retrieve
(each retrieve moves the batch one step along ``states``, e.g. validating -> in_progress ->
completed), the results (a JSONL file, a JSONL stream, or inlined responses), cancel and
list. Each request's model text comes from ``answer(custom_id, body)`` (default: one
create-mode conversation, distinct per custom id). Faults: ``errored`` (custom ids answered
with an error), ``expire_after`` (the batch ends expired with only that many results),
``fail_batch`` (the batch fails validation), ``script`` (HTTP statuses for the next calls).
``creates`` counts the batches created: a build run twice must not create a second one.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar


def conversation_answer(custom_id: str, body: Any) -> str:
    """One create-mode conversation, distinct per custom id."""
    return json.dumps({"conversations": [{"messages": [
        {"role": "user", "content": f"What does item {custom_id} say about refunds?"},
        {"role": "assistant", "content": f"Item {custom_id} says refunds take "
                                         f"{len(custom_id)} days."}],
        "keywords": ["refunds", f"k{custom_id[:6]}"]}]})


@dataclass
class StubBatch:
    id: str
    requests: list[tuple[str, Any]]  # (custom id, request body)
    meta: dict[str, Any]
    created: float = field(default_factory=time.time)
    step: int = 0
    cancelled: bool = False
    output_file: str = ""
    error_file: str = ""


class BatchStub:
    STATES: ClassVar[dict[str, list[str]]] = {
        "openai": ["validating", "in_progress", "finalizing", "completed"],
        "anthropic": ["in_progress", "in_progress", "ended"],
        "google": ["BATCH_STATE_PENDING", "BATCH_STATE_RUNNING", "BATCH_STATE_SUCCEEDED"],
        "mistral": ["QUEUED", "RUNNING", "SUCCESS"]}
    FINAL_EXPIRED: ClassVar[dict[str, str]] = {
        "openai": "expired", "anthropic": "ended", "google": "BATCH_STATE_EXPIRED",
        "mistral": "TIMEOUT_EXCEEDED"}
    FINAL_FAILED: ClassVar[dict[str, str]] = {
        "openai": "failed", "anthropic": "ended", "google": "BATCH_STATE_FAILED",
        "mistral": "FAILED"}

    def __init__(self, kind: str, key: str,
                 answer: Callable[[str, Any], str] = conversation_answer) -> None:
        self.kind, self.key, self.answer = kind, key, answer
        self.states = list(self.STATES[kind])
        self.errored: set[str] = set()
        self.expire_after: int | None = None
        self.fail_batch = False
        self.script: deque[int] = deque()
        self.batches: dict[str, StubBatch] = {}
        self.files: dict[str, bytes] = {}
        self.seen: list[tuple[str, str]] = []
        self.creates = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # --- set-up --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        """What the SDK is given as its base URL."""
        return self.url + ("/v1" if self.kind == "openai" else "")

    def __enter__(self) -> BatchStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- state -----------------------------------------------------------------------------
    def _state(self, b: StubBatch) -> str:
        if b.cancelled:
            return {"openai": "cancelled", "anthropic": "ended",
                    "google": "BATCH_STATE_CANCELLED", "mistral": "CANCELLED"}[self.kind]
        last = self.states[min(b.step, len(self.states) - 1)]
        if b.step >= len(self.states) - 1:
            if self.fail_batch:
                return self.FINAL_FAILED[self.kind]
            if self.expire_after is not None:
                return self.FINAL_EXPIRED[self.kind]
        return last

    def _ended(self, b: StubBatch) -> bool:
        return b.cancelled or b.step >= len(self.states) - 1

    def _outcomes(self, b: StubBatch) -> list[tuple[str, str, Any]]:
        """(custom id, "ok" | "error" | "expired", body) per request, once ended."""
        out = []
        for n, (cid, body) in enumerate(b.requests):
            late = self.expire_after is not None and n >= self.expire_after
            if self.fail_batch or b.cancelled or late:
                out.append((cid, "expired", body))
            elif cid in self.errored:
                out.append((cid, "error", body))
            else:
                out.append((cid, "ok", body))
        return out

    # --- protocol: shapes --------------------------------------------------------------------
    def _chat(self, cid: str, body: dict[str, Any], model: str) -> dict[str, Any]:
        text = self.answer(cid, body)
        return {"id": f"chatcmpl-{cid}", "object": "chat.completion", "created": 0,
                "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                             "message": {"role": "assistant",
                                                         "content": text}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 40, "total_tokens": 140}}

    def _openai_batch(self, b: StubBatch) -> dict[str, Any]:
        state = self._state(b)
        outcomes = self._outcomes(b) if self._ended(b) else []
        d: dict[str, Any] = {
            "id": b.id, "object": "batch", "endpoint": "/v1/chat/completions",
            "errors": {"object": "list", "data": [{"code": "invalid_request", "message":
                                                   "the input file is not valid"}]}
            if self.fail_batch and self._ended(b) else None,
            "input_file_id": b.meta.get("input_file_id", ""), "completion_window": "24h",
            "status": state, "created_at": int(b.created), "metadata": b.meta.get("metadata"),
            "output_file_id": b.output_file or None, "error_file_id": b.error_file or None,
            "request_counts": {"total": len(b.requests),
                               "completed": sum(o[1] == "ok" for o in outcomes),
                               "failed": sum(o[1] != "ok" for o in outcomes)}}
        return d

    def _finish_files(self, b: StubBatch) -> None:
        """The output and error JSONL files of an ended OpenAI / Mistral batch."""
        if b.output_file or b.error_file or not self._ended(b):
            return
        ok, bad = [], []
        for cid, kind, body in self._outcomes(b):
            if kind == "ok":
                ok.append({"id": f"req-{cid}", "custom_id": cid, "error": None, "response": {
                    "status_code": 200, "request_id": cid,
                    "body": self._chat(cid, body, body.get("model", "stub"))}})
            elif kind == "error":
                bad.append({"id": f"req-{cid}", "custom_id": cid, "response": {
                    "status_code": 500, "request_id": cid, "body": {"error": {
                        "message": "scripted item error", "type": "server_error"}}},
                    "error": None})
            elif self.kind == "openai":
                bad.append({"id": f"req-{cid}", "custom_id": cid, "response": None,
                            "error": {"code": "batch_expired",
                                      "message": "This request could not be executed before "
                                                 "the completion window expired."}})
        for rows, attr in ((ok, "output_file"), (bad, "error_file")):
            if rows:
                fid = (f"file-{uuid.uuid4().hex[:12]}" if self.kind == "openai"
                       else str(uuid.uuid4()))
                self.files[fid] = "".join(json.dumps(r) + "\n" for r in rows).encode()
                setattr(b, attr, fid)

    # --- protocol: routes ------------------------------------------------------------------
    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes
               ) -> tuple[int, str, bytes]:
        path = path.split("?")[0]
        with self._lock:
            self.seen.append((method, path))
            scripted = self.script.popleft() if self.script else None
        if scripted is not None:
            return scripted, "application/json", json.dumps(
                {"error": {"message": f"scripted HTTP {scripted}", "type": "server_error"}}
            ).encode()
        if not self._auth(headers):
            return 401, "application/json", json.dumps(
                {"error": {"message": "invalid api key", "type": "authentication_error"}}
            ).encode()
        route = getattr(self, f"_route_{self.kind}")
        with self._lock:
            found = route(method, path, headers, raw)
        if found is None:
            return 404, "application/json", json.dumps(
                {"error": {"message": f"no route {method} {path}"}}).encode()
        status, body = found
        if isinstance(body, bytes):
            return status, "application/octet-stream", body
        return status, "application/json", json.dumps(body).encode()

    def _auth(self, h: dict[str, str]) -> bool:
        if self.kind == "anthropic":
            return h.get("x-api-key") == self.key or h.get("authorization") == \
                f"Bearer {self.key}"
        if self.kind == "google":
            return h.get("x-goog-api-key") == self.key
        return h.get("authorization") == f"Bearer {self.key}"

    def _upload(self, headers: dict[str, str], raw: bytes) -> tuple[str, bytes, str]:
        msg = email.message_from_bytes(
            b"Content-Type: " + headers["content-type"].encode() + b"\r\n\r\n" + raw,
            policy=email.policy.HTTP)
        content, purpose, name = b"", "", ""
        for part in msg.iter_parts():
            field_name = part.get_param("name", header="content-disposition")
            if field_name == "file":
                content = part.get_payload(decode=True)
                name = part.get_filename() or "upload.jsonl"
            elif field_name == "purpose":
                purpose = part.get_payload(decode=True).decode()
        return name, content, purpose

    def _new_batch(self, requests: list[tuple[str, Any]], meta: dict[str, Any],
                   bid: str) -> StubBatch:
        self.creates += 1
        b = StubBatch(bid, requests, meta)
        self.batches[bid] = b
        return b

    def _advance(self, b: StubBatch) -> None:
        if not self._ended(b):
            b.step += 1

    def _route_openai(self, method: str, path: str, headers: dict[str, str], raw: bytes
                      ) -> tuple[int, Any] | None:
        if method == "POST" and path == "/v1/files":
            name, content, purpose = self._upload(headers, raw)
            fid = f"file-{uuid.uuid4().hex[:12]}"
            self.files[fid] = content
            return 200, {"id": fid, "object": "file", "bytes": len(content), "created_at": 0,
                         "filename": name, "purpose": purpose, "status": "processed"}
        if method == "POST" and path == "/v1/batches":
            body = json.loads(raw)
            lines = [json.loads(x) for x in self.files[body["input_file_id"]].splitlines()
                     if x.strip()]
            b = self._new_batch([(x["custom_id"], x["body"]) for x in lines],
                                {"input_file_id": body["input_file_id"],
                                 "metadata": body.get("metadata")},
                                f"batch_{uuid.uuid4().hex[:16]}")
            return 200, self._openai_batch(b)
        if method == "GET" and path == "/v1/batches":
            data = [self._openai_batch(b) for b in reversed(self.batches.values())]
            return 200, {"object": "list", "data": data, "has_more": False}
        m = re.fullmatch(r"/v1/batches/([^/]+)(/cancel)?", path)
        if m and m.group(1) in self.batches:
            b = self.batches[m.group(1)]
            if m.group(2):
                b.cancelled = True
            else:
                self._advance(b)
            self._finish_files(b)
            return 200, self._openai_batch(b)
        m = re.fullmatch(r"/v1/files/([^/]+)/content", path)
        if m and m.group(1) in self.files:
            return 200, self.files[m.group(1)]
        return None

    def _route_mistral(self, method: str, path: str, headers: dict[str, str], raw: bytes
                       ) -> tuple[int, Any] | None:
        if method == "POST" and path == "/v1/files":
            name, content, purpose = self._upload(headers, raw)
            fid = str(uuid.uuid4())
            self.files[fid] = content
            return 200, {"id": fid, "object": "file", "bytes": len(content), "created_at": 0,
                         "filename": name, "purpose": purpose or "batch",
                         "sample_type": "batch_request", "source": "upload"}
        if method == "POST" and path == "/v1/batch/jobs":
            body = json.loads(raw)
            reqs = []
            for fid in body["input_files"]:
                for x in self.files[fid].splitlines():
                    if x.strip():
                        line = json.loads(x)
                        reqs.append((line["custom_id"], {**line["body"],
                                                         "model": body.get("model")}))
            b = self._new_batch(reqs, {"input_files": body["input_files"],
                                       "model": body.get("model"),
                                       "metadata": body.get("metadata")}, str(uuid.uuid4()))
            return 200, self._mistral_job(b)
        m = re.fullmatch(r"/v1/batch/jobs/([^/]+)(/cancel)?", path)
        if m and m.group(1) in self.batches:
            b = self.batches[m.group(1)]
            if m.group(2):
                b.cancelled = True
            else:
                self._advance(b)
            self._finish_files(b)
            return 200, self._mistral_job(b)
        m = re.fullmatch(r"/v1/files/([^/]+)/content", path)
        if m and m.group(1) in self.files:
            return 200, self.files[m.group(1)]
        return None

    def _mistral_job(self, b: StubBatch) -> dict[str, Any]:
        outcomes = self._outcomes(b) if self._ended(b) else []
        return {"id": b.id, "object": "batch", "input_files": b.meta["input_files"],
                "endpoint": "/v1/chat/completions", "model": b.meta.get("model"),
                "errors": [{"message": "the input file is not valid", "count": 1}]
                if self.fail_batch and self._ended(b) else [],
                "status": self._state(b), "created_at": int(b.created),
                "total_requests": len(b.requests),
                "completed_requests": len(outcomes),
                "succeeded_requests": sum(o[1] == "ok" for o in outcomes),
                "failed_requests": sum(o[1] != "ok" for o in outcomes),
                "metadata": b.meta.get("metadata"), "output_file": b.output_file or None,
                "error_file": b.error_file or None}

    def _route_anthropic(self, method: str, path: str, headers: dict[str, str], raw: bytes
                         ) -> tuple[int, Any] | None:
        if "anthropic-version" not in headers:
            return 400, {"type": "error", "error": {"type": "invalid_request_error",
                                                    "message": "anthropic-version missing"}}
        if method == "POST" and path == "/v1/messages/batches":
            body = json.loads(raw)
            b = self._new_batch([(r["custom_id"], r["params"]) for r in body["requests"]], {},
                                f"msgbatch_{uuid.uuid4().hex[:20]}")
            return 200, self._anthropic_batch(b)
        m = re.fullmatch(r"/v1/messages/batches/([^/]+)(/cancel|/results)?", path)
        if not m or m.group(1) not in self.batches:
            return None
        b = self.batches[m.group(1)]
        if m.group(2) == "/cancel":
            b.cancelled = True
            return 200, self._anthropic_batch(b)
        if m.group(2) == "/results":
            if not self._ended(b):
                return 400, {"type": "error", "error": {"type": "invalid_request_error",
                                                        "message": "not ended"}}
            lines = []
            for cid, kind, body in self._outcomes(b):
                if kind == "ok":
                    text = self.answer(cid, body)
                    result = {"type": "succeeded", "message": {
                        "id": f"msg_{cid}", "type": "message", "role": "assistant",
                        "model": body.get("model"), "stop_reason": "tool_use",
                        "stop_sequence": None,
                        "content": [{"type": "tool_use", "id": "toolu_1",
                                     "name": "emit_output", "input": json.loads(text)}]
                        if body.get("tool_choice") else [{"type": "text", "text": text}],
                        "usage": {"input_tokens": 100, "output_tokens": 40}}}
                elif kind == "error":
                    result = {"type": "errored", "error": {"type": "error", "error": {
                        "type": "api_error", "message": "scripted item error"}}}
                else:
                    result = {"type": "expired"}
                lines.append(json.dumps({"custom_id": cid, "result": result}) + "\n")
            return 200, "".join(lines).encode()
        self._advance(b)
        return 200, self._anthropic_batch(b)

    def _anthropic_batch(self, b: StubBatch) -> dict[str, Any]:
        ended = self._ended(b)
        outcomes = self._outcomes(b) if ended else []
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(b.created))
        return {"id": b.id, "type": "message_batch", "processing_status": self._state(b),
                "request_counts": {"processing": 0 if ended else len(b.requests),
                                   "succeeded": sum(o[1] == "ok" for o in outcomes),
                                   "errored": sum(o[1] == "error" for o in outcomes),
                                   "canceled": 0,
                                   "expired": sum(o[1] == "expired" for o in outcomes)},
                "created_at": stamp, "expires_at": stamp, "ended_at": stamp if ended else None,
                "archived_at": None, "cancel_initiated_at": None,
                "results_url": f"{self.url}/v1/messages/batches/{b.id}/results"
                if ended else None}

    def _route_google(self, method: str, path: str, headers: dict[str, str], raw: bytes
                      ) -> tuple[int, Any] | None:
        m = re.fullmatch(r"/v1(?:beta)?/models/([^/:]+):batchGenerateContent", path)
        if method == "POST" and m:
            body = json.loads(raw)["batch"]
            reqs = [(r["metadata"]["key"], r["request"])
                    for r in body["inputConfig"]["requests"]["requests"]]
            bid = f"batches/{uuid.uuid4().hex[:16]}"
            b = self._new_batch(reqs, {"model": f"models/{m.group(1)}",
                                       "displayName": body.get("displayName", "")}, bid)
            return 200, self._google_batch(b)
        m = re.fullmatch(r"/v1(?:beta)?/(batches/[^/:]+)(:cancel)?", path)
        if not m or m.group(1) not in self.batches:
            return None
        b = self.batches[m.group(1)]
        if m.group(2):
            b.cancelled = True
            return 200, {}
        self._advance(b)
        return 200, self._google_batch(b)

    def _google_batch(self, b: StubBatch) -> dict[str, Any]:
        meta: dict[str, Any] = {
            "@type": "type.googleapis.com/google.ai.generativelanguage.v1main."
                     "GenerateContentBatch",
            "model": b.meta["model"], "displayName": b.meta["displayName"], "name": b.id,
            "state": self._state(b),
            "createTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(b.created))}
        if self._ended(b) and not self.fail_batch:
            responses = []
            for cid, kind, body in self._outcomes(b):
                if kind == "ok":
                    text = self.answer(cid, body)
                    responses.append({"metadata": {"key": cid}, "response": {
                        "candidates": [{"content": {"role": "model", "parts": [{"text": text}]},
                                        "finishReason": "STOP", "index": 0}],
                        "usageMetadata": {"promptTokenCount": 100,
                                          "candidatesTokenCount": 40,
                                          "totalTokenCount": 140}}})
                elif kind == "error":
                    responses.append({"metadata": {"key": cid}, "error": {
                        "code": 500, "message": "scripted item error"}})
            meta["output"] = {"inlinedResponses": {"inlinedResponses": responses}}
        return {"name": b.id, "metadata": meta, "done": self._ended(b)}

    # --- HTTP --------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, ctype, payload = stub.handle(self.command, self.path, headers, raw)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_POST = do_GET = do_DELETE = _serve

        return Handler
