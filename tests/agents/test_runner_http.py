"""LLM build modes end to end: services.build over real HTTP to an OpenAI-compatible stub on
127.0.0.1 (the real OpenAI client of backends/), a real SQLite store and real input files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ftbuilder.core.errors import ProviderError
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.services.resume import resume as retry
from ftbuilder.store.db import Store

from .llm_fakes import ChatStub, project_settings

POLICY = "\n\n".join(
    f"Section {i}. Refunds for plan {i} are issued within {i + 10} days of the return. "
    f"Items must be unused. Contact billing team {i} for exceptions." for i in range(12))

FAQ = """# Help

## How do I reset my password?
Open Settings, choose Security and click Reset password.

## Can I change my plan later?
Yes, upgrade or downgrade at any time from Billing.

## Where is my invoice?
Invoices are emailed monthly and listed under Billing.
"""


@pytest.fixture
def stub():
    with ChatStub() as s:
        yield s


@pytest.fixture
def project(tmp_path: Path):
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "policy.md").write_text(POLICY, encoding="utf-8")
    return tmp_path


def _ctx(root: Path, **config) -> AppContext:
    config.setdefault("agent", {"create": {"chunk_tokens": 120, "chunk_overlap": 10}})
    config.setdefault("system", {"max_retries": 0})
    return AppContext(project_settings(root, **config), Store(root / "store.db"))


def _req(root: Path, stub: ChatStub, **kw) -> BuildRequest:
    fields = dict(mode="create", input_paths=[str(root / "input")], name="gen",
                  provider="openai", model="gpt-4o-mini-2024-07-18", size=12,
                  agent_provider="openai", agent_model="stub-model", base_url=stub.url,
                  concurrency=4)
    fields.update(kw)
    return BuildRequest(**fields)


def _user_questions(ctx: AppContext, name: str) -> list[str]:
    ds = ctx.store.get_dataset(name)
    return [next(m.content for m in c.messages if m.role == "user")
            for c in ctx.store.iter_samples(ds.id)]


def test_create_build_over_http_then_a_rerun_makes_no_call(project, stub):
    ctx = _ctx(project)
    result = build(ctx, _req(project, stub))
    ds = ctx.store.get_dataset("gen")
    assert result.samples_added == 12 == ds.total_samples
    gen = result.stats["generation"]
    assert gen["requests"] == stub.total and gen["prompt_tokens"] == 120 * stub.total
    assert gen["estimated_cost_usd"] is None  # "stub-model" has no known price
    assert set(stub.counts.values()) == {1}
    assert len(set(_user_questions(ctx, "gen"))) == 12
    assert all(c.source_file.endswith("policy.md") and c.meta["chunk"]
               for c in ctx.store.iter_samples(ds.id))
    assert result.files[str(project / "input" / "policy.md")].added == 12

    calls = stub.total
    again = build(ctx, _req(project, stub))
    assert again.samples_added == 0 and stub.total == calls
    bigger = build(ctx, _req(project, stub, size=20))
    assert ctx.store.get_dataset("gen").total_samples == 20 == 12 + bigger.samples_added
    assert set(stub.counts.values()) == {1}  # no request was ever answered twice
    ctx.close()


def test_free_mode_uses_the_prompt_file_and_its_edits(project, stub):
    ctx = _ctx(project)
    prompt = project / "prompts" / "free_mode" / "prompt.txt"
    prompt.write_text("Write dialogues between a pirate and a parrot.", encoding="utf-8")
    seen: list[str] = []
    orig = stub.answer

    def answer(body, rid):
        seen.append(body["messages"][0]["content"])
        return orig(body, rid)

    stub.answer = answer  # type: ignore[method-assign]
    build(ctx, _req(project, stub, mode="free", name="free", size=4))
    assert seen and all("pirate and a parrot" in s for s in seen)
    prompt.write_text("Write dialogues between a chef and a critic.", encoding="utf-8")
    seen.clear()
    # issue 12: the size is the dataset's target size in every mode (was: per instruction)
    r = build(ctx, _req(project, stub, mode="free", name="free", size=8))
    assert r.samples_added == 4
    assert seen and all("chef and a critic" in s for s in seen)
    ctx.close()


def test_hybrid_mixes_identified_and_generated_without_duplicates(project, stub):
    (project / "input" / "faq.md").write_text(FAQ, encoding="utf-8")
    ctx = _ctx(project, agent={"create": {"chunk_tokens": 120, "chunk_overlap": 10},
                               "hybrid": {"generation_ratio": 0.5}})
    asked: list[str] = []
    orig = stub.answer

    def answer(body, rid):
        user = body["messages"][-1]["content"]
        asked.append(user)
        if "reset my password" in user and "FILE:" in user and "faq.md" in user:
            # a model that repeats a conversation of the document
            return json.dumps({"conversations": [{"messages": [
                {"role": "user", "content": "How do I reset my password?"},
                {"role": "assistant", "content": "Settings > Security."}]}]})
        return orig(body, rid)

    stub.answer = answer  # type: ignore[method-assign]
    result = build(ctx, _req(project, stub, mode="hybrid", name="hy", size=8))
    ds = ctx.store.get_dataset("hy")
    origins = [c.meta["origin"] for c in ctx.store.iter_samples(ds.id)]
    assert ds.total_samples == 8
    assert origins.count("identify") == 3 and origins.count("generated") == 5
    questions = [q.lower().strip() for q in _user_questions(ctx, "hy")]
    assert len(questions) == len(set(questions))
    assert any("do not repeat" in a and "How do I reset my password?" in a for a in asked)
    assert result.found == 3
    ctx.close()


def test_failed_chunks_are_rerun_by_retry(project, stub):
    ctx = _ctx(project)
    stub.fail_first = 10_000  # the backend is down
    with pytest.raises(ProviderError, match="failed calls in a row"):
        build(ctx, _req(project, stub, size=6, concurrency=2))
    ds = ctx.store.get_dataset("gen")
    failed = ctx.store.work_counts(ds.id)["failed"]
    assert failed >= 5 and ds.total_samples == 0
    stub.fail_first = 0  # back up
    stub.total = 0
    result = retry(ctx, "gen")
    assert result.samples_added == 6 == ctx.store.get_dataset("gen").total_samples
    assert result.stats["reset_items"] == failed
    assert result.stats["generation"]["requests"] == stub.total <= failed
    ctx.close()


def test_cancel_mid_build_keeps_samples_and_records_the_accounting(project, stub):
    from ftbuilder.core.errors import Cancelled
    from ftbuilder.core.progress import CancelToken

    ctx = _ctx(project)
    token = CancelToken()
    stub.delay = 0.05

    def progress(p):
        if p.stage == "generate" and p.done >= 3:
            token.cancel()

    with pytest.raises(Cancelled):
        build(ctx, _req(project, stub, size=40, concurrency=2), progress=progress,
              cancel=token)
    ds = ctx.store.get_dataset("gen")
    assert 3 <= ds.total_samples < 40
    (run,) = ctx.store.list_runs(1)
    assert run["status"] == "cancelled"
    assert run["stats"]["generation"]["samples_added"] == ds.total_samples
    assert run["stats"]["generation"]["stopped"] == "cancelled"
    ctx.close()


def _cancelled_build(ctx: AppContext, project: Path, stub: ChatStub, at: int) -> None:
    """A create build of 40 that the user cancels once ``at`` samples are made."""
    from ftbuilder.core.errors import Cancelled
    from ftbuilder.core.progress import CancelToken

    token = CancelToken()

    def progress(p):
        if p.stage == "generate" and p.done >= at:
            token.cancel()

    stub.delay = 0.2
    with pytest.raises(Cancelled):
        build(ctx, _req(project, stub, size=40, concurrency=2), progress=progress,
              cancel=token)


def test_retry_after_a_cancel_finishes_the_build_to_its_size(project, stub):
    # Ctrl-C says "ftb retry NAME resumes": the retry runs what was unfinished, then keeps
    # going from the build's inputs until the dataset has the size asked, asking nothing twice
    ctx = _ctx(project)
    _cancelled_build(ctx, project, stub, at=6)
    had = ctx.store.get_dataset("gen").total_samples
    assert 6 <= had < 40
    stub.delay = 0
    result = retry(ctx, "gen")
    assert result.stats["resumed"] == "inputs"
    assert result.samples_added == 40 - had
    assert ctx.store.get_dataset("gen").total_samples == 40
    questions = _user_questions(ctx, "gen")
    assert len(questions) == len(set(questions)) == 40
    assert max(stub.counts.values()) == 1  # no request body was sent twice
    ctx.close()


def test_retry_with_its_inputs_gone_runs_only_the_recorded_items(project, stub):
    import shutil

    ctx = _ctx(project)
    _cancelled_build(ctx, project, stub, at=4)
    ds = ctx.store.get_dataset("gen")
    unfinished = ctx.store.work_counts(ds.id).get("pending", 0)
    shutil.rmtree(project / "input")
    stub.total = 0
    result = retry(ctx, "gen")
    assert result.stats["resumed"] == "items"
    assert stub.total == unfinished
    assert ctx.store.work_counts(ds.id).get("pending", 0) == 0
    ctx.close()


def test_unusable_replies_are_accounted_as_the_requests_and_tokens_they_cost(project):
    # A model answering prose: every HTTP request (the client's own retries of bad JSON
    # included) is counted, with its tokens; the server saw exactly that many.
    with ChatStub(text=lambda body, rid: "Sorry, I only write prose.") as stub:
        ctx = _ctx(project, system={"max_retries": 1})
        result = build(ctx, _req(project, stub, size=6, concurrency=2))
        gen = result.stats["generation"]
        assert result.samples_added == 0 and gen["items_failed"] > 0
        assert gen["requests"] == stub.total > 0
        assert gen["prompt_tokens"] == 120 * stub.total
        assert gen["completion_tokens"] == 60 * stub.total
        ctx.close()


def test_cached_answers_do_not_wait_for_the_rate_limit(project, stub):
    import time

    ctx = _ctx(project)
    first = build(ctx, _req(project, stub, size=12))
    assert first.samples_added == 12
    calls = stub.total
    ds = ctx.store.get_dataset("gen")
    # the same work asked again, as a resume does after a run cut off once its replies were
    # cached (samples and item records gone), with a budget of one request a minute: every
    # answer is in the cache, so nothing waits and the server is not asked again.
    # (Another dataset is NOT served this dataset's replies: issue 12.)
    with sqlite3.connect(project / "store.db") as con:
        con.execute("DELETE FROM work_items WHERE dataset_id = ?", (ds.id,))
    ctx.store.delete_samples(ds.id, [c.id for c in ctx.store.iter_samples(ds.id)])
    ctx.close()
    limited = _ctx(project, system={"max_retries": 0, "rpm": 1})
    started = time.monotonic()
    again = build(limited, _req(project, stub, size=12))
    assert again.samples_added == 12
    assert stub.total == calls
    assert again.stats["generation"]["cache_hits"] >= 4
    assert time.monotonic() - started < 10
    limited.close()


def test_a_rejected_key_stops_the_run_at_once(project):
    with ChatStub(fail_first=10_000, fail_status=401) as stub:
        ctx = _ctx(project)
        with pytest.raises(ProviderError, match="rejected") as err:
            build(ctx, _req(project, stub, size=30, concurrency=2))
        assert err.value.kind == "auth"
        assert stub.total <= 2  # what was in flight, not a streak of doomed calls
        ctx.close()
