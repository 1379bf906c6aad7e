"""PDF text clean-up on real PDFs typeset like manuals (reportlab): running headers and
footers, page numbers, doubled spaces, line-end hyphenation, headings by font (issue 11)."""

from __future__ import annotations

from pathlib import Path

from ftbuilder.extract.identify import identify_document
from ftbuilder.ingest import read_document
from ftbuilder.ingest.pdfclean import drop_running_lines, join_hyphens, single_spaces


def manual_pdf(path: Path) -> Path:
    """Three pages: a running header and footer, "Page N", bold 14pt questions, 10pt body,
    a word hyphenated at a line end, justified-text double spaces."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A5)
    pages = [
        [("B", "Can I return an item?"), ("R", "Yes,  within 30 days of delivery, in its"),
         ("R", "original packaging. Refunds go to the card used for the pur-"),
         ("R", "chase within a week.")],
        [("B", "My parcel never arrived"), ("R", "Ask for a replacement from your orders"),
         ("R", "page. A purchase over 50 EUR is insured.")],
        [("B", "Do you ship abroad?"), ("R", "Yes, to 40 countries; a well-known carrier"),
         ("R", "takes parcels over 2 kg.")],
    ]
    for n, lines in enumerate(pages, 1):
        c.setFont("Helvetica", 7)
        c.drawString(40, 570, "Acme Store - Help Centre")
        c.drawString(40, 20, f"Page {n}")
        y = 530
        for style, text in lines:
            c.setFont("Helvetica-Bold" if style == "B" else "Times-Roman",
                      14 if style == "B" else 10)
            c.drawString(40, y, text)
            y -= 18
        c.showPage()
    c.save()
    return path


def test_a_manual_pdf_reads_as_clean_question_and_answer_pairs(tmp_path: Path) -> None:
    doc = read_document(manual_pdf(tmp_path / "help.pdf"))
    assert [s.text.splitlines()[0] for s in doc.segments] == [
        "## Can I return an item?", "## My parcel never arrived", "## Do you ship abroad?"]
    text = doc.text
    assert "Help Centre" not in text and "Page 2" not in text
    assert "Yes, within 30 days" in text and "for the purchase\nwithin a week" in text
    convs = identify_document(doc)
    assert [(c.messages[0].content, c.meta["citation"]["page"]) for c in convs] == [
        ("Can I return an item?", 1), ("My parcel never arrived", 2),
        ("Do you ship abroad?", 3)]
    assert convs[0].messages[1].content == (
        "Yes, within 30 days of delivery, in its original packaging. Refunds go to the card "
        "used for the purchase within a week.")


def test_clean_up_rules() -> None:
    pages = [["Acme - Help", "Intro text", "is here.", "- 1 -"],
             ["Acme - Help", "More text", "3 of 9"]]
    assert drop_running_lines(pages) == [["Intro text", "is here."], ["More text"]]
    assert single_spaces("  Yes,  within   30 days") == "  Yes, within 30 days"
    joined = join_hyphens([["the infor-", "mation, a first-", "class seat", "first class",
                            "a well-", "known tool is well-known"]])
    assert joined == [["the information,", "a first-", "class seat", "first class",
                       "a well-", "known tool is well-known"]]
