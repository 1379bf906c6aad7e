"""The Sources screen: runs a connector against the replay server with progress and Cancel."""

from __future__ import annotations

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
