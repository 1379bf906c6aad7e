"""What every backend shares: the attempt loop, JSON checking, counters and error messages.

A backend subclasses :class:`BackendClient` and writes three small methods: ``_make_sdk``
(build the SDK client, its own retries off), ``_attempt`` (one call, returns an LLMResponse or
raises the SDK's exception) and ``_classify`` (SDK exception -> :class:`Failure`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from ftbuilder.backends.base import LLMClient, LLMRequest, LLMResponse
from ftbuilder.backends.jsonout import parse_structured
from ftbuilder.backends.registry import key_vars
from ftbuilder.backends.retry import ClientStats, Failure, RetryPolicy, parse_retry_after
from ftbuilder.core import redact as redaction
from ftbuilder.core.errors import FtbError, ProviderError

log = logging.getLogger("ftbuilder.backends")
redaction.protect("ftbuilder.backends")

REDACTED = "[REDACTED]"  # what a key in the model's own output becomes


class MalformedReply(Exception):
    """A 200 answer in JSON that is not the API's reply object (a proxy's own JSON, say):
    classified ``bad_output`` (asked again at once)."""


class NotJSONReply(Exception):
    """A 200 answer that is not JSON at all (a proxy's HTML page, a body cut short, a
    nesting too deep to read): classified ``server`` (asked again after a backoff)."""


@contextmanager
def reading_reply(backend: str) -> Iterator[None]:
    """Reading the SDK's reply object: a field missing or of the wrong type (the server
    sent JSON of another shape) is a :class:`MalformedReply`, not a crash."""
    try:
        yield
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        raise MalformedReply(f"the reply lacks the {backend} API's fields ({exc})") from exc


def chat_messages(request: LLMRequest, system_inline: bool = True) -> list[dict[str, str]]:
    """The request as chat messages: its messages, else its prompt as one user message.

    With ``system_inline`` the request's ``system`` text leads as a system message.
    """
    messages = [dict(m) for m in request.messages] or (
        [{"role": "user", "content": request.prompt}] if request.prompt is not None else []
    )
    if system_inline and request.system:
        messages.insert(0, {"role": "system", "content": request.system})
    return messages


def status_failure(status: int, headers: Mapping[str, str] | None, detail: str) -> Failure:
    """Classify an HTTP error status the same way for every backend."""
    retry_after = parse_retry_after(headers)
    low = detail.lower()
    if 200 <= status < 300:  # an SDK that reports a body it could not read with its status
        return Failure("server", None, f"the reply is not a usable answer: {detail}")
    if status == 429:
        return Failure("rate_limit", status, detail, retry_after)
    if status in (408, 409) or status >= 500:
        return Failure("timeout" if status == 408 else "server", status, detail, retry_after)
    if status == 401:
        return Failure("auth", status, detail)
    if status == 403:
        return Failure("permission", status, detail)
    if status == 404:
        return Failure("not_found", status, detail)
    too_long = "context" in low or "too long" in low or ("maximum" in low and "token" in low)
    if status in (400, 413, 422) and too_long:
        return Failure("context", status, detail)
    if status in (400, 413, 422):
        return Failure("bad_request", status, detail)
    return Failure("other", status, detail)


def _preview(text: str, limit: int = 80) -> str:
    """One line of at most ``limit`` characters. Redact before: a key cut here is half a
    key the redaction could no longer match whole."""
    one_line = " ".join(text[: limit * 8].split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


def unusable_reply(exc: BaseException) -> Failure | None:
    """A Failure for an exception raised while reading a 200 reply, or None."""
    if isinstance(exc, MalformedReply):
        return Failure("bad_output", detail=str(exc))
    if isinstance(exc, NotJSONReply):
        return Failure("server", detail=str(exc))
    if isinstance(exc, json.JSONDecodeError):
        return Failure("server", detail=f"the reply is not JSON ({exc.msg}): "
                                        f"{exc.doc[:4000]}")
    if isinstance(exc, RecursionError):
        return Failure("server", detail="the reply is JSON nested too deeply to read")
    if isinstance(exc, UnicodeDecodeError):
        return Failure("server", detail=f"the reply is not UTF-8 text ({exc.reason})")
    return None


class BackendClient(LLMClient):
    """Base of the concrete clients: one retry policy, counters, redacted errors.

    Args:
        model: the model id (or GGUF name) requests go to.
        api_key: the key, from ``Settings.key_for``; held here only, never logged.
        base_url: the server to talk to (None = the SDK's public endpoint).
        timeout: seconds per HTTP attempt (``system.timeout``).
        max_retries: retries after the first attempt (``system.max_retries``).
        redact: removes every configured key from a text (``Settings.redact``).
        key_var: the variable the key came from, named in "key rejected" errors.
    """

    default_base_url: str = ""
    call_deadline: bool = True  # system.timeout bounds each whole attempt (HTTP backends)

    def __init__(self, model: str, *, api_key: str | None = None, base_url: str | None = None,
                 timeout: float = 60.0, max_retries: int = 3,
                 redact: Callable[[str], str] | None = None, key_var: str = "",
                 policy: RetryPolicy | None = None) -> None:
        super().__init__(model)
        self._api_key = api_key.strip() if api_key else api_key
        redaction.register_secrets([self._api_key])
        self.base_url = base_url or self.default_base_url
        self.timeout = timeout
        self.policy = policy or RetryPolicy(max_retries=max_retries)
        self.key_var = key_var
        self.stats = ClientStats()
        self._redact_fn = redact
        self._sdk_pair: tuple[asyncio.AbstractEventLoop, Any] | None = None

    def __repr__(self) -> str:  # never the key
        return f"<{type(self).__name__} {self.describe()} base_url={self.base_url!r}>"

    # --- for subclasses ---------------------------------------------------------------------
    def _make_sdk(self) -> Any:
        raise NotImplementedError

    async def _attempt(self, sdk: Any, request: LLMRequest) -> LLMResponse:
        raise NotImplementedError

    def _classify(self, exc: Exception) -> Failure | None:
        """A Failure for ``exc``, or None to let it propagate unchanged."""
        return None

    async def _close_sdk(self, sdk: Any) -> None:
        close = getattr(sdk, "close", None)
        if close is not None:
            result = close()
            if asyncio.iscoroutine(result):
                await result

    # --- shared machinery -------------------------------------------------------------------
    def redact(self, text: str, mark: str = redaction.MARK) -> str:
        """``text`` without this client's key or any configured key (whole or a 12+
        character piece of one)."""
        text = redaction.redact(text, [self._api_key], mark)
        if self._redact_fn is None:
            return text
        try:
            return self._redact_fn(text, mark)  # type: ignore[call-arg]
        except TypeError:  # a plain one-argument redactor
            return self._redact_fn(text)

    async def _timed_attempt(self, request: LLMRequest) -> LLMResponse:
        """One attempt, bounded as a whole by ``timeout`` (the SDKs' own timeouts bound the
        gap between bytes: a server trickling its reply would hold a call for minutes)."""
        if not self.call_deadline:
            return await self._attempt(self._sdk(), request)
        deadline = asyncio.timeout(self.timeout)
        try:
            async with deadline:
                return await self._attempt(self._sdk(), request)
        except TimeoutError as exc:
            if deadline.expired():
                raise _Deadline from exc
            raise  # the SDK's own timeout: classified by the backend

    def _sdk(self) -> Any:
        # An async SDK client belongs to the event loop it first ran on (its connection pool
        # does); the sync ``generate`` runs a fresh loop per call, so build one per loop.
        loop = asyncio.get_running_loop()
        if self._sdk_pair is None or self._sdk_pair[0] is not loop:
            self._sdk_pair = (loop, self._make_sdk())
        return self._sdk_pair[1]

    def generate(self, request: LLMRequest) -> LLMResponse:
        """Sync call: a private event loop, the SDK client closed before the loop ends."""

        async def once() -> LLMResponse:
            try:
                return await self.agenerate(request)
            finally:
                await self.aclose()

        return asyncio.run(once())

    async def aclose(self) -> None:
        pair, self._sdk_pair = self._sdk_pair, None
        if pair is not None and pair[0] is asyncio.get_running_loop():
            await self._close_sdk(pair[1])

    async def agenerate(self, request: LLMRequest) -> LLMResponse:
        """One generation, retried by the shared policy.

        Raises:
            ProviderError: after the retries, or at once for a non-retryable failure; the
                message says what happened and the hint what to do; no key in either.
        """
        self.stats.calls += 1
        retries = 0
        while True:
            self.stats.requests += 1
            failure: Failure | None = None
            try:
                response = await self._timed_attempt(request)
            except FtbError:
                self.stats.failures += 1
                raise
            except _Deadline:
                failure = Failure("timeout", detail=f"no complete answer in {self.timeout:g} s")
            except Exception as exc:
                failure = self._classify(exc) or unusable_reply(exc)
                if failure is None:
                    self.stats.failures += 1
                    raise
            else:
                self.stats.prompt_tokens += response.prompt_tokens
                self.stats.completion_tokens += response.completion_tokens
                # a key the model repeats (a prompt quoting it, a server echoing it) is
                # never stored nor shown: the reply leaves here without it
                response.text = self.redact(response.text, REDACTED)
                if request.json_schema is None:
                    return response
                fixed = parse_structured(response.text, request.json_schema)
                if fixed is not None:
                    response.text = fixed
                    return response
                # Cut off by max_tokens: asking again would be cut at the same place.
                kind = "truncated" if response.finish_reason == "length" else "bad_output"
                failure = Failure(kind, detail=_preview(response.text))
            if not failure.retryable or retries >= self.policy.max_retries:
                self.stats.failures += 1
                raise self._error(failure, retries)
            self.stats.retries_by_reason[failure.kind] += 1
            delay = self.policy.delay(retries, failure)
            retries += 1
            log.info(self.redact(f"{self.describe()}: {failure.kind}"
                                 f"{f' (HTTP {failure.status})' if failure.status else ''}, "
                                 f"retry {retries}/{self.policy.max_retries} in {delay:.1f} s"))
            await asyncio.sleep(delay)

    def _error(self, f: Failure, retries: int) -> ProviderError:
        name, model = self.backend, self.model
        after = f" after {retries} retr{'y' if retries == 1 else 'ies'}"
        # redacted whole, then cut: a key straddling the cut would otherwise survive in part
        f.detail = _preview(self.redact(f.detail), 160) if f.detail else ""
        detail = f": {f.detail}" if f.detail else ""
        where = f" at {self.base_url}" if self.base_url else ""
        key_var = self.key_var or key_vars().get(name, "the API key variable")
        messages: dict[str, tuple[str, str]] = {
            "rate_limit": (f"rate limited by {name}{after}",
                           "raise system.max_retries or lower --concurrency"),
            "server": (f"{name} server error (HTTP {f.status}){after}{detail}",
                       "the service is failing; try again later or raise system.max_retries")
            if f.status else (f"{name} sent a reply that is not a usable API answer"
                              f"{after}{detail}",
                              "a proxy or gateway between may be failing: check the base "
                              "URL (--base-url), or try again later"),
            "timeout": (f"{name} did not answer within {self.timeout:g} s{after}",
                        "raise system.timeout, or lower max tokens or --concurrency"),
            "connection": (f"cannot reach {name}{where}{after}{detail}",
                           "check that the server is running and the base URL (--base-url)"),
            "bad_output": (f"{name} model {model} did not return the JSON asked for{after} "
                           f"(it wrote: {f.detail!r})",
                           "use a larger or instruction-tuned model, or lower the temperature"),
            "truncated": (f"{name} model {model} reached the max tokens limit before its JSON "
                          f"was complete (it wrote: {f.detail!r})",
                          "ask for less per call, or raise the max tokens"),
            "auth": (f"the key in {key_var} was rejected by {name} (HTTP {f.status})",
                     f"check {key_var} in .env or the environment"),
            "permission": (f"the key in {key_var} may not use {model} on {name} "
                           f"(HTTP {f.status}){detail}",
                           "check the key's project and model access"),
            "not_found": (f"{name} has no model '{model}'{where} (HTTP {f.status}){detail}",
                          "check system.agentic_model / --agent-model"),
            "context": (f"the request is too long for {name} model {model}{detail}",
                        "use smaller chunks (agent.create.chunk_tokens) or a larger model"),
            "bad_request": (f"{name} rejected the request (HTTP {f.status}){detail}",
                            "check the model name and options"),
        }
        message, hint = messages.get(f.kind, (f"{name} call failed{detail}",
                                              "see the message; try again"))
        if f.kind == "connection":
            hint = _connection_hint(f.detail, hint)
        return ProviderError(self.redact(message), self.redact(hint), kind=f.kind,
                             status=f.status)


class _Deadline(Exception):
    """An attempt ran past ``timeout`` as a whole."""


def _connection_hint(detail: str, default: str) -> str:
    """What to check for a connection that failed: the host name, TLS, or the server."""
    low = detail.lower()
    if any(m in low for m in ("name or service not known", "nodename nor servname",
                              "name resolution", "getaddrinfo", "no address associated",
                              "dns")):
        return "the server's host name could not be resolved: check the base URL (--base-url)"
    if any(m in low for m in ("certificate", "[ssl", "sslerror", "ssl error", "tls",
                              "wrong version number", "handshake")):
        return ("TLS failed: check that the base URL's scheme matches the server (http:// "
                "vs https://); for a server with its own certificate authority, set "
                "SSL_CERT_FILE to its CA bundle")
    return default


def with_cause(exc: BaseException) -> str:
    """``exc``'s text followed by the innermost cause's (an SDK's "Connection error." says
    nothing of a host name that does not resolve or a certificate that is refused)."""
    text = str(exc) or type(exc).__name__
    seen, inner = {id(exc)}, exc
    for _ in range(8):
        nxt = inner.__cause__ or inner.__context__
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        inner = nxt
    if inner is not exc:
        more = str(inner) or type(inner).__name__
        if more not in text:
            text = f"{text} ({type(inner).__name__}: {more})"
    return text
