"""Generate asks before a build over system.max_cost_usd (issue 8.12): the dialog shows the
figures; no answers no request to the (paid, here a loopback stub) backend; yes runs it."""

from __future__ import annotations

import pytest

from agents.llm_fakes import ChatStub
from ftbuilder.services.context import open_context
from ftbuilder.tui.app import create_app
from ftbuilder.tui.widgets.modals import ConfirmScreen
from tui.helpers import SIZE, settle, status_text, wait_until
from tui.test_generate_llm import llm_project


def _paid_project(tmp_path, stub, max_cost_usd: float):
    """A project whose agent is openai/gpt-4o-mini (a priced model) at the stub."""
    root = llm_project(tmp_path, stub, dataset_size=9, system={
        "agentic_llm": "openai", "agentic_model": "gpt-4o-mini", "base_url": stub.url,
        "max_retries": 0, "concurrency": 2, "max_cost_usd": max_cost_usd})
    return open_context(root / "config.yaml", root / "memory" / "store.db", root=root,
                        environ={"OPENAI_API_KEY": "sk-budget-tui-0000"})


@pytest.mark.fault
async def test_generate_asks_before_a_build_over_budget(tmp_path):
    with ChatStub() as stub:
        ctx = _paid_project(tmp_path, stub, 0.001)
        app = create_app(ctx)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("4")
                await pilot.pause()
                await pilot.press("g")
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
                question = str(app.screen.query_one(".question").render())
                assert "This build would make 3 calls to openai/gpt-4o-mini, about $" in question
                assert "over system.max_cost_usd $0.001" in question
                await pilot.press("n")
                await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
                await settle(pilot)
                assert stub.total == 0 and ctx.store.find_dataset("gen") is None
                assert "Not started: over system.max_cost_usd" in status_text(app)
                await pilot.press("g")
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
                await pilot.press("y")
                await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
                await settle(pilot)
                await wait_until(pilot, lambda: app.screen.finished)
                assert stub.total >= 3
                assert ctx.store.get_dataset("gen").total_samples == 9
        finally:
            ctx.close()


@pytest.mark.fault
async def test_generate_prices_batch_mode_at_batch_prices(tmp_path):
    from textual.widgets import Switch

    with ChatStub() as stub:
        ctx = _paid_project(tmp_path, stub, 0.00001)
        app = create_app(ctx)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("4")
                await settle(pilot)
                app.screen.query_one("#batch-mode", Switch).value = True
                await pilot.press("g")
                await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
                question = str(app.screen.query_one(".question").render())
                assert "at batch prices" in question, question
                await pilot.press("n")
                await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
                assert stub.total == 0 and ctx.store.find_dataset("gen") is None
        finally:
            ctx.close()
