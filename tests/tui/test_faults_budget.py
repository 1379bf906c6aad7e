"""Generate asks before a build over system.max_cost_usd (issue 8.12): the dialog shows the
figures; no answers no request to the (paid, here a loopback stub) backend; yes runs it. The
Files screen's Sources section asks the same (one dialog, the base screen's ask_cost) when
a repository prepare or its retry stops before its first call: yes runs it again confirmed."""

from __future__ import annotations

import asyncio
import re

import pytest

from agents.llm_fakes import ChatStub
from ftbuilder.tui.app import create_app
from ftbuilder.tui.widgets.modals import ConfirmScreen
from tui.helpers import SIZE, settle, status_text, wait_until
from tui.test_generate_llm import generate_screen, llm_project, open_app

KEY = {"OPENAI_API_KEY": "sk-budget-tui-0000"}  # a paid backend needs one; the stub ignores it


def _paid_project(tmp_path, stub, max_cost_usd: float):
    """A project whose agent is openai/gpt-4o-mini (a priced model) at the stub."""
    return llm_project(tmp_path, stub, dataset_size=9, system={
        "agentic_llm": "openai", "agentic_model": "gpt-4o-mini", "base_url": stub.url,
        "max_retries": 0, "concurrency": 2, "max_cost_usd": max_cost_usd})


def asking(app) -> bool:
    """The cost dialog is up and mounted (its No button has the focus): a key pressed before
    that would dismiss a dialog still being built."""
    return isinstance(app.screen, ConfirmScreen) and getattr(app.focused, "id", None) == "no"


async def answer(pilot, app, key: str) -> None:
    """Answer the cost dialog with ``key`` (y or n) and let what follows run."""
    await pilot.press(key)
    await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
    await settle(pilot)


@pytest.mark.fault
async def test_generate_asks_before_a_build_over_budget(tmp_path):
    with ChatStub() as stub:
        root = _paid_project(tmp_path, stub, 0.001)
        async with generate_screen(root, KEY) as (ctx, app, pilot):
            await pilot.press("g")
            await wait_until(pilot, lambda: asking(app))
            question = str(app.screen.query_one(".question").render())
            assert "This build would make 3 calls to openai/gpt-4o-mini, about $" in question
            assert "over system.max_cost_usd $0.001" in question
            await answer(pilot, app, "n")
            assert stub.total == 0 and ctx.store.find_dataset("gen") is None
            assert "Not started: over system.max_cost_usd" in status_text(app)
            await pilot.press("g")
            await wait_until(pilot, lambda: asking(app))
            await answer(pilot, app, "y")
            await wait_until(pilot, lambda: app.screen.finished)
            assert stub.total >= 3
            assert ctx.store.get_dataset("gen").total_samples == 9


@pytest.mark.fault
async def test_generate_prices_batch_mode_at_batch_prices(tmp_path):
    from textual.widgets import Switch

    with ChatStub() as stub:
        root = _paid_project(tmp_path, stub, 0.00001)
        async with generate_screen(root, KEY) as (ctx, app, pilot):
            app.screen.query_one("#batch-mode", Switch).value = True
            await pilot.press("g")
            await wait_until(pilot, lambda: asking(app))
            question = str(app.screen.query_one(".question").render())
            assert "at batch prices" in question, question
            await pilot.press("n")
            await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
            assert stub.total == 0 and ctx.store.find_dataset("gen") is None


# --- the Files screen's Sources section: ftb repos prepare / retry in the app ------------------
def repos_project(tmp_path, stub: ChatStub):
    """A project whose agent is a paid model (priced, here served by the loopback ``stub``)
    over a tiny system.max_cost_usd, and one real git repository synced into repos/."""
    from ftbuilder.services.repos import sync_repos
    from sources.gitfixtures import sample_repo

    root = llm_project(tmp_path / "proj", stub, system={
        "agentic_llm": "openai", "agentic_model": "gpt-4o-mini", "base_url": stub.url,
        "max_retries": 0, "concurrency": 2, "max_cost_usd": 0.0001})
    sample_repo(tmp_path / "up" / "acme" / "demo")
    (root / "repos.txt").write_text(f"{tmp_path}/up/acme/demo\n")
    ctx, _ = open_app(root, KEY)
    assert [r.status for r in sync_repos(ctx).repos] == ["cloned"]
    return ctx


def repo_row(app) -> list[str]:
    from textual.widgets import DataTable

    return [str(c) for c in app.screen.query_one("#src-table", DataTable).get_row_at(0)]


def question_of(app) -> str:
    return str(app.screen.query_one(".question").render())


@pytest.mark.fault
async def test_sources_prepare_asks_before_going_over_budget(tmp_path):
    from tui.helpers import type_into

    with ChatStub() as stub:
        ctx = repos_project(tmp_path, stub)
        app = create_app(ctx)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("3", "s")
                await pilot.pause()
                await type_into(pilot, "#src-name", "code")
                await pilot.click("#src-prepare")
                await wait_until(pilot, lambda: asking(app), what="the cost dialog")
                question = question_of(app)  # Generate's dialog, the same words
                m = re.search(r"^This build would make (\d+) calls to openai/gpt-4o-mini, "
                              r"about \$[\d.]+ .*\(over system.max_cost_usd \$0.0001\)\.\n"
                              r"\1 calls × \([\d,]+ prompt \+ [\d,]+ reply tokens\), [\d,]+ "
                              r"samples\.\nStart it anyway\?$", question)
                assert m, question
                calls = int(m.group(1))
                assert calls >= 3 and stub.total == 0  # nothing sent before the answer
                await answer(pilot, app, "n")
                assert stub.total == 0
                assert "Not started: over system.max_cost_usd" in status_text(app)
                assert "Pairs only" in status_text(app)
                pairs = ctx.store.get_dataset("code").total_samples  # no LLM for these
                row = repo_row(app)
                assert row[1] == "code" and row[4] == "0"  # every file still pending

                await pilot.click("#src-prepare")  # the files are pending: it asks again
                await wait_until(pilot, lambda: asking(app), what="the cost dialog again")
                assert question_of(app) == question and stub.total == 0
                await answer(pilot, app, "y")
                assert stub.total == calls  # one call per piece, confirmed: no second dialog
                total = ctx.store.get_dataset("code").total_samples
                assert total > pairs
                assert f"code: {total - pairs:,} samples added (0 pairs without an LLM), " \
                       "0 file(s) failed" in status_text(app)
                row = repo_row(app)
                assert row[4] == row[3] and row[5] == ""  # every file done, none failed
        finally:
            ctx.close()


