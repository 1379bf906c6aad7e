"""Curation use cases (``ftb filter``, ``ftb dedup``, ``ftb scrub`` and the Curate screen).

* :func:`filter_dataset` runs content checks (:mod:`ftbuilder.quality.filters.runner`) and
  flags the samples that fail (``meta.flags`` + ``meta.flag_reasons``), or removes them;
* :func:`dedup_dataset` clusters near-duplicates (:mod:`ftbuilder.quality.clusters`) and
  removes all but the best of each cluster;
* :func:`scrub_dataset` replaces PII and secrets with typed placeholders
  (:mod:`ftbuilder.quality.scrub`).

Every change that removes or rewrites samples backs the store up first
(``store.backup(reason=...)``, the newest five kept in ``memory/backups/``), so it can be
undone by copying that file back. ``dry_run`` reports without writing anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.core.errors import UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation
from ftbuilder.quality.filters.base import FilterOptions
from ftbuilder.services.context import AppContext
from ftbuilder.services.engine import (
    LocalEngine,
    RayEngine,
    check_engine,
    filter_findings,
    make_engine,
    resolve_engine,
    signer,
)

BATCH = 2000
RAY_BATCH = 5_000  # samples per Ray job (split in blocks for its workers): progress and
# cancel every ~3 s on 2 CPUs; 20,000 saved ~8 % of the time (measured, docs/scale.md)


@dataclass
class CurateReport:
    """What one curation command did: per reason, how many samples it flagged, removed or
    changed. ``backup`` is the store copy made before a destructive change (undo)."""

    dataset: str
    command: str
    dry_run: bool = False
    action: str = "flag"  # flag | drop | replace
    checked: int = 0
    flagged: int = 0
    removed: int = 0
    changed: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    backup: str | None = None
    remaining: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def filter_options(ctx: AppContext, repo: str | None = None) -> FilterOptions:
    q = ctx.settings.config.quality
    return FilterOptions(min_answer_chars=q.min_answer_chars, max_sample_chars=q.max_sample_chars,
                         repetition_ngram=q.repetition_ngram,
                         max_repeated_share=q.max_repeated_share, languages=list(q.languages),
                         repo_root=repo, prompts_dir=str(ctx.settings.prompts_dir))


def _backup(ctx: AppContext, reason: str) -> str | None:
    path = ctx.store.backup(reason=reason)
    return str(path) if path else None


def _engine(ctx: AppContext, engine: str | None, address: str | None
            ) -> tuple[str, str | None]:
    """The engine of a curation command (the flag, else ``system.engine``) and its Ray
    address, checked before any work: a missing Ray says how to install it."""
    name, address = resolve_engine(ctx.settings, engine, address)
    check_engine(name, address)
    return name, address


@contextmanager
def _started(name: str, address: str | None, progress: ProgressFn | None, stage: str
             ) -> Iterator[LocalEngine | RayEngine]:
    """The engine ``name`` started (a local Ray takes seconds: said), closed after."""
    if name != "local":
        report(progress, stage, 0, 0, "starting Ray")
    eng = make_engine(name, address)
    try:
        yield eng
    finally:
        eng.close()


def filter_dataset(ctx: AppContext, name: str, rules: list[str] | None = None,
                   drop: bool = False, repo: str | None = None, dry_run: bool = False,
                   progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None, engine: str | None = None,
                   ray_address: str | None = None) -> CurateReport:
    """Run content checks on every sample of ``name``; flag (or ``drop``) those that fail.

    ``rules``: rule names (default config ``quality.rules``). Flags of the rules run are
    replaced (a sample that now passes loses its old flag); other flags stay. ``engine``
    ("local" or "ray", default ``system.engine``) is where the rules run; the store gets
    the same flags either way (docs/scale.md).

    Raises:
        NotFoundError: no dataset ``name``.
        UsageError: an unknown rule name or engine.
        FtbError: Ray asked for and not installed, or not reachable.
        Cancelled: nothing is written when cancelled.
    """
    from ftbuilder.quality.filters import runner

    names = runner.check_rules(rules if rules is not None else
                               ctx.settings.config.quality.rules)
    engine, ray_address = _engine(ctx, engine, ray_address)
    ds = ctx.store.get_dataset(name)
    with _started(engine, ray_address, progress, "filter") as eng:
        return _filter(ctx, ds, names, drop, repo, dry_run, progress, cancel, eng)


def _filter(ctx: AppContext, ds: Any, names: list[str], drop: bool, repo: str | None,
            dry_run: bool, progress: ProgressFn | None, cancel: CancelToken | None,
            eng: LocalEngine | RayEngine) -> CurateReport:
    from ftbuilder.quality.filters import runner

    total = ds.total_samples
    opts = filter_options(ctx, repo)
    rep = CurateReport(ds.name, "filter", dry_run, "drop" if drop else "flag",
                       settings={"rules": names, "engine": eng.name})
    outcome = runner.FilterOutcome()
    updates: list[tuple[int, dict[str, Any]]] = []
    flagged_ids: list[int] = []
    batch: list[Conversation] = []
    size = BATCH if eng.name == "local" else RAY_BATCH

    def flush() -> None:
        before = [(c.meta.get(runner.FLAGS), c.meta.get(runner.REASONS)) for c in batch]
        found = None if eng.name == "local" else filter_findings(eng, batch, names, opts)
        _, flagged = runner.run(batch, names, opts, outcome, found)
        flagged_ids.extend(c.id for c in flagged if c.id is not None)
        for c, old in zip(batch, before, strict=True):
            if c.id is not None and old != (c.meta.get(runner.FLAGS),
                                            c.meta.get(runner.REASONS)):
                updates.append((c.id, c.meta))
        batch.clear()
        report(progress, "filter", outcome.checked, total, f"{outcome.flagged:,} flagged")

    for conv in ctx.store.iter_samples(ds.id):
        batch.append(conv)
        if len(batch) >= size:
            if cancel is not None:
                cancel.check()
            flush()
    if batch:
        flush()
    rep.checked, rep.flagged = outcome.checked, outcome.flagged
    rep.by_reason = dict(outcome.by_rule.most_common())
    rep.examples = outcome.examples
    if not dry_run:
        if drop and flagged_ids:
            rep.backup = _backup(ctx, "filter")
            rep.removed = ctx.store.delete_samples(ds.id, flagged_ids)
            dropped = set(flagged_ids)
            updates = [u for u in updates if u[0] not in dropped]
        ctx.store.update_meta(updates)
    rep.remaining = ctx.store.count_samples(ds.id)
    return rep


def dedup_dataset(ctx: AppContext, name: str, threshold: float | None = None,
                  shingle: int | None = None, on: str | None = None, dry_run: bool = False,
                  progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None, engine: str | None = None,
                  ray_address: str | None = None) -> CurateReport:
    """Remove near-duplicates of ``name``: of each cluster the best sample is kept
    (not ungrounded, longer answer, earlier; see :mod:`ftbuilder.quality.clusters`).
    ``engine`` ("local" or "ray", default ``system.engine``) is where the MinHash
    signatures are computed; the clusters, and so the store, are the same either way.

    Raises:
        NotFoundError: no dataset ``name``.
        UsageError: threshold outside (0, 1], shingle below 1, ``on`` or engine unknown.
        FtbError: Ray asked for and not installed, or not reachable.
    """
    from ftbuilder.quality import clusters as cl

    q = ctx.settings.config.quality
    threshold = q.dedup_threshold if threshold is None else threshold
    shingle = q.dedup_shingle if shingle is None else shingle
    on = on or q.dedup_on
    if not 0 < threshold <= 1:
        raise UsageError(f"--threshold must be in (0, 1], got {threshold}",
                         "e.g. 0.8: samples sharing 80% of their word 3-grams")
    if shingle < 1:
        raise UsageError(f"--shingle must be at least 1, got {shingle}", "e.g. 3 (words)")
    if on not in cl.ON:
        raise UsageError(f"--on must be one of {', '.join(cl.ON)}, got {on}")
    engine, ray_address = _engine(ctx, engine, ray_address)
    ds = ctx.store.get_dataset(name)
    total = ds.total_samples

    def tick(n: int) -> None:
        if cancel is not None:
            cancel.check()
        report(progress, "dedup", n, total, "comparing")

    with _started(engine, ray_address, progress, "dedup") as eng:
        ray = eng.name != "local"
        found = cl.cluster(ctx.store.iter_samples(ds.id), threshold, shingle, on,
                           batch=RAY_BATCH if ray else BATCH, tick=tick,
                           sign=signer(eng, threshold, shingle) if ray else None)
    rep = CurateReport(ds.name, "dedup", dry_run, "drop", checked=found.compared,
                       settings={"threshold": threshold, "shingle": shingle, "on": on,
                                 "keep": "not ungrounded, then longer answer, then earlier",
                                 "engine": eng.name})
    drop = cl.drop_ids(found.clusters)
    rep.flagged = len(drop)
    rep.by_reason = {"near-duplicate": len(drop)} if drop else {}
    rep.clusters = [c.to_dict() for c in found.clusters]
    if drop and not dry_run:
        rep.backup = _backup(ctx, "dedup")
        rep.removed = ctx.store.delete_samples(ds.id, drop)
    rep.remaining = ctx.store.count_samples(ds.id)
    return rep


def scrub_dataset(ctx: AppContext, name: str, dry_run: bool = False,
                  progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None) -> CurateReport:
    """Replace PII and secrets in every message of ``name`` with ``[EMAIL]``, ``[PHONE]``,
    ``[IBAN]``, ``[CARD]``, ``[API_KEY]``, ``[PRIVATE_KEY]``; token counts are recounted.
    A sample that becomes an exact copy of another is removed (counted "duplicate").

    Raises:
        NotFoundError: no dataset ``name``.
    """
    from ftbuilder.quality.scrub import scrub_text

    region = ctx.settings.config.quality.pii_region
    ds = ctx.store.get_dataset(name)
    total = ds.total_samples
    rep = CurateReport(ds.name, "scrub", dry_run, "replace", settings={"region": region})
    kinds: Counter[str] = Counter()
    changed: list[Conversation] = []
    for conv in ctx.store.iter_samples(ds.id):
        rep.checked += 1
        found: Counter[str] = Counter()
        for m in conv.messages:
            if isinstance(m.content, str):
                m.content, n = scrub_text(m.content, region)
                found += n
        if found:
            kinds += found
            changed.append(conv)
            if len(rep.examples) < 20:
                rep.examples.append({"id": conv.id, "found": dict(found)})
        if rep.checked % BATCH == 0:
            if cancel is not None:
                cancel.check()
            report(progress, "scrub", rep.checked, total, f"{len(changed):,} to change")
    rep.flagged = len(changed)
    rep.by_reason = dict(kinds.most_common())
    if changed and not dry_run:
        rep.backup = _backup(ctx, "scrub")
        _recount(ctx, ds.provider, ds.model, changed)
        changed_ids = {c.id for c in changed}
        # hashes of the samples left as they are, then of each rewritten one in turn: a
        # rewrite that equals one of them would be an exact copy (the store refuses those)
        seen = {h for i, h in ctx.store.sample_hashes(ds.id) if i not in changed_ids}
        dup, keep = [], []
        for conv in changed:
            h = conv.content_hash()
            if h in seen:
                dup.append(conv.id)
            else:
                seen.add(h)
                keep.append(conv)
        if dup:
            ctx.store.delete_samples(ds.id, dup)  # before the rewrite frees their hashes
        ctx.store.update_samples(ds.id, keep)
        rep.changed = len(keep)
        if dup:
            rep.removed = len(dup)
            rep.by_reason["duplicate"] = len(dup)
    rep.remaining = ctx.store.count_samples(ds.id)
    return rep


def _recount(ctx: AppContext, provider: str, model: str, convs: list[Conversation]) -> None:
    from ftbuilder.core.errors import NotFoundError
    from ftbuilder.targets.registry import get_model

    try:
        spec = get_model(provider, model)
    except NotFoundError:
        return
    from ftbuilder import tokens

    for c, tc in zip(convs, tokens.count_many(convs, spec), strict=True):
        c.token_count = tc.total


def rule_names() -> list[str]:
    """Every content-check rule, in the order they run (the faces' choices)."""
    from ftbuilder.quality.filters.runner import RULES

    return list(RULES)
