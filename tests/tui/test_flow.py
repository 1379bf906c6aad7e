"""One full flow driven by keys and clicks: configure, files, identify, validate, split, export.

Asserts on config.yaml, the store and the files written, not on pixels.
"""

from __future__ import annotations

import json

import yaml

from ftbuilder.services.context import open_context
from ftbuilder.services.export_files import exported
from ftbuilder.tui.app import create_app
from tui.helpers import SIZE, TOPICS, settle, status_text, type_into


async def test_full_flow_without_a_key(project):
    ctx = open_context(project / "config.yaml", project / "memory" / "store.db", root=project,
                       environ={})
    app = create_app(ctx)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "no key: running on the embedded local model" in str(
                app.screen.query_one("#setup").render())

            # Configure: name the dataset, 75% train, save config.yaml.
            await pilot.press("2")
            await type_into(pilot, "#output_name", "flow")
            await type_into(pilot, "#split_ratio", "0.75")
            await pilot.press("escape", "ctrl+s")
            await pilot.pause()
            saved = yaml.safe_load((project / "config.yaml").read_text())
            assert saved["output_name"] == "flow"
            assert saved["split"]["ratio"] == 0.75
            assert saved["mode"] == "identify"

            # Files: pick everything in input_files/, read it; the bad PDF does not stop faq.txt.
            await pilot.press("3")
            await pilot.press("a", "ctrl+r")
            await settle(pilot)
            reports = {r.path.rsplit("/", 1)[-1]: r for r in app.last_ingest.reports}
            assert reports["faq.txt"].status == "ok"
            assert reports["broken.pdf"].status == "error"
            assert "1 failed" in status_text(app)

            # Generate (identify): the Q&A pairs of faq.txt become samples in the store.
            await pilot.press("4", "g")
            await settle(pilot)
            ds = ctx.store.get_dataset("flow")
            assert ds.total_samples == len(TOPICS)
            assert ds.mode == "identify"
            assert ctx.store.list_runs(1)[0]["status"] == "done"

            # Validate against the target: no errors.
            await pilot.press("6", "v")
            await settle(pilot)
            report = app.screen.report
            assert report is not None and report.ok and report.examples == len(TOPICS)

            # Split: preview then apply (asks first).
            await pilot.press("7")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await pilot.pause()
            await pilot.press("y")
            await settle(pilot)
            counts = ctx.store.split_counts(ds.id)
            assert sum(counts.values()) == len(TOPICS) and None not in counts
            assert counts["train"] == 12  # 75% of 16

            # Export in the target format: files on disk, validated.
            await pilot.press("8", "ctrl+e")
            await settle(pilot)
            out = project / "output_datasets" / "flow"
            written = exported(out)
            assert "train.jsonl" in written and "metadata.csv" in written
            assert "stats.json" in written
            lines = (out / "train.jsonl").read_text().splitlines()
            assert len(lines) == counts["train"]
            assert json.loads(lines[0])["messages"][0]["role"] in ("system", "user")
            assert "every file passes" in status_text(app)
    finally:
        ctx.close()
