"""Backups of the store: written whole or not at all, and only whole ones count.

A backup is written with SQLite's online backup API under a hidden temporary name in the
backups folder (mode 0700, files 0600), checked (``PRAGMA quick_check``, header and size),
flushed to disk and renamed into place; only then are the oldest complete backups beyond
``keep`` removed. A failed backup (a full disk...) removes its temporary file, leaves the
earlier backups as they were and raises a typed error.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from pathlib import Path

from ftbuilder.core.errors import FtbError, StorageError
from ftbuilder.core.files import FULL_HINT, fsync_dir, os_error, remove_quietly, tmp_path
from ftbuilder.store.guard import storage_error

SQLITE_MAGIC = b"SQLite format 3\x00"
_HINT = "point the backups at a folder you can write, or free space there"


def is_complete(path: Path) -> bool:
    """Whether ``path`` is a whole SQLite file: its header, and a size that is the page count
    times the page size the header gives (a 0-byte or cut-off copy is not)."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError:
        return False
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return False
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    pages = int.from_bytes(head[28:32], "big")
    header_count_valid = head[24:28] == head[92:96] and pages > 0
    if header_count_valid:
        return size == pages * page
    return size > 0 and page > 0 and size % page == 0


def backup_names(folder: Path, stem: str) -> list[Path]:
    """The backups of store ``stem`` in ``folder`` (names ftb gives them), oldest first."""
    pattern = re.compile(re.escape(stem) + r"-\d{8}-\d{6}-\d{6}-[^/]*\.db")
    try:
        return sorted(p for p in folder.iterdir() if pattern.fullmatch(p.name))
    except OSError:
        return []


def prune(folder: Path, stem: str, keep: int) -> None:
    """Remove the oldest complete backups beyond the newest ``keep``; incomplete files are
    neither counted nor removed."""
    if keep <= 0:
        return
    good = [p for p in backup_names(folder, stem) if is_complete(p)]
    for old in good[:-keep]:
        old.unlink(missing_ok=True)


def _stamp() -> str:
    # One clock reading, microseconds after the seconds: names sort in creation order.
    ns = time.time_ns()
    return (time.strftime("%Y%m%d-%H%M%S", time.localtime(ns // 1_000_000_000))
            + f"-{ns // 1000 % 1_000_000:06d}")


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    except OSError as e:
        raise os_error(e, f"the backup folder {folder}", _HINT) from None


def _error(e: Exception, dest: Path, store_path: str) -> FtbError:
    if isinstance(e, OSError):
        return os_error(e, f"the backup {dest}", _HINT)
    if isinstance(e, sqlite3.Error):
        if getattr(e, "sqlite_errorname", "").startswith("SQLITE_FULL"):
            return StorageError(f"the disk is full: cannot write the backup {dest} ({e})",
                                FULL_HINT + "; the earlier backups are kept",
                                kind="disk_full")
        mapped = storage_error(e, store_path)
        if mapped is not None:
            return mapped
    return StorageError(f"could not write the backup {dest} ({e})",
                        "check the disk (free space, still mounted) and run again")


def write_backup(db: sqlite3.Connection, lock: threading.RLock, store_path: str,
                 folder: Path, keep: int, reason: str) -> Path:
    """Copy the store open as ``db`` into ``folder``; returns the new backup's path.

    Raises:
        StorageError: the copy could not be written whole (disk full, folder not writable);
            no file of it is left and the earlier backups are untouched.
    """
    _make_folder(folder)
    stem = Path(store_path).stem
    dest = folder / f"{stem}-{_stamp()}-{reason}.db"
    tmp = tmp_path(dest)
    extra = [tmp.with_name(tmp.name + s) for s in ("-journal", "-wal", "-shm")]
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        target = sqlite3.connect(tmp)
        try:
            with lock:
                db.backup(target)
            check = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if check != "ok" or not is_complete(tmp):
            raise StorageError(f"the backup {dest} did not check out whole ({check})",
                               "check the disk (free space, still mounted) and run again")
        os.replace(tmp, dest)
    except (OSError, sqlite3.Error) as e:
        remove_quietly(tmp, *extra)
        raise _error(e, dest, store_path) from None
    except BaseException:
        remove_quietly(tmp, *extra)
        raise
    fsync_dir(folder)
    prune(folder, stem, keep)
    return dest
