"""Identify mode end to end on real files read by the real readers (ftbuilder.ingest)."""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

from ftbuilder.core.types import Conversation, Document
from ftbuilder.extract.identify import identify_document
from ftbuilder.ingest import read_document


def norm(s: str) -> str:
    return " ".join(s.split())


def assert_verbatim(convs: list[Conversation], doc: Document, extra: str = "") -> None:
    source = doc.text + "\n" + extra
    forms = [norm(source), norm(re.sub(r"-[ \t]*\n\s*", "-", source)),
             norm(re.sub(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[^\W\d_])", "", source))]
    for c in convs:
        for m in c.messages:
            assert any(norm(m.content) in f for f in forms), f"not in source: {m.content!r}"


def read(path: Path) -> tuple[Document, list[Conversation]]:
    doc = read_document(path)
    doc.path = str(path)
    convs = identify_document(doc)
    for c in convs:
        assert c.source_file == str(path) and c.location
    return doc, convs


def test_markdown_file(tmp_path: Path, docs: types.ModuleType) -> None:
    text = ("# Help centre\n\n"
            "## How do I export my data?\n"
            "Go to Account > Export and choose CSV or JSON. The file is ready in a few\n"
            "minutes.\n\n"
            "## Can two people share one login?\n"
            "No. Each seat is personal; invite colleagues from Team instead.\n\n"
            "Q: Is there a mobile app?\n"
            "A: Yes, for iOS and Android.\n")
    doc, convs = read(docs.write_text(tmp_path / "help.md", text))
    assert [(c.messages[0].content, c.location) for c in convs] == [
        ("How do I export my data?", "lines 3-5"),
        ("Can two people share one login?", "lines 7-8"),
        ("Is there a mobile app?", "lines 10-11"),
    ]
    assert convs[0].messages[1].content == (
        "Go to Account > Export and choose CSV or JSON. The file is ready in a few minutes.")
    assert_verbatim(convs, doc)


def test_transcript_text_file(tmp_path: Path, docs: types.ModuleType) -> None:
    text = ("User: Can you convert 5 miles to km?\nAssistant: 5 miles is about 8.05 km.\n"
            "User: And 10?\nAssistant: About 16.09 km.\n\n---\n\n"
            "Human: Spell 'necessary'.\nAI: N-E-C-E-S-S-A-R-Y.\n")
    doc, convs = read(docs.write_text(tmp_path / "chat.txt", text))
    assert [len(c.messages) for c in convs] == [4, 2]
    assert [c.location for c in convs] == ["lines 1-4", "lines 8-9"]
    assert_verbatim(convs, doc)


def test_pdf_faq_with_wrapped_and_hyphenated_lines(tmp_path: Path,
                                                   docs: types.ModuleType) -> None:
    page1 = ("Customer FAQ\n"
             "How do I track my order once it has left\n"
             "the warehouse?\n"
             "Use the link in your confirmation email. Tracking infor-\n"
             "mation appears within a day. Tracking information is kept for 90 days.\n"
             "What if my parcel arrives damaged?\n"
             "Take photos and contact us within 7 days for a replacement.")
    page2 = "About us\nWe are a family business founded in 1982."
    doc, convs = read(docs.make_pdf(tmp_path / "faq.pdf", [page1, page2]))
    assert [[m.content for m in c.messages] for c in convs] == [
        ["How do I track my order once it has left the warehouse?",
         "Use the link in your confirmation email. Tracking information appears within a "
         "day. Tracking information is kept for 90 days."],
        ["What if my parcel arrives damaged?",
         "Take photos and contact us within 7 days for a replacement."],
    ]
    assert [c.location for c in convs] == ["page 1, lines 2-5", "page 1, lines 6-7"]
    assert convs[0].meta["context"] == "Customer FAQ"
    assert_verbatim(convs, doc)


def test_docx_headings_labels_and_table(tmp_path: Path, docs: types.ModuleType) -> None:
    path = docs.make_docx(tmp_path / "kb.docx", [
        ("title", "Knowledge base"),
        ("h2", "Can I return a gift?"),
        "Yes, with the gift receipt, within 60 days.",
        "Q: Do you price-match?",
        "A: Only against our own web shop.",
        [["Question", "Answer"], ["Is delivery free?", "Above 50 EUR, yes."]],
    ])
    doc, convs = read(path)
    assert [(c.messages[0].content, c.messages[1].content, c.location) for c in convs] == [
        ("Can I return a gift?", "Yes, with the gift receipt, within 60 days.",
         "paragraphs 2-3"),
        ("Do you price-match?", "Only against our own web shop.", "paragraphs 4-5"),
        ("Is delivery free?", "Above 50 EUR, yes.", "table 1 row 2"),
    ]
    assert_verbatim(convs, doc)


def test_xlsx_question_answer_columns_on_second_sheet(tmp_path: Path,
                                                      docs: types.ModuleType) -> None:
    path = docs.make_xlsx(tmp_path / "faq.xlsx", {
        "Readme": [["This workbook lists support answers."]],
        "FAQ": [["Area", "Prompt", "Response"],
                ["Login", "I forgot my username.", "Your username is your email address."],
                ["Login", "Is 2FA required?", "Only for admins."]],
    })
    _, convs = read(path)
    assert [(c.location, c.messages[1].content) for c in convs] == [
        ("sheet FAQ row 2", "Your username is your email address."),
        ("sheet FAQ row 3", "Only for admins."),
    ]
    assert convs[0].meta["context"] == "Area: Login"


def test_csv_file(tmp_path: Path, docs: types.ModuleType) -> None:
    path = docs.write_text(tmp_path / "qa.csv", "question,answer\n"
                           "\"Do you have a free plan?\",\"Yes, up to 3 users.\"\n"
                           "\"What currencies do you bill in?\",\"EUR, USD and GBP.\"\n")
    _, convs = read(path)
    assert [c.location for c in convs] == ["row 2", "row 3"]


def test_jsonl_chat_datasets(tmp_path: Path) -> None:
    lines = [
        {"messages": [{"role": "user", "content": "2+2?"},
                      {"role": "assistant", "content": "4"}]},
        {"conversations": [{"from": "human", "value": "Hi"},
                           {"from": "gpt", "value": "Hello! How can I help?"}]},
        {"instruction": "Give a synonym of quick.", "input": "", "output": "Fast."},
    ]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    _, convs = read(path)
    assert [(c.location, c.meta["pattern"]) for c in convs] == [
        ("record line 1", "record:openai"), ("record line 2", "record:sharegpt"),
        ("record line 3", "record:alpaca")]


def test_pptx_slide(tmp_path: Path, docs: types.ModuleType) -> None:
    path = docs.make_pptx(tmp_path / "deck.pptx", [
        {"title": "Quiz", "body": "Q: Which planet is closest to the Sun?\nA: Mercury."},
        {"title": "Thanks", "body": "Questions welcome."}])
    doc, convs = read(path)
    assert len(convs) == 1 and convs[0].location.startswith("slide 1")
    assert_verbatim(convs, doc)


def test_files_without_conversations_yield_none(tmp_path: Path,
                                                docs: types.ModuleType) -> None:
    prose = ("The river flows north for 300 km before it reaches the sea.\n\n"
             "Its delta is home to many birds. Why do they come here? Food is plenty.\n")
    assert read(docs.write_text(tmp_path / "river.txt", prose))[1] == []
    assert read(docs.make_pdf(tmp_path / "river.pdf", [prose]))[1] == []
    assert read(docs.make_xlsx(tmp_path / "sales.xlsx",
                               {"Q1": [["Region", "Revenue"], ["North", 10]]}))[1] == []
