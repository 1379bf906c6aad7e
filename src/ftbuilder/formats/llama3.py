"""Meta Llama 3.x: chat ``messages`` plus the same conversation rendered with the chat template.

Template (docs/providers.md §5, meta-llama/llama-models prompt_format.md)::

    <|begin_of_text|><|start_header_id|>{role}<|end_header_id|>\\n\\n{content}<|eot_id|>...

Roles in the template: system, user, assistant, ipython (our ``tool``). The ``messages`` list
follows Together AI's conversational format (role, content, optional ``weight``).
Reading takes ``messages`` when present, else parses ``text``.
"""

from __future__ import annotations

import re
from typing import Any

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.base import fail, message_dicts, messages_from, only_roles, require_dict

BEGIN = "<|begin_of_text|>"
HEADER = "<|start_header_id|>{role}<|end_header_id|>\n\n"
EOT = "<|eot_id|>"
ROLES = ("system", "user", "assistant", "tool")
TEMPLATE_ROLE = {"tool": "ipython"}
_TURN = re.compile(r"<\|start_header_id\|>(.*?)<\|end_header_id\|>\n\n(.*?)<\|(?:eot|eom)_id\|>",
                   re.DOTALL)


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
    """Messages of a rendered Llama 3 conversation; FormatError if there are none."""
    if not text.startswith(BEGIN):
        raise fail("'text' does not start with <|begin_of_text|>")
    msgs = []
    for role, content in _TURN.findall(text):
        role = "tool" if role == "ipython" else role
        if role not in ROLES:
            raise fail(f"'text' has a turn with role '{role}'")
        msgs.append(Message(role, content))
    if not msgs:
        raise fail("'text' holds no complete <|start_header_id|>...<|eot_id|> turn")
    return msgs


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
