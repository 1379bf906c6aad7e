"""Which process owns a run: pid, host and the process's start time, and whether it lives.

A run is recorded with its owner (:func:`current`); a run still "running" whose owner on
this host no longer exists was killed (kill -9, power loss) and is marked "interrupted" the
next time a store is opened or runs are listed. The start time tells a reused pid apart.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _stat(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks since boot) of ``pid`` from /proc; None without it."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()  # the name in parentheses may hold spaces
    return (fields[0], fields[19]) if len(fields) > 19 else None


def current() -> tuple[int, str, str | None]:
    """(pid, host, start time) of this process."""
    st = _stat(os.getpid())
    return os.getpid(), socket.gethostname(), st[1] if st else None


def alive(pid: int, started: str | None) -> bool:
    """Whether process ``pid`` of this host still runs and is the one that started at
    ``started`` (a pid reused by a later process does not count; a zombie is dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    except OSError:
        return True  # cannot tell: leave the run alone
    st = _stat(pid)
    if st is None:
        return True
    state, start = st
    if state in ("Z", "X"):
        return False
    return started is None or start == started
