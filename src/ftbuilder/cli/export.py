"""``ftb export NAME --format F``: provider-ready JSONL files, metadata.csv and stats.json."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    display_path,
    render_result,
    table,
    to_jsonable,
)
from ftbuilder.core.errors import UsageError
from ftbuilder.formats import EXPORT_FORMATS


def parse_formats(values: list[str] | None) -> list[str]:
    """``--format a --format b,c`` -> [a, b, c] (order kept, duplicates dropped)."""
    out: list[str] = []
    for v in values or []:
        for f in v.split(","):
            f = f.strip().lower()
            if not f:
                continue
            if f not in EXPORT_FORMATS:
                raise UsageError(f"unknown export format '{f}'",
                                 "use one of: " + ", ".join(EXPORT_FORMATS))
            if f not in out:
                out.append(f)
    return out


def _failed(data: Any) -> bool:
    """An export whose written files do not pass validation."""
    return isinstance(data, dict) and data.get("ok") is False


def run(session: Session, args: argparse.Namespace) -> int:
    formats = parse_formats(args.format)  # usage errors before anything is opened
    from ftbuilder.services.export import default_out_dir, export_dataset

    if not formats:
        session.ctx.store.get_dataset(args.name)  # a clear error for an unknown name first
        formats = [_provider_format(session, args.name)]
    base = Path(args.out) if args.out else default_out_dir(session.ctx, args.name)
    out_cfg = session.config.output
    results = []
    with session.running() as cancel:
        for fmt in formats:
            out_dir = base / fmt if len(formats) > 1 else base
            results.append(export_dataset(
                session.ctx, args.name, fmt, out_dir,
                include_csv=out_cfg.include_csv and not args.no_csv,
                include_stats=out_cfg.include_stats and not args.no_stats,
                progress=session.progress, cancel=cancel))
    data = [to_jsonable(r) for r in results]
    payload: Any = data[0] if len(data) == 1 else data
    session.emit(payload, lambda: "\n\n".join(render_export(d) for d in data))
    return EXIT_FAIL if any(_failed(d) for d in data) else EXIT_OK


def render_export(d: dict[str, Any]) -> str:
    """Summary line, the files written with their validation status, notes in full."""
    if "files" not in d:
        return render_result(d)
    verdict = "files pass validation" if d.get("ok") else "SOME FILES FAIL VALIDATION"
    lines = [f"{d.get('dataset')} -> {display_path(str(d.get('out_dir')))} ({d.get('format')}): "
             f"{d.get('examples', 0):,} examples written, {d.get('skipped', 0):,} skipped; "
             f"{verdict}"]
    rows = [[display_path(str(f.get("path"))), f.get("examples"), f.get("bytes"),
             f.get("validation"), f.get("violations"), f.get("warnings")]
            for f in d.get("files") or []]
    extra = [display_path(str(d[k])) for k in ("metadata_csv", "stats_json") if d.get(k)]
    extra += [display_path(str(p)) for p in d.get("extra_files") or []]
    if rows:
        lines += ["", table(["file", "examples", "bytes", "validation", "violations",
                             "warnings"], rows)]
    if extra:
        lines.append("also written: " + ", ".join(extra))
    notes = dict.fromkeys(n for f in d.get("files") or [] for n in
                          str(f.get("note") or "").split("; ") if n)
    lines += [f"note: {n}" for n in notes]
    for reason, n in (d.get("skip_reasons") or {}).items():
        lines.append(f"skipped {n:,}: {reason}")
    lines += [f"warning: {w}" for w in d.get("warnings") or []]
    if not d.get("ok", True):
        name = d.get("dataset")
        lines.append(f"details and fixes: `ftb validate {name}`")
    return "\n".join(lines)


def _provider_format(session: Session, name: str) -> str:
    """The export format matching the dataset's target provider."""
    from ftbuilder.core.errors import NotFoundError
    from ftbuilder.targets.registry import get_model

    ds = session.ctx.store.get_dataset(name)
    try:
        return get_model(ds.provider, ds.model).format
    except NotFoundError:
        return {"google": "gemini", "llama": "together"}.get(ds.provider, ds.provider)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "export", "write a dataset as provider-ready JSONL files", run,
        epilog="Writes train.jsonl, validation.jsonl, test.jsonl (one per split), or\n"
               "dataset.jsonl when the dataset is not split, with metadata.csv and stats.json\n"
               "(parquet: train.parquet... and a README.md dataset card; llamafactory and\n"
               "axolotl: the trainer's dataset_info.json / config snippet too).\n"
               "Several formats (--format openai,mistral) go to one sub-folder each.\n"
               "Files ftb did not write are never replaced or removed: it refuses, naming\n"
               "the file (.ftb-export.json lists what ftb wrote there).\n"
               "Exit 1 when a written file does not pass validation.")
    p.add_argument("name", metavar="NAME", help="dataset name")
    p.add_argument("--format", action="append", metavar="F",
                   help=f"{', '.join(EXPORT_FORMATS)}; repeatable or comma-separated "
                        "(default: the dataset's provider format; README 'Export formats' "
                        "says which trainer reads each)")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: <config output.dir>/NAME, NAME made a safe "
                        "folder name: / \\ : etc. become _ and a short hash is added)")
    p.add_argument("--no-csv", action="store_true", help="do not write metadata.csv")
    p.add_argument("--no-stats", action="store_true", help="do not write stats.json")
