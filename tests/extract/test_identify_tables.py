"""Identify mode on tables (sheets, CSV) and records (existing chat datasets, Q/A objects)."""

from __future__ import annotations

import pytest

from ftbuilder.core.types import Document, Segment, Table
from ftbuilder.extract.columns import match_columns
from ftbuilder.extract.identify import IdentifyOptions, identify_document


def sheet_doc(tables: list[Table], kind: str = "xlsx") -> Document:
    return Document("/d/book." + kind, "0", kind, tables=tables, sheets=len(tables)
                    if kind == "xlsx" else None)


COVER = Table("Cover", ["Title", "Owner"], [["Support knowledge base", "Ops team"]])


@pytest.mark.parametrize(("header", "q", "a"), [
    (["Category", "Question", "Answer"], "Question", "Answer"),
    (["id", "prompt", "response"], "prompt", "response"),
    (["input", "output", "notes"], "input", "output"),
    (["Pregunta", "Respuesta"], "Pregunta", "Respuesta"),
    (["Customer question", "Official answer"], "Customer question", "Official answer"),
])
def test_question_answer_columns_found_by_header_on_the_second_sheet(
        header: list[str], q: str, a: str) -> None:
    qi, ai = header.index(q), header.index(a)
    rows = []
    for question, answer in [("How do I pair the headset?", "Hold the power button 5 s."),
                             ("Is it waterproof?", "It is splash-proof (IPX4), not waterproof.")]:
        row = ["x"] * len(header)
        row[qi], row[ai] = question, answer
        rows.append(row)
    rows.append(["" for _ in header])  # an empty row is skipped
    faq = Table("FAQ", header, rows, first_row=2)
    convs = identify_document(sheet_doc([COVER, faq]))
    assert [[(m.role, m.content) for m in c.messages] for c in convs] == [
        [("user", "How do I pair the headset?"), ("assistant", "Hold the power button 5 s.")],
        [("user", "Is it waterproof?"),
         ("assistant", "It is splash-proof (IPX4), not waterproof.")],
    ]
    assert [c.location for c in convs] == ["sheet FAQ row 2", "sheet FAQ row 3"]
    assert convs[0].meta["pattern"] == "table"


def test_csv_rows_locations_and_other_cells_as_context() -> None:
    t = Table("faq.csv", ["Topic", "Question", "Answer"],
              [["Billing", "When am I charged?", "On the 1st of each month."],
               ["Billing", "", "An answer without a question is skipped."],
               ["Account", "Can I rename my team?", "Yes, under Team settings."]])
    convs = identify_document(Document("/d/faq.csv", "0", "csv", tables=[t]))
    assert [c.location for c in convs] == ["row 2", "row 4"]
    assert convs[0].meta["context"] == "Topic: Billing"
    no_ctx = identify_document(Document("/d/faq.csv", "0", "csv", tables=[t]),
                               IdentifyOptions(include_context=False))
    assert "context" not in no_ctx[0].meta


def test_sheet_row_segments_are_not_read_twice() -> None:
    t = Table("FAQ", ["Question", "Answer"], [["Is there an API?", "Yes, REST and gRPC."]])
    doc = sheet_doc([t])
    doc.segments = [Segment("Question: Is there an API?\nAnswer: Yes, REST and gRPC.",
                            "sheet FAQ row 2")]
    assert len(identify_document(doc)) == 1


def test_role_content_rows_grouped_by_conversation_id() -> None:
    t = Table("Chats", ["conversation_id", "role", "content"], [
        ["c1", "user", "My screen flickers."],
        ["c1", "assistant", "Try another cable first."],
        ["c1", "user", "That fixed it."],
        ["c1", "assistant", "Great!"],
        ["c2", "human", "Do you sell gift cards?"],
        ["c2", "gpt", "Yes, from 10 to 200 EUR."],
    ])
    convs = identify_document(sheet_doc([t]))
    assert [len(c.messages) for c in convs] == [4, 2]
    assert [c.location for c in convs] == ["sheet Chats rows 2-5", "sheet Chats rows 6-7"]
    assert convs[1].messages[1].content == "Yes, from 10 to 200 EUR."


def test_alpaca_columns_put_input_after_the_instruction() -> None:
    t = Table("data", ["instruction", "input", "output"],
              [["Translate to French.", "Good morning", "Bonjour"]])
    conv = identify_document(sheet_doc([t]))[0]
    assert conv.messages[0].content == "Translate to French.\n\nGood morning"


def test_tables_without_conversation_columns_yield_none() -> None:
    t = Table("Sales", ["Region", "Q1", "Q2"], [["North", "10", "12"]])
    assert identify_document(sheet_doc([t])) == []
    assert match_columns(["Name", "Email", "Phone"]) is None


def record_doc(records: list[tuple[int, object]]) -> Document:
    return Document("/d/data.jsonl", "0", "jsonl", records=records,
                    segments=[Segment(str(o), f"line {n}") for n, o in records])


OPENAI = {"messages": [{"role": "system", "content": "You are concise."},
                       {"role": "user", "content": "Largest planet?"},
                       {"role": "assistant", "content": "Jupiter."}]}
SHAREGPT = {"conversations": [{"from": "human", "value": "Boiling point of water?"},
                              {"from": "gpt", "value": "100 °C at sea level."}]}
ALPACA = {"instruction": "Name a prime number.", "input": "", "output": "7"}
QA_OBJ = {"question": "Opening hours?", "answer": "9 to 17 on weekdays.", "lang": "en"}


def test_existing_chat_datasets_are_read_with_formats() -> None:
    convs = identify_document(record_doc([(1, OPENAI), (2, SHAREGPT), (3, ALPACA),
                                          (4, QA_OBJ), (5, {"note": "no conversation"}),
                                          (6, {"messages": "broken"})]))
    got = [(c.location, c.meta["pattern"], [(m.role, m.content) for m in c.messages])
           for c in convs]
    assert got == [
        ("record line 1", "record:openai", [("system", "You are concise."),
                                           ("user", "Largest planet?"),
                                           ("assistant", "Jupiter.")]),
        ("record line 2", "record:sharegpt", [("user", "Boiling point of water?"),
                                             ("assistant", "100 °C at sea level.")]),
        ("record line 3", "record:alpaca", [("user", "Name a prime number."),
                                           ("assistant", "7")]),
        ("record line 4", "record:qa", [("user", "Opening hours?"),
                                       ("assistant", "9 to 17 on weekdays.")]),
    ]


def test_text_records_are_scanned_for_patterns() -> None:
    text = "Q: Do you ship to Norway?\nA: Yes, duties are included."
    convs = identify_document(record_doc([(7, text), (8, "Just a note.")]))
    assert [(c.location, c.messages[1].content) for c in convs] == [
        ("record line 7, lines 1-2", "Yes, duties are included.")]


def test_sheet_with_two_question_answer_column_pairs(tmp_path, docs) -> None:
    from ftbuilder.ingest import read_document

    f = docs.make_xlsx(tmp_path / "faq.xlsx", {"FAQ": [
        ["Question", "Answer", "Question", "Answer"],
        ["Is it free?", "Yes.", "Can I self-host?", "Yes, with Docker."],
        ["Is there an API?", "Yes, REST.", None, None]]})
    convs = identify_document(read_document(f))
    assert [(c.location, c.messages[0].content, c.messages[1].content) for c in convs] == [
        ("sheet FAQ row 2, columns A-B", "Is it free?", "Yes."),
        ("sheet FAQ row 2, columns C-D", "Can I self-host?", "Yes, with Docker."),
        ("sheet FAQ row 3, columns A-B", "Is there an API?", "Yes, REST.")]
