"""ingest_paths: a batch with bad files goes on; unchanged files come from the store."""

from __future__ import annotations

import json

import pytest

from fixtures_docs import (
    make_docx,
    make_encrypted_pdf,
    make_pdf,
    make_pptx,
    make_random_bytes,
    make_truncated,
    make_xlsx,
    make_zip_bomb,
    write_text,
)
from ftbuilder.config import load_settings
from ftbuilder.core.errors import Cancelled
from ftbuilder.core.progress import CancelToken
from ftbuilder.ingest import document_to_payload, read_document
from ftbuilder.services.context import AppContext
from ftbuilder.services.ingest import discover_files, ingest_paths
from ftbuilder.store.db import Store


@pytest.fixture
def ctx(tmp_path):
    settings = load_settings(root=tmp_path, environ={})
    c = AppContext(settings, Store(":memory:"))
    yield c
    c.close()


def build_batch(folder):
    folder.mkdir()
    make_pdf(folder / "guide.pdf", ["Page one\nwrapped line", "Page two"])
    make_docx(folder / "handbook.docx", [("h2", "Is there parking?"), "Yes, level -1.",
                                         [["Q", "A"], ["Lunch?", "Noon"]]])
    make_xlsx(folder / "book.xlsx", {"A": [["q", "a"], ["x", "y"]], "B": [["k"], ["v"]]})
    make_pptx(folder / "deck.pptx", [{"title": "Hello", "notes": "speaker note"}])
    write_text(folder / "notes.txt", "plain text\n", "utf-16")
    write_text(folder / "chat.jsonl", '{"m": 1}\nbroken\n{"m": 2}\n')
    make_encrypted_pdf(folder / "locked.pdf", ["secret"])
    make_truncated(folder / "cut.docx", folder / "handbook.docx")
    make_random_bytes(folder / "noise.pdf")
    make_zip_bomb(folder / "bomb.xlsx", "xlsx", member_mb=16)
    (folder / "empty.md").write_bytes(b"")
    make_random_bytes(folder / "binary.txt")
    return folder


def by_name(result):
    return {r.path.rsplit("/", 1)[-1]: r for r in result.reports}


def test_batch_reads_good_files_and_reports_bad_ones(ctx, tmp_path):
    folder = build_batch(tmp_path / "in")
    result = ingest_paths(ctx, [folder])
    reps = by_name(result)
    assert result.ok == 6 and result.failed == 6 and len(result.documents) == 6
    assert {n for n, r in reps.items() if r.status == "ok"} == {
        "guide.pdf", "handbook.docx", "book.xlsx", "deck.pptx", "notes.txt", "chat.jsonl"}
    assert reps["locked.pdf"].error.startswith("PDF is password-protected: decrypt it first")
    assert reps["cut.docx"].error.startswith("corrupt or not a real .docx")
    assert reps["noise.pdf"].error.startswith("corrupt PDF")
    assert reps["bomb.xlsx"].error.startswith("looks like a decompression bomb")
    assert reps["empty.md"].error.startswith("empty file")
    assert reps["binary.txt"].error.startswith("binary file")
    assert all("\n" not in r.error for r in result.reports)
    assert (reps["guide.pdf"].pages, reps["book.xlsx"].sheets, reps["deck.pptx"].slides) == (
        2, 2, 1)
    pdf = next(d for d in result.documents if d.type == "pdf")
    assert reps["guide.pdf"].chars == len(pdf.text) and reps["guide.pdf"].tokens > 0
    assert reps["chat.jsonl"].warnings == [
        "line 2: not valid JSON (Expecting value at column 1), skipped"]
    assert reps["bomb.xlsx"].type == "xlsx" and reps["bomb.xlsx"].bytes > 0
    stored = {d["path"].rsplit("/", 1)[-1] for d in ctx.store.list_documents()}
    assert stored == {n for n, r in reps.items() if r.status == "ok"}
    json.dumps(result.to_dict())  # --json output is serialisable


