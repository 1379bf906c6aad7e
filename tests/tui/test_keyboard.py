"""Every action by keyboard (issue 13): Settings' tabs and editors, the command palette, dialogs
that close with one esc, toasts that do not stack, the dataset name typed after clearing."""

from __future__ import annotations

import pytest
from textual.widgets import Input, TextArea

from tui.helpers import SIZE, settle, status_text, wait_until


async def test_settings_tabs_and_editors_by_keyboard(app, project):
    before = (project / "config.yaml").read_text()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9")
        await pilot.pause()
        assert type(app.focused).__name__ == "ContentTabs"
        await pilot.press("tab")  # into the editor...
        assert app.focused.id == "config"
        await pilot.press("tab")  # ...and out again: Tab moves on, it inserts nothing
        assert app.focused.id != "config"
        assert app.screen.query_one("#config", TextArea).text == before
        await pilot.press("shift+tab", "escape")  # esc: back to the tabs, not to Save
        assert type(app.focused).__name__ == "ContentTabs"
        await pilot.press("right")
        await pilot.pause()
        assert app.screen.active_tab() == "tab-prompts"
        await pilot.press("right")
        await pilot.pause()
        assert app.screen.active_tab() == "tab-keys"
        await pilot.press("left", "left")
        await pilot.pause()
        assert app.screen.active_tab() == "tab-config"
        await pilot.press("tab", "f2", "tab")  # f2: the explicit edit mode, Tab indents
        editor = app.screen.query_one("#config", TextArea)
        assert app.focused is editor and editor.text != before
        assert editor.text.replace(" ", "") == before.replace(" ", "")


async def test_reload_asks_before_dropping_edits(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9", "tab", *"# note", "escape", "ctrl+r")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen"
        await pilot.press("n")
        await pilot.pause()
        assert "# note" in app.screen.query_one("#config", TextArea).text
        await pilot.press("ctrl+r", "y")
        await pilot.pause()
        assert "# note" not in app.screen.query_one("#config", TextArea).text


async def test_command_palette_finds_the_prompts_and_the_screen_actions(app):
    from textual.command import CommandPalette

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9", "ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"prompt")

        def hits() -> list[str]:
            return [str(o.prompt) for o in app.screen.query_one("CommandList").options]

        await wait_until(pilot, lambda: any("Edit prompts" in h for h in hits()),
                         what="palette hits")
        assert any("free-mode instruction" in h for h in hits())
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"reload")
        await wait_until(pilot, lambda: any("Settings: Reload from disk" in h for h in hits()),
                         what="the screen's own action")
        await pilot.press("escape")
        await pilot.pause()
        # the palette's "Edit prompts" opens the Prompts tab
        app._configure_instruction()
        await pilot.pause()
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "instruction"
        app.open_settings("tab-prompts")
        await pilot.pause()
        await pilot.pause()
        assert app.screen.active_tab() == "tab-prompts"


async def test_the_edit_dialog_cancels_with_one_esc(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert type(app.screen).__name__ == "EditScreen"
        assert app.focused.id == "editor"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "ReviewScreen"


async def test_the_same_toast_is_shown_once(app):
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            app.notify("config.yaml not saved: fix the error first", severity="warning")
        app.notify("another message")
        await pilot.pause()
        assert len(app._notifications) == 2


async def test_the_dataset_name_keeps_every_key_typed_after_clearing_it(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        for word in ("alpha", "beta-2", "gamma_three"):
            await pilot.click("#output_name")
            await pilot.press("end", *["backspace"] * 20, *word)
            await pilot.pause()
            assert app.screen.query_one("#output_name", Input).value == word
            assert "output_name" not in status_text(app)


@pytest.mark.parametrize("width", [80, 100])
async def test_nav_tabs_all_fit_at_80_and_100_columns(ctx_with_data, width):
    from ftbuilder.tui.app import create_app

    app = create_app(ctx_with_data)
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press("9")
        await pilot.pause()
        text = str(app.screen.query_one("NavBar").render())
        assert len(text) <= width
        assert "9 Set" in text and "? Hel" in text  # the last tabs are not cut
