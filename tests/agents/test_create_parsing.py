"""Tolerant parsing of agent replies: repaired JSON, other shapes, completion-style Q/A."""

from __future__ import annotations

import json

import pytest

from ftbuilder.agents.parsing import (
    EMPTY,
    INVALID_JSON,
    normalise_turns,
    parse_conversations,
    parse_qa_text,
)

GOOD = {"conversations": [
    {"messages": [{"role": "user", "content": "How long do refunds take?"},
                  {"role": "assistant", "content": "14 days."}],
     "keywords": ["Refunds", "Timing"]}]}


def test_clean_json():
    r = parse_conversations(json.dumps(GOOD))
    assert r.reason is None
    (p,) = r.items
    assert p.turns == [("user", "How long do refunds take?"), ("assistant", "14 days.")]
    assert p.keywords == ["refunds", "timing"]


@pytest.mark.parametrize("text", [
    "Sure! Here you go:\n```json\n" + json.dumps(GOOD) + "\n```\nHope it helps.",
    json.dumps(GOOD)[:-3],  # cut off at the end
    json.dumps(GOOD).replace("]}]}", "],}]}"),  # trailing comma
    json.dumps(GOOD["conversations"]),  # bare list of conversations
    json.dumps(GOOD["conversations"][0]["messages"]),  # bare list of messages
    '{"conversations": [{"question": "How long do refunds take?", "answer": "14 days."}]}',
    '[{"conversations": [{"from": "human", "value": "How long do refunds take?"},'
    ' {"from": "gpt", "value": "14 days."}]}]',
])
def test_repaired_and_alternative_shapes(text):
    r = parse_conversations(text)
    assert r.reason is None, text
    assert r.items[0].turns[0] == ("user", "How long do refunds take?")
    assert r.items[0].turns[-1][0] == "assistant"
    assert r.items[0].turns[-1][1].startswith("14 days")


@pytest.mark.parametrize(("text", "reason"), [
    ("", EMPTY),
    ("I cannot help with that.", INVALID_JSON),
    ('{"conversations": []}', EMPTY),
    ('{"conversations": [{"messages": [{"role": "user", "content": "only a question"}]}]}',
     EMPTY),
])
def test_failures_have_a_reason(text, reason):
    r = parse_conversations(text)
    assert r.items == []
    assert r.reason == reason


def test_turns_are_normalised():
    turns = [("assistant", "hello"), ("user", "a"), ("user", "b"), ("assistant", "c"),
             ("system", "x"), ("user", "dangling")]
    assert normalise_turns(turns) == [("user", "a\nb"), ("assistant", "c")]


def test_completion_style_question_answer():
    r = parse_qa_text(" Can I pay by card?\nAnswer: Yes, by credit card or bank transfer.\n"
                      "Question: something else\nAnswer: more")
    assert r.items[0].turns == [("user", "Can I pay by card?"),
                                ("assistant", "Yes, by credit card or bank transfer.")]


def test_completion_style_q_a_lines_and_failures():
    r = parse_qa_text("Q: Where is the office?\nA: In Lyon.")
    assert r.items[0].turns == [("user", "Where is the office?"), ("assistant", "In Lyon.")]
    assert parse_qa_text("Answer: no question was written").reason == EMPTY
    assert parse_qa_text(" What is it?\nAnswer:").reason == EMPTY
    assert parse_qa_text("").reason == EMPTY
