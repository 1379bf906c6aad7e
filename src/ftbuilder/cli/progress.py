"""Progress on stderr (count, rate, ETA) and Ctrl-C turned into a CancelToken.

Progress is drawn only when stderr is a terminal, so ``--json`` output and logs stay clean.
"""

from __future__ import annotations

import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from ftbuilder.core.progress import CancelToken, Progress
from ftbuilder.core.text import visible


def _fmt_seconds(seconds: float) -> str:
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def format_progress(p: Progress) -> str:
    """One status line: ``stage  12/40  30%  3.1/s  ETA 9s  message``."""
    parts = [p.stage]
    if p.total:
        parts.append(f"{p.done}/{p.total}")
        parts.append(f"{100 * p.done / p.total:.0f}%")
    else:
        parts.append(str(p.done))
    rate = p.rate
    if rate:
        parts.append(f"{rate:.1f}/s" if rate < 100 else f"{rate:,.0f}/s")
    eta = p.eta if p.done < p.total else None
    if eta is not None:
        parts.append(f"ETA {_fmt_seconds(eta)}")
    if p.message:
        parts.append(p.message)
    return visible("  ".join(parts))  # a file name's ESC sequence is shown, not obeyed


class ProgressPrinter:
    """A ``ProgressFn`` that redraws one line on ``stream`` at most ~10 times a second.

    Disabled (a no-op) unless ``enabled`` or, by default, when ``stream`` is a TTY.
    Thread-safe: services may report from worker threads.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None,
                 interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        if enabled is None:
            enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.interval = interval
        self._last = 0.0
        self._width = 0
        self._lock = threading.Lock()

    def __call__(self, p: Progress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        final = bool(p.total) and p.done >= p.total
        with self._lock:
            if not final and now - self._last < self.interval:
                return
            self._last = now
            cols = shutil.get_terminal_size((100, 20)).columns - 1
            line = format_progress(p)[:cols]
            pad = max(0, self._width - len(line))
            self.stream.write("\r" + line + " " * pad)
            self.stream.flush()
            self._width = len(line)

    def clear(self) -> None:
        """Erase the status line (call before printing results)."""
        if not self.enabled or not self._width:
            return
        with self._lock:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


@contextmanager
def cancel_on_interrupt() -> Iterator[CancelToken]:
    """Yield a CancelToken that the first Ctrl-C sets; a second Ctrl-C stops at once.

    Outside the main thread (where signals cannot be handled) the token is just returned.
    """
    token = CancelToken()
    if threading.current_thread() is not threading.main_thread():
        yield token
        return

    def handler(signum: int, frame: object) -> None:
        if token.cancelled:
            raise KeyboardInterrupt
        token.cancel()
        if sys.stderr.isatty():
            sys.stderr.write("\ncancelling... (Ctrl-C again to stop at once)\n")
            sys.stderr.flush()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)
