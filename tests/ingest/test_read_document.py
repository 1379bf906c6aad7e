"""read_document: dispatch by extension, content sniffing, one clear error per bad file."""

from __future__ import annotations

import hashlib

import pytest

from fixtures_docs import (
    FAQ_PAIRS,
    make_docx,
    make_pdf,
    make_pptx,
    make_random_bytes,
    make_truncated,
    make_xlsx,
    make_zip_bomb,
    write_text,
)
from ftbuilder.core.errors import IngestError
from ftbuilder.ingest import Limits, read_document


def test_every_type_dispatches(tmp_path):
    q, a = FAQ_PAIRS[0]
    files = {
        "pdf": make_pdf(tmp_path / "a.pdf", [f"{q}\n{a}"]),
        "docx": make_docx(tmp_path / "a.docx", [("h2", q), a]),
        "xlsx": make_xlsx(tmp_path / "a.xlsx", {"FAQ": [["question", "answer"], [q, a]]}),
        "pptx": make_pptx(tmp_path / "a.pptx", [{"title": q, "body": a}]),
        "csv": write_text(tmp_path / "a.csv", f'question,answer\n"{q}","{a}"\n'),
        "txt": write_text(tmp_path / "a.txt", f"{q}\n{a}\n", "utf-16"),
        "md": write_text(tmp_path / "a.md", f"## {q}\n\n{a}\n"),
        "html": write_text(tmp_path / "a.html", f"<h2>{q}</h2><p>{a}</p>"),
        "json": write_text(tmp_path / "a.json", f'[{{"q": "{q}", "a": "{a}"}}]'),
        "jsonl": write_text(tmp_path / "a.jsonl", f'{{"q": "{q}", "a": "{a}"}}\n'),
    }
    for kind, path in files.items():
        doc = read_document(path)
        assert doc.type == kind
        assert q in doc.text and a in doc.text, kind
        assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert all(s.location for s in doc.segments)


@pytest.mark.parametrize(("name", "build", "message"), [
    ("empty.txt", lambda p: p.write_bytes(b""), "empty file"),
    ("bin.txt", lambda p: make_random_bytes(p), "binary file, not text"),
    ("pic.md", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
     "binary file (it looks like a PNG image), not text"),
    ("noise.pdf", lambda p: make_random_bytes(p), "corrupt PDF: no %PDF header (not a real PDF?)"),
    ("noise.docx", lambda p: make_random_bytes(p), "corrupt or not a real .docx"),
    ("x.unknown", lambda p: p.write_text("hi"), None),
])
def test_bad_files_one_line(tmp_path, name, build, message):
    path = tmp_path / name
    build(path)
    with pytest.raises(IngestError) as e:
        read_document(path)
    if message is not None:
        assert e.value.message == message
    assert "\n" not in str(e.value)


def test_truncated_docx_and_bomb_xlsx(tmp_path):
    good = make_docx(tmp_path / "g.docx", ["text " * 2000])
    with pytest.raises(IngestError, match=r"corrupt or not a real \.docx"):
        read_document(make_truncated(tmp_path / "cut.docx", good))
    with pytest.raises(IngestError, match="looks like a decompression bomb"):
        read_document(make_zip_bomb(tmp_path / "bomb.xlsx", "xlsx", member_mb=32))


def test_oversized_by_limit(tmp_path):
    f = write_text(tmp_path / "a.txt", "x" * 5000)
    with pytest.raises(IngestError, match="file too large"):
        read_document(f, Limits(max_file_bytes=1024))


def test_blank_pdf_has_no_text(tmp_path):
    with pytest.raises(IngestError) as e:
        read_document(make_pdf(tmp_path / "scan.pdf", [""]))
    assert e.value.message == "no text found in this PDF"
    assert "OCR" in e.value.hint


def test_a_header_without_rows_is_an_error_for_csv_and_xlsx_alike(tmp_path):
    # a CSV with only its header row was read as ok with nothing in it, while an empty XLSX
    # was an error: both now say what is missing
    csv_file = write_text(tmp_path / "faq.csv", "question,answer\n")
    xlsx = make_xlsx(tmp_path / "faq.xlsx", {"FAQ": [["question", "answer"]]})
    for path, kind in ((csv_file, "CSV"), (xlsx, "XLSX")):
        with pytest.raises(IngestError) as e:
            read_document(path)
        assert e.value.message == f"no rows under the header in this {kind}"
        assert "below the header" in e.value.hint
    one_row = write_text(tmp_path / "ok.csv", "question,answer\nWhy?,Because.\n")
    assert read_document(one_row).tables[0].rows == [["Why?", "Because."]]
