"""Reading Meta Llama 3.x records: ``messages`` (Together's layout, and the ``messages`` +
``text`` lines older ftb exports wrote) or the rendered ``text`` alone.

Writing is :mod:`ftbuilder.formats.templates` (``llama3``: the 3.1+ template, ``llama3.0``)
and :mod:`ftbuilder.formats.together` (messages only). :func:`render` here is the bare
per-message template (docs/providers.md §5, no date header, no trimming), kept for callers
that need exactly that.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.base import fail, message_dicts, messages_from, only_roles, require_dict

BEGIN = "<|begin_of_text|>"
HEADER = "<|start_header_id|>{role}<|end_header_id|>\n\n"
EOT = "<|eot_id|>"
ROLES = ("system", "user", "assistant", "tool")
TEMPLATE_ROLE = {"tool": "ipython"}


def render(messages: list[Message]) -> str:
    """The conversation as Llama 3 chat-template text (no generation prompt appended)."""
    parts = [BEGIN]
    for m in messages:
        parts.append(HEADER.format(role=TEMPLATE_ROLE.get(m.role, m.role)))
        parts.append(m.content)
        parts.append(EOT)
    return "".join(parts)


def to_record(conv: Conversation) -> dict[str, Any]:
    if not conv.messages:
        raise fail("the sample has no messages")
    only_roles(conv.messages, ROLES, "Llama 3")
    return {"messages": message_dicts(conv, ("weight",)), "text": render(conv.messages)}


def parse(text: str) -> list[Message]:
    """Messages of a rendered Llama 3 conversation (3.0 or 3.1+: the date header is taken
    off); FormatError if there are none."""
    from ftbuilder.formats.templates import llama3_parse

    return llama3_parse(text)


def from_record(obj: Any) -> Conversation:
    obj = require_dict(obj)
    if isinstance(obj.get("messages"), list) and obj["messages"]:
        msgs = messages_from(obj["messages"], roles=(*ROLES, "ipython"))
        for m in msgs:
            m.role = "tool" if m.role == "ipython" else m.role
        return Conversation(msgs)
    text = obj.get("text")
    if not isinstance(text, str):
        raise fail("a Llama 3 record needs 'messages' or a rendered 'text'")
    return Conversation(parse(text))


def matches(obj: dict[str, Any]) -> bool:
    text = obj.get("text")
    return isinstance(text, str) and text.startswith(BEGIN)
