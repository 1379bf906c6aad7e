"""An OpenAI-compatible server for fleet tests: answers after ``latency`` seconds, counts what
it answered, serves ``GET /v1/models`` (the pool's health check), and can be stopped
mid-run (listening socket closed, open connections cut) and started again on its port."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any


class FleetServer:
    def __init__(self, latency: float = 0.02, answer: Any = None) -> None:
        self.latency = latency
        self.answer = answer  # answer(body, n) -> the model's text; default an echo
        self.answered = 0
        self._n = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.AbstractServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> FleetServer:
        self._thread.start()
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def start(self) -> None:
        async def go() -> None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port,
                                                      backlog=256, reuse_address=True)
            self.port = self._server.sockets[0].getsockname()[1]

        self._call(go())

    def stop(self) -> None:
        """Stop listening and cut every open connection (requests in flight fail)."""
        async def go() -> None:
            if self._server is not None:
                self._server.close()
                self._server = None
            for w in list(self._writers):
                w.transport.abort()
            self._writers.clear()

        self._call(go())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = json.loads(await reader.readexactly(length)) if length else {}
                if head.startswith(b"GET /v1/models"):
                    payload = json.dumps({"object": "list", "data": [
                        {"id": "fleet-model", "object": "model", "owned_by": "stub"}]})
                else:
                    await asyncio.sleep(self.latency)
                    self._n += 1
                    n = self._n
                    text = ("echo: " + body.get("messages", [{}])[-1].get("content", "")
                            if self.answer is None else self.answer(body, n))
                    payload = json.dumps({
                        "id": f"c{n}", "object": "chat.completion", "created": int(time.time()),
                        "model": body.get("model", "stub"),
                        "choices": [{"index": 0, "finish_reason": "stop", "message": {
                            "role": "assistant", "content": text}}],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5,
                                  "total_tokens": 15}})
                raw = payload.encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(len(raw)).encode() + b"\r\n\r\n" + raw)
                await writer.drain()
                if not head.startswith(b"GET /v1/models"):
                    self.answered += 1  # delivered (a cut connection's reply is not)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
