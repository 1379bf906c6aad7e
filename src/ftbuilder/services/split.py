"""Split a dataset into train / validation (/ test): preview with :func:`plan_split`, then
write with :func:`apply_split`. The algorithm is :mod:`ftbuilder.formats.splitting` (pure,
deterministic by seed); a sample is never cut.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ftbuilder.config import STRATA
from ftbuilder.core.errors import UsageError
from ftbuilder.formats.splitting import GroupSplit, check_shares, plan
from ftbuilder.services.context import AppContext

WEIGHT_BY = STRATA  # one key or several joined by commas: "source,keywords"


@dataclass
class SplitPlan:
    """A split, previewed or applied: counts per split and per group (source or keyword).

    ``assignments`` (sample id, split) is what :func:`apply_split` writes; it is left out of
    :meth:`to_dict`. ``backup`` is the store copy made before overwriting an earlier split.
    """

    dataset: str
    ratio: float
    test: float
    validation: float
    strategy: str
    weight_by: str
    seed: int
    total: int
    counts: dict[str, int]
    groups: list[GroupSplit]
    warnings: list[str] = field(default_factory=list)
    applied: bool = False
    backup: str | None = None
    assignments: list[tuple[int, str]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "ratio": self.ratio, "validation": self.validation,
                "test": self.test, "strategy": self.strategy, "weight_by": self.weight_by,
                "seed": self.seed, "total": self.total, "applied": self.applied,
                "backup": self.backup, "counts": dict(self.counts),
                "groups": [g.to_dict() for g in self.groups], "warnings": list(self.warnings)}


def weight_keys(weight_by: str) -> list[str]:
    """The stratification keys of ``weight_by`` ("source", "source,keywords", ...).

    Raises:
        UsageError: an unknown key.
    """
    keys = [k.strip() for k in weight_by.split(",") if k.strip()]
    bad = [k for k in keys if k not in WEIGHT_BY]
    if bad or not keys:
        raise UsageError(f"unknown --weight-by '{weight_by}'",
                         "use one or more of " + ", ".join(WEIGHT_BY) + ", joined by commas "
                         "(e.g. source,keywords)")
    return keys


def _language(text: str | None) -> str | None:
    from ftbuilder.quality.filters.language import identify

    found = identify(text or "")
    return found[0] if found else None


def _groups(ctx: AppContext, dataset_id: int, keys: list[str],
            rows: list[tuple[int, str | None, list[str], str | None]]) -> list[str | None]:
    """The group of each sample: its values of ``keys`` joined by " | " (None: no value)."""
    extra: dict[int, tuple] = {}
    if any(k in ("origin", "category", "language") for k in keys):
        extra = {r[0]: r[1:] for r in ctx.store.sample_strata(dataset_id)}
    out: list[str | None] = []
    for sample_id, source, keywords, _ in rows:
        parts = []
        for k in keys:
            if k == "source":
                v = source
            elif k == "keywords":
                v = str(keywords[0]).strip().lower() if keywords else None
            else:
                origin, category, language, first = extra.get(sample_id, (None,) * 4)
                v = {"origin": origin, "category": category}.get(k) if k != "language" \
                    else (language or _language(first))
            parts.append(str(v) if v else None)
        out.append(None if all(p is None for p in parts) else
                   " | ".join(p or "-" for p in parts))
    return out


def plan_split(ctx: AppContext, name: str, ratio: float, test: float = 0.0,
               strategy: str = "random", weight_by: str = "source",
               seed: int = 42) -> SplitPlan:
    """Preview a split: counts per split and per group. Nothing is written.

    Args:
        ratio: training share (0 < ratio < 1); validation gets 1 - ratio - test.
        test: optional test share (0 <= test < 1 - ratio).
        strategy: ``random`` (seeded shuffle) or ``weighted`` (each group split at the ratio).
        weight_by: the strata of a weighted split (and of the preview table): one or more of
            ``source`` file, first topic ``keywords``, ``language`` (meta, else identified
            from the first user message), ``origin`` and ``category`` (meta), joined by
            commas; a combination is one group per distinct tuple of values.

    Raises:
        NotFoundError: no dataset ``name``.
        UsageError: bad shares, strategy or weight_by, or an empty dataset.
    """
    _, validation, _ = check_shares(ratio, test)
    strata = weight_keys(weight_by)
    ds = ctx.store.get_dataset(name)
    keys = ctx.store.sample_keys(ds.id)
    if not keys:
        raise UsageError(f"dataset '{name}' has no samples to split",
                         "add samples with `ftb build` or `ftb import` first")
    groups = _groups(ctx, ds.id, strata, keys)
    p = plan(zip((r[0] for r in keys), groups, strict=True), ratio, test, strategy, seed)
    warnings = [*p.warnings, *_too_small(ds.provider, ds.model, p.counts)]
    return SplitPlan(ds.name, ratio, test, round(validation, 6), strategy, weight_by, seed,
                     len(keys), p.counts, p.groups, warnings, assignments=p.assignments)


def _too_small(provider: str, model: str, counts: dict[str, int]) -> list[str]:
    """The target's minimum number of examples applies to each exported file: a dataset
    that passes validation as a whole can still export a train file below it."""
    from ftbuilder.core.errors import NotFoundError
    from ftbuilder.targets.registry import get_model

    try:
        spec = get_model(provider, model)
    except NotFoundError:
        return []
    train = counts.get("train", 0)
    if not spec.min_examples or train >= spec.min_examples:
        return []
    unverified = "" if spec.is_verified("min_examples") else " (limit UNVERIFIED)"
    return [f"train gets {train} examples; {spec.id} needs at least {spec.min_examples} per "
            f"training file{unverified}, so its export will fail: add samples or raise "
            "--ratio"]


def apply_split(ctx: AppContext, split_plan: SplitPlan) -> SplitPlan:
    """Write a previewed split to the store (one transaction) and remember its settings.

    If samples were added or removed since the preview, the plan is recomputed with the same
    settings (same seed, same result for the same samples) and a warning says so. An earlier
    split is backed up before it is overwritten.

    Raises:
        NotFoundError: the dataset no longer exists.
    """
    p = split_plan
    ds = ctx.store.get_dataset(p.dataset)
    keys = ctx.store.sample_keys(ds.id)
    if {k[0] for k in keys} != {i for i, _ in p.assignments}:
        p = plan_split(ctx, p.dataset, p.ratio, p.test, p.strategy, p.weight_by, p.seed)
        p.warnings.append("the samples changed since the preview: the split was recomputed")
    if any(k[3] is not None for k in keys):
        backup = ctx.store.backup(reason="split")
        p.backup = str(backup) if backup else None
    ctx.store.set_splits(ds.id, p.assignments)
    config = dict(ds.config)
    config["split"] = {"ratio": p.ratio, "test": p.test, "strategy": p.strategy,
                       "weight_by": p.weight_by, "seed": p.seed}
    ctx.store.update_dataset(ds.id, config=config)
    p.applied = True
    return p
