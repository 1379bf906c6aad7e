"""Snapshots (pytest-textual-snapshot) of every screen at 80x24, 100x30 and 160x45 on the
fixture project (issue 13: layouts that work in small terminals), and of the dialogs at 100x30.

Regenerate after an intended change: pytest tests/tui/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from tui.helpers import settle, typed

SIZES = [(80, 24), (100, 30), (160, 45)]


def press_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await typed(pilot)  # debounced previews
        await settle(pilot)
    return run_before


SCREENS = [
    ("home", ()),
    ("configure", ("2",)),
    ("configure_free", ("2", "ctrl+e", "escape")),  # the free-mode instruction in place
    ("files_read", ("3", "a", "ctrl+r")),
    ("generate", ("4",)),
    ("review", ("5",)),
    ("curate", ("u",)),
    ("validate", ("6", "v")),
    ("split", ("7",)),
    ("export", ("8",)),
    ("settings", ("9",)),
    ("help", ("question_mark",)),
    ("sources", ("0",)),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name, keys", SCREENS, ids=[s[0] for s in SCREENS])
def test_screen(snap_compare, app, name, keys, size):
    assert snap_compare(app, terminal_size=size, run_before=press_then_settle(*keys))


@pytest.mark.parametrize("name, keys", [
    ("sample", ("5", "down", "enter")),
    ("confirm_delete", ("x",)),
])
def test_dialog(snap_compare, app, name, keys):
    assert snap_compare(app, terminal_size=(100, 30), run_before=press_then_settle(*keys))
