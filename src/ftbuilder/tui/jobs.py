"""Run a service call in a thread worker and report back with messages (harlequin pattern).

A screen calls ``start_job(self, "ingest", fn, *args)``; the worker calls ``fn(*args,
progress=..., cancel=...)`` when ``fn`` takes them, and posts :class:`JobProgress` (throttled),
then :class:`JobDone` or :class:`JobFailed` to the screen. ``post_message`` is thread-safe, so
the UI thread never waits on the work. Errors become one line (no traceback on screen).
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump
from textual.worker import Worker

from ftbuilder.core.errors import Cancelled, FtbError
from ftbuilder.core.progress import CancelToken, Progress

log = logging.getLogger("ftbuilder.tui")
JOB_GROUP = "ftb-jobs"  # every service call's worker (tests and the bench wait on these)
THROTTLE = 0.08  # seconds between progress messages: keeps the message queue short


class JobProgress(Message):
    """A throttled progress snapshot of job ``job``."""

    def __init__(self, job: str, progress: Progress) -> None:
        super().__init__()
        self.job = job
        self.progress = progress


class JobDone(Message):
    """Job ``job`` returned ``result``."""

    def __init__(self, job: str, result: Any) -> None:
        super().__init__()
        self.job = job
        self.result = result


class JobFailed(Message):
    """Job ``job`` raised; ``error`` is one line for the user. ``cancelled`` if the user asked.

    ``exc`` is the exception itself, for a screen that acts on its kind (a BudgetExceeded
    carries the estimate to ask about: tui/widgets/sources.py)."""

    def __init__(self, job: str, error: str, cancelled: bool = False,
                 exc: BaseException | None = None) -> None:
        super().__init__()
        self.job = job
        self.error = error
        self.cancelled = cancelled
        self.exc = exc


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def error_line(err: BaseException, redact: Callable[[str], str] | None = None) -> str:
    """One line for the user: FtbError's message + hint, else the type and message."""
    if isinstance(err, FtbError):
        text = str(err)
    else:
        text = f"unexpected error: {type(err).__name__}: {err}"
    text = " ".join(text.split())
    return redact(text) if redact else text


def start_job(target: MessagePump, job: str, fn: Callable[..., Any], *args: Any,
              redact: Callable[[str], str] | None = None, **kwargs: Any) -> CancelToken:
    """Run ``fn(*args, **kwargs)`` in a thread worker of ``target``; returns its CancelToken.

    Screens disable the control that starts a job while it runs, so jobs do not overlap.
    """
    token = CancelToken()
    last = [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= THROTTLE or (p.total and p.done >= p.total):
            last[0] = now
            target.post_message(JobProgress(job, p))

    if _accepts(fn, "progress"):
        kwargs.setdefault("progress", progress)
    if _accepts(fn, "cancel"):
        kwargs.setdefault("cancel", token)

    def work() -> None:
        try:
            result = fn(*args, **kwargs)
        except Cancelled as e:
            target.post_message(JobFailed(job, error_line(e, redact), cancelled=True, exc=e))
        except Exception as e:  # the UI must survive any failure; the log keeps the detail
            log.exception("job %s failed", job)
            target.post_message(JobFailed(job, error_line(e, redact), exc=e))
        else:
            target.post_message(JobDone(job, result))

    worker: Worker[None] = target.run_worker(  # type: ignore[attr-defined]
        work, name=job, group=JOB_GROUP, thread=True, exit_on_error=False)
    del worker
    return token


def fmt_eta(seconds: float | None) -> str:
    """'1m 05s', '42s' or '--'."""
    if seconds is None:
        return "--"
    s = int(seconds)
    return f"{s // 60}m {s % 60:02d}s" if s >= 60 else f"{s}s"
