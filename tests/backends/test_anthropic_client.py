"""Anthropic specifics against the Messages API stub: system text, forced tool, 529."""

from __future__ import annotations

import json

from ftbuilder.backends.anthropic_client import TOOL_NAME, AnthropicClient
from ftbuilder.backends.base import LLMRequest
from llm_stubs import KEY, Reply, StubServer
from llm_stubs.protocols import AnthropicProtocol

CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Bye"}]


def test_system_text_goes_apart_and_turns_stay_in_order() -> None:
    with StubServer(AnthropicProtocol(), KEY) as server:
        client = AnthropicClient("claude-x", api_key=KEY, base_url=server.url)
        response = client.generate(LLMRequest(messages=CHAT, system="You write FAQs.",
                                              max_tokens=50, stop=["###"]))
    body = server.seen[0].body
    assert response.text == "echo: Bye" and response.finish_reason == "end_turn"
    assert body["system"] == "You write FAQs.\n\nBe brief."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["max_tokens"] == 50 and body["stop_sequences"] == ["###"]
    assert "tools" not in body


def test_json_is_asked_for_with_a_forced_tool() -> None:
    schema = {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}
    with StubServer(AnthropicProtocol(), KEY) as server:
        server.answer = '{"q": "What?"}'
        client = AnthropicClient("claude-x", api_key=KEY, base_url=server.url)
        response = client.generate(LLMRequest(messages=CHAT[1:2], json_schema=schema))
    body = server.seen[0].body
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert body["tools"][0]["input_schema"] == schema
    assert json.loads(response.text) == {"q": "What?"}
    assert response.finish_reason == "tool_use"


def test_a_list_schema_is_wrapped_for_the_tool_and_unwrapped_in_the_answer() -> None:
    schema = {"type": "array", "items": {"type": "string"}}
    with StubServer(AnthropicProtocol(), KEY) as server:
        server.answer = '{"value": ["a", "b"]}'
        client = AnthropicClient("claude-x", api_key=KEY, base_url=server.url)
        response = client.generate(LLMRequest(messages=CHAT[1:2], json_schema=schema))
    assert server.seen[0].body["tools"][0]["input_schema"]["properties"]["value"] == schema
    assert json.loads(response.text) == ["a", "b"]


def test_overloaded_529_is_retried() -> None:
    with StubServer(AnthropicProtocol(), KEY) as server:
        server.queue(Reply(529))
        client = AnthropicClient("claude-x", api_key=KEY, base_url=server.url)
        client.policy.base_delay = 0.01
        assert client.generate(LLMRequest(messages=CHAT[1:2])).text == "echo: Hi"
    assert server.requests == 2 and dict(client.stats.retries_by_reason) == {"server": 1}
