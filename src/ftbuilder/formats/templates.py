"""Rendered-text formats: one ``{"text": ...}`` record per conversation, the chat template of
a model family written out byte for byte (docs/providers.md §5, §6).

- ``chatml``: ``<|im_start|>{role}\\n{content}<|im_end|>\\n`` per message (Qwen, Hermes,
  Axolotl/Unsloth chatml templates); no BOS, contents untouched.
- ``llama3`` (Llama 3.1/3.2/3.3) and ``llama3.0``: see :mod:`ftbuilder.tokens.llama` (date
  header, ``| trim``, tool results through ``tojson``).
- ``gemma`` (Gemma 2 and 3): ``<bos>`` then ``<start_of_turn>{user|model}\\n{text | trim}
  <end_of_turn>\\n``; user and model turns alternate, starting with the user; a system text
  is folded into the first user turn as Gemma 3's template does (``system + "\\n\\n"``,
  untrimmed, before the trimmed user text). Gemma 2's template refuses a system message,
  so the same folding is what its trainers do by hand; likewise several leading system
  messages, which Gemma 3's template refuses, are joined with a blank line and folded.
- ``mistral-instruct`` (v3, SentencePiece: Mistral 7B v0.3, Mixtral 8x22B, Codestral),
  ``mistral-instruct-tekken`` (Nemo, Ministral, Small 24.09), ``mistral-instruct-v7``
  (Large 24.11, ``[SYSTEM_PROMPT]``): what mistral-common's ``encode_chat_completion``
  produces, written out as text (:func:`ftbuilder.tokens.mistral.render_text`).

ChatML, Llama 3 and Gemma are checked byte for byte against the official Jinja templates in
the tests (the copies and their sources: tests/formats/data/templates/SOURCES.md).

Tool calls have no place in these texts: a sample with ``tool_calls`` is skipped with a
reason. ChatML and Llama 3 text parse back into messages (:func:`chatml_parse`,
:func:`llama3_parse`); Gemma and Mistral texts are not read back (the folding and trimming
lose where the system text ended).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from typing import Any

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.base import fail, require_dict, split_system

IM_START, IM_END = "<|im_start|>", "<|im_end|>"
BEGIN_OF_TEXT = "<|begin_of_text|>"
_CHATML_TURN = re.compile(r"<\|im_start\|>([^\n]*)\n(.*?)<\|im_end\|>\n?", re.DOTALL)
_LLAMA_TURN = re.compile(r"<\|start_header_id\|>(.*?)<\|end_header_id\|>\n\n(.*?)"
                         r"<\|(?:eot|eom)_id\|>", re.DOTALL)
MISTRAL_VERSIONS = {"mistral-instruct": "v3", "mistral-instruct-tekken": "v3-tekken",
                    "mistral-instruct-v7": "v7"}


def _plain(conv: Conversation, fmt: str, roles: tuple[str, ...]) -> list[dict[str, Any]]:
    if not conv.messages:
        raise fail("the sample has no messages")
    out = []
    for i, m in enumerate(conv.messages, 1):
        if m.extra.get("tool_calls") or m.extra.get("function_call"):
            raise fail(f"message {i} has tool calls, which {fmt} text cannot hold")
        if m.role not in roles:
            raise fail(f"message {i} has role '{m.role}', which the {fmt} format cannot hold",
                       f"{fmt} takes: {', '.join(roles)}")
        out.append({"role": m.role, "content": m.content})
    return out


# --- ChatML ----------------------------------------------------------------------------------
def chatml_render(messages: list[dict[str, Any]]) -> str:
    return "".join(f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in messages)


def chatml_to_record(conv: Conversation) -> dict[str, Any]:
    return {"text": chatml_render(_plain(conv, "ChatML", ("system", "user", "assistant",
                                                          "tool")))}


def chatml_parse(text: str) -> list[Message]:
    msgs = [Message(role, content) for role, content in _CHATML_TURN.findall(text)]
    if not msgs:
        raise fail("'text' holds no complete <|im_start|>...<|im_end|> turn")
    for i, m in enumerate(msgs, 1):
        if m.role not in ("system", "user", "assistant", "tool"):
            raise fail(f"'text' turn {i} has role '{m.role}'")
    return msgs


def chatml_matches(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("text"), str) and obj["text"].startswith(IM_START)


# --- Llama 3 ---------------------------------------------------------------------------------
def llama3_record(conv: Conversation, version: str) -> dict[str, Any]:
    from ftbuilder.tokens.llama import render  # numpy + quicktok: loaded when used

    msgs = _plain(conv, "Llama 3", ("system", "user", "assistant", "tool"))
    return {"text": render(msgs, version)}


def llama3_parse(text: str) -> list[Message]:
    """Messages of Llama 3.0 or 3.1+ text: the 3.1 date header is taken off the system turn
    (and a system turn holding only it dropped); an ``ipython`` turn is a tool result."""
    if not text.startswith(BEGIN_OF_TEXT):
        raise fail("'text' does not start with <|begin_of_text|>")
    msgs = []
    for i, (role, body) in enumerate(_LLAMA_TURN.findall(text)):
        if i == 0 and role == "system" and body.startswith("Cutting Knowledge Date:"):
            head, sep, rest = body.partition("\n\n")
            if sep and "\nToday Date: " in head:
                if not rest:
                    continue
                body = rest
        if role == "ipython":
            role = "tool"
            if body.startswith('"'):
                with contextlib.suppress(ValueError):
                    body = json.loads(body)
        if role not in ("system", "user", "assistant", "tool"):
            raise fail(f"'text' has a turn with role '{role}'")
        msgs.append(Message(role, body))
    if not msgs:
        raise fail("'text' holds no complete <|start_header_id|>...<|eot_id|> turn")
    return msgs


# --- Gemma -----------------------------------------------------------------------------------
def gemma_render(conv: Conversation) -> str:
    system, rest = split_system(conv)
    msgs = _plain(Conversation(rest), "Gemma", ("user", "assistant"))
    for i, m in enumerate(msgs):
        if (m["role"] == "user") != (i % 2 == 0):
            raise fail("Gemma turns alternate user/assistant starting with the user; this "
                       "sample has roles " + ", ".join(x["role"] for x in msgs))
    if not msgs:
        raise fail("the sample has no user or assistant message")
    prefix = system + "\n\n" if system is not None else ""
    parts = ["<bos>"]
    for i, m in enumerate(msgs):
        role = "model" if m["role"] == "assistant" else "user"
        parts.append(f"<start_of_turn>{role}\n{prefix if i == 0 else ''}"
                     f"{m['content'].strip()}<end_of_turn>\n")
    return "".join(parts)


def gemma_to_record(conv: Conversation) -> dict[str, Any]:
    return {"text": gemma_render(conv)}


# --- Mistral ---------------------------------------------------------------------------------
def mistral_record(conv: Conversation, fmt: str) -> dict[str, Any]:
    from ftbuilder.tokens.mistral import render_text

    msgs = _plain(conv, "Mistral instruct", ("system", "user", "assistant"))
    try:
        text, _ = render_text(msgs, MISTRAL_VERSIONS[fmt])
    except ValueError as e:
        raise fail(f"mistral-common refuses this sample: {e}") from None
    return {"text": text}


def mistral_writer(fmt: str) -> Callable[[Conversation], dict[str, Any]]:
    return lambda conv: mistral_record(conv, fmt)


# --- reading back ----------------------------------------------------------------------------
def text_reader(parse: Callable[[str], list[Message]], what: str) -> Callable[[Any],
                                                                             Conversation]:
    def read(obj: Any) -> Conversation:
        obj = require_dict(obj)
        text = obj.get("text")
        if not isinstance(text, str):
            raise fail(f"a {what} record needs a rendered 'text'")
        return Conversation(parse(text))
    return read


def not_readable(fmt: str) -> Callable[[Any], Conversation]:
    def read(obj: Any) -> Conversation:
        raise fail(f"{fmt} text is not read back (the template loses message boundaries)",
                   "import the messages export of the same dataset instead")
    return read
