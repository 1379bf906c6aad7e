"""`ftb tui 2>log`: the app draws on the terminal, not into the file stderr was sent to.

A real `ftb tui` subprocess on a real pseudo-terminal (stdin and stdout), stderr a file.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui.helpers import write_project

SRC = Path(__file__).resolve().parents[2] / "src"


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    out = b""
    end = time.monotonic() + timeout
    while needle not in out and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


@pytest.mark.fault
def test_tui_with_stderr_redirected_draws_on_the_terminal(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    write_project(root)
    log = tmp_path / "log"
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    env = {**os.environ, "PYTHONPATH": str(SRC), "TERM": "xterm-256color", "COLUMNS": "100",
           "LINES": "30", "FTB_ROOT": str(root)}
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ftbuilder", "tui", "--config", str(root / "config.yaml"),
             "--db", str(root / "memory" / "store.db")],
            stdin=slave, stdout=slave, stderr=err, cwd=root, env=env, start_new_session=True)
    os.close(slave)
    try:
        screen = _read_until(master, b"palette", 60)  # the footer's "^p palette"
        assert b"palette" in screen and b"\x1b[?1049h" in screen  # drawn on the terminal
        os.write(master, b"q")
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert proc.returncode == 0
    written = log.read_bytes()
    assert b"\x1b[" not in written and b"palette" not in written, written[:200]


@pytest.mark.fault
def test_tui_without_any_terminal_says_so(tmp_path):
    root = tmp_path / "proj"
    root.mkdir()
    write_project(root)
    env = {**os.environ, "PYTHONPATH": str(SRC), "FTB_ROOT": str(root)}
    proc = subprocess.run(
        [sys.executable, "-m", "ftbuilder", "tui", "--config", str(root / "config.yaml"),
         "--db", str(root / "memory" / "store.db")],
        stdin=subprocess.DEVNULL, capture_output=True, cwd=root, env=env, timeout=60,
        start_new_session=True)  # no controlling terminal: /dev/tty cannot be opened
    assert proc.returncode == 2, proc.stderr[-500:]
    assert proc.stderr.decode().startswith("error: ftb tui needs a terminal to draw on")
    assert b"\x1b[" not in proc.stdout + proc.stderr
