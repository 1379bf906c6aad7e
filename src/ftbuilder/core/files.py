"""Opening input files safely: regular files only, reads bounded by a size limit.

A FIFO, a character or block device (``/dev/zero``) or a socket would block ``open()`` or
never reach end of file, and a ``/proc``-like file reports size 0 whatever it holds. So a
path is checked before it is opened, the check is repeated on the open descriptor (the path
may have been swapped in between); readers then read at most the size limit plus one byte
(``ftbuilder.ingest.base.read_bytes``).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

from ftbuilder.core.errors import FtbError

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


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename,
    so a crash or a full disk never leaves a half-written file (the temporary is removed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:  # as open() would have made it (mkstemp makes 0600)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
