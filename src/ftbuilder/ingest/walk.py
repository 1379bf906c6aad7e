"""Expanding the files and folders a user named into the files to read: the one folder walk.

Rules:

* A path named on the command line is taken as given, even a symlink (the user asked for
  it); a folder is searched recursively, in sorted order.
* Inside a folder, a symlink is followed only when its target lies inside one of the folders
  the user named (by real path: a symlinked folder's contents must stay inside that folder's
  real path); one that points outside is skipped with a warning, so a link to /etc/shadow is
  never read. A link back to a parent folder or a file link loop (a loop), a link to a
  folder already walked and a broken link are skipped with a warning too (the real path of
  every folder visited is remembered); the walk goes on.
* FIFOs, devices and sockets are never opened: skipped with a warning.
* A subfolder that cannot be listed (permission denied) is skipped and reported as a
  failure (the run exits 1, as for an unreadable file).
* Hidden files and folders (.git, .venv...), Office lock files (~$...) and unsupported
  types are left out without a word.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ftbuilder.core.files import file_kind
from ftbuilder.ingest.base import file_type

OUTSIDE = "skipped: symlink to outside the input folder"
LOOP = "skipped: symlink loop"
BROKEN = "skipped: broken symlink (its target does not exist)"
TWICE = "skipped: symlink to a folder already included"


@dataclass(frozen=True, slots=True)
class Skipped:
    """A path left out of a folder walk. ``failed``: counts as a failure (exit 1), not as a
    warning."""

    path: Path
    reason: str
    failed: bool = False


@dataclass
class Walk:
    """The files to read (in order, each once) and what was left out, with why."""

    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def hidden(name: str) -> bool:
    return name.startswith((".", "~$"))  # dot files/folders, Office lock files


def real(path: str | Path) -> str:
    """The real path (links resolved); never raises on a loop, unlike Path.resolve."""
    return os.path.realpath(path)


def _inside(target: str, roots: list[str]) -> bool:
    return any(target == r or target.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


class _Walker:
    def __init__(self, roots: list[str], wanted: Callable[[str], bool]) -> None:
        self.roots = roots
        self.wanted = wanted
        self.visited: set[str] = set()
        self.result = Walk()

    def skip(self, path: str, reason: str, failed: bool = False) -> None:
        self.result.skipped.append(Skipped(Path(path), reason, failed))

    def walk(self, top: str) -> list[Path]:
        """The wanted files under ``top`` (sorted), recording what is skipped."""
        found: list[Path] = []
        self.visited.add(real(top))
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as e:
                self.skip(folder, f"skipped: folder not readable ({e.strerror or e})",
                          failed=True)
                continue
            subdirs = []
            for entry in entries:
                if hidden(entry.name):
                    continue
                sub = self.entry(entry, found)
                if sub is not None:
                    subdirs.append(sub)
            stack.extend(reversed(subdirs))
        return sorted(found)

    def entry(self, entry: os.DirEntry[str], found: list[Path]) -> str | None:
        """Handle one folder entry: a folder to descend into is returned."""
        is_link = False
        try:
            is_link = entry.is_symlink()
            if is_link:
                target = real(entry.path)
                if not _inside(target, self.roots):
                    self.skip(entry.path, OUTSIDE)
                    return None
            st = os.stat(entry.path)  # follows a link (inside the roots by now)
        except OSError as e:
            if is_link:  # ELOOP, or a target that does not exist
                self.skip(entry.path, LOOP if _loops(entry.path) else BROKEN)
            else:
                self.skip(entry.path, f"skipped: cannot read ({e.strerror or e})")
            return None
        if stat.S_ISDIR(st.st_mode):
            key = real(entry.path)
            if key in self.visited:
                if is_link:  # a link to one of its own parent folders is a loop
                    here = real(os.path.dirname(entry.path))
                    self.skip(entry.path, LOOP if _inside(here, [key]) else TWICE)
                return None
            self.visited.add(key)
            return entry.path
        if not self.wanted(entry.name):
            return None
        if not stat.S_ISREG(st.st_mode):
            self.skip(entry.path, f"skipped: not a regular file (it is {file_kind(st.st_mode)})")
            return None
        found.append(Path(entry.path))
        return None


def _loops(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as e:
        return e.errno == errno.ELOOP
    return False


def walk_inputs(paths: Iterable[str | Path],
                wanted: Callable[[str], bool] = lambda name: file_type(name) is not None,
                ) -> Walk:
    """Expand ``paths`` (files and folders) into the files to read, per the module's rules.

    Files named explicitly are kept whatever they are (the reader reports an unsupported,
    missing or special file), each file appears once (by real path), in the order given.
    """
    named = [Path(raw).expanduser() for raw in paths]
    roots = [real(p) for p in named if p.is_dir()]
    walker = _Walker(roots, wanted)
    seen: set[str] = set()
    out = walker.result

    def add(p: Path) -> None:
        key = real(p)
        if key not in seen:
            seen.add(key)
            out.files.append(p)

    for p in named:
        if not p.is_dir():
            add(p)
            continue
        if real(p) in walker.visited:
            continue  # the same folder named twice, or inside one already walked
        for f in walker.walk(str(p)):
            add(f)
    return out
