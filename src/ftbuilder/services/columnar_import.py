"""Use case: ``ftb import`` of columnar data (Parquet, Arrow, CSV files and folders, and
``hf:OWNER/NAME[:CONFIG][@SPLIT]``), streamed in bounded memory.

Rows arrive in record batches (:mod:`ftbuilder.sources.columnar`, :mod:`ftbuilder.sources.hf`)
and become conversations by a column mapping (``--map``, else the layout detected from the
column names: :mod:`ftbuilder.sources.mapping`) or a preset (``codewikibench``:
:mod:`ftbuilder.sources.codewiki`). Each batch is token-counted and committed on its own, so
memory does not grow with the number of rows and a cancel keeps what was stored. Exact
duplicates are dropped by the store's content-hash key (no set of hashes held in memory);
near-duplicates are flagged as for JSONL imports up to ``NEAR_MAX_ROWS`` rows (the index
grows with the rows), beyond that the import says the check was skipped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import Cancelled, FormatError, FtbError, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation
from ftbuilder.quality.dedup import DEFAULT_THRESHOLD
from ftbuilder.services.context import AppContext
from ftbuilder.services.importing import (
    DEDUP_MODES,
    ImportResult,
    _dataset_for_import,
    _import_error,
    _Importer,
    _run_stats,
    _undo_import,
)
from ftbuilder.sources.columnar import HF_PREFIX, TableSource, open_table
from ftbuilder.sources.mapping import RowMapper, detect, parse_map

PRESETS = ("codewikibench",)
NEAR_MAX_ROWS = 50_000  # the MinHash index holds ~3 KB per row: beyond, memory would grow


class _StreamImporter(_Importer):
    """The JSONL importer's batching, without per-row state that grows with the rows."""

    def __init__(self, ctx: AppContext, ds: Any, result: ImportResult, dedup: str,
                 threshold: float | None) -> None:
        if threshold is None:  # skip loading every existing hash: the store's key dedups
            self.ctx, self.ds, self.result, self.dedup = ctx, ds, result, dedup
            from ftbuilder.services.importing import _spec

            self.spec = _spec(ds)
            self.seen: set[str] = set()
            self.index = None
            self.resolved: dict[int, int] = {}
            self.seq = 0
            self.labels: set[str] = set()
            self.added_ids: list[int] = []
        else:
            super().__init__(ctx, ds, result, dedup, threshold)
        self.first_id: int | None = None  # samples of this import: ids from here on

    def is_new(self, conv: Conversation) -> str | None:
        if self.index is not None:
            return super().is_new(conv)
        return conv.content_hash()  # a duplicate is refused by the store's UNIQUE key

    def flush(self, batch: list[tuple[int, Conversation, str]]) -> None:
        super().flush(batch)
        if self.first_id is None and self.added_ids:
            self.first_id = self.added_ids[0]
        self.added_ids.clear()  # ids are increasing: first_id is enough to undo
        if self.index is None:
            self.resolved.clear()

    def ids_added(self) -> list[int]:
        """The ids of the samples this import stored (read back only to undo it)."""
        if self.first_id is None:
            return []
        return [i for i, *_ in self.ctx.store.sample_keys(self.ds.id) if i >= self.first_id]


def _open(path: str) -> TableSource:
    if path.startswith(HF_PREFIX):
        from ftbuilder.sources.hf import open_hub

        return open_hub(path)
    return open_table(path)


def _first(src: TableSource) -> tuple[list[str], Iterator[tuple[str, int, list[dict]]]]:
    """The column names (from the first batch when the source could not say) and the
    batches, the first one included."""
    first = next(src.batches, None)
    if first is None:
        return src.columns, iter(())
    columns = src.columns or list(first[2][0]) if first[2] else src.columns

    def chain() -> Iterator[tuple[str, int, list[dict]]]:
        yield first
        yield from src.batches

    return columns, chain()


