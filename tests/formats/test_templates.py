"""Rendered-text formats are byte-exact with the official chat templates (issue 10).

The references are the official Jinja templates rendered with jinja2 the way Hugging Face's
``apply_chat_template`` does (sandboxed, ``trim_blocks``/``lstrip_blocks``, its ``tojson``
with non-ASCII kept, ``raise_exception``). ChatML and Llama 3.0 come from the package that
ships them offline (llama-cpp-python's ``llama_chat_format``). Llama 3.1 (the same file as
Llama 3.3), Llama 3.2 and Gemma 3 are verbatim copies of the ``chat_template`` of
meta-llama/Llama-3.1-8B-Instruct, meta-llama/Llama-3.2-3B-Instruct and google/gemma-3-*-it,
kept in tests/formats/data/templates/ and taken from public repositories that vendor them
(ggml-org/llama.cpp ``models/templates/``; Gemma 3 from ShishirPatil/gorilla), each checked
against a second independent copy: tests/formats/data/templates/SOURCES.md says which
repository, path and commit, and ``TEMPLATE_SHA256`` pins the bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from llama_cpp.llama_chat_format import CHATML_CHAT_TEMPLATE, LLAMA3_INSTRUCT_CHAT_TEMPLATE

from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats import from_record, to_record

TEMPLATES = Path(__file__).parent / "data" / "templates"
# sha256 of each fixture, as listed in its SOURCES.md (the file is the source's bytes).
TEMPLATE_SHA256 = {
    "llama-3.1-instruct.jinja":
        "e10ca381b1ccc5cf9db52e371f3b6651576caee0a630b452e2816b2d404d4b65",
    "llama-3.2-instruct.jinja":
        "5816fce10444e03c2e9ee1ef8a4a1ea61ae7e69e438613f3b17b69d0426223a4",
    "gemma-3-it.jinja":
        "7de1c58e208eda46e9c7f86397df37ec49883aeece39fb961e0a6b24088dd3c4",
}


def fixture_template(name: str) -> str:
    """A fixture template, read as bytes (no newline translation) and decoded as UTF-8."""
    return (TEMPLATES / name).read_bytes().decode("utf-8")


LLAMA31_TEMPLATE = fixture_template("llama-3.1-instruct.jinja")  # Llama 3.1 and 3.3 Instruct
LLAMA32_TEMPLATE = fixture_template("llama-3.2-instruct.jinja")
GEMMA3_TEMPLATE = fixture_template("gemma-3-it.jinja")


def _raise(message: str) -> None:
    raise TemplateError(message)


def hf_render(template: str, messages: list[dict], **extra) -> str:
    """``apply_chat_template(..., tokenize=False)`` as transformers sets Jinja up."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False,
                                                              indent=indent)
    env.globals["raise_exception"] = _raise
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return env.from_string(template).render(messages=messages, add_generation_prompt=False,
                                            **extra)


CONVERSATIONS = [
    [{"role": "system", "content": "Tu es concis. Réponds en français."},
     {"role": "user", "content": "Quelle est la capitale du Japon ?"},
     {"role": "assistant", "content": "Tokyo (東京)."},
     {"role": "user", "content": "Et sa population ? 🙂"},
     {"role": "assistant", "content": "Environ 14 millions d'habitants."}],
    [{"role": "system", "content": "  Padded system prompt.\n"},
     {"role": "user", "content": "\n\n  indented question with trailing spaces   "},
     {"role": "assistant", "content": "```python\ndef f(x):\n    return x  # 🐍\n```\n"}],
    [{"role": "user", "content": "Схема: <|im_start|> и [INST] — просто текст."},
     {"role": "assistant", "content": "Понятно.\t\tТабуляции  и   пробелы."}],
    [{"role": "user", "content": "Ünïcödé ✓ 한국어 العربية"},
     {"role": "assistant", "content": "ok"}],
]


def conv_of(messages: list[dict]) -> Conversation:
    return Conversation([Message(m["role"], m["content"]) for m in messages])


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_chatml_is_the_chatml_template(messages):
    assert to_record(conv_of(messages), "chatml")["text"] == hf_render(CHATML_CHAT_TEMPLATE,
                                                                        messages)


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_llama3_0_is_meta_llama_3_instruct_template(messages):
    ref = hf_render(LLAMA3_INSTRUCT_CHAT_TEMPLATE, messages, bos_token="<|begin_of_text|>")
    assert to_record(conv_of(messages), "llama3.0")["text"] == ref


LLAMA_CONVERSATIONS = [*CONVERSATIONS, [
    {"role": "user", "content": "Weather in Zürich?"},
    {"role": "tool", "content": "{\"temp\": \"12°C\"}"},
    {"role": "assistant", "content": "12 °C."}]]


def test_fixture_templates_are_the_sources_bytes():
    sources = (TEMPLATES / "SOURCES.md").read_text(encoding="utf-8")
    for name, digest in TEMPLATE_SHA256.items():
        assert hashlib.sha256((TEMPLATES / name).read_bytes()).hexdigest() == digest, name
        assert f"`{name}`" in sources and digest in sources, name


@pytest.mark.parametrize("messages", LLAMA_CONVERSATIONS)
def test_llama3_is_the_llama_3_1_template(messages):
    ref = hf_render(LLAMA31_TEMPLATE, messages, bos_token="<|begin_of_text|>")
    assert "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024" in ref
    assert to_record(conv_of(messages), "llama3")["text"] == ref


@pytest.mark.parametrize("messages", LLAMA_CONVERSATIONS)
def test_llama3_is_the_llama_3_2_template_at_the_fixed_date(messages):
    """Llama 3.2's template writes today's date (``strftime_now``) unless given
    ``date_string``; with the 3.1 default date passed, the text is ours byte for byte."""
    ref = hf_render(LLAMA32_TEMPLATE, messages, bos_token="<|begin_of_text|>",
                    date_string="26 Jul 2024")
    assert to_record(conv_of(messages), "llama3")["text"] == ref


@pytest.mark.parametrize("messages", CONVERSATIONS)
def test_gemma_is_the_gemma_3_template(messages):
    ref = hf_render(GEMMA3_TEMPLATE, messages, bos_token="<bos>")
    assert to_record(conv_of(messages), "gemma")["text"] == ref


def test_gemma_refuses_what_its_template_refuses():
    bad = [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]
    with pytest.raises(TemplateError):
        hf_render(GEMMA3_TEMPLATE, bad, bos_token="<bos>")
    with pytest.raises(FormatError, match="alternate"):
        to_record(conv_of(bad), "gemma")


@pytest.mark.parametrize("fmt", ["chatml", "llama3", "llama3.0"])
def test_text_formats_parse_back(fmt):
    for messages in CONVERSATIONS:
        clean = [{**m, "content": m["content"].strip()} for m in messages]  # llama trims
        want = clean if fmt != "chatml" else messages
        rec = to_record(conv_of(want), fmt)
        assert [m.to_dict() for m in from_record(rec, "auto").messages] == want


def test_tool_calls_are_skipped_with_a_reason():
    conv = Conversation([Message("user", "q"), Message("assistant", "", {"tool_calls": [
        {"id": "abcdefghi", "type": "function", "function": {"name": "f", "arguments": "{}"}}]})])
    for fmt in ("chatml", "llama3", "gemma", "harmony", "together", "mistral-instruct"):
        with pytest.raises(FormatError, match="tool calls"):
            to_record(conv, fmt)
