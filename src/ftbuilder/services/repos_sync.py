"""Use cases of git repositories as a source, besides prepare (services/repos.py):
``ftb repos sync`` and ``ftb repos status``."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.agents.repo import MODE
from ftbuilder.core.errors import Cancelled, FtbError, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.services.context import AppContext
from ftbuilder.sources.repos import (
    ERROR,
    RepoOutcome,
    checked_out,
    head_commit,
    read_list,
    remove_partials,
    sync_entry,
)
from ftbuilder.store.sources import SourceStore


def repos_dir(ctx: AppContext, folder: str | Path | None = None) -> Path:
    p = Path(folder) if folder else ctx.settings.root / "repos"
    return p if p.is_absolute() else (Path.cwd() / p)


# --- sync ------------------------------------------------------------------------------------
@dataclass
class SyncResult:
    list: str
    dir: str
    repos: list[RepoOutcome] = field(default_factory=list)
    removed_partials: int = 0

    @property
    def failed(self) -> int:
        return sum(r.status == ERROR for r in self.repos)

    def counts(self) -> dict[str, int]:
        return dict(Counter(r.status for r in self.repos))

    def to_dict(self) -> dict[str, Any]:
        return {"list": self.list, "dir": self.dir, "counts": self.counts(),
                "failed": self.failed, "repos": [r.to_dict() for r in self.repos]}


def sync_repos(ctx: AppContext, list_path: str | Path | None = None,
               folder: str | Path | None = None, shallow: bool = True,
               progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> SyncResult:
    """Clone or update every repository of the list (default ``repos.txt`` of the project)
    into ``folder/<org>/<repo>`` (default ``repos/``).

    Returns a :class:`SyncResult`: one outcome per entry (cloned, updated, unchanged, or
    error with its reason); one failing entry never stops the others.

    Raises:
        UsageError: the list is missing, unreadable or empty.
        Cancelled: ``cancel`` was set; the clone in progress is removed, finished ones kept.
    """
    lst = Path(list_path) if list_path else ctx.settings.root / "repos.txt"
    if not lst.is_absolute() and not lst.exists() and (ctx.settings.root / lst).exists():
        lst = ctx.settings.root / lst  # relative to the project (the app's fields)
    entries = read_list(lst)
    if not entries:
        raise UsageError(f"{lst} lists no repository",
                         "write one repository URL or local path per line")
    root = repos_dir(ctx, folder)
    result = SyncResult(str(lst), str(root))
    root.mkdir(parents=True, exist_ok=True)
    result.removed_partials = remove_partials(root) + sum(
        remove_partials(org) for org in root.iterdir() if org.is_dir())
    started = time.monotonic()
    for i, entry in enumerate(entries):
        if cancel is not None:
            cancel.check()
        report(progress, "sync", i, len(entries), f"{entry.slug}…", started)
        try:
            out = sync_entry(entry, root, shallow, cancel)
        except Cancelled:
            raise Cancelled(f"cancelled: {i} of {len(entries)} repositories synced; the one "
                            "in progress was removed", "run the same sync again") from None
        result.repos.append(out)
        report(progress, "sync", i + 1, len(entries),
               f"{entry.slug}: {out.status}" + (f" ({out.reason})" if out.reason else ""),
               started)
    return result


# --- status ----------------------------------------------------------------------------------
def repos_status(ctx: AppContext, name: str | None = None,
                 folder: str | Path | None = None) -> dict[str, Any]:
    """Per repository: files selected, done, failed, pending, skipped by reason, samples.

    With ``name``: that dataset's repositories and its failed files (with the reason);
    without: every repository dataset, plus the repositories checked out under the folder
    that no dataset has prepared yet.

    Raises:
        NotFoundError: no dataset ``name``. UsageError: it is not a repository dataset.
    """
    src = SourceStore(ctx.store)
    if name is not None:
        ds = ctx.store.get_dataset(name)
        if ds.mode != MODE:
            raise UsageError(f"dataset '{name}' was not made by `ftb repos prepare`",
                             "`ftb stats NAME` shows any dataset")
        datasets = [ds]
    else:
        datasets = [d for d in ctx.store.list_datasets() if d.mode == MODE]
    rows: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    seen: set[str] = set()
    for ds in datasets:
        counts = src.status_counts(ds.id)
        repos = src.repos(ds.id)
        samples = src.samples_per_repo(ds.id, [r["repo"] for r in repos])
        for r in repos:
            c = counts.get(r["repo"], {})
            seen.add(r["repo"])
            rows.append({"dataset": ds.name, "repo": r["repo"], "commit": r["commit"][:12],
                         "files": sum(c.values()), "done": c.get("done", 0),
                         "failed": c.get("failed", 0), "pending": c.get("pending", 0),
                         "skipped": r["skipped"], "samples": samples[r["repo"]],
                         "prepared_at": r["updated_at"]})
        failed += [{"dataset": ds.name, "repo": f.repo, "path": f.path, "error": f.error}
                   for f in src.failed(ds.id)]
    root = repos_dir(ctx, folder)
    if name is None:
        for slug, path in checked_out(root):
            if slug not in seen:
                try:
                    commit = head_commit(path)[:12]
                except FtbError:
                    commit = ""
                rows.append({"dataset": None, "repo": slug, "commit": commit, "files": None,
                             "done": None, "failed": None, "pending": None, "skipped": {},
                             "samples": None, "prepared_at": None})
    return {"dir": str(root), "repos": rows, "failed_files": failed}

