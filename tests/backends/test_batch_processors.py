"""Each provider's batch processor against a loopback server speaking that batch API
(tests/llm_stubs/batch.py): upload, create, retrieve with state changes, results by custom
id, item errors, expiry, a failed batch and HTTP errors."""

from __future__ import annotations

import asyncio
import json

import pytest

from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.batch import (
    COMPLETED,
    ERRORED,
    EXPIRED,
    FAILED,
    ITEM_EXPIRED,
    SUCCEEDED,
    BatchItem,
    processor_for,
)
from ftbuilder.backends.registry import ClientOptions
from ftbuilder.core.errors import ProviderError
from llm_stubs import KEY
from llm_stubs.batch import BatchStub

KINDS = {"openai": "openai", "anthropic": "anthropic", "google": "google", "mistral": "mistral"}
SCHEMA = {"type": "object", "properties": {"conversations": {"type": "array"}},
          "required": ["conversations"]}


def _processor(provider: str, stub: BatchStub, key: str = KEY):
    return processor_for(provider, ClientOptions("stub-model", key, stub.base_url, 10.0, 0,
                                                 "X_API_KEY"))


def _items(n: int) -> list[BatchItem]:
    return [BatchItem(f"item{i:03d}", LLMRequest(
        messages=[{"role": "user", "content": f"write about {i}"}], system="be brief",
        max_tokens=64, json_schema=SCHEMA, seed=i)) for i in range(n)]


def _run(provider: str, stub: BatchStub, n: int = 5):
    async def main():
        p = _processor(provider, stub)
        try:
            info = await p.submit(_items(n), {"ftb_batch": "tok"})
            states = [info.state]
            while not info.terminal:
                info = await p.retrieve(info.id)
                states.append(info.state)
            return info, states, await p.results(info)
        finally:
            await p.aclose()

    return asyncio.run(main())


@pytest.mark.parametrize("provider", list(KINDS))
def test_batch_round_trip_maps_results_by_custom_id(provider: str) -> None:
    with BatchStub(KINDS[provider], KEY) as stub:
        info, states, results = _run(provider, stub)
    assert stub.creates == 1
    assert info.state == COMPLETED
    assert len(set(states)) >= 2, states  # it moved through states before it ended
    by_id = {r.custom_id: r for r in results}
    assert sorted(by_id) == [f"item{i:03d}" for i in range(5)]
    for cid, r in by_id.items():
        assert r.outcome == SUCCEEDED
        convs = json.loads(r.response.text)["conversations"]
        assert cid in convs[0]["messages"][0]["content"]
        assert r.response.prompt_tokens == 100 and r.response.completion_tokens == 40


@pytest.mark.parametrize("provider", list(KINDS))
def test_errored_and_expired_items_are_reported_per_custom_id(provider: str) -> None:
    with BatchStub(KINDS[provider], KEY) as stub:
        stub.errored = {"item001"}
        stub.expire_after = 4  # item004 never ran
        info, _, results = _run(provider, stub)
    by_id = {r.custom_id: r for r in results}
    assert by_id["item000"].outcome == SUCCEEDED
    assert by_id["item001"].outcome == ERRORED and by_id["item001"].response is None
    # item004: expired (OpenAI and Anthropic report it; Gemini and Mistral leave it out)
    assert "item004" not in by_id or by_id["item004"].outcome in (ITEM_EXPIRED, ERRORED)
    assert info.state in (EXPIRED, COMPLETED)  # Anthropic's batch "ends"; its items expire
    assert sum(r.outcome == SUCCEEDED for r in results) == 3


@pytest.mark.parametrize("provider", list(KINDS))
def test_failed_batch_has_no_results(provider: str) -> None:
    with BatchStub(KINDS[provider], KEY) as stub:
        stub.fail_batch = True
        info, _, results = _run(provider, stub, 3)
    assert not any(r.outcome == SUCCEEDED for r in results)
    if provider != "anthropic":  # an Anthropic batch "ends"; its items say why
        assert info.state == FAILED


@pytest.mark.parametrize("provider", list(KINDS))
def test_rejected_key_is_a_provider_error_without_the_key(provider: str) -> None:
    with BatchStub(KINDS[provider], KEY) as stub:
        async def main():
            p = _processor(provider, stub, key="sk-wrong-key-1234567890")
            try:
                await p.submit(_items(1), {})
            finally:
                await p.aclose()

        with pytest.raises(ProviderError) as e:
            asyncio.run(main())
    assert e.value.kind == "auth"
    assert "sk-wrong-key-1234567890" not in str(e.value) + e.value.hint
    assert stub.creates == 0


def test_openai_finds_a_batch_by_its_metadata_token() -> None:
    with BatchStub("openai", KEY) as stub:
        async def main():
            p = _processor("openai", stub)
            try:
                sent = await p.submit(_items(2), {"ftb_batch": "tok-123"})
                return sent, await p.find("tok-123"), await p.find("other")
            finally:
                await p.aclose()

        sent, found, missing = asyncio.run(main())
    assert found is not None and found.id == sent.id and missing is None


def test_llama_has_no_batch_api() -> None:
    with pytest.raises(ProviderError) as e:
        processor_for("llama", ClientOptions("m", None, None, 1.0, 0, "LLAMA_API_KEY"))
    assert "--base-url" in e.value.hint
