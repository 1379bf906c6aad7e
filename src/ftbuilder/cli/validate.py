"""``ftb validate`` (a dataset or a JSONL file against a model's rules) and ``ftb tokens``."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from ftbuilder.cli.build import render_result
from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    key_values,
    table,
    to_jsonable,
)
from ftbuilder.config import PROVIDERS
from ftbuilder.core.errors import NotFoundError, UsageError

FILE_SUFFIXES = (".jsonl", ".json", ".ndjson")


def _is_file_target(target: str) -> bool:
    """A path to an existing file, or something that clearly names a file."""
    p = Path(target)
    if p.is_file():
        return True
    if p.suffix.lower() in FILE_SUFFIXES or "/" in target:
        raise NotFoundError(f"file {target} does not exist",
                            "check the path, or give a dataset name (see `ftb datasets`)")
    return False


def render_report(data: dict[str, Any], limit: int) -> str:
    """Verdict, figures, violations by code, then the first ``limit`` violations."""
    violations = data.get("violations") or []
    verdict = "OK" if data.get("ok") else "FAILED"
    lines = [f"{verdict}: {len(violations)} violation(s) in {data.get('examples', 0):,} examples"]
    skip = {"ok", "violations"}
    scalars = [(k, v) for k, v in data.items() if k not in skip and not isinstance(v, dict | list)]
    if data.get("estimate"):
        scalars.append(("note", "token counts are estimates for this model"))
    lines += ["", key_values(scalars)]
    for k, v in data.items():
        if k not in skip and isinstance(v, dict | list) and v:
            lines.append("\n" + render_result({k: v}).lstrip("\n"))
    if violations:
        by_code = Counter(v.get("code") for v in violations)
        lines += ["", "by code:", table(["code", "count"], by_code.most_common())]
        shown = violations[:limit]
        lines += ["", table(["line", "code", "severity", "message", "fix"],
                            [[v.get("line"), v.get("code"), v.get("severity"), v.get("message"),
                              v.get("fix")] for v in shown], max_width=80)]
        if len(violations) > limit:
            lines.append(f"... and {len(violations) - limit:,} more (--limit N, or --json)")
    return "\n".join(lines)


def run_validate(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import validate as svc

    is_file = _is_file_target(args.target)
    if args.fix and is_file:
        raise UsageError("--fix works on datasets in the store, not on files",
                         "import the file first: ftb import FILE --name NAME")
    if is_file:
        provider, model = session.target(args.provider, args.model)
        report = svc.validate_file(session.ctx, Path(args.target), provider, model)
    else:
        provider = args.provider
        model = args.model
        if provider and not model:
            provider, model = session.target(provider, None)
        if args.fix:
            fixed = svc.fix_dataset(session.ctx, args.target, args.fix, provider, model)
            session.info(render_result(to_jsonable(fixed)))
        report = svc.validate_dataset(session.ctx, args.target, provider, model)
    data = to_jsonable(report)
    session.emit(report, lambda: render_report(data, args.limit))
    return EXIT_OK if data.get("ok") else EXIT_FAIL


def run_tokens(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.tokens import count_file

    provider, model = session.target(args.provider, args.model)
    report = count_file(session.ctx, args.file, provider, model)
    data = to_jsonable(report)
    session.emit(report, lambda: render_result(data))
    return EXIT_OK


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
                   help="violations listed in the table (default 20; --json lists all)")

    t = add_command(sub, common, "tokens", "count the tokens of a dataset file for a model",
                    run_tokens, epilog="Counts are exact where an offline tokenizer exists "
                                       "and labelled estimates otherwise (Claude, Gemini).")
    t.add_argument("file", metavar="FILE", type=Path, help="JSONL file")
    t.add_argument("--provider", choices=PROVIDERS, help="target provider (default: config)")
    t.add_argument("--model", help="target model id (default: config)")
