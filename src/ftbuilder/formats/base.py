"""Helpers shared by the format converters: checks that raise one-line FormatErrors.

A converter turns a :class:`Conversation` into one provider record (``to_record``) or back
(``from_record``). ``to_record`` raises :class:`FormatError` when the sample cannot be
expressed in that format (a tool message in Anthropic's format, three turns in Alpaca...);
``from_record`` raises it when the record does not have the format's shape. Whether a
well-shaped record meets a provider's rules (alternation, limits) is the validator's job.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import ROLES, Conversation, Message

# Message keys a provider accepts besides role/content (OpenAI API schema, Mistral docs).
OPENAI_MESSAGE_KEYS = ("name", "weight", "tool_calls", "tool_call_id", "function_call")
MISTRAL_MESSAGE_KEYS = ("weight", "tool_calls", "tool_call_id", "name")
# Top-level keys kept from an imported record in ``meta["extra_fields"]`` and written back.
EXTRA_FIELDS = "extra_fields"


def fail(message: str, hint: str = "") -> FormatError:
    return FormatError(message, hint)


def require_dict(obj: Any, what: str = "record") -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise fail(f"{what} is a JSON {type(obj).__name__}, not an object")
    return obj


def require_list(obj: dict[str, Any], key: str, what: str = "record") -> list[Any]:
    value = obj.get(key)
    if value is None:
        raise fail(f"{what} has no '{key}'", f"found keys: {', '.join(map(str, obj)) or 'none'}")
    if not isinstance(value, list):
        raise fail(f"'{key}' is a {type(value).__name__}, not a list")
    if not value:
        raise fail(f"'{key}' is empty")
    return value


def text_of(content: Any, where: str, joiner: str = "\n") -> str:
    """Plain text of a content value: a string, null, or a list of text parts/blocks."""
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, str):
                out.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
            else:
                kind = (part.get("type", "unknown") if isinstance(part, dict)
                        else type(part).__name__)
                raise fail(f"{where}: only text content is supported (found a '{kind}' part)")
        return joiner.join(out)
    raise fail(f"{where}: content is a {type(content).__name__}, not text")


def messages_from(items: list[Any], where: str = "messages",
                  roles: tuple[str, ...] = ROLES) -> list[Message]:
    """``[{"role", "content", ...}]`` -> Messages; keys other than role/content go to extra."""
    out = []
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise fail(f"{where}[{i}] is not an object")
        role = item.get("role")
        if not isinstance(role, str) or not role:
            raise fail(f"{where}[{i}] has no role")
        if role not in roles:
            raise fail(f"{where}[{i}] has role '{role}'", f"allowed here: {', '.join(roles)}")
        if "content" not in item and "tool_calls" not in item and "function_call" not in item:
            raise fail(f"{where}[{i}] has no content")
        extra = {k: v for k, v in item.items() if k not in ("role", "content")}
        out.append(Message(role, text_of(item.get("content"), f"{where}[{i}]"), extra))
    return out


def message_dicts(conv: Conversation, allowed_extra: tuple[str, ...],
                  null_content_with_calls: bool = True) -> list[dict[str, Any]]:
    """Messages as dicts keeping only the extra keys the target format accepts."""
    out = []
    for m in conv.messages:
        d: dict[str, Any] = {"role": m.role, "content": m.content}
        for k in allowed_extra:
            if k in m.extra:
                d[k] = m.extra[k]
        if null_content_with_calls and m.content == "" and ("tool_calls" in d
                                                             or "function_call" in d):
            d["content"] = None
        out.append(d)
    return out


def split_system(conv: Conversation) -> tuple[str | None, list[Message]]:
    """Leading system messages joined as one system text, and the other messages.

    Raises FormatError when a system message comes after the conversation has started.
    """
    system: list[str] = []
    rest: list[Message] = []
    for i, m in enumerate(conv.messages, 1):
        if m.role == "system":
            if rest:
                raise fail(f"message {i} is a system message after the conversation started",
                           "this format takes one system prompt before the first turn")
            system.append(m.content)
        else:
            rest.append(m)
    return ("\n\n".join(system) if system else None), rest


def only_roles(messages: list[Message], roles: tuple[str, ...], fmt: str) -> None:
    for i, m in enumerate(messages, 1):
        if m.role not in roles:
            raise fail(f"message {i} has role '{m.role}', which the {fmt} format cannot hold",
                       f"{fmt} takes: {', '.join(roles)}")


def extra_fields(obj: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``{"extra_fields": {...}}`` meta for the known optional top-level keys present."""
    found = {k: obj[k] for k in keys if k in obj}
    return {EXTRA_FIELDS: found} if found else {}
