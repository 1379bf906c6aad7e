"""Use case: build samples from input files into a dataset (``ftb build``, the TUI's run step).

:func:`build` owns what every mode shares: checking the request, the target model spec,
the dataset (get or create), the run record, token counting for the target and the write
to the store (exact duplicates dropped). What differs per mode is a *runner*, a function
``runner(job: BuildJob) -> None`` in :data:`RUNNERS`, which makes conversations and hands
them to :meth:`BuildJob.add`: identify is here, the LLM modes in services.generate.
Resuming an interrupted build is services.resume.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ftbuilder.config import MODES
from ftbuilder.core.errors import Cancelled, FtbError, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation, DatasetInfo, Document, ModelSpec
from ftbuilder.services import budget
from ftbuilder.services.batch import check_batch
from ftbuilder.services.buildjob import RUN_KIND, BuildJob, BuildRequest, BuildResult, Runner
from ftbuilder.services.context import AppContext
from ftbuilder.services.engine import check_engine, identify_all, make_engine, resolve_engine
from ftbuilder.services.generate import (
    check_llm_build,
    run_create,
    run_free,
    run_hybrid,
    run_identify_fallback,
)
from ftbuilder.targets.registry import get_model


def run_identify(job: BuildJob) -> None:
    """Identify mode: ingest, extract existing conversations verbatim, keywords, save; then,
    with the LLM fallback on, ask the agent LLM about the documents where no pattern found a
    conversation (:func:`~ftbuilder.services.generate.run_identify_fallback`)."""
    from ftbuilder.extract.identify import IdentifyOptions, identify_document
    from ftbuilder.extract.keywords import attach_keywords
    from ftbuilder.services.ingest import ingest_paths

    engine = make_engine(*resolve_engine(job.ctx.settings, job.req.engine, job.req.ray_address))
    try:
        ing = ingest_paths(job.ctx, list(job.req.input_paths), job.progress, job.cancel,
                           engine)
        opts = IdentifyOptions.from_settings(job.ctx.settings)
        # on Ray: every document's conversations at once (docs/scale.md); locally: one by one
        ahead = identify_all(engine, ing.documents, opts) if engine.name != "local" else None
    finally:
        engine.close()
    for rep in ing.reports:
        job.file(rep.path, rep.status, rep.error).warnings = list(rep.warnings)
    fallback = opts.llm_fallback if job.req.llm_fallback is None else job.req.llm_fallback
    unread: list[Document] = []
    convs: list[Conversation] = []
    started = time.monotonic()
    for i, doc in enumerate(ing.documents, 1):
        job.check()
        found = ahead[i - 1] if ahead is not None else identify_document(doc, opts)
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
        BudgetExceeded: over system.max_cost_usd (or the size cap) and not ``confirmed``;
            checked before the dataset is created or any call is made.
        NotFoundError: the target model is not in the registry.
        FtbError: the mode has no runner yet (the LLM modes before the agents land).
        Cancelled: cancel was triggered; samples saved before it are kept, the run is
            recorded as cancelled.
    """
    spec = _check(req)
    agent = {"provider": req.agent_provider, "model": req.agent_model, "base_url": req.base_url,
             "base_urls": req.base_urls}
    check_llm_build(ctx, req.mode, agent, req.instruction)
    if req.batch:
        check_batch(ctx, req.mode, agent, req.batch_retry)
    engine, address = resolve_engine(ctx.settings, req.engine, req.ray_address)
    if engine != "local":
        check_engine(engine, address)
    if not req.confirmed:  # before the dataset, the run record or any call (docs: budget)
        budget.check(budget.estimate(ctx, req.mode, req.size, agent, batch=req.batch))
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
