"""Prompt examples: a sample that copies a few-shot example of the built-in prompts
(``prompts/system/*.txt``: the "Question: ... / Answer: ..." pairs and their texts) is the
model echoing its instructions, not data. Builds drop these always; ``ftb filter`` flags
or drops them under the rule name ``prompt-example``.

Compared after lower-casing and keeping letters and digits only, so punctuation and
spacing changes do not hide a copy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ftbuilder.quality.filters.base import FilterOptions, SampleView, cut

_KEEP = re.compile(r"[\W_]+", re.UNICODE)
_LINE = re.compile(r"^(?:Question|Answer|Text):\s*(.+)$", re.M)


def _key(text: str) -> str:
    return _KEEP.sub(" ", text.lower()).strip()


@lru_cache(maxsize=8)
def examples(prompts_dir: str) -> frozenset[str]:
    """The normalised example lines of every prompt file under ``prompts_dir``/system."""
    out: set[str] = set()
    folder = Path(prompts_dir) / "system"
    for f in sorted(folder.glob("*.txt")) if folder.is_dir() else []:
        for m in _LINE.finditer(f.read_text(encoding="utf-8", errors="replace")):
            line = m.group(1).strip()
            if "{" not in line and len(line.split()) >= 3:
                out.add(_key(line))
    return frozenset(out)


def copied(texts: list[str], known: frozenset[str]) -> str | None:
    """The first of ``texts`` that is a prompt example, or None."""
    for t in texts:
        if _key(t) in known:
            return t
    return None


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    if not opts.prompts_dir:
        return None
    hit = copied(sample.questions + sample.answers, examples(opts.prompts_dir))
    return None if hit is None else f'copies a prompt example: "{cut(hit)}"'
