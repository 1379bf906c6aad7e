"""Helpers for the TUI tests: a fixture project (config.yaml, input files, a store with a small
dataset), and Pilot helpers that act as a user would (type into fields, wait for workers).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from ftbuilder.core.types import Conversation, Message
from ftbuilder.services.context import AppContext
from ftbuilder.targets.registry import get_model
from ftbuilder.tokens import count_many
from ftbuilder.tui.app import FtbApp
from ftbuilder.tui.jobs import JOB_GROUP

SIZE = (120, 40)
CREATED = "2025-01-15T09:30:00Z"

TOPICS = ["reset my password", "export my data", "change my email", "delete my account",
          "add a team member", "see my invoices", "enable two-factor login", "change my plan",
          "restore a deleted file", "contact support", "use the mobile app", "share a folder",
          "print a report", "change the language", "import contacts", "leave a workspace"]
QA_TEXT = "\n".join(f"Q: How do I {t}?\nA: Open Settings, find '{t}' and follow the steps "
                     f"shown there; it takes about {i + 1} minute(s).\n"
                     for i, t in enumerate(TOPICS))


def conversation(i: int, source: str, words: int = 5, split: str | None = None,
                 flags: list[str] | None = None) -> Conversation:
    return Conversation(
        messages=[Message("user", f"Question number {i} about {Path(source).stem}?"),
                  Message("assistant", f"Answer {i}: " + "details " * words)],
        source_file=source, location=f"line {i}", topic_keywords=[Path(source).stem, f"k{i % 3}"],
        meta={"flags": flags} if flags else {}, split=split)


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


def add_dataset(ctx: AppContext, name: str = "support", n: int = 30, over_limit: int = 0,
                model: str = "gpt-4o-mini-2024-07-18") -> None:
    """A dataset of ``n`` samples from three sources, token counts from the real tokenizer.

    ``over_limit`` samples get about 5,000 tokens (over gpt-3.5-turbo-0613's 4,096).
    """
    ds = ctx.store.create_dataset(name, "openai", model, "identify")
    sources = ["input_files/faq.txt", "input_files/manual.docx", "input_files/sheet.xlsx"]
    convs = [conversation(i, sources[i % 3], 5 + 3 * i if i >= over_limit else 5000,
                          flags=["short"] if i % 10 == 0 else None) for i in range(n)]
    spec = get_model("openai", model)
    for c, tc in zip(convs, count_many(convs, spec), strict=True):
        c.token_count = tc.total
    ctx.store.add_samples(ds.id, convs)
    ctx.store._db.execute("UPDATE datasets SET created_at = ?", (CREATED,))
    ctx.store._db.commit()




async def settle(pilot, timeout: float = 60.0) -> None:
    """Wait until no service job runs (others, like DirectoryTree's loader, never end), then let
    the messages they posted be handled."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while any(w.group == JOB_GROUP and not w.is_finished for w in pilot.app.workers):
        assert loop.time() < end, "a job did not finish in time"
        await pilot.pause(0.02)
    for _ in range(3):
        await pilot.pause()


async def wait_until(pilot, condition, timeout: float = 30.0, what: str = "condition") -> None:
    """Let the app run until ``condition()`` is true (no fixed sleeps: slow machines pass)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, f"timed out waiting for {what}"
        await pilot.pause(0.02)


async def typed(pilot, timeout: float = 30.0) -> None:
    """Wait until the screen's debounced reaction to typing has run, and its jobs finished."""
    await wait_until(pilot, lambda: not getattr(pilot.app.screen, "input_pending", False),
                     timeout, "the debounce timer")
    await settle(pilot, timeout)


async def type_into(pilot, selector: str, text: str) -> None:
    """Click a text field, clear it and type ``text`` key by key (as a user would)."""
    await pilot.click(selector)
    await pilot.press("ctrl+a", "ctrl+k")
    await pilot.press(*text)
    await pilot.pause()


def status_text(app: FtbApp) -> str:
    """The status line of the current screen."""
    return str(app.screen.query_one("#status").render())
