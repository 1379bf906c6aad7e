"""Anthropic Claude fine-tuning JSONL on Amazon Bedrock (docs/providers.md §2).

``{"system": "...", "messages": [{"role": "user", "content": "..."}, {"role": "assistant",
...}]}``: an optional top-level ``system`` string, then user/assistant messages with plain
string content and no other keys. System messages of a sample become the ``system`` string;
a tool message, or a system message after the first turn, cannot be expressed (FormatError).
Alternation and "first user, last assistant" are validator rules.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.base import (
    fail,
    messages_from,
    only_roles,
    require_dict,
    require_list,
    split_system,
    text_of,
)

ROLES = ("user", "assistant")


def to_record(conv: Conversation) -> dict[str, Any]:
    system, rest = split_system(conv)
    if not rest:
        raise fail("the sample has no user or assistant message")
    only_roles(rest, ROLES, "Anthropic")
    record: dict[str, Any] = {}
    if system is not None:
        record["system"] = system
    record["messages"] = [{"role": m.role, "content": m.content} for m in rest]
    return record


def layout(conv: Conversation) -> dict[str, Any]:
    """The record as this format lays it out, without checks (the validator then reports)."""
    msgs = [m.to_dict() for m in conv.messages]
    system = msgs.pop(0)["content"] if msgs and msgs[0].get("role") == "system" else None
    rec: dict[str, Any] = {} if system is None else {"system": system}
    rec["messages"] = [{"role": m.get("role"), "content": m.get("content")} for m in msgs]
    return rec


def from_record(obj: Any) -> Conversation:
    """Reads string content and lists of text blocks; ``system`` as a string or text blocks."""
    obj = require_dict(obj)
    msgs = messages_from(require_list(obj, "messages"), roles=ROLES)
    for m in msgs:
        m.extra = {}  # Anthropic messages carry role and content only
    system = obj.get("system")
    if system is not None:
        text = text_of(system, "system")
        if text:
            msgs.insert(0, Message("system", text))
    return Conversation(msgs)


def matches(obj: dict[str, Any]) -> bool:
    return "messages" in obj and isinstance(obj.get("system"), str | list)
