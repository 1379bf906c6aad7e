"""Hybrid mode: the conversations already in the documents plus generated ones.

Of a requested size N, ``round(N * agent.hybrid.generation_ratio)`` samples are generated
and the rest are identified (verbatim, by :mod:`ftbuilder.agents.identify`). When the
documents hold fewer conversations than their share, generation fills the difference, so
the dataset still reaches N. Identified samples are saved first; the generator is then told
their questions and its replies are checked against every question in the dataset, so the
two halves never duplicate each other.
"""

from __future__ import annotations

from ftbuilder.agents.identify import IdentifyOptions, identify_document
from ftbuilder.agents.keywords import attach_keywords
from ftbuilder.config import Settings
from ftbuilder.core.types import Conversation, Document

MODE = "hybrid"


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
