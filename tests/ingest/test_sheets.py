"""CSV and XLSX: tables with true row numbers, a segment per row."""

from __future__ import annotations

import datetime as dt

import pytest

from fixtures_docs import make_xlsx, write_text
from ftbuilder.core.errors import IngestError
from ftbuilder.ingest.sheets import read_csv, read_xlsx


def test_csv_header_rows_and_locations(tmp_path):
    f = write_text(tmp_path / "faq.csv", 'question,answer\n"How, exactly?",Like this\n'
                                         '"Two\nlines?",Yes\n\nLast?,Done\n')
    doc = read_csv(f)
    (t,) = doc.tables
    assert t.name == "faq.csv" and t.header == ["question", "answer"] and t.first_row == 2
    assert t.rows == [["How, exactly?", "Like this"], ["Two\nlines?", "Yes"], ["", ""],
                      ["Last?", "Done"]]
    assert [(s.location, s.text) for s in doc.segments] == [
        ("row 2", "question: How, exactly?\nanswer: Like this"),
        ("row 3", "question: Two\nlines?\nanswer: Yes"),
        ("row 5", "question: Last?\nanswer: Done"),
    ]


def test_csv_semicolon_and_cp1252(tmp_path):
    f = write_text(tmp_path / "eu.csv", "Frage;Antwort\nPreis?;5 €\nGröße?;groß\n", "cp1252")
    doc = read_csv(f)
    assert doc.tables[0].header == ["Frage", "Antwort"]
    assert doc.tables[0].rows == [["Preis?", "5 €"], ["Größe?", "groß"]]


def test_csv_single_column_and_blank_header_cells(tmp_path):
    doc = read_csv(write_text(tmp_path / "one.csv", "note\nfirst\nsecond\n"))
    assert doc.tables[0].rows == [["first"], ["second"]]
    doc = read_csv(write_text(tmp_path / "gap.csv", "a,,c\n1,2,3\n"))
    assert doc.tables[0].header == ["a", "column 2", "c"]


def test_csv_of_blank_lines(tmp_path):
    with pytest.raises(IngestError, match="no rows"):
        read_csv(write_text(tmp_path / "e.csv", ",,\n,,\n"))


def test_xlsx_every_sheet(tmp_path):
    f = make_xlsx(tmp_path / "book.xlsx", {
        "Sales": [["Region", "Amount", "Date"], ["North", 1200, dt.date(2024, 3, 1)],
                  ["South", 3.5, None], [None, None, None], ["East", 7.0, "n/a"]],
        "FAQ": [[], ["Question", "Answer"], ["Open on Sunday?", "No"]],
        "Empty": [],
    })
    doc = read_xlsx(f)
    assert doc.sheets == 3
    sales, faq = doc.tables
    assert sales.name == "Sales" and sales.header == ["Region", "Amount", "Date"]
    assert sales.rows == [["North", "1200", "2024-03-01"], ["South", "3.5", ""],
                          ["", "", ""], ["East", "7", "n/a"]]
    assert faq.header == ["Question", "Answer"] and faq.first_row == 3
    assert [s.location for s in doc.segments] == [
        "sheet Sales row 2", "sheet Sales row 3", "sheet Sales row 5", "sheet FAQ row 3"]
    assert doc.segments[-1].text == "Question: Open on Sunday?\nAnswer: No"


def test_csv_row_that_does_not_fit_the_header_is_reported_and_skipped(tmp_path):
    f = write_text(tmp_path / "faq.csv", "Question,Answer\nIs it free?,Yes\n"
                                         "Python 2?,No, as of 2.28, it is not\n"
                                         '"Two\nlines?",Yes\nLast?,Done\n')
    doc = read_csv(f)
    assert doc.warnings == ["line 3: 4 cells under a 2-column header (an unquoted comma?): "
                            "row skipped"]
    assert doc.tables[0].rows == [["Is it free?", "Yes"], ["", ""], ["Two\nlines?", "Yes"],
                                  ["Last?", "Done"]]
    assert [s.location for s in doc.segments] == ["row 2", "row 4", "row 5"]


def test_xlsx_cell_past_the_header_is_reported(tmp_path):
    f = make_xlsx(tmp_path / "b.xlsx", {"FAQ": [["Question", "Answer"], ["Free?", "Yes"],
                                                ["Paid?", "No", "stray note"]]})
    doc = read_xlsx(f)
    assert doc.warnings == ["sheet FAQ row 3: 3 cells under a 2-column header "
                            "(an unquoted comma?): row skipped"]
