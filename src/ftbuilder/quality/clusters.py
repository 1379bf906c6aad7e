"""Near-duplicate clusters over a whole dataset, and which sample of each to keep.

Texts are normalised (lower-cased, punctuation dropped) and compared as word
``shingle``-grams with MinHash LSH (:class:`~ftbuilder.quality.dedup.NearDuplicateIndex`).
LSH proposes candidate pairs; each is confirmed with the Jaccard similarity estimated from
the two MinHash signatures (>= ``threshold``), which removes most of LSH's false positives.
Confirmed pairs are joined into clusters (union-find).

Compared text (``on``): ``user``, the user messages only (the same question answered twice
is a duplicate), or ``conversation``, every message.

Keep rule, in order: a sample without an ungrounded flag beats one with it; then the longer
assistant answer (characters); then the earlier sample (smaller id). The others of the
cluster are the ones removed.

Memory: the signatures are one ``uint32`` matrix of ``num_perm`` columns (512 bytes a
sample at 128) plus the LSH band keys (about 2 KB a sample).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ftbuilder.core.types import Conversation
from ftbuilder.quality.dedup import DEFAULT_NUM_PERM, NearDuplicateIndex

ON = ("user", "conversation")
DEFAULT_THRESHOLD = 0.8
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)


def compared_text(conv: Conversation, on: str = "user") -> str:
    msgs = conv.messages if on == "conversation" else [m for m in conv.messages
                                                       if m.role == "user"]
    return _PUNCT.sub(" ", " ".join(str(m.content) for m in msgs).lower())


def answer_chars(conv: Conversation) -> int:
    return sum(len(str(m.content).strip()) for m in conv.messages if m.role == "assistant")


def keep_key(conv: Conversation) -> tuple[int, int, int]:
    """Sort key of the keep rule: smallest is kept."""
    ungrounded = "grounding" in (conv.meta.get("flags") or [])
    return (int(ungrounded), -answer_chars(conv), conv.id or 0)


@dataclass
class Cluster:
    keep: int
    drop: list[int]
    similarity: float  # the lowest confirmed similarity inside the cluster

    def to_dict(self) -> dict[str, Any]:
        return {"keep": self.keep, "drop": self.drop, "similarity": round(self.similarity, 3)}


@dataclass
class ClusterResult:
    clusters: list[Cluster] = field(default_factory=list)
    compared: int = 0

    @property
    def dropped(self) -> list[int]:
        return [i for c in self.clusters for i in c.drop]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        root = x
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while self.parent.get(x, x) != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster(convs: Iterable[Conversation], threshold: float = DEFAULT_THRESHOLD,
            shingle: int = 3, on: str = "user", num_perm: int = DEFAULT_NUM_PERM,
            batch: int = 2000, tick: Callable[[int], None] | None = None) -> ClusterResult:
    """Clusters of near-duplicates among ``convs`` (each with an ``id``), with the keep rule.

    ``tick(n)`` is called after each batch with the samples compared so far.
    """
    if on not in ON:
        raise ValueError(f"on must be one of {ON}")
    index = NearDuplicateIndex(threshold, num_perm, shingle=shingle)
    sigs: list[np.ndarray] = []
    keys: list[tuple[int, int, int]] = []
    uf = _UnionFind()
    sims: dict[int, float] = {}
    pos = 0
    buf: list[Conversation] = []

    def flush() -> None:
        nonlocal pos
        batch_sigs = index.signatures([compared_text(c, on) for c in buf])
        for c, sig in zip(buf, batch_sigs, strict=True):
            row = np.asarray(sig.hashvalues, dtype=np.uint32)
            for other in index.query(sig):
                s = float(np.mean(sigs[other] == row))
                if s >= threshold:
                    uf.union(pos, other)
                    root = uf.find(pos)
                    sims[root] = min(sims.get(root, 1.0), s, sims.get(other, 1.0))
            index.add(pos, sig)
            sigs.append(row)
            keys.append(keep_key(c))
            pos += 1
        buf.clear()
        if tick is not None:
            tick(pos)

    for c in convs:
        buf.append(c)
        if len(buf) >= batch:
            flush()
    if buf:
        flush()
    groups: dict[int, list[int]] = {}
    for p in uf.parent:
        groups.setdefault(uf.find(p), []).append(p)
    result = ClusterResult(compared=pos)
    for root, members in groups.items():
        members = sorted(set(members) | {root}, key=lambda m: keys[m])
        if len(members) < 2:
            continue
        ids = [keys[m][2] for m in members]
        result.clusters.append(Cluster(ids[0], ids[1:], sims.get(root, threshold)))
    result.clusters.sort(key=lambda c: c.keep)
    return result


def drop_ids(clusters: Sequence[Cluster]) -> list[int]:
    return sorted(i for c in clusters for i in c.drop)
