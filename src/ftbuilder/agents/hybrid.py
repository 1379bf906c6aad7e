"""Hybrid mode: the conversations already in the documents plus generated ones.

Of a requested size N, ``round(N * agent.hybrid.generation_ratio)`` samples are generated
and the rest are identified (verbatim, by :mod:`ftbuilder.extract.identify`). When the
documents hold fewer conversations than their share, generation fills the difference, so
the dataset still reaches N.

No duplicates between the two halves. Identified samples are saved first; the generator
(:func:`hybrid_generator`) then works from the store:

* its instructions are ``prompts/system/hybrid_mode.txt`` (read at run time), and each
  request lists the questions already extracted from that chunk's document, so the model
  writes different ones;
* the runner drops a generated conversation whose first question repeats any question of
  the dataset (case and punctuation aside), and the store refuses an exact copy (content
  hash);
* a generated conversation that is a near-duplicate of an identified one (MinHash LSH of
  :mod:`ftbuilder.quality.dedup`, Jaccard >= 0.9 over word 3-grams) is DROPPED, not flagged,
  and counted as a duplicate in the run's accounting.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from ftbuilder.agents.accounting import DUPLICATE
from ftbuilder.agents.create import Generator, Task, create_generator
from ftbuilder.agents.parsing import ParseResult
from ftbuilder.backends.base import LLMClient
from ftbuilder.config import Settings
from ftbuilder.core.types import Conversation, Document
from ftbuilder.extract.identify import IdentifyOptions, identify_document
from ftbuilder.extract.keywords import attach_keywords
from ftbuilder.quality.dedup import NearDuplicateIndex, conversation_text
from ftbuilder.store.db import Store

MODE = "hybrid"
AVOID_CHARS = 200  # a listed question is cut to this length in the request


def split_size(total: int, generation_ratio: float) -> tuple[int, int]:
    """(identified share, generated share) of ``total`` samples."""
    generated = round(total * generation_ratio)
    return total - generated, generated


def identified_for_hybrid(settings: Settings, documents: list[Document]) -> list[Conversation]:
    """The conversations found in ``documents``, marked as the identified half of a hybrid
    build (meta mode "hybrid", origin "identify"), with topic keywords."""
    opts = IdentifyOptions.from_settings(settings)
    found: list[Conversation] = []
    for doc in documents:
        found.extend(identify_document(doc, opts))
    for c in found:
        c.meta["mode"] = MODE
    attach_keywords(found, [d.text for d in documents])
    return found


@dataclass
class HybridGenerator(Generator):
    """Create's generator that drops near-duplicates of the identified conversations."""

    near: NearDuplicateIndex = field(default_factory=NearDuplicateIndex)

    def conversations(self, task: Task, parsed: ParseResult) -> list[Conversation]:
        convs = super().conversations(task, parsed)
        if not convs or not self.near.size:
            return convs
        sigs = self.near.signatures([conversation_text(c) for c in convs])
        kept = [c for c, sig in zip(convs, sigs, strict=True) if not self.near.query(sig)]
        self.failures[DUPLICATE] += len(convs) - len(kept)
        return kept


def hybrid_generator(settings: Settings, client: LLMClient, store: Store,
                     dataset_id: int) -> HybridGenerator:
    """The generator of hybrid mode's generated share, told about (and checked against) the
    identified samples already in dataset ``dataset_id``.

    Raises:
        ConfigError: a prompt file is missing or empty.
    """
    base = create_generator(settings, client, mode=MODE)
    gen = HybridGenerator(**{f.name: getattr(base, f.name) for f in fields(Generator)})
    identified = [c for c in store.iter_samples(dataset_id)
                  if c.meta.get("mode") == MODE and c.meta.get("origin") == "identify"]
    for c in identified:
        first = next((str(m.content) for m in c.messages if m.role == "user"), "")
        if first and c.source_file:
            gen.avoid.setdefault(c.source_file, []).append(" ".join(first.split())[:AVOID_CHARS])
    gen.near.add_texts([c.id for c in identified], [conversation_text(c) for c in identified])
    return gen
