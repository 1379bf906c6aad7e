"""Settings: config.yaml edited with validation, prompts edited, keys shown masked."""

from __future__ import annotations

import yaml
from textual.widgets import DataTable, TextArea

from ftbuilder.services.context import open_context
from ftbuilder.tui.app import create_app
from tui.helpers import SIZE, status_text


async def _open_settings_tab(app, pilot, tab: str) -> None:
    await pilot.press("9")
    await pilot.pause()
    app.screen.query_one("#tabs").active = tab
    await pilot.pause()


async def test_invalid_config_is_refused_valid_is_saved(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        await pilot.pause()
        editor = app.screen.query_one("#config", TextArea)
        original = editor.text
        editor.text = original.replace("mode: identify", "mode: guess")
        await pilot.pause()
        assert "mode" in status_text(app) and "guess" in status_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "mode: identify" in (project / "config.yaml").read_text()
        editor.text = "# my comment\n" + original.replace("dataset_size: 50", "dataset_size: 70")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        text = (project / "config.yaml").read_text()
        assert text.startswith("# my comment") and yaml.safe_load(text)["dataset_size"] == 70
        assert app.ctx.settings.config.dataset_size == 70
        # Configure shows the new value when opened next
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.query_one("#dataset_size").value == "70"


async def test_prompt_files_are_edited(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await _open_settings_tab(app, pilot, "tab-prompts")
        prompt = app.screen.query_one("#prompt", TextArea)
        assert prompt.text == "Write one helpful Q&A pair.\n"
        prompt.text = "Write a question a new customer would ask, and its answer.\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (project / "prompts" / "free_mode" / "prompt.txt").read_text().startswith(
            "Write a question a new customer")


async def test_keys_are_masked(project):
    secret = "sk-test-abcdefghijklmnop1234"
    ctx = open_context(project / "config.yaml", ":memory:", root=project,
                       environ={"OPENAI_API_KEY": secret})
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await _open_settings_tab(app, pilot, "tab-keys")
        table = app.screen.query_one("#keys", DataTable)
        cells = {str(r[0]): str(r[1]) for r in
                 (table.get_row_at(i) for i in range(table.row_count))}
        assert cells["OPENAI_API_KEY"] == "set (…1234)"
        assert cells["ANTHROPIC_API_KEY"] == "missing"
        svg = app.export_screenshot()
        assert secret not in svg and "abcdefgh" not in svg
    ctx.close()


async def test_a_missing_free_prompt_is_created_and_system_prompts_are_edited(app, project):
    from textual.widgets import Select

    (project / "prompts" / "free_mode" / "prompt.txt").unlink()
    async with app.run_test(size=SIZE) as pilot:
        await _open_settings_tab(app, pilot, "tab-prompts")
        prompt = app.screen.query_one("#prompt", TextArea)
        assert prompt.text == ""  # listed although missing, so it can be written here
        prompt.text = "Write a refund question and its answer.\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (project / "prompts" / "free_mode" / "prompt.txt").read_text() == \
            "Write a refund question and its answer.\n"
        app.screen.query_one("#prompt-file", Select).value = "system/create_mode.txt"
        await pilot.pause()
        assert prompt.text == "You write samples.\n"
        prompt.text = "You write short, correct samples.\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert (project / "prompts" / "system" / "create_mode.txt").read_text() == \
            "You write short, correct samples.\n"
        assert "saved prompts/system/create_mode.txt" in status_text(app)