@pytest.mark.fault
async def test_sources_retry_asks_before_going_over_budget(tmp_path):
    from ftbuilder.core.errors import ProviderError
    from ftbuilder.services.repos import PrepareRequest, prepare
    from tui.helpers import type_into

    with ChatStub(fail_first=10_000) as stub:  # the server is down for the first prepare
        ctx = repos_project(tmp_path, stub)
        with pytest.raises(ProviderError):  # every call failed: the run stops, files failed
            # in a thread, as the app's jobs run (the runner has its own event loop)
            await asyncio.to_thread(prepare, ctx, PrepareRequest(name="code", confirmed=True))
        failed = stub.total
        before = ctx.store.get_dataset("code").total_samples  # the pairs, made without an LLM
        stub.fail_first = 0  # the server is back
        app = create_app(ctx)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("3", "s")
                await pilot.pause()
                row = repo_row(app)
                assert failed > 0 and row[4] == "0" and row[5] == row[3]  # all files failed
                await type_into(pilot, "#src-name", "code")
                await pilot.click("#src-retry")
                await wait_until(pilot, lambda: asking(app), what="the cost dialog")
                assert "over system.max_cost_usd $0.0001" in question_of(app)
                await answer(pilot, app, "n")
                assert stub.total == failed  # not one more request
                assert ctx.store.get_dataset("code").total_samples == before
                assert "Not started: over system.max_cost_usd" in status_text(app)
                await pilot.click("#src-retry")
                await wait_until(pilot, lambda: asking(app))
                await answer(pilot, app, "y")
                assert stub.total > failed
                assert ctx.store.get_dataset("code").total_samples > before
                assert "0 file(s) failed" in status_text(app), status_text(app)
                row = repo_row(app)
                assert row[4] == row[3] and row[5] == ""
        finally:
            ctx.close()


@pytest.mark.fault
async def test_generate_asks_when_identify_fallback_would_go_over_budget(tmp_path):
    # identify with the LLM fallback: its calls are known (and priced) only once the patterns
    # have run, so the stop comes during the run; the app asks then, yes runs it confirmed
    from tui.helpers import write_project

    notes = ("Notes from the support call on 3 May.\n\nThe customer said the invoice from "
             "March was charged twice\nto the same card.\n\nOur agent replied that the "
             "duplicate charge will be refunded\nwithin five working days.\n")
    with ChatStub() as stub:
        root = llm_project(tmp_path, stub)
        write_project(root, {"mode": "identify", "output_name": "gen",
                             "agent": {"identify": {"llm_fallback": True}},
                             "system": {"agentic_llm": "openai", "agentic_model": "gpt-4o-mini",
                                        "base_url": stub.url, "max_retries": 0,
                                        "max_cost_usd": 0.000001}})
        (root / "input_files" / "notes.txt").write_text(notes, encoding="utf-8")
        async with generate_screen(root, KEY) as (ctx, app, pilot):
            await pilot.press("g")  # identify: nothing to price before the run
            await wait_until(pilot, lambda: asking(app), 60)
            question = question_of(app)
            assert question.startswith("Identify's LLM fallback (for the documents no "
                                       "pattern read) would make ")
            assert "samples" not in question and stub.total == 0
            await pilot.press("n")
            await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
            assert "Not started: over system.max_cost_usd" in status_text(app)
            assert "turn the LLM fallback off" in status_text(app)
            patterns = ctx.store.get_dataset("gen").total_samples  # kept
            await pilot.press("g")
            await wait_until(pilot, lambda: asking(app), 60)
            await pilot.press("y")
            await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
            await wait_until(pilot, lambda: app.screen.finished and stub.total > 0, 60)
            await settle(pilot)
            assert stub.total >= 1 and not isinstance(app.screen, ConfirmScreen)
            assert ctx.store.get_dataset("gen").total_samples >= patterns



@pytest.mark.fault
async def test_generate_says_the_size_cap_when_that_is_why_it_asked(tmp_path):
    # an unpriced paid model: the cost is unknown, the 100,000-sample cap is the guard
    with ChatStub() as stub:
        root = llm_project(tmp_path, stub, dataset_size=100_001, system={
            "agentic_llm": "openai", "agentic_model": "stub-model", "base_url": stub.url,
            "max_retries": 0})
        async with generate_screen(root, KEY) as (_ctx, app, pilot):
            await pilot.press("g")
            await wait_until(pilot, lambda: asking(app))
            assert "at an unknown price" in question_of(app)
            await answer(pilot, app, "n")
            status = status_text(app)
            assert "Not started: 100,001 samples is over the 100,000 of a paid build" \
                in status and "max_cost_usd" not in status
            assert stub.total == 0

