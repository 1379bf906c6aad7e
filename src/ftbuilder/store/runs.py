"""Runs (build, import...) in the store: who runs them, how they ended, the interrupted ones.

A run records its owner (store/owner.py); a run left "running" by a process of this host
that no longer exists (kill -9, power loss) is marked "interrupted" when a store is opened
and whenever runs are listed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from typing import Any

from ftbuilder.core.errors import StorageError
from ftbuilder.store import owner


class RunsMixin:
    """The runs table of :class:`~ftbuilder.store.db.Store`."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    timeout: float

    def start_run(self, kind: str, dataset_id: int | None = None,
                  params: dict[str, Any] | None = None) -> int:
        pid, host, started = owner.current()
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO runs (dataset_id, kind, params, pid, host, proc_start) "
                "VALUES (?,?,?,?,?,?)",
                (dataset_id, kind, json.dumps(params or {}, default=str), pid, host, started))
            return cur.lastrowid or 0

    def reap_runs(self) -> int:
        """Mark "interrupted" the runs left "running" by a process of this host that no
        longer exists (killed); runs of a live process or another host are left alone, and
        so is everything when the store cannot be written (read-only). Returns how many."""
        host = owner.current()[1]
        rows = self._db.execute("SELECT id, pid, host, proc_start FROM runs "
                               "WHERE status = 'running'").fetchall()
        dead = [(r[0], r[1]) for r in rows
                if r[1] is None or (r[2] == host and not owner.alive(r[1], r[3]))]
        if not dead:
            return 0
        # a short wait: a store another process is writing is marked on a later open
        self._db.execute("PRAGMA busy_timeout = 500")
        try:
            with self._lock, self._db:
                for run_id, pid in dead:
                    who = f"process {pid} on {host}" if pid else "its process"
                    self._db.execute(
                        "UPDATE runs SET status = 'interrupted', error = ?, finished_at = "
                        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ? AND "
                        "status = 'running'",
                        (f"interrupted: {who} ended before the run finished (killed?)",
                         run_id))
        except StorageError:  # read-only or locked: the runs are marked another time
            return 0
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        return len(dead)

    def finish_run(self, run_id: int, status: str, stats: dict[str, Any] | None = None,
                   error: str = "") -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE runs SET status = ?, stats = ?, error = ?, finished_at = "
                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
                (status, json.dumps(stats or {}, default=str), error, run_id))

    def list_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest runs; runs of killed processes are marked "interrupted" first."""
        self.reap_runs()
        rows = self._db.execute(
            "SELECT r.id, d.name, r.kind, r.status, r.started_at, r.finished_at, r.stats, r.error "
            "FROM runs r LEFT JOIN datasets d ON d.id = r.dataset_id ORDER BY r.id DESC LIMIT ?",
            (limit,)).fetchall()
        keys = ("id", "dataset", "kind", "status", "started_at", "finished_at", "stats", "error")
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["stats"] = json.loads(d["stats"])
            out.append(d)
        return out

    def dataset_runs(self, dataset_id: int, kind: str) -> list[dict[str, Any]]:
        """The dataset's runs of ``kind``, newest first: id, status, started_at and stats."""
        out = []
        for run_id, status, started, stats in self._db.execute(
                "SELECT id, status, started_at, stats FROM runs WHERE dataset_id = ? AND "
                "kind = ? ORDER BY id DESC", (dataset_id, kind)):
            out.append({"id": run_id, "status": status, "started_at": started,
                        "stats": json.loads(stats or "{}")})
        return out

    def run_params(self, dataset_id: int, kind: str) -> list[str]:
        """The params JSON of the dataset's runs of ``kind``, newest first."""
        return [r[0] for r in self._db.execute(
            "SELECT params FROM runs WHERE dataset_id = ? AND kind = ? ORDER BY id DESC",
            (dataset_id, kind))]

    def last_run(self, dataset_id: int, kinds: Iterable[str]) -> dict[str, Any] | None:
        """The newest run of a dataset among ``kinds``: id, kind, status, params, stats."""
        ks = list(kinds)
        r = self._db.execute(
            f"SELECT id, kind, status, params, stats FROM runs WHERE dataset_id = ? AND kind IN "
            f"({','.join('?' * len(ks))}) ORDER BY id DESC LIMIT 1", (dataset_id, *ks)).fetchone()
        if r is None:
            return None
        return {"id": r[0], "kind": r[1], "status": r[2], "params": json.loads(r[3]),
                "stats": json.loads(r[4])}
