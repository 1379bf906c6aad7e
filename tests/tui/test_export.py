"""Export: formats, destination, CSV/stats switches; lists files written and their status."""

from __future__ import annotations

import json

from textual.widgets import DataTable, SelectionList, Switch

from tui.helpers import SIZE, settle, status_text, type_into


async def test_export_target_format(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8", "ctrl+e")
        await settle(pilot)
        out = project / "output_datasets" / "support"
        assert sorted(p.name for p in out.iterdir()) == ["dataset.jsonl", "metadata.csv",
                                                         "stats.json"]
        records = [json.loads(x) for x in (out / "dataset.jsonl").read_text().splitlines()]
        assert len(records) == 30 and records[0]["messages"][0]["role"] == "user"
        table = app.screen.query_one("#written", DataTable)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[0] == "output_datasets/support/dataset.jsonl" and first[1] == "30"
        assert first[3].startswith("ok")
        assert "every file passes" in status_text(app)


async def test_two_formats_no_csv_other_folder(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        formats = app.screen.query_one("#formats", SelectionList)
        formats.select("generic")
        second = "generic"
        app.screen.query_one("#csv", Switch).value = False
        await type_into(pilot, "#dest", "exports")
        await pilot.press("escape", "ctrl+e")
        await settle(pilot)
        base = project / "exports" / "support"
        assert sorted(p.name for p in base.iterdir()) == sorted(["openai", second])
        assert not (base / "openai" / "metadata.csv").exists()
        assert (base / "openai" / "stats.json").exists()
        assert app.screen.query_one("#written", DataTable).row_count == 4
