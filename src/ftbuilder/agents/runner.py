"""Run generation tasks against the agent LLM at scale: async, bounded, resumable, accounted.

A :class:`Job` is a dataset, a :class:`~ftbuilder.agents.create.Generator` and the chunks it
works on; tasks are (chunk, variant) pairs visited round by round until the dataset holds
``target`` samples of the generator's scope. ``concurrency`` workers share one event loop,
one store connection and one HTTP client. Each task:

1. is registered as a pending work item (``work_items``), unless already known: in the
   next transaction the run commits (any item's), not one of its own;
2. asks the LLM through the response cache (a resumed run repeats no call) and the
   per-backend rate limiter; a new reply is written to the cache in the same transaction
   as the item's result (a reply is never committed apart from what was made of it);
3. parses the reply tolerantly; an unusable reply is asked again with another seed, at most
   ``1 + system.max_retries`` times (chat backends already retry bad JSON themselves: 2);
4. drops conversations that repeat a question already in the dataset or exceed the target
   model's token limit, caps them at what the target still needs, and commits them together
   with the item's "done" status in ONE transaction.

A killed run therefore resumes exactly: done items are skipped and their replies are in the
cache; in-flight ones are asked again (their replies were not committed with anything).
Failures are counted by reason; items that failed are re-run by ``ftb retry``.
A weak model gives fewer samples: a long streak of tasks adding nothing stops the run, a
shorter streak of items with no usable reply at all (``max(8, 2 * concurrency)``, whatever
the number of chunks) stops it sooner, and a streak of backend errors aborts it with the
backend's message.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ftbuilder.agents.accounting import (
    DUPLICATE,
    OVER_LIMIT,
    PROVIDER_ERROR,
    RunStats,
)
from ftbuilder.agents.create import CHAT, Generator, Task
from ftbuilder.agents.curation import curate as _curate
from ftbuilder.agents.curation import interleave as _interleave
from ftbuilder.agents.curation import near_index as _near_index
from ftbuilder.agents.parsing import EMPTY, INVALID_JSON
from ftbuilder.backends.base import LLMClient, LLMResponse
from ftbuilder.backends.cache import CachedClient, CacheRow
from ftbuilder.backends.common import REDACTED
from ftbuilder.backends.prices import AgentPrice
from ftbuilder.backends.ratelimit import RateLimiter
from ftbuilder.core.errors import Cancelled, ProviderError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.redact import MARK
from ftbuilder.core.types import Conversation, ModelSpec
from ftbuilder.ingest.chunking import Chunk
from ftbuilder.ingest.chunking import count_tokens as count_tokens_text
from ftbuilder.store.db import Store

_NORM_RE = re.compile(r"[\W_]+", re.UNICODE)


def question_key(text: str) -> str:
    """A user message reduced for near-duplicate checks: lowercase letters and digits."""
    return _NORM_RE.sub(" ", text.lower()).strip()


@dataclass
class Job:
    """What to generate: ``target`` samples of ``generator.scope`` in ``dataset_id``.

    ``retry``: run only the recorded items that failed or never finished.
    ``tasks``: run exactly these tasks (in order) instead of the rounds over ``chunks``
    (a provider batch's items, services/batch.py).
    """

    dataset_id: int
    generator: Generator
    chunks: list[Chunk]
    target: int
    retry: bool = False
    tasks: list[Task] | None = None


def task_order(gen: Generator, chunks: list[Chunk], target: int) -> Iterator[Task]:
    """The tasks of a run, in the order they are visited: round by round over ``chunks``
    (each round a new variant), as many rounds as ``target`` may need."""
    if not chunks:
        return
    if gen.nonce:  # each dataset visits its documents in its own order (README "Curation")
        chunks = _interleave(chunks, gen.nonce)
    per_round = max(1, gen.per_call * len(chunks))
    rounds = gen.rounds or max(len(gen.angles), 3 * math.ceil(target / per_round) + 2)
    for variant in range(rounds):
        for chunk in chunks:
            yield gen.task(chunk, variant)


@dataclass
class RunOptions:
    concurrency: int = 4
    max_retries: int = 3
    limiter: RateLimiter | None = None
    spec: ModelSpec | None = None  # the target model: token counts and limit
    price: AgentPrice | None = None
    progress_every: float = 0.25
    stats: RunStats | None = None  # filled in place (kept by the caller if the run raises)
    # build-time curation (README "Curation"): grounding "flag" | "drop" | "off"; the
    # built-in prompts' few-shot examples (dropped); near-duplicate threshold (0 = off)
    grounding: str = "off"
    examples: frozenset[str] = frozenset()
    near_threshold: float = 0.0
    # removes the configured keys from a text: redact(text, mark) (Settings.redact); by
    # default the client's own redaction when it has one
    redact: Callable[[str, str], str] | None = None


# A key or model the backend refuses fails every call the same way: stop at the first one.
FATAL_KINDS = frozenset({"auth", "permission", "not_found"})


def _bad_output(err: ProviderError) -> bool:
    return err.kind == "bad_output"


class _Usage:
    """What the backend was really asked: every HTTP attempt (retries and unusable replies
    included) and their tokens, read from the client's own counters when it keeps them
    (backends' ClientStats), else counted per answered call."""

    def __init__(self, client: LLMClient) -> None:
        inner = client.inner if isinstance(client, CachedClient) else client
        self.counters = getattr(inner, "stats", None)
        if not all(hasattr(self.counters, a) for a in ("requests", "prompt_tokens",
                                                       "completion_tokens")):
            self.counters = None
        self.base = self._now()

    def _now(self) -> tuple[int, int, int]:
        c = self.counters
        return (c.requests, c.prompt_tokens, c.completion_tokens) if c is not None else (0, 0, 0)

    def sync(self, stats: RunStats, response: LLMResponse | None) -> None:
        """Update ``stats`` after a call (``response`` None: the call raised)."""
        if self.counters is None:
            if response is not None and not response.cached:
                stats.requests += 1
                stats.prompt_tokens += response.prompt_tokens
                stats.completion_tokens += response.completion_tokens
            return
        now = self._now()
        stats.requests, stats.prompt_tokens, stats.completion_tokens = (
            a - b for a, b in zip(now, self.base, strict=True))


def count_tokens(convs: list[Conversation], spec: ModelSpec | None) -> None:
    """Set ``token_count`` of each conversation for the target model."""
    if spec is None or not convs:
        return
    from ftbuilder.tokens import count_many

    for c, tc in zip(convs, count_many(convs, spec), strict=True):
        c.token_count = tc.total


def _load_tokenizers(spec: ModelSpec | None, prompt_counts: bool) -> None:
    """Load the tokenizers a run needs (about a second each, off the event loop)."""
    if spec is not None:
        from ftbuilder.tokens import counter_for

        counter_for(spec)
    if prompt_counts:
        count_tokens_text("")


class _Run:
    def __init__(self, store: Store, client: CachedClient, job: Job, opts: RunOptions,
                 progress: ProgressFn | None, cancel: CancelToken | None) -> None:
        self.store, self.client, self.job, self.opts = store, client, job, opts
        self.gen = job.generator
        self.progress, self.cancel = progress, cancel
        self.stats = opts.stats if opts.stats is not None else RunStats()
        self.stats.target, self.stats.agent = job.target, client.describe()
        self.stats.price, self.stats.started = opts.price, time.monotonic()
        self.stats.existing = store.count_samples_meta(job.dataset_id, **self.gen.scope)
        self.states = store.work_states(job.dataset_id)
        self.seen = {question_key(t) for t in store.first_user_messages(job.dataset_id)}
        self.near = _near_index(store, job.dataset_id, opts.near_threshold)
        self.max_attempts = 1 + opts.max_retries if self.gen.style != CHAT else \
            1 + min(1, opts.max_retries)
        self.inflight = 0
        self.finished = 0
        self.yielded = 0
        self.dry = 0
        self.unusable = 0  # items in a row whose every reply was unusable
        self.bad_backend = 0
        self.fatal: ProviderError | None = None
        self.stop = False
        self.cond = asyncio.Condition()
        self.tasks = self._tasks()
        self._last_report = 0.0
        self._warm: asyncio.Task[None] | None = None
        self.usage = _Usage(client)
        inner = client.inner if isinstance(client, CachedClient) else client
        self._redact = opts.redact or getattr(inner, "redact", None)
        self.unregistered: list[tuple[str, dict[str, Any]]] = []  # pending, not yet written

    # --- which tasks, in what order ------------------------------------------------------------
    def _tasks(self) -> Iterator[Task]:
        if self.job.tasks is not None:
            yield from self.job.tasks
            return
        if self.job.retry:
            for _key, payload, _attempts in self.store.work_items(self.job.dataset_id,
                                                                  ["pending"]):
                yield Task.from_payload(payload)
            return
        yield from task_order(self.gen, self.job.chunks, self.job.target)

    @property
    def needed(self) -> int:
        return self.job.target - self.stats.total

    def _expected(self) -> float:
        per_task = self.yielded / self.finished if self.finished >= 4 else self.gen.per_call
        return self.inflight * max(per_task, 0.25)

    async def _next(self) -> Task | None:
        async with self.cond:
            while True:
                if self.stop:
                    return None
                if self.needed <= 0:
                    self.stop = True
                    self.stats.stopped = "target reached"
                    return None
                if self.inflight and self._expected() >= self.needed:
                    await self.cond.wait()
                    continue
                task = next(self.tasks, None)
                if task is None:
                    if self.inflight:
                        await self.cond.wait()  # a running task may still fall short
                        continue
                    self.stats.stopped = self.stats.stopped or "no more work"
                    return None
                status = self.states.get(task.key, ("", 0))[0]
                if status == "done" or (status == "failed" and not self.job.retry):
                    self.stats.items_skipped += 1
                    continue
                self.inflight += 1
                return task

    async def _worker(self) -> None:
        while (task := await self._next()) is not None:
            added = 0
            try:
                added = await self._process(task)
            finally:
                async with self.cond:
                    self.inflight -= 1
                    self.finished += 1
                    self.yielded += added
                    self.cond.notify_all()
            self._report()

    # --- one task --------------------------------------------------------------------------
    async def _ask(self, task: Task, attempt: int) -> LLMResponse:
        request = self.gen.request(task, attempt)
        limiter = self.opts.limiter
        limited = limiter is not None and limiter.active
        if limited:
            # an answer already in the cache costs the backend nothing: no wait for it
            found = self.client.lookup(request)
            if found is not None:
                self.client.hits += 1
                self.stats.cache_hits += 1
                return found
        estimate = 0
        if limited:
            estimate = self.gen.prompt_tokens(request) + request.max_tokens // 4
            await limiter.acquire(estimate)
        try:
            response = await self.client.agenerate(request)
        except ProviderError:
            self.usage.sync(self.stats, None)
            raise
        self.usage.sync(self.stats, response)
        if response.cached:
            self.stats.cache_hits += 1
        elif limited:
            await limiter.settle(estimate, response.prompt_tokens + response.completion_tokens)
        return response

    async def _process(self, task: Task) -> int:
        payload = task.to_payload()
        _, prior = self.states.get(task.key, ("", 0))
        if task.key not in self.states:
            self.unregistered.append((task.key, payload))
            self.states[task.key] = ("pending", 0)
        reason = ""
        for i in range(self.max_attempts):
            try:
                response = await self._ask(task, prior * self.max_attempts + i)
            except ProviderError as e:
                reason = INVALID_JSON if _bad_output(e) else PROVIDER_ERROR
                self.stats.failures[reason] += 1
                self.stats.failed_by[e.kind] += 1
                if reason == INVALID_JSON:
                    self._unusable()
                self.bad_backend = self.bad_backend + 1 if reason == PROVIDER_ERROR else 0
                if e.kind in FATAL_KINDS or self.bad_backend >= max(5, 2 * self.opts.concurrency):
                    self.fatal, self.stop = e, True
                return self._finish(task, payload, [], "failed", f"{reason}: {e}")
            self.bad_backend = 0
            if self._warm is not None and not self._warm.done():
                await self._warm
            parsed = self.gen.parse(response.text)
            if parsed.reason is None or parsed.reason == EMPTY:
                self.unusable = 0  # the model can write what is asked
            if parsed.reason is not None:
                self.stats.failures[parsed.reason] += 1
                reason = parsed.reason
                if parsed.reason == EMPTY and self.gen.style == CHAT:
                    return self._finish(task, payload, [], "done", EMPTY)  # nothing usable there
                continue
            convs = self.gen.conversations(task, parsed)
            if response.finish_reason == "length":
                for c in convs:
                    c.meta["finish_reason"] = "length"
            return self._finish(task, payload, self._keep(convs), "done", "")
        self._unusable()
        self.stats.failed_by[reason] += 1
        return self._finish(task, payload, [], "failed", f"{reason} after "
                                                         f"{self.max_attempts} attempts")

    def _unusable(self) -> None:
        """One more item with no usable reply; stop when they keep coming: every item costs
        up to ``max_attempts`` calls (times the client's own retries), and a model that
        cannot write the JSON asked for will not start on the next chunk."""
        self.unusable += 1
        limit = max(8, 2 * self.opts.concurrency)
        if self.unusable >= limit and not self.stop:
            self.stop = True
            self.stats.stopped = (
                f"stopped early: the last {self.unusable} items got no usable reply (the "
                "agent model does not write the JSON asked for); use a larger or "
                "instruction-tuned model, or lower the temperature")

    def _keep(self, convs: list[Conversation]) -> list[Conversation]:
        fresh = []
        for c in convs:
            first = next((m.content for m in c.messages if m.role == "user"), "")
            q = question_key(first)
            if q in self.seen:
                self.stats.failures[DUPLICATE] += 1
                continue
            reason = _curate(c, self.opts, self.near)
            if reason:
                self.stats.failures[reason] += 1
                continue
            self.seen.add(q)
            fresh.append(c)
            for flag in c.meta.get("flags") or []:
                self.stats.flagged[flag] += 1
        count_tokens(fresh, self.opts.spec)
        limit = self.opts.spec.max_tokens_per_example if self.opts.spec else None
        kept = []
        for c in fresh:
            if limit and c.token_count and c.token_count > limit:
                self.stats.failures[OVER_LIMIT] += 1
            else:
                kept.append(c)
        room = max(0, self.needed)
        self.stats.surplus += max(0, len(kept) - room)
        return kept[:room]

    # --- what is written: never a key -------------------------------------------------------
    def _scrub(self, text: str, mark: str = MARK) -> str:
        return self._redact(text, mark) if self._redact is not None and text else text

    def _scrubbed(self, convs: list[Conversation], cache: list[CacheRow]
                  ) -> tuple[list[Conversation], list[CacheRow]]:
        """The one place samples and replies pass on their way to the store: a key value
        (whole, or a 12+ character piece) in the model's text becomes [REDACTED]."""
        for c in convs:
            for m in c.messages:
                if isinstance(m.content, str):
                    m.content = self._scrub(m.content, REDACTED)
            c.topic_keywords = [self._scrub(k, REDACTED) for k in c.topic_keywords]
        rows = [(k, b, m, self._scrub(text, REDACTED), pt, ct)
                for k, b, m, text, pt, ct in cache]
        return convs, rows

    def _finish(self, task: Task, payload: dict[str, Any], convs: list[Conversation],
                status: str, error: str) -> int:
        register, self.unregistered = self.unregistered, []
        convs, cache = self._scrubbed(convs, self.client.take_unsaved())
        added, dup = self.store.commit_work(self.job.dataset_id, task.key, convs, payload,
                                            status, self._scrub(error), register=register,
                                            cache=cache)
        self.states[task.key] = (status, self.states.get(task.key, ("", 0))[1] + 1)
        self.stats.failures[DUPLICATE] += dup
        self.stats.samples_added += added
        for c in convs:
            if c.id is not None and c.source_file:
                self.stats.by_source[c.source_file] += 1
        if status == "done":
            self.stats.items_done += 1
        else:
            self.stats.items_failed += 1
        self.dry = 0 if added else self.dry + 1
        if self.dry >= max(12, 3 * self.opts.concurrency, len(self.job.chunks)) and not self.stop:
            self.stop = True
            self.stats.stopped = (f"stopped early: the last {self.dry} tasks added no sample "
                                  "(the agent model yields too few usable samples)")
        return added

    # --- progress, cancel, run ---------------------------------------------------------------
    def _report(self, force: bool = False) -> None:
        now = time.monotonic()
        if self.progress is None or (not force and now - self._last_report
                                     < self.opts.progress_every):
            return
        self._last_report = now
        report(self.progress, "generate", min(self.stats.total, self.job.target),
               self.job.target, self.stats.line(), started=self.stats.started)

    async def _watch_cancel(self, workers: list[asyncio.Task[None]]) -> None:
        while True:
            await asyncio.sleep(0.05)
            if self.cancel is not None and self.cancel.cancelled:
                self.stats.stopped = "cancelled"
                for w in workers:
                    w.cancel()
                return

    async def run(self) -> RunStats:
        self._report(force=True)
        limiter = self.opts.limiter
        self._warm = asyncio.create_task(asyncio.to_thread(
            _load_tokenizers, self.opts.spec, limiter is not None and limiter.active))
        workers = [asyncio.create_task(self._worker())
                   for _ in range(max(1, self.opts.concurrency))]
        watcher = asyncio.create_task(self._watch_cancel(workers))
        try:
            results = await asyncio.gather(*workers, return_exceptions=True)
        finally:
            watcher.cancel()
            # items cut short by a cancel stay pending, replies not yet committed are kept
            self.store.add_work_items(self.job.dataset_id, self.unregistered,
                                      cache=self._scrubbed([], self.client.take_unsaved())[1])
            self.unregistered = []
            self.usage.sync(self.stats, None)  # calls cut short by a cancel count too
            await self.client.aclose()
            if not self._warm.done():
                await asyncio.wait([self._warm])
        self.stats.elapsed = time.monotonic() - self.stats.started
        self._report(force=True)
        if self.stats.stopped == "cancelled":
            raise Cancelled(f"cancelled: {self.stats.samples_added} samples made in this run "
                            "are kept", "run the same build again (or ftb retry) to resume")
        for r in results:
            if isinstance(r, BaseException):
                raise r
        if self.fatal is not None and self.fatal.kind in FATAL_KINDS:
            raise ProviderError(self.fatal.message, self.fatal.hint, kind=self.fatal.kind,
                                status=self.fatal.status)
        if self.fatal is not None:
            by = ", ".join(f"{k} {n}" for k, n in self.stats.failed_by.most_common())
            raise ProviderError(f"stopped after {self.bad_backend} failed calls in a row "
                                f"({self.stats.items_failed} work items failed: {by}): "
                                f"{self.fatal.message}", self.fatal.hint,
                                kind=self.fatal.kind, status=self.fatal.status)
        return self.stats


def run_job(store: Store, client: LLMClient, job: Job, opts: RunOptions | None = None,
            progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> RunStats:
    """Generate until ``job.target`` samples of its scope exist (or the work runs out).

    ``client`` is wrapped in the store's response cache unless it already is one.

    Raises:
        Cancelled: ``cancel`` was set; everything committed so far is kept.
        ProviderError: the backend failed many calls in a row (its message and hint).
    """
    cached = client if isinstance(client, CachedClient) else CachedClient(
        client, store, write_through=False)
    if cancel is not None:
        cancel.check()

    async def main() -> RunStats:
        return await _Run(store, cached, job, opts or RunOptions(), progress, cancel).run()

    return asyncio.run(main())
