"""``ftb judge`` and the Curate screen's judge: score every sample 1-10 with an LLM against
``prompts/system/judge.txt`` and keep the score and its reason on the sample
(``meta.judge`` = {score, reason, model}); samples under the threshold get the flag
``judge`` (reason "score N < T: ..."), or are removed with ``drop`` (store backed up first).

The backend, concurrency, rate limits, response cache and price are the builds' own
(:mod:`ftbuilder.services.generate`): ``--agent-provider``/``--agent-model``/``--base-url``
choose the judge as they choose a build's writer.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.agents.accounting import RunStats
from ftbuilder.agents.prompts import load_prompt
from ftbuilder.core.errors import Cancelled, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation
from ftbuilder.services.context import AppContext

FLAG = "judge"


@dataclass
class JudgeReport:
    """Scores of one judge pass; ``scores`` counts samples per score (1-10)."""

    dataset: str
    agent: str
    threshold: int
    judged: int = 0
    failed: int = 0
    below: int = 0
    removed: int = 0
    cached: int = 0
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    scores: dict[int, int] = field(default_factory=dict)
    lowest: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    backup: str | None = None
    remaining: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def judge_dataset(ctx: AppContext, name: str, agent_provider: str | None = None,
                  agent_model: str | None = None, base_url: str | None = None,
                  threshold: int | None = None, drop: bool = False,
                  concurrency: int | None = None, progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None) -> JudgeReport:
    """Score every sample of ``name``; flag (or ``drop``) those under ``threshold``.

    Raises:
        NotFoundError: no dataset ``name``.
        UsageError: threshold outside 1-10.
        ConfigError: prompts/system/judge.txt missing or empty.
        MissingKeyError: the judge backend needs a key that is not set.
        Cancelled: scores received before the cancel are kept.
    """
    from ftbuilder.agents import judge as agent
    from ftbuilder.services.agent import agent_client, run_options

    threshold = ctx.settings.config.quality.judge_threshold if threshold is None else threshold
    if not 1 <= threshold <= 10:
        raise UsageError(f"--threshold must be 1-10, got {threshold}", "e.g. --threshold 6")
    ds = ctx.store.get_dataset(name)
    rubric = load_prompt(ctx.settings.prompts_dir, "judge")
    client = agent_client(ctx.settings, {"provider": agent_provider, "model": agent_model,
                                         "base_url": base_url})
    opts = run_options(ctx.settings, client, None, concurrency)
    stats = RunStats(price=opts.price, agent=client.describe())
    rep = JudgeReport(ds.name, client.describe(), threshold)
    convs = list(ctx.store.iter_samples(ds.id))
    scores: Counter[int] = Counter()
    updates: list[tuple[int, dict[str, Any]]] = []
    low: list[int] = []
    lock = threading.Lock()

    def done(conv: Conversation, v: Any) -> None:
        with lock:
            if v.score is None:
                rep.failed += 1
                if len(rep.errors) < 5:
                    rep.errors.append(f"sample {conv.id}: {v.error}")
                return
            rep.judged += 1
            scores[v.score] += 1
            conv.meta["judge"] = agent.verdict_meta(v, client.model)
            flags = [f for f in conv.meta.get("flags") or [] if f != FLAG]
            reasons = {k: r for k, r in (conv.meta.get("flag_reasons") or {}).items()
                       if k != FLAG}
            if v.score < threshold:
                low.append(conv.id or 0)
                flags.append(FLAG)
                reasons[FLAG] = f"score {v.score} < {threshold}: {v.reason}"
            conv.meta["flags"], conv.meta["flag_reasons"] = flags, reasons
            if not flags:
                conv.meta.pop("flags")
            if not reasons:
                conv.meta.pop("flag_reasons")
            updates.append((conv.id or 0, conv.meta))
            report(progress, "judge", rep.judged + rep.failed, len(convs),
                   f"{len(low):,} under {threshold}")

    def cancelled() -> bool:
        return cancel is not None and cancel.cancelled

    report(progress, "judge", 0, len(convs), f"asking {client.describe()}")
    try:
        agent.judge(client, ctx.store, convs, rubric, opts.concurrency, opts.limiter, stats,
                    done, cancelled)
    finally:
        ctx.store.update_meta(updates)
    if cancelled():
        raise Cancelled(f"cancelled: {rep.judged} scores kept", "run ftb judge again: "
                        "scored samples are answered from the cache")
    rep.scores = dict(sorted(scores.items()))
    rep.below = len(low)
    rep.cached, rep.requests = stats.cache_hits, stats.requests
    rep.prompt_tokens, rep.completion_tokens = stats.prompt_tokens, stats.completion_tokens
    rep.cost = stats.cost
    by_id = {c.id: c for c in convs}
    rep.lowest = [{"id": i, "score": by_id[i].meta["judge"]["score"],
                   "reason": by_id[i].meta["judge"]["reason"]}
                  for i in sorted(low, key=lambda i: by_id[i].meta["judge"]["score"])[:10]]
    if drop and low:
        backup = ctx.store.backup(reason="judge")
        rep.backup = str(backup) if backup else None
        rep.removed = ctx.store.delete_samples(ds.id, low)
    rep.remaining = ctx.store.count_samples(ds.id)
    return rep
