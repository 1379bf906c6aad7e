"""``ftb batches`` (the provider batches sent by ``ftb build --batch``, with their state) and
``ftb batches collect [NAME]`` (wait for them and turn their replies into samples)."""

from __future__ import annotations

import argparse
from typing import Any

from ftbuilder.cli.build import render_build
from ftbuilder.cli.common import EXIT_OK, Session, add_command, table, to_jsonable
from ftbuilder.core.errors import UsageError


def render_batches(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no batches (ftb build --batch sends some)"
    cols = ["dataset", "provider", "batch", "state", "items", "succeeded", "failed",
            "collected", "created"]
    body = [[r["dataset"], r["provider"], r["batch_id"] or "(not sent)", r["state"], r["items"],
             r["counts"].get("succeeded", ""), r["counts"].get("failed", ""),
             "yes" if r["collected"] else "no", r["created_at"]] for r in rows]
    return table(cols, body, max_width=40)


def run_batches(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.batch import list_batches, open_datasets

    if args.action == "list":
        rows = list_batches(session.ctx, args.name)
        session.emit(rows, lambda: render_batches(rows))
        return EXIT_OK
    from ftbuilder.services.generate import collect_batches

    names = [args.name] if args.name else open_datasets(session.ctx)
    if not names:
        raise UsageError("no batches are waiting to be collected",
                         "`ftb batches` lists them; `ftb build --batch` sends some")
    results = []
    with session.running() as cancel:
        for name in names:
            results.append(to_jsonable(collect_batches(
                session.ctx, name, args.batch_retry, session.progress, cancel)))
    session.emit(results, lambda: "\n\n".join(render_build(d) for d in results))
    return EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(sub, common, "batches", "provider batches (ftb build --batch): list "
                                            "them, or collect their results",
                    run_batches, epilog="ftb batches [NAME]          the batches and their state\n"
                                        "ftb batches collect [NAME]  wait for the open "
                                        "batches (all datasets when no NAME), turn their "
                                        "replies into samples, retry what failed; nothing is "
                                        "sent twice")
    p.add_argument("action", nargs="?", default="list", choices=("list", "collect"),
                   help="list (default) or collect")
    p.add_argument("name", nargs="?", metavar="NAME", help="dataset name")
    p.add_argument("--batch-retry", choices=("batch", "live"), default=None,
                   help="collect: items a batch failed go in a new batch or are asked live "
                        "(default: the build's choice)")
