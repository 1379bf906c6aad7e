"""A fixture project for the TUI: config.yaml, input files, and a store with a small dataset.

Everything lives in tmp_path; the app is built with ``create_app`` (the factory `ftb tui` uses).
No key is set (environ={}), so the app runs as a new user without keys would see it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ftbuilder.core.types import Conversation, Message
from ftbuilder.services.context import AppContext, open_context
from ftbuilder.tui.app import FtbApp, create_app

SIZE = (120, 40)
CREATED = "2025-01-15T09:30:00Z"

QA_TEXT = """\
Q: How do I reset my password?
A: Open Settings, choose Security, then click Reset password and follow the email link.

Q: Can I export my data?
A: Yes. Go to Account, then Export, and pick CSV or JSON.

Q: How long are backups kept?
A: Daily backups are kept for 30 days and monthly ones for a year.
"""


def conversation(i: int, source: str, tokens: int, split: str | None = None,
                 flags: list[str] | None = None) -> Conversation:
    return Conversation(
        messages=[Message("user", f"Question number {i} about {Path(source).stem}?"),
                  Message("assistant", f"Answer {i}: " + "details " * (i % 5 + 1))],
        source_file=source, location=f"line {i}", topic_keywords=[Path(source).stem, f"k{i % 3}"],
        meta={"flags": flags} if flags else {}, split=split, token_count=tokens)


def write_project(root: Path, config: dict | None = None) -> None:
    cfg = {"provider": "openai", "model": "gpt-4o-mini-2024-07-18", "mode": "identify",
           "dataset_size": 50, "output_name": "faq", "system": {"agentic_llm": "llama"}}
    cfg.update(config or {})
    (root / "config.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    inputs = root / "input_files"
    inputs.mkdir(parents=True, exist_ok=True)
    (inputs / "faq.txt").write_text(QA_TEXT, encoding="utf-8")
    (inputs / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    (root / "prompts" / "free_mode").mkdir(parents=True, exist_ok=True)
    (root / "prompts" / "free_mode" / "prompt.txt").write_text("Write one helpful Q&A pair.\n")
    (root / "prompts" / "system").mkdir(parents=True, exist_ok=True)
    (root / "prompts" / "system" / "create_mode.txt").write_text("You write samples.\n")


def add_dataset(ctx: AppContext, name: str = "support", n: int = 30,
                over_limit: int = 0) -> None:
    """A dataset of ``n`` samples from three sources; ``over_limit`` get 70,000 tokens."""
    ds = ctx.store.create_dataset(name, "openai", "gpt-4o-mini-2024-07-18", "identify")
    sources = ["input_files/faq.txt", "input_files/manual.docx", "input_files/sheet.xlsx"]
    convs = [conversation(i, sources[i % 3], 20 + 7 * i, flags=["short"] if i % 10 == 0 else
                          None) for i in range(n)]
    for c in convs[:over_limit]:
        c.token_count = 70_000
    ctx.store.add_samples(ds.id, convs)
    ctx.store.db.execute("UPDATE datasets SET created_at = ?", (CREATED,))
    ctx.store.db.commit()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    write_project(root)
    return root


@pytest.fixture
def ctx(project: Path):
    c = open_context(project / "config.yaml", project / "memory" / "store.db", root=project,
                     environ={})
    yield c
    c.close()


@pytest.fixture
def ctx_with_data(ctx: AppContext) -> AppContext:
    add_dataset(ctx)
    return ctx


@pytest.fixture
def app(ctx_with_data: AppContext) -> FtbApp:
    return create_app(ctx_with_data)
