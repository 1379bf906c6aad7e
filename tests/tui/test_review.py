"""Review: the virtual table pages through the store; filters; open, edit, delete a sample."""

from __future__ import annotations

import json

from ftbuilder.services import browse
from ftbuilder.tui.widgets.vtable import VirtualTable
from tui.helpers import SIZE, settle, type_into, typed


async def open_review(pilot):
    await pilot.press("5")
    await settle(pilot)
    return pilot.app.screen.query_one(VirtualTable)


async def test_rows_come_from_the_store(app, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        table = await open_review(pilot)
        ids = browse.sample_ids(ctx_with_data, "support")
        assert table.keys == ids and len(ids) == 30
        first = table.row(0)
        assert first[0] == str(ids[0]) and "Question number 0" in first[-1]
        assert "30 of 30 samples" in str(app.screen.query_one("#count").render())


async def test_filters_narrow_the_rows(app, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        table = await open_review(pilot)
        await type_into(pilot, "#keyword", "manual")
        await typed(pilot)  # typing is debounced
        await settle(pilot)
        expected = browse.sample_ids(ctx_with_data, "support", browse.SampleFilter(
            keyword="manual"))
        assert table.keys == expected and len(expected) == 10
        await type_into(pilot, "#min_tokens", "40")
        await typed(pilot)
        await settle(pilot)
        expected = browse.sample_ids(ctx_with_data, "support", browse.SampleFilter(
            keyword="manual", min_tokens=40))
        assert table.keys == expected and 0 < len(expected) < 10
        await pilot.press("escape", "ctrl+l")
        await settle(pilot)
        assert len(table.keys) == 30


async def test_flag_filter(app, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        table = await open_review(pilot)
        app.screen.query_one("#flag").value = "short"
        await settle(pilot)
        assert len(table.keys) == 3  # samples 0, 10, 20


async def test_open_edit_and_delete_a_sample(app, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        table = await open_review(pilot)
        sid = table.keys[1]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "SampleScreen"
        assert "Question number 1" in str(app.screen.query(".message").first().render())
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen.query_one("#editor")
        data = json.loads(editor.text)
        data[1]["content"] = "A better answer."
        editor.text = json.dumps(data)
        await pilot.press("ctrl+s")
        await settle(pilot)
        conv = ctx_with_data.store.get_sample(sid)
        assert conv.messages[1].content == "A better answer."
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert ctx_with_data.store.get_dataset("support").total_samples == 29
        assert sid not in table.keys


async def test_bad_json_edit_is_refused(app, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        table = await open_review(pilot)
        sid = table.keys[0]
        before = ctx_with_data.store.get_sample(sid).messages_json()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#editor").text = '[{"role": "user"}]'
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "needs a role and a content" in str(app.screen.query_one("#edit-error").render())
        await pilot.press("escape")
        await settle(pilot)
        assert ctx_with_data.store.get_sample(sid).messages_json() == before


async def test_every_filter_is_on_screen_at_120_columns(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await pilot.pause()
        width = app.screen.size.width
        for wid in ("#dataset", "#source", "#keyword", "#split", "#min_tokens", "#max_tokens",
                    "#flag"):
            assert app.screen.query_one(wid).region.right <= width, wid
