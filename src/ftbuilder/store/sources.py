"""SQL of the repository sources (``ftb repos prepare``): tables ``source_repos`` and
``source_files`` (migration 004).

A selected file of a repository has one row per dataset: its SHA-256 (and that of the
Markdown file documenting it, when there is one), the commit it was read at, the work items
made from it and its status: ``pending`` (being prepared, or cut short), ``done`` or
``failed`` (with the reason). Its samples carry ``source_file = "<repo>/<path>"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.store.db import Store


@dataclass(slots=True)
class FileRow:
    repo: str
    path: str
    sha256: str
    doc_sha256: str = ""
    commit: str = ""
    status: str = "pending"
    error: str = ""
    items: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        return source_key(self.repo, self.path)


def source_key(repo: str, path: str) -> str:
    """The ``source_file`` of a repository file's samples: ``org/repo/path/in/repo``."""
    return f"{repo}/{path}"


class SourceStore:
    """The repository-source tables of one :class:`Store` (same connection and lock)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._db = store._db  # the same connection: one store, one writer lock
        self._lock = store._lock

    def files(self, dataset_id: int, repo: str | None = None) -> dict[tuple[str, str], FileRow]:
        """(repo, path) -> row, of one repository or all."""
        q = ("SELECT repo, path, sha256, doc_sha256, commit_id, status, error, items FROM "
             "source_files WHERE dataset_id = ?")
        args: list[Any] = [dataset_id]
        if repo is not None:
            q += " AND repo = ?"
            args.append(repo)
        out = {}
        for r in self._db.execute(q, args):
            out[(r[0], r[1])] = FileRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]))
        return out

    def begin_files(self, dataset_id: int, rows: Iterable[FileRow]) -> int:
        """Record ``rows`` as pending (new or changed files) and delete the samples their
        earlier versions made, in ONE transaction. Returns how many samples were deleted."""
        deleted = 0
        with self._lock, self._db:
            for row in rows:
                deleted += self._db.execute(
                    "DELETE FROM samples WHERE dataset_id = ? AND source_file = ?",
                    (dataset_id, row.source)).rowcount
                self._db.execute(
                    "INSERT INTO source_files (dataset_id, repo, path, sha256, doc_sha256, "
                    "commit_id, status, error, items) VALUES (?,?,?,?,?,?,'pending','',?) "
                    "ON CONFLICT(dataset_id, repo, path) DO UPDATE SET sha256 = excluded.sha256, "
                    "doc_sha256 = excluded.doc_sha256, commit_id = excluded.commit_id, "
                    "status = 'pending', error = '', items = excluded.items, updated_at = "
                    "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                    (dataset_id, row.repo, row.path, row.sha256, row.doc_sha256, row.commit,
                     json.dumps(row.items)))
            if deleted:
                self.store._refresh_totals_nolock(dataset_id)
        return deleted

    def set_items(self, dataset_id: int, row: FileRow) -> None:
        """Replace the work items of a file kept as it is (its samples stay); pending."""
        with self._lock, self._db:
            self._db.execute("UPDATE source_files SET items = ?, status = 'pending' WHERE "
                            "dataset_id = ? AND repo = ? AND path = ?",
                            (json.dumps(row.items), dataset_id, row.repo, row.path))
        row.status = "pending"

    def item_errors(self, dataset_id: int, keys: Iterable[str]) -> dict[str, str]:
        """key -> error of the failed work items among ``keys``."""
        out = {}
        for key, err in self._db.execute(
                "SELECT key, error FROM work_items WHERE dataset_id = ? AND status = 'failed'",
                (dataset_id,)):
            out[key] = err
        wanted = set(keys)
        return {k: v for k, v in out.items() if k in wanted}

    def remove_files(self, dataset_id: int, keys: Iterable[tuple[str, str]]) -> int:
        """Forget files gone from their repository, and their samples. Returns samples
        deleted."""
        deleted = 0
        with self._lock, self._db:
            for repo, path in keys:
                deleted += self._db.execute(
                    "DELETE FROM samples WHERE dataset_id = ? AND source_file = ?",
                    (dataset_id, source_key(repo, path))).rowcount
                self._db.execute("DELETE FROM source_files WHERE dataset_id = ? AND repo = ? AND "
                                "path = ?", (dataset_id, repo, path))
            if deleted:
                self.store._refresh_totals_nolock(dataset_id)
        return deleted

    def set_status(self, dataset_id: int,
                   updates: Iterable[tuple[str, str, str, str]]) -> None:
        """(repo, path, status, error) of files, one transaction."""
        with self._lock, self._db:
            self._db.executemany(
                "UPDATE source_files SET status = ?, error = ?, updated_at = "
                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE dataset_id = ? AND repo = ? AND "
                "path = ?", ((s, e, dataset_id, r, p) for r, p, s, e in updates))

    def save_repo(self, dataset_id: int, repo: str, commit: str,
                  skipped: dict[str, int]) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO source_repos (dataset_id, repo, commit_id, skipped) VALUES "
                "(?,?,?,?) ON CONFLICT(dataset_id, repo) DO UPDATE SET commit_id = "
                "excluded.commit_id, skipped = excluded.skipped, updated_at = "
                "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
                (dataset_id, repo, commit, json.dumps(skipped)))

    def repos(self, dataset_id: int) -> list[dict[str, Any]]:
        """Each repository prepared into the dataset: repo, commit, skipped (by reason),
        updated_at."""
        return [{"repo": r[0], "commit": r[1], "skipped": json.loads(r[2]), "updated_at": r[3]}
                for r in self._db.execute(
                    "SELECT repo, commit_id, skipped, updated_at FROM source_repos WHERE "
                    "dataset_id = ? ORDER BY repo", (dataset_id,))]

    def status_counts(self, dataset_id: int) -> dict[str, dict[str, int]]:
        """repo -> {status: files}."""
        out: dict[str, dict[str, int]] = {}
        for repo, status, n in self._db.execute(
                "SELECT repo, status, COUNT(*) FROM source_files WHERE dataset_id = ? "
                "GROUP BY repo, status", (dataset_id,)):
            out.setdefault(repo, {})[status] = n
        return out

    def samples_per_repo(self, dataset_id: int, repos: Iterable[str]) -> dict[str, int]:
        """Samples of each repository (their ``source_file`` starts with ``repo/``)."""
        return {repo: self._db.execute(
            "SELECT COUNT(*) FROM samples WHERE dataset_id = ? AND source_file >= ? AND "
            "source_file < ?", (dataset_id, repo + "/", repo + "0")).fetchone()[0]
            for repo in repos}

    def samples_per_file(self, dataset_id: int, sources: Iterable[str]) -> dict[str, int]:
        out = {}
        for src in sources:
            out[src] = self._db.execute(
                "SELECT COUNT(*) FROM samples WHERE dataset_id = ? AND source_file = ?",
                (dataset_id, src)).fetchone()[0]
        return out

    def failed(self, dataset_id: int) -> list[FileRow]:
        return [r for r in self.files(dataset_id).values() if r.status == "failed"]
