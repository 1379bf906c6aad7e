"""``ftb split NAME``: assign train/validation(/test), balanced per group when weighted."""

from __future__ import annotations

import argparse
from typing import Any

from ftbuilder.cli.common import (
    EXIT_OK,
    Session,
    add_command,
    fraction,
    render_result,
    table,
    to_jsonable,
)


def render_plan(data: dict[str, Any], applied: bool) -> str:
    """One summary line, the counts per group and split, then any warnings."""
    if not isinstance(data, dict) or "counts" not in data:
        return render_result(to_jsonable(data))
    counts = data["counts"]
    head = "split applied" if applied else "preview, nothing written"
    shares = "/".join(f"{data.get(k, 0):g}" for k in ("ratio", "validation", "test"))
    how = data.get("strategy", "")
    if how == "weighted":
        how += f" by {data.get('weight_by')}"
    lines = [f"{data.get('dataset')}: {head}: " + ", ".join(f"{k} {v:,}" for k, v in
                                                           counts.items())
             + f" of {data.get('total', 0):,} (shares {shares}, {how}, seed {data.get('seed')})"]
    groups = data.get("groups") or []
    if groups:
        splits = list(counts)
        lines += ["", table(["group", "total", *splits, "note"],
                            [[g.get("group"), g.get("total"), *(g.get(s) for s in splits),
                              g.get("note")] for g in groups], max_width=70)]
    if data.get("backup"):
        lines.append(f"\nstore backed up first: {data['backup']}")
    lines += [f"warning: {w}" for w in data.get("warnings") or []]
    return "\n".join(lines)


def run(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.split import apply_split, plan_split

    cfg = session.config.split
    ratio = args.ratio if args.ratio is not None else cfg.ratio
    test = args.test if args.test is not None else cfg.test
    if not 0 < ratio < 1:
        from ftbuilder.core.errors import UsageError

        raise UsageError(f"--ratio must be between 0 and 1 (exclusive), got {ratio}",
                         "e.g. --ratio 0.8 for 80% training")
    plan = plan_split(session.ctx, args.name, ratio, test=test,
                      strategy=args.strategy or cfg.strategy,
                      weight_by=args.weight_by or cfg.weight_by,
                      seed=args.seed if args.seed is not None else cfg.seed)
    if not args.dry_run:
        plan = apply_split(session.ctx, plan)
    data = to_jsonable(plan)
    if args.dry_run and isinstance(data, dict):
        data.setdefault("applied", False)

    def human() -> str:
        return render_plan(data, applied=not args.dry_run)

    session.emit(data, human)
    return EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "split", "split a dataset into train / validation (/ test)", run,
        epilog="Defaults come from config.yaml split.*. weighted = stratified: the overall\n"
               "shares are exact (largest remainder) and each group (one value, or a tuple of\n"
               "values, of the --weight-by keys) is split within one sample of the shares.")
    p.add_argument("name", metavar="NAME", help="dataset name")
    p.add_argument("--ratio", type=fraction, metavar="R", help="training share, e.g. 0.8")
    p.add_argument("--test", type=fraction, metavar="T", help="test share (default 0)")
    p.add_argument("--strategy", choices=("random", "weighted"))
    p.add_argument("--weight-by", metavar="KEYS",
                   help="strata of a weighted split: source, keywords, language, origin, "
                        "category, or several joined by commas (e.g. source,keywords)")
    p.add_argument("--seed", type=int, metavar="N", help="random seed (same seed, same split)")
    p.add_argument("--dry-run", action="store_true",
                   help="show the counts per group and split without writing them")
