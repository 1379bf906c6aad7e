"""Snapshots (pytest-textual-snapshot) of every screen at 120x40 on the fixture project.

Regenerate after an intended change: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from tui.helpers import SIZE, settle, typed


def press_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await typed(pilot)  # debounced previews
        await settle(pilot)
    return run_before


@pytest.mark.parametrize("name, keys", [
    ("home", ()),
    ("configure", ("2",)),
    ("files_read", ("3", "a", "ctrl+r")),
    ("generate", ("4",)),
    ("review", ("5",)),
    ("sample", ("5", "down", "enter")),
    ("validate", ("6", "v")),
    ("split", ("7",)),
    ("export", ("8",)),
    ("settings", ("9",)),
    ("help", ("question_mark",)),
    ("confirm_delete", ("x",)),
])
def test_screen(snap_compare, app, name, keys):
    assert snap_compare(app, terminal_size=SIZE, run_before=press_then_settle(*keys))
