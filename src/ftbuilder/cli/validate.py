"""``ftb validate`` (a dataset or a JSONL file against a model's rules) and ``ftb tokens``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    render_result,
    table,
    to_jsonable,
)
from ftbuilder.config import PROVIDERS
from ftbuilder.core.errors import NotFoundError, UsageError

FILE_SUFFIXES = (".jsonl", ".json", ".ndjson")


def _is_file_target(session: Session, target: str) -> bool:
    """A path to an existing file, or something that clearly names a file and no dataset
    (a dataset may be named "team/faq")."""
    p = Path(target)
    if p.is_file():
        return True
    if (p.suffix.lower() in FILE_SUFFIXES or "/" in target) and \
            session.ctx.store.find_dataset(target) is None:
        raise NotFoundError(f"file {target} does not exist",
                            "check the path, or give a dataset name (see `ftb datasets`)")
    return False


def _money(v: Any) -> str:
    return "unknown" if v is None else f"${v:,.4f}" if v < 1 else f"${v:,.2f}"


def render_report(data: dict[str, Any], limit: int) -> str:
    """Verdict, figures, distribution, violations by code, then the first ``limit`` of them."""
    violations = sorted(data.get("violations") or [],
                        key=lambda v: (v.get("severity") != "error", v.get("line") or 0))
    errors = data.get("errors", sum(v.get("severity") == "error" for v in violations))
    warnings = data.get("warnings", len(violations) - errors)
    verdict = "OK" if data.get("ok") else "FAILED"
    unv = " UNVERIFIED" if data.get("limit_unverified") else ""
    lines = [f"{verdict}: {errors:,} error(s), {warnings:,} warning(s) in "
             f"{data.get('examples', 0):,} examples of {data.get('source', '?')}",
             f"target: {data.get('provider')} {data.get('model')} (format {data.get('format')})"]
    est = " (estimate)" if data.get("estimate") else ""
    tokens = f"tokens{est}: {data.get('total_tokens', 0):,} total"
    if data.get("assistant_tokens") is not None:
        tokens += f", {data['assistant_tokens']:,} assistant"
    if data.get("max_tokens_per_example"):
        tokens += (f"; {data.get('over_limit', 0):,} over the "
                   f"{data['max_tokens_per_example']:,}-token limit{unv}")
    lines.append(tokens)
    if data.get("epochs"):
        price = data.get("price_per_1m_training_tokens")
        cost = (f"estimated cost {_money(data.get('estimated_cost'))} at ${price:g}/1M"
                + (" UNVERIFIED" if data.get("price_unverified") else "")
                if price is not None else "cost unknown (no price for this model)")
        lines.append(f"training: {data['epochs']} epochs, "
                     f"{data.get('charged_tokens', 0):,} charged tokens, {cost}")
    if data.get("method"):
        lines.append(f"counted with: {data['method']}")
    lines += [f"note: {n}" for n in data.get("notes") or []]
    summary = {k: v for k, v in (data.get("summary") or {}).items() if v}  # None: no examples
    if summary:
        cols = ["min", "max", "mean", "median", "p5", "p95"]
        rows = [[k, *(_round(v.get(c)) for c in cols)] for k, v in summary.items()]
        lines += ["", table(["distribution", *cols], rows)]
    if violations:
        by_code: dict[str, list[Any]] = {}
        for v in violations:
            by_code.setdefault(v.get("code"), [v.get("severity"), 0, v.get("fix")])[1] += 1
        lines += ["", table(["code", "severity", "count", "fix"],
                            [[k, *row] for k, row in by_code.items()], max_width=70)]
        listed = [v for v in violations if v.get("severity") == "error"]
        shown = listed[:limit]
        if shown:
            lines += ["", table(["line", "code", "message"],
                                [[v.get("line") or "-", v.get("code"), v.get("message")]
                                 for v in shown], max_width=90)]
        if len(listed) > limit:
            lines.append(f"... and {len(listed) - limit:,} more errors (--limit N, or --json)")
        if warnings:
            lines.append("(warnings are counted above; --json lists each with its line)")
    return "\n".join(lines)


def _round(v: Any) -> Any:
    return round(v, 1) if isinstance(v, float) else v


def run_validate(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import validate as svc

    is_file = _is_file_target(session, args.target)
    if args.fix and is_file:
        raise UsageError("--fix works on datasets in the store, not on files",
                         "import the file first: ftb import FILE --name NAME")
    with session.running() as cancel:
        watch = {"progress": session.progress, "cancel": cancel}
        if is_file:
            provider, model = session.target(args.provider, args.model)
            report = svc.validate_file(session.ctx, Path(args.target), provider, model, **watch)
        else:
            provider = args.provider
            model = args.model
            if provider and not model:
                provider, model = session.target(provider, None)
            if args.fix:
                fixed = svc.fix_dataset(session.ctx, args.target, args.fix, provider, model,
                                        **watch)
                session.info(render_result(to_jsonable(fixed)))
            report = svc.validate_dataset(session.ctx, args.target, provider, model, **watch)
    data = to_jsonable(report)
    session.emit(report, lambda: render_report(data, args.limit))
    return EXIT_OK if data.get("ok") else EXIT_FAIL


def run_tokens(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.tokens import count_file

    provider, model = session.target(args.provider, args.model)
    with session.running() as cancel:
        report = count_file(session.ctx, args.file, provider, model,
                            progress=session.progress, cancel=cancel)
    data = to_jsonable(report)
    session.emit(report, lambda: render_tokens(data))
    return EXIT_OK


def render_tokens(d: dict[str, Any]) -> str:
    """Totals line, the method, the distribution, skipped lines and notes."""
    if "total_tokens" not in d:
        return render_result(d)
    label = d.get("label") or ("estimate" if d.get("estimate") else "exact")
    lines = [f"{d.get('path')}: {d['total_tokens']:,} tokens ({label}) in "
             f"{d.get('counted', 0):,} examples for {d.get('provider')} {d.get('model')}"]
    detail = []
    if d.get("assistant_tokens") is not None:
        detail.append(f"{d['assistant_tokens']:,} assistant tokens")
    if d.get("max_tokens_per_example"):
        detail.append(f"{d.get('over_limit', 0):,} over the "
                      f"{d['max_tokens_per_example']:,}-token limit")
    elif "max_tokens_per_example" in d:
        detail.append("no known per-example limit")
    if detail:
        lines.append("; ".join(detail))
    if d.get("method"):
        lines.append(f"counted with: {d['method']}")
    dist = d.get("tokens_per_example") or {}
    if dist:
        cols = ["min", "max", "mean", "median", "p5", "p95"]
        lines += ["", table(["per example", *cols],
                            [["tokens", *(_round(dist.get(c)) for c in cols)]])]
    if d.get("skipped"):
        shown = ", ".join(map(str, (d.get("skipped_lines") or [])[:20]))
        lines.append(f"\nskipped {d['skipped']:,} line(s): {shown}")
    lines += [f"note: {n}" for n in d.get("notes") or []]
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "validate", "check a dataset or a JSONL file against a model's rules",
        run_validate,
        epilog="TARGET is a dataset name, or a .jsonl file (an existing path).\n"
               "A dataset is checked against its own target unless --provider/--model are "
               "given.\nExit 1 when there are violations.")
    p.add_argument("target", metavar="NAME|FILE", help="dataset name or JSONL file")
    p.add_argument("--provider", choices=PROVIDERS, help="target provider")
    p.add_argument("--model", help="target model id")
    p.add_argument("--fix", choices=("drop", "truncate"),
                   help="dataset only: drop or truncate the examples that break the limits "
                        "(the store is backed up first), then validate again")
    p.add_argument("--limit", type=int, default=20, metavar="N",
                   help="errors listed one per line (default 20; --json lists every "
                        "violation, warnings included)")

    t = add_command(sub, common, "tokens", "count the tokens of a dataset file for a model",
                    run_tokens, epilog="Counts are exact where an offline tokenizer exists "
                                       "and labelled estimates otherwise (Claude, Gemini).")
    t.add_argument("file", metavar="FILE", type=Path, help="JSONL file")
    t.add_argument("--provider", choices=PROVIDERS, help="target provider (default: config)")
    t.add_argument("--model", help="target model id (default: config)")
