"""The OpenAI client end to end against `python -m llama_cpp.server` serving the embedded model,
and its json_schema -> json_object fallback against the protocol stub."""

from __future__ import annotations

import json

import pytest

from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.openai_client import OpenAIClient
from ftbuilder.core.errors import ProviderError
from llm_stubs import KEY, Reply, StubServer
from llm_stubs.protocols import OpenAIProtocol

SCHEMA = {"type": "object", "required": ["colour"],
          "properties": {"colour": {"type": "string", "maxLength": 20}}}

pytestmark = pytest.mark.slow


def test_chat_completion_through_the_real_llama_server(llama_server: str) -> None:
    client = OpenAIClient("gemma-3-270m", base_url=llama_server, timeout=120)
    request = LLMRequest(messages=[{"role": "user", "content": "List three colours: red, green"}],
                         max_tokens=12, temperature=0.7, seed=1)
    response = client.generate(request)
    assert response.text.strip()
    assert response.prompt_tokens > 5 and 0 < response.completion_tokens <= 12
    assert response.finish_reason in ("stop", "length")
    assert client.stats.requests == 1 and client.stats.retries == 0


def test_json_schema_completion_through_the_real_llama_server(llama_server: str) -> None:
    client = OpenAIClient("gemma-3-270m", base_url=llama_server, timeout=120)
    request = LLMRequest(messages=[{"role": "user", "content": "Name a colour as JSON."}],
                         max_tokens=40, temperature=0, json_schema=SCHEMA)
    data = json.loads(client.generate(request).text)
    assert isinstance(data["colour"], str) and 0 < len(data["colour"]) <= 20
    # llama-cpp-python's server has no json_schema mode: the client fell back to json_object
    # (with the schema, which the server turns into a grammar) and remembers that.
    assert client._json_mode == "json_object"
    assert client.stats.requests == 2
    again = client.generate(request)
    assert json.loads(again.text)["colour"]
    assert client.stats.requests == 3


def test_completion_style_with_a_grammar_through_the_real_llama_server(llama_server: str) -> None:
    client = OpenAIClient("gemma-3-270m", backend="llama", completion_style=True,
                          base_url=llama_server, timeout=120)
    plain = client.generate(LLMRequest(prompt="Colours: red, green,", max_tokens=8,
                                       temperature=0))
    assert plain.text.strip() and plain.completion_tokens > 0
    structured = client.generate(LLMRequest(prompt="A colour as JSON:", max_tokens=40,
                                            temperature=0, json_schema=SCHEMA))
    assert isinstance(json.loads(structured.text)["colour"], str)


def test_unknown_route_on_a_real_server_is_not_retried(llama_server: str) -> None:
    client = OpenAIClient("gemma-3-270m", base_url=llama_server.removesuffix("/v1") + "/nope",
                          timeout=30)
    with pytest.raises(ProviderError) as info:
        client.generate(LLMRequest(messages=[{"role": "user", "content": "hi"}], max_tokens=4))
    assert "(HTTP 404)" in info.value.message and client.stats.requests == 1


def test_a_server_without_json_schema_mode_gets_json_object() -> None:
    with StubServer(OpenAIProtocol(), KEY) as server:
        server.queue(Reply(400, body={"error": {"message": "response_format json_schema is not "
                                                "supported", "type": "invalid_request_error"}}))
        server.answer = '{"colour": "teal"}'
        client = OpenAIClient("m", api_key=KEY, base_url=server.url + "/v1")
        response = client.generate(LLMRequest(messages=[{"role": "user", "content": "c"}],
                                              json_schema=SCHEMA))
    assert json.loads(response.text) == {"colour": "teal"}
    formats = [seen.body["response_format"]["type"] for seen in server.seen]
    assert formats == ["json_schema", "json_object"]
    assert server.seen[1].body["response_format"]["schema"] == SCHEMA


def test_the_public_endpoint_gets_max_completion_tokens_others_max_tokens() -> None:
    with StubServer(OpenAIProtocol(), KEY) as server:
        OpenAIClient("m", api_key=KEY, base_url=server.url + "/v1").generate(
            LLMRequest(messages=[{"role": "user", "content": "c"}], max_tokens=7))
    assert server.seen[0].body["max_tokens"] == 7
    assert OpenAIClient("m", api_key=KEY)._tokens_param == "max_completion_tokens"


def test_a_200_answer_without_choices_is_bad_output_retried_then_one_clear_error() -> None:
    # a proxy answering 200 with its own JSON (no choices): asked again, then a ProviderError
    with StubServer(OpenAIProtocol(), KEY) as server:
        for _ in range(3):
            server.queue(Reply(200, body={"status": "ok", "note": "maintenance window"}))
        client = OpenAIClient("m", api_key=KEY, base_url=server.url + "/v1", max_retries=1)
        with pytest.raises(ProviderError) as info:
            client.generate(LLMRequest(messages=[{"role": "user", "content": "c"}]))
    assert info.value.kind == "bad_output" and "no choices" in info.value.message
    assert len(server.seen) == 2 == client.stats.requests


def test_the_body_on_the_wire_is_the_openai_chat_request() -> None:
    with StubServer(OpenAIProtocol(), KEY) as server:
        server.answer = '{"colour": "teal"}'
        OpenAIClient("m", api_key=KEY, base_url=server.url + "/v1").generate(LLMRequest(
            messages=[{"role": "user", "content": "c"}], system="Be brief.", max_tokens=9,
            temperature=0.3, seed=4, stop=["\n\n"], json_schema=SCHEMA))
    (seen,) = server.seen
    assert seen.path == "/v1/chat/completions"
    assert seen.headers.get("authorization") == f"Bearer {KEY}"
    assert seen.body == {
        "model": "m", "temperature": 0.3, "stop": ["\n\n"], "seed": 4, "max_tokens": 9,
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "c"}],
        "response_format": {"type": "json_schema", "json_schema": {
            "name": "output", "schema": SCHEMA, "strict": False}}}


def test_one_verifying_tls_context_per_process() -> None:
    import ssl

    from ftbuilder.backends.openai_client import tls_context

    ctx = tls_context()
    assert ctx is tls_context()  # the CA bundle is loaded once, not per client
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    assert ctx.cert_store_stats()["x509_ca"] > 0
