"""The repository agent (``ftb repos prepare``): conversations about one piece of a source file.

It is create mode's :class:`~ftbuilder.agents.create.Generator` with code prompts
(``prompts/system/repo_mode.txt``, ``repo_request.txt``, ``repo_angles.txt``), one round (each
piece is asked once: one work item per file when the file fits the piece budget) and samples
that cite their repository, commit, path and line range in ``meta``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.agents.create import COMPLETION, Generator, Task, style_of
from ftbuilder.agents.parsing import ParseResult
from ftbuilder.agents.prompts import load_lines, load_prompt
from ftbuilder.backends.base import LLMClient
from ftbuilder.config import Settings
from ftbuilder.core.types import Conversation
from ftbuilder.sources.code import origin_meta

MODE = "repos"
_LINES_RE = re.compile(r"lines (\d+)-(\d+)")


@dataclass(slots=True, frozen=True)
class Origin:
    repo: str
    commit: str
    path: str


@dataclass
class RepoGenerator(Generator):
    """``origins`` maps a piece's source (``org/repo/path``) to where it was read."""

    origins: dict[str, Origin] = field(default_factory=dict)

    def angle(self, task: Task) -> str:
        pool = self.angles or ["Ask what this code does, and explain it."]
        return pool[task.chunk.index % len(pool)]

    def conversations(self, task: Task, parsed: ParseResult) -> list[Conversation]:
        out = super().conversations(task, parsed)
        origin = self.origins.get(task.chunk.source)
        m = _LINES_RE.search(task.chunk.location or "")
        if origin is not None and m:
            cite = origin_meta(origin.repo, origin.commit, origin.path, int(m.group(1)),
                               int(m.group(2)))
            for c in out:
                c.meta.update(cite)
        return out


def repo_generator(settings: Settings, client: LLMClient,
                   origins: dict[str, Origin] | None = None) -> RepoGenerator:
    """The generator of ``ftb repos prepare`` (and of its retry).

    Raises:
        ConfigError: a prompt file is missing or empty.
    """
    cfg = settings.config
    style = style_of(client)
    pdir = settings.prompts_dir
    if style == COMPLETION:
        template, system = load_prompt(pdir, "create_completion"), None
    else:
        template, system = load_prompt(pdir, "repo_request"), load_prompt(pdir, "repo_mode")
    create = cfg.agent.create
    scope: dict[str, Any] = {"mode": MODE, "origin": "generated"}
    return RepoGenerator(
        mode=MODE, style=style, system=system, template=template,
        angles=load_lines(pdir, "repo_angles"), temperature=create.temperature,
        variety="high", max_turns=create.max_turns,
        per_call=1 if style == COMPLETION else create.samples_per_call,
        system_prompt=cfg.system_prompt.strip(), agent=client.describe(), scope=scope,
        rounds=1, origins=dict(origins or {}))
