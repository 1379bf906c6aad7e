"""The SQLite store: datasets, samples, documents, runs. Queries return core types.

One :class:`Store` per process/thread. WAL mode, foreign keys on, writes in transactions.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import NotFoundError, UsageError
from ftbuilder.core.types import Conversation, DatasetInfo, Message
from ftbuilder.store.backup import write_backup
from ftbuilder.store.batches import BatchesMixin
from ftbuilder.store.browse import BrowseMixin
from ftbuilder.store.guard import (
    BACKUP_HINT,
    GuardedConnection,
    busy_timeout,
    create_private,
    enable_wal,
    storage_error,
)
from ftbuilder.store.migrations import migrate
from ftbuilder.store.runs import RunsMixin

_SAMPLE_COLS = ("id, messages, token_count, topic_keywords, source_file, location, split, "
                "meta")
BACKUPS_KEPT = 5


def _row_to_conversation(r: tuple) -> Conversation:
    msgs = [Message.from_dict(m) for m in json.loads(r[1])]
    return Conversation(
        messages=msgs, id=r[0], token_count=r[2], topic_keywords=json.loads(r[3]),
        source_file=r[4], location=r[5], split=r[6], meta=json.loads(r[7]),
    )


class Store(RunsMixin, BrowseMixin, BatchesMixin):
    """SQLite-backed store. ``path`` may be ":memory:" (tests).

    ``timeout``: seconds to wait for a lock held by another process (default
    :func:`busy_timeout`); then a StorageError says the store is locked.

    Raises:
        UsageError: the file exists but is not an SQLite database (or is damaged), or its
            folder cannot be created.
        StorageError: the disk is full, the store is read-only or locked (store/guard.py).
    """

    def __init__(self, path: str | Path = ":memory:", timeout: float | None = None) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            try:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                why = ("a part of that path is a file, not a folder"
                       if isinstance(e, FileExistsError | NotADirectoryError) else e.strerror)
                raise UsageError(f"cannot create the folder of the store {self.path} ({why})",
                                 "point --db at a file in a folder you can write") from None
            create_private(self.path)
        self._lock = threading.RLock()
        self.timeout = busy_timeout() if timeout is None else timeout
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=self.timeout,
                                      factory=GuardedConnection)
            self._db.ftb_path, self._db.ftb_timeout = self.path, self.timeout
            self._db.execute("PRAGMA foreign_keys = ON")
            if self.path != ":memory:":
                enable_wal(self._db, self.timeout)
                self._db.execute("PRAGMA synchronous = NORMAL")
            migrate(self._db)
        except sqlite3.Error as e:
            mapped = storage_error(e, self.path, self.timeout)
            raise mapped or UsageError(f"{self.path} is not a usable dataset store ({e})",
                                       BACKUP_HINT) from None
        self.reap_runs()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- datasets ---------------------------------------------------------------------------
    def create_dataset(self, name: str, provider: str, model: str, mode: str,
                       config: dict[str, Any] | None = None) -> DatasetInfo:
        with self._lock, self._db:
            try:
                self._db.execute(
                    "INSERT INTO datasets (name, provider, model, mode, config) VALUES (?,?,?,?,?)",
                    (name, provider, model, mode, json.dumps(config or {})),
                )
            except sqlite3.IntegrityError:
                raise UsageError(f"a dataset named '{name}' already exists",
                                 "pick another name or delete it first") from None
        return self.get_dataset(name)

    def get_or_create_dataset(self, name: str, provider: str, model: str, mode: str,
                              config: dict[str, Any] | None = None) -> DatasetInfo:
        found = self.find_dataset(name)
        return found or self.create_dataset(name, provider, model, mode, config)

    def find_dataset(self, name: str) -> DatasetInfo | None:
        r = self._db.execute(
            "SELECT id, name, provider, model, mode, created_at, total_samples, total_tokens, "
            "config FROM datasets WHERE name = ?", (name,)).fetchone()
        if r is None:
            return None
        return DatasetInfo(*r[:8], config=json.loads(r[8]))

    def get_dataset(self, name: str) -> DatasetInfo:
        ds = self.find_dataset(name)
        if ds is None:
            names = ", ".join(d.name for d in self.list_datasets()) or "none yet"
            raise NotFoundError(f"no dataset named '{name}'", f"datasets in the store: {names}")
        return ds

    def list_datasets(self) -> list[DatasetInfo]:
        rows = self._db.execute(
            "SELECT id, name, provider, model, mode, created_at, total_samples, total_tokens, "
            "config FROM datasets ORDER BY created_at DESC, id DESC").fetchall()
        return [DatasetInfo(*r[:8], config=json.loads(r[8])) for r in rows]

    def update_dataset(self, dataset_id: int, **fields: Any) -> None:
        allowed = {"provider", "model", "mode", "config", "name"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"cannot update {bad}")
        if "config" in fields:
            fields["config"] = json.dumps(fields["config"])
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._lock, self._db:
            self._db.execute(f"UPDATE datasets SET {sets} WHERE id = ?",
                            (*fields.values(), dataset_id))

    def delete_dataset(self, name: str) -> None:
        ds = self.get_dataset(name)
        with self._lock, self._db:
            self._db.execute("DELETE FROM datasets WHERE id = ?", (ds.id,))

    # --- samples ----------------------------------------------------------------------------
    def add_samples(self, dataset_id: int, samples: Iterable[Conversation],
                    hashes: Iterable[str] | None = None) -> tuple[int, int]:
        """Insert samples in one transaction; exact duplicates (content hash) are skipped.

        ``hashes``: the samples' ``content_hash()`` values, in order, when the caller has
        computed them already (an import checks them first); computed here otherwise.
        Returns (added, duplicates). Sets ``id`` on the added conversations.
        """
        with self._lock, self._db:
            added, dup, _ = self._insert_samples_nolock(dataset_id, samples, hashes)
            self._refresh_totals_nolock(dataset_id)
        return added, dup

    def _insert_samples_nolock(self, dataset_id: int, samples: Iterable[Conversation],
                               hashes: Iterable[str] | None = None) -> tuple[int, int, int]:
        """(added, duplicates, tokens of the added samples)."""
        added = dup = tokens = 0
        cur = self._db.cursor()
        given = iter(hashes) if hashes is not None else None
        for c in samples:
            cur.execute(
                "INSERT OR IGNORE INTO samples (dataset_id, messages, token_count, "
                "topic_keywords, source_file, location, split, content_hash, meta) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                (dataset_id, c.messages_json(), c.token_count,
                 json.dumps(c.topic_keywords, ensure_ascii=False), c.source_file,
                 c.location, c.split, c.content_hash() if given is None else next(given),
                 json.dumps(c.meta, ensure_ascii=False, default=str)),
            )
            if cur.rowcount:
                added += 1
                tokens += c.token_count or 0
                c.id = cur.lastrowid
            else:
                dup += 1
        return added, dup, tokens

    def _refresh_totals_nolock(self, dataset_id: int) -> None:
        self._db.execute(
            "UPDATE datasets SET total_samples = (SELECT COUNT(*) FROM samples WHERE "
            "dataset_id = ?), total_tokens = (SELECT COALESCE(SUM(token_count), 0) FROM "
            "samples WHERE dataset_id = ?) WHERE id = ?", (dataset_id, dataset_id, dataset_id))

    def sample_hashes(self, dataset_id: int) -> list[tuple[int, str]]:
        """(id, content hash) of every sample of a dataset."""
        return self._db.execute("SELECT id, content_hash FROM samples WHERE dataset_id = ?",
                               (dataset_id,)).fetchall()

    def hashes(self, dataset_id: int) -> set[str]:
        return {r[0] for r in self._db.execute(
            "SELECT content_hash FROM samples WHERE dataset_id = ?", (dataset_id,))}

    def count_samples(self, dataset_id: int, split: str | None = None) -> int:
        if split is None:
            q, args = "SELECT COUNT(*) FROM samples WHERE dataset_id = ?", (dataset_id,)
        else:
            q, args = ("SELECT COUNT(*) FROM samples WHERE dataset_id = ? AND split = ?",
                       (dataset_id, split))
        return self._db.execute(q, args).fetchone()[0]

    def iter_samples(self, dataset_id: int, split: str | None = None,
                     batch: int = 5000) -> Iterator[Conversation]:
        """Samples in id order, optionally of one split, read in batches (bounded memory)."""
        last = 0
        while True:
            q = f"SELECT {_SAMPLE_COLS} FROM samples WHERE dataset_id = ? AND id > ?"
            args: list[Any] = [dataset_id, last]
            if split is not None:
                q += " AND split = ?"
                args.append(split)
            rows = self._db.execute(q + " ORDER BY id LIMIT ?", (*args, batch)).fetchall()
            if not rows:
                return
            for r in rows:
                yield _row_to_conversation(r)
            last = rows[-1][0]

    def get_sample(self, sample_id: int) -> Conversation:
        r = self._db.execute(f"SELECT {_SAMPLE_COLS} FROM samples WHERE id = ?",
                            (sample_id,)).fetchone()
        if r is None:
            raise NotFoundError(f"no sample with id {sample_id}")
        return _row_to_conversation(r)

    def update_sample(self, c: Conversation) -> None:
        if c.id is None:
            raise ValueError("sample has no id")
        with self._lock, self._db:
            self._db.execute(
                "UPDATE samples SET messages = ?, token_count = ?, topic_keywords = ?, "
                "content_hash = ?, meta = ? WHERE id = ?",
                (c.messages_json(), c.token_count, json.dumps(c.topic_keywords),
                 c.content_hash(), json.dumps(c.meta, default=str), c.id))
            ds = self._db.execute("SELECT dataset_id FROM samples WHERE id = ?", (c.id,)).fetchone()
            if ds:
                self._refresh_totals_nolock(ds[0])

    def update_samples(self, dataset_id: int, convs: Sequence[Conversation]) -> None:
        """Rewrite messages, tokens and meta of many samples in ONE transaction (scrub);
        the caller makes sure no two end up with the same content hash."""
        with self._lock, self._db:
            self._db.executemany(
                "UPDATE samples SET messages = ?, token_count = ?, content_hash = ?, meta = ? "
                "WHERE id = ? AND dataset_id = ?",
                ((c.messages_json(), c.token_count, c.content_hash(),
                  json.dumps(c.meta, ensure_ascii=False, default=str), c.id, dataset_id)
                 for c in convs))
            self._refresh_totals_nolock(dataset_id)

    def delete_samples(self, dataset_id: int, ids: Iterable[int]) -> int:
        ids = list(ids)
        with self._lock, self._db:
            n = 0
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                n += self._db.execute(
                    f"DELETE FROM samples WHERE dataset_id = ? AND id IN "
                    f"({','.join('?' * len(part))})", (dataset_id, *part)).rowcount
            self._refresh_totals_nolock(dataset_id)
        return n

    def set_splits(self, dataset_id: int, assignments: Iterable[tuple[int, str | None]]) -> None:
        """Store (sample_id, split) pairs in one transaction."""
        with self._lock, self._db:
            self._db.executemany("UPDATE samples SET split = ? WHERE id = ? AND dataset_id = ?",
                                ((s, i, dataset_id) for i, s in assignments))

    def split_counts(self, dataset_id: int) -> dict[str | None, int]:
        return dict(self._db.execute(
            "SELECT split, COUNT(*) FROM samples WHERE dataset_id = ? GROUP BY split",
            (dataset_id,)).fetchall())

    def sample_keys(self, dataset_id: int) -> list[tuple[int, str | None, list[str], str | None]]:
        """(id, source_file, topic_keywords, split) of every sample, in id order (splits)."""
        return [(r[0], r[1], json.loads(r[2]), r[3]) for r in self._db.execute(
            "SELECT id, source_file, topic_keywords, split FROM samples WHERE dataset_id = ? "
            "ORDER BY id", (dataset_id,))]

    def sample_strata(self, dataset_id: int) -> list[tuple[Any, ...]]:
        """(id, origin, category, language, first user message) of every sample, id order:
        the stratification keys of a split that live in ``meta`` (services/split.py)."""
        return self._db.execute(
            "SELECT id, json_extract(meta, '$.origin'), json_extract(meta, '$.category'), "
            "json_extract(meta, '$.language'), (SELECT json_extract(value, '$.content') FROM "
            "json_each(messages) WHERE json_extract(value, '$.role') = 'user' LIMIT 1) "
            "FROM samples WHERE dataset_id = ? ORDER BY id", (dataset_id,)).fetchall()

    def update_meta(self, items: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Replace the ``meta`` of samples given as (sample_id, meta) pairs, one transaction."""
        with self._lock, self._db:
            self._db.executemany("UPDATE samples SET meta = ? WHERE id = ?",
                                ((json.dumps(m, ensure_ascii=False, default=str), i)
                                 for i, m in items))

    def sample_dataset_id(self, sample_id: int) -> int:
        """The id of the dataset holding a sample; NotFoundError if there is no such sample."""
        r = self._db.execute("SELECT dataset_id FROM samples WHERE id = ?", (sample_id,)).fetchone()
        if r is None:
            raise NotFoundError(f"no sample with id {sample_id}")
        return r[0]

    # --- documents --------------------------------------------------------------------------
    def find_document(self, path: str, sha256: str) -> dict[str, Any] | None:
        r = self._db.execute("SELECT id, type, text, report, payload FROM documents WHERE "
                            "path = ? AND sha256 = ?", (path, sha256)).fetchone()
        if r is None:
            return None
        return {"id": r[0], "type": r[1], "text": r[2], "report": json.loads(r[3]),
                "payload": json.loads(r[4]) if r[4] else None}

    def save_document(self, path: str, sha256: str, type_: str, text: str,
                      report: dict[str, Any], payload: Any = None) -> int:
        with self._lock, self._db:
            cur = self._db.execute(
                "INSERT INTO documents (path, sha256, type, text, report, payload) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(path, sha256) DO UPDATE SET "
                "type = excluded.type, text = excluded.text, report = excluded.report, "
                "payload = excluded.payload",
                (path, sha256, type_, text, json.dumps(report),
                 None if payload is None else json.dumps(payload, ensure_ascii=False)))
            return cur.lastrowid or 0

    def list_documents(self) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT path, sha256, type, report, created_at FROM documents "
                               "ORDER BY id DESC").fetchall()
        return [{"path": r[0], "sha256": r[1], "type": r[2], "report": json.loads(r[3]),
                 "created_at": r[4]} for r in rows]

    # --- LLM work items and response cache (agents/runner.py, backends/cache.py) ---------
    def add_work_items(self, dataset_id: int, items: Iterable[tuple[str, dict[str, Any]]],
                       cache: Iterable[Sequence[Any]] = ()) -> int:
        """Register (key, payload) work items as pending; known keys are left as they are.

        ``cache``: LLM replies to write in the same transaction (rows of :meth:`cache_put`'s
        arguments). Returns how many items were new.
        """
        with self._lock, self._db:
            n = self._register_nolock(dataset_id, items)
            self._cache_put_nolock(cache)
        return n

    def _register_nolock(self, dataset_id: int,
                         items: Iterable[tuple[str, dict[str, Any]]]) -> int:
        return self._db.executemany(
            "INSERT OR IGNORE INTO work_items (dataset_id, key, payload) VALUES (?,?,?)",
            ((dataset_id, k, json.dumps(p, ensure_ascii=False)) for k, p in items)).rowcount

    def work_states(self, dataset_id: int) -> dict[str, tuple[str, int]]:
        """key -> (status, attempts) of every work item of a dataset."""
        return {r[0]: (r[1], r[2]) for r in self._db.execute(
            "SELECT key, status, attempts FROM work_items WHERE dataset_id = ?", (dataset_id,))}

    def work_items(self, dataset_id: int, statuses: Iterable[str]) -> list[tuple[str, dict, int]]:
        """(key, payload, attempts) of the items in ``statuses``, oldest first."""
        st = list(statuses)
        rows = self._db.execute(
            f"SELECT key, payload, attempts FROM work_items WHERE dataset_id = ? AND status IN "
            f"({','.join('?' * len(st))}) ORDER BY id", (dataset_id, *st)).fetchall()
        return [(r[0], json.loads(r[1]), r[2]) for r in rows]

    def work_counts(self, dataset_id: int) -> dict[str, int]:
        return dict(self._db.execute("SELECT status, COUNT(*) FROM work_items WHERE dataset_id = ? "
                                    "GROUP BY status", (dataset_id,)).fetchall())

    def commit_work(self, dataset_id: int, key: str, samples: Iterable[Conversation],
                    payload: dict[str, Any] | None = None, status: str = "done",
                    error: str = "", register: Iterable[tuple[str, dict[str, Any]]] = (),
                    cache: Iterable[Sequence[Any]] = ()) -> tuple[int, int]:
        """Add a work item's samples and record its outcome in ONE transaction.

        A run killed at any point leaves either both (samples and status) or neither.
        ``register`` (other items to record as pending) and ``cache`` (LLM replies, rows of
        :meth:`cache_put`'s arguments) are written in the same transaction.
        Returns (added, duplicates) like :meth:`add_samples`.
        """
        with self._lock, self._db:
            self._register_nolock(dataset_id, register)
            self._cache_put_nolock(cache)
            added, dup, tokens = self._insert_samples_nolock(dataset_id, samples)
            self._db.execute(
                "INSERT INTO work_items (dataset_id, key, payload, status, attempts, error, "
                "samples) VALUES (?,?,?,?,1,?,?) ON CONFLICT(dataset_id, key) DO UPDATE SET "
                "status = excluded.status, attempts = attempts + 1, error = excluded.error, "
                "samples = samples + excluded.samples, updated_at = "
                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (dataset_id, key, json.dumps(payload or {}, ensure_ascii=False), status, error,
                 added))
            if added:  # by what was added: a recount scans the whole dataset every item
                self._db.execute(
                    "UPDATE datasets SET total_samples = total_samples + ?, total_tokens = "
                    "total_tokens + ? WHERE id = ?",
                    (added, tokens, dataset_id))
        return added, dup

    def reset_work(self, dataset_id: int, statuses: Iterable[str] = ("failed",)) -> int:
        """Set the items in ``statuses`` back to pending (``ftb retry``). Returns how many."""
        st = list(statuses)
        with self._lock, self._db:
            return self._db.execute(
                f"UPDATE work_items SET status = 'pending' WHERE dataset_id = ? AND status IN "
                f"({','.join('?' * len(st))})", (dataset_id, *st)).rowcount

    def count_samples_meta(self, dataset_id: int, **meta: Any) -> int:
        """Samples of a dataset whose ``meta`` has every given key = value (e.g. mode="create")."""
        q = "SELECT COUNT(*) FROM samples WHERE dataset_id = ?"
        args: list[Any] = [dataset_id]
        for k, v in meta.items():
            if not k.isidentifier():
                raise ValueError(f"bad meta key {k!r}")
            q += f" AND json_extract(meta, '$.{k}') = ?"
            args.append(v)
        return self._db.execute(q, args).fetchone()[0]

    def first_user_messages(self, dataset_id: int) -> Iterator[str]:
        """The first user message of every sample (near-duplicate checks), streamed."""
        for (text,) in self._db.execute(
                "SELECT (SELECT json_extract(value, '$.content') FROM json_each(messages) "
                "WHERE json_extract(value, '$.role') = 'user' LIMIT 1) FROM samples "
                "WHERE dataset_id = ?", (dataset_id,)):
            if text:
                yield str(text)

    def cache_get(self, key: str) -> tuple[str, int, int] | None:
        """A cached LLM reply: (text, prompt_tokens, completion_tokens), or None."""
        r = self._db.execute("SELECT response, prompt_tokens, completion_tokens FROM llm_cache "
                            "WHERE key = ?", (key,)).fetchone()
        return None if r is None else (r[0], r[1], r[2])

    def cache_put(self, key: str, backend: str, model: str, response: str,
                  prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        with self._lock, self._db:
            self._cache_put_nolock([(key, backend, model, response, prompt_tokens,
                                     completion_tokens)])

    def _cache_put_nolock(self, rows: Iterable[Sequence[Any]]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO llm_cache (key, backend, model, response, prompt_tokens, "
            "completion_tokens) VALUES (?,?,?,?,?,?)", rows)

    # --- backups ----------------------------------------------------------------------------
    def backup(self, dest_dir: str | Path | None = None, keep: int = BACKUPS_KEPT,
               reason: str = "manual") -> Path | None:
        """Copy the store with SQLite's online backup API; keep the newest ``keep`` copies
        (store/backup.py: written whole or not at all, only whole copies count).

        Returns the backup path (None for an in-memory store).

        Raises:
            StorageError: the copy could not be written (disk full...); earlier backups kept.
        """
        if self.path == ":memory:":
            return None
        folder = Path(dest_dir) if dest_dir else Path(self.path).parent / "backups"
        return write_backup(self._db, self._lock, self.path, folder, keep, reason)
