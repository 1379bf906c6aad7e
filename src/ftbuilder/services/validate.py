"""Validate a JSONL file or a stored dataset against a target model; fix over-limit samples.

The rules, limits and statistics live in :mod:`ftbuilder.quality.validate`; this module
resolves the target, reads the store, and applies fixes (backing the store up first).
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder import tokens
from ftbuilder.core.errors import UsageError
from ftbuilder.core.files import check_input_file
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation, ModelSpec
from ftbuilder.formats import record_for
from ftbuilder.quality.rules import ERROR, WARNING
from ftbuilder.quality.rules_fix import truncate_messages
from ftbuilder.quality.validate import ValidationReport, Validator, validate_jsonl
from ftbuilder.services.context import AppContext
from ftbuilder.targets.registry import default_model, get_model, list_models

__all__ = ["FixResult", "ValidationReport", "fix_dataset", "resolve_spec", "validate_dataset",
           "validate_file"]

FIX_BATCH = 2000


def resolve_spec(ctx: AppContext, provider: str | None, model: str | None,
                 fallback: tuple[str, str] | None = None) -> ModelSpec:
    """The target: explicit provider/model, else ``fallback`` (a dataset's), else config.

    A provider without a model takes the configured model when it is that provider's,
    else the provider's first registry model. Raises NotFoundError for unknown ones.
    """
    cfg = ctx.settings.config
    if provider is None and model is None:
        provider, model = fallback or (cfg.provider, cfg.model)
    elif provider is None:
        provider = fallback[0] if fallback else cfg.provider
    if model is None:
        if fallback and fallback[0] == provider:
            model = fallback[1]
        elif provider == cfg.provider:
            model = cfg.model
        elif list_models(provider):
            return default_model(provider)
        else:
            model = ""  # get_model names the known providers
    return get_model(provider, model)


def validate_file(ctx: AppContext, path: str | Path, provider: str | None = None,
                  model: str | None = None, progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None) -> ValidationReport:
    """Validate a JSONL file of provider records for a target model.

    Inputs: the file, the target (default: config.yaml's). Output: a ValidationReport
    (violations with 1-based ``line``; line 0 = the whole file).
    Raises:
        NotFoundError: the file does not exist, or the provider/model is unknown.
        UsageError: the path is a folder, not a regular file, or cannot be read.
        Cancelled: ``cancel`` was triggered.
    """
    path = Path(path)
    spec = resolve_spec(ctx, provider, model)
    check_input_file(path, "give a .jsonl file")
    try:
        return validate_jsonl(path, spec, progress, cancel)
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}", "check permissions") from None


def validate_dataset(ctx: AppContext, name: str, provider: str | None = None,
                     model: str | None = None, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None) -> ValidationReport:
    """Validate a stored dataset as it would be exported for a target model.

    Each sample becomes its provider record (the formats converter); ``line`` is its 1-based
    position and ``sample_id`` its id. The target defaults to the dataset's own. Size limits
    apply to the training split when splits are assigned (all samples otherwise); the
    validation split is checked against the validation limits.
    Raises:
        NotFoundError: no such dataset, or unknown provider/model.
        Cancelled: ``cancel`` was triggered.
    """
    store = ctx.store
    ds = store.get_dataset(name)
    spec = resolve_spec(ctx, provider, model, (ds.provider, ds.model))
    v = Validator(spec, f"dataset {name}")
    total = store.count_samples(ds.id)
    sizes = {"train": 0, "validation": 0}
    counts = {"train": 0, "validation": 0}
    try:
        _read_samples(ctx, ds.id, spec, v, sizes, counts, progress, cancel, name, total)
    except BaseException:
        v.close()
        raise
    _validation_split_rules(v, spec, counts["validation"], sizes["validation"])
    return v.finish(file_bytes=sizes["train"], n_train=counts["train"])


def _read_samples(ctx: AppContext, dataset_id: int, spec: ModelSpec, v: Validator,
                  sizes: dict[str, int], counts: dict[str, int], progress: ProgressFn | None,
                  cancel: CancelToken | None, name: str, total: int) -> None:
    items: list[tuple[int, int | None, Any]] = []
    train: list[bool] = []
    started = time.monotonic()
    for pos, conv in enumerate(ctx.store.iter_samples(dataset_id), 1):
        rec = record_for(conv, spec.format)
        part = "validation" if conv.split == "validation" else \
            "train" if conv.split in (None, "train") else "test"
        if part in sizes:
            sizes[part] += len(json.dumps(rec, ensure_ascii=False).encode()) + 1
            counts[part] += 1
        items.append((pos, conv.id, rec))
        train.append(part == "train")
        if len(items) >= v.block:
            v.add_block(items, train)
            items, train = [], []
            if cancel is not None:
                cancel.check()
            report(progress, "validate", pos, total, name, started)
    v.add_block(items, train)
    report(progress, "validate", total, total, name, started)


def _validation_split_rules(v: Validator, spec: ModelSpec, n: int, size: int) -> None:
    for fname, limit, value, code, what in (
            ("max_validation_examples", spec.max_validation_examples, n,
             "too_many_validation_examples", "validation examples"),
            ("max_validation_file_bytes", spec.max_validation_file_bytes, size,
             "validation_file_too_large", "bytes in the validation file")):
        if limit is not None and value > limit:
            ok = spec.is_verified(fname)
            v.problem(0, code, f"{value:,} {what}; {spec.id} takes at most {limit:,}"
                      + ("" if ok else " (limit UNVERIFIED)"),
                      "lower the validation share (ftb split NAME --ratio ...)",
                      ERROR if ok else WARNING)


@dataclass
class FixResult:
    """What a fix did. ``backup`` is the store copy made first (None for in-memory stores)."""

    dataset: str
    action: str
    model: str
    limit: int | None
    examined: int = 0
    over_limit: int = 0
    dropped: int = 0
    truncated: int = 0
    backup: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fix_dataset(ctx: AppContext, name: str, action: str, provider: str | None = None,
                model: str | None = None, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None) -> FixResult:
    """Drop or truncate the samples over the target's per-example token limit.

    The store is backed up first (``store.backup(reason="fix")``). Truncation cuts the
    longest non-final messages (keeping the last assistant answer intact where possible);
    a sample that cannot be brought under the limit is dropped and counted in the notes.
    Raises:
        UsageError: ``action`` is not "drop" or "truncate".
        NotFoundError: no such dataset, or unknown provider/model.
        Cancelled: between batches, before anything is changed.
    """
    if action not in ("drop", "truncate"):
        raise UsageError(f"unknown fix '{action}'", "use drop or truncate")
    store = ctx.store
    ds = store.get_dataset(name)
    spec = resolve_spec(ctx, provider, model, (ds.provider, ds.model))
    res = FixResult(name, action, spec.id, spec.max_tokens_per_example)
    if not res.limit:
        res.notes.append(f"no per-example token limit is known for {spec.id}: nothing to fix")
        return res
    over: list[tuple[Conversation, int]] = []
    batch: list[Conversation] = []
    total = store.count_samples(ds.id)
    started = time.monotonic()

    def flush() -> None:
        for conv, tc in zip(batch, tokens.count_many(batch, spec), strict=True):
            if tc.total > res.limit:  # type: ignore[operator]
                over.append((conv, tc.total))
        res.examined += len(batch)
        batch.clear()
        if cancel is not None:
            cancel.check()
        report(progress, "fix: counting", res.examined, total, name, started)

    for conv in store.iter_samples(ds.id):
        batch.append(conv)
        if len(batch) >= FIX_BATCH:
            flush()
    flush()
    res.over_limit = len(over)
    if not over:
        return res
    backup = store.backup(reason="fix")
    res.backup = str(backup) if backup else None
    drop: list[int] = []
    same_target = (spec.provider, spec.id) == (ds.provider, ds.model)
    failed = 0
    for conv, _n in over:
        if action == "drop":
            drop.append(conv.id)  # type: ignore[arg-type]
            continue
        msgs, n = truncate_messages(conv.messages, spec, res.limit)
        if msgs is None:
            failed += 1
            drop.append(conv.id)  # type: ignore[arg-type]
            continue
        conv.messages = msgs
        conv.meta["truncated_for"] = spec.id
        if same_target:
            conv.token_count = n
        try:
            store.update_sample(conv)
            res.truncated += 1
        except sqlite3.IntegrityError:  # truncation made it a duplicate of another sample
            drop.append(conv.id)  # type: ignore[arg-type]
            res.notes.append(f"sample {conv.id} duplicated another once truncated: dropped")
    if drop:
        res.dropped = store.delete_samples(ds.id, drop)
    if failed:
        res.notes.append(f"{failed} sample(s) could not be cut under {res.limit:,} tokens "
                         "without emptying messages: dropped")
    return res
