"""One polite HTTP client for every web connector (docs/network-sources.md, "Network sources").

* a User-Agent naming ftb and its version;
* a per-host rate limit: never more than R requests in any one-second window (a sliding
  window of the last R send times; R below 1 means one request per 1/R seconds);
* retries with exponential backoff on 429 and 5xx and on refused/reset connections,
  honouring ``Retry-After`` (seconds or an HTTP date) up to ``max_wait``;
* an on-disk cache keyed by method + URL + query + body: a re-run fetches nothing it already
  has, whatever the server's Cache-Control says; ``refresh=True`` fetches again (and stores);
* a missing network is one :class:`FetchError` with a hint, never a traceback;
* a :class:`CancelToken` is checked before each request and during every wait.

stdlib only (urllib): no extra dependency, and loopback servers in tests work unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from ftbuilder import __version__
from ftbuilder.core.errors import FtbError
from ftbuilder.core.progress import CancelToken

USER_AGENT = f"ftb/{__version__} (ftbuilder dataset builder; polite crawler)"
DEFAULT_RATE = 2.0  # requests per second per host
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
CACHED_STATUS = frozenset({200, 203, 204, 404, 410})  # answers a re-run can reuse
SAFETY = 0.02  # seconds added to each window: server-side arrival jitter stays inside it


class FetchError(FtbError):
    """A page or API call could not be fetched. ``kind``: offline, timeout, http, refused,
    bad_json, too_long (Retry-After beyond the longest wait), cancelled-free."""

    def __init__(self, message: str, hint: str = "", kind: str = "http",
                 status: int | None = None, url: str = "") -> None:
        super().__init__(message, hint)
        self.kind = kind
        self.status = status
        self.url = url


@dataclass
class Response:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    from_cache: bool = False
    cache_file: Path | None = None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body as JSON; a malformed body is a FetchError (and leaves the cache, so a
        re-run asks again)."""
        try:
            return json.loads(self.body)
        except ValueError as e:
            if self.cache_file is not None:
                self.cache_file.unlink(missing_ok=True)
            raise FetchError(f"{self.url}: the server's answer is not valid JSON ({e.msg} at "
                             f"character {e.pos})",
                             "the server may be failing or not be this kind of site; "
                             "try again later or check the URL", kind="bad_json",
                             status=self.status, url=self.url) from None


