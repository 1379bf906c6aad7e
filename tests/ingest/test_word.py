"""DOCX: paragraphs and tables in order, headings marked, located by paragraph / table row."""

from __future__ import annotations

import docx

from fixtures_docs import make_docx
from ftbuilder.ingest.word import read_docx


def test_paragraphs_headings_and_table(tmp_path):
    f = make_docx(tmp_path / "h.docx", [
        ("title", "Staff handbook"), ("h1", "FAQ"), ("h2", "Can I work from home?"),
        "Yes, two days a week.", "", ("list", "Ask your manager first"),
        [["Question", "Answer"], ["Parking?", "Level -1"], ["Lunch?", "12:00"]],
        "After the table.",
    ])
    doc = read_docx(f)
    got = [(s.location, s.text) for s in doc.segments]
    assert got == [
        ("paragraph 1", "# Staff handbook"),
        ("paragraph 2", "# FAQ"),
        ("paragraph 3", "## Can I work from home?"),
        ("paragraph 4", "Yes, two days a week."),
        ("paragraph 6", "- Ask your manager first"),  # paragraph 5 is empty
        ("table 1 row 1", "Question | Answer"),
        ("table 1 row 2", "Question: Parking?\nAnswer: Level -1"),
        ("table 1 row 3", "Question: Lunch?\nAnswer: 12:00"),
        ("paragraph 7", "After the table."),
    ]
    (t,) = doc.tables
    assert (t.name, t.header, t.rows) == ("table 1", ["Question", "Answer"],
                                          [["Parking?", "Level -1"], ["Lunch?", "12:00"]])


def test_merged_cells_counted_once(tmp_path):
    d = docx.Document()
    table = d.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "Wide header"
    for c, v in enumerate(["a", "b", "c"]):
        table.cell(1, c).text = v
    d.save(tmp_path / "m.docx")
    doc = read_docx(tmp_path / "m.docx")
    assert doc.tables[0].header == ["Wide header"]
    assert doc.tables[0].rows == [["a", "b", "c"]]
