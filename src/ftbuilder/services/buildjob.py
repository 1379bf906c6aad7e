"""What a build is made of: the request, the per-file outcomes, the result, and the job a
mode's runner works on (:class:`BuildJob`). Shared by services.build (which starts builds),
services.generate (the LLM runners) and services.resume, so that none imports another's
internals.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.core.progress import CancelToken, ProgressFn
from ftbuilder.core.types import Conversation, DatasetInfo, ModelSpec
from ftbuilder.services.context import AppContext

RUN_KIND = "build"


@dataclass
class BuildRequest:
    """What to build. ``size``: the dataset's target size in every mode (a build on an
    existing dataset adds samples up to it; identify keeps everything when None; hybrid keeps
    every identified pair even past it)."""

    mode: str
    input_paths: list[str | Path]
    name: str
    provider: str
    model: str
    size: int | None = None
    agent_provider: str | None = None
    agent_model: str | None = None
    base_url: str | None = None
    concurrency: int | None = None
    instruction: str | None = None  # free mode: the instruction when not read from a file
    llm_fallback: bool | None = None  # identify: ask the agent LLM (None: config value)
    confirmed: bool = False  # the user accepted the estimated cost (--yes): no budget check
    base_urls: list[str] | None = None  # an OpenAI-compatible fleet (--base-url repeated)
    batch: bool = False  # through the provider's batch API (services/batch.py)
    batch_retry: str | None = None  # failed batch items: "batch" (a new batch) or "live"
    engine: str | None = None  # corpus stages: "local" or "ray"; None: system.engine
    # (services/engine.py)
    ray_address: str | None = None


@dataclass
class FileOutcome:
    """One input file: its ingest status, samples found in it and samples added from it."""

    path: str
    status: str
    found: int = 0
    added: int = 0
    error: str = ""
    warnings: list[str] = field(default_factory=list)  # what the reader skipped, and where

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"status": self.status, "found": self.found, "added": self.added}
        if self.error:
            d["error"] = self.error
        if self.warnings:
            d["warnings"] = list(self.warnings)
        return d


@dataclass
class BuildResult:
    """What a build did. ``files`` maps each input file to its outcome; ``rejected`` counts
    the LLM's conversations refused by reason (identify's LLM fallback)."""

    name: str
    mode: str
    run_id: int = 0
    samples_added: int = 0
    duplicates: int = 0
    found: int = 0
    capped: int = 0
    files: dict[str, FileOutcome] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def failed_files(self) -> int:
        return sum(f.status == "error" for f in self.files.values())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mode": self.mode, "run_id": self.run_id,
                "samples_added": self.samples_added, "duplicates": self.duplicates,
                "found": self.found, "capped": self.capped, "failed_files": self.failed_files,
                "files": {p: f.to_dict() for p, f in self.files.items()}, "stats": self.stats,
                "rejected": self.rejected}


@dataclass
class BuildJob:
    """Everything a runner needs; :meth:`add` saves conversations the same way for all modes."""

    ctx: AppContext
    req: BuildRequest
    spec: ModelSpec
    dataset: DatasetInfo
    result: BuildResult
    progress: ProgressFn | None = None
    cancel: CancelToken | None = None
    token_methods: Counter[str] = field(default_factory=Counter)
    patterns: Counter[str] = field(default_factory=Counter)
    extra: dict[str, Any] = field(default_factory=dict)  # runner stats (e.g. "generation")

    def check(self) -> None:
        if self.cancel is not None:
            self.cancel.check()

    def file(self, path: str, status: str = "ok", error: str = "") -> FileOutcome:
        """The outcome record of ``path`` (created on first use)."""
        if path not in self.result.files:
            self.result.files[path] = FileOutcome(path, status, error=error)
        return self.result.files[path]

    def add(self, convs: Sequence[Conversation], limit: int | None = None) -> tuple[int, int]:
        """Count tokens for the target, then store ``convs`` (exact duplicates dropped).

        ``limit`` keeps at most that many new samples (duplicates do not count against it).
        Returns (added, duplicates) and updates the result.
        """
        seen = self.ctx.store.hashes(self.dataset.id)
        fresh: list[Conversation] = []
        dup = 0
        for c in convs:
            h = c.content_hash()
            if h in seen:
                dup += 1
            else:
                seen.add(h)
                fresh.append(c)
        if limit is not None and len(fresh) > limit:
            self.result.capped += len(fresh) - limit
            fresh = fresh[:limit]
        if fresh:
            from ftbuilder import tokens  # the tokenizers load on first use

            for c, tc in zip(fresh, tokens.count_many(fresh, self.spec), strict=True):
                c.token_count = tc.total
                self.token_methods[f"{tc.method}{'' if tc.exact else ' (estimate)'}"] += 1
        self.check()
        added, dup_store = self.ctx.store.add_samples(self.dataset.id, fresh)
        for c in fresh:
            self.patterns[str(c.meta.get("pattern", self.req.mode))] += 1
            if c.id is not None and c.source_file:
                self.file(c.source_file).added += 1
        self.result.samples_added += added
        self.result.duplicates += dup + dup_store
        return added, dup + dup_store


Runner = Callable[[BuildJob], None]
