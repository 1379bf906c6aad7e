"""The LLM build modes (create, hybrid, free), identify's LLM fallback and ``ftb retry``:
runners for services/build.py.

Each runner ingests the inputs, cuts them into chunks, builds the agent's LLM client and runs
:func:`ftbuilder.agents.runner.run_job` until the dataset holds the requested number of
samples of that mode (a resumed build counts what is already there). What a retry needs
(agent, size, instruction) is kept in the dataset's config under ``generation`` as soon as
the build starts, so even a killed run can be retried.
"""

from __future__ import annotations

import hashlib
import secrets
import shlex
from typing import Any

from ftbuilder.agents.accounting import NOT_VERBATIM, TOO_SHORT
from ftbuilder.agents.create import Generator, Task, create_generator
from ftbuilder.agents.free import free_generator, free_instruction
from ftbuilder.agents.hybrid import hybrid_generator, identified_for_hybrid
from ftbuilder.agents.identify_llm import identify_generator
from ftbuilder.agents.parsing import INVALID_JSON
from ftbuilder.agents.runner import FATAL_KINDS, Job, RunStats, run_job
from ftbuilder.backends.base import LLMClient
from ftbuilder.core.errors import FtbError, ProviderError
from ftbuilder.core.progress import CancelToken, Progress, ProgressFn
from ftbuilder.core.types import DatasetInfo, Document
from ftbuilder.ingest.chunking import Chunk, chunk_document, count_tokens
from ftbuilder.services import budget
from ftbuilder.services.agent import agent_client, run_options
from ftbuilder.services.batch import BatchRun, batch_settings
from ftbuilder.services.buildjob import RUN_KIND, BuildJob, BuildResult
from ftbuilder.services.context import AppContext
from ftbuilder.targets.registry import get_model

NO_SOURCE = "(no source material: write from the instruction alone)"
FALLBACK_KEY = "identify_llm"  # BuildResult.stats key of identify's LLM fallback
FALLBACK_REJECTIONS = (NOT_VERBATIM, TOO_SHORT, INVALID_JSON)
UNCAPPED = 10**9  # the fallback's target when the build has no size: every chunk is asked


def _documents(job: BuildJob) -> list[Document]:
    from ftbuilder.services.ingest import ingest_paths

    ing = ingest_paths(job.ctx, list(job.req.input_paths), job.progress, job.cancel)
    for rep in ing.reports:
        job.file(rep.path, rep.status, rep.error).warnings = list(rep.warnings)
    return ing.documents


