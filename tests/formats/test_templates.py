# ruff: noqa: E501 (the official templates are quoted verbatim)
"""Rendered-text formats are byte-exact with the official chat templates (issue 10).

The references are the official Jinja templates rendered with jinja2 the way Hugging Face's
``apply_chat_template`` does (sandboxed, ``trim_blocks``/``lstrip_blocks``, its ``tojson``
with non-ASCII kept, ``raise_exception``). ChatML and Llama 3.0 come from the package that
ships them offline (llama-cpp-python's ``llama_chat_format``); Llama 3.1 and Gemma 3 are
written out below from their model repositories' ``tokenizer_config.json``
(meta-llama/Llama-3.1-8B-Instruct, google/gemma-3-*-it).
"""

from __future__ import annotations

import json

import pytest
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from llama_cpp.llama_chat_format import CHATML_CHAT_TEMPLATE, LLAMA3_INSTRUCT_CHAT_TEMPLATE

from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats import from_record, to_record

LLAMA31_TEMPLATE = """{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\\n\\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""

GEMMA3_TEMPLATE = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\\n'}}
{%- endif -%}
"""


def _raise(message: str) -> None:
    raise TemplateError(message)


def hf_render(template: str, messages: list[dict], **extra) -> str:
    """``apply_chat_template(..., tokenize=False)`` as transformers sets Jinja up."""
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False,
                                                              indent=indent)
    env.globals["raise_exception"] = _raise
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


@pytest.mark.parametrize("messages", [*CONVERSATIONS, [
    {"role": "user", "content": "Weather in Zürich?"},
    {"role": "tool", "content": "{\"temp\": \"12°C\"}"},
    {"role": "assistant", "content": "12 °C."}]])
def test_llama3_is_the_llama_3_1_template(messages):
    ref = hf_render(LLAMA31_TEMPLATE, messages, bos_token="<|begin_of_text|>")
    assert "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024" in ref
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
