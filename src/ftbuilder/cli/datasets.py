"""Dataset commands: ``ftb import``, ``ftb datasets``, ``ftb stats``, ``ftb backup``."""

from __future__ import annotations

import argparse
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    cancelled_message,
    render_result,
    table,
    to_jsonable,
)
from ftbuilder.config import PROVIDERS
from ftbuilder.core.errors import Cancelled
from ftbuilder.formats import IMPORT_FORMATS

IMPORT_EPILOG = """\
Importing into an existing name adds to it; exact duplicates are dropped.
Text records (ChatML, Llama 3, Harmony) are parsed back into messages; our own Parquet
exports are read back with their metadata.
Other Parquet, Arrow and CSV files (or a folder of them) and hf:OWNER/NAME[:CONFIG][@SPLIT]
are streamed in batches; the conversation layout is detected from the column names (OpenAI
messages, ShareGPT, Alpaca, prompt/completion, question/answer) or given with --map.
Exit 1 when some records were skipped (each is reported with its line or row)."""


def run_import(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.datasets import import_file

    provider = model = None
    if args.provider or args.model:
        provider, model = session.target(args.provider, args.model)
    found = session.ctx.store.find_dataset(args.name)
    before = found.total_samples if found else 0
    try:
        with session.running() as cancel:
            result = import_file(session.ctx, args.file, args.name, fmt=args.format,
                                 provider=provider, model=model, progress=session.progress,
                                 cancel=cancel, mapping=args.map, preset=args.preset)
    except Cancelled:
        now = session.ctx.store.find_dataset(args.name)
        raise Cancelled(cancelled_message((now.total_samples if now else 0) - before),
                        "run the same import again to go on: samples already stored are "
                        "skipped as duplicates") from None
    data = to_jsonable(result)
    session.emit(result, lambda: render_result(data))
    bad = data.get("skipped") or data.get("errors") or data.get("invalid")
    return EXIT_FAIL if bad else EXIT_OK


def _dataset_rows(items: list[Any]) -> list[dict[str, Any]]:
    """Each dataset as JSON data, with ``token_counts``: exact or estimate (its target's)."""
    from ftbuilder.services.datasets import dataset_token_label

    return [{**to_jsonable(d), "token_counts": dataset_token_label(d)} for d in items]


def run_datasets(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.datasets import list_datasets

    rows = _dataset_rows(list_datasets(session.ctx))

    def human() -> str:
        if not rows:
            return "no datasets yet (make one with `ftb build` or `ftb import`)"
        return table(["name", "provider", "model", "mode", "samples", "tokens", "counts",
                      "created"],
                     [[d.get("name"), d.get("provider"), d.get("model"), d.get("mode"),
                       d.get("total_samples"), d.get("total_tokens"), d.get("token_counts"),
                       d.get("created_at")] for d in rows])

    session.emit(rows, human)
    return EXIT_OK


def run_stats(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.datasets import dataset_stats

    stats = to_jsonable(dataset_stats(session.ctx, args.name))
    session.emit(stats, lambda: render_result(stats))
    return EXIT_OK


def run_backup(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.datasets import backup

    path = backup(session.ctx)
    data = {"backup": str(path) if path else None}
    human = f"backup written: {path}" if path else "nothing to back up (in-memory store)"
    session.emit(data, human)
    return EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(sub, common, "import", "import an existing dataset: JSONL/JSON, Parquet, "
                                           "Arrow, CSV, or a Hugging Face dataset",
                    run_import, epilog=IMPORT_EPILOG)
    p.add_argument("file", metavar="FILE", help="the dataset file or folder, or "
                                                "hf:OWNER/NAME[:CONFIG][@SPLIT]")
    p.add_argument("--name", required=True, help="dataset to create or add to")
    p.add_argument("--format", default="auto", choices=IMPORT_FORMATS,
                   help="record format (default: auto-detect)")
    p.add_argument("--provider", choices=PROVIDERS,
                   help="target provider of a new dataset (default: config)")
    p.add_argument("--model", help="target model of a new dataset (default: config)")
    p.add_argument("--map", metavar="SPEC",
                   help="columns -> conversation: user=instruction+input,assistant=output,"
                        "system=system or messages=COLUMN (default: detected)")
    p.add_argument("--preset", choices=("codewikibench",),
                   help="a known dataset layout: codewikibench = one sample per documented "
                        "component")

    add_command(sub, common, "datasets", "list the datasets in the store", run_datasets)

    s = add_command(sub, common, "stats", "statistics of one dataset (tokens, splits, sources)",
                    run_stats)
    s.add_argument("name", metavar="NAME", help="dataset name")

    add_command(sub, common, "backup", "copy the store to memory/backups/ (newest 5 kept)",
                run_backup)
