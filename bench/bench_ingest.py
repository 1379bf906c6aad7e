"""Ingestion speed per file type: MB/s of file read, with the real libraries.

Builds a few MB of each type in a temp folder (reportlab, python-docx, openpyxl,
python-pptx, stdlib), then times ``read_document`` on each (best of 2, file-system cache
warm). No baseline is named for this area: figures only.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ftbuilder.ingest import Limits, read_document

_VOCAB = ("account billing invoice password reset plan upgrade support ticket order refund "
          "shipping delivery warranty return policy customer service manager report sales "
          "region quarter growth product feature release update security login email phone "
          "the a to of and in is for on with as by at from")
WORDS = _VOCAB.split(" ")
MB = 1024 * 1024


def _sentence(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _para(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def _text(rng: random.Random, target: int) -> list[str]:
    paras, size = [], 0
    while size < target:
        p = _para(rng)
        paras.append(p)
        size += len(p) + 2
    return paras


def make_txt(d: Path, rng: random.Random, target: int) -> Path:
    f = d / "bench.txt"
    f.write_text("\n\n".join(_text(rng, target)), encoding="utf-8")
    return f


def make_md(d: Path, rng: random.Random, target: int) -> Path:
    f = d / "bench.md"
    out = []
    for i, p in enumerate(_text(rng, target)):
        if i % 5 == 0:
            out.append(f"## {_sentence(rng, 6)[:-1]}?")
        out.append(p)
    f.write_text("\n\n".join(out), encoding="utf-8")
    return f


def make_html(d: Path, rng: random.Random, target: int) -> Path:
    f = d / "bench.html"
    body = "\n".join(f"<h2>{_sentence(rng, 6)}</h2>\n<p>{p}</p>" for p in _text(rng, target))
    f.write_text(f"<html><head><style>p{{margin:0}}</style></head><body>{body}</body></html>",
                 encoding="utf-8")
    return f


def make_csv(d: Path, rng: random.Random, target: int) -> Path:
    import csv

    f = d / "bench.csv"
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "question", "answer", "category"])
        i = 0
        while fh.tell() < target:
            i += 1
            w.writerow([i, _sentence(rng, 8), _para(rng), rng.choice(WORDS)])
    return f


def make_json(d: Path, rng: random.Random, target: int) -> Path:
    rows, size = [], 0
    while size < target:
        r = {"question": _sentence(rng, 8), "answer": _para(rng), "tags": rng.sample(WORDS, 3)}
        rows.append(r)
        size += len(json.dumps(r)) + 4
    f = d / "bench.json"
    f.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return f


def make_jsonl(d: Path, rng: random.Random, target: int) -> Path:
    f = d / "bench.jsonl"
    with f.open("w", encoding="utf-8") as fh:
        while fh.tell() < target:
            msgs = [{"role": "user", "content": _sentence(rng)},
                    {"role": "assistant", "content": _para(rng)}]
            fh.write(json.dumps({"messages": msgs}) + "\n")
    return f


def make_pdf(d: Path, rng: random.Random, target: int) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    f = d / "bench.pdf"
    c = canvas.Canvas(str(f), pagesize=A4, pageCompression=0)
    written = 0
    while written < target:
        y = 800
        for _ in range(48):
            line = _sentence(rng, 13)
            c.drawString(40, y, line)
            written += len(line) + 40  # text plus operators, roughly the page stream size
            y -= 16
        c.showPage()
    c.save()
    return f


def make_docx(d: Path, rng: random.Random, target: int) -> Path:
    import docx

    doc = docx.Document()
    for i, p in enumerate(_text(rng, target)):
        if i % 8 == 0:
            doc.add_heading(_sentence(rng, 6), level=2)
        doc.add_paragraph(p)
    f = d / "bench.docx"
    doc.save(str(f))
    return f


def make_xlsx(d: Path, rng: random.Random, target: int) -> Path:
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for name in ("Sales", "Support"):
        ws = wb.create_sheet(name)
        ws.append(["id", "question", "answer", "amount"])
        for i in range(target // 2 // 60):
            ws.append([i, _sentence(rng, 8), _sentence(rng, 16), rng.random() * 1000])
    f = d / "bench.xlsx"
    wb.save(str(f))
    return f


def make_pptx(d: Path, rng: random.Random, target: int) -> Path:
    import pptx

    prs = pptx.Presentation()
    layout = prs.slide_layouts[1]
    for _ in range(max(1, target // 1500)):
        s = prs.slides.add_slide(layout)
        s.shapes.title.text = _sentence(rng, 6)
        s.placeholders[1].text_frame.text = "\n".join(_sentence(rng) for _ in range(5))
        s.notes_slide.notes_text_frame.text = _para(rng)
    f = d / "bench.pptx"
    prs.save(str(f))
    return f


# type -> (builder, target bytes of content). Office builders are slow, so they get less.
CASES: dict[str, tuple[Callable[[Path, random.Random, int], Path], int]] = {
    "txt": (make_txt, 4 * MB), "md": (make_md, 4 * MB), "html": (make_html, 4 * MB),
    "csv": (make_csv, 4 * MB), "json": (make_json, 4 * MB), "jsonl": (make_jsonl, 4 * MB),
    "pdf": (make_pdf, 2 * MB), "docx": (make_docx, 3 * MB), "xlsx": (make_xlsx, 3 * MB),
    "pptx": (make_pptx, 1 * MB),
}


def run(out: Callable[[str], None]) -> None:
    out("ingestion speed per file type (read_document, best of 2; no baseline named: "
        "figures only)")
    out(f"{'type':<6} {'file MB':>8} {'text MB':>8} {'seconds':>8} {'file MB/s':>10} "
        f"{'text MB/s':>10}  parts")
    limits = Limits(max_file_bytes=1024 * MB, max_decompressed_bytes=4096 * MB)
    with tempfile.TemporaryDirectory(prefix="ftb-bench-ingest-") as tmp:
        d = Path(tmp)
        for kind, (build, target) in CASES.items():
            path = build(d, random.Random(42), target)
            best = float("inf")
            doc = None
            for _ in range(2):
                t0 = time.perf_counter()
                doc = read_document(path, limits)
                best = min(best, time.perf_counter() - t0)
            assert doc is not None
            size = path.stat().st_size / MB
            chars = len(doc.text) / MB
            parts = (f"{doc.pages} pages" if doc.pages else f"{doc.sheets} sheets"
                     if doc.sheets else f"{doc.slides} slides" if doc.slides
                     else f"{len(doc.segments)} segments")
            out(f"{kind:<6} {size:>8.2f} {chars:>8.2f} {best:>8.2f} {size / best:>10.2f} "
                f"{chars / best:>10.2f}  {parts}")
