"""Dataset statistics (``ftb stats``, ``stats.json``), accumulated one sample at a time."""

from __future__ import annotations

import os
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

from ftbuilder.core.stats import distribution
from ftbuilder.core.types import Conversation

TOP = 20


def _top(counter: Counter[str], n: int = TOP) -> dict[str, int]:
    out = dict(counter.most_common(n))
    rest = sum(counter.values()) - sum(out.values())
    if rest:
        out["(others)"] = rest
    return out


def relative(path: str | None, root: str | Path | None) -> str | None:
    """``path`` relative to ``root`` when it lies under it (exports name files as the
    project does: input_files/faq.md, not /home/me/project/input_files/faq.md)."""
    if not path or root is None or not os.path.isabs(path):
        return path
    for base in _bases(str(root)):
        if path.startswith(base):
            return path[len(base):].replace(os.sep, "/")
    return path


@lru_cache(maxsize=8)
def _bases(root: str) -> tuple[str, ...]:
    """The root as given and resolved, each ending with a separator."""
    return tuple(dict.fromkeys(os.path.join(r, "") for r in (root, str(Path(root).resolve()))))


class DatasetStats:
    """Feed samples with :meth:`add`; :meth:`to_dict` gives the summary.

    Keys: samples, splits, tokens (total, counted, not_counted, min, max, mean, median, p5,
    p95: the same definitions as ``ftb validate``, see core.stats),
    messages_per_sample (min, max, mean), roles, sources (top 20), distinct_sources,
    keywords (top 20), near_duplicates.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = root  # source paths under it are written relative to it
        self.samples = 0
        self.tokens: list[int] = []
        self.not_counted = 0
        self.messages: list[int] = []
        self.splits: Counter[str] = Counter()
        self.roles: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.keywords: Counter[str] = Counter()
        self.near_duplicates = 0

    def add(self, conv: Conversation) -> None:
        self.samples += 1
        if conv.token_count is None:
            self.not_counted += 1
        else:
            self.tokens.append(conv.token_count)
        self.messages.append(len(conv.messages))
        self.splits[conv.split or "unsplit"] += 1
        self.roles.update(m.role for m in conv.messages)
        self.sources[relative(conv.source_file, self.root) or "(none)"] += 1
        self.keywords.update(conv.topic_keywords)
        if conv.meta.get("near_duplicate_of") is not None:
            self.near_duplicates += 1

    def to_dict(self) -> dict[str, Any]:
        toks = sorted(self.tokens)
        msgs = self.messages
        return {
            "samples": self.samples,
            "splits": dict(sorted(self.splits.items())),
            "tokens": {
                "total": sum(toks), "counted": len(toks), "not_counted": self.not_counted,
                **{k: round(v, 2) for k, v in (distribution(toks) or dict.fromkeys(
                    ("min", "max", "mean", "median", "p5", "p95"), 0)).items()},
            },
            "messages_per_sample": {
                "min": min(msgs, default=0), "max": max(msgs, default=0),
                "mean": round(sum(msgs) / len(msgs), 2) if msgs else 0.0,
            },
            "roles": dict(self.roles.most_common()),
            "sources": _top(self.sources),
            "distinct_sources": len(self.sources),
            "keywords": _top(self.keywords),
            "near_duplicates": self.near_duplicates,
        }
