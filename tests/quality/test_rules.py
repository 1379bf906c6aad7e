"""Every violation code, triggered by a real JSONL file, reported on the right 1-based line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftbuilder.core.types import ModelSpec
from ftbuilder.quality.validate import validate_jsonl
from ftbuilder.targets.registry import get_model

U = {"role": "user", "content": "What is the capital of France?"}
A = {"role": "assistant", "content": "Paris."}
S = {"role": "system", "content": "Answer briefly."}


def write(tmp_path: Path, lines: list) -> Path:
    p = tmp_path / "data.jsonl"
    p.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                 encoding="utf-8")
    return p


def found(path: Path, spec: ModelSpec) -> set[tuple[int, str]]:
    return {(v.line, v.code) for v in validate_jsonl(path, spec).violations}


def test_openai_codes(tmp_path):
    call = [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}]
    lines = [
        {"messages": [S, U, A]},                                                     # 1 valid
        '{"messages": [',                                                            # 2
        "",                                                                          # 3
        "[1, 2]",                                                                    # 4
        {"foo": 1},                                                                  # 5
        {"messages": ["hi", U, A]},                                                  # 6
        {"messages": [{"role": "bot", "content": "x"}, U, A]},                       # 7
        {"messages": [{"role": "user"}, A]},                                         # 8
        {"messages": [{"role": "user", "content": "   "}, A]},                       # 9
        {"messages": [{"role": "user", "content": 42}, A]},                          # 10
        {"messages": [S, U]},                                                        # 11
        {"messages": [S, U, {**A, "weight": 2}]},                                    # 12
        {"messages": [S, {**U, "foo": 1}, A]},                                       # 13
        {"messages": [S, U, {"role": "assistant", "content": None, "tool_calls": "x"}]},  # 14
        {"messages": [U, A]},                                                        # 15
        {"messages": [S, A]},                                                        # 16
        {"input": {"messages": [U]}, "preferred_output": [A], "non_preferred_output": "x"},  # 17
        {"messages": [S, U, {"role": "assistant", "content": None, "tool_calls": call},
                      {"role": "tool", "content": "{}", "tool_call_id": "call_1"}, A]},  # 18 ok
        {"input": {"messages": [U]}, "preferred_output": [A],
         "non_preferred_output": [{"role": "assistant", "content": "Lyon."}]},       # 19 ok
    ]
    got = found(write(tmp_path, lines), get_model("openai", "gpt-4o-mini-2024-07-18"))
    expected = {(2, "invalid_json"), (3, "blank_line"), (4, "not_an_object"), (5, "unknown_key"),
                (5, "missing_messages_list"), (6, "bad_message"), (7, "unrecognized_role"),
                (8, "missing_content"), (9, "empty_content"), (10, "bad_content"),
                (11, "no_assistant_message"), (12, "bad_weight"), (13, "unknown_key"),
                (14, "bad_tool_call"), (15, "no_system_message"), (16, "no_user_message"),
                (17, "bad_preference")}
    assert expected <= got
    assert not {c for line, c in got if line in (1, 18, 19)}


def test_anthropic_codes(tmp_path):
    lines = [
        {"system": "S", "messages": [U, A]},                                         # 1 valid
        {"system": 5, "messages": [U, A]},                                           # 2
        {"messages": [U]},                                                           # 3
        {"messages": [A, U]},                                                        # 4
        {"messages": [U, U, A]},                                                     # 5
        {"messages": [S, U, A]},                                                     # 6
        {"messages": [U, {"role": "assistant", "content": [{"type": "text", "text": "x"}]}]},  # 7
        {"messages": [U, A], "extra": 1},                                            # 8
    ]
    got = found(write(tmp_path, lines), get_model("anthropic", "claude-3-haiku-20240307"))
    assert {(2, "bad_content"), (3, "too_few_messages"), (3, "last_role"), (4, "first_role"),
            (4, "last_role"), (5, "bad_alternation"), (6, "unrecognized_role"),
            (7, "bad_content"), (8, "unknown_key")} <= got
    assert not {c for line, c in got if line == 1}


def test_gemini_codes(tmp_path):
    def turn(role, text="x"):
        return {"role": role, "parts": [{"text": text}]}
    lines = [
        {"systemInstruction": {"role": "system", "parts": [{"text": "S"}]},
         "contents": [turn("user"), turn("model")]},                                 # 1 valid
        {"contents": []},                                                            # 2
        {"contents": [turn("user"), turn("assistant")]},                             # 3
        {"contents": [{"role": "user"}, turn("model")]},                             # 4
        {"contents": [turn("user", ""), turn("model")]},                             # 5
        {"contents": [turn("model"), turn("user")]},                                 # 6
        {"contents": [turn("user"), turn("user"), turn("model")]},                   # 7
        {"contents": [{"role": "user", "parts": ["x"]}, turn("model")]},             # 8
        {"systemInstruction": "S", "contents": [turn("user"), turn("model")]},       # 9
        {"contents": [turn("user"), {"role": "model", "parts": [{"text": "x", "y": 1}]}]},  # 10
    ]
    got = found(write(tmp_path, lines), get_model("google", "gemini-2.5-flash"))
    assert {(2, "missing_messages_list"), (3, "unrecognized_role"), (4, "missing_content"),
            (5, "empty_content"), (6, "first_role"), (6, "last_role"), (7, "bad_alternation"),
            (8, "bad_message"), (9, "bad_content"), (10, "unknown_key")} <= got
    assert not {c for line, c in got if line == 1}


def test_mistral_codes(tmp_path):
    call = {"id": "abcDEF123", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    lines = [
        {"messages": [S, U, {"role": "assistant", "content": "", "tool_calls": [call]},
                      {"role": "tool", "content": "{}", "tool_call_id": "abcDEF123"}, A]},  # 1
        {"messages": [S, S, U, A]},                                                  # 2
        {"messages": [U, A, U]},                                                     # 3
        {"messages": [U, {"role": "assistant", "content": "",
                          "tool_calls": [{**call, "id": "call_1"}]}, A]},            # 4
        {"messages": [{**U, "weight": 0}, A]},                                       # 5
        {"messages": [S, U]},                                                        # 6
        {"messages": [U, {"role": "assistant", "content": "", "tool_calls": "x"}, A]},  # 7
    ]
    got = found(write(tmp_path, lines), get_model("mistral", "open-mistral-7b"))
    assert {(2, "too_many_system"), (3, "last_role"), (4, "bad_tool_call_id"), (5, "bad_weight"),
            (6, "no_assistant_message"), (7, "bad_tool_call")} <= got
    assert not {c for line, c in got if line == 1}


def test_llama_codes(tmp_path):
    lines = [
        {"messages": [S, U, A, U, {**A, "weight": 0}]},                              # 1 valid
        {"messages": [A, U, A]},                                                     # 2
        {"messages": [U, U, A]},                                                     # 3
        {"messages": [U, S, A]},                                                     # 4
        {"messages": [U, {"role": "function", "content": "x"}, A]},                  # 5
        {"messages": [U, {**A, "weight": 5}]},                                       # 6
    ]
    got = found(write(tmp_path, lines), get_model("llama", "meta-llama/Llama-3.2-1B-Instruct"))
    assert {(2, "first_role"), (3, "bad_alternation"), (4, "first_role"),
            (5, "unrecognized_role"), (6, "bad_weight")} <= got
    assert not {c for line, c in got if line == 1}


def spec_with(**limits) -> ModelSpec:
    return ModelSpec("openai", "test-model", "openai", "cl100k_base", verified=True, **limits)


def test_set_level_codes_on_line_zero(tmp_path):
    path = write(tmp_path, [{"messages": [S, U, A]}] * 3)
    got = validate_jsonl(path, spec_with(min_examples=10, max_examples=2, max_file_bytes=100))
    codes = {(v.line, v.code, v.severity) for v in got.violations}
    assert {(0, "too_few_examples", "error"), (0, "too_many_examples", "error"),
            (0, "file_too_large", "error")} <= codes
    unverified = spec_with(max_examples=2, unverified=["max_examples"])
    v = [v for v in validate_jsonl(path, unverified).violations if v.code == "too_many_examples"]
    assert v[0].severity == "warning" and "UNVERIFIED" in v[0].message


@pytest.mark.parametrize(("model", "severity"), [("gpt-3.5-turbo-0613", "error")])
def test_too_many_tokens_on_its_line(tmp_path, model, severity):
    long = {"role": "user", "content": "word " * 5000}
    path = write(tmp_path, [{"messages": [S, U, A]}, {"messages": [S, long, A]}])
    rep = validate_jsonl(path, get_model("openai", model))
    [v] = [v for v in rep.violations if v.code == "too_many_tokens"]
    assert (v.line, v.severity) == (2, severity) and "4,096" in v.message
    assert rep.over_limit == 1 and not rep.ok


@pytest.mark.parametrize(("provider", "model"), [
    ("openai", "gpt-4o-mini-2024-07-18"), ("anthropic", "claude-3-haiku-20240307"),
    ("google", "gemini-2.5-flash"), ("mistral", "open-mistral-7b"),
    ("llama", "meta-llama/Llama-3.2-1B-Instruct")])
def test_odd_values_are_reported_never_crash(tmp_path, provider, model):
    odd = [{"messages": [{"role": ["user"], "content": {"a": 1}}, {"role": {"x": 1}}, None, 7]},
           {"messages": "x", "contents": {"role": []}, "system": []},
           {"contents": [{"role": ["model"], "parts": [{"text": ["x"]}]}, "y"]},
           {"messages": [{"role": "assistant", "content": [1, None, {"text": "t"}],
                          "tool_calls": [1, {"id": None}], "weight": True}]}]
    rep = validate_jsonl(write(tmp_path, odd), get_model(provider, model))
    assert not rep.ok and rep.examples == 4
    assert {v.line for v in rep.violations} >= {1, 2, 3, 4}
