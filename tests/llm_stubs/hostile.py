"""A loopback HTTP server that misbehaves below the protocol: byte by byte, on purpose.

``HostileServer(behave)`` accepts connections on 127.0.0.1, reads one HTTP/1.1 request
(headers and Content-Length body) and hands it to ``behave(request) -> Act``; each
:class:`Act` says what goes back: a status line, headers and a body sent whole, one byte
every ``trickle`` seconds, or cut after ``cut`` bytes with a TCP reset (SO_LINGER 0).
``tls`` wraps the listening socket with a self-signed certificate (made with openssl).
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


@dataclass
class Act:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    trickle: float = 0.0  # seconds between bytes of the body (0: all at once)
    cut: int | None = None  # send this many body bytes, then reset the connection
    content_length: int | None = None  # announced length (default: len(body))


REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, made by the openssl command."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class HostileServer:
    def __init__(self, behave: Callable[[Request], Act],
                 tls: tuple[Path, Path] | None = None) -> None:
        self.behave = behave
        self.requests: list[Request] = []
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._ctx: ssl.SSLContext | None = None
        if tls is not None:
            self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._ctx.load_cert_chain(str(tls[0]), str(tls[1]))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return self._sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"{'https' if self._ctx else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self._ctx is not None:
                try:
                    conn = self._ctx.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    conn.close()  # the client refused our certificate
                    return
            f = conn.makefile("rb")
            while not self._stop.is_set():
                line = f.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (h := f.readline()) not in (b"\r\n", b"\n", b""):
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                body = f.read(int(headers.get("content-length") or 0))
                req = Request(method, path, headers, body)
                with self._lock:
                    self.requests.append(req)
                if not self._reply(conn, self.behave(req)):
                    return
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def _reply(self, conn: socket.socket, act: Act) -> bool:
        length = len(act.body) if act.content_length is None else act.content_length
        head = [f"HTTP/1.1 {act.status} {REASONS.get(act.status, 'Status')}",
                f"Content-Length: {length}"]
        head += [f"{k}: {v}" for k, v in act.headers.items()]
        if not any(k.lower() == "content-type" for k in act.headers):
            head.append("Content-Type: application/json")
        conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if act.cut is not None:
            conn.sendall(act.body[:act.cut])
            time.sleep(0.05)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # a reset, not an orderly close
            return False
        if act.trickle:
            for i in range(len(act.body)):
                if self._stop.is_set():
                    return False
                conn.sendall(act.body[i:i + 1])
                time.sleep(act.trickle)
            return True
        conn.sendall(act.body)
        return True