class RateLimiter:
    """Per-host sliding window: at most ``n`` sends in any ``window`` seconds."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise FtbError(f"--rate must be above 0, got {rate}", "e.g. --rate 2 (per second)")
        self.n = max(1, int(rate)) if rate >= 1 else 1
        self.window = (1.0 if rate >= 1 else 1.0 / rate) + SAFETY
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def slow_down(self, host: str, rate: float) -> None:
        """robots.txt Crawl-delay: never faster than ``rate`` for ``host``."""
        self.n = min(self.n, max(1, int(rate)) if rate >= 1 else 1)
        self.window = max(self.window, (1.0 if rate >= 1 else 1.0 / rate) + SAFETY)

    def wait(self, host: str, cancel: CancelToken | None) -> None:
        while True:
            with self._lock:
                sent = self._sent.setdefault(host, deque())
                now = time.monotonic()
                while sent and now - sent[0] >= self.window:
                    sent.popleft()
                if len(sent) < self.n:
                    sent.append(now)
                    return
                delay = self.window - (now - sent[0])
            sleep(delay, cancel)


def sleep(seconds: float, cancel: CancelToken | None) -> None:
    """Sleep, waking to honour a cancel (raises Cancelled)."""
    end = time.monotonic() + max(0.0, seconds)
    while True:
        if cancel is not None:
            cancel.check()
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.1))


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass
class HttpClient:
    """See the module docstring. ``requests`` counts what went on the wire (cache hits
    excluded); ``log`` keeps (method, url, status) of each, for reports and tests."""

    cache_dir: Path | None = None
    rate: float = DEFAULT_RATE
    retries: int = 4
    timeout: float = 30.0
    refresh: bool = False
    cancel: CancelToken | None = None
    backoff: float = 0.5
    max_wait: float = 120.0
    headers: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    cache_hits: int = 0
    log: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.limiter = RateLimiter(self.rate)
        self._opener = urllib.request.build_opener()

    # --- public ----------------------------------------------------------------------------
    def get(self, url: str, params: Mapping[str, Any] | None = None,
            headers: Mapping[str, str] | None = None, ok: frozenset[int] = frozenset()
            ) -> Response:
        """GET ``url`` (``params`` added to its query). Returns 2xx answers and those in
        ``ok`` (e.g. {404} for robots.txt); any other status is a FetchError."""
        return self.request("GET", with_params(url, params), None, headers, ok)

    def post_json(self, url: str, body: Any, headers: Mapping[str, str] | None = None
                  ) -> Response:
        data = json.dumps(body, sort_keys=True).encode()
        h = {"Content-Type": "application/json", **(headers or {})}
        return self.request("POST", url, data, h, frozenset())

    def request(self, method: str, url: str, data: bytes | None,
                headers: Mapping[str, str] | None, ok: frozenset[int]) -> Response:
        key = cache_key(method, url, data)
        if not self.refresh:
            hit = self._cache_read(key)
            if hit is not None:
                self.cache_hits += 1
                return self._checked(hit, ok)
        resp = self._fetch(method, url, data, headers or {})
        if resp.status in CACHED_STATUS:
            resp.cache_file = self._cache_write(key, resp)
        return self._checked(resp, ok)

    # --- the wire --------------------------------------------------------------------------
    def _fetch(self, method: str, url: str, data: bytes | None,
               headers: Mapping[str, str]) -> Response:
        host = urllib.parse.urlsplit(url).netloc
        h = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **self.headers,
             **headers}
        attempt = 0
        while True:
            if self.cancel is not None:
                self.cancel.check()
            self.limiter.wait(host, self.cancel)
            req = urllib.request.Request(url, data=data, headers=h, method=method)
            self.requests += 1
            try:
                with self._opener.open(req, timeout=self.timeout) as r:
                    resp = Response(r.geturl(), r.status, dict(r.headers.items()), r.read())
            except urllib.error.HTTPError as e:
                body = _read(e)
                resp = Response(url, e.code, dict(e.headers.items()) if e.headers else {},
                                body)
            except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
                err = _network_error(url, e)
                self.log.append((method, url, 0))
                if err.kind in ("refused", "timeout", "reset") and attempt < self.retries:
                    attempt += 1
                    sleep(self._backoff(attempt), self.cancel)
                    continue
                raise err from None
            self.log.append((method, url, resp.status))
            if resp.status not in RETRY_STATUS:
                return resp
            wait = retry_after(resp.headers.get("Retry-After"))
            if attempt >= self.retries:
                raise FetchError(f"{url}: HTTP {resp.status} after {attempt + 1} tries",
                                 "the server is busy or failing; run the same command later: "
                                 "what was fetched is cached", status=resp.status, url=url)
            if wait is not None and wait > self.max_wait:
                raise FetchError(f"{url}: HTTP {resp.status}, the server asks to wait "
                                 f"{wait:.0f} s", "run the same command after that time; "
                                 "what was fetched is cached", kind="too_long",
                                 status=resp.status, url=url)
            attempt += 1
            sleep(wait if wait is not None else self._backoff(attempt), self.cancel)

    def _backoff(self, attempt: int) -> float:
        return self.backoff * (2 ** (attempt - 1)) * (1 + random.random() * 0.25)

    @staticmethod
    def _checked(resp: Response, ok: frozenset[int]) -> Response:
        if 200 <= resp.status < 300 or resp.status in ok:
            return resp
        hint = {404: "check the URL (the page or API path does not exist)",
                401: "the server wants credentials", 403: "the server refuses this client"}
        raise FetchError(f"{resp.url}: HTTP {resp.status}",
                         hint.get(resp.status, "check the URL and the server"),
                         status=resp.status, url=resp.url)

    # --- the cache -------------------------------------------------------------------------
    def _cache_path(self, key: str) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / key[:2] / f"{key}.json"

    def _cache_read(self, key: str) -> Response | None:
        path = self._cache_path(key)
        if path is None:
            return None
        try:
            d = json.loads(path.read_text("utf-8"))
            return Response(d["url"], int(d["status"]), dict(d["headers"]),
                            base64.b64decode(d["body"]), from_cache=True, cache_file=path)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or damaged: fetched again

    def _cache_write(self, key: str, resp: Response) -> Path | None:
        path = self._cache_path(key)
        if path is None:
            return None
        d = {"url": resp.url, "status": resp.status, "fetched": time.time(),
             "headers": {k: v for k, v in resp.headers.items()
                         if k.lower() in ("content-type", "last-modified", "etag")},
             "body": base64.b64encode(resp.body).decode()}
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps(d), "utf-8")
            os.replace(tmp, path)
        except OSError:
            return None  # a cache that cannot be written only costs a re-fetch
        return path


def with_params(url: str, params: Mapping[str, Any] | None) -> str:
    if not params:
        return url
    pairs: list[tuple[str, str]] = []
    for k, v in params.items():
        for item in v if isinstance(v, list | tuple) else [v]:
            pairs.append((k, str(item)))
    sep = "&" if urllib.parse.urlsplit(url).query else "?"
    return url + sep + urllib.parse.urlencode(pairs)


def cache_key(method: str, url: str, data: bytes | None) -> str:
    h = hashlib.sha256(f"{method} {url}".encode())
    if data:
        h.update(b"\0" + data)
    return h.hexdigest()


def _read(e: urllib.error.HTTPError) -> bytes:
    try:
        return e.read()
    except OSError:
        return b""


def _network_error(url: str, e: BaseException) -> FetchError:
    reason = getattr(e, "reason", e)
    host = urllib.parse.urlsplit(url).hostname or url
    offline = "check the network connection (or point the command at a reachable server " \
              "with its URL option); pages fetched before are read from the cache"
    if isinstance(reason, socket.gaierror):
        return FetchError(f"cannot reach {host}: the name does not resolve (no network?)",
                          offline, kind="offline", url=url)
    if isinstance(reason, TimeoutError | socket.timeout):
        return FetchError(f"{host}: no answer in time", offline, kind="timeout", url=url)
    if isinstance(reason, ConnectionRefusedError):
        return FetchError(f"cannot connect to {host}: connection refused", offline,
                          kind="refused", url=url)
    if isinstance(reason, ConnectionResetError | ConnectionAbortedError
                  | http.client.HTTPException):
        return FetchError(f"{host}: the connection was reset", offline, kind="reset", url=url)
    text = str(getattr(reason, "strerror", None) or reason)
    if isinstance(reason, OSError) and reason.errno in (101, 113):  # unreachable
        return FetchError(f"cannot reach {host}: {text}", offline, kind="offline", url=url)
    return FetchError(f"cannot fetch {url}: {text}", offline, kind="offline", url=url)
