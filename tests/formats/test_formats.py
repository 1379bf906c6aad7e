"""Record converters: exact shapes (docs/providers.md §1-§6), round trips, detection, errors."""

from __future__ import annotations

import json

import pytest

from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats import FORMATS, detect_format, from_record, to_record
from ftbuilder.formats.llama3 import parse, render


def chat(system: bool = True, turns: int = 1) -> Conversation:
    msgs = [Message("system", "You are terse.")] if system else []
    for i in range(turns):
        msgs += [Message("user", f"Question {i}: what is 2+{i}?"),
                 Message("assistant", f"It is {2 + i}.\nDone.")]
    return Conversation(msgs)


def as_dicts(conv: Conversation) -> list[dict]:
    return [m.to_dict() for m in conv.messages]


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("system", [True, False])
def test_round_trip_every_format(fmt: str, system: bool) -> None:
    conv = chat(system=system, turns=2 if fmt != "alpaca" else 1)
    record = to_record(conv, fmt)
    json.loads(json.dumps(record))  # plain JSON
    if fmt in ONE_WAY:  # rendered text whose template folds the system text away
        with pytest.raises(FormatError, match="not read back"):
            from_record(record, fmt)
        return
    assert as_dicts(from_record(record, fmt)) == as_dicts(conv)
    if fmt != "parquet":  # parquet rows are read from the file (tests/services)
        assert as_dicts(from_record(record, "auto")) == as_dicts(conv)


ONE_WAY = ("gemma", "mistral-instruct", "mistral-instruct-tekken", "mistral-instruct-v7")


def test_openai_line_is_the_cookbook_shape() -> None:
    assert to_record(chat(), "openai") == {"messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Question 0: what is 2+0?"},
        {"role": "assistant", "content": "It is 2.\nDone."}]}


def test_anthropic_has_top_level_system_and_user_assistant_messages() -> None:
    rec = to_record(chat(turns=2), "anthropic")
    assert list(rec) == ["system", "messages"]
    assert rec["system"] == "You are terse."
    assert [m["role"] for m in rec["messages"]] == ["user", "assistant", "user", "assistant"]
    assert all(set(m) == {"role", "content"} for m in rec["messages"])
    assert "system" not in to_record(chat(system=False), "anthropic")


def test_anthropic_cannot_hold_tool_or_late_system_messages() -> None:
    tool = Conversation([Message("user", "q"), Message("tool", "r"), Message("assistant", "a")])
    with pytest.raises(FormatError, match="role 'tool'"):
        to_record(tool, "anthropic")
    late = Conversation([Message("user", "q"), Message("system", "s"),
                         Message("assistant", "a")])
    with pytest.raises(FormatError, match="system message after"):
        to_record(late, "anthropic")


def test_gemini_shape() -> None:
    assert to_record(chat(), "gemini") == {
        "systemInstruction": {"role": "system", "parts": [{"text": "You are terse."}]},
        "contents": [{"role": "user", "parts": [{"text": "Question 0: what is 2+0?"}]},
                     {"role": "model", "parts": [{"text": "It is 2.\nDone."}]}]}


def test_gemini_reads_several_text_parts_and_rejects_function_calls() -> None:
    conv = from_record({"contents": [{"role": "user", "parts": [{"text": "a"}, {"text": "b"}]},
                                     {"role": "model", "parts": [{"text": "c"}]}]}, "gemini")
    assert as_dicts(conv) == [{"role": "user", "content": "ab"},
                              {"role": "assistant", "content": "c"}]
    with pytest.raises(FormatError, match="functionCall"):
        from_record({"contents": [{"role": "model", "parts": [
            {"functionCall": {"name": "f", "args": {}}}]}]}, "gemini")


def test_llama3_text_is_the_chat_template() -> None:
    # Issue 10: llama3 is now the Llama 3.1+ template (date header) as one "text" field;
    # the messages-only layout Together reads is the "together" format.
    rec = to_record(chat(), "llama3")
    assert rec == {"text": (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
        "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
        "You are terse.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nQuestion 0: what is 2+0?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nIt is 2.\nDone.<|eot_id|>")}
    assert to_record(chat(), "together") == to_record(chat(), "openai")
    assert [m.to_dict() for m in parse(rec["text"])] == as_dicts(chat())


def test_llama3_text_only_record_and_tool_role() -> None:
    msgs = [Message("user", "run it"), Message("tool", "42"), Message("assistant", "42")]
    text = render(msgs)
    assert "<|start_header_id|>ipython<|end_header_id|>" in text
    assert as_dicts(from_record({"text": text}, "auto")) == [m.to_dict() for m in msgs]
    with pytest.raises(FormatError, match="begin_of_text"):
        from_record({"text": "hello"}, "llama3")


def test_tool_calls_and_weight_survive_openai_and_mistral() -> None:
    call = [{"id": "abcdefghi", "type": "function",
             "function": {"name": "add", "arguments": "{\"a\": 1}"}}]
    record = {"messages": [
        {"role": "user", "content": "add 1"},
        {"role": "assistant", "content": None, "tool_calls": call},
        {"role": "tool", "content": "2", "tool_call_id": "abcdefghi"},
        {"role": "assistant", "content": "2", "weight": 0}],
        "tools": [{"type": "function", "function": {"name": "add"}}]}
    conv = from_record(record, "openai")
    assert to_record(conv, "openai") == record
    assert to_record(conv, "mistral") == record


