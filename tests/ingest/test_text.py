"""Text and Markdown: encodings, binary sniffing, paragraphs with line numbers."""

from __future__ import annotations

import pytest

from fixtures_docs import write_text
from ftbuilder.core.errors import IngestError
from ftbuilder.ingest.text import decode_bytes, paragraphs, read_txt

SAMPLE = "Café crème: 5€ — “quoted”\nsecond line\n"


@pytest.mark.parametrize(("encoding", "detected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"),
    ("utf-16-be", None), ("utf-32", "utf-32"), ("cp1252", "cp1252"),
])
def test_encodings(tmp_path, encoding, detected):
    data = SAMPLE.encode(encoding)
    if encoding == "utf-16-be":  # with a BOM written by hand
        data = b"\xfe\xff" + data
        detected = "utf-16"
    text, enc = decode_bytes(data)
    assert text == SAMPLE
    assert enc == detected


def test_latin1_fallback_for_bytes_cp1252_lacks():
    text, enc = decode_bytes(b"caf\xe9 \x81 ok")  # 0x81 is undefined in cp1252
    assert (text, enc) == ("café \x81 ok", "latin-1")


def test_binary_detection():
    with pytest.raises(IngestError) as e:
        decode_bytes(b"abc\x00\x01\x02def" * 10)
    assert e.value.message == "binary file, not text"
    with pytest.raises(IngestError, match=r"binary file \(it looks like a PNG image\)"):
        decode_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 100)
    with pytest.raises(IngestError, match="binary file"):
        decode_bytes(bytes(range(1, 32)) * 50)


def test_bad_bom_is_reported():
    with pytest.raises(IngestError, match="UTF-16"):
        decode_bytes(b"\xff\xfe" + b"a")  # odd byte count after a UTF-16 BOM


def test_paragraphs_keep_line_numbers_and_breaks():
    text = "\n\nFirst line\nwrapped here\n\n\nSecond para\n  \nThird\nx\ny\n"
    segs = paragraphs(text)
    assert [(s.location, s.text) for s in segs] == [
        ("lines 3-4", "First line\nwrapped here"),
        ("line 7", "Second para"),
        ("lines 9-11", "Third\nx\ny"),
    ]


def test_crlf_and_md(tmp_path):
    f = write_text(tmp_path / "faq.md", "# FAQ\r\n\r\nQ: Why?\r\nA: Because.\r\n")
    doc = read_txt(f, "md")
    assert doc.type == "md"
    assert [(s.location, s.text) for s in doc.segments] == [
        ("line 1", "# FAQ"), ("lines 3-4", "Q: Why?\nA: Because.")]


def test_whitespace_only_file(tmp_path):
    f = write_text(tmp_path / "blank.txt", "  \n\n\t\n")
    with pytest.raises(IngestError, match="only whitespace"):
        read_txt(f)
