"""PDF: a segment per page, line breaks kept; encrypted and corrupt files refused clearly."""

from __future__ import annotations

import pytest

from fixtures_docs import make_encrypted_pdf, make_pdf, make_random_bytes, make_truncated
from ftbuilder.core.errors import IngestError
from ftbuilder.ingest.pdf import read_pdf


def test_pages_as_segments(tmp_path):
    f = make_pdf(tmp_path / "guide.pdf", [
        "Q: How do I reset my password?\nA: Open Settings and choose\nReset password.",
        "",  # a blank page still counts as a page
        "Page three text",
    ])
    doc = read_pdf(f)
    assert doc.pages == 3
    assert [s.location for s in doc.segments] == ["page 1", "page 3"]
    assert doc.segments[0].text == ("Q: How do I reset my password?\nA: Open Settings and "
                                    "choose\nReset password.")
    assert doc.segments[1].text == "Page three text"


def test_encrypted_pdf_needs_password(tmp_path):
    f = make_encrypted_pdf(tmp_path / "locked.pdf", ["secret"], password="pw")
    with pytest.raises(IngestError) as e:
        read_pdf(f)
    assert e.value.message == "PDF is password-protected: decrypt it first"


def test_encrypted_pdf_with_empty_user_password_opens(tmp_path):
    f = make_encrypted_pdf(tmp_path / "restricted.pdf", ["readable text"], user_password="")
    assert read_pdf(f).segments[0].text == "readable text"


def test_not_a_pdf_and_truncated(tmp_path):
    with pytest.raises(IngestError) as e:
        read_pdf(make_random_bytes(tmp_path / "noise.pdf"))
    assert e.value.message == "corrupt PDF: no %PDF header (not a real PDF?)"
    whole = make_pdf(tmp_path / "whole.pdf", [f"page {i}" for i in range(5)])
    with pytest.raises(IngestError, match=r"^corrupt PDF: "):
        read_pdf(make_truncated(tmp_path / "cut.pdf", whole, 0.6))
