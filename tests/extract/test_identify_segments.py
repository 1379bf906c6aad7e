"""Conversations spanning the segments readers cut text into; precise locations."""

from __future__ import annotations

from ftbuilder.core.types import Document, Segment, Table
from ftbuilder.extract.blocks import blocks_of
from ftbuilder.extract.identify import identify_document
from ftbuilder.extract.rejoin import Vocabulary, logical_lines


def test_markdown_paragraph_segments_are_joined_with_their_blank_lines() -> None:
    # What the text reader makes of a Markdown FAQ: one segment per paragraph.
    segs = [Segment("# Shipping", "line 1"),
            Segment("## How long does delivery take?", "line 3"),
            Segment("Two to four working days in the EU.", "line 5"),
            Segment("Express delivery arrives next day.", "line 7"),
            Segment("## Do you deliver on Saturdays?", "line 9"),
            Segment("Yes, in cities over 100,000 people.", "line 11")]
    doc = Document("/d/shipping.md", "0", "md", segments=segs)
    convs = identify_document(doc)
    assert [(c.messages[0].content, c.messages[1].content, c.location) for c in convs] == [
        ("How long does delivery take?",
         "Two to four working days in the EU.\n\nExpress delivery arrives next day.",
         "lines 3-7"),
        ("Do you deliver on Saturdays?", "Yes, in cities over 100,000 people.", "lines 9-11"),
    ]
    assert convs[0].meta["context"] == "Shipping"


def test_docx_paragraphs_give_paragraph_locations_and_skip_table_row_texts() -> None:
    segs = [Segment("# Returns", "paragraph 1"),
            Segment("Q: Can I return a used item?", "paragraph 2"),
            Segment("A: Only if it is faulty.", "paragraph 3"),
            Segment("Q: Who pays return shipping?", "paragraph 5"),
            Segment("A: We do, with the prepaid label.", "paragraph 6"),
            Segment("Question | Answer", "table 1 row 1"),
            Segment("Question: Is there a restocking fee?\nAnswer: No.", "table 1 row 2")]
    doc = Document("/d/returns.docx", "0", "docx", segments=segs,
                   tables=[Table("table 1", ["Question", "Answer"],
                                 [["Is there a restocking fee?", "No."]])])
    convs = identify_document(doc)
    assert [(c.messages[0].content, c.location) for c in convs] == [
        ("Can I return a used item?", "paragraphs 2-3"),
        ("Who pays return shipping?", "paragraphs 5-6"),
        ("Is there a restocking fee?", "table 1 row 2"),  # once, from the table
    ]


def test_pdf_answer_going_on_over_a_page_break() -> None:
    segs = [Segment("Billing FAQ\nQ: Why was I charged twice this month?", "page 1"),
            Segment("A: The first charge is a pre-authorisation and is released\n"
                    "within three days.", "page 2")]
    convs = identify_document(Document("/d/b.pdf", "0", "pdf", segments=segs))
    assert convs[0].messages[1].content == ("The first charge is a pre-authorisation and is "
                                            "released within three days.")
    assert convs[0].location == "page 1, line 2 to page 2, line 2"


def test_slides_are_separate_blocks_with_line_locations() -> None:
    segs = [Segment("Quiz\nQ: What is 2 + 2?\nA: Four.", "slide 2"),
            Segment("Q: Orphan question on the next slide?", "slide 3")]
    convs = identify_document(Document("/d/quiz.pptx", "0", "pptx", segments=segs))
    assert [(c.location, c.messages[1].content) for c in convs] == [("slide 2, lines 2-3",
                                                                      "Four.")]


def test_blocks_map_lines_back() -> None:
    blocks = blocks_of([Segment("a\nb", "lines 10-11"), Segment("c", "line 13"),
                        Segment("p", "page 4"), Segment("q\nr", "page 5")])
    assert [b.unit for b in blocks] == ["line", "page"]
    assert blocks[0].text == "a\nb\n\nc"
    assert blocks[0].location(0, 3) == "lines 10-13"
    assert blocks[1].location(1, 2) == "page 5, lines 1-2"


def test_logical_lines_rules() -> None:
    text = ("The tracking infor-\nmation arrives. Information is key.\n"
            "A well-\nknown fact\nNext sentence.\n```\ncode line\ncontinues\n```")
    lines = logical_lines(text, Vocabulary.of(text))
    assert [ln.text for ln in lines] == [
        "The tracking information arrives. Information is key.",
        "A well-known fact", "Next sentence.", "```", "code line", "continues", "```"]
    assert (lines[0].start, lines[0].end) == (0, 1)
    # Without a vocabulary no hyphen is ever dropped.
    assert logical_lines("infor-\nmation")[0].text == "infor-mation"
