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


# the prompts shipped in the package (used where a project has none): docs/architecture.md
PACKAGED = Path(__file__).resolve().parents[2] / "defaults" / "prompts"


@lru_cache(maxsize=8)
def examples(prompts_dir: str) -> frozenset[str]:
    """The normalised example lines of every prompt file under ``prompts_dir``/system and
    of the packaged default prompts."""
    out: set[str] = set()
    files = [f for d in (Path(prompts_dir) / "system", PACKAGED / "system") if d.is_dir()
             for f in sorted(d.glob("*.txt"))]
    for f in files:
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
    hit = copied(sample.questions + sample.answers, examples(opts.prompts_dir or ""))
    return None if hit is None else f'copies a prompt example: "{cut(hit)}"'
