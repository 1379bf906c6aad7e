"""Blocks: segments that share a source line (minified HTML) are read together."""

from pathlib import Path

from ftbuilder.core.types import Segment
from ftbuilder.extract.blocks import blocks_of
from ftbuilder.extract.identify import identify_document
from ftbuilder.ingest import read_document


def test_segments_on_one_line_make_one_block() -> None:
    blocks = blocks_of([Segment("Q: a?", "line 1"), Segment("A: b.", "line 1"),
                        Segment("c", "lines 1-2"), Segment("d", "line 4")])
    assert len(blocks) == 1
    assert blocks[0].text == "Q: a?\nA: b.\nc\n\nd"
    assert blocks[0].location(0, 1) == "line 1"


def test_overlapping_numbers_still_start_a_new_block() -> None:
    blocks = blocks_of([Segment("a", "lines 3-5"), Segment("b", "line 4")])
    assert [b.text for b in blocks] == ["a", "b"]


def test_minified_html_faq_is_identified(tmp_path: Path) -> None:
    page = tmp_path / "faq.html"
    page.write_text("<html><body><h2>What is the refund policy?</h2><p>Refunds are accepted "
                    "within 30 days.</p><p>Q: Do you ship abroad?</p><p>A: Yes, worldwide."
                    "</p></body></html>", encoding="utf-8")
    convs = identify_document(read_document(page))
    pairs = [[m.content for m in c.messages] for c in convs]
    assert ["Do you ship abroad?", "Yes, worldwide."] in pairs
    assert ["What is the refund policy?", "Refunds are accepted within 30 days."] in pairs
    assert all(c.location == "line 1" for c in convs)
