"""Generate in the LLM modes, driven as a user would, against an OpenAI-compatible stub on
127.0.0.1 (the agent is configured by system.base_url): create with progress, cancel and
resume, and free mode's dialog when prompts/free_mode/prompt.txt is missing."""

from __future__ import annotations

import shutil
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from agents.llm_fakes import REPO, ChatStub
from ftbuilder.services.context import open_context
from ftbuilder.tui.app import create_app
from tui.helpers import SIZE, settle, status_text, wait_until, write_project

POLICY = "\n\n".join(
    f"Section {i}. Refunds for plan {i} are issued within {i + 10} days of the return. "
    f"Items must be unused. Contact billing team {i} for exceptions." for i in range(12))


def llm_project(root: Path, stub: ChatStub, **config) -> Path:
    shutil.copytree(REPO / "prompts", root / "prompts")
    cfg = {"mode": "create", "dataset_size": 6, "output_name": "gen",
           "agent": {"create": {"chunk_tokens": 120, "chunk_overlap": 10}},
           "system": {"agentic_llm": "llama", "agentic_model": "stub-model",
                      "base_url": stub.url, "max_retries": 0, "concurrency": 2}}
    cfg.update(config)
    write_project(root, cfg)
    shutil.copy(REPO / "prompts" / "system" / "create_mode.txt",
                root / "prompts" / "system" / "create_mode.txt")
    (root / "input_files" / "policy.md").write_text(POLICY, encoding="utf-8")
    return root


@pytest.fixture
def stub():
    with ChatStub() as s:
        yield s


@pytest.fixture
def slow_stub():
    with ChatStub(delay=0.3) as s:
        yield s


def open_app(root: Path, environ: dict[str, str] | None = None):
    ctx = open_context(root / "config.yaml", root / "memory" / "store.db", root=root,
                       environ=environ or {})
    return ctx, create_app(ctx)


@asynccontextmanager
async def generate_screen(root: Path, environ: dict[str, str] | None = None):
    """(ctx, app, pilot) on the Generate screen of the project at ``root``; closed after."""
    ctx, app = open_app(root, environ)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4")
            await settle(pilot)
            yield ctx, app, pilot
    finally:
        ctx.close()


def log_text(app) -> str:
    return "\n".join(str(line.text) for line in app.screen.query_one("#log").lines)


async def test_create_mode_runs_against_the_configured_endpoint(tmp_path, stub):
    ctx, app = open_app(llm_project(tmp_path, stub))
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4")
            await pilot.pause()
            plan = str(app.screen.query_one("#plan").render())
            assert "create  (6 samples)" in plan and "embedded" not in plan
            assert f"llama.cpp server at {stub.url} (model stub-model)" in plan
            await pilot.press("g")
            await settle(pilot)
            ds = ctx.store.get_dataset("gen")
            assert ds.total_samples == 6
            assert stub.total >= 2 and set(stub.counts.values()) == {1}
            figures = str(app.screen.query_one("#figures").render())
            assert "samples so far  6" in figures
            assert f"tokens so far   {ds.total_tokens:,}" in figures
            bar = app.screen.query_one("#progress")
            assert bar.percentage == 1
            log = log_text(app)
            assert "generate" in log and "done: 6 sample(s) added" in log
            assert "broken.pdf" in log  # the bad file is reported, the others went on
            assert "Done: 6 sample(s) added to gen" in status_text(app)
    finally:
        ctx.close()


async def test_create_cancel_keeps_the_samples_and_resume_reaches_the_size(tmp_path,
                                                                          slow_stub):
    ctx, app = open_app(llm_project(tmp_path, slow_stub, dataset_size=30,
                                    system={"agentic_llm": "llama",
                                            "agentic_model": "stub-model",
                                            "base_url": slow_stub.url, "max_retries": 0,
                                            "concurrency": 1}))

    def samples() -> int:
        ds = ctx.store.get_dataset("gen") if ctx.store.list_datasets() else None
        return ds.total_samples if ds else 0

    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4", "g")
            await wait_until(pilot, lambda: samples() >= 3)
            await pilot.press("escape")
            await settle(pilot)
            kept = samples()
            assert 3 <= kept < 30
            assert ctx.store.list_runs(1)[0]["status"] == "cancelled"
            assert "Cancelled" in status_text(app)
            assert "cancelled: cancelled" not in log_text(app)
            unfinished = app.screen.query_one("#unfinished")
            assert unfinished.row_count == 1
            calls_before = slow_stub.total

            await pilot.press("r")
            await settle(pilot, timeout=120)
            assert samples() == 30  # resumed to the size asked, not just the open items
            assert slow_stub.total > calls_before
            # work done is not asked again: only the call cut off by the cancel (concurrency 1)
            assert sum(n - 1 for n in slow_stub.counts.values()) <= 1
            assert "Done" in status_text(app)
            assert unfinished.row_count == 0  # nothing left to resume
    finally:
        ctx.close()


async def test_free_mode_asks_for_the_instruction_when_prompt_txt_is_missing(tmp_path, stub):
    root = llm_project(tmp_path, stub, mode="free", dataset_size=3, output_name="free")
    (root / "prompts" / "free_mode" / "prompt.txt").unlink()
    ctx, app = open_app(root)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4", "g")
            await pilot.pause()
            dialog = app.screen
            assert type(dialog).__name__ == "AskScreen"
            assert "prompts/free_mode/prompt.txt" in dialog.question
            # cancelling starts nothing
            await pilot.press("escape")
            await settle(pilot)
            assert not ctx.store.list_datasets() and stub.total == 0
            await pilot.press("g")
            await pilot.pause()
            await pilot.press(*"Write a question about refunds and its answer.")
            await pilot.press("enter")
            await settle(pilot)
            ds = ctx.store.get_dataset("free")
            assert ds.total_samples == 3
            gen = ds.config["generation"]
            assert gen["mode"] == "free"
            assert gen["instruction"] == "Write a question about refunds and its answer."
    finally:
        ctx.close()


async def test_hybrid_mode_keeps_found_conversations_and_generates_the_rest(tmp_path, stub):
    # issue 12: hybrid keeps every identified pair (16 in the fixture) and generates the
    # rest up to the size (was: size 8 split 4/4 by generation_ratio)
    root = llm_project(tmp_path, stub, mode="hybrid", dataset_size=20, output_name="mix")
    ctx, app = open_app(root)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("4", "g")
            await settle(pilot)
            ds = ctx.store.get_dataset("mix")
            assert ds.total_samples == 20
            origins = sorted(c.meta.get("origin", "") for c in ctx.store.iter_samples(ds.id))
            assert origins.count("identify") == 16 and origins.count("generated") == 4
            assert stub.total >= 1
            assert "Done: 20 sample(s) added to mix" in status_text(app)
    finally:
        ctx.close()


async def test_a_long_question_in_a_dialog_wraps_instead_of_being_cut(app):
    from ftbuilder.tui.widgets.modals import AskScreen

    question = ("Free mode: what should each sample be? (or write "
                "prompts/free_mode/prompt.txt)")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(AskScreen(question))
        await pilot.pause()
        label = app.screen.query_one(".question")
        assert label.content_region.height * label.content_region.width >= len(question)
        assert label.content_region.height >= 2
