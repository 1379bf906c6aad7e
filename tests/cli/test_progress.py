"""The stderr progress line and Ctrl-C -> CancelToken."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest

from ftbuilder.cli.progress import ProgressPrinter, cancel_on_interrupt, format_progress
from ftbuilder.core.errors import Cancelled
from ftbuilder.core.progress import Progress


def test_format_shows_count_percent_rate_and_eta():
    p = Progress("ingest", 25, 100, "report.pdf", started=time.monotonic() - 5)
    line = format_progress(p)
    assert line.startswith("ingest  25/100  25%  5.0/s  ETA 15s")
    assert line.endswith("report.pdf")


def test_unknown_total_shows_the_count_only():
    line = format_progress(Progress("build", 7, 0, started=time.monotonic() - 1))
    assert line.startswith("build  7  ")
    assert "ETA" not in line and "%" not in line


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_printer_is_silent_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    printer = ProgressPrinter(stream)
    printer(Progress("x", 1, 2))
    printer.clear()
    assert stream.getvalue() == ""


def test_printer_redraws_one_line_and_clears_it():
    stream = FakeTTY()
    printer = ProgressPrinter(stream, interval=0)
    printer(Progress("export", 1, 4, started=time.monotonic() - 1))
    printer(Progress("export", 4, 4, started=time.monotonic() - 2))
    printer.clear()
    text = stream.getvalue()
    assert "\n" not in text
    assert text.count("\r") == 4  # two redraws, then blank and return
    assert "export  4/4  100%" in text
    first, last = text.split("\r")[1:3]
    assert "ETA 3s" in first
    assert "ETA" not in last  # none once finished
    assert text.endswith("\r")


def test_printer_throttles_updates():
    stream = FakeTTY()
    printer = ProgressPrinter(stream, interval=60)
    for i in range(1, 50):
        printer(Progress("tokens", i, 100))
    assert stream.getvalue().count("\r") == 1


def test_first_ctrl_c_cancels_second_interrupts():
    with cancel_on_interrupt() as token:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert token.cancelled
        with pytest.raises(Cancelled):
            token.check()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
