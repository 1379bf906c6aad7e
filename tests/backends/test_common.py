"""Every HTTP backend against its protocol stub on 127.0.0.1: text, retries, errors, no key leaks.

The same scenarios run for openai, anthropic, google and mistral through their real SDKs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from ftbuilder.backends.base import LLMRequest
from ftbuilder.core.errors import ProviderError
from llm_stubs import BACKENDS, KEY, Backend, Reply, StubServer

SCHEMA = {"type": "object", "properties": {"question": {"type": "string"},
                                           "answer": {"type": "string"}},
          "required": ["question", "answer"]}
ASK = LLMRequest(messages=[{"role": "user", "content": "What is a GGUF?"}], max_tokens=64)
ASK_JSON = LLMRequest(messages=[{"role": "user", "content": "One QA pair as JSON"}],
                      json_schema=SCHEMA, max_tokens=64)

pytestmark = pytest.mark.parametrize("backend", BACKENDS, ids=str)


def _no_secret(err: BaseException | str) -> None:
    text = str(err)
    assert KEY not in text and "SECRET123" not in text


def test_text_comes_back_with_usage_and_the_key_sent(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        client = backend.client(server, KEY)
        response = client.generate(ASK)
    assert response.text == "echo: What is a GGUF?"
    assert response.prompt_tokens > 0 and response.completion_tokens == 5
    assert server.requests == 1
    assert client.stats.requests == 1 and client.stats.retries == 0
    assert client.stats.completion_tokens == 5


def test_429_with_retry_after_is_waited_for_then_succeeds(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(429, headers={"Retry-After": "1"}))
        client = backend.client(server, KEY)
        t0 = time.monotonic()
        response = client.generate(ASK)
        elapsed = time.monotonic() - t0
    assert response.text == "echo: What is a GGUF?"
    assert server.requests == 2
    assert server.seen[1].at - server.seen[0].at >= 1.0
    assert elapsed >= 1.0
    assert dict(client.stats.retries_by_reason) == {"rate_limit": 1}


def test_500_then_success(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(500), Reply(503))
        client = backend.client(server, KEY)
        client.policy.base_delay = 0.05
        response = client.generate(ASK)
    assert response.text == "echo: What is a GGUF?"
    assert server.requests == 3
    assert dict(client.stats.retries_by_reason) == {"server": 2}


def test_rate_limit_that_never_ends_is_one_clear_error(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.queue(*[Reply(429, headers={"Retry-After": "0"})] * 5)
        client = backend.client(server, KEY, max_retries=2)
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
    assert server.requests == 3
    assert info.value.message == f"rate limited by {backend.name} after 2 retries"
    assert "concurrency" in info.value.hint
    assert client.stats.failures == 1 and client.stats.retries_by_reason["rate_limit"] == 2


def test_a_response_slower_than_the_timeout_is_retried_then_reported(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(delay=3), Reply(delay=3))
        client = backend.client(server, KEY, timeout=1, max_retries=1)
        client.policy.base_delay = 0.05
        t0 = time.monotonic()
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
        elapsed = time.monotonic() - t0
    assert server.requests == 2
    assert info.value.message == f"{backend.name} did not answer within 1 s after 1 retry"
    assert "system.timeout" in info.value.hint
    assert 2.0 <= elapsed < 5.0
    assert dict(client.stats.retries_by_reason) == {"timeout": 1}


def test_timeout_then_success(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(delay=3))
        client = backend.client(server, KEY, timeout=1)
        client.policy.base_delay = 0.05
        assert client.generate(ASK).text == "echo: What is a GGUF?"
    assert server.requests == 2


def test_json_is_asked_for_and_returned_as_json(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.answer = json.dumps({"question": "What is a GGUF?", "answer": "A model file."})
        client = backend.client(server, KEY)
        response = client.generate(ASK_JSON)
    assert json.loads(response.text) == {"question": "What is a GGUF?",
                                         "answer": "A model file."}
    assert server.requests == 1
    body = json.dumps(server.seen[0].body)
    assert '"required": ["question", "answer"]' in body  # the schema went over the wire


def test_json_wrapped_in_prose_is_read_tolerantly(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.answer = 'Sure! ```json\n{"question": "Q?", "answer": "A."}\n``` Hope it helps.'
        client = backend.client(server, KEY)
        response = client.generate(ASK_JSON)
    assert json.loads(response.text) == {"question": "Q?", "answer": "A."}
    assert server.requests == 1


def test_malformed_output_is_asked_again_then_accepted(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(answer="I cannot produce JSON today."),
                     Reply(answer='{"question": "Q?"}'),  # a required key missing
                     Reply(answer='{"question": "Q?", "answer": "A."}'))
        client = backend.client(server, KEY)
        response = client.generate(ASK_JSON)
    assert json.loads(response.text)["answer"] == "A."
    assert server.requests == 3
    assert dict(client.stats.retries_by_reason) == {"bad_output": 2}


def test_malformed_output_every_time_is_one_clear_error(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        server.answer = "Here is your pair: question is Q, answer is A"
        client = backend.client(server, KEY, max_retries=2)
        with pytest.raises(ProviderError) as info:
            client.generate(ASK_JSON)
    assert server.requests == 3
    assert info.value.message.startswith(
        f"{backend.name} model stub-model did not return the JSON asked for after 2 retries")
    assert "question is Q" in info.value.message  # shows what the model wrote


def test_a_rejected_key_names_the_variable_and_never_the_key(backend: Backend) -> None:
    wrong = "sk-test-WRONGSECRET999"
    with StubServer(backend.protocol, KEY) as server:
        client = backend.client(server, wrong)
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
    assert server.requests == 1  # a rejected key is not retried
    assert info.value.message.startswith(f"the key in {backend.key_var} was rejected")
    assert "WRONGSECRET999" not in str(info.value)
    assert "WRONGSECRET999" not in repr(client)


def test_an_error_body_quoting_the_key_is_redacted(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        body = backend.protocol.error(400, f"invalid request made with key {KEY}")
        server.queue(Reply(400, body=body))
        client = backend.client(server, KEY)
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
    assert "rejected the request (HTTP 400)" in info.value.message
    assert "invalid request made with key ***" in info.value.message
    _no_secret(info.value)


def test_no_log_record_carries_the_key(backend: Backend, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(429, headers={"Retry-After": "0"}), Reply(500),
                     Reply(400, body=backend.protocol.error(400, f"bad key {KEY}")))
        client = backend.client(server, KEY)
        client.policy.base_delay = 0.01
        with pytest.raises(ProviderError) as info:
            client.generate(ASK)
    assert server.requests == 3
    assert any("retry 1/3" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        _no_secret(record.getMessage())
    _no_secret(info.value)


def test_unreachable_server_is_a_connection_error(backend: Backend) -> None:
    with StubServer(backend.protocol, KEY) as server:
        client = backend.client(server, KEY, max_retries=1)
    client.policy.base_delay = 0.01  # the server is gone now
    with pytest.raises(ProviderError) as info:
        client.generate(ASK)
    assert info.value.message.startswith(f"cannot reach {backend.name} at http://127.0.0.1:")
    assert client.stats.requests == 2


def test_concurrent_calls_share_one_client_and_count_every_request(backend: Backend) -> None:
    async def run(client: object) -> list[str]:
        reqs = [LLMRequest(messages=[{"role": "user", "content": f"n{i}"}]) for i in range(8)]
        try:
            return [r.text for r in await asyncio.gather(*(client.agenerate(q) for q in reqs))]
        finally:
            await client.aclose()

    with StubServer(backend.protocol, KEY) as server:
        server.queue(Reply(429, headers={"Retry-After": "0"}))
        client = backend.client(server, KEY)
        texts = asyncio.run(run(client))
    assert sorted(texts) == sorted(f"echo: n{i}" for i in range(8))
    assert server.requests == 9 and client.stats.requests == 9 and client.stats.calls == 8
