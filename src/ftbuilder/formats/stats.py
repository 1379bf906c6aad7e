"""Dataset statistics (``ftb stats``, ``stats.json``), accumulated one sample at a time."""

from __future__ import annotations

from collections import Counter
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


class DatasetStats:
    """Feed samples with :meth:`add`; :meth:`to_dict` gives the summary.

    Keys: samples, splits, tokens (total, counted, not_counted, min, max, mean, median, p5,
    p95: the same definitions as ``ftb validate``, see core.stats),
    messages_per_sample (min, max, mean), roles, sources (top 20), distinct_sources,
    keywords (top 20), near_duplicates.
    """

    def __init__(self) -> None:
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
        self.sources[conv.source_file or "(none)"] += 1
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
                **(distribution(toks) or dict.fromkeys(
                    ("min", "max", "mean", "median", "p5", "p95"), 0)),
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
