"""Use case: build samples from input files into a dataset (``ftb build``, the TUI's run step).

:func:`build` owns what every mode shares: checking the request, the target model spec,
the dataset (get or create), the run record, token counting for the target and the write
to the store (exact duplicates dropped). What differs per mode is a *runner*, a function
``runner(job: BuildJob) -> None`` registered in :data:`RUNNERS`, which makes conversations
and hands them to :meth:`BuildJob.add`. Identify is built in; the LLM modes (create, hybrid,
free) register their runners with :func:`register_runner`.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.config import MODES
from ftbuilder.core.errors import Cancelled, FtbError, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation, DatasetInfo, Document, ModelSpec
from ftbuilder.services.context import AppContext
from ftbuilder.services.generate import (
    check_llm_build,
    retry_generation,
    run_create,
    run_free,
    run_hybrid,
    run_identify_fallback,
)
from ftbuilder.targets.registry import get_model

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


@dataclass
class FileOutcome:
    """One input file: its ingest status, samples found in it and samples added from it."""

    path: str
    status: str
    found: int = 0
    added: int = 0
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"status": self.status, "found": self.found, "added": self.added}
        if self.error:
            d["error"] = self.error
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


def run_identify(job: BuildJob) -> None:
    """Identify mode: ingest, extract existing conversations verbatim, keywords, save; then,
    with the LLM fallback on, ask the agent LLM about the documents where no pattern found a
    conversation (:func:`~ftbuilder.services.generate.run_identify_fallback`)."""
    from ftbuilder.extract.identify import IdentifyOptions, identify_document
    from ftbuilder.extract.keywords import attach_keywords
    from ftbuilder.services.ingest import ingest_paths

    ing = ingest_paths(job.ctx, list(job.req.input_paths), job.progress, job.cancel)
    for rep in ing.reports:
        job.file(rep.path, rep.status, rep.error)
    opts = IdentifyOptions.from_settings(job.ctx.settings)
    fallback = opts.llm_fallback if job.req.llm_fallback is None else job.req.llm_fallback
    unread: list[Document] = []
    convs: list[Conversation] = []
    started = time.monotonic()
    for i, doc in enumerate(ing.documents, 1):
        job.check()
        found = identify_document(doc, opts)
        job.file(doc.path).found += len(found)
        convs.extend(found)
        if fallback and not found:
            unread.append(doc)
        report(job.progress, "identify", i, len(ing.documents),
               f"{Path(doc.path).name}: {len(found)} found", started)
    job.result.found += len(convs)
    attach_keywords(convs, [d.text for d in ing.documents])
    report(job.progress, "save", 0, len(convs), "counting tokens and saving")
    room = None if job.req.size is None else max(
        0, job.req.size - job.ctx.store.count_samples(job.dataset.id))
    job.add(convs, limit=room)  # size = the dataset's target size, as in every mode
    report(job.progress, "save", len(convs), len(convs), f"{job.result.samples_added} added")
    if unread:
        run_identify_fallback(job, unread)


RUNNERS: dict[str, Runner] = {"identify": run_identify, "create": run_create,
                              "hybrid": run_hybrid, "free": run_free}


def register_runner(mode: str, runner: Runner) -> None:
    """Make ``mode`` buildable by ``runner`` (the LLM modes register here)."""
    RUNNERS[mode] = runner


def _check(req: BuildRequest) -> ModelSpec:
    if req.mode not in MODES:
        raise UsageError(f"unknown mode '{req.mode}'", "use one of: " + ", ".join(MODES))
    if req.mode not in RUNNERS:
        raise FtbError(f"{req.mode} mode needs the LLM agents, which this version does not "
                       "have yet", "use --mode identify to extract the conversations already "
                       "in your files")
    if not req.input_paths:
        raise UsageError("no input files or folders given", "pass --input PATH or set input_dir")
    if not req.name or not req.name.strip():
        raise UsageError("the dataset name is empty", "pass --name or set output_name")
    if req.size is not None and req.size < 1:
        raise UsageError(f"size must be at least 1 (got {req.size})", "omit it to keep all")
    return get_model(req.provider, req.model)


def _dataset(ctx: AppContext, req: BuildRequest, spec: ModelSpec) -> DatasetInfo:
    ds = ctx.store.get_or_create_dataset(req.name, req.provider, spec.id, req.mode)
    if (ds.provider, ds.model) != (req.provider, spec.id):
        raise UsageError(f"dataset '{req.name}' targets {ds.provider}/{ds.model}, not "
                         f"{req.provider}/{spec.id}",
                         "build into another --name, or use that dataset's provider and model")
    return ds


def _stats(job: BuildJob) -> dict[str, Any]:
    r = job.result
    return {"files": len(r.files), "failed_files": r.failed_files, "found": r.found,
            "added": r.samples_added, "duplicates": r.duplicates, "capped": r.capped,
            "patterns": dict(job.patterns), "token_method": dict(job.token_methods),
            "dataset_samples": job.ctx.store.get_dataset(r.name).total_samples, **job.extra}


def build(ctx: AppContext, req: BuildRequest, progress: ProgressFn | None = None,
          cancel: CancelToken | None = None) -> BuildResult:
    """Build samples from ``req.input_paths`` into the dataset ``req.name``.

    Args:
        ctx: settings (agent.identify.*, system_prompt, ingest limits) and the store.
        req: mode, inputs, dataset name, target provider/model, optional size cap;
            ``llm_fallback`` (identify) overrides ``agent.identify.llm_fallback``.
        progress: stages "ingest" (per file), "identify" (per document), "save",
            "identify-llm" (per chunk asked), "generate" (LLM modes).
        cancel: checked between files and documents.

    Returns:
        BuildResult: samples added, duplicates dropped, found, capped, per-file outcomes
        (found/added, or the file's ingest error), run id and stats.

    Raises:
        UsageError: bad mode, no inputs, empty name, or the dataset has another target.
        MissingKeyError, FreeInstructionMissing: checked before the dataset is created.
        NotFoundError: the target model is not in the registry.
        FtbError: the mode has no runner yet (the LLM modes before the agents land).
        Cancelled: cancel was triggered; samples saved before it are kept, the run is
            recorded as cancelled.
    """
    spec = _check(req)
    check_llm_build(ctx, req.mode, {"provider": req.agent_provider, "model": req.agent_model,
                                    "base_url": req.base_url}, req.instruction)
    ds = _dataset(ctx, req, spec)
    params = {"mode": req.mode, "inputs": [str(Path(p).resolve()) for p in req.input_paths],
              "provider": req.provider, "model": spec.id, "size": req.size}
    run_id = ctx.store.start_run(RUN_KIND, ds.id, params)
    job = BuildJob(ctx, req, spec, ds, BuildResult(req.name, req.mode, run_id), progress, cancel)
    try:
        RUNNERS[req.mode](job)
    except Cancelled:
        ctx.store.finish_run(run_id, "cancelled", _stats(job), "cancelled by the user")
        raise
    except FtbError as e:
        ctx.store.finish_run(run_id, "failed", _stats(job), ctx.settings.redact(str(e)))
        raise
    except Exception as e:
        ctx.store.finish_run(run_id, "failed", _stats(job),
                             ctx.settings.redact(f"{type(e).__name__}: {e}"))
        raise
    job.result.stats = _stats(job)
    ctx.store.finish_run(run_id, "done", job.result.stats)
    return job.result


def last_build(ctx: AppContext, name: str) -> BuildRequest | None:
    """The request of dataset ``name``'s last build (retries aside), rebuilt from its run and
    the dataset's ``generation`` config (agent, concurrency, instruction); None if none.

    Raises:
        NotFoundError: no dataset of that name.
    """
    ds = ctx.store.get_dataset(name)
    for (text,) in ctx.store.db.execute(
            "SELECT params FROM runs WHERE dataset_id = ? AND kind = ? ORDER BY id DESC",
            (ds.id, RUN_KIND)):
        p = json.loads(text or "{}")
        if p.get("retry") or not p.get("inputs"):
            continue
        gen = ds.config.get("generation") or {}
        agent = gen.get("agent") or {}
        return BuildRequest(p["mode"], p["inputs"], name, p["provider"], p["model"],
                            p.get("size"), agent.get("provider"), agent.get("model"),
                            agent.get("base_url"), gen.get("concurrency"),
                            gen.get("instruction") or None)
    return None


def retry(ctx: AppContext, name: str, progress: ProgressFn | None = None,
          cancel: CancelToken | None = None) -> BuildResult:
    """Resume the LLM build of dataset ``name``: failed items run again, unfinished ones run,
    and the build continues from its inputs until the dataset has its size (see
    :func:`~ftbuilder.services.generate.retry_generation`).

    Raises:
        NotFoundError: no dataset of that name.
        FtbError: the dataset has no LLM work to resume (identify builds have none:
            running the build again adds only what is new).
        Cancelled, ProviderError: as for a build; work finished before is kept.
    """
    return retry_generation(ctx, name, progress, cancel)
