"""Builders of real documents for tests, made with the real libraries (reused across teams).

    from fixtures_docs import make_pdf, make_docx, make_xlsx, make_pptx, write_text

Every builder writes ``path`` and returns it. Bad files: make_encrypted_pdf,
make_truncated, make_random_bytes, make_zip_bomb, make_xml_bomb.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any

FAQ_PAIRS = [
    ("How do I reset my password?", "Open Settings, choose Security and press Reset."),
    ("Can I change my plan later?", "Yes, upgrade or downgrade at any time from Billing."),
    ("Where is my invoice?", "Invoices are emailed monthly and listed under Billing."),
]


def make_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF with one page per string; lines of a string become lines on the page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    for page in pages:
        y = 800
        for line in page.splitlines():
            c.drawString(50, y, line)
            y -= 16
        c.showPage()
    c.save()
    return path


def make_encrypted_pdf(path: Path, pages: list[str], password: str = "s3cret",
                       user_password: str | None = None) -> Path:
    """A PDF encrypted with pypdf. ``user_password=""`` makes one that opens without a password."""
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_suffix(".plain.pdf"), pages)
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password if user_password is None else user_password,
                   owner_password=password)
    with path.open("wb") as f:
        writer.write(f)
    plain.unlink()
    return path


def make_docx(path: Path, blocks: list[Any]) -> Path:
    """A DOCX. Each block: a str (paragraph), ("h1"|"h2"|"h3"|"title"|"list", text), or a
    list of rows (a table, first row the header)."""
    import docx

    d = docx.Document()
    for block in blocks:
        if isinstance(block, str):
            d.add_paragraph(block)
        elif isinstance(block, tuple):
            kind, text = block
            if kind == "title":
                d.add_heading(text, level=0)
            elif kind == "list":
                d.add_paragraph(text, style="List Bullet")
            else:
                d.add_heading(text, level=int(kind[1:]))
        else:
            rows = block
            table = d.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
    d.save(str(path))
    return path


def make_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """An XLSX with one worksheet per entry (rows as lists of values)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(str(path))
    return path


def make_pptx(path: Path, slides: list[dict[str, str]]) -> Path:
    """A PPTX; each slide dict may have "title", "body" and "notes"."""
    import pptx

    prs = pptx.Presentation()
    layout = prs.slide_layouts[1]  # title and content
    for spec in slides:
        slide = prs.slides.add_slide(layout)
        if "title" in spec:
            slide.shapes.title.text = spec["title"]
        if "body" in spec:
            slide.placeholders[1].text_frame.text = spec["body"]
        if "notes" in spec:
            slide.notes_slide.notes_text_frame.text = spec["notes"]
    prs.save(str(path))
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Text in an encoding; "utf-16" writes a BOM, "utf-8-sig" too."""
    path.write_bytes(text.encode(encoding))
    return path


def make_truncated(path: Path, source: Path, keep: float = 0.5) -> Path:
    """The first ``keep`` share of ``source``'s bytes (a download cut short)."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def make_random_bytes(path: Path, size: int = 4096, seed: int = 1) -> Path:
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def make_zip_bomb(path: Path, kind: str = "xlsx", member_mb: int = 64) -> Path:
    """An Office-shaped zip with one huge, highly compressible member (zeros deflate ~1000:1)."""
    main = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml",
            "pptx": "ppt/presentation.xml"}[kind]
    big = {"xlsx": "xl/worksheets/sheet1.xml", "docx": "word/media/blob.xml",
           "pptx": "ppt/slides/slide1.xml"}[kind]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr(main, '<?xml version="1.0"?><root/>')
        chunk = b"\0" * (1024 * 1024)
        with zf.open(big, "w", force_zip64=True) as member:
            for _ in range(member_mb):
                member.write(chunk)
    return path


def make_xml_bomb(path: Path, kind: str = "docx") -> Path:
    """A DOCX or XLSX whose main XML part declares "billion laughs" nested entities."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    dtd = "<!DOCTYPE lolz [" + "".join(entities) + "]>\n"
    if kind == "docx":
        make_docx(path, ["placeholder"])
        part = "word/document.xml"
        xml = (dtd + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
               '2006/main"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body>'
               "</w:document>")
    else:
        make_xlsx(path, {"Sheet": [["placeholder"]]})
        part = "xl/worksheets/sheet1.xml"
        with zipfile.ZipFile(path) as src:
            xml = dtd + src.read(part).decode().replace("placeholder", "&lol9;")
    with zipfile.ZipFile(path) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    parts[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path