def test_openai_dpo_reads_both_spellings_and_writes_output_names() -> None:
    old = {"input": {"messages": [{"role": "user", "content": "hi"}]},
           "preferred_completion": [{"role": "assistant", "content": "hello"}],
           "non_preferred_completion": [{"role": "assistant", "content": "go away"}]}
    conv = from_record(old, "auto")
    assert as_dicts(conv)[-1] == {"role": "assistant", "content": "hello"}
    assert to_record(conv, "openai") == {
        "input": {"messages": [{"role": "user", "content": "hi"}]},
        "preferred_output": [{"role": "assistant", "content": "hello"}],
        "non_preferred_output": [{"role": "assistant", "content": "go away"}]}


def test_generic_keeps_all_metadata() -> None:
    conv = chat()
    conv.id, conv.split, conv.token_count = 7, "validation", 33
    conv.source_file, conv.location = "notes.pdf", "page 3"
    conv.topic_keywords, conv.meta = ["math", "sums"], {"mode": "identify"}
    back = from_record(to_record(conv, "generic"), "auto")
    assert (back.split, back.token_count, back.source_file, back.location) == (
        "validation", 33, "notes.pdf", "page 3")
    assert back.topic_keywords == ["math", "sums"] and back.meta == {"mode": "identify"}
    assert back.id is None


def test_sharegpt_import() -> None:
    rec = {"id": "x1", "conversations": [{"from": "system", "value": "Be brief."},
                                         {"from": "human", "value": "Hi"},
                                         {"from": "gpt", "value": "Hello!"}]}
    assert detect_format(rec) == "sharegpt"
    assert as_dicts(from_record(rec)) == [{"role": "system", "content": "Be brief."},
                                          {"role": "user", "content": "Hi"},
                                          {"role": "assistant", "content": "Hello!"}]
    with pytest.raises(FormatError, match="from='robot'"):
        from_record({"conversations": [{"from": "robot", "value": "x"}]}, "sharegpt")


def test_alpaca_import_joins_instruction_and_input() -> None:
    rec = {"instruction": "Translate to French.", "input": "cat", "output": "chat"}
    assert detect_format(rec) == "alpaca"
    assert as_dicts(from_record(rec)) == [
        {"role": "user", "content": "Translate to French.\n\ncat"},
        {"role": "assistant", "content": "chat"}]
    no_input = from_record({"instruction": "Say hi.", "input": "", "output": "hi"})
    assert no_input.messages[0].content == "Say hi."


def test_alpaca_export_needs_pairs_ending_with_an_answer() -> None:
    conv = Conversation([Message("user", "q")])
    with pytest.raises(FormatError, match="Alpaca"):
        to_record(conv, "alpaca")
    assert to_record(chat(turns=2), "alpaca")["history"] == [
        ["Question 0: what is 2+0?", "It is 2.\nDone."]]


@pytest.mark.parametrize(("record", "expected"), [
    ({"messages": [{"role": "user", "content": "x"}]}, "openai"),
    ({"system": "s", "messages": [{"role": "user", "content": "x"}]}, "anthropic"),
    ({"contents": []}, "gemini"),
    ({"conversations": []}, "sharegpt"),
    ({"instruction": "i", "output": "o"}, "alpaca"),
    ({"messages": [], "source_file": "a.pdf"}, "generic"),
    ({"text": "<|begin_of_text|>..."}, "llama3"),
])
def test_detect_format(record: dict, expected: str) -> None:
    assert detect_format(record) == expected


@pytest.mark.parametrize(("record", "fmt", "match"), [
    ({"prompt": "x"}, "auto", "unrecognised record"),
    ([1, 2], "auto", "not an object"),
    ({"messages": []}, "openai", "'messages' is empty"),
    ({"messages": "hi"}, "openai", "not a list"),
    ({"messages": [{"content": "x"}]}, "openai", "no role"),
    ({"messages": [{"role": "robot", "content": "x"}]}, "openai", "role 'robot'"),
    ({"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}, "openai",
     "only text content"),
    ({"contents": [{"role": "assistant", "parts": [{"text": "x"}]}]}, "gemini", "'user' or"),
    ({"messages": [{"role": "system", "content": "x"}]}, "anthropic", "role 'system'"),
])
def test_malformed_records_raise_one_line_errors(record: object, fmt: str, match: str) -> None:
    with pytest.raises(FormatError, match=match) as err:
        from_record(record, fmt)
    assert "\n" not in str(err.value)


def test_text_blocks_are_read_as_text() -> None:
    rec = {"system": [{"type": "text", "text": "S"}],
           "messages": [{"role": "user", "content": [{"type": "text", "text": "a"},
                                                      {"type": "text", "text": "b"}]},
                        {"role": "assistant", "content": "c"}]}
    assert as_dicts(from_record(rec, "anthropic")) == [
        {"role": "system", "content": "S"}, {"role": "user", "content": "a\nb"},
        {"role": "assistant", "content": "c"}]
