"""Files: opening inputs safely, writing outputs atomically, OS errors as typed errors.

Reading: a FIFO, a character or block device (``/dev/zero``) or a socket would block
``open()`` or never reach end of file, and a ``/proc``-like file reports size 0 whatever it
holds. So a path is checked before it is opened, the check is repeated on the open
descriptor (the path may have been swapped in between); readers then read at most the size
limit plus one byte (``ftbuilder.ingest.base.read_bytes``).

Writing: a file is written under a hidden temporary name in its own folder
(``.NAME.tmp``), flushed to disk and renamed over the target, so a reader sees the old file
or the new one, never a part. On any failure, a full disk included, the temporary file is
removed before the error goes up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from ftbuilder.core.errors import FtbError, StorageError

DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})
NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
FULL_HINT = "free some space on that disk (or write somewhere else) and run again"


NOT_REGULAR_HINT = ("only regular files are read: copy the data into a file first "
                    "(cat SOURCE > FILE)")


def file_kind(mode: int) -> str:
    """What a stat ``st_mode`` is, in words ("a regular file", "a FIFO (named pipe)", ...)."""
    for test, what in ((stat.S_ISREG, "a regular file"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO/named pipe"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link")):
        if test(mode):
            return what
    return "a special file"


def not_regular(path: str | Path, mode: int, error: type[FtbError]) -> FtbError:
    """The error for ``path`` (of stat mode ``mode``) not being a regular file."""
    return error(f"{path}: not a regular file (it is {file_kind(mode)})", NOT_REGULAR_HINT)


def check_regular(path: str | Path, error: type[FtbError]) -> os.stat_result:
    """stat ``path`` (following links); raise ``error`` unless it is a regular file.

    A missing path raises FileNotFoundError (callers word that themselves).
    """
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise not_regular(path, st.st_mode, error)
    return st


def open_regular(path: str | Path, error: type[FtbError]) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file, else raise ``error``.

    Opened non-blocking (a FIFO swapped in after a check cannot hang ``open``), then
    checked again on the descriptor, then switched back to blocking reads.
    """
    check_regular(path, error)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise not_regular(path, st.st_mode, error)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def os_error(e: OSError, what: str, hint: str) -> FtbError:
    """``e``, met while writing ``what`` (e.g. "export file /x/train.jsonl"), as a typed
    error: a full disk, a folder that cannot be written, or another OS error with ``hint``."""
    why = e.strerror or type(e).__name__
    if e.errno in DISK_FULL:
        return StorageError(f"the disk is full: cannot write {what} ({why})", FULL_HINT,
                            kind="disk_full")
    if e.errno in NOT_WRITABLE:
        return StorageError(f"cannot write {what} ({why})", hint, kind="read_only")
    return StorageError(f"cannot write {what} ({why})", hint, kind="io")


def tmp_path(path: Path) -> Path:
    """The temporary name a file is written under before it is renamed into place."""
    return path.with_name(f".{path.name}.tmp")


def remove_quietly(*paths: Path) -> None:
    """Remove files if they exist; a failure to remove is not raised over the first error."""
    for p in paths:
        with contextlib.suppress(OSError):
            p.unlink(missing_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every system allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, data: str | bytes, what: str = "",
                 hint: str = "write to a folder you can write") -> None:
    """Write ``data`` (str as UTF-8) to ``path`` atomically (a symlink's target is written;
    an existing file keeps its permissions).

    Raises:
        StorageError: the disk is full or the folder cannot be written (the temporary file is
            removed; ``path`` is as it was).
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(os.path.realpath(path))  # through a symlink: the file it points to changes
    tmp = tmp_path(path)
    try:
        with open(tmp, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileNotFoundError):  # an existing file keeps its mode
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(tmp, path)
    except OSError as e:
        remove_quietly(tmp)
        raise os_error(e, what or str(path), hint) from None
    except BaseException:
        remove_quietly(tmp)
        raise
    fsync_dir(path.parent)


def check_input_file(path: Path, folder_hint: str = "give a file") -> None:
    """A file named by the user, checked before it is read: it exists, is not a folder, and
    is a regular file (a FIFO or a device would block the read or never end).

    Raises:
        NotFoundError: it does not exist.
        UsageError: a folder, not a regular file, or it cannot be looked at.
    """
    from ftbuilder.core.errors import NotFoundError, UsageError

    if not path.exists():
        raise NotFoundError(f"file {path} does not exist", "check the path")
    if path.is_dir():
        raise UsageError(f"{path} is a folder", folder_hint)
    try:
        check_regular(path, UsageError)
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}", "check permissions") from None
