"""Progress reporting and cancellation shared by every long operation.

Services take ``progress: ProgressFn | None`` and ``cancel: CancelToken | None``. They call
``progress(Progress(...))`` as work advances and ``cancel.check()`` between units of work,
which raises :class:`~ftbuilder.core.errors.Cancelled`. Work committed before that is kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ftbuilder.core.errors import Cancelled


@dataclass(slots=True)
class Progress:
    """A snapshot of a long operation: ``done`` of ``total`` units (total 0 = unknown)."""

    stage: str
    done: int
    total: int = 0
    message: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def rate(self) -> float:
        """Units per second so far."""
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, or None when unknown."""
        if not self.total or not self.done:
            return None
        rate = self.rate
        return (self.total - self.done) / rate if rate else None


ProgressFn = Callable[[Progress], None]


class CancelToken:
    """Thread-safe cancellation flag. ``cancel()`` from any thread; ``check()`` in the worker."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user", "work finished before the cancel is kept")


def report(progress: ProgressFn | None, stage: str, done: int, total: int = 0,
           message: str = "", started: float | None = None) -> None:
    """Call ``progress`` if given (keeps call sites short)."""
    if progress is not None:
        p = Progress(stage, done, total, message)
        if started is not None:
            p.started = started
        progress(p)
