"""Provider batches in the store (``ftb build --batch``, ``ftb batches``): one row per batch
sent, written before the batch is sent and updated as it runs (services/batch.py)."""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

_COLUMNS = ("id", "dataset_id", "run_id", "provider", "model", "base_url", "batch_id", "state",
            "custom_ids", "counts", "error", "round", "collected", "created_at", "updated_at")


def _row(r: tuple) -> dict[str, Any]:
    d = dict(zip(_COLUMNS, r, strict=True))
    d["custom_ids"] = json.loads(d["custom_ids"] or "{}")
    d["counts"] = json.loads(d["counts"] or "{}")
    d["collected"] = bool(d["collected"])
    return d


class BatchesMixin:
    """The batches table of :class:`~ftbuilder.store.db.Store`."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def add_batch(self, dataset_id: int, run_id: int | None, provider: str, model: str,
                  base_url: str, custom_ids: dict[str, str], round_: int = 0) -> int:
        """Record a batch about to be sent (state "submitting"); returns its row id."""
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO batches (dataset_id, run_id, provider, model, base_url, "
                "custom_ids, round) VALUES (?,?,?,?,?,?,?)",
                (dataset_id, run_id, provider, model, base_url or "", json.dumps(custom_ids),
                 round_))
            return cur.lastrowid or 0

    def update_batch(self, row_id: int, **fields: Any) -> None:
        """Set ``batch_id``, ``state``, ``counts``, ``error`` or ``collected`` of a batch."""
        allowed = {"batch_id", "state", "counts", "error", "collected", "run_id"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown batch fields {sorted(bad)}")
        values = [json.dumps(v) if k == "counts" else int(v) if k == "collected" else v
                  for k, v in fields.items()]
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._lock, self._db:
            self._db.execute(f"UPDATE batches SET {sets}, updated_at = "
                            "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                            (*values, row_id))

    def collect_batch(self, row_id: int, state: str, counts: dict[str, Any],
                      cache: list[tuple[Any, ...]]) -> None:
        """Write a finished batch's replies to the response cache (rows of ``cache_put``'s
        arguments) and mark it collected, in ONE transaction."""
        with self._lock, self._db:
            self._cache_put_nolock(cache)  # type: ignore[attr-defined]
            self._db.execute("UPDATE batches SET state = ?, counts = ?, collected = 1, "
                            "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                            (state, json.dumps(counts), row_id))

    def batches(self, dataset_id: int | None = None, open_only: bool = False
                ) -> list[dict[str, Any]]:
        """Batches (of one dataset, or all), oldest first; ``open_only``: not yet collected."""
        where, args = [], []
        if dataset_id is not None:
            where.append("dataset_id = ?")
            args.append(dataset_id)
        if open_only:
            where.append("collected = 0")
        sql = f"SELECT {', '.join(_COLUMNS)} FROM batches"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_row(r) for r in self._db.execute(sql + " ORDER BY id", args)]
