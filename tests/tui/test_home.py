"""Home: datasets listed from the store; open, duplicate, delete (confirmed, backup first)."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.helpers import SIZE, settle


async def test_lists_datasets_runs_and_setup(app, ctx_with_data):
    run = ctx_with_data.store.start_run("build", ctx_with_data.store.get_dataset("support").id)
    ctx_with_data.store.finish_run(run, "done", {"added": 30})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#datasets", DataTable)
        assert table.row_count == 1
        row = [str(c) for c in table.get_row_at(0)]
        assert row[:5] == ["support", "openai/gpt-4o-mini-2024-07-18", "identify", "30",
                           f"{ctx_with_data.store.get_dataset('support').total_tokens:,}"]
        runs = app.screen.query_one("#runs", DataTable)
        assert [str(c) for c in runs.get_row_at(0)][2:4] == ["build", "done"]
        setup = str(app.screen.query_one("#setup").render())
        assert "no key: running on the embedded local model" in setup
        assert "OPENAI_API_KEY: missing" in setup


async def test_enter_opens_the_dataset_in_review(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "review"
        assert app.screen.loaded_name == "support"


async def test_duplicate_asks_a_name_and_copies(app, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"support2", "enter")
        await settle(pilot)
        copy = ctx_with_data.store.get_dataset("support2")
        assert copy.total_samples == 30
        assert app.screen.query_one("#datasets", DataTable).row_count == 2


async def test_delete_asks_first_and_backs_up(app, ctx_with_data, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("n")  # changed my mind: nothing happens
        await settle(pilot)
        assert ctx_with_data.store.find_dataset("support") is not None
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert ctx_with_data.store.find_dataset("support") is None
        assert list((project / "memory" / "backups").glob("*.db"))
        assert app.screen.query_one("#datasets", DataTable).row_count == 0


async def test_every_dataset_column_fits_120_columns_and_the_cursor_follows_its_dataset(
        ctx_with_data):
    from ftbuilder.tui.app import create_app
    from tui.helpers import add_dataset

    add_dataset(ctx_with_data, "a_long_dataset_name_for_the_team",
                model="gpt-4.1-mini-2025-04-14")
    app = create_app(ctx_with_data)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#datasets", DataTable)
        assert [str(c.label) for c in table.columns.values()][-1] == "created"
        assert table.virtual_size.width <= table.scrollable_content_region.width
        await pilot.press("down")
        name = str(table.get_row_at(table.cursor_row)[0])
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"aaa_first", "enter")
        await settle(pilot)
        assert table.row_count == 3
        assert str(table.get_row_at(table.cursor_row)[0]) == name


async def test_a_writer_without_its_key_is_flagged(project):
    from ftbuilder.services.context import open_context
    from ftbuilder.tui.app import create_app
    from tui.helpers import write_project

    write_project(project, {"system": {"agentic_llm": "openai"}})
    ctx = open_context(project / "config.yaml", project / "memory" / "s.db", root=project,
                       environ={})
    try:
        app = create_app(ctx)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            setup = str(app.screen.query_one("#setup").render())
            assert "running on the embedded local model" not in setup
            assert "OPENAI_API_KEY is not set" in setup
    finally:
        ctx.close()
