"""The read-and-close dialogs (tui/widgets/modals.py CloseScreen: the long-text view and free
mode's preview and comparison): escape, q and the Close button each close them."""

from __future__ import annotations

import pytest

from ftbuilder.tui.app import create_app
from ftbuilder.tui.widgets.modals import TextScreen
from ftbuilder.tui.widgets.runs_view import CompareScreen
from tui.helpers import SIZE, settle, wait_until


@pytest.mark.parametrize("how", ["escape", "q", "click"])
async def test_a_close_dialog_closes_by_key_or_button(ctx, how):
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for dialog in (TextScreen("Run log", "line one\nline two"), CompareScreen([])):
            app.push_screen(dialog)
            # current and built (a key or click before that would reach a dialog half made)
            await wait_until(pilot, lambda d=dialog: app.screen is d and bool(d.query("#close")))
            if how == "click":
                await pilot.click("#close")
            else:
                await pilot.press(how)
            await wait_until(pilot, lambda d=dialog: app.screen is not d)
            assert not isinstance(app.screen, (TextScreen, CompareScreen))
