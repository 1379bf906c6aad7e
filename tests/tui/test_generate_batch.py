"""Generate's batch mode, driven as a user would, against a loopback OpenAI Batch API
(tests/llm_stubs/batch.py): the switch sends the work as a batch; cancelled while the batch
runs, it shows in the pending batches table; c collects it to the size asked, sending
nothing twice."""

from __future__ import annotations

import shutil
from pathlib import Path

from agents.llm_fakes import REPO
from ftbuilder.services.context import open_context
from ftbuilder.tui.app import create_app
from llm_stubs import KEY
from llm_stubs.batch import BatchStub
from tui.helpers import SIZE, settle, status_text, wait_until, write_project

POLICY = "\n\n".join(
    f"Section {i}. Refunds for plan {i} are issued within {i + 10} days of the return. "
    f"Items must be unused. Contact billing team {i} for exceptions." for i in range(12))


def _project(root: Path) -> Path:
    shutil.copytree(REPO / "prompts", root / "prompts")
    write_project(root, {"mode": "create", "dataset_size": 8, "output_name": "batched",
                         "agent": {"create": {"chunk_tokens": 120, "chunk_overlap": 10,
                                              "samples_per_call": 1}},
                         "system": {"agentic_llm": "openai", "agentic_model": "gpt-4o-mini",
                                    "max_retries": 0}})
    shutil.copy(REPO / "prompts" / "system" / "create_mode.txt",
                root / "prompts" / "system" / "create_mode.txt")
    (root / "input_files" / "policy.md").write_text(POLICY, encoding="utf-8")
    return root


async def test_batch_mode_pending_table_and_collect(tmp_path: Path) -> None:
    with BatchStub("openai", KEY) as stub:
        stub.states = stub.states[:1] * 10_000 + stub.states[1:]  # runs until released
        root = _project(tmp_path)
        ctx = open_context(root / "config.yaml", root / "memory" / "store.db", root=root,
                           environ={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": stub.base_url,
                                    "FTB_BATCH_POLL_S": "0.05"})
        app = create_app(ctx)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.press("4")
                await pilot.pause()
                app.screen.query_one("#batch-mode").value = True
                await pilot.press("g")
                await wait_until(pilot, lambda: stub.creates == 1, what="a batch sent")
                await wait_until(pilot, lambda: any(r["batch_id"] for r in ctx.store.batches()),
                                 what="the batch id stored")
                await pilot.press("escape")
                await settle(pilot)
                assert "Cancelled" in status_text(app)
                table = app.screen.query_one("#batches")
                assert table.row_count == 1
                row = [str(c) for c in table.get_row_at(0)]
                assert row[0] == "batched" and row[1] == "openai" and row[2].startswith("batch_")
                assert row[3] == "validating"

                stub.states = list(BatchStub.STATES["openai"])  # the provider finishes it
                await pilot.press("c")
                await settle(pilot, timeout=120)
                assert ctx.store.get_dataset("batched").total_samples == 8
                assert stub.creates == 1  # collected, not sent again
                assert table.row_count == 0
                assert "Done" in status_text(app)
                log = "\n".join(str(line.text) for line in app.screen.query_one("#log").lines)
                assert "at batch prices" in log
        finally:
            ctx.close()
