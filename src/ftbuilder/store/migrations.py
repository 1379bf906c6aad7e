"""Schema migrations: named, append-only steps applied in order when the store opens.

Never edit or reorder a released migration; add a new one at the end of MIGRATIONS.
Each step returns its SQL; the pending steps run with their bookkeeping rows in one
transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def m001_initial() -> str:
    return """
        CREATE TABLE datasets (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            mode TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            total_samples INTEGER NOT NULL DEFAULT 0,
            total_tokens INTEGER NOT NULL DEFAULT 0,
            config TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE samples (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            messages TEXT NOT NULL,
            token_count INTEGER,
            topic_keywords TEXT NOT NULL DEFAULT '[]',
            source_file TEXT,
            location TEXT,
            split TEXT,
            content_hash TEXT NOT NULL,
            meta TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (dataset_id, content_hash)
        );
        CREATE INDEX samples_dataset_split ON samples(dataset_id, split);
        CREATE INDEX samples_dataset_source ON samples(dataset_id, source_file);
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            type TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            report TEXT NOT NULL DEFAULT '{}',
            payload TEXT,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (path, sha256)
        );
        CREATE INDEX documents_sha ON documents(sha256);
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'running',
            started_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            finished_at TEXT,
            params TEXT NOT NULL DEFAULT '{}',
            stats TEXT NOT NULL DEFAULT '{}',
            error TEXT NOT NULL DEFAULT ''
        );
        """


def m002_llm_work() -> str:
    """Response cache and per-chunk work items, so interrupted LLM runs resume."""
    return """
        CREATE TABLE llm_cache (
            key TEXT PRIMARY KEY,
            backend TEXT NOT NULL,
            model TEXT NOT NULL,
            response TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE TABLE work_items (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            error TEXT NOT NULL DEFAULT '',
            samples INTEGER NOT NULL DEFAULT 0,
            payload TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (dataset_id, key)
        );
        """


def m003_run_owner() -> str:
    """Which process runs a run, so a run left "running" by a killed process is found."""
    return """
        ALTER TABLE runs ADD COLUMN pid INTEGER;
        ALTER TABLE runs ADD COLUMN host TEXT;
        ALTER TABLE runs ADD COLUMN proc_start TEXT;
        """


def m004_source_files() -> str:
    """Repository sources (``ftb repos prepare``): per dataset, each repository's last
    selection (commit, files skipped by reason) and each selected file's SHA-256 and outcome,
    so an unchanged file is never sent again and a failed one can be retried."""
    return """
        CREATE TABLE source_repos (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            repo TEXT NOT NULL,
            commit_id TEXT NOT NULL DEFAULT '',
            skipped TEXT NOT NULL DEFAULT '{}',
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (dataset_id, repo)
        );
        CREATE TABLE source_files (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            repo TEXT NOT NULL,
            path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            doc_sha256 TEXT NOT NULL DEFAULT '',
            commit_id TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'pending',
            error TEXT NOT NULL DEFAULT '',
            items TEXT NOT NULL DEFAULT '[]',
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            UNIQUE (dataset_id, repo, path)
        );
        """


def m005_batches() -> str:
    """Provider batches (``ftb build --batch``): written before the batch is sent (state
    "submitting") and given the provider's batch id as soon as it exists, so a process
    killed at any point finds its batch again and never sends the same work twice.
    ``custom_ids``: JSON object custom id (the work item key) -> response cache key."""
    return """
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY,
            dataset_id INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
            run_id INTEGER,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            base_url TEXT NOT NULL DEFAULT '',
            batch_id TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'submitting',
            custom_ids TEXT NOT NULL DEFAULT '{}',
            counts TEXT NOT NULL DEFAULT '{}',
            error TEXT NOT NULL DEFAULT '',
            round INTEGER NOT NULL DEFAULT 0,
            collected INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
        );
        CREATE INDEX batches_dataset ON batches(dataset_id, collected);
        """


MIGRATIONS: list[tuple[str, Callable[[], str]]] = [
    ("001_initial", m001_initial),
    ("002_llm_work", m002_llm_work),
    ("003_run_owner", m003_run_owner),
    ("004_source_files", m004_source_files),
    ("005_batches", m005_batches),
]


def _statements(script: str) -> list[str]:
    """The SQL statements of ``script``, split where SQLite says a statement is complete."""
    out, buf = [], ""
    for part in script.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \t\r\n;"):
                out.append(buf.strip())
            buf = ""
    return out


def _applied(db: sqlite3.Connection) -> set[str]:
    try:
        return {r[0] for r in db.execute("SELECT name FROM _migrations")}
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return set()
        raise


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet applied, in one transaction. Returns their names.

    Safe when several processes open a new store at once: the pending steps are read again
    inside ``BEGIN IMMEDIATE`` (one writer at a time; the others wait on the busy timeout
    and then find nothing left to do). A store already up to date is only read, so a
    read-only one still opens.
    """
    if all(name in _applied(db) for name, _ in MIGRATIONS):
        return []
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at "
                   "TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))")
        done = _applied(db)
        applied = []
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            for statement in _statements(fn()):
                db.execute(statement)
            db.execute("INSERT INTO _migrations (name) VALUES (?)", (name,))
            applied.append(name)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return applied
