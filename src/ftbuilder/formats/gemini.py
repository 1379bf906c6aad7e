"""Gemini supervised tuning JSONL on Vertex AI (docs/providers.md §3).

``{"systemInstruction": {"role": "system", "parts": [{"text"}]}, "contents": [{"role":
"user"|"model", "parts": [{"text"}]}]}``. ``systemInstruction`` is optional. Assistant maps
to ``model``. Function-calling parts are not converted (FormatError names the part).
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.base import (
    fail,
    only_roles,
    require_dict,
    require_list,
    split_system,
    text_of,
)

TO_GEMINI = {"user": "user", "assistant": "model"}
GEMINI_ROLES = ("user", "model")


def to_record(conv: Conversation) -> dict[str, Any]:
    system, rest = split_system(conv)
    if not rest:
        raise fail("the sample has no user or assistant message")
    only_roles(rest, tuple(TO_GEMINI), "Gemini")
    record: dict[str, Any] = {}
    if system is not None:
        record["systemInstruction"] = {"role": "system", "parts": [{"text": system}]}
    record["contents"] = [{"role": TO_GEMINI[m.role], "parts": [{"text": m.content}]}
                          for m in rest]
    return record


def layout(conv: Conversation) -> dict[str, Any]:
    """The record as this format lays it out, without checks (the validator then reports)."""
    msgs = [m.to_dict() for m in conv.messages]
    system = msgs.pop(0)["content"] if msgs and msgs[0].get("role") == "system" else None
    rec: dict[str, Any] = {} if system is None else {
        "systemInstruction": {"role": "system", "parts": [{"text": system}]}}
    rec["contents"] = [{"role": "model" if m.get("role") == "assistant" else m.get("role"),
                        "parts": [{"text": m.get("content")}]} for m in msgs]
    return rec


def _parts_text(item: Any, where: str) -> str:
    item = require_dict(item, where)
    parts = item.get("parts")
    if not isinstance(parts, list):
        raise fail(f"{where} has no 'parts' list")
    for part in parts:
        if isinstance(part, dict) and "text" not in part:
            kind = next(iter(part), "empty")
            raise fail(f"{where}: only text parts are supported (found '{kind}')")
    return text_of(parts, where, joiner="")


def from_record(obj: Any) -> Conversation:
    obj = require_dict(obj)
    msgs: list[Message] = []
    system = obj.get("systemInstruction", obj.get("system_instruction"))
    if system is not None:
        text = _parts_text(system, "systemInstruction")
        if text:
            msgs.append(Message("system", text))
    for i, item in enumerate(require_list(obj, "contents"), 1):
        where = f"contents[{i}]"
        role = item.get("role") if isinstance(item, dict) else None
        if role not in GEMINI_ROLES:
            raise fail(f"{where} has role {role!r}", "Gemini contents take 'user' or 'model'")
        msgs.append(Message("assistant" if role == "model" else "user",
                            _parts_text(item, where)))
    return Conversation(msgs)


def matches(obj: dict[str, Any]) -> bool:
    return "contents" in obj

