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
sample at 128); the banding works one band at a time on a view of it.
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


def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) datasketch picks for ``threshold`` (false positives and
    negatives weighted equally)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


def _matrix(index: NearDuplicateIndex, texts: list[str]) -> np.ndarray:
    return np.array([s.hashvalues for s in index.signatures(texts)], dtype=np.uint32
                    ).reshape(len(texts), index.num_perm)


def signature_matrix(texts: list[str], threshold: float = DEFAULT_THRESHOLD,
                     shingle: int = 3, num_perm: int = DEFAULT_NUM_PERM) -> np.ndarray:
    """The MinHash signatures of ``texts`` (already :func:`compared_text`), one ``uint32``
    row each: what :func:`cluster` compares. Pure: any process gives the same matrix."""
    return _matrix(NearDuplicateIndex(threshold, num_perm, shingle=shingle), texts)


REPS = 8  # members of an LSH bucket each other member is compared with


def cluster(convs: Iterable[Conversation], threshold: float = DEFAULT_THRESHOLD,
            shingle: int = 3, on: str = "user", num_perm: int = DEFAULT_NUM_PERM,
            batch: int = 2000, tick: Callable[[int], None] | None = None,
            sign: Callable[[list[str]], np.ndarray] | None = None) -> ClusterResult:
    """Clusters of near-duplicates among ``convs`` (each with an ``id``), with the keep rule.

    The MinHashes are datasketch's (computed in numpy batches by
    :class:`~ftbuilder.quality.dedup.NearDuplicateIndex`); the LSH banding uses datasketch's
    band parameters for the threshold and groups equal bands with numpy (``np.unique``),
    which holds 4 bytes per band and sample instead of an index of Python sets. A bucket's
    members are each compared with its first ``REPS`` members. ``tick(n)`` is called after
    each batch with the samples read so far. ``sign`` computes a batch's signature matrix
    elsewhere (an engine, services/engine.py); it must give :func:`signature_matrix`'s
    answer.
    """
    if on not in ON:
        raise ValueError(f"on must be one of {ON}")
    index = NearDuplicateIndex(threshold, num_perm, shingle=shingle)
    blocks: list[np.ndarray] = []
    keys: list[tuple[int, int, int]] = []
    buf: list[Conversation] = []

    def flush() -> None:
        texts = [compared_text(c, on) for c in buf]
        blocks.append(sign(texts) if sign is not None else _matrix(index, texts))
        keys.extend(keep_key(c) for c in buf)
        buf.clear()
        if tick is not None:
            tick(len(keys))

    for c in convs:
        buf.append(c)
        if len(buf) >= batch:
            flush()
    if buf:
        flush()
    result = ClusterResult(compared=len(keys))
    if len(keys) < 2:
        return result
    sig = np.concatenate(blocks)
    blocks.clear()
    b, r = _bands(threshold, num_perm)
    uf = _UnionFind()
    edges: dict[tuple[int, int], float] = {}
    for band in range(b):
        part = np.ascontiguousarray(sig[:, band * r:(band + 1) * r])
        _, inverse, counts = np.unique(part.view(np.dtype((np.void, 4 * r))).ravel(),
                                       return_inverse=True, return_counts=True)
        shared = np.nonzero(counts[inverse] > 1)[0]
        if not len(shared):
            continue
        order = shared[np.argsort(inverse[shared], kind="stable")]
        groups = np.split(order, np.nonzero(np.diff(inverse[order]))[0] + 1)
        for members in groups:
            reps = members[:REPS]
            for m in members[1:]:
                for rep in reps:
                    if rep == m:
                        break
                    pair = (int(rep), int(m))
                    if pair in edges:
                        continue
                    s = float(np.mean(sig[rep] == sig[m]))
                    edges[pair] = s
                    if s >= threshold:
                        uf.union(*pair)
    groups_of: dict[int, list[int]] = {}
    for p in list(uf.parent):
        groups_of.setdefault(uf.find(p), []).append(p)
    lowest: dict[int, float] = {}  # root -> lowest confirmed similarity inside its cluster
    for (x, _), s in edges.items():
        if s >= threshold:
            root = uf.find(x)
            lowest[root] = min(lowest.get(root, 1.0), s)
    for root, members in groups_of.items():
        members = sorted(set(members) | {root}, key=lambda m: keys[m])
        if len(members) < 2:
            continue
        ids = [keys[m][2] for m in members]
        result.clusters.append(Cluster(ids[0], ids[1:], lowest.get(root, threshold)))
    result.clusters.sort(key=lambda c: c.keep)
    return result


def drop_ids(clusters: Sequence[Cluster]) -> list[int]:
    return sorted(i for c in clusters for i in c.drop)
