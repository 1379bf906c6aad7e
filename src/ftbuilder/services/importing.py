"""What every import shares, whatever it reads (JSONL/JSON records in services.datasets,
columnar files and Hugging Face datasets in services.columnar_import): the result, the
target dataset, batched and deduplicated writes with token counts, error wording, and the
undo of a failed import (nothing half-imported stays).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder import tokens
from ftbuilder.core.errors import FormatError, FtbError, NotFoundError, UsageError
from ftbuilder.core.types import Conversation, DatasetInfo, ModelSpec
from ftbuilder.formats.jsonl import TOO_DEEP
from ftbuilder.quality.dedup import NearDuplicateIndex, conversation_text
from ftbuilder.services.context import AppContext
from ftbuilder.targets.registry import default_model, get_model

BATCH = 5000
MAX_ERRORS = 100
MAX_EXAMPLES = 20
DEDUP_MODES = ("exact", "near")


@dataclass
class ImportResult:
    """What an import did. ``errors`` lists the first 100 skipped lines (line + reason)."""

    dataset: str
    path: str
    provider: str
    model: str
    created: bool
    format: str
    formats: dict[str, int] = field(default_factory=dict)
    records: int = 0
    added: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    near_dropped: bool = False
    skipped: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    near_duplicate_examples: list[dict[str, Any]] = field(default_factory=list)
    tokens_added: int = 0
    token_counts: str = "not counted"
    total_samples: int = 0
    total_tokens: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- helpers -------------------------------------------------------------------------------
def _spec(ds: DatasetInfo) -> ModelSpec | None:
    try:
        return get_model(ds.provider, ds.model)
    except NotFoundError:
        return None


def count_tokens(convs: list[Conversation], spec: ModelSpec | None) -> str:
    """Set ``token_count`` on ``convs`` for ``spec``; returns "exact", "estimate" or
    "not counted" (no target spec, or the tokens package has no ``count_many``)."""
    count_many = getattr(tokens, "count_many", None)
    if spec is None or count_many is None:
        for c in convs:
            c.token_count = None
        return "not counted"
    exact = True
    for c, tc in zip(convs, count_many(convs, spec), strict=True):
        c.token_count = tc.total
        exact = exact and tc.exact
    return "exact" if exact else "estimate"


def _dataset_for_import(ctx: AppContext, name: str, provider: str | None,
                        model: str | None) -> tuple[DatasetInfo, bool]:
    found = ctx.store.find_dataset(name)
    if found is not None:
        if model and (provider or found.provider) == found.provider:
            model = get_model(found.provider, model).id  # an alias names the same snapshot
        if (provider and provider != found.provider) or (model and model != found.model):
            raise UsageError(f"dataset '{name}' targets {found.provider} {found.model}",
                             "importing adds to it with that target: omit --provider/--model "
                             "or pick another --name")
        return found, False
    cfg = ctx.settings.config
    provider = provider or cfg.provider
    if not model:
        model = cfg.model if provider == cfg.provider else default_model(provider).id
    spec = get_model(provider, model)
    return ctx.store.create_dataset(name, provider, spec.id, "import"), True


class _Importer:
    """One import run: batches records, drops exact duplicates, flags or drops near ones."""

    def __init__(self, ctx: AppContext, ds: DatasetInfo, result: ImportResult, dedup: str,
                 threshold: float | None) -> None:
        self.ctx, self.ds, self.result, self.dedup = ctx, ds, result, dedup
        self.spec = _spec(ds)
        self.seen = ctx.store.hashes(ds.id)
        self.index = NearDuplicateIndex(threshold) if threshold else None
        self.resolved: dict[int, int] = {}  # temporary index key -> sample id
        self.seq = 0
        self.added_ids: list[int] = []
        self.labels: set[str] = set()
        if self.index is not None and ds.total_samples:
            self._index_existing()

    def _index_existing(self) -> None:
        assert self.index is not None
        keys: list[int] = []
        texts: list[str] = []
        for c in self.ctx.store.iter_samples(self.ds.id):
            keys.append(c.id or 0)
            texts.append(conversation_text(c))
            if len(keys) >= BATCH:
                self.index.add_texts(keys, texts)
                keys, texts = [], []
        self.index.add_texts(keys, texts)

    def error(self, line: int, reason: str) -> None:
        self.result.skipped += 1
        if len(self.result.errors) < MAX_ERRORS:
            self.result.errors.append({"line": line, "reason": reason})

    def is_new(self, conv: Conversation) -> str | None:
        """The content hash of ``conv`` if it is not in the dataset yet, else None."""
        h = conv.content_hash()
        if h in self.seen:
            self.result.duplicates += 1
            return None
        self.seen.add(h)
        return h

    def flush(self, batch: list[tuple[int, Conversation, str]]) -> None:
        if not batch:
            return
        convs = [c for _, c, _ in batch]
        keys = [-(self.seq + i + 1) for i in range(len(convs))]
        self.seq += len(convs)
        near: dict[int, int] = {}
        if self.index is not None:
            found = self.index.check(keys, [conversation_text(c) for c in convs],
                                     index_duplicates=self.dedup != "near")
            near = {i: k for i, k in enumerate(found) if isinstance(k, int)}
        drop = self.dedup == "near"
        kept = [i for i in range(len(convs)) if not (drop and i in near)]
        kept_convs = [convs[i] for i in kept]
        self.labels.add(count_tokens(kept_convs, self.spec))
        added, dup = self.ctx.store.add_samples(self.ds.id, kept_convs,
                                                hashes=[batch[i][2] for i in kept])
        self.result.added += added
        self.result.duplicates += dup
        self.result.tokens_added += sum(c.token_count or 0 for c in kept_convs
                                        if c.id is not None)
        self.added_ids.extend(c.id for c in kept_convs if c.id is not None)
        for key, c in zip(keys, convs, strict=True):
            if c.id is not None:
                self.resolved[key] = c.id
        updates = []
        for i, key in sorted(near.items()):
            target = key if key >= 0 else self.resolved.get(key)
            self.result.near_duplicates += 1
            if len(self.result.near_duplicate_examples) < MAX_EXAMPLES:
                self.result.near_duplicate_examples.append({"line": batch[i][0], "of": target})
            c = convs[i]
            if not drop and c.id is not None and target is not None:
                c.meta["near_duplicate_of"] = target
                updates.append((c.id, c.meta))
        if updates:
            self.ctx.store.update_meta(updates)


def _import_error(e: Exception, path: Path) -> Exception:
    """``e`` as the typed error a user sees: a full disk, an unreadable or too deep file."""
    if isinstance(e, FtbError):
        return e
    if _disk_full(e):
        return FtbError("disk full: the import stopped and was undone",
                        "free some space on the disk of the store (--db), then import again")
    if isinstance(e, RecursionError):
        return FormatError(f"{path.name}: a record is {TOO_DEEP}", "flatten that record")
    if isinstance(e, OSError):
        return FtbError(f"cannot read {path}: {e.strerror or e}",
                        "check the file's permissions")
    return e


def _disk_full(e: Exception) -> bool:
    if isinstance(e, sqlite3.Error):
        return getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL \
            or "disk is full" in str(e)
    return isinstance(e, OSError) and e.errno == errno.ENOSPC


def _undo_import(ctx: AppContext, ds: DatasetInfo, created: bool, added_ids: list[int],
                 run_id: int, result: ImportResult, err: FtbError | Exception) -> None:
    """Remove what a failed import stored: the dataset it created, or the samples it added
    to an existing one. If that fails too (a disk at 100%: SQLite cannot even write the
    removal), the error's hint says what is left to delete."""
    try:
        if added_ids:
            ctx.store.delete_samples(ds.id, added_ids)
        if created:
            ctx.store.delete_dataset(ds.name)
        else:
            ctx.store.finish_run(run_id, "failed", _run_stats(result), str(err))
    except Exception:
        if isinstance(err, FtbError):
            left = (f"'{ds.name}'" if created
                    else f"{len(added_ids)} samples added to '{ds.name}'")
            err.message = err.message.replace(" and was undone", "")
            err.hint = (f"{err.hint}; what it stored ({left}) could not be removed: delete "
                        f"{'it' if created else 'them'} once there is space")


def _check_space(ctx: AppContext, path: Path) -> None:
    """Refuse an import that cannot fit: the store's disk has less free space than the file
    (samples take at least their JSON size), before anything is created."""
    if ctx.store.path == ":memory:":
        return
    try:
        st = os.statvfs(Path(ctx.store.path).parent)
        size = path.stat().st_size
    except OSError:
        return
    free = st.f_bavail * st.f_frsize
    if size > free:
        raise FtbError(f"disk full: {path.name} ({size:,} bytes) does not fit in the "
                       f"{free:,} bytes free on the disk of the store",
                       "free some space on that disk, or point --db at another disk")


def _run_stats(r: ImportResult) -> dict[str, Any]:
    return {"added": r.added, "duplicates": r.duplicates, "near_duplicates": r.near_duplicates,
            "skipped": r.skipped}


# --- listing and statistics ----------------------------------------------------------------
