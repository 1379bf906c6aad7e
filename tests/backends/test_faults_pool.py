"""A fleet of OpenAI-compatible endpoints (``--base-url`` repeated): requests spread by
least-outstanding, an endpoint that stops mid-run is taken out and its work moves to the
others (nothing lost), it comes back once it answers its health check again."""

from __future__ import annotations

import asyncio
import time

import pytest

from agents.llm_fakes import project_settings
from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.pool import PoolClient
from ftbuilder.services.agent import make_client
from llm_stubs.fleet import FleetServer


def _pool(tmp_path, urls: list[str]) -> PoolClient:
    settings = project_settings(tmp_path, system={"agentic_llm": "openai", "timeout": 5,
                                                  "max_retries": 2})
    client = make_client(settings, "openai", "fleet-model", base_urls=urls)
    assert isinstance(client, PoolClient)
    client.first_cooldown = 0.3
    return client


async def _many(client: PoolClient, n: int, concurrency: int, during=None) -> list[str]:
    sem = asyncio.Semaphore(concurrency)
    done = 0

    async def one(i: int) -> str:
        nonlocal done
        async with sem:
            r = await client.agenerate(LLMRequest(
                messages=[{"role": "user", "content": f"request {i}"}], max_tokens=8))
            done += 1
            if during is not None:
                await during(done)
            return r.text

    try:
        return await asyncio.gather(*(one(i) for i in range(n)))
    finally:
        await client.aclose()


@pytest.mark.fault
def test_two_endpoints_share_the_load(tmp_path) -> None:
    with FleetServer(0.02) as a, FleetServer(0.02) as b:
        client = _pool(tmp_path, [a.url, b.url])
        texts = asyncio.run(_many(client, 200, 16))
    assert texts == [f"echo: request {i}" for i in range(200)]
    assert a.answered + b.answered == 200
    assert a.answered >= 80 and b.answered >= 80, (a.answered, b.answered)  # each >= 40%
    figures = client.endpoint_stats()
    assert [f["ok"] for f in figures] == [a.answered, b.answered]
    assert all(f["share"] >= 0.4 and f["max_outstanding"] <= 16 for f in figures)


@pytest.mark.fault
def test_an_endpoint_stopped_mid_run_loses_nothing(tmp_path) -> None:
    with FleetServer(0.03) as a, FleetServer(0.03) as b:
        client = _pool(tmp_path, [a.url, b.url])
        stopped = {}

        async def during(done: int) -> None:
            if done == 50 and not stopped:
                stopped["at"] = b.answered
                await asyncio.to_thread(b.stop)

        texts = asyncio.run(_many(client, 200, 16, during))
    assert texts == [f"echo: request {i}" for i in range(200)]  # every request answered
    assert b.answered == stopped["at"] or b.answered <= stopped["at"] + 16
    assert a.answered + b.answered == 200
    fig = {f["url"]: f for f in client.endpoint_stats()}
    assert fig[b.url]["ejections"] >= 1 and fig[b.url]["failed"] >= 1
    assert fig[a.url]["ok"] == a.answered


@pytest.mark.fault
def test_an_endpoint_out_comes_back_when_it_answers_again(tmp_path) -> None:
    with FleetServer(0.01) as a, FleetServer(0.01) as b:
        b.stop()
        client = _pool(tmp_path, [a.url, b.url])

        async def main() -> None:
            req = LLMRequest(messages=[{"role": "user", "content": "x"}], max_tokens=4)
            for _ in range(5):
                await client.agenerate(req)
            assert not client.endpoints[1].active  # failed its health check: out
            await asyncio.to_thread(b.start)
            deadline = time.monotonic() + 10
            while b.answered == 0:
                assert time.monotonic() < deadline, "the endpoint never came back"
                await asyncio.gather(*(client.agenerate(req) for _ in range(4)))
                await asyncio.sleep(0.05)
            await client.aclose()

        asyncio.run(main())
    assert b.answered > 0 and client.endpoints[1].active


def test_one_base_url_is_a_plain_client(tmp_path) -> None:
    settings = project_settings(tmp_path, system={"agentic_llm": "openai"})
    assert not isinstance(make_client(settings, "openai", "m", base_urls=["http://h:1/v1"]),
                          PoolClient)
    fleet = project_settings(tmp_path, system={
        "agentic_llm": "llama", "base_urls": ["http://127.0.0.1:9/v1", "http://127.0.0.1:8/v1"]})
    assert isinstance(make_client(fleet), PoolClient)


def test_config_base_urls_are_validated(tmp_path) -> None:
    from ftbuilder.config import parse_config
    from ftbuilder.core.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        parse_config({"system": {"base_urls": ["localhost:8000"]}})
    assert "base_urls" in str(e.value)


@pytest.mark.fault
def test_a_fleet_with_no_endpoint_up_fails_with_a_hint(tmp_path) -> None:
    from ftbuilder.core.errors import ProviderError

    with FleetServer(0.01) as a, FleetServer(0.01) as b:
        a.stop()
        b.stop()
        client = _pool(tmp_path, [a.url, b.url])
        client.max_cooldown = 0.5

        async def main() -> None:
            try:
                await client.agenerate(LLMRequest(messages=[{"role": "user", "content": "x"}]))
            finally:
                await client.aclose()

        t0 = time.monotonic()
        with pytest.raises(ProviderError) as e:
            asyncio.run(main())
    assert time.monotonic() - t0 < 10
    assert e.value.kind == "connection" and "--base-url" in e.value.hint
