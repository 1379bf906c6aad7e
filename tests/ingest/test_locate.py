"""A span of Document.text maps back to a citable location."""

from __future__ import annotations

from fixtures_docs import make_pdf, make_xlsx, write_text
from ftbuilder.ingest import location_for_span, read_document, segment_spans


def test_spans_match_document_text(tmp_path):
    doc = read_document(write_text(tmp_path / "t.txt", "one\ntwo\n\nthree\n\n\nfour\n"))
    for start, end, _loc in segment_spans(doc):
        assert doc.text[start:end] in {s.text for s in doc.segments}


def test_exact_lines_inside_a_paragraph(tmp_path):
    text = "intro\n\nUser: hi\nAssistant: hello\nUser: bye\nAssistant: ciao\n"
    doc = read_document(write_text(tmp_path / "chat.txt", text))
    start = doc.text.index("User: bye")
    end = doc.text.index("ciao") + len("ciao")
    assert location_for_span(doc, start, end) == "lines 5-6"
    assert location_for_span(doc, start, start + 3) == "line 5"
    assert location_for_span(doc, 0, len(doc.text)) == "lines 1-6"


def test_pages_and_sheet_rows_merge(tmp_path):
    doc = read_document(make_pdf(tmp_path / "p.pdf", ["alpha end", "beta start", "gamma"]))
    start = doc.text.index("end")
    end = doc.text.index("start") + 5
    assert location_for_span(doc, start, end) == "pages 1-2"
    assert location_for_span(doc, doc.text.index("gamma"), len(doc.text)) == "page 3"
    book = read_document(make_xlsx(tmp_path / "b.xlsx", {"Sales": [["q", "a"], ["x", "1"],
                                                                   ["y", "2"], ["z", "3"]]}))
    assert location_for_span(book, 0, len(book.text)) == "sheet Sales rows 2-4"


def test_different_kinds_are_joined(tmp_path):
    from fixtures_docs import make_pptx
    doc = read_document(make_pptx(tmp_path / "d.pptx", [{"title": "T", "notes": "N"}]))
    assert location_for_span(doc, 0, len(doc.text)) == "slide 1 to slide 1 notes"
