"""Split preview: live counts per group per split and charts; applied only after a yes."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.helpers import SIZE, settle, status_text, type_into, typed


def rows(table: DataTable) -> dict[str, list[str]]:
    return {str(r[0]): [str(c) for c in r[1:]] for r in
            (table.get_row_at(i) for i in range(table.row_count))}


async def test_preview_updates_live_and_writes_nothing(app, ctx_with_data):
    ds = ctx_with_data.store.get_dataset("support")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await settle(pilot)
        table = app.screen.query_one("#groups", DataTable)
        r = rows(table)
        assert r["total"][:3] == ["24", "6", "30"]  # train, validation, total at 0.8
        assert r["faq.txt"][:3] == ["8", "2", "10"]  # weighted: each source at the ratio
        await type_into(pilot, "#ratio", "0.6")
        await type_into(pilot, "#test", "0.2")
        await typed(pilot)
        await settle(pilot)
        r = rows(app.screen.query_one("#groups", DataTable))
        assert r["total"][:4] == ["18", "6", "6", "30"]
        hist = str(app.screen.query_one("#hist").render())
        assert "train" in hist and "validation" in hist and "test" in hist
        assert "faq.txt" in str(app.screen.query_one("#sources").render())
        assert ctx_with_data.store.split_counts(ds.id) == {None: 30}


async def test_bad_shares_are_explained(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await settle(pilot)
        await type_into(pilot, "#test", "0.5")
        await typed(pilot)
        assert "test in [0, 0.20)" in str(app.screen.query_one("#status").render())
        assert app.screen.query_one("#apply").disabled


async def test_apply_after_confirmation(app, ctx_with_data):
    ds = ctx_with_data.store.get_dataset("support")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("7")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert ctx_with_data.store.split_counts(ds.id) == {None: 30}
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert ctx_with_data.store.split_counts(ds.id) == {"train": 24, "validation": 6}
        # closing the dialog does not start a new preview that says nothing was written
        assert "Split written" in status_text(app)