def chunks_of(ctx: AppContext, documents: list[Document]) -> list[Chunk]:
    create = ctx.settings.config.agent.create
    overlap = min(create.chunk_overlap, max(0, create.chunk_tokens // 2 - 1))
    out: list[Chunk] = []
    for doc in documents:
        out.extend(chunk_document(doc, create.chunk_tokens, overlap))
    return out


def _agent(req: Any) -> dict[str, Any]:
    return {"provider": req.agent_provider, "model": req.agent_model,
            "base_url": req.base_url, "base_urls": req.base_urls}


def check_llm_build(ctx: AppContext, mode: str, agent: dict[str, Any],
                    instruction: str | None = None) -> None:
    """What an LLM build (create, hybrid, free) needs before anything is written: the
    free-mode instruction, and the agent's key (or GGUF file). A build failing here leaves
    no empty dataset or run record behind.

    Raises:
        FreeInstructionMissing, MissingKeyError, FtbError: as the run itself would.
    """
    if mode == "free" and not (instruction or "").strip():
        free_instruction(ctx.settings)
    if mode in ("create", "hybrid", "free"):
        # clients connect lazily: this only checks the key / the file
        agent_client(ctx.settings, agent)


def _remember(job: BuildJob, target: int, instruction: str = "") -> dict[str, Any]:
    """Save what ``ftb retry`` needs in the dataset config before any call is made."""
    req = job.req
    ds = job.ctx.store.get_dataset(job.dataset.name)
    # one nonce per dataset, kept: a resumed build asks the same requests (served by the
    # cache), another dataset from the same inputs asks new ones (agents/create.py)
    nonce = (ds.config.get("generation") or {}).get("nonce") or secrets.token_hex(8)
    gen = {"mode": req.mode, "target": target, "concurrency": req.concurrency,
           "instruction": instruction, "nonce": nonce, "agent": _agent(req)}
    if req.batch:
        gen["batch"] = {"retry": req.batch_retry or "batch"}
    job.ctx.store.update_dataset(ds.id, config={**ds.config, "generation": gen})
    return gen


def _apply(job: BuildJob, stats: RunStats, key: str) -> None:
    job.result.samples_added += stats.samples_added
    job.result.duplicates += stats.failures.get("duplicate", 0)
    job.result.capped += stats.surplus
    for source, n in stats.by_source.items():
        job.file(source).added += n
    job.extra[key] = stats.to_dict()


def _run(job: BuildJob, gen: Generator, chunks: list[Chunk], target: int,
         client: LLMClient, key: str = "generation", progress: ProgressFn | None = None,
         stats: RunStats | None = None) -> RunStats:
    opts = run_options(job.ctx.settings, client, job.spec, job.req.concurrency)
    gen.nonce = (job.ctx.store.get_dataset(job.dataset.name).config.get("generation")
                 or {}).get("nonce", "")
    # the generator's own rejections are counted in the run's accounting as they happen
    opts.stats = stats or RunStats(failures=gen.failures)
    gen.index_chunks(chunks)
    batch_run = None
    try:
        if job.req.batch:
            batch_run = BatchRun(job.ctx, job.dataset.id, job.dataset.name, gen, client,
                                 _agent(job.req), opts, batch_settings(
                                     job.ctx, job.req.batch_retry), chunks, target,
                                 job.result.run_id, progress or job.progress, job.cancel)
            batch_run.run()
        else:
            run_job(job.ctx.store, client, Job(job.dataset.id, gen, chunks, target), opts,
                    progress or job.progress, job.cancel)
    except ProviderError as e:
        _retry_hint(e, job.dataset.name)
        raise
    finally:  # a cancelled or failed run is recorded with its accounting too
        _apply(job, opts.stats, key)
        _figures(job, client, batch_run, key)
    return opts.stats


def _figures(job: BuildJob, client: LLMClient, batch_run: Any, key: str) -> None:
    """The fleet's per-endpoint figures and the batches' in the run's accounting."""
    out = job.extra.get(key)
    if out is None:
        return
    endpoint_stats = getattr(client, "endpoint_stats", None)
    if endpoint_stats is not None:
        out["endpoints"] = endpoint_stats()
    if batch_run is not None:
        out["batch"] = dict(batch_run.batch)


def _retry_hint(err: ProviderError, name: str) -> None:
    """A run stopped by a streak of failures (timeouts, server errors): its failed items
    can run again once the cause is fixed. A refused key or model needs fixing first."""
    if err.kind not in FATAL_KINDS and "ftb retry" not in err.hint:
        err.hint = (f"{err.hint}; then `ftb retry {shlex.quote(name)}` runs the failed "
                    "items again").lstrip("; ")


def _size(job: BuildJob) -> int:
    return job.req.size or job.ctx.settings.config.dataset_size


def _scope_target(job: BuildJob, gen: Generator, size: int) -> int:
    """The runner's target for ``gen``'s samples so that the DATASET reaches ``size``:
    the samples of this scope already there plus what the dataset lacks (a build on an
    existing dataset adds new samples up to the size; a re-run after a kill finishes it)."""
    store = job.ctx.store
    have = store.count_samples(job.dataset.id)
    return store.count_samples_meta(job.dataset.id, **gen.scope) + max(0, size - have)


def run_create(job: BuildJob) -> None:
    """Create mode: new conversations grounded in each chunk of the inputs."""
    chunks = chunks_of(job.ctx, _documents(job))
    if not chunks:
        raise FtbError("create mode found no text to write from in the inputs",
                       "check the file report above; add documents with text")
    client = agent_client(job.ctx.settings, _agent(job.req))
    gen = create_generator(job.ctx.settings, client)
    target = _scope_target(job, gen, _size(job))
    _remember(job, target)
    _run(job, gen, chunks, target, client)


def _instruction_chunk(instruction: str) -> Chunk:
    sha = hashlib.sha256(instruction.encode()).hexdigest()
    return Chunk("", sha, 0, NO_SOURCE, "", count_tokens(NO_SOURCE))


def run_free(job: BuildJob) -> None:
    """Free mode: conversations following the user's instruction (file, or asked by the face)."""
    instruction = (job.req.instruction or "").strip() or free_instruction(job.ctx.settings)
    chunks = chunks_of(job.ctx, _documents(job)) or [_instruction_chunk(instruction)]
    client = agent_client(job.ctx.settings, _agent(job.req))
    gen = free_generator(job.ctx.settings, client, instruction)
    target = _scope_target(job, gen, _size(job))
    _remember(job, target, instruction)
    job.extra["instruction"] = instruction  # the run's stats: runs compared (services/runs.py)
    _run(job, gen, chunks, target, client)


def _per_chunk(progress: ProgressFn | None, stats: RunStats, chunks: int) -> ProgressFn | None:
    """The runner's progress counted in chunks asked (the fallback has no sample target)."""
    if progress is None:
        return None

    def fn(p: Progress) -> None:
        done = stats.items_done + stats.items_failed + stats.items_skipped
        progress(Progress("identify-llm", min(done, chunks), chunks, p.message, p.started))

    return fn


def _ask_failed_again(job: BuildJob, tasks: list[Task]) -> None:
    """Set this build's failed fallback items back to pending: ``ftb retry`` serves the
    generating modes, so running the identify build again is how they are retried."""
    states = job.ctx.store.work_states(job.dataset.id)
    for t in tasks:
        if states.get(t.key, ("", 0))[0] == "failed":
            job.ctx.store.commit_work(job.dataset.id, t.key, [], t.to_payload(), "pending")


def run_identify_fallback(job: BuildJob, documents: list[Document]) -> None:
    """Identify's LLM fallback for ``documents`` (those no pattern could read).

    Each chunk with text is asked once (work items: a rerun resumes, nothing done is asked
    again, failed chunks are); only conversations found verbatim in the chunk are kept. The
    build's size cap still applies. Accounting goes to ``stats["identify_llm"]`` (with
    ``rejected`` by reason) and ``BuildResult.rejected``.

    Raises:
        MissingKeyError, ProviderError, Cancelled: as for the LLM modes; samples already
            saved (patterns, finished chunks) are kept.
        BudgetExceeded: the fallback's calls are over ``system.max_cost_usd`` and the build
            is not ``confirmed``; raised before its first call (the patterns' samples are
            saved; the same build with --yes asks the LLM).
    """
    room = UNCAPPED if job.req.size is None else \
        job.req.size - job.ctx.store.count_samples(job.dataset.id)
    chunks = chunks_of(job.ctx, documents)
    if not chunks or room <= 0:
        return
    if not job.req.confirmed:  # the call count is known now: priced before the first call
        budget.check(budget.estimate_fallback(job.ctx, len(chunks), _agent(job.req)))
    client = agent_client(job.ctx.settings, _agent(job.req))
    gen = identify_generator(job.ctx.settings, client, documents)
    _ask_failed_again(job, [gen.task(c, 0) for c in chunks])
    existing = job.ctx.store.count_samples_meta(job.dataset.id, **gen.scope)
    stats = RunStats(failures=gen.failures)
    try:
        _run(job, gen, chunks, existing + room, client, FALLBACK_KEY,
             _per_chunk(job.progress, stats, len(chunks)), stats)
    finally:  # a cancelled or failed fallback is accounted for too
        out = job.extra.setdefault(FALLBACK_KEY, stats.to_dict())
        out["target"] = None if room == UNCAPPED else existing + room
        out["documents"] = len({c.source for c in chunks})
        out["chunks"] = len(chunks)
        out["accepted"] = sum(gen.accepted.values())
        out["rejected"] = {r: gen.failures[r] for r in FALLBACK_REJECTIONS if gen.failures[r]}
        job.result.rejected.update(out["rejected"])
        for source, n in gen.accepted.items():
            job.file(source).found += n
        job.result.found += out["accepted"]
        job.patterns["llm"] += out["samples_added"]


def run_hybrid(job: BuildJob) -> None:
    """Hybrid mode: EVERY conversation already in the files (exact duplicates aside), then
    generated ones up to the dataset's size; generated ones repeat no identified question
    and are no near-duplicate of an identified conversation (see
    :mod:`ftbuilder.agents.hybrid`). With more identified pairs than the size, all are kept
    and nothing is generated."""
    docs = _documents(job)
    store = job.ctx.store
    found = identified_for_hybrid(job.ctx.settings, docs)
    job.result.found += len(found)
    for c in found:
        job.file(c.source_file or "").found += 1
    job.add(found)
    chunks = chunks_of(job.ctx, docs)
    have = store.count_samples(job.dataset.id)
    generated = store.count_samples_meta(job.dataset.id, mode="hybrid", origin="generated")
    target = generated + max(0, _size(job) - have)
    _remember(job, target)
    if not chunks or target <= generated:
        return
    client = agent_client(job.ctx.settings, _agent(job.req))
    _run(job, hybrid_generator(job.ctx.settings, client, store, job.dataset.id), chunks,
         target, client)


def _recorded_generator(ctx: AppContext, client: LLMClient, ds: DatasetInfo) -> Generator:
    """The generator of LLM dataset ``ds``'s recorded build (mode, instruction and the
    dataset's nonce), so a resume or a batch collection asks the very requests the build
    asked (their keys, cache entries and batch custom ids match)."""
    gen_conf = ds.config["generation"]
    mode = gen_conf.get("mode", "create")
    instruction = gen_conf.get("instruction") or ""
    gen = (free_generator(ctx.settings, client, instruction) if mode == "free"
           else hybrid_generator(ctx.settings, client, ctx.store, ds.id) if mode == "hybrid"
           else create_generator(ctx.settings, client, mode=mode))
    gen.nonce = gen_conf.get("nonce", "")
    return gen


def resume_items(ctx: AppContext, ds: DatasetInfo, reset: int,
                 progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> BuildResult:
    """Run the recorded work items of LLM dataset ``ds`` that are not done (failed ones were
    reset by the caller: ``reset`` of them), up to its recorded target, when its inputs are
    gone and no new work can be made from them (services.resume decides).

    Raises:
        Cancelled, ProviderError: as for a build; work finished before is kept.
    """
    gen_conf = ds.config["generation"]
    mode = gen_conf["mode"]
    spec = get_model(ds.provider, ds.model)
    run_id = ctx.store.start_run(RUN_KIND, ds.id, {"mode": mode, "retry": True,
                                                   "reset_items": reset})
    result = BuildResult(ds.name, mode, run_id)
    client = agent_client(ctx.settings, gen_conf.get("agent") or {})
    gen = _recorded_generator(ctx, client, ds)
    opts = run_options(ctx.settings, client, spec, gen_conf.get("concurrency"))
    opts.stats = RunStats(failures=gen.failures)
    try:
        stats = run_job(ctx.store, client, Job(ds.id, gen, [], int(gen_conf["target"]),
                                                retry=True), opts, progress, cancel)
    except Exception as e:
        if isinstance(e, ProviderError):
            _retry_hint(e, ds.name)
        ctx.store.finish_run(run_id, "failed", {}, ctx.settings.redact(str(e)))
        raise
    result.samples_added = stats.samples_added
    result.duplicates = stats.failures.get("duplicate", 0)
    result.stats = {"generation": stats.to_dict(), "reset_items": reset, "resumed": "items",
                    "work_items": ctx.store.work_counts(ds.id),
                    "dataset_samples": ctx.store.get_dataset(ds.name).total_samples}
    ctx.store.finish_run(run_id, "done", result.stats)
    return result


def collect_batches(ctx: AppContext, name: str, retry: str | None = None,
                    progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> BuildResult:
    """``ftb batches collect NAME``: wait for dataset ``name``'s open batches, turn their
    replies into samples, retry what they failed (in a new batch or live, ``retry`` or the
    build's choice). Sends no new work: the same build command again does.

    Raises:
        NotFoundError: no dataset ``name``.
        FtbError: the dataset was not built with --batch.
        Cancelled, ProviderError: as for a build; what was collected is kept.
    """
    ds = ctx.store.get_dataset(name)
    gen_conf = ds.config.get("generation") or {}
    if not gen_conf.get("batch") and not ctx.store.batches(ds.id):
        raise FtbError(f"dataset '{name}' was not built with --batch",
                       "`ftb batches` lists the datasets that have batches")
    mode = gen_conf.get("mode", "create")
    from ftbuilder.agents.repo import MODE as REPO_MODE

    if mode == REPO_MODE:  # its work items come from the checkout's files
        raise FtbError(f"dataset '{name}' is a repository dataset",
                       f"run `ftb repos prepare --name {shlex.quote(name)} --batch` again: it "
                       "collects the stored batch first and sends nothing twice")
    run_id = ctx.store.start_run(RUN_KIND, ds.id, {"mode": mode, "retry": True,
                                                   "batch_collect": True})
    result = BuildResult(ds.name, mode, run_id)
    agent = gen_conf.get("agent") or {}
    client = agent_client(ctx.settings, agent)
    gen = _recorded_generator(ctx, client, ds)
    opts = run_options(ctx.settings, client, get_model(ds.provider, ds.model),
                       gen_conf.get("concurrency"))
    opts.stats = RunStats(failures=gen.failures)
    retry = retry or (gen_conf.get("batch") or {}).get("retry")
    run = BatchRun(ctx, ds.id, ds.name, gen, client, agent, opts,
                   batch_settings(ctx, retry, collect_only=True), [],
                   int(gen_conf.get("target") or 0), run_id, progress, cancel)
    try:
        stats = run.run()
    except Exception as e:
        ctx.store.finish_run(run_id, "failed", {}, ctx.settings.redact(str(e)))
        raise
    result.samples_added = stats.samples_added
    result.duplicates = stats.failures.get("duplicate", 0)
    gen_stats = {**stats.to_dict(), "batch": dict(run.batch)}
    result.stats = {"generation": gen_stats, "resumed": "batches",
                    "work_items": ctx.store.work_counts(ds.id),
                    "dataset_samples": ctx.store.get_dataset(ds.name).total_samples}
    ctx.store.finish_run(run_id, "done", result.stats)
    return result
