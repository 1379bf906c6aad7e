"""Free mode's preview and run comparison (services/preview.py, services/runs.py) over real
HTTP: an OpenAI-compatible stub on 127.0.0.1 that writes about whatever topic the
instruction (in the system prompt) names, so the on-topic share is measured, not assumed."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from agents.llm_fakes import ChatStub, project_settings
from ftbuilder.core.errors import FtbError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.services.preview import preview, sample_inputs, scratch_name
from ftbuilder.services.runs import (
    compare_rows,
    failure_lines,
    figures_of,
    on_topic,
    run_figures,
    shortfall,
    topic_words,
)
from ftbuilder.store.db import Store

TOPIC = re.compile(r"TOPIC (\w+)")


_CALLS = itertools.count()


def topical(body: dict, rid: str) -> str:
    """A reply about the instruction's TOPIC word (the llama backend is completion style: the
    instruction heads the prompt); for the topic 'halfway', every other reply strays."""
    prompt = body.get("prompt") or " ".join(m["content"] for m in body.get("messages", []))
    topic = m.group(1) if (m := TOPIC.search(prompt)) else "weather"
    stray = topic == "halfway" and next(_CALLS) % 2
    about = "the office parking lot" if stray else topic
    return f" Tell me about {about} ({rid[:8]})?\nAnswer: Here is what to know about {about}."


@pytest.fixture
def stub():
    with ChatStub(text=topical) as s:
        yield s


@pytest.fixture
def ctx(tmp_path: Path, stub: ChatStub):
    (tmp_path / "input").mkdir()
    for i in range(5):
        (tmp_path / "input" / f"doc{i}.md").write_text(
            f"# Part {i}\n\nRefunds for plan {i} take {i + 10} days. Items must be unused.\n",
            encoding="utf-8")
    settings = project_settings(
        tmp_path, mode="free", output_name="faq", input_dir=str(tmp_path / "input"),
        dataset_size=6, agent={"create": {"chunk_tokens": 120, "chunk_overlap": 10}},
        system={"agentic_llm": "llama", "agentic_model": "stub-model", "base_url": stub.url,
                "max_retries": 0, "concurrency": 1})
    c = AppContext(settings, Store(tmp_path / "store.db"))
    yield c
    c.close()


def _build(ctx: AppContext, instruction: str, size: int) -> None:
    c = ctx.settings.config
    build(ctx, BuildRequest("free", [str(ctx.settings.input_dir)], "faq", c.provider, c.model,
                            size=size, instruction=instruction))


def test_preview_makes_samples_in_memory_and_leaves_no_dataset_or_run(ctx, stub):
    _build(ctx, "Write about TOPIC refunds.", 4)
    runs_before = len(ctx.store.list_runs(1000))
    p = preview(ctx, "Write about TOPIC shipping.", n=5)
    assert len(p.samples) == 5
    assert all("shipping" in c.messages[-1].content for c in p.samples)
    assert p.figures is not None and p.figures.share == 1.0 and p.figures.label == "preview"
    assert [d.name for d in ctx.store.list_datasets()] == ["faq"]  # no faq~preview left
    assert ctx.store.get_dataset("faq").total_samples == 4  # the user's dataset untouched
    assert len(ctx.store.list_runs(1000)) == runs_before
    assert stub.total >= 1


def test_preview_reads_prompt_txt_when_no_instruction_is_given(ctx, stub):
    (ctx.settings.prompts_dir / "free_mode" / "prompt.txt").write_text(
        "Write about TOPIC invoices.\n", encoding="utf-8")
    p = preview(ctx, None, n=2)
    assert p.instruction == "Write about TOPIC invoices."
    assert all("invoices" in c.messages[-1].content for c in p.samples)


def test_a_preview_left_by_a_killed_app_is_replaced(ctx, stub):
    ctx.store.create_dataset(scratch_name("faq"), "openai", "gpt-4o-mini-2024-07-18", "free")
    p = preview(ctx, "Write about TOPIC refunds.", n=2)
    assert len(p.samples) == 2
    assert ctx.store.find_dataset(scratch_name("faq")) is None


def test_a_failing_preview_still_removes_its_scratch_dataset(ctx, stub):
    stub.fail_first, stub.fail_status = 10**6, 503  # every call answered 503
    with pytest.raises(FtbError) as err:
        preview(ctx, "Write about TOPIC refunds.", n=2)
    assert "503" in str(err.value) or "server" in str(err.value)
    assert ctx.store.find_dataset(scratch_name("faq")) is None


def test_two_runs_compare_side_by_side(ctx, stub):
    _build(ctx, "Write about TOPIC refunds.", 4)
    _build(ctx, "Write about TOPIC halfway topics.", 8)  # the dataset's size: 4 more
    newest, older = run_figures(ctx, "faq")
    assert older.instruction == "Write about TOPIC refunds." and older.samples == 4
    assert older.share == 1.0
    assert newest.instruction.endswith("halfway topics.") and newest.samples == 4
    assert 0 < newest.share < 1  # the stub strays on about half the replies
    assert newest.cost_usd is not None and newest.status == "done" and newest.failures == []
    rows = dict((r[0], r[1:]) for r in compare_rows([newest, older]))
    share = f"{newest.share:.0%} ({newest.on_topic}/4)"
    assert rows["on topic (keywords)"] == (share, "100% (4/4)")
    assert rows["grounding flags"] == ("none", "none")


def test_grounding_flags_are_counted_when_samples_carry_them():
    convs = [Conversation([Message("user", "refund?"), Message("assistant", "14 days")],
                          meta={"flags": ["ungrounded"] if i < 2 else ["short"]})
             for i in range(3)]
    fig = figures_of("r", "Explain the refund rules", convs)
    assert fig.grounding == 2 and fig.flags == {"ungrounded": 2, "short": 1}
    assert fig.cells()["grounding flags"] == "2"


def test_topic_words_leave_common_words_out_and_match_word_forms():
    assert topic_words("Write one helpful Q&A pair about Refunds and shipping.") == [
        "refunds", "shipping"]
    conv = Conversation([Message("user", "Can I get a refund?"), Message("assistant", "Yes.")])
    assert on_topic(conv, ["refunds"]) and not on_topic(conv, ["shipping"])


def test_failure_lines_say_why_a_build_ended_short():
    data = {"name": "faq", "files": {"/x/broken.pdf": {"status": "error", "error": "not a pdf"}},
            "stats": {"generation": {"target": 10, "samples_added": 4, "items_done": 2,
                                     "items_failed": 2, "failures": {"empty": 11},
                                     "failed_by": {"timeout": 2}}}}
    lines = failure_lines(data)
    assert "file failed: /x/broken.pdf: not a pdf" in lines
    assert "failures: empty 11" in lines
    assert "work items failed: 2 (timeout 2)" in lines
    err, hint = shortfall(data)
    assert f"error: {err}" in lines and f"hint: {hint}" in lines
    assert err.startswith("2 of 4 work items failed: timeout 2")
    assert failure_lines({"stats": {}}) == []


def test_sample_inputs_spreads_over_a_folder(tmp_path):
    for i in range(9):
        (tmp_path / f"f{i}.txt").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    got = sample_inputs([tmp_path], 3)
    assert [Path(p).name for p in got] == ["f0.txt", "f3.txt", "f6.txt"]
