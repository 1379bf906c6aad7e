"""Export: formats, destination, CSV/stats switches; lists files written and their status."""

from __future__ import annotations

import json

from textual.widgets import DataTable, SelectionList, Switch

from ftbuilder.services.export_files import exported
from tui.helpers import SIZE, settle, status_text, type_into


async def test_export_target_format(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8", "ctrl+e")
        await settle(pilot)
        out = project / "output_datasets" / "support"
        assert exported(out) == ["dataset.jsonl", "metadata.csv",
                                                         "stats.json"]
        records = [json.loads(x) for x in (out / "dataset.jsonl").read_text().splitlines()]
        assert len(records) == 30 and records[0]["messages"][0]["role"] == "user"
        table = app.screen.query_one("#written", DataTable)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[:3] == ["dataset.jsonl", "ok", "0"] and first[4] == "30"
        note = str(app.screen.query_one("#exp-note").render())
        assert "into output_datasets/support" in note
        assert "every file passes" in status_text(app)


async def test_two_formats_no_csv_other_folder(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await settle(pilot)  # the format list loads in a worker
        formats = app.screen.query_one("#formats", SelectionList)
        formats.select("generic")
        second = "generic"
        app.screen.query_one("#csv", Switch).value = False
        await type_into(pilot, "#dest", "exports")
        await pilot.press("ctrl+e")  # from the destination field: exports, not end-of-line
        await settle(pilot)
        base = project / "exports" / "support"
        assert sorted(p.name for p in base.iterdir()) == sorted(["openai", second])
        assert not (base / "openai" / "metadata.csv").exists()
        assert (base / "openai" / "stats.json").exists()
        assert app.screen.query_one("#written", DataTable).row_count == 4


async def test_enter_in_the_destination_field_exports(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await settle(pilot)
        await type_into(pilot, "#dest", "elsewhere")
        await pilot.press("enter")
        await settle(pilot)
        assert (project / "elsewhere" / "support" / "dataset.jsonl").is_file()


async def test_failed_validation_is_visible_in_the_table_at_120_columns(ctx, project):
    from ftbuilder.tui.app import create_app
    from tui.helpers import add_dataset

    add_dataset(ctx, "team/long_dataset_name", over_limit=2, model="gpt-3.5-turbo-0613")
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await settle(pilot)  # the format list loads in a worker
        app.screen.query_one("#formats", SelectionList).select("generic")
        await pilot.press("ctrl+e")
        await settle(pilot)
        table = app.screen.query_one("#written", DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0][:5] == ["openai/dataset.jsonl", "failed", "2", "30", "30"]
        assert rows[3][:2] == ["generic/dataset.jsonl", "unchecked"]
        assert table.virtual_size.width <= table.scrollable_content_region.width, \
            "a column of the files written is off screen"
        # the failed file has the cursor; enter says why it failed
        assert table.cursor_row == 0 and app.focused is table
        await pilot.press("enter")
        await settle(pilot)
        note = str(app.screen.query_one("#exp-note").render())
        assert "Why it failed:" in note, status_text(app)
        assert note.count("tokens") >= 2 and "line " in note  # the two over-limit samples


async def test_the_export_screen_offers_the_trainer_formats_and_writes_parquet(app, project):
    # Issue 10: every format of the export service is offered; parquet writes its card.
    from ftbuilder.formats import FORMATS

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await settle(pilot)
        formats = app.screen.query_one("#formats", SelectionList)
        offered = {formats.get_option_at_index(i).value for i in range(formats.option_count)}
        assert set(FORMATS) <= offered
        assert {"chatml", "llama3", "gemma", "harmony", "together", "parquet", "llamafactory",
                "axolotl", "sharegpt", "alpaca", "mistral-instruct"} <= offered
        formats.deselect_all()
        formats.select("parquet")
        await pilot.press("ctrl+e")
        await settle(pilot)
        out = project / "output_datasets" / "support"
        assert {"dataset.parquet", "README.md"} <= {p.name for p in out.iterdir()}
        table = app.screen.query_one("#written", DataTable)
        shown = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "dataset.parquet" in shown and "README.md" in shown
