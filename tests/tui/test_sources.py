"""The Sources section of the Files screen: sync a real git repository, prepare it (pairs
without an LLM), import a Parquet file, each through the services in a worker."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from textual.widgets import DataTable

from sources.gitfixtures import sample_repo
from tui.helpers import SIZE, settle, status_text, type_into


async def test_sync_prepare_and_import_from_the_sources_section(app, project, tmp_path):
    sample_repo(tmp_path / "up" / "acme" / "demo")
    (project / "repos.txt").write_text(f"{tmp_path}/up/acme/demo\n")
    pq.write_table(pa.table({"question": ["Why?", "How?"], "answer": ["Because.", "So."]}),
                   tmp_path / "qa.parquet")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "s")
        await pilot.pause()
        assert app.screen.query_one("#src-panel").display
        assert not app.screen.query_one("#files-main").display
        await pilot.click("#src-sync")
        await settle(pilot)
        assert "Synced 1 repositories: 1 cloned" in status_text(app)
        table = app.screen.query_one("#src-table", DataTable)
        assert [str(c) for c in table.get_row_at(0)][:2] == ["acme/demo", "not prepared"]
        await type_into(pilot, "#src-name", "code")
        await pilot.click("#src-pairs")
        await settle(pilot)
        assert "code: 5 samples added (5 pairs without an LLM), 0 file(s) failed" in \
            status_text(app)
        row = [str(c) for c in table.get_row_at(0)]
        assert row[:2] == ["acme/demo", "code"] and row[3:5] == ["5", "5"]
        assert "2 image" in row[7]
        await type_into(pilot, "#src-path", str(tmp_path / "qa.parquet"))
        await type_into(pilot, "#src-name", "qa")
        await pilot.click("#src-import")
        await settle(pilot)
        assert "Imported 2 samples into qa (parquet: question/answer)" in status_text(app)
        await pilot.press("escape", "s")
        await pilot.pause()
        assert app.screen.query_one("#files-main").display


async def test_sources_errors_show_one_line(app, project):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "s")
        await pilot.pause()
        await pilot.click("#src-sync")
        await settle(pilot)
        assert "repository list" in status_text(app) and "does not exist" in status_text(app)
        await pilot.click("#src-prepare")
        await pilot.pause()
        assert "type a dataset name first" in status_text(app)
