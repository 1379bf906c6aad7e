"""SQLite errors a user can cause, as typed errors: the one place the store maps them.

The store's connection is a :class:`GuardedConnection`: every statement the
:class:`~ftbuilder.store.db.Store` runs through it, every fetch and every commit turns a full
disk, a read-only or damaged file, or a lock held by another process into an ``error:`` +
``hint:`` (:func:`storage_error`). Other sqlite3 errors (constraint violations the callers
handle, programming errors) pass through unchanged.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from ftbuilder.core.errors import FtbError, StorageError, UsageError
from ftbuilder.core.files import FULL_HINT

BACKUP_HINT = "restore a backup from the backups/ folder beside the store, or point --db at " \
              "another file"
BUSY_TIMEOUT = 60.0  # seconds a command waits for a lock; FTB_BUSY_TIMEOUT overrides
LOCK_HINT = "let the other ftb command (or the app) finish, then run again; " \
            "FTB_BUSY_TIMEOUT=SECONDS waits longer"


def _disk_full(path: str) -> bool:
    """Whether the disk holding ``path`` has (next to) no space left: SQLite reports a full
    disk met while growing its -shm file as a plain I/O error."""
    try:
        st = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except (OSError, ValueError):
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def storage_error(e: sqlite3.Error, path: str, waited: float | None = None) -> FtbError | None:
    """The typed error for ``e`` met on the store at ``path``; None when it is not one a
    user can cause (a bug, or a constraint the caller handles)."""
    name = getattr(e, "sqlite_errorname", "") or ""
    base = "_".join(name.split("_")[:2])  # SQLITE_IOERR_WRITE -> SQLITE_IOERR
    detail = str(e)
    if base == "SQLITE_FULL" or "disk is full" in detail or (
            base == "SQLITE_IOERR" and _disk_full(path)):
        return StorageError(f"the disk holding the store {path} is full ({detail})",
                            FULL_HINT + " (the write that failed was rolled back)",
                            kind="disk_full")
    if base == "SQLITE_READONLY":
        return StorageError(f"the store {path} is read-only ({detail})",
                            "make the file and its folder writable (chmod u+w), or copy it "
                            "somewhere writable and point --db at the copy", kind="read_only")
    if base in ("SQLITE_BUSY", "SQLITE_LOCKED"):
        after = f" (waited {waited:g} s)" if waited is not None else ""
        return StorageError(f"the store {path} is locked by another ftb process{after}",
                            LOCK_HINT, kind="locked")
    if base in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return UsageError(f"{path} is not a usable dataset store ({detail})", BACKUP_HINT)
    if base == "SQLITE_CANTOPEN" and path != ":memory:" and not os.access(
            os.path.dirname(os.path.abspath(path)), os.W_OK):
        return StorageError(f"the store {path} is in a read-only folder; SQLite needs to "
                            f"create its -wal and -shm files beside it ({detail})",
                            "make the folder writable, or copy the store to a writable "
                            "folder and point --db at the copy", kind="read_only")
    if base in ("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"):
        return UsageError(f"cannot open the store {path} ({detail})",
                          "point --db at a file in a folder you can read and write")
    if base == "SQLITE_IOERR":
        return StorageError(f"the store {path} could not be read or written ({detail})",
                            "check the disk (free space, still mounted) and run again",
                            kind="io")
    return None


def busy_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a command waits for a store another process is writing: FTB_BUSY_TIMEOUT, or
    :data:`BUSY_TIMEOUT`."""
    raw = (os.environ if environ is None else environ).get("FTB_BUSY_TIMEOUT", "").strip()
    if not raw:
        return BUSY_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1e6:
        raise UsageError(f"FTB_BUSY_TIMEOUT={raw!r} is not a number of seconds",
                         "set it to e.g. 60, or unset it")
    return value


def create_private(path: str) -> None:
    """Create a new store file readable by its owner only (0600); SQLite gives its -wal and
    -shm files the same mode. An existing file is left as it is."""
    # OSError: it exists (perhaps made by another process just now), or SQLite will say why
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def enable_wal(db: sqlite3.Connection, timeout: float) -> None:
    """Put the store in WAL mode. Switching needs every other connection gone and SQLite
    answers "locked" at once instead of waiting (processes opening a new store together),
    so this waits here, up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            mode = db.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":  # the old mode comes back when it could not switch
                mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except StorageError as e:
            if e.kind != "locked" or time.monotonic() > deadline:
                raise
            mode = ""
        if mode == "wal" or (mode and time.monotonic() > deadline):
            return  # (a store left in another mode still works, with less concurrency)
        time.sleep(0.02)


class GuardedCursor(sqlite3.Cursor):
    """A cursor whose statements and fetches raise typed errors (see :func:`storage_error`)."""

    def _raise(self, e: sqlite3.Error) -> None:
        self.connection._raise(e)  # type: ignore[attr-defined]

    def execute(self, sql: str, parameters: Any = (), /) -> GuardedCursor:
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def executemany(self, sql: str, seq: Any, /) -> GuardedCursor:
        try:
            return super().executemany(sql, seq)
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def fetchmany(self, size: int = 1) -> list[Any]:
        try:
            return super().fetchmany(size)
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as e:
            self._raise(e)
            raise


class GuardedConnection(sqlite3.Connection):
    """``sqlite3.connect(path, factory=GuardedConnection)``; set ``ftb_path`` and
    ``ftb_timeout`` (seconds) after connecting, for the messages."""

    ftb_path = ":memory:"
    ftb_timeout: float | None = None

    def _raise(self, e: sqlite3.Error) -> None:
        """Raise the typed error for ``e`` if there is one (the caller re-raises ``e``)."""
        err = storage_error(e, self.ftb_path, self.ftb_timeout)
        if err is not None:
            raise err from None

    def cursor(self, factory: Any = GuardedCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)

    def execute(self, sql: str, parameters: Any = (), /) -> GuardedCursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq: Any, /) -> GuardedCursor:
        return self.cursor().executemany(sql, seq)

    def executescript(self, script: str, /) -> Any:
        try:
            return super().executescript(script)
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def commit(self) -> None:
        try:
            super().commit()
        except sqlite3.Error as e:
            self._raise(e)
            raise

    def __exit__(self, *exc: Any) -> Any:
        try:
            return super().__exit__(*exc)
        except sqlite3.Error as e:
            self._raise(e)
            raise
