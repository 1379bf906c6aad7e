"""The analyst's loop in free mode, by keys only, against an OpenAI-compatible stub on
127.0.0.1 that writes about the topic its instruction names: run, edit the instruction in
Configure, preview (nothing saved), run again, compare the two runs and the preview, export.
"""

from __future__ import annotations

import json
import re

import pytest

from agents.llm_fakes import ChatStub
from ftbuilder.services.export_files import exported
from tui.helpers import settle, status_text
from tui.test_generate_llm import llm_project, open_app

TOPIC = re.compile(r"TOPIC (\w+)")


def topical(body: dict, rid: str) -> str:
    prompt = body.get("prompt") or " ".join(m["content"] for m in body.get("messages", []))
    topic = m.group(1) if (m := TOPIC.search(prompt)) else "weather"
    return f" Tell me about {topic} ({rid[:8]})?\nAnswer: Here is what to know about {topic}."


@pytest.fixture
def stub():
    with ChatStub(text=topical) as s:
        yield s


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_edit_preview_run_compare_export_by_keys_only(tmp_path, stub, size):
    root = llm_project(tmp_path, stub, mode="free", dataset_size=3, output_name="loop")
    # dataset_size is the dataset's size: the second run adds up to the size raised to 6
    prompt = root / "prompts" / "free_mode" / "prompt.txt"
    prompt.write_text("Write about TOPIC refunds.\n", encoding="utf-8")
    ctx, app = open_app(root)
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.press("4", "g")  # the first run, with prompt.txt as it is
            await settle(pilot)
            assert ctx.store.get_dataset("loop").total_samples == 3

            await pilot.press("2", "ctrl+e")  # Configure: the instruction, in place
            await pilot.pause()
            editor = app.screen.query_one("#instruction")
            assert app.focused is editor and "TOPIC refunds" in editor.text
            await pilot.press("f7", *"Write about TOPIC shipping.")
            await pilot.press("tab", "tab", "tab")  # Preview, Compare, then the size
            assert app.focused.id == "dataset_size"
            await pilot.press("end", "backspace", "6")  # the dataset grows to 6
            await pilot.press("escape", "ctrl+s")
            await pilot.pause()
            assert prompt.read_text(encoding="utf-8").strip() == "Write about TOPIC shipping."
            assert "prompts/free_mode/prompt.txt" in status_text(app)

            calls = stub.total
            await pilot.press("ctrl+t")  # preview 5 samples
            await settle(pilot)
            assert type(app.screen).__name__ == "PreviewScreen"
            preview = app.screen.preview
            assert len(preview.samples) == 5 and stub.total > calls
            assert all("shipping" in c.messages[-1].content for c in preview.samples)
            assert [d.name for d in ctx.store.list_datasets()] == ["loop"]  # nothing saved
            assert ctx.store.get_dataset("loop").total_samples == 3
            await pilot.press("escape")

            await pilot.press("4", "g")  # the run with the new instruction
            await settle(pilot)
            assert ctx.store.get_dataset("loop").total_samples == 6
            assert "samples so far  3" in str(app.screen.query_one("#figures").render())

            await pilot.press("2", "ctrl+o")  # compare: preview, this run, the one before
            await settle(pilot)
            assert type(app.screen).__name__ == "CompareScreen"
            table = app.screen.query_one("#compare")
            labels = [str(c.label) for c in table.columns.values()]
            assert labels[1] == "preview" and labels[2].startswith("run 2")
            assert labels[3].startswith("run 1")
            rows = {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)[1:]]
                    for i in range(table.row_count)}
            assert rows["instruction"] == ["Write about TOPIC shipping."] * 2 + [
                "Write about TOPIC refunds."]
            assert rows["samples"] == ["5", "3", "3"]
            assert rows["on topic (keywords)"][1:] == ["100% (3/3)", "100% (3/3)"]
            await pilot.press("escape")

            await pilot.press("8", "ctrl+e")  # export the dataset of both runs
            await settle(pilot)
            out = root / "output_datasets" / "loop"
            assert "dataset.jsonl" in exported(out)
            lines = (out / "dataset.jsonl").read_text(encoding="utf-8").splitlines()
            text = " ".join(json.dumps(json.loads(x)) for x in lines)
            assert len(lines) == 6 and "refunds" in text and "shipping" in text
    finally:
        ctx.close()
