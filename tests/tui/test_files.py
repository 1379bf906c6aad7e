"""Files: browse, pick, read in a worker; a bad file shows its error and the others go on."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.helpers import SIZE, settle, status_text, type_into, wait_until


async def test_pick_all_and_read_shows_each_report(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "a")
        await pilot.pause()
        table = app.screen.query_one("#picked", DataTable)
        assert table.row_count == 2
        assert "not read yet" in str(table.get_row_at(0)[1])
        await pilot.press("ctrl+r")
        await settle(pilot)
        rows = {str(r[0]): [str(c) for c in r] for r in
                (table.get_row_at(i) for i in range(table.row_count))}
        good, bad = rows["input_files/faq.txt"], rows["input_files/broken.pdf"]
        assert good[1] == "ok" and good[2] == "txt" and int(good[5].replace(",", "")) > 100
        size = len((project / "input_files" / "faq.txt").read_text().strip())
        assert good[4] == f"{size:,} chars"  # parts: pages/sheets/slides, else the length
        assert bad[1] == "error"
        assert "1 failed" in status_text(app)
        # the cursor is on the bad file, whose full error is shown under the table
        assert table.cursor_row == list(rows).index("input_files/broken.pdf")
        assert "corrupt PDF" in str(app.screen.query_one("#detail").render())
        # every column, status included, is on screen at 120 columns
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert sorted(app.selected_files) == sorted(
            str(p.resolve()) for p in (project / "input_files").iterdir())


async def test_p_picks_one_file_and_x_unpicks(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("down", "p")  # first entry under the root
        await pilot.pause()
        assert len(app.selected_files) == 1
        await pilot.click("#picked")
        await pilot.press("x")
        await pilot.pause()
        assert app.selected_files == []


async def test_other_folder_and_missing_folder(app, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "notes.md").write_text("# Notes\n\nQ: Why?\nA: Because.\n")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await type_into(pilot, "#root", "no/such/folder")
        await pilot.press("enter")
        await pilot.pause()
        assert "not a folder" in status_text(app)
        await type_into(pilot, "#root", str(other))
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.query_one("#tree").has_focus, what="tree")
        await pilot.press("a")
        await pilot.pause()
        assert app.selected_files == [str((other / "notes.md").resolve())]
