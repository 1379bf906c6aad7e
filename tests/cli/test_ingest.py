"""`ftb ingest`: per-file reports, exit 1 on a bad file (the others still ingested)."""

from __future__ import annotations

import sqlite3

import docx


def make_inputs(folder):
    folder.mkdir(exist_ok=True)
    (folder / "faq.md").write_text("# FAQ\n\nQ: How long is the warranty?\nA: Two years.\n",
                                   encoding="utf-8")
    d = docx.Document()
    d.add_paragraph("Customer: My order did not arrive.")
    d.add_paragraph("Agent: I am sorry to hear that. Let me check the tracking number.")
    d.save(folder / "chat.docx")
    return folder


def stored_paths(db):
    return {r[0] for r in sqlite3.connect(db).execute("SELECT path FROM documents")}


def test_ingest_folder_json(cli, project):
    make_inputs(project / "input_files")
    r = cli("ingest", "input_files", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["ok"] == 2 and data["failed"] == 0
    by_type = {f["type"]: f for f in data["files"]}
    assert set(by_type) == {"md", "docx"}
    assert all(f["status"] == "ok" and f["chars"] > 0 and f["tokens"] > 0
               for f in data["files"])
    assert {p.rsplit("/", 1)[-1] for p in stored_paths(project / "memory" / "test.db")} == {
        "faq.md", "chat.docx"}


def test_second_ingest_reports_unchanged(cli, project):
    make_inputs(project / "input_files")
    assert cli("ingest", "input_files").code == 0
    r = cli("ingest", "input_files", "--json")
    assert [f["status"] for f in r.json()["files"]] == ["unchanged", "unchanged"]


def test_bad_file_exit_1_others_ingested(cli, project):
    folder = make_inputs(project / "input_files")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    r = cli("ingest", "input_files")
    assert r.code == 1
    assert "broken.pdf" in r.out and "not read:" in r.out
    assert "2 ok (0 unchanged), 1 failed" in r.out
    assert "Traceback" not in r.out + r.err
    assert len(stored_paths(project / "memory" / "test.db")) == 2


def test_human_table_uses_relative_paths(cli, project):
    make_inputs(project / "input_files")
    r = cli("ingest", "input_files")
    assert "input_files/faq.md" in r.out
    assert str(project) not in r.out


def test_empty_folder_exit_1(cli, project):
    (project / "empty").mkdir()
    r = cli("ingest", "empty")
    assert r.code == 1
    assert "no supported files found in empty" in r.out
    j = cli("ingest", "empty", "--json")
    assert j.code == 1 and j.json()["files"] == []
    assert "no supported files" in j.err


def test_ingest_subprocess_with_ftb_db(ftb, project, tmp_path):
    make_inputs(project / "input_files")
    db = tmp_path / "elsewhere.db"
    r = ftb("ingest", "input_files", "--json", env={"FTB_DB": str(db)})
    assert r.code == 0, r.err
    assert r.err == ""  # stderr is not a terminal: no progress line
    assert len(stored_paths(db)) == 2
