"""Curate (u): content checks flag samples (shown in Review's flags and origin columns), and
near-duplicate removal asks first, then reports the reasons and the store backup."""

from __future__ import annotations

from ftbuilder.core.types import Conversation, Message
from ftbuilder.services import browse
from ftbuilder.tui.app import create_app
from ftbuilder.tui.widgets.vtable import VirtualTable
from tui.helpers import SIZE, settle

LONG = ("To move a workspace to another region, export it from Settings, create the new "
        "workspace in the target region and import the archive there; members keep their roles")


def _planted(ctx) -> None:
    ds = ctx.store.create_dataset("cur", "openai", "gpt-4o-mini-2024-07-18", "create")
    convs = [
        Conversation([Message("user", "How do I move a workspace to another region?"),
                      Message("assistant", LONG + ".")], meta={"origin": "identify"}),
        Conversation([Message("user", "How do I move a workspace to another region ?"),
                      Message("assistant", LONG + ".")], meta={"origin": "import"}),
        Conversation([Message("user", "How much is the team plan?"),
                      Message("assistant", "The team plan costs $2,000 a month.")],
                     meta={"origin": "generated",
                           "source_text": "The team plan costs $12 a month per seat."}),
        Conversation([Message("user", "What happens to the archive?"),
                      Message("assistant", LONG)], meta={"origin": "generated"}),
    ]
    ctx.store.add_samples(ds.id, convs)


async def test_check_flags_samples_and_review_shows_flags_and_origin(ctx):
    _planted(ctx)
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await settle(pilot)
        assert app.screen.MODE == "curate"
        await pilot.click("#check")
        await settle(pilot)
        text = str(app.screen.query_one("#summary").render())
        assert "filter: 2 of 4 samples flagged" in text
        flags = dict(browse.flags(ctx, "cur"))
        assert flags["grounding"] == 1 and flags["truncated"] == 1
        assert set(flags) == {"grounding", "truncated", "no_tokens"}
        await pilot.press("5")
        await settle(pilot)
        table = app.screen.query_one(VirtualTable)
        rows = [table.row(i) for i in range(len(table.keys))]
        assert [r[4] for r in rows] == ["found", "imported", "written", "written"]
        assert "grounding" in rows[2][5] and "truncated" in rows[3][5]


async def test_dedup_asks_then_removes_and_reports_the_backup(ctx):
    _planted(ctx)
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await settle(pilot)
        await pilot.click("#dedup")
        await settle(pilot)
        await pilot.press("n")  # the dialog asked; nothing happens on no
        await settle(pilot)
        assert ctx.store.get_dataset("cur").total_samples == 4
        await pilot.click("#dedup")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        text = str(app.screen.query_one("#summary").render())
        assert "dedup: 1 of 4 samples removed" in text and "backup:" in text
        assert ctx.store.get_dataset("cur").total_samples == 3
