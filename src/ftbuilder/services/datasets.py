"""Dataset use cases: import a file, list, stats, delete, duplicate, back up, edit samples.

Destructive operations (delete a dataset or samples) back the store up first
(``Store.backup``, newest 5 kept). Token counts are computed for the dataset's target model
with :func:`ftbuilder.tokens.count_many` before samples are stored.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from ftbuilder import tokens
from ftbuilder.core.errors import Cancelled, FormatError, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation, DatasetInfo, ModelSpec
from ftbuilder.formats import IMPORT_FORMATS, detect_format, get_format
from ftbuilder.formats.jsonl import TOO_DEEP, check_path, count_lines, iter_records
from ftbuilder.formats.stats import DatasetStats
from ftbuilder.quality.dedup import DEFAULT_THRESHOLD
from ftbuilder.services.context import AppContext
from ftbuilder.services.importing import (
    DEDUP_MODES,
    ImportResult,
    _check_space,
    _dataset_for_import,
    _import_error,
    _Importer,
    _run_stats,
    _spec,
    _undo_import,
    count_tokens,
)

BATCH = 5000


def import_file(ctx: AppContext, path: str | Path, name: str, fmt: str = "auto",
                provider: str | None = None, model: str | None = None, dedup: str = "exact",
                near_threshold: float | None = DEFAULT_THRESHOLD,
                progress: ProgressFn | None = None,
                cancel: CancelToken | None = None, mapping: str | None = None,
                preset: str | None = None) -> ImportResult:
    """Import a JSONL/JSON dataset file into dataset ``name`` (created if new, else added to).

    Arrow and CSV files, folders of Parquet/Arrow/CSV, Parquet files without a ``messages``
    column (ours are read here, with their metadata), ``hf:OWNER/NAME[:CONFIG][@SPLIT]``, a
    ``mapping`` (``--map``) or a ``preset`` go to
    :func:`ftbuilder.services.columnar_import.import_columnar` (streamed, bounded memory).

    Args:
        fmt: ``auto`` (detected per record) or one of openai, anthropic, gemini, mistral,
            llama3, generic, sharegpt, alpaca.
        provider, model: target of a new dataset (default: config); must match an existing one.
        dedup: ``exact`` drops exact duplicates and flags near-duplicates in
            ``meta["near_duplicate_of"]`` (the sample id they resemble); ``near`` drops both.
        near_threshold: Jaccard threshold of near-duplicates; None skips that check.

    Returns an :class:`ImportResult`. A malformed line (not JSON, nested too deeply, not a
    known layout) is skipped and reported (1-based line + reason); the rest is imported,
    in batches committed as they go, so a cancel keeps what was stored. A failed import
    (a full disk, a broken JSON array) is undone: the dataset it created is deleted, the
    samples it added to an existing one are removed. A new dataset whose every record was
    skipped is not kept (``created`` is then False).

    Raises:
        NotFoundError: the file, or the target model, does not exist.
        UsageError: bad ``fmt``/``dedup``, an empty name, a folder or another file that is
            not a regular file (a FIFO, a device), or a target different from the dataset's.
        FormatError: a JSON-array file that is not valid JSON, or nested too deeply.
        FtbError: the disk of the store is full ("disk full"), or the file is unreadable.
        Cancelled: ``cancel`` was set; batches stored before are kept.
    """
    from ftbuilder.sources.columnar import is_columnar

    if mapping or preset or (fmt == "auto" and is_columnar(path)):  # hf:, Arrow, CSV...
        from ftbuilder.services.columnar_import import import_columnar

        return import_columnar(ctx, path, name, mapping, preset, provider, model, dedup,
                               near_threshold, progress, cancel)
    started = time.monotonic()
    if fmt not in IMPORT_FORMATS:
        raise UsageError(f"unknown import format '{fmt}'", "use one of: " + ", ".join(
            IMPORT_FORMATS))
    if dedup not in DEDUP_MODES:
        raise UsageError(f"unknown dedup mode '{dedup}'", "use exact or near")
    if not name or not name.strip():
        raise UsageError("the dataset name is empty", "pass --name NAME")
    path = Path(path)
    check_path(path)
    _check_space(ctx, path)
    total = count_lines(path)
    ds, created = _dataset_for_import(ctx, name, provider, model)
    result = ImportResult(ds.name, str(path), ds.provider, ds.model, created, fmt,
                          near_dropped=dedup == "near")
    run_id = ctx.store.start_run("import", ds.id, {"path": str(path), "format": fmt,
                                                    "dedup": dedup})
    imp: _Importer | None = None
    try:
        imp = _Importer(ctx, ds, result, dedup, near_threshold)
        batch: list[tuple[int, Conversation, str]] = []
        line = 0
        for line, obj, reason in iter_records(path):
            if reason:
                imp.error(line, reason)
                continue
            try:
                kind = detect_format(obj) if fmt == "auto" else fmt
                conv = get_format(kind).from_record(obj)
            except FormatError as e:
                imp.error(line, str(e))
                continue
            except RecursionError:
                imp.error(line, TOO_DEEP)
                continue
            result.records += 1
            result.formats[kind] = result.formats.get(kind, 0) + 1
            conv.source_file = conv.source_file or path.name
            conv.location = conv.location or f"line {line}"
            conv.meta.setdefault("mode", "import")
            h = imp.is_new(conv)
            if h is not None:
                batch.append((line, conv, h))
            if len(batch) >= BATCH:
                imp.flush(batch)
                batch = []
                if cancel is not None:
                    cancel.check()
                report(progress, "import", line, total, f"{result.added:,} added",
                       started=started)
        imp.flush(batch)
        report(progress, "import", max(line, total), total, f"{result.added:,} added",
               started=started)
    except Cancelled:
        ctx.store.finish_run(run_id, "cancelled", _run_stats(result))
        raise
    except Exception as e:  # nothing half-imported stays: the store is as before
        err = _import_error(e, path)
        _undo_import(ctx, ds, created, imp.added_ids if imp else [], run_id, result, err)
        if err is e:
            raise
        raise err from None
    if created and result.added == 0 and result.skipped:
        # every record failed: no empty dataset is left (an empty file still makes one)
        ctx.store.delete_dataset(ds.name)
        result.created = False
        result.seconds = round(time.monotonic() - started, 3)
        return result
    assert imp is not None
    result.token_counts = next((k for k in ("estimate", "exact") if k in imp.labels),
                               "not counted")
    fresh = ctx.store.get_dataset(ds.name)
    result.total_samples, result.total_tokens = fresh.total_samples, fresh.total_tokens
    result.seconds = round(time.monotonic() - started, 3)
    ctx.store.finish_run(run_id, "ok", _run_stats(result))
    return result


def list_datasets(ctx: AppContext) -> list[DatasetInfo]:
    """Every dataset of the store, newest first."""
    return ctx.store.list_datasets()


def dataset_stats(ctx: AppContext, name: str) -> dict[str, Any]:
    """Statistics of one dataset (see :class:`DatasetStats` for the keys) plus its target.

    Raises:
        NotFoundError: no dataset ``name``.
    """
    ds = ctx.store.get_dataset(name)
    acc = DatasetStats()
    for c in ctx.store.iter_samples(ds.id):
        acc.add(c)
    spec = _spec(ds)
    return {"dataset": ds.name, "provider": ds.provider, "model": ds.model, "mode": ds.mode,
            "created_at": ds.created_at, "token_counts": token_label(spec),
            **acc.to_dict(), "training": training_estimate(acc.tokens, spec)}


def training_estimate(lengths: list[int], spec: ModelSpec | None) -> dict[str, Any] | None:
    """Epochs, charged tokens and estimated cost of training on examples of ``lengths``
    tokens, by the rule ``ftb validate`` uses (cookbook); None without a known target.

    ``estimated_cost`` is None when the registry has no price; ``price_unverified`` says
    when the price is a guess, ``token_counts`` whether the counts are exact or estimates.
    """
    if spec is None:
        return None
    import numpy as np

    from ftbuilder.targets.limits import estimate_training

    est = estimate_training(np.asarray(lengths, dtype=np.int64), spec)
    return {"examples": len(lengths), **est, "token_counts": token_label(spec)}


def dataset_token_label(ds: DatasetInfo) -> str:
    """"exact" or "estimate" for the stored token counts of ``ds`` ("unknown" without a
    known target), to show beside its token totals."""
    return token_label(_spec(ds))


def token_label(spec: ModelSpec | None) -> str:
    """"exact" or "estimate" for the target's counts; "unknown" without a tokens module."""
    is_exact = getattr(tokens, "is_exact", None)
    if spec is None or is_exact is None:
        return "unknown"
    return "exact" if is_exact(spec) else "estimate"


