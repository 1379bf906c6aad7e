"""Identify's LLM fallback through services.build over real HTTP: an OpenAI-compatible stub on
127.0.0.1, the real OpenAI client, a real store and real input files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.llm_fakes import ChatStub, project_settings
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.store.db import Store

NOTES = ("Notes from the support call on 3 May.\n\n"
         "The customer said the invoice from March was charged twice\n"
         "to the same card. She asked whether she would get her money back.\n\n"
         "Our agent replied that the duplicate charge will be refunded\n"
         "within five working days.\n")
ASKED = "the invoice from March was charged twice to the same card."
ANSWERED = "the duplicate charge will be refunded within five working days."
PARAPHRASED = ["My March invoice got charged two times, can I get it back?",
               "Yes, you will be refunded in five days."]
FAQ = """# Help

## How do I reset my password?
Open Settings, choose Security and click Reset password.

## Can I change my plan later?
Yes, upgrade or downgrade at any time from Billing.
"""


def model_reply(body: dict, rid: str) -> str:
    """One conversation copied from the notes, one paraphrased (not in the file)."""
    convs = [[ASKED, ANSWERED], PARAPHRASED]
    return json.dumps({"conversations": [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
         "keywords": ["billing"]} for q, a in convs]})


@pytest.fixture
def stub():
    with ChatStub(text=model_reply) as s:
        yield s


def _ctx(root: Path, fallback: bool = False) -> AppContext:
    settings = project_settings(root, agent={"identify": {"llm_fallback": fallback}},
                                system={"max_retries": 0})
    return AppContext(settings, Store(root / "store.db"))


def _req(root: Path, stub: ChatStub, **kw) -> BuildRequest:
    fields = dict(mode="identify", input_paths=[str(root / "input")], name="idl",
                  provider="openai", model="gpt-4o-mini-2024-07-18",
                  agent_provider="openai", agent_model="stub-model", base_url=stub.url)
    fields.update(kw)
    return BuildRequest(**fields)


def _write(root: Path, name: str, text: str) -> Path:
    (root / "input").mkdir(exist_ok=True)
    path = root / "input" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_fallback_keeps_the_verbatim_conversation_and_rejects_the_paraphrase(tmp_path, stub):
    notes = _write(tmp_path, "notes.txt", NOTES)
    ctx = _ctx(tmp_path, fallback=True)  # on in config.yaml
    result = build(ctx, _req(tmp_path, stub))
    ds = ctx.store.get_dataset("idl")
    (sample,) = list(ctx.store.iter_samples(ds.id))
    assert [m.content for m in sample.messages] == [ASKED, ANSWERED]
    assert sample.source_file == str(notes) and sample.location == "lines 3-7"
    assert sample.meta["origin"] == "identify-llm" and sample.token_count
    assert stub.total == 1
    assert result.samples_added == 1 and result.found == 1
    assert result.rejected == {"not_verbatim": 1}
    llm = result.stats["identify_llm"]
    assert llm["rejected"] == {"not_verbatim": 1} and llm["failures"]["not_verbatim"] == 1
    assert llm["requests"] == 1 and llm["documents"] == 1 and llm["chunks"] == 1
    assert result.files[str(notes)].added == 1 and result.files[str(notes)].found == 1
    (run,) = ctx.store.list_runs(1)
    assert run["stats"]["identify_llm"]["rejected"] == {"not_verbatim": 1}

    again = build(ctx, _req(tmp_path, stub))  # resumed: the chunk is done, nothing asked
    assert again.samples_added == 0 and stub.total == 1
    assert again.stats["identify_llm"]["items_skipped"] == 1
    ctx.close()


def test_a_document_the_patterns_read_never_calls_the_llm(tmp_path, stub):
    _write(tmp_path, "faq.md", FAQ)
    ctx = _ctx(tmp_path)
    result = build(ctx, _req(tmp_path, stub, llm_fallback=True))  # the flag, config off
    assert result.samples_added == 2 and stub.total == 0
    assert "identify_llm" not in result.stats and result.rejected == {}
    ctx.close()


def test_fallback_off_asks_nothing(tmp_path, stub):
    _write(tmp_path, "notes.txt", NOTES)
    ctx = _ctx(tmp_path, fallback=True)
    result = build(ctx, _req(tmp_path, stub, llm_fallback=False))  # the flag wins
    assert result.samples_added == 0 and stub.total == 0
    ctx.close()


def test_failed_chunks_are_asked_again_by_the_next_build(tmp_path):
    _write(tmp_path, "notes.txt", NOTES)
    ctx = _ctx(tmp_path, fallback=True)
    with ChatStub(text=lambda body, rid: "I cannot find any conversation here.") as bad:
        result = build(ctx, _req(tmp_path, bad))
        assert result.samples_added == 0 and result.rejected == {"invalid_json": 1}
        assert result.stats["identify_llm"]["items_failed"] == 1
    with ChatStub(text=model_reply) as good:
        result = build(ctx, _req(tmp_path, good))
        assert result.samples_added == 1 and good.total == 1
    ctx.close()


def test_a_fallback_over_the_budget_stops_before_its_first_call(tmp_path, stub):
    from ftbuilder.services.budget import BudgetExceeded

    _write(tmp_path, "faq.md", FAQ)
    _write(tmp_path, "notes.txt", NOTES)
    settings = project_settings(tmp_path, {"OPENAI_API_KEY": "sk-fallback-0000"},
                                agent={"identify": {"llm_fallback": True}},
                                system={"max_retries": 0, "max_cost_usd": 0.000001})
    ctx = AppContext(settings, Store(tmp_path / "store.db"))
    req = _req(tmp_path, stub, agent_model="gpt-4o-mini")  # a priced model
    with pytest.raises(BudgetExceeded) as e:
        build(ctx, req)
    assert stub.total == 0  # priced before the first call
    assert e.value.estimate.calls == 1 and e.value.estimate.cost_usd > 0.000001
    assert str(e.value).startswith("identify's LLM fallback (for the documents no pattern "
                                   "read) would make 1 call to openai/gpt-4o-mini")
    assert ctx.store.get_dataset("idl").total_samples == 2  # the patterns' samples are kept
    req.confirmed = True  # --yes, or yes in the app's dialog
    result = build(ctx, req)
    assert stub.total == 1 and result.samples_added == 1
    ctx.close()
