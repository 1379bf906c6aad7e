"""Mistral specifics against the chat-completions stub: base URL forms, JSON mode fallback."""

from __future__ import annotations

import json

import pytest

from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.mistral_client import MistralClient
from llm_stubs import KEY, Reply, StubServer
from llm_stubs.protocols import MistralProtocol

SCHEMA = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}


@pytest.mark.parametrize("suffix", ["", "/", "/v1", "/v1/"])
def test_base_url_with_or_without_v1(suffix: str) -> None:
    with StubServer(MistralProtocol(), KEY) as server:
        client = MistralClient("mistral-small-latest", api_key=KEY, base_url=server.url + suffix)
        response = client.generate(LLMRequest(prompt="Hi", seed=3, max_tokens=9))
    body = server.seen[0].body
    assert response.text == "echo: Hi"
    assert server.seen[0].path == "/v1/chat/completions"
    assert body["random_seed"] == 3 and body["max_tokens"] == 9


def test_json_schema_mode_then_json_object_when_rejected() -> None:
    with StubServer(MistralProtocol(), KEY) as server:
        server.queue(Reply(422, body={"object": "error", "message": "json_schema unsupported",
                                      "type": "invalid_request_error"}))
        server.answer = '{"a": "x"}'
        client = MistralClient("open-mistral-7b", api_key=KEY, base_url=server.url)
        request = LLMRequest(messages=[{"role": "user", "content": "go"}], json_schema=SCHEMA)
        first = client.generate(request)
        second = client.generate(request)
    kinds = [s.body["response_format"]["type"] for s in server.seen]
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert server.seen[0].body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert '"required": ["a"]' in server.seen[1].body["messages"][0]["content"]
    assert json.loads(first.text) == json.loads(second.text) == {"a": "x"}