# --- destructive and copying operations ----------------------------------------------------
def backup(ctx: AppContext, reason: str = "manual") -> Path | None:
    """Copy the store to memory/backups/ (newest 5 kept). None for an in-memory store."""
    return ctx.store.backup(reason=reason)


def delete_dataset(ctx: AppContext, name: str) -> Path | None:
    """Delete a dataset and its samples, after a backup. Returns the backup path.

    Raises:
        NotFoundError: no dataset ``name``.
    """
    ctx.store.get_dataset(name)
    path = ctx.store.backup(reason="delete")
    ctx.store.delete_dataset(name)
    return path


def duplicate_dataset(ctx: AppContext, name: str, new_name: str,
                      cancel: CancelToken | None = None) -> DatasetInfo:
    """Copy a dataset (samples, splits, token counts, metadata) under ``new_name``.

    Raises:
        NotFoundError: no dataset ``name``.
        UsageError: ``new_name`` exists already.
    """
    ds = ctx.store.get_dataset(name)
    new = ctx.store.create_dataset(new_name, ds.provider, ds.model, ds.mode, ds.config)
    try:
        batch: list[Conversation] = []
        for c in ctx.store.iter_samples(ds.id):
            c.id = None
            batch.append(c)
            if len(batch) >= BATCH:
                ctx.store.add_samples(new.id, batch)
                batch = []
                if cancel is not None:
                    cancel.check()
        ctx.store.add_samples(new.id, batch)
    except BaseException:
        ctx.store.delete_dataset(new_name)  # no half copy left behind
        raise
    return ctx.store.get_dataset(new_name)


def update_sample(ctx: AppContext, conv: Conversation) -> Conversation:
    """Save an edited sample (messages, keywords, meta); its token count is recomputed.

    Raises:
        NotFoundError: the sample does not exist.
        UsageError: the edit makes it identical to another sample of the dataset.
    """
    if conv.id is None:
        raise UsageError("this sample has not been stored yet", "add it to a dataset first")
    ds_id = ctx.store.sample_dataset_id(conv.id)
    ds = next(d for d in ctx.store.list_datasets() if d.id == ds_id)
    count_tokens([conv], _spec(ds))
    try:
        ctx.store.update_sample(conv)
    except sqlite3.IntegrityError:
        raise UsageError(f"sample {conv.id} would become identical to another sample of "
                         f"'{ds.name}'", "change it further or delete it") from None
    return conv


def delete_samples(ctx: AppContext, name: str, ids: list[int]) -> int:
    """Delete samples of dataset ``name`` by id, after a backup. Returns how many went."""
    ds = ctx.store.get_dataset(name)
    if not ids:
        return 0
    ctx.store.backup(reason="delete-samples")
    return ctx.store.delete_samples(ds.id, ids)
