"""The Sources screen: runs a connector against the replay server with progress and Cancel."""

from __future__ import annotations

import shutil
from pathlib import Path

from textual.widgets import Button, Select

from fixtures_replay import Replay
from tui.helpers import SIZE, settle, status_text, type_into, wait_until


async def test_fetch_nix_fast_mode_into_a_dataset(app, ctx_with_data):
    replay = Replay(n_packages=40, n_options=30)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("0")
            await settle(pilot)
            assert app.screen.MODE == "sources"
            await type_into(pilot, "#url", replay.url + "/backend")
            await type_into(pilot, "#name", "nixtui")
            await type_into(pilot, "#rate", "100")
            await pilot.click("#run")
            await settle(pilot)
            await wait_until(pilot, lambda: "added to nixtui" in status_text(app),
                             what="the run's end")
            result = str(app.screen.query_one("#result").render())
            assert "validated: " in result and "package: 40" in result
            ds = ctx_with_data.store.get_dataset("nixtui")
            assert ds.total_samples == 40 + 30 + 22
            assert not app.screen.query_one("#run", Button).disabled
    finally:
        replay.close()


async def test_cancel_stops_a_run_waiting_on_the_server(app, ctx_with_data):
    replay = Replay()
    replay.faults["/forum/latest.json"] = [(429, {"Retry-After": "60"}, "")]
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("0")
            await settle(pilot)
            app.screen.query_one("#kind", Select).value = "discourse"
            await pilot.pause()
            await type_into(pilot, "#url", replay.url + "/forum")
            await type_into(pilot, "#name", "forum")
            await pilot.click("#run")
            await wait_until(pilot, lambda: len(replay.log) == 1, what="the first request")
            assert app.screen.query_one("#run", Button).disabled
            await pilot.click("#cancel")
            await settle(pilot)
            await wait_until(pilot, lambda: "cancel" in status_text(app).lower(),
                             what="the cancel")
            assert ctx_with_data.store.find_dataset("forum") is None
            assert len(replay.log) == 1
    finally:
        replay.close()


async def test_rephrase_switch_has_the_agent_rewrite_the_search_qa(tmp_path):
    from agents.llm_fakes import ChatStub, conversations_json
    from ftbuilder.services.context import open_context
    from ftbuilder.tui.app import FtbApp
    from tui.helpers import write_project

    replay = Replay(n_packages=3, n_options=2)
    try:
        with ChatStub(text=lambda body, rid: conversations_json(rid, n=1)) as stub:
            shutil.copytree(Path(__file__).resolve().parents[2] / "prompts",
                            tmp_path / "prompts")  # the agents' prompts
            write_project(tmp_path, {"system": {"agentic_llm": "openai",
                                                "agentic_model": "stub-model",
                                                "base_url": stub.url}})
            ctx = open_context(tmp_path / "config.yaml", ":memory:", root=tmp_path, environ={})
            app = FtbApp(ctx)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("0")
                await settle(pilot)
                await type_into(pilot, "#url", replay.url + "/backend")
                await type_into(pilot, "#name", "nixr")
                await type_into(pilot, "#rate", "100")
                await pilot.click("#rephrase")
                await pilot.click("#run")
                await settle(pilot)
                await wait_until(pilot, lambda: "added to nixr" in status_text(app),
                                 what="the run's end")
            # the 5 search Q&A go to the agent (asked again when a reply is a near-copy of
            # an earlier sample); the curated pack is kept as written
            assert stub.total >= 5
            ds = ctx.store.get_dataset("nixr")
            assert ds.total_samples == 5 + 22
            ctx.close()
    finally:
        replay.close()
