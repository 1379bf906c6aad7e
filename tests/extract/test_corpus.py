"""Identify mode on real public documents (tests/extract/corpus, see SOURCES.md there).

Precision and recall over the whole corpus must reach 0.98 / 0.95 and no document's recall
may fall under 0.85; the matching rule is in ``corpus_score``. Every found conversation
cites its file and location, and a malformed CSV row is reported, not taken.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from extract.corpus_score import documents, report, score_corpus, totals
from ftbuilder.extract.identify import identify_document
from ftbuilder.ingest import read_document

MIN_PRECISION = 0.98
MIN_RECALL = 0.95
MIN_DOC_RECALL = 0.85


@pytest.fixture(scope="module")
def scores():
    return score_corpus()


def test_corpus_is_real_and_varied() -> None:
    docs = documents()
    assert len(docs) >= 15
    kinds = Counter(p.suffix for p in docs)
    assert {".md", ".rst", ".adoc", ".html", ".txt", ".docx", ".pdf", ".csv",
            ".xlsx"} <= set(kinds)
    sources = (docs[0].parent / "SOURCES.md").read_text(encoding="utf-8")
    for p in docs:
        assert f"| {p.name} |" in sources, f"{p.name} has no source line"


def test_precision_and_recall_over_the_corpus(scores) -> None:
    precision, recall = totals(scores)
    print(report(scores))
    assert precision >= MIN_PRECISION, report(scores)
    assert recall >= MIN_RECALL, report(scores)


def test_no_document_under_the_recall_floor(scores) -> None:
    low = [(s.name, round(s.recall, 2)) for s in scores if s.recall < MIN_DOC_RECALL]
    assert not low, report(scores)


def test_reader_warnings_as_the_truth_says(scores) -> None:
    assert [(s.name, s.warnings) for s in scores if s.warnings != s.want_warnings] == []


def test_every_conversation_cites_file_and_location() -> None:
    for path in documents():
        doc = read_document(path)
        for conv in identify_document(doc):
            assert conv.source_file == str(path) and conv.location
            cite = conv.meta["citation"]
            assert cite["file"] == path.name and cite["location"] == conv.location
            if path.suffix == ".pdf":
                assert cite["page"] >= 1


def test_interview_names_the_speakers_and_the_pdf_lost_its_furniture() -> None:
    corpus = documents()[0].parent
    convs = identify_document(read_document(corpus / "k8s_sig_node_spotlight.md"))
    assert {c.meta["speaker"] for c in convs} == {"Arpit"}
    assert convs[0].meta["answered_by"] == ["Matthias", "Gunju", "Sergey"]
    assert convs[0].meta["citation"]["heading"] == "Introductions"
    pdf = identify_document(read_document(corpus / "go_faq.pdf"))
    text = "\n".join(m.content for c in pdf for m in c.messages)
    assert "Page 2" not in text and "The Go Programming Language" not in text
    assert "Visual Studio" in text and "[1] https://" not in text
    truth = json.loads((corpus / "go_faq.pdf.truth.json").read_text(encoding="utf-8"))
    assert [c.messages[0].content for c in pdf] == [p["question"] for p in truth["pairs"]]
