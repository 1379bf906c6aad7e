"""The generation runner: exact size, resumable, bounded failures, accounting, cancel."""

from __future__ import annotations

import json

import pytest

from ftbuilder.agents.create import create_generator
from ftbuilder.agents.runner import Job, RunOptions, run_job
from ftbuilder.backends.prices import AgentPrice
from ftbuilder.backends.ratelimit import RateLimiter
from ftbuilder.core.errors import Cancelled, ProviderError
from ftbuilder.core.progress import CancelToken
from ftbuilder.core.types import ModelSpec
from ftbuilder.ingest.chunking import Chunk
from ftbuilder.store.db import Store
from ftbuilder.targets.registry import get_model

from .llm_fakes import ScriptedClient, conversations_json, project_settings, provider_error

SPEC = get_model("openai", "gpt-4o-mini-2024-07-18")


def _chunks(n: int = 4) -> list[Chunk]:
    return [Chunk(f"/in/doc{i}.txt", f"sha{i}", 0, f"Text of document {i} about refunds.",
                  "line 1", 8) for i in range(n)]


@pytest.fixture
def env(tmp_path):
    store = Store(":memory:")
    ds = store.create_dataset("gen", "openai", SPEC.id, "create")
    settings = project_settings(tmp_path)
    return store, ds, settings


def _run(store, ds, settings, client, target, chunks=None, **opts):
    gen = create_generator(settings, client)
    job = Job(ds.id, gen, chunks if chunks is not None else _chunks(), target)
    return run_job(store, client, job, RunOptions(spec=SPEC, **opts))


def test_makes_exactly_the_requested_samples_without_duplicates(env):
    store, ds, settings = env
    client = ScriptedClient(delay=0.01)
    stats = _run(store, ds, settings, client, 10, concurrency=3)
    assert store.count_samples(ds.id) == 10 == stats.samples_added
    assert len(store.hashes(ds.id)) == 10
    assert stats.stopped == "target reached"
    assert client.max_active <= 3
    assert stats.requests == len(client.calls) and stats.requests <= 6  # 3 per call
    convs = list(store.iter_samples(ds.id))
    assert all(c.token_count and c.meta["mode"] == "create" for c in convs)
    assert all(store.work_states(ds.id)[c.meta["work_item"]][0] == "done" for c in convs)


def test_a_second_run_resumes_from_the_store_and_cache(env):
    store, ds, settings = env
    first = ScriptedClient()
    _run(store, ds, settings, first, 7, concurrency=2)
    again = ScriptedClient()
    stats = _run(store, ds, settings, again, 7, concurrency=2)
    assert again.calls == [] and stats.samples_added == 0 and stats.existing == 7
    more = ScriptedClient()
    stats = _run(store, ds, settings, more, 16, concurrency=2)
    assert store.count_samples(ds.id) == 16
    asked_before = {repr(r.cache_key_parts()) for r in first.calls}
    assert not asked_before & {repr(r.cache_key_parts()) for r in more.calls}
    # the item whose surplus was cut off is done: not asked again, even from the cache
    assert stats.cache_hits == 0


def test_cancel_keeps_committed_work_and_the_rerun_repeats_no_call(env):
    store, ds, settings = env
    token = CancelToken()

    def reply(req, i):
        if i == 5:
            token.cancel()
        return conversations_json(str(req.seed), n=1)

    client = ScriptedClient(reply, delay=0.02)
    gen = create_generator(settings, client)
    with pytest.raises(Cancelled):
        run_job(store, client, Job(ds.id, gen, _chunks(), 12), RunOptions(concurrency=2),
                cancel=token)
    kept = store.count_samples(ds.id)
    assert 0 < kept < 12
    done = {k for k, (s, _) in store.work_states(ds.id).items() if s == "done"}
    again = ScriptedClient(lambda req, i: conversations_json(str(req.seed), n=1))
    run_job(store, again, Job(ds.id, create_generator(settings, again), _chunks(), 12),
            RunOptions(concurrency=2))
    assert store.count_samples(ds.id) == 12 and len(store.hashes(ds.id)) == 12
    answered = {r.seed for r in client.answered}
    # no call of the second run repeats one answered in the first (done or cached);
    # only the calls cut off by the cancel are asked again
    assert not {r.seed for r in again.calls} & answered
    assert all(k in store.work_states(ds.id) for k in done)


def test_a_weak_model_gives_fewer_samples_not_a_crash_or_a_retry_storm(env):
    store, ds, settings = env
    client = ScriptedClient(lambda req, i: "I am a small model and I like turtles.")
    stats = _run(store, ds, settings, client, 50, concurrency=4)
    assert stats.samples_added == 0
    assert stats.failures["invalid_json"] == len(client.calls)
    assert stats.stopped.startswith("stopped early")
    # chat backends retry bad JSON themselves: at most 2 calls per item here
    assert len(client.calls) <= 2 * stats.items_failed
    assert stats.items_failed <= 12 + 4  # the dry streak, plus what was in flight
    assert store.work_counts(ds.id) == {"failed": stats.items_failed}


