"""Gemini specifics against the generateContent stub: roles, system instruction, RetryInfo."""

from __future__ import annotations

import json
import time

from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.google_client import GoogleClient
from llm_stubs import KEY, Reply, StubServer
from llm_stubs.protocols import GoogleProtocol

CHAT = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Bye"}]


def test_roles_system_instruction_and_json_config_on_the_wire() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    with StubServer(GoogleProtocol(), KEY) as server:
        server.answer = '{"a": 3}'
        client = GoogleClient("gemini-x", api_key=KEY, base_url=server.url)
        response = client.generate(LLMRequest(messages=CHAT, system="Be brief.", seed=7,
                                              json_schema=schema, max_tokens=99))
    body = server.seen[0].body
    assert server.seen[0].path.endswith("/models/gemini-x:generateContent")
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    assert body["systemInstruction"]["parts"][0]["text"] == "Be brief."
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == schema
    assert config["maxOutputTokens"] == 99 and config["seed"] == 7
    assert json.loads(response.text) == {"a": 3} and response.finish_reason == "STOP"


def test_429_retry_delay_from_the_error_details_is_honoured() -> None:
    body = {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
                      "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                   "retryDelay": "1s"}]}}
    with StubServer(GoogleProtocol(), KEY) as server:
        server.queue(Reply(429, body=body))
        client = GoogleClient("gemini-x", api_key=KEY, base_url=server.url)
        t0 = time.monotonic()
        assert client.generate(LLMRequest(messages=CHAT)).text == "echo: Bye"
        assert time.monotonic() - t0 >= 1.0
    assert server.requests == 2 and server.seen[1].at - server.seen[0].at >= 1.0