def test_second_run_is_unchanged_and_restores_the_same_documents(ctx, tmp_path):
    folder = build_batch(tmp_path / "in")
    first = ingest_paths(ctx, [folder])
    second = ingest_paths(ctx, [folder])
    assert [r.status for r in second.reports if r.status != "error"] == ["unchanged"] * 6
    assert second.unchanged == 6 and second.ok == 6 and second.failed == 6
    assert second.documents == first.documents
    r1, r2 = by_name(first), by_name(second)
    assert (r2["guide.pdf"].chars, r2["guide.pdf"].tokens) == (r1["guide.pdf"].chars,
                                                               r1["guide.pdf"].tokens)


def test_unchanged_file_is_not_read_again(ctx, tmp_path):
    f = write_text(tmp_path / "faq.md", "# FAQ\n\nQ: a?\nA: b.\n")
    first = ingest_paths(ctx, [f])
    key, sha = first.documents[0].path, first.documents[0].sha256
    # replace the stored copy: if the service read the file, this text would not come back
    doc = read_document(f)
    doc.path = key
    doc.segments[0].text = "FROM THE STORE"
    ctx.store.save_document(key, sha, "md", doc.text, first.reports[0].to_dict(),
                            document_to_payload(doc))
    second = ingest_paths(ctx, [f])
    assert second.reports[0].status == "unchanged"
    assert second.documents[0].segments[0].text == "FROM THE STORE"
    # a change to the file is noticed and the file read again
    write_text(f, "# FAQ v2\n\nQ: c?\nA: d.\n")
    third = ingest_paths(ctx, [f])
    assert third.reports[0].status == "ok"
    assert third.documents[0].segments[0].text == "# FAQ v2"


def test_limits_come_from_config(ctx, tmp_path):
    ctx.settings.config.ingest.max_file_mb = 0.001  # about 1 KB
    small = write_text(tmp_path / "small.txt", "short\n")
    big = write_text(tmp_path / "big.txt", "long line of text\n" * 200)
    result = ingest_paths(ctx, [small, big])
    assert [r.status for r in result.reports] == ["ok", "error"]
    assert result.reports[1].error.startswith("file too large: 3.5 KB > limit 1.0 KB")


def test_discover_files(tmp_path):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / ".git").mkdir()
    for name in ["b.md", "a.txt", "sub/c.pdf", ".hidden.txt", ".git/x.txt", "~$lock.docx",
                 "image.png", "sub/data.jsonl"]:
        (root / name).write_text("x")
    (tmp_path / "notes.xyz").write_text("x")
    found = discover_files([root, tmp_path / "notes.xyz", root / "a.txt"])
    rel = [str(p.relative_to(tmp_path)) for p in found]
    assert rel == ["in/a.txt", "in/b.md", "in/sub/c.pdf", "in/sub/data.jsonl", "notes.xyz"]


def test_unsupported_and_missing_explicit_files_reported(ctx, tmp_path):
    (tmp_path / "notes.xyz").write_text("x")
    ok = write_text(tmp_path / "ok.txt", "fine\n")
    result = ingest_paths(ctx, [tmp_path / "notes.xyz", tmp_path / "gone.pdf", ok])
    errors = [r.error for r in result.reports]
    assert errors[0].startswith(
        "unsupported type .xyz; supported: .adoc, .asciidoc, .csv, .docx, ")
    assert errors[1].startswith("gone.pdf: no such file")
    assert result.reports[2].status == "ok"


def test_progress_per_file_and_cancel_between_files(ctx, tmp_path):
    files = [write_text(tmp_path / f"f{i}.txt", f"file {i}\n") for i in range(3)]
    seen = []
    ingest_paths(ctx, files, progress=lambda p: seen.append((p.stage, p.done, p.total)))
    assert seen == [("ingest", 0, 3), ("ingest", 1, 3), ("ingest", 2, 3), ("ingest", 3, 3)]

    token = CancelToken()

    def cancel_after_first(p):
        if p.done == 1:
            token.cancel()

    others = [write_text(tmp_path / f"g{i}.txt", f"other {i}\n") for i in range(3)]
    with pytest.raises(Cancelled):
        ingest_paths(ctx, others, progress=cancel_after_first, cancel=token)
    stored = {d["path"].rsplit("/", 1)[-1] for d in ctx.store.list_documents()}
    assert "g0.txt" in stored and "g1.txt" not in stored
