"""Mistral instruct fine-tuning JSONL (docs/providers.md §4).

``{"messages": [{"role": "system|user|assistant|tool", "content", ...}], "tools"?}``; an
assistant message may carry ``weight`` (0 = not trained on) and ``tool_calls``; a tool message
its ``tool_call_id``. Rules on order (one system message, last role assistant) are checked by
the validator, not here.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Conversation
from ftbuilder.formats.base import (
    EXTRA_FIELDS,
    MISTRAL_MESSAGE_KEYS,
    extra_fields,
    fail,
    message_dicts,
    messages_from,
    only_roles,
    require_dict,
    require_list,
)

ROLES = ("system", "user", "assistant", "tool")
TOP_LEVEL = ("tools",)


def to_record(conv: Conversation) -> dict[str, Any]:
    """One Mistral line; FormatError for roles Mistral does not take (``function``)."""
    if not conv.messages:
        raise fail("the sample has no messages")
    only_roles(conv.messages, ROLES, "Mistral")
    extra = {k: v for k, v in conv.meta.get(EXTRA_FIELDS, {}).items() if k in TOP_LEVEL}
    return {"messages": message_dicts(conv, MISTRAL_MESSAGE_KEYS), **extra}


def from_record(obj: Any) -> Conversation:
    obj = require_dict(obj)
    msgs = messages_from(require_list(obj, "messages"), roles=ROLES)
    return Conversation(msgs, meta=extra_fields(obj, TOP_LEVEL))
