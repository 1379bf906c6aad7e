"""Every HTTP backend against servers that misbehave on purpose (127.0.0.1, real sockets):
replies that are not JSON, bodies trickled byte by byte or cut by a reset, 429 without
Retry-After, a host name that does not resolve, TLS that fails, keys echoed back."""

from __future__ import annotations

import time

import pytest

from ftbuilder.backends.base import LLMRequest
from ftbuilder.core.errors import ProviderError
from llm_stubs import BACKENDS, KEY, Backend, Reply, Seen, StubServer
from llm_stubs.hostile import Act, HostileServer, Request, self_signed

ASK = LLMRequest(messages=[{"role": "user", "content": "What is a GGUF?"}], max_tokens=64)
LONG_KEY = "sk-canary-Zq8X3vT1mN5pL7wR9yB2cD4fG6hJ0kK1aS3dF5gH7"  # 51 characters

pytestmark = [pytest.mark.fault, pytest.mark.parametrize("backend", BACKENDS, ids=str)]


def _pieces(key: str) -> list[str]:
    return [key[i:i + 12] for i in range(len(key) - 11)]


def _no_piece_of(key: str, text: str) -> None:
    leaked = [p for p in _pieces(key) if p in text]
    assert not leaked, f"a piece of the key leaked: {leaked[0]!r} in {text!r}"


def _success(backend: Backend, req: Request, text: str) -> bytes:
    import json

    seen = Seen(req.method, req.path, req.headers, req.json(), 0.0)
    return json.dumps(backend.protocol.success(seen, text)).encode()


def _client(backend: Backend, server, key: str = KEY, **kw):
    client = backend.client(server, key, **kw)
    client.policy.base_delay = 0.05
    return client


NOT_JSON = {
    "html page": (b"<html><head><title>502 Bad Gateway</title></head></html>",
                  {"Content-Type": "text/html"}),
    "truncated body": (b'{"id": "chatcmpl-1", "choices": [{"mess', {}),
    "10 MB of [": (b"[" * 10_000_000, {}),
}


@pytest.mark.parametrize("case", list(NOT_JSON), ids=str)
def test_a_200_reply_that_is_not_json_is_retried_then_one_clear_error(backend, case):
    body, headers = NOT_JSON[case]
    with HostileServer(lambda req: Act(200, body, headers)) as server:
        client = _client(backend, server, max_retries=2)
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
    assert len(server.requests) == 3  # asked max_retries more times, then given up
    err = info.value
    assert err.kind == "server" and err.status is None
    assert err.message.startswith(f"{backend.name} sent a reply that is not a usable API "
                                  "answer after 2 retries")
    assert "proxy" in err.hint and "--base-url" in err.hint
    assert len(err.message) < 400  # a preview, not the body


def test_a_200_reply_that_is_not_json_then_a_good_one_succeeds(backend):
    replies = iter([Act(200, b"<html>maintenance</html>", {"Content-Type": "text/html"})])

    def behave(req: Request) -> Act:
        return next(replies, None) or Act(200, _success(backend, req, "fine"))

    with HostileServer(behave) as server:
        client = _client(backend, server)
        assert client.generate(ASK).text == "fine"
    assert len(server.requests) == 2 and dict(client.stats.retries_by_reason) == {"server": 1}


def test_a_trickled_reply_is_cut_at_the_timeout_per_attempt(backend):
    # one byte every 0.25 s: each gap is far below the 1 s timeout, the whole reply is not
    def behave(req: Request) -> Act:
        return Act(200, _success(backend, req, "x" * 200), trickle=0.25)

    with HostileServer(behave) as server:
        client = _client(backend, server, timeout=1, max_retries=2)
        t0 = time.monotonic()
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
        elapsed = time.monotonic() - t0
    assert len(server.requests) == 3
    assert info.value.kind == "timeout" and "system.timeout" in info.value.hint
    assert elapsed < 3 * (1 + 0.6) + 1.0  # three attempts of ~1 s and short backoffs
    assert dict(client.stats.retries_by_reason) == {"timeout": 2}


def test_a_connection_reset_mid_body_is_retried(backend):
    first = [True]

    def behave(req: Request) -> Act:
        body = _success(backend, req, "after the reset")
        if first.pop() if first else False:
            return Act(200, body, cut=len(body) // 2)
        return Act(200, body)

    with HostileServer(behave) as server:
        client = _client(backend, server)
        assert client.generate(ASK).text == "after the reset"
    assert len(server.requests) == 2
    assert dict(client.stats.retries_by_reason) == {"connection": 1}


def test_429_without_retry_after_backs_off_then_succeeds(backend):
    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(429), Reply(429))
        client = _client(backend, server)
        client.policy.base_delay = 0.2
        assert client.generate(ASK).text == "echo: What is a GGUF?"
    assert server.requests == 3
    assert dict(client.stats.retries_by_reason) == {"rate_limit": 2}


def test_a_host_name_that_does_not_resolve_is_an_error_with_a_hint(backend):
    class Nowhere:
        url = "http://nonexistent.invalid"

    client = _client(backend, Nowhere(), max_retries=1, timeout=10)
    t0 = time.monotonic()
    with pytest.raises(ProviderError) as info:
        client.generate(ASK)
    assert time.monotonic() - t0 < 10  # no SDK retries of its own
    assert info.value.kind == "connection"
    assert info.value.message.startswith(f"cannot reach {backend.name} at "
                                         "http://nonexistent.invalid")
    assert "host name could not be resolved" in info.value.hint


def test_https_to_a_plain_http_server_is_a_tls_error_with_a_hint(backend):
    with StubServer(backend.protocol, KEY) as server:
        class Https:
            url = server.url.replace("http://", "https://")

        client = _client(backend, Https(), max_retries=0, timeout=10)
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
    assert info.value.kind == "connection" and "TLS failed" in info.value.hint


def test_a_self_signed_certificate_is_a_tls_error_with_a_hint(backend, tmp_path):
    cert = self_signed(tmp_path)
    with HostileServer(lambda req: Act(200, _success(backend, req, "never")), tls=cert) as s:
        client = _client(backend, s, max_retries=0, timeout=10)
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
    assert info.value.kind == "connection"
    assert "TLS failed" in info.value.hint and "SSL_CERT_FILE" in info.value.hint


def test_an_echoed_key_straddling_any_cut_never_leaks_in_part(backend):
    # the detail is cut to 160 characters: with the key at every offset around the cut,
    # one of these bodies puts the cut inside the key
    with StubServer(backend.protocol, LONG_KEY) as server:
        for pad in range(60, 200, 8):
            server.queue(Reply(400, body=backend.protocol.error(
                400, "x" * pad + f" request made with key {LONG_KEY} refused")))
        client = _client(backend, server, LONG_KEY)
        for _ in range(60, 200, 8):
            with pytest.raises(ProviderError) as info:
                client.generate(ASK)
            assert "rejected the request (HTTP 400)" in info.value.message
            _no_piece_of(LONG_KEY, str(info.value))


def test_a_key_in_the_model_output_is_redacted(backend):
    with StubServer(backend.protocol, LONG_KEY) as server:
        server.answer = f"Sure, your key is {LONG_KEY} and its tail {LONG_KEY[-20:]}."
        client = _client(backend, server, LONG_KEY)
        text = client.generate(ASK).text
    assert text == "Sure, your key is [REDACTED] and its tail [REDACTED]."