def import_columnar(ctx: AppContext, path: str | Path, name: str, mapping: str | None = None,
                    preset: str | None = None, provider: str | None = None,
                    model: str | None = None, dedup: str = "exact",
                    near_threshold: float | None = DEFAULT_THRESHOLD,
                    progress: ProgressFn | None = None,
                    cancel: CancelToken | None = None) -> ImportResult:
    """Import a Parquet/Arrow/CSV file or folder, or a Hub dataset, into dataset ``name``.

    ``result.format`` names the source kind and the layout used (e.g. ``parquet: alpaca``);
    ``errors`` lists the first rows skipped (``line`` = the row number) with the reason.

    Raises:
        UsageError: a bad --map, preset, dedup mode or name; a target unlike the dataset's.
        NotFoundError: no such file/folder, or Hub dataset.
        FormatError: no known layout in the columns (says how to --map them).
        IngestError: a file cannot be read. FtbError: the Hub cannot be reached.
        Cancelled: ``cancel`` was set; batches stored before are kept.
    """
    started = time.monotonic()
    if preset is not None and preset not in PRESETS:
        raise UsageError(f"unknown preset '{preset}'", "use one of: " + ", ".join(PRESETS))
    if preset and mapping:
        raise UsageError("--preset and --map cannot be used together")
    if dedup not in DEDUP_MODES:
        raise UsageError(f"unknown dedup mode '{dedup}'", "use exact or near")
    if not name or not name.strip():
        raise UsageError("the dataset name is empty", "pass --name NAME")
    text = str(path)
    src = _open(text)
    columns, batches = _first(src)
    mapper: RowMapper | None = None
    if preset is None:
        mapper = parse_map(mapping, columns) if mapping else detect(columns)
    layout = preset or (mapper.layout if mapper else "")
    ds, created = _dataset_for_import(ctx, name, provider, model)
    threshold = near_threshold if src.total is not None and src.total <= NEAR_MAX_ROWS \
        else None
    result = ImportResult(ds.name, text, ds.provider, ds.model, created,
                          f"{src.kind}: {layout}", near_dropped=dedup == "near")
    if threshold is None and near_threshold is not None:
        result.notes.append(f"near-duplicate check skipped: over {NEAR_MAX_ROWS:,} rows or "
                            "a row count unknown before reading (`ftb validate` finds them)")
    run_id = ctx.store.start_run("import", ds.id, {"path": text, "format": result.format,
                                                    "dedup": dedup})
    imp = _StreamImporter(ctx, ds, result, dedup, threshold)
    rows_read = 0
    try:
        batch: list[tuple[int, Conversation, str]] = []
        for label, first_row, rows in batches:
            if cancel is not None:
                cancel.check()
            for offset, row in enumerate(rows):
                n = first_row + offset
                rows_read += 1
                try:
                    if mapper is not None:
                        convs = [mapper.convert(row)]
                    else:
                        from ftbuilder.sources.codewiki import components

                        convs = components(row)
                except FormatError as e:
                    imp.error(rows_read, f"{label + ' ' if label else ''}row {n}: {e}")
                    continue
                for conv in convs:
                    result.records += 1
                    conv.source_file = conv.source_file or label or src.label
                    conv.location = conv.location or f"row {n}"
                    conv.meta.setdefault("mode", "import")
                    h = imp.is_new(conv)
                    if h is not None:
                        batch.append((rows_read, conv, h))
            imp.flush(batch)  # one transaction per record batch: bounded memory
            batch = []
            report(progress, "import", rows_read, src.total or 0,
                   f"{result.added:,} added", started=started)
        imp.flush(batch)
        report(progress, "import", rows_read, src.total or rows_read,
               f"{result.added:,} added", started=started)
    except Cancelled:
        ctx.store.finish_run(run_id, "cancelled", _run_stats(result))
        raise
    except Exception as e:  # nothing half-imported stays, as for JSONL imports
        err = e if isinstance(e, FtbError) else _import_error(e, Path(text))
        _undo_import(ctx, ds, created, imp.ids_added(), run_id, result, err)
        if err is e:
            raise
        raise err from None
    if created and result.added == 0 and result.skipped:
        ctx.store.delete_dataset(ds.name)  # every row failed: no empty dataset is left
        result.created = False
        result.seconds = round(time.monotonic() - started, 3)
        return result
    result.formats[layout] = result.records
    result.token_counts = next((k for k in ("estimate", "exact") if k in imp.labels),
                               "not counted")
    fresh = ctx.store.get_dataset(ds.name)
    result.total_samples, result.total_tokens = fresh.total_samples, fresh.total_tokens
    result.seconds = round(time.monotonic() - started, 3)
    ctx.store.finish_run(run_id, "ok", {**_run_stats(result), "rows": rows_read})
    return result
