"""Checks made before any parser runs: size, type, zip structure, bombs, XML DTDs."""

from __future__ import annotations

import hashlib
import time

import pytest

from fixtures_docs import (
    make_docx,
    make_random_bytes,
    make_truncated,
    make_xlsx,
    make_xml_bomb,
    make_zip_bomb,
    write_text,
)
from ftbuilder.core.errors import IngestError
from ftbuilder.ingest.base import MB, Limits, check_file, check_zip, file_type, sha256_file


def test_file_type_by_extension_case_insensitive():
    assert file_type("a/B.PDF") == "pdf"
    assert file_type("x.jsonl") == "jsonl"
    assert file_type("x.htm") == "html"
    assert file_type("x.tsv") == "csv"
    assert file_type("x.doc") is None
    assert file_type("README") is None


def test_check_file_errors(tmp_path):
    with pytest.raises(IngestError, match="no such file"):
        check_file(tmp_path / "missing.txt", Limits())
    (tmp_path / "empty.txt").write_bytes(b"")
    with pytest.raises(IngestError) as e:
        check_file(tmp_path / "empty.txt", Limits())
    assert e.value.message == "empty file"
    (tmp_path / "old.doc").write_bytes(b"x")
    with pytest.raises(IngestError) as e:
        check_file(tmp_path / "old.doc", Limits())
    assert str(e.value).startswith(
        "unsupported type .doc; supported: .adoc, .asciidoc, .csv, .docx")


def test_oversized_file_rejected_before_reading(tmp_path):
    f = write_text(tmp_path / "big.txt", "word " * 1000)
    assert check_file(f, Limits(max_file_bytes=10_000)) == 5000
    with pytest.raises(IngestError) as e:
        check_file(f, Limits(max_file_bytes=1000))
    assert "file too large: 4.9 KB > limit 1.0 KB" in str(e.value)
    assert "ingest.max_file_mb" in e.value.hint


def test_sha256_streams_whole_file(tmp_path):
    data = bytes(range(256)) * 10_000
    (tmp_path / "f.bin").write_bytes(data)
    assert sha256_file(tmp_path / "f.bin", chunk=4096) == hashlib.sha256(data).hexdigest()


def test_real_office_files_pass(tmp_path):
    check_zip(make_docx(tmp_path / "a.docx", ["Hello"]), "docx", Limits())
    check_zip(make_xlsx(tmp_path / "a.xlsx", {"S": [["a", "b"], [1, 2]]}), "xlsx", Limits())


def test_truncated_and_fake_zip_are_corrupt(tmp_path):
    good = make_docx(tmp_path / "good.docx", ["Hello " * 500])
    bad = make_truncated(tmp_path / "cut.docx", good)
    with pytest.raises(IngestError) as e:
        check_zip(bad, "docx", Limits())
    assert e.value.message == "corrupt or not a real .docx"
    fake = make_random_bytes(tmp_path / "fake.pptx")
    with pytest.raises(IngestError) as e:
        check_zip(fake, "pptx", Limits())
    assert str(e.value) == ("corrupt or not a real .pptx "
                            "(open it in PowerPoint and save it again)")


def test_xlsx_renamed_docx_is_named(tmp_path):
    f = make_xlsx(tmp_path / "sheet.docx", {"S": [["a"]]})
    with pytest.raises(IngestError, match=r"not a real \.docx \(it looks like a \.xlsx"):
        check_zip(f, "docx", Limits())


def test_ole_container_means_password_or_old_format(tmp_path):
    f = tmp_path / "locked.xlsx"
    f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000)
    with pytest.raises(IngestError, match="password-protected or an old binary Office"):
        check_zip(f, "xlsx", Limits())


def test_zip_bomb_by_ratio_is_rejected_fast(tmp_path):
    bomb = make_zip_bomb(tmp_path / "bomb.xlsx", "xlsx", member_mb=64)
    assert bomb.stat().st_size < MB  # 64 MB of zeros packed into well under 1 MB
    t0 = time.perf_counter()
    with pytest.raises(IngestError) as e:
        check_zip(bomb, "xlsx", Limits())
    assert time.perf_counter() - t0 < 2  # judged from the zip directory, nothing inflated
    assert str(e.value).startswith("looks like a decompression bomb: xl/worksheets/sheet1.xml "
                                   "expands")
    assert "(limit 200:1)" in str(e.value)


def test_total_uncompressed_size_limit(tmp_path):
    f = make_docx(tmp_path / "a.docx", ["Some text. " * 20_000])
    with pytest.raises(IngestError, match=r"looks like a decompression bomb: .* uncompressed"):
        check_zip(f, "docx", Limits(max_decompressed_bytes=100_000))
    check_zip(f, "docx", Limits(max_decompressed_bytes=10 * MB))


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_xml_entity_bomb_refused(tmp_path, kind):
    f = make_xml_bomb(tmp_path / f"lol.{kind}", kind)
    with pytest.raises(IngestError) as e:
        check_zip(f, kind, Limits())
    assert "declares an XML DTD/entities (possibly malicious)" in str(e.value)
