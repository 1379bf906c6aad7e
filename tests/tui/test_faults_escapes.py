"""Terminal escapes in dataset names, file names and sample text (issue 8.8): Home, Review and
Files show them escaped (``^[``), the screens are not blank, and nothing drawn holds a raw
control character that a terminal would obey."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, DirectoryTree, Select

from ftbuilder.core.types import Conversation, Message
from ftbuilder.tui.app import create_app
from ftbuilder.tui.widgets.sample_view import SampleScreen
from ftbuilder.tui.widgets.vtable import VirtualTable
from tui.helpers import SIZE, settle, wait_until

TITLE = "\x1b]0;pwned\x07"  # sets the window title
CLEAR = "\x1b[2J"  # clears the screen
EVIL = f"ev{TITLE}il{CLEAR}\x9b"
SHOWN = "ev^[]0;pwned^Gil^[[2J\\x9b"
RAW = ("\x1b", "\x07", "\x9b")


def screen_lines(app) -> list[str]:
    """What the app draws: the text of every line of the composed screen."""
    return ["".join(seg.text for seg in strip)
            for strip in app.screen._compositor.render_strips()]


def assert_drawn_clean(app, *expected: str) -> None:
    text = "\n".join(screen_lines(app))
    for raw in RAW:
        assert raw not in text, repr(raw)
    for e in expected:
        assert e in text, (e, text[:2000])


@pytest.fixture
def evil_app(ctx, project):
    ds = ctx.store.create_dataset(EVIL, "openai", "gpt-4o-mini-2024-07-18", "identify")
    ctx.store.add_samples(ds.id, [Conversation(
        [Message("user", f"Question {i} {CLEAR}{TITLE}?"),
         Message("assistant", f"Answer {i}\x1b[31m red")],
        source_file=f"input_files/src{TITLE}.txt", topic_keywords=[f"kw{CLEAR}"])
        for i in range(3)])
    (project / "input_files" / f"file{CLEAR}{TITLE}.txt").write_text(
        "Q: what?\nA: that.\n", encoding="utf-8")
    return create_app(ctx)


@pytest.mark.fault
async def test_home_shows_the_escaped_dataset_name(evil_app):
    async with evil_app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = evil_app.screen.query_one("#datasets", DataTable)
        assert str(table.get_row_at(0)[0]) == SHOWN
        assert_drawn_clean(evil_app, SHOWN, "Datasets")


@pytest.mark.fault
async def test_review_shows_escaped_rows_and_sample(evil_app):
    async with evil_app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        table = evil_app.screen.query_one(VirtualTable)
        await wait_until(pilot, lambda: len(table.keys) == 3)
        await pilot.pause()
        row = table.row(0)
        # columns: id, split, tokens, msgs, origin, flags, source, keywords, first message
        assert row is not None and "src^[]0;pwned^G.txt" in row[6] and "kw^[[2J" in row[7]
        assert "Question 0 ^[[2J^[]0;pwned^G?" in row[8]
        assert evil_app.screen.query_one("#dataset", Select).value == EVIL
        assert_drawn_clean(evil_app, "src^[]0;pwned^G.txt", "Question 0 ^[[2J")
        await pilot.press("enter")  # the sample opened in full
        await wait_until(pilot, lambda: isinstance(evil_app.screen, SampleScreen))
        await pilot.pause()
        assert_drawn_clean(evil_app, "Answer 0^[[31m red")


@pytest.mark.fault
async def test_files_shows_escaped_file_names(evil_app, project):
    async with evil_app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        tree = evil_app.screen.query_one(DirectoryTree)
        await wait_until(pilot, lambda: len(tree.root.children) >= 3)
        labels = [str(n.label) for n in tree.root.children]
        assert "file^[[2J^[]0;pwned^G.txt" in labels
        await pilot.press("a")  # pick all
        await pilot.pause()
        table = evil_app.screen.query_one("#picked", DataTable)
        cells = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "input_files/file^[[2J^[]0;pwned^G.txt" in cells
        await pilot.press("ctrl+r")  # read them: reports and status name the file too
        await settle(pilot)
        assert_drawn_clean(evil_app, "file^[[2J^[]0;pwned^G.txt", "Picked files")
