"""Use cases of git repositories as a source: ``ftb repos prepare`` and the repository side
of ``ftb retry`` (both faces call these; sync and status are in services/repos_sync.py and
re-exported here).

Prepare reads every repository checked out under ``repos/<org>/<repo>`` (or the ones named),
selects its source files (:mod:`ftbuilder.sources.files`), and per file:

* adds the pairs found without an LLM (docstrings, Markdown of the same stem);
* cuts it into code-aware pieces and makes one LLM work item per piece (one per file when
  the file fits the piece budget) run by the agents' runner: concurrency, rate limits,
  response cache, accounting, resume after a kill;
* records its SHA-256 for the dataset: a file unchanged since its last successful prepare is
  not read again (no LLM call); a changed one has its old samples deleted and is prepared
  again; a file gone from the repository loses its samples. Failed files keep their reason
  and are run again by ``ftb retry NAME`` only.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.agents.accounting import RunStats
from ftbuilder.agents.repo import MODE, Origin, RepoGenerator, repo_generator
from ftbuilder.agents.runner import Job, run_job
from ftbuilder.core.errors import Cancelled, FtbError, NotFoundError, UsageError
from ftbuilder.core.progress import CancelToken, Progress, ProgressFn, report
from ftbuilder.core.types import Conversation
from ftbuilder.ingest.chunking import Chunk
from ftbuilder.services.agent import agent_client, run_options
from ftbuilder.services.context import AppContext
from ftbuilder.services.repos_sync import SyncResult, repos_dir, repos_status, sync_repos
from ftbuilder.sources.code import (
    chunk_code,
    docstring_pairs,
    documented_by,
    markdown_pair,
    pair_conversation,
)
from ftbuilder.sources.files import DEFAULT_MAX_KB, select_files
from ftbuilder.sources.repos import checked_out, head_commit, is_git_repo
from ftbuilder.store.sources import FileRow, SourceStore, source_key

__all__ = ["PrepareRequest", "PrepareResult", "SyncResult", "prepare", "repos_dir",
           "repos_status", "retry_prepare", "sync_repos"]
RUN_KIND = "repos"
CHUNK_TOKENS = 2000  # piece budget: most source files are one piece, so one LLM item
UNCAPPED = 10**9  # prepare has no sample target: every piece is asked once


# --- prepare ---------------------------------------------------------------------------------
@dataclass
class PrepareRequest:
    name: str
    repos: list[str] = field(default_factory=list)  # org/repo; empty: every one in the folder
    folder: str | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    max_file_kb: int = DEFAULT_MAX_KB
    chunk_tokens: int | None = None
    provider: str | None = None
    model: str | None = None
    agent_provider: str | None = None
    agent_model: str | None = None
    base_url: str | None = None
    concurrency: int | None = None
    llm: bool = True  # False: only the pairs found without an LLM
    confirmed: bool = False  # the user accepted the estimated cost (--yes): no budget check
    batch: bool = False  # through the provider's batch API (docs/scale.md), not live calls
    batch_retry: str | None = None  # items a batch failed or let expire: "batch" or "live"


@dataclass
class RepoReport:
    repo: str
    commit: str = ""
    files: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    done: int = 0
    failed: int = 0
    pending: int = 0
    pairs: int = 0
    items: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["commit"] = self.commit[:12]
        return d


@dataclass
class PrepareResult:
    name: str
    run_id: int = 0
    repos: list[RepoReport] = field(default_factory=list)
    samples_added: int = 0
    pairs_added: int = 0
    samples_replaced: int = 0
    failed_files: list[dict[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        return len(self.failed_files)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "run_id": self.run_id, "samples_added": self.samples_added,
                "pairs_added": self.pairs_added, "samples_replaced": self.samples_replaced,
                "failed": self.failed, "repos": [r.to_dict() for r in self.repos],
                "failed_files": self.failed_files, "stats": self.stats}


@dataclass
class _Work:
    """What a prepare (or retry) runs: pieces, their files, and how to ask about them."""

    chunks: list[Chunk] = field(default_factory=list)
    files: dict[str, FileRow] = field(default_factory=dict)  # source -> row
    origins: dict[str, Origin] = field(default_factory=dict)


def _repo_folders(ctx: AppContext, req: PrepareRequest) -> list[tuple[str, Path]]:
    root = repos_dir(ctx, req.folder)
    if not req.repos:
        found = list(checked_out(root))
        if not found:
            raise NotFoundError(f"no repository checked out under {root}",
                                "list them in repos.txt and run `ftb repos sync` first")
        return found
    out = []
    for slug in req.repos:
        path = root / slug.strip("/")
        if not path.is_dir() or not is_git_repo(path):
            raise NotFoundError(f"repository {slug} is not checked out under {root}",
                                "run `ftb repos sync` (or pass --dir where it is)")
        out.append((slug.strip("/"), path))
    return out


def _dataset(ctx: AppContext, req: PrepareRequest) -> Any:
    from ftbuilder.targets.registry import default_model, get_model

    cfg = ctx.settings.config
    found = ctx.store.find_dataset(req.name)
    if found is not None:
        if found.mode != MODE:
            raise UsageError(f"dataset '{req.name}' was made by {found.mode}, not by "
                             "`ftb repos prepare`", "prepare into another --name")
        return found
    provider = req.provider or cfg.provider
    model = req.model or (cfg.model if provider == cfg.provider else default_model(provider).id)
    spec = get_model(provider, model)
    return ctx.store.create_dataset(req.name, provider, spec.id, MODE)


def _count(ctx: AppContext, ds: Any, convs: list[Conversation]) -> None:
    from ftbuilder import tokens
    from ftbuilder.targets.registry import get_model

    if convs:
        spec = get_model(ds.provider, ds.model)
        for c, tc in zip(convs, tokens.count_many(convs, spec), strict=True):
            c.token_count = tc.total


def _pairs(path: str, text: str, doc: tuple[str, str] | None, repo: str, commit: str,
           budget: int, system_prompt: str) -> list[Conversation]:
    pairs = docstring_pairs(path, text, budget)
    if doc is not None:
        md = markdown_pair(path, text, doc[0], doc[1], budget)
        if md is not None:
            pairs.append(md)
    return [pair_conversation(p, repo, commit, path, system_prompt) for p in pairs]


def _select(ctx: AppContext, src: SourceStore, ds: Any, req: PrepareRequest, slug: str,
            path: Path, gen: RepoGenerator | None, work: _Work, result: PrepareResult) -> None:
    """Select one repository's files, record new and changed ones (their old samples go),
    add their pairs, and queue their pieces."""
    rep = RepoReport(slug)
    result.repos.append(rep)
    rep.commit = head_commit(path)
    sel = select_files(path, req.include, req.exclude, req.max_file_kb)
    rep.files, rep.skipped = len(sel.files), dict(sel.skipped)
    budget = req.chunk_tokens or CHUNK_TOKENS
    by_path = {f.path: f for f in sel.files}
    docs = documented_by(list(by_path))
    known = src.files(ds.id, slug)
    begin: list[FileRow] = []
    pair_convs: list[Conversation] = []
    for f in sel.files:
        doc_path = docs.get(f.path)
        doc = by_path[doc_path] if doc_path else None
        row = known.get((slug, f.path))
        same = row is not None and row.sha256 == f.sha256 and \
            row.doc_sha256 == (doc.sha256 if doc else "")
        if same and row is not None and row.status == "done" and (gen is None or row.items):
            rep.unchanged += 1  # not read again: no LLM call
            continue
        chunks = [Chunk(source_key(slug, f.path), f.sha256, i, p.text, p.location, p.tokens)
                  for i, p in enumerate(chunk_code(f.path, f.text, budget))]
        items = [gen.task(c, 0).key for c in chunks] if gen is not None else []
        if same and row is not None:
            if row.status == "failed":
                rep.failed += 1
                continue  # left for `ftb retry`
            if gen is not None and row.items != items:  # first LLM run, or a new budget
                row.items = items
                src.set_items(ds.id, row)
        else:
            rep.new += row is None
            rep.changed += row is not None
            row = FileRow(slug, f.path, f.sha256, doc.sha256 if doc else "", rep.commit,
                          items=items)
            begin.append(row)
            pair_convs.extend(_pairs(f.path, f.text, (doc.path, doc.text) if doc else None,
                                     slug, rep.commit, budget,
                                     ctx.settings.config.system_prompt.strip()))
        work.files[row.source] = row
        work.origins[row.source] = Origin(slug, row.commit or rep.commit, f.path)
        if gen is not None:
            work.chunks.extend(chunks)
            rep.items += len(chunks)
    gone = [k for k in known if k[1] not in by_path]
    rep.removed = len(gone)
    result.samples_replaced += src.remove_files(ds.id, gone)
    result.samples_replaced += src.begin_files(ds.id, begin)
    _count(ctx, ds, pair_convs)
    added, _ = ctx.store.add_samples(ds.id, pair_convs)
    rep.pairs = added
    result.pairs_added += added
    src.save_repo(ds.id, slug, rep.commit, rep.skipped)


def _item_progress(progress: ProgressFn | None, stats: RunStats, total: int,
                   started: float) -> ProgressFn | None:
    if progress is None:
        return None

    def fn(p: Progress) -> None:
        done = stats.items_done + stats.items_failed + stats.items_skipped
        progress(Progress("prepare", min(done, total), total, p.message, started))

    return fn


def _run(ctx: AppContext, ds: Any, gen: RepoGenerator, client: Any, concurrency: int | None,
         chunks: list[Chunk], retry: bool, progress: ProgressFn | None,
         cancel: CancelToken | None, batch: dict[str, Any] | None = None) -> RunStats:
    """Ask the LLM once per piece: live through the runner, or with ``batch`` (``{"agent":
    ..., "retry": ..., "run_id": ...}``) through the provider's batch API, whose stored
    batches a killed run picks up again (services.batch)."""
    from ftbuilder.targets.registry import get_model

    opts = run_options(ctx.settings, client, get_model(ds.provider, ds.model), concurrency)
    opts.stats = RunStats(failures=gen.failures)
    total = len(chunks) if not retry else len(ctx.store.work_items(ds.id, ["pending"]))
    gen.index_chunks(chunks)
    item_progress = _item_progress(progress, opts.stats, total, time.monotonic())
    if batch is not None and not retry:
        from ftbuilder.services.batch import BatchRun, batch_settings

        BatchRun(ctx, ds.id, ds.name, gen, client, batch["agent"], opts,
                 batch_settings(ctx, batch.get("retry")), chunks, UNCAPPED,
                 batch.get("run_id"), item_progress, cancel).run()
        return opts.stats
    run_job(ctx.store, client, Job(ds.id, gen, chunks, UNCAPPED, retry=retry), opts,
            item_progress, cancel)
    return opts.stats


def _settle(ctx: AppContext, src: SourceStore, ds: Any, work: _Work,
            result: PrepareResult) -> None:
    """Each file's status from its work items: all done -> done, one failed -> failed (with
    the reason), else pending (a run cut short)."""
    states = ctx.store.work_states(ds.id)
    errors = src.item_errors(ds.id, [k for r in work.files.values() for k in r.items])
    updates = []
    for row in work.files.values():
        st = [states.get(k, ("pending", 0))[0] for k in row.items]
        if all(s == "done" for s in st):
            status, err = "done", ""
        elif "failed" in st:
            status = "failed"
            err = next((errors.get(k, "") for k in row.items
                        if states.get(k, ("", 0))[0] == "failed"), "")
        else:
            status, err = "pending", "not finished (cut short): run the same command again"
        row.status, row.error = status, err
        updates.append((row.repo, row.path, status, err))
    src.set_status(ds.id, updates)
    per_repo: dict[str, Counter[str]] = {}
    for row in work.files.values():
        per_repo.setdefault(row.repo, Counter())[row.status] += 1
    for rep in result.repos:
        c = per_repo.get(rep.repo, Counter())
        rep.done, rep.pending = c["done"], c["pending"]
        rep.failed += c["failed"]
    result.failed_files = [{"repo": r.repo, "path": r.path, "error": r.error}
                           for r in src.failed(ds.id)]


def _check_budget(ctx: AppContext, agent: dict[str, Any], items: int,
                  batch: bool = False) -> None:
    """Stop before the first paid call when ``items`` LLM calls would cost more than
    ``system.max_cost_usd`` (services/budget.py; the embedded model and llama servers are
    free). Files already recorded stay pending: the same command with --yes runs them."""
    from ftbuilder.services import budget

    per_call = ctx.settings.config.agent.create.samples_per_call
    budget.check(budget.estimate(ctx, "create", items * per_call, agent, batch=batch))


def _agent(req: PrepareRequest) -> dict[str, Any]:
    return {"provider": req.agent_provider, "model": req.agent_model, "base_url": req.base_url}


def prepare(ctx: AppContext, req: PrepareRequest, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> PrepareResult:
    """Prepare the repositories into dataset ``req.name`` (see the module doc).

    Returns a :class:`PrepareResult`: per repository the files selected, new, changed,
    unchanged (not sent), removed, done, failed, the pairs added and the files skipped by
    reason; the LLM accounting in ``stats["generation"]``; failed files with their reason.

    Raises:
        UsageError: empty name, bad budget, or the dataset was made by another mode.
        NotFoundError: no repository checked out, or a named one is missing.
        MissingKeyError, ProviderError: the agent LLM cannot be used (before anything is
            written) or failed many calls in a row (finished files are kept).
        Cancelled: ``cancel`` was set; finished files are kept, the rest resumes on the
            next run.
        BudgetExceeded: the LLM calls would cost more than ``system.max_cost_usd`` and the
            request is not ``confirmed`` (no call made; the same command with --yes goes on).
    """
    if not req.name or not req.name.strip():
        raise UsageError("the dataset name is empty", "pass --name NAME")
    if req.max_file_kb < 1 or (req.chunk_tokens is not None and req.chunk_tokens < 100):
        raise UsageError("--max-file-kb must be at least 1 and --chunk-tokens at least 100")
    folders = _repo_folders(ctx, req)
    agent = _agent(req)
    client = agent_client(ctx.settings, agent) if req.llm else None  # a missing key stops here
    ds = _dataset(ctx, req)
    ctx.store.update_dataset(ds.id, config={
        **ds.config, "repos": {"folder": req.folder, "include": req.include,
                               "exclude": req.exclude, "max_file_kb": req.max_file_kb,
                               "chunk_tokens": req.chunk_tokens, "llm": req.llm},
        "generation": {"mode": MODE, "target": 0, "concurrency": req.concurrency,
                       "agent": agent, **({"batch": {"retry": req.batch_retry or "batch"}}
                                          if req.batch else {})}})
    src = SourceStore(ctx.store)
    result = PrepareResult(ds.name)
    result.run_id = ctx.store.start_run(RUN_KIND, ds.id, {
        "repos": [s for s, _ in folders], "include": req.include, "exclude": req.exclude,
        "max_file_kb": req.max_file_kb, "llm": req.llm})
    gen = repo_generator(ctx.settings, client) if client is not None else None
    work = _Work()
    status = "done"
    try:
        started = time.monotonic()
        for i, (slug, path) in enumerate(folders):
            if cancel is not None:
                cancel.check()
            report(progress, "select", i, len(folders), slug, started)
            _select(ctx, src, ds, req, slug, path, gen, work, result)
        report(progress, "select", len(folders), len(folders), "files selected", started)
        if gen is not None and work.chunks:
            if not req.confirmed:
                _check_budget(ctx, agent, len(work.chunks), req.batch)
            gen.origins.update(work.origins)
            batch = ({"agent": agent, "retry": req.batch_retry, "run_id": result.run_id}
                     if req.batch else None)
            stats = _run(ctx, ds, gen, client, req.concurrency, work.chunks, False, progress,
                         cancel, batch)
            result.stats["generation"] = stats.to_dict()
            result.samples_added += stats.samples_added
    except Cancelled:
        status = "cancelled"
        raise
    except Exception as e:
        status = "failed"
        result.stats["error"] = ctx.settings.redact(str(e))
        raise
    finally:
        _settle(ctx, src, ds, work, result)
        result.samples_added += result.pairs_added
        result.stats["dataset_samples"] = ctx.store.get_dataset(ds.name).total_samples
        ctx.store.finish_run(result.run_id, status, result.to_dict(),
                             result.stats.get("error", ""))
    return result


# --- retry -----------------------------------------------------------------------------------
def is_repos_dataset(ctx: AppContext, name: str) -> bool:
    ds = ctx.store.find_dataset(name)
    return ds is not None and ds.mode == MODE


def retry_prepare(ctx: AppContext, name: str, progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None, confirmed: bool = False) -> PrepareResult:
    """``ftb retry NAME`` for a repository dataset: only the files that failed (and pieces a
    cut-short run left) are asked again, from what was recorded (the checkout is not read).

    Raises:
        NotFoundError: no dataset ``name``.
        MissingKeyError, ProviderError, Cancelled, BudgetExceeded: as for prepare.
    """
    ds = ctx.store.get_dataset(name)
    src = SourceStore(ctx.store)
    rows = [r for r in src.files(ds.id).values() if r.status in ("failed", "pending")]
    result = PrepareResult(ds.name)
    work = _Work(files={r.source: r for r in rows},
                 origins={r.source: Origin(r.repo, r.commit, r.path) for r in rows})
    result.repos = [RepoReport(repo) for repo in sorted({r.repo for r in rows})]
    if not rows:
        result.stats["dataset_samples"] = ds.total_samples
        return result
    agent = (ds.config.get("generation") or {}).get("agent") or {}
    if not confirmed:
        states = ctx.store.work_states(ds.id)
        _check_budget(ctx, agent, sum(states.get(k, ("pending", 0))[0] != "done"
                                      for r in rows for k in r.items))
    client = agent_client(ctx.settings, agent)
    gen = repo_generator(ctx.settings, client, work.origins)
    reset = ctx.store.reset_work(ds.id, ("failed",))
    result.run_id = ctx.store.start_run(RUN_KIND, ds.id, {"retry": True, "reset_items": reset})
    status = "done"
    try:
        stats = _run(ctx, ds, gen, client, (ds.config.get("generation") or {}).get(
            "concurrency"), [], True, progress, cancel)
        result.stats["generation"] = stats.to_dict()
        result.samples_added = stats.samples_added
    except Cancelled:
        status = "cancelled"
        raise
    except FtbError as e:
        status = "failed"
        result.stats["error"] = ctx.settings.redact(str(e))
        raise
    finally:
        _settle(ctx, src, ds, work, result)
        result.stats["reset_items"] = reset
        result.stats["dataset_samples"] = ctx.store.get_dataset(ds.name).total_samples
        ctx.store.finish_run(result.run_id, status, result.to_dict(),
                             result.stats.get("error", ""))
    return result
