"""Real faults for tests: a small tmpfs (a disk that fills up), read-only bind mounts.

They need root (mount); where mounting is not allowed the test is skipped and says why.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest


def _mount(*args: str) -> None:
    p = subprocess.run(["mount", *args], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount here (needs root): mount {' '.join(args)}: "
                    f"{p.stderr.strip()}")


def mount_tmpfs(folder: Path, size: str) -> Path:
    """Mount a tmpfs of ``size`` (e.g. "512k") on ``folder`` (made if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder))
    return folder


def read_only(path: Path) -> None:
    """Make ``path`` (a file or a folder) read-only with a read-only bind mount on itself;
    undo with :func:`unmount`. Even root cannot write it then (EROFS)."""
    _mount("--bind", str(path), str(path))
    p = subprocess.run(["mount", "-o", "remount,ro,bind", str(path)], capture_output=True,
                       text=True)
    if p.returncode != 0:
        unmount(path)
        pytest.skip(f"cannot remount read-only here: {p.stderr.strip()}")


def unmount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def fill_disk(folder: Path) -> None:
    """Write a filler file in ``folder`` until its disk has no space left."""
    with open(folder / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


def free_disk(folder: Path) -> None:
    (folder / "filler").unlink(missing_ok=True)
