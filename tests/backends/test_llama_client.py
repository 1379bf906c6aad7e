"""The embedded Gemma 3 270M run in-process by llama-cpp-python (real model, no mocks)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.llama_client import LlamaClient, load_model, transcript
from ftbuilder.core.errors import FtbError, ProviderError

pytestmark = pytest.mark.slow

# Short values keep grammar-constrained sampling (slow with Gemma's 262k vocabulary) brief.
SCHEMA = {"type": "object", "required": ["city", "country"],
          "properties": {"city": {"type": "string", "maxLength": 12},
                         "country": {"type": "string", "maxLength": 12}}}
FEW_SHOT = ("Q: What is the capital of Italy?\nA: Rome\n"
            "Q: What is the capital of Spain?\nA: Madrid\n"
            "Q: What is the capital of France?\nA:")


@pytest.fixture(scope="module")
def client(embedded_gguf: Path) -> LlamaClient:
    return LlamaClient(embedded_gguf, name="gemma-3-270m (embedded)", n_ctx=1024)


def test_few_shot_completion(client: LlamaClient) -> None:
    response = client.generate(LLMRequest(prompt=FEW_SHOT, max_tokens=8, temperature=0,
                                          stop=["\n"]))
    assert response.text.strip() == "Paris"
    assert response.prompt_tokens > 20 and response.completion_tokens >= 1
    assert response.model == "gemma-3-270m (embedded)"


def test_json_from_a_grammar_in_completion_style(client: LlamaClient) -> None:
    response = client.generate(LLMRequest(prompt="The capital of France, as JSON:\n",
                                          max_tokens=40, temperature=0, json_schema=SCHEMA))
    data = json.loads(response.text)
    assert list(data) == ["city", "country"]
    assert all(isinstance(v, str) and len(v) <= 12 for v in data.values())
    assert client.stats.retries == 0


def test_json_in_chat_style(client: LlamaClient) -> None:
    response = client.generate(LLMRequest(
        messages=[{"role": "user", "content": "Which city is the capital of Italy?"}],
        max_tokens=40, temperature=0, json_schema=SCHEMA))
    assert list(json.loads(response.text)) == ["city", "country"]


def test_chat_without_a_template_is_a_plain_transcript(client: LlamaClient) -> None:
    chat = [{"role": "system", "content": "Short answers."},
            {"role": "user", "content": "Capital of Italy?"},
            {"role": "assistant", "content": "Rome"},
            {"role": "user", "content": "Capital of France?"}]
    prompt, stops = transcript(chat)
    assert prompt == ("Short answers.\n\nUser: Capital of Italy?\n\nAssistant: Rome\n\n"
                      "User: Capital of France?\n\nAssistant:")
    assert stops == ["\nUser:"]
    response = client.generate(LLMRequest(messages=chat, max_tokens=6, temperature=0))
    assert "User:" not in response.text and response.text.strip()


def test_json_cut_by_max_tokens_is_reported_not_retried(client: LlamaClient) -> None:
    before = client.stats.requests
    with pytest.raises(ProviderError) as info:
        client.generate(LLMRequest(prompt="The capital of France as JSON:\n", max_tokens=3,
                                   temperature=0, json_schema=SCHEMA))
    assert "reached the max tokens limit before its JSON was complete" in info.value.message
    assert client.stats.requests == before + 1


def test_concurrent_calls_share_one_model_safely(client: LlamaClient) -> None:
    async def run() -> list[str]:
        reqs = [LLMRequest(prompt=FEW_SHOT, max_tokens=4, temperature=0, stop=["\n"])] * 3
        return [r.text.strip() for r in await asyncio.gather(*map(client.agenerate, reqs))]

    assert asyncio.run(run()) == ["Paris"] * 3
    assert load_model(client.model_path, 1024)[0] is load_model(client.model_path, 1024)[0]


def test_a_prompt_longer_than_the_context_is_a_clear_error(client: LlamaClient) -> None:
    with pytest.raises(ProviderError) as info:
        client.generate(LLMRequest(prompt="word " * 3000, max_tokens=4))
    assert info.value.message.startswith("the request is too long for llama model")
    assert "n_ctx=1024" in info.value.message


def test_a_missing_gguf_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(FtbError) as info:
        LlamaClient(missing).generate(LLMRequest(prompt="x", max_tokens=1))
    assert str(missing) in info.value.message and "agentic_model" in info.value.hint


def test_a_file_that_is_not_a_gguf_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all" * 100)
    with pytest.raises(FtbError) as info:
        LlamaClient(bad).generate(LLMRequest(prompt="x", max_tokens=1))
    assert "could not load bad.gguf" in info.value.message


def test_loading_the_model_prints_nothing_on_the_terminal(embedded_gguf: Path) -> None:
    # a fresh process (the model loads once per process); llama.cpp writes from C, so
    # capture the real stderr of that process
    import os
    import subprocess
    import sys

    code = ("from ftbuilder.backends.llama_client import LlamaClient\n"
            "from ftbuilder.backends.base import LLMRequest\n"
            f"c = LlamaClient({str(embedded_gguf)!r}, n_ctx=512)\n"
            "print(c.generate(LLMRequest(prompt='Question:', max_tokens=3)).model)\n")
    env = {k: v for k, v in os.environ.items() if k != "FTB_DEBUG"}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=env)
    assert p.returncode == 0 and p.stdout.strip() == embedded_gguf.name
    assert p.stderr == ""
    debug = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=120, env={**env, "FTB_DEBUG": "1"})
    assert "llama" in debug.stderr  # FTB_DEBUG=1 shows llama.cpp's own lines


def test_cancel_stops_the_generation_in_flight_and_the_queued_ones(client: LlamaClient) -> None:
    # four long generations queued on the one model; cancelling returns in a moment instead
    # of after all of them (the worker threads stop at the next token or never start)
    import time

    request = LLMRequest(prompt="Once upon a time", max_tokens=400, temperature=0.8, seed=3,
                         stop=["\u2603"])

    async def run() -> float:
        tasks = [asyncio.create_task(client.agenerate(request)) for _ in range(4)]
        await asyncio.sleep(1.0)
        started = time.monotonic()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return started

    t0 = time.monotonic()
    started = asyncio.run(run())  # asyncio.run waits for the worker threads to end
    assert time.monotonic() - started < 1.5
    assert time.monotonic() - t0 < 3.0
    after = client.generate(LLMRequest(prompt=FEW_SHOT, max_tokens=8, temperature=0,
                                       stop=["\n"]))
    assert after.text.strip() == "Paris"  # the model is usable after a cancel
