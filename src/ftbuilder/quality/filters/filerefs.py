"""File references: ``path/file.ext:LINE`` (or ``:L1-L2``) in an answer exist in the source
repository: the file is there and has that many lines.

The repository is ``FilterOptions.repo_root`` when given (``ftb filter --repo``), else the
git work tree holding the sample's source file (the nearest parent with a ``.git``). Samples
from files outside any repository are not checked: there is nothing to resolve against.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ftbuilder.quality.filters.base import FilterOptions, SampleView

REF_RE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w.-]+\.[A-Za-z0-9]{1,8}):(\d+)(?:-(\d+))?\b")


@lru_cache(maxsize=1024)
def repo_of(path: str) -> Path | None:
    p = Path(path).resolve()
    for parent in [p, *p.parents]:
        if (parent / ".git").exists():
            return parent
    return None


@lru_cache(maxsize=4096)
def _lines(path: Path) -> int | None:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return None


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    refs = [m for a in sample.answers for m in REF_RE.finditer(a)]
    if not refs:
        return None
    root = Path(opts.repo_root) if opts.repo_root else (
        repo_of(sample.conv.source_file) if sample.conv.source_file else None)
    if root is None:
        return None
    for m in refs:
        rel, line = m.group(1), int(m.group(3) or m.group(2))
        target = (root / rel).resolve()
        if not target.is_relative_to(root.resolve()):
            return f"{m.group(0)} points outside the repository"
        n = _lines(target) if target.is_file() else None
        if n is None:
            return f"{m.group(0)}: no such file in {root.name}"
        if line > n or line < 1:
            return f"{m.group(0)}: {rel} has {n} lines"
    return None
