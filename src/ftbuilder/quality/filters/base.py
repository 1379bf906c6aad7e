"""What every content check shares: the sample view a check reads, and the options it uses.

A check is a function ``check(sample: SampleView, opts: FilterOptions) -> str | None``:
None when the sample passes, else a short reason a person can act on (it names the
offending span). Checks never change a sample; :mod:`ftbuilder.quality.filters.runner`
owns the loop, the counts and what happens to a flagged sample (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from ftbuilder.core.types import Conversation

SOURCE_TEXT = "source_text"  # sample meta: the chunk an LLM-written sample was written from
GENERATED = "generated"  # sample meta origin of LLM-written samples


@dataclass
class FilterOptions:
    """Thresholds of the checks (config.yaml ``quality.*``; see docs in README)."""

    min_answer_chars: int = 2
    max_sample_chars: int = 20000
    repetition_ngram: int = 3
    max_repeated_share: float = 0.3
    languages: list[str] = field(default_factory=list)  # [] = the source's language
    repo_root: str | None = None  # file-refs: the repository the samples come from
    prompts_dir: str | None = None  # prompt-example: where prompts/system/*.txt live


@dataclass
class SampleView:
    """A conversation with what the checks read from it, computed once."""

    conv: Conversation

    @cached_property
    def answers(self) -> list[str]:
        return [str(m.content) for m in self.conv.messages if m.role == "assistant"]

    @cached_property
    def questions(self) -> list[str]:
        return [str(m.content) for m in self.conv.messages if m.role == "user"]

    @cached_property
    def answer_text(self) -> str:
        return "\n".join(self.answers)

    @cached_property
    def text(self) -> str:
        return "\n".join(str(m.content) for m in self.conv.messages)

    @property
    def meta(self) -> dict[str, Any]:
        return self.conv.meta

    @property
    def source_text(self) -> str:
        return str(self.meta.get(SOURCE_TEXT) or "")

    @property
    def generated(self) -> bool:
        return self.meta.get("origin") == GENERATED

    def source_path(self) -> Path | None:
        return Path(self.conv.source_file) if self.conv.source_file else None


def cut(text: str, n: int = 60) -> str:
    """A span shown in a reason: one line, at most ``n`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
