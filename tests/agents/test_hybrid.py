"""Hybrid's generator: hybrid_mode.txt, the extracted questions per document, and generated
near-duplicates of identified conversations dropped."""

from __future__ import annotations

import json

from ftbuilder.agents.hybrid import hybrid_generator
from ftbuilder.core.types import Conversation, Message
from ftbuilder.ingest.chunking import Chunk
from ftbuilder.store.db import Store

from .llm_fakes import ScriptedClient, project_settings

ANSWER = ("You can return any unused item within thirty days of delivery by printing the "
          "prepaid label from your orders page, packing the item in its original box and "
          "dropping it at any post office; the refund reaches your card within five working "
          "days after the warehouse has checked the parcel and confirmed its condition. "
          "Items bought on sale cannot be refunded, but they can be exchanged for another "
          "size or colour of the same product, and gift cards are never refunded. If the "
          "item arrived damaged, send a photo to support first and keep the packaging. "
          + " ".join(f"Rule {i}: keep receipt {i * 37} for the audit." for i in range(120)))
# Long enough that one changed question is a near-duplicate LSH finds every time (Jaccard
# 0.99: found with probability > 0.999 at 128 permutations, threshold 0.9).
IDENTIFIED = Conversation([Message("user", "How do I return an item?"),
                           Message("assistant", ANSWER)], source_file="/in/faq.md",
                          location="lines 3-4", meta={"mode": "hybrid", "origin": "identify"})
CHUNK = Chunk("/in/faq.md", "sha", 0, "How do I return an item? " + ANSWER, "lines 1-4", 80)


def _reply(*convs: tuple[str, str]) -> str:
    return json.dumps({"conversations": [
        {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}],
         "keywords": ["returns"]} for q, a in convs]})


def test_hybrid_generator_prompts_and_drops_near_duplicates(tmp_path):
    settings = project_settings(tmp_path)
    store = Store(":memory:")
    ds = store.create_dataset("hy", "openai", "gpt-4o-mini-2024-07-18", "hybrid")
    store.add_samples(ds.id, [IDENTIFIED])
    gen = hybrid_generator(settings, ScriptedClient(), store, ds.id)

    hybrid_text = (tmp_path / "prompts" / "system" / "hybrid_mode.txt").read_text().strip()
    task = gen.task(CHUNK, 0)
    request = gen.request(task)
    assert request.system == hybrid_text and gen.scope == {"mode": "hybrid",
                                                            "origin": "generated"}
    assert "How do I return an item?" in request.messages[0]["content"]
    other = gen.request(gen.task(Chunk("/in/other.md", "sha2", 0, "Other text.", "", 3), 0))
    assert "How do I return an item?" not in other.messages[0]["content"]

    parsed = gen.parse(_reply(("How do I return an item, please?", ANSWER),
                              ("Which items can be exchanged?", "Sale items only.")))
    kept = gen.conversations(task, parsed)
    assert [c.messages[0].content for c in kept] == ["Which items can be exchanged?"]
    assert gen.failures["duplicate"] == 1
    store.close()
