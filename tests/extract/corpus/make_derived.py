"""Make the DOCX, PDF, CSV and XLSX documents of the corpus from its real text documents.

Run from the repository root (needs reportlab, python-docx, openpyxl; pyphen for the PDF's
hyphenation): ``python tests/extract/corpus/make_derived.py``. Each output gets a
``.truth.json`` with the same question/answer pairs as written in that output (the
conversion below renders Markdown links and code marks as plain text, as a word processor
export would). SOURCES.md says which document each one comes from.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

HERE = Path(__file__).parent
LINK_RE = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def pairs_of(name: str) -> list[dict[str, str]]:
    return json.loads((HERE / f"{name}.truth.json").read_text(encoding="utf-8"))["pairs"]


def plain(md: str) -> str:
    """Markdown inline marks removed: links become their text, code and bold marks go."""
    text = LINK_RE.sub(r"\1", md)
    return re.sub(r"`|__|\*\*", "", text)


def write_truth(name: str, kind: str, pairs: list[dict[str, str]], warnings: int = 0,
                source: str = "") -> None:
    out = {"document": name, "kind": kind, "derived_from": source, "warnings": warnings,
           "pairs": pairs}
    (HERE / f"{name}.truth.json").write_text(
        json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def paragraphs(answer: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n\s*\n", answer) if p.strip()]


# --- DOCX: the Homebrew FAQ as a Word document with heading styles -------------------------
def make_docx() -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("FAQ (Frequently Asked Questions)", style="Title")
    truth = []
    for p in pairs_of("homebrew_faq.md"):
        q = plain(p["question"])
        d.add_heading(q, level=2)
        parts = []
        for para in paragraphs(p["answer"]):
            if para.startswith("    "):  # an indented code line
                text = "\n".join(ln[4:] for ln in para.splitlines())
                d.add_paragraph(text, style="No Spacing")
            elif para.lstrip().startswith("* "):
                items = [plain(x.strip()[2:]) for x in para.splitlines() if x.strip()]
                for item in items:
                    d.add_paragraph(item, style="List Bullet")
                text = "\n".join(items)
            else:
                text = plain(" ".join(para.split()))
                d.add_paragraph(text)
            parts.append(text)
        truth.append({"question": q, "answer": "\n\n".join(parts)})
    d.save(HERE / "homebrew_faq.docx")
    write_truth("homebrew_faq.docx", "faq", truth, source="homebrew_faq.md")


# --- PDF: the Go FAQ (Origins) typeset like a printed manual --------------------------------
def make_pdf() -> None:
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=10, leading=12.5,
                          alignment=TA_JUSTIFY, hyphenationLang="en_US", spaceAfter=4,
                          embeddedHyphenation=1, uriWasteReduce=0.3)
    note = ParagraphStyle("note", fontName="Times-Roman", fontSize=7.5, leading=9)
    h2 = ParagraphStyle("h2", fontName="Helvetica-Bold", fontSize=15, leading=19, spaceAfter=6)
    h3 = ParagraphStyle("h3", fontName="Helvetica-Bold", fontSize=11.5, leading=14,
                        spaceBefore=8, spaceAfter=4)

    def decorate(canvas, doc) -> None:  # running header, footer and page number
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        w, h = A5
        canvas.drawString(15 * mm, h - 10 * mm, "Frequently Asked Questions (FAQ)")
        canvas.drawRightString(w - 15 * mm, h - 10 * mm, "The Go Programming Language")
        canvas.drawString(15 * mm, 8 * mm, "go.dev/doc/faq")
        canvas.drawRightString(w - 15 * mm, 8 * mm, f"Page {doc.page}")
        canvas.restoreState()

    story = [Paragraph("Origins", h2)]
    truth = []
    for p in pairs_of("go_faq.md"):
        story.append(Paragraph(p["question"], h3))
        notes: list[str] = []

        def cite(m: re.Match[str], notes: list[str] = notes) -> str:
            notes.append(m.group(2))
            return f"{m.group(1)} [{len(notes)}]"

        parts = []
        for para in paragraphs(p["answer"]):
            text = " ".join(LINK_RE.sub(cite, para).split()).replace("*", "")
            story.append(Paragraph(text.replace("&", "&amp;"), body))
            parts.append(text)
        for k, url in enumerate(notes, 1):  # the links as footnotes under the answer
            story.append(Paragraph(f"[{k}] {url}", note))
        story.append(Spacer(1, 3 * mm))
        truth.append({"question": p["question"], "answer": "\n\n".join(parts)})
    doc = SimpleDocTemplate(str(HERE / "go_faq.pdf"), pagesize=A5, leftMargin=15 * mm,
                            rightMargin=15 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
                            title="Go FAQ", invariant=1)
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    write_truth("go_faq.pdf", "faq", truth, source="go_faq.md")


# --- CSV: the Requests FAQ exported to a sheet; one row written without quotes --------------
def make_csv() -> None:
    pairs = pairs_of("requests_faq.rst")
    path = HERE / "requests_faq.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Question", "Answer"])
        for p in pairs:
            answer = " ".join(p["answer"].split())
            if p["question"] == "Python 2 Support?":  # hand-edited row: commas unquoted
                f.write(f"{p['question']},{answer}\r\n")
            else:
                w.writerow([p["question"], answer])
    truth = [{"question": p["question"], "answer": " ".join(p["answer"].split())}
             for p in pairs if p["question"] != "Python 2 Support?"]
    write_truth("requests_faq.csv", "faq", truth, warnings=1, source="requests_faq.rst")


# --- XLSX: the AsciiDoc FAQ in two question/answer column pairs ------------------------------
def make_xlsx() -> None:
    import openpyxl

    pairs = pairs_of("asciidoc_faq.adoc")
    half = (len(pairs) + 1) // 2
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "FAQ"
    ws.append(["Question", "Answer", "Question", "Answer"])
    for i in range(half):
        row = [pairs[i]["question"], pairs[i]["answer"]]
        if half + i < len(pairs):
            row += [pairs[half + i]["question"], pairs[half + i]["answer"]]
        ws.append(row)
    wb.save(HERE / "asciidoc_faq.xlsx")
    write_truth("asciidoc_faq.xlsx", "faq", pairs, source="asciidoc_faq.adoc")


if __name__ == "__main__":
    make_docx()
    make_pdf()
    make_csv()
    make_xlsx()