def test_a_model_that_never_writes_json_stops_soon_however_many_chunks(env):
    # 300 chunks: the streak of tasks adding nothing would allow 300 of them (up to 600
    # calls); items with no usable reply at all stop the run after max(8, 2 * concurrency)
    store, ds, settings = env
    client = ScriptedClient(lambda req, i: "Sure! Here are some great questions about refunds.")
    stats = _run(store, ds, settings, client, 300, chunks=_chunks(300), concurrency=4)
    assert stats.samples_added == 0
    assert "no usable reply" in stats.stopped and "instruction-tuned" in stats.stopped
    assert 8 <= stats.items_failed <= 8 + 4  # the streak, plus what was in flight
    assert len(client.calls) <= 2 * stats.items_failed


def test_usable_replies_reset_the_unusable_streak(env):
    # every third reply is prose: the run is not stopped by the scattered failures
    store, ds, settings = env
    client = ScriptedClient(lambda req, i: "prose" if i % 3 == 0
                            else conversations_json(f"u{i}", n=1))
    stats = _run(store, ds, settings, client, 40, chunks=_chunks(60), concurrency=2)
    assert stats.samples_added == 40 and stats.stopped == "target reached"
    assert stats.failures["invalid_json"] >= 10


def test_failures_are_counted_by_reason(env):
    store, ds, settings = env
    tiny = ModelSpec("openai", "tiny", "openai", "o200k_base", max_tokens_per_example=60)
    long_answer = "word " * 200

    def reply(req, i):
        if i % 4 == 0:
            return '{"conversations": [{"messages": [{"role": "user", "content": "Same?"},' \
                   ' {"role": "assistant", "content": "Same."}]}]}'
        if i % 4 == 1:
            return '{"conversations": []}'
        if i % 4 == 2:
            return json.dumps({"conversations": [{"messages": [
                {"role": "user", "content": f"Long {i}?"},
                {"role": "assistant", "content": long_answer}]}]})
        return conversations_json(f"ok{i}", n=1)

    client = ScriptedClient(reply)
    gen = create_generator(settings, client)
    stats = run_job(store, client, Job(ds.id, gen, _chunks(), 5), RunOptions(
        concurrency=1, spec=tiny))
    assert store.count_samples(ds.id) == 5
    assert stats.failures["duplicate"] >= 1
    assert stats.failures["empty"] >= 1
    assert stats.failures["over_token_limit"] >= 1
    assert all(c.token_count <= 60 for c in store.iter_samples(ds.id))


def test_backend_errors_abort_then_retry_runs_the_failed_items(env):
    store, ds, settings = env
    client = ScriptedClient(lambda req, i: provider_error())
    with pytest.raises(ProviderError, match="failed calls in a row"):
        _run(store, ds, settings, client, 6, concurrency=2)
    assert len(client.calls) <= 8  # max(5, 2 * concurrency) then stop
    failed = store.work_counts(ds.id)["failed"]
    assert failed == len(client.calls)
    assert store.reset_work(ds.id) == failed
    good = ScriptedClient(lambda req, i: conversations_json(f"r{i}", n=1))
    stats = run_job(store, good, Job(ds.id, create_generator(settings, good), [], 6,
                                     retry=True), RunOptions(spec=SPEC))
    assert stats.samples_added == min(6, failed)
    assert len(good.calls) == stats.items_done
    assert store.work_counts(ds.id).get("failed", 0) == 0


def test_accounting_and_cost(env):
    store, ds, settings = env
    client = ScriptedClient()
    price = AgentPrice("fake", "fake-model", 1.0, 2.0, verified=False)
    seen = []
    gen = create_generator(settings, client)
    stats = run_job(store, client, Job(ds.id, gen, _chunks(), 6),
                    RunOptions(spec=SPEC, price=price, progress_every=0), progress=seen.append)
    assert stats.prompt_tokens == 100 * stats.requests
    assert stats.completion_tokens == 50 * stats.requests
    assert stats.cost == pytest.approx((100 * 1.0 + 50 * 2.0) * stats.requests / 1e6)
    d = stats.to_dict()
    assert d["samples_added"] == 6 and d["price_verified"] is False
    assert seen[-1].done == 6 and seen[-1].total == 6 and "requests" in seen[-1].message
    assert "unverified price" in stats.line()


def test_runner_honours_the_rate_limiter(env):
    store, ds, settings = env
    client = ScriptedClient(lambda req, i: conversations_json(f"x{i}", n=1))
    stats = _run(store, ds, settings, client, 3, concurrency=4,
                 limiter=RateLimiter(rpm=600, tpm=100000))
    assert stats.samples_added == 3
