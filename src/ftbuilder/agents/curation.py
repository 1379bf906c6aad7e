"""Curation inside a generation run (agents/runner.py): the chunk order of a dataset, the
near-duplicate index of its samples, and what a new conversation is dropped or flagged for
(README "Curation")."""

from __future__ import annotations

from typing import Any

from ftbuilder.agents.accounting import NEAR_DUPLICATE, PROMPT_EXAMPLE, UNGROUNDED
from ftbuilder.core.types import Conversation
from ftbuilder.ingest.chunking import Chunk
from ftbuilder.store.db import Store


def interleave(chunks: list[Chunk], nonce: str) -> list[Chunk]:
    """Chunks in another order per dataset (seeded by its nonce), one document after the
    other in turn: each document's chunks and the documents' order are shuffled, then taken
    round-robin, so a small target still reads every document and two datasets built from
    the same inputs start from different places."""
    import random

    rng = random.Random(nonce)
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_doc.setdefault(c.source, []).append(c)
    docs = list(by_doc.values())
    for d in docs:
        rng.shuffle(d)
    rng.shuffle(docs)
    out: list[Chunk] = []
    for i in range(max(len(d) for d in docs)):
        out.extend(d[i] for d in docs if i < len(d))
    return out


def near_index(store: Store, dataset_id: int, threshold: float) -> Any:
    """A near-duplicate index of the dataset's samples (None when the check is off)."""
    if not threshold:
        return None
    from ftbuilder.quality.clusters import compared_text
    from ftbuilder.quality.dedup import NearDuplicateIndex

    index = NearDuplicateIndex(threshold)
    batch: list[Conversation] = []
    for c in store.iter_samples(dataset_id):
        batch.append(c)
        if len(batch) >= 2000:
            index.add_texts([x.id for x in batch], [compared_text(x, "conversation")
                                                    for x in batch])
            batch = []
    index.add_texts([x.id for x in batch], [compared_text(x, "conversation") for x in batch])
    return index


def curate(conv: Conversation, opts: Any, near: Any) -> str:
    """Why a new conversation is dropped at build time ("" = kept; it may be flagged)."""
    from ftbuilder.quality.filters import prompt_examples

    texts = [str(m.content) for m in conv.messages if m.role in ("user", "assistant")]
    if opts.examples and prompt_examples.copied(texts, opts.examples):
        return PROMPT_EXAMPLE
    if near is not None:
        from ftbuilder.quality.clusters import compared_text

        sig = near.signatures([compared_text(conv, "conversation")])[0]
        if near.query(sig):
            return NEAR_DUPLICATE
        near.add(-(near.size + 1), sig)  # negative keys: not yet stored samples
    if opts.grounding in ("flag", "drop"):
        from ftbuilder.quality.filters.base import FilterOptions
        from ftbuilder.quality.filters.runner import apply

        if apply(conv, ["grounding"], FilterOptions()) and opts.grounding == "drop":
            return UNGROUNDED
    return ""
