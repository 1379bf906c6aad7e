"""The response cache: one real call per distinct (backend, model, endpoint, request)."""

from __future__ import annotations

import asyncio

from agents.llm_fakes import ChatStub
from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.cache import CachedClient, cache_key
from ftbuilder.backends.openai_client import OpenAIClient
from ftbuilder.store.db import Store


def _ask(client: CachedClient, request: LLMRequest) -> str:
    async def once() -> str:
        try:
            return (await client.agenerate(request)).text
        finally:
            await client.aclose()

    return asyncio.run(once())


def test_the_same_request_is_asked_once_per_server() -> None:
    # two llama.cpp-style servers, both reached with the default model name "local"
    store = Store(":memory:")
    request = LLMRequest(messages=[{"role": "user", "content": "Hello?"}], seed=1)
    with ChatStub() as one, ChatStub() as two:
        first = CachedClient(OpenAIClient("local", backend="llama", base_url=one.url), store)
        _ask(first, request)
        _ask(first, request)
        assert one.total == 1 and first.hits == 1
        other = CachedClient(OpenAIClient("local", backend="llama", base_url=two.url), store)
        _ask(other, request)  # another server may serve another model: asked, not cached
        assert two.total == 1 and other.misses == 1
    store.close()


def test_a_public_endpoint_keeps_the_plain_key() -> None:
    request = LLMRequest(prompt="x")
    client = CachedClient(OpenAIClient("gpt-4o-mini"), Store(":memory:"))
    assert client.key(request) == cache_key("openai", "gpt-4o-mini", request)


def test_without_write_through_replies_wait_for_the_owner_and_are_still_served() -> None:
    store = Store(":memory:")
    request = LLMRequest(messages=[{"role": "user", "content": "Hello?"}], seed=1)
    with ChatStub() as stub:
        client = CachedClient(OpenAIClient("local", backend="llama", base_url=stub.url), store,
                              write_through=False)
        text = _ask(client, request)
        key = client.key(request)
        assert store.cache_get(key) is None  # not written by the client
        assert _ask(client, request) == text and stub.total == 1  # served from memory
        (row,) = client.take_unsaved()
        assert row[0] == key and row[3] == text and client.unsaved == {}
        store.cache_put(*row)  # the owner writes it (the runner: with the item's samples)
        assert store.cache_get(key) == (text, row[4], row[5])
    store.close()
