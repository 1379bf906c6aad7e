"""Use case: an LLM build through a provider's batch API (``ftb build --batch``,
``ftb batches``, ``ftb batches collect``, the app's batch mode). See docs/scale.md.

A :class:`BatchRun` works in rounds. First it collects the dataset's batches that are not
collected yet (sent by this run or by an earlier process, killed or not): polled with backoff
until they end, their replies written to the response cache and the batch marked collected
in ONE transaction, then turned into samples by the same runner as a live build
(agents/runner.py) answering from that cache (parsing, duplicates, token limits, the size cap
and the item's status committed together, per item). Items the provider failed or expired
are retried as the user chose: in a new batch (``batch``, at most :data:`MAX_BATCHES_PER_ITEM`
times each) or live (``live``). Then, while the dataset is short of its size, it picks the
next work items (those neither done, nor in a batch, nor answered already), records them
and a batch row (state "submitting") in the store, sends them, and stores the provider's
batch id at once. So a process killed at any point and run again never sends the same work
twice: what was sent is found in the store and collected.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ftbuilder.agents.accounting import RunStats
from ftbuilder.agents.create import Generator, Task
from ftbuilder.agents.runner import Job, RunOptions, run_job, task_order
from ftbuilder.backends.base import LLMClient, LLMRequest, LLMResponse
from ftbuilder.backends.batch import (
    ERRORED,
    SUCCEEDED,
    BatchInfo,
    BatchItem,
    BatchProcessor,
    ItemResult,
    processor_for,
)
from ftbuilder.backends.cache import CachedClient
from ftbuilder.backends.common import REDACTED
from ftbuilder.backends.prices import agent_price, batch_price
from ftbuilder.core.errors import Cancelled, ProviderError, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.ingest.chunking import Chunk
from ftbuilder.services.agent import client_options
from ftbuilder.services.context import AppContext

RETRY_CHOICES = ("batch", "live")
MAX_BATCHES_PER_ITEM = 3  # an item failed by this many batches is marked failed
OVERSHOOT = 1.25  # items sent per sample still needed / samples per call
MAX_ROUNDS = 6  # batches sent by one build at most (each round may take up to 24 h)
MISSING = "batch_missing"


@dataclass
class BatchSettings:
    """How batches are run: ``retry`` failed items in a new batch or live; ``collect_only``
    sends no new work (``ftb batches collect``); polls start every ``poll`` seconds and
    slow down by half each time up to ``poll_max`` (``FTB_BATCH_POLL_S`` sets ``poll``)."""

    retry: str = "batch"
    collect_only: bool = False
    poll: float = 10.0
    poll_max: float = 300.0


def batch_settings(ctx: AppContext, retry: str | None = None,
                   collect_only: bool = False) -> BatchSettings:
    """The settings for a batch run.

    Raises:
        UsageError: ``retry`` is not one of batch, live; FTB_BATCH_POLL_S is not a number.
    """
    retry = retry or "batch"
    if retry not in RETRY_CHOICES:
        raise UsageError(f"unknown --batch-retry '{retry}'", "use batch or live")
    raw = ctx.settings.env("FTB_BATCH_POLL_S")
    try:
        poll = float(raw) if raw else 10.0
    except ValueError:
        raise UsageError(f"FTB_BATCH_POLL_S is not a number ({raw!r})",
                         "set it to the seconds between polls, e.g. 30") from None
    return BatchSettings(retry, collect_only, max(0.01, poll), max(poll, 300.0))


def check_batch(ctx: AppContext, mode: str, agent: dict[str, Any],
                retry: str | None = None) -> None:
    """What ``--batch`` needs before anything is written.

    Raises:
        UsageError: identify mode, a fleet of endpoints, or a bad ``retry``.
        ProviderError: the agent backend has no batch API (llama).
    """
    if mode == "identify":
        raise UsageError("--batch is for the generating modes (create, hybrid, free)",
                         "drop --batch, or use --mode create")
    if agent.get("base_urls") and len(agent["base_urls"]) > 1:
        raise UsageError("--batch and several --base-url do not go together",
                         "a fleet of servers is asked live; drop one of the two")
    batch_settings(ctx, retry)
    choice, options = client_options(ctx.settings, agent.get("provider"), agent.get("model"),
                                     agent.get("base_url"))
    processor_for(choice.provider, options)


class _Replay(LLMClient):
    """Stands for the live client in the runner: every reply comes from the response cache
    (where collected batch results were written); a miss is an error, never a live call."""

    def __init__(self, live: LLMClient) -> None:
        super().__init__(live.model)
        self.backend = live.backend
        self.base_url = getattr(live, "base_url", "")
        self.default_base_url = getattr(live, "default_base_url", "")
        self.completion_style = bool(getattr(live, "completion_style", False))

    async def agenerate(self, request: LLMRequest) -> LLMResponse:
        raise ProviderError("the batch reply of this item is not in the store (the prompts "
                            "changed since the batch was sent?)",
                            "run the build again: the item is sent in a new batch",
                            kind=MISSING)


def merge(into: RunStats, s: RunStats) -> None:
    """Add sub-run ``s``'s counts to ``into`` (``failures`` is shared: the generator's)."""
    for f in ("samples_added", "requests", "cache_hits", "prompt_tokens", "completion_tokens",
              "items_done", "items_failed", "items_skipped", "surplus"):
        setattr(into, f, getattr(into, f) + getattr(s, f))
    into.failed_by.update(s.failed_by)
    into.by_source.update(s.by_source)
    if s.stopped and s.stopped not in ("no more work", "target reached"):
        into.stopped = s.stopped


def batch_token(row: dict[str, Any]) -> str:
    """A stable tag of a batch row (sent as metadata): finds the batch at the provider when
    the process stopped before its id was stored."""
    raw = f"{row['dataset_id']}\x1f{row['id']}\x1f" + "\x1f".join(sorted(row["custom_ids"]))
    return hashlib.sha256(raw.encode()).hexdigest()[:24]


class BatchRun:
    """One batch build (or collect) of a dataset; see the module docstring.

    Args:
        live_opts: the options of a live run (spec, limiter, redaction; its ``stats`` is
            filled with the whole run's accounting).
    """

    def __init__(self, ctx: AppContext, dataset_id: int, name: str, gen: Generator,
                 client: LLMClient, agent: dict[str, Any], live_opts: RunOptions,
                 settings: BatchSettings, chunks: list[Chunk], target: int,
                 run_id: int | None = None, progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> None:
        self.ctx, self.store = ctx, ctx.store
        self.ds, self.name, self.gen, self.client = dataset_id, name, gen, client
        self.agent, self.opts, self.bs = agent, live_opts, settings
        self.chunks, self.target, self.run_id = chunks, target, run_id
        self.progress, self.cancel = progress, cancel
        self.stats = live_opts.stats if live_opts.stats is not None else RunStats(
            failures=gen.failures)
        live_opts.stats = self.stats
        self.keys = CachedClient(client, self.store, write_through=False)
        self.batch = {"batches": [], "sent": 0, "succeeded": 0, "failed": 0,
                      "prompt_tokens": 0, "completion_tokens": 0, "retry": settings.retry}
        choice, self.options = client_options(ctx.settings, agent.get("provider"),
                                              agent.get("model"), agent.get("base_url"))
        self.provider = choice.provider
        processor_for(self.provider, self.options)  # no batch API: say so before anything

    # --- helpers ------------------------------------------------------------------------
    def _processor(self) -> BatchProcessor:
        return processor_for(self.provider, self.options)

    def _async(self, fn: Callable[[BatchProcessor], Any]) -> Any:
        async def main() -> Any:
            p = self._processor()
            try:
                return await fn(p)
            finally:
                await p.aclose()

        return asyncio.run(main())

    def _have(self) -> int:
        return self.store.count_samples_meta(self.ds, **self.gen.scope)

    def _check(self, batch_id: str = "") -> None:
        if self.cancel is not None and self.cancel.cancelled:
            what = f"batch {batch_id} keeps running at {self.provider}; " if batch_id else ""
            raise Cancelled(f"cancelled: {what}samples made so far are kept",
                            f"`ftb batches collect {self.name}` (or the same build again) "
                            "reads its results; nothing is sent twice")

    # --- the run ------------------------------------------------------------------------
    def run(self) -> RunStats:
        """Collect what was sent, then send and collect rounds until the size is reached."""
        self.stats.target, self.stats.existing = self.target, self._have()
        self.stats.agent = f"{self.client.describe()} (batch API)"
        self.stats.price = batch_price(agent_price(self.provider, self.options.model))
        try:
            self.collect_open()
            rounds = 0
            while not self.bs.collect_only and self._have() < self.target:
                if rounds >= MAX_ROUNDS:
                    self.stats.stopped = f"stopped after {rounds} batches"
                    break
                tasks = self._next_tasks(self.target - self._have())
                if not tasks:
                    self.stats.stopped = self.stats.stopped or "no more work"
                    break
                self.submit(tasks)
                self.collect_open()
                rounds += 1
        finally:
            self.stats.requests += self.batch["sent"]
            self.stats.prompt_tokens += self.batch["prompt_tokens"]
            self.stats.completion_tokens += self.batch["completion_tokens"]
            self.stats.elapsed = time.monotonic() - self.stats.started
        if self._have() >= self.target:
            self.stats.stopped = "target reached"
        return self.stats

    def _batched_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.store.batches(self.ds):
            for cid in row["custom_ids"]:
                counts[cid] = counts.get(cid, 0) + 1
        return counts

    def _next_tasks(self, needed: int) -> list[Task]:
        """Items to send: not done or failed, not sent too often, no reply already stored
        (those are turned into samples now, without a batch)."""
        n = math.ceil(needed / max(1, self.gen.per_call) * OVERSHOOT)
        states = self.store.work_states(self.ds)
        sent = self._batched_counts()
        ready, fresh = [], []
        for task in task_order(self.gen, self.chunks, self.target):
            status, attempts = states.get(task.key, ("", 0))
            if status in ("done", "failed"):
                continue
            if sent.get(task.key, 0) >= MAX_BATCHES_PER_ITEM:
                self.store.commit_work(self.ds, task.key, [], task.to_payload(), "failed",
                                       f"no reply after {MAX_BATCHES_PER_ITEM} batches")
                continue
            if self.keys.lookup(self.gen.request(task, attempts)) is not None:
                ready.append(task)
                continue
            fresh.append(task)
            if len(fresh) >= min(n, self._processor().max_requests):
                break
        if ready:
            self._replay(ready)
            still = self.target - self._have()
            fresh = fresh[:math.ceil(max(0, still) / max(1, self.gen.per_call) * OVERSHOOT)]
        return fresh

    # --- sending ------------------------------------------------------------------------
    def submit(self, tasks: list[Task], round_: int = 0) -> int:
        """Record ``tasks`` and a batch row, send them, store the batch id. Returns the row."""
        states = self.store.work_states(self.ds)
        items, ids = [], {}
        for t in tasks:
            request = self.gen.request(t, states.get(t.key, ("", 0))[1])
            items.append(BatchItem(t.key, request))
            ids[t.key] = self.keys.key(request)
        self.store.add_work_items(self.ds, [(t.key, t.to_payload()) for t in tasks])
        row_id = self.store.add_batch(self.ds, self.run_id, self.provider, self.options.model,
                                      self.options.base_url or "", ids, round_)
        row = next(r for r in self.store.batches(self.ds) if r["id"] == row_id)
        meta = {"ftb_dataset": self.name[:64], "ftb_batch": batch_token(row)}
        report(self.progress, "batch", 0, len(items),
               f"sending {len(items)} requests to the {self.provider} batch API")
        try:
            info: BatchInfo = self._async(lambda p: p.submit(items, meta))
        except ProviderError as e:
            self.store.update_batch(row_id, state="failed", error=str(e)[:500], collected=True)
            raise
        self.store.update_batch(row_id, batch_id=info.id, state=info.state, counts=info.counts)
        self.batch["batches"].append(info.id)
        self.batch["sent"] += len(items)
        return row_id

    # --- collecting ---------------------------------------------------------------------
    def collect_open(self) -> None:
        for row in self.store.batches(self.ds, open_only=True):
            self._collect(row)

    def _collect(self, row: dict[str, Any]) -> None:
        if not row["batch_id"]:
            found = self._async(lambda p: p.find(batch_token(row)))
            if found is None:
                # stopped while sending: the provider has no batch of ours (or we cannot
                # tell); its items are sent again in the next round
                self.store.update_batch(row["id"], state="not_sent", collected=True,
                                        error="the process stopped while sending it")
                return
            self.store.update_batch(row["id"], batch_id=found.id, state=found.state)
            row = {**row, "batch_id": found.id}
        if row["batch_id"] not in self.batch["batches"]:
            self.batch["batches"].append(row["batch_id"])
        info = self._async(lambda p: self._poll(p, row))
        results: list[ItemResult] = self._async(lambda p: p.results(info))
        ids: dict[str, str] = row["custom_ids"]
        by_id = {r.custom_id: r for r in results if r.custom_id in ids}
        good = [r for r in by_id.values() if r.outcome == SUCCEEDED and r.response is not None]
        rows = [(ids[r.custom_id], self.client.backend, self.client.model,
                 self.ctx.settings.redact(r.response.text, REDACTED),  # type: ignore[union-attr]
                 r.response.prompt_tokens, r.response.completion_tokens)  # type: ignore[union-attr]
                for r in good]
        failed = [cid for cid in ids if cid not in {r.custom_id for r in good}]
        counts = {**info.counts, "succeeded": len(good), "failed": len(failed)}
        self.store.collect_batch(row["id"], info.state, counts, rows)
        self.batch["succeeded"] += len(good)
        self.batch["failed"] += len(failed)
        self.batch["prompt_tokens"] += sum(r[4] for r in rows)
        self.batch["completion_tokens"] += sum(r[5] for r in rows)
        errors = {r.custom_id: r.error for r in by_id.values() if r.outcome == ERRORED}
        report(self.progress, "batch", len(good), len(ids),
               f"batch {row['batch_id']} {info.state}: {len(good)} replies, "
               f"{len(failed)} to retry ({self.bs.retry})")
        pending = {k: p for k, p, _ in self.store.work_items(self.ds, ["pending"])}
        self._replay([Task.from_payload(pending[r.custom_id]) for r in good
                      if r.custom_id in pending])
        retry = [Task.from_payload(pending[c]) for c in failed if c in pending]
        if not retry:
            return
        if self.bs.retry == "live":
            self._live(retry)
        elif self.bs.collect_only:
            sent = self._batched_counts()
            again = [t for t in retry if sent.get(t.key, 0) < MAX_BATCHES_PER_ITEM]
            for t in retry:
                if t not in again:
                    self.store.commit_work(self.ds, t.key, [], t.to_payload(), "failed",
                                           errors.get(t.key) or "no reply from the batch")
            if again:
                new = self.submit(again, row["round"] + 1)
                self._collect(next(r for r in self.store.batches(self.ds) if r["id"] == new))
        # else: still pending; the next round sends them in a new batch

    async def _poll(self, p: BatchProcessor, row: dict[str, Any]) -> BatchInfo:
        delay, started = self.bs.poll, time.monotonic()
        while True:
            self._check(row["batch_id"])
            info = await p.retrieve(row["batch_id"])
            self.store.update_batch(row["id"], state=info.state, counts=info.counts)
            done = sum(v for k, v in info.counts.items()
                       if k in ("completed", "succeeded", "errored", "expired", "failed"))
            report(self.progress, "batch", done, len(row["custom_ids"]),
                   f"batch {row['batch_id']}: {info.state}", started)
            if info.terminal:
                return info
            until = time.monotonic() + delay
            while time.monotonic() < until:
                self._check(row["batch_id"])
                await asyncio.sleep(min(0.2, max(0.0, until - time.monotonic())))
            delay = min(self.bs.poll_max, delay * 1.5)

    def _sub(self, tasks: list[Task], client: LLMClient, opts: RunOptions) -> None:
        sub = RunStats(failures=self.gen.failures)
        opts = replace(opts, stats=sub)
        try:
            run_job(self.store, client, Job(self.ds, self.gen, self.chunks, self.target,
                                            tasks=tasks), opts, self.progress, self.cancel)
        finally:
            merge(self.stats, sub)

    def _replay(self, tasks: list[Task]) -> None:
        """Samples from the stored replies of ``tasks`` (no call is made)."""
        if tasks:
            replay = CachedClient(_Replay(self.client), self.store, write_through=False)
            self._sub(tasks, replay, replace(self.opts, max_retries=0, limiter=None,
                                             price=None, concurrency=8))

    def _live(self, tasks: list[Task]) -> None:
        """``--batch-retry live``: the items a batch failed, asked live (with retries)."""
        self._sub(tasks, self.client, self.opts)


def list_batches(ctx: AppContext, name: str | None = None) -> list[dict[str, Any]]:
    """The batches in the store (of dataset ``name``, or all), oldest first, each with its
    dataset's name, item count and whether it is still open (not collected).

    Raises:
        NotFoundError: no dataset ``name``.
    """
    ds_id = ctx.store.get_dataset(name).id if name else None
    names = {d.id: d.name for d in ctx.store.list_datasets()}
    out = []
    for row in ctx.store.batches(ds_id):
        row["dataset"] = names.get(row["dataset_id"], "?")
        row["items"] = len(row.pop("custom_ids"))
        out.append(row)
    return out


def open_datasets(ctx: AppContext) -> list[str]:
    """Names of the datasets with batches not collected yet."""
    names = {d.id: d.name for d in ctx.store.list_datasets()}
    return list(dict.fromkeys(names[r["dataset_id"]] for r in ctx.store.batches(open_only=True)
                              if r["dataset_id"] in names))
