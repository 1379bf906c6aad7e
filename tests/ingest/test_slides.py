"""PPTX: slide text (title first) and notes, located by slide."""

from __future__ import annotations

from fixtures_docs import make_pptx
from ftbuilder.ingest.slides import read_pptx


def test_slides_and_notes(tmp_path):
    f = make_pptx(tmp_path / "deck.pptx", [
        {"title": "Returns policy", "body": "30 days\nReceipt needed",
         "notes": "Mention the online form."},
        {"title": "Empty one"},
        {"body": "No title here"},
    ])
    doc = read_pptx(f)
    assert doc.slides == 3
    assert [(s.location, s.text) for s in doc.segments] == [
        ("slide 1", "# Returns policy\n30 days\nReceipt needed"),
        ("slide 1 notes", "Mention the online form."),
        ("slide 2", "# Empty one"),
        ("slide 3", "No title here"),
    ]
