"""Generate keeps figures per run: a new run or another dataset starts from zero, and a run
that ends short says why, as `ftb build` does (failures by reason, the error and the hint).
The agent is an OpenAI-compatible stub on 127.0.0.1."""

from __future__ import annotations

import re

import pytest

from agents.llm_fakes import ChatStub
from tui.helpers import settle, status_text
from tui.test_generate_llm import generate_screen, llm_project, log_text


@pytest.fixture
def empty_stub():
    with ChatStub(text=lambda body, rid: "") as s:  # every reply is empty
        yield s


@pytest.fixture
def stub():
    with ChatStub() as s:
        yield s


async def test_a_run_that_ends_short_shows_its_failure_reasons(tmp_path, empty_stub):
    root = llm_project(tmp_path, empty_stub, dataset_size=4)
    async with generate_screen(root) as (_ctx, app, pilot):
        await pilot.press("g")
        await settle(pilot)
        log = " ".join(log_text(app).split())  # the log wraps long lines
        assert "failures: empty" in log  # the agent's rejected replies, by reason
        assert re.search(r"error: \d+ of \d+ work items failed: empty \d+; the dataset "
                         r"has 0 of the 4 samples asked for", log)
        assert "hint: use a larger or instruction-tuned model" in log
        assert status_text(app).startswith("Done, short: ")
        assert "work items failed" in status_text(app)
        figures = str(app.screen.query_one("#figures").render())
        assert "failures       1 file(s) failed; failures: empty" in figures


async def test_figures_and_log_are_per_run_and_per_dataset(tmp_path, stub):
    root = llm_project(tmp_path, stub, dataset_size=3)
    async with generate_screen(root) as (_ctx, app, pilot):
        await pilot.press("g")
        await settle(pilot)
        assert log_text(app).count(": started") == 1
        assert "samples so far  3" in str(app.screen.query_one("#figures").render())
        await pilot.press("g")  # a second run: nothing left to do, figures from zero
        await settle(pilot)
        assert log_text(app).count(": started") == 1  # the earlier run's log is gone
        assert "samples so far  0" in str(app.screen.query_one("#figures").render())

        app.dataset = "another"  # opened on Home: Generate no longer shows the last run
        await pilot.press("1", "4")
        await pilot.pause()
        assert str(app.screen.query_one("#figures").render()).strip() == ""
        assert not app.screen.query_one("#progress").display
        assert log_text(app) == ""

