"""Chunking for the generating agents: token-aware, paragraph-respecting, with overlap."""

from __future__ import annotations

import itertools

import pytest

from ftbuilder.core.types import Document, Segment, Table
from ftbuilder.ingest.chunking import Chunk, chunk_document, count_tokens


def _para(i: int, words: int = 40) -> str:
    return " ".join(f"word{i}x{j}" for j in range(words)) + "."


def _doc(paragraphs: list[str], per_page: int = 3) -> Document:
    segs = [Segment("\n\n".join(paragraphs[i:i + per_page]), f"page {i // per_page + 1}")
            for i in range(0, len(paragraphs), per_page)]
    return Document("/data/guide.pdf", "abc123", "pdf", segments=segs)


def test_chunks_respect_the_token_budget_and_keep_paragraphs_whole():
    paras = [_para(i) for i in range(30)]
    chunks = chunk_document(_doc(paras), chunk_tokens=300, overlap=0)
    assert len(chunks) > 3
    for c in chunks:
        assert c.tokens == count_tokens(c.text) <= 300
        for piece in c.text.split("\n\n"):
            assert piece in paras  # never a cut paragraph
    # every paragraph is in some chunk, in order
    joined = "\n\n".join(c.text for c in chunks)
    assert [p for p in paras if p in joined] == paras


def test_overlap_repeats_the_end_of_the_previous_chunk():
    paras = [_para(i, 20) for i in range(20)]
    chunks = chunk_document(_doc(paras), chunk_tokens=300, overlap=120)
    for prev, nxt in itertools.pairwise(chunks):
        last = prev.text.split("\n\n")[-1]
        assert nxt.text.startswith(last)
        assert count_tokens(last) <= 120
        assert nxt.tokens <= 300


def test_a_paragraph_larger_than_a_chunk_is_cut_at_sentences():
    sentences = [f"Sentence number {i} tells something about topic {i}." for i in range(200)]
    doc = Document("/d/long.txt", "s", "txt", segments=[Segment(" ".join(sentences), "line 1")])
    chunks = chunk_document(doc, chunk_tokens=200, overlap=20)
    assert len(chunks) > 5
    assert all(c.tokens <= 200 for c in chunks)
    for c in chunks:
        assert c.text.rstrip().endswith(".")  # cut at a sentence end


def test_locations_span_the_pages_of_a_chunk_and_keys_are_stable():
    paras = [_para(i) for i in range(12)]
    a = chunk_document(_doc(paras), chunk_tokens=400, overlap=40)
    b = chunk_document(_doc(paras), chunk_tokens=400, overlap=40)
    assert [c.key for c in a] == [c.key for c in b]
    assert len({c.key for c in a}) == len(a)
    assert a[0].location.startswith("page 1")
    assert any(" to page " in c.location for c in a)
    assert Chunk.from_payload(a[1].to_payload()) == a[1]


def test_tables_become_row_text_with_row_locations():
    table = Table("Prices", ["plan", "price"], [["basic", "5"], ["pro", "20"]], first_row=2)
    doc = Document("/d/prices.xlsx", "t", "xlsx", tables=[table])
    (chunk,) = chunk_document(doc, chunk_tokens=200, overlap=10)
    assert "plan: basic; price: 5" in chunk.text
    assert chunk.location == "Prices row 2 to Prices row 3"


def test_overlap_must_be_less_than_half_the_chunk():
    with pytest.raises(ValueError, match="overlap"):
        chunk_document(_doc([_para(1)]), chunk_tokens=100, overlap=60)
