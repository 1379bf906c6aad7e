"""OpenAI chat fine-tuning JSONL (docs/providers.md §1), and its DPO preference lines.

SFT: ``{"messages": [{"role", "content", ...}], "tools"?, "parallel_tool_calls"?}``.
DPO: ``{"input": {"messages": [...]}, "preferred_output": [msg], "non_preferred_output": [msg]}``;
the older ``preferred_completion`` / ``non_preferred_completion`` names are read too and
``*_output`` is always written. A DPO line becomes a Conversation ending with the preferred
answer, the rejected one kept in ``meta["non_preferred_output"]`` so it is written back.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Conversation
from ftbuilder.formats.base import (
    EXTRA_FIELDS,
    OPENAI_MESSAGE_KEYS,
    extra_fields,
    fail,
    message_dicts,
    messages_from,
    require_dict,
    require_list,
)

TOP_LEVEL = ("tools", "parallel_tool_calls", "functions")
REJECTED = "non_preferred_output"


def to_record(conv: Conversation) -> dict[str, Any]:
    """One OpenAI line: an SFT ``messages`` record, or a DPO record for preference samples."""
    if not conv.messages:
        raise fail("the sample has no messages")
    msgs = message_dicts(conv, OPENAI_MESSAGE_KEYS)
    extra = {k: v for k, v in conv.meta.get(EXTRA_FIELDS, {}).items() if k in TOP_LEVEL}
    rejected = conv.meta.get(REJECTED)
    if rejected:
        if msgs[-1]["role"] != "assistant":
            raise fail("a preference sample must end with the preferred assistant answer")
        return {"input": {"messages": msgs[:-1], **extra}, "preferred_output": [msgs[-1]],
                REJECTED: rejected}
    return {"messages": msgs, **extra}


def _answer(obj: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    for k in keys:
        if k in obj:
            value = obj[k]
            value = [value] if isinstance(value, dict) else value
            if not isinstance(value, list) or len(value) != 1 or not isinstance(value[0], dict):
                raise fail(f"'{k}' must hold exactly one assistant message")
            return value
    raise fail(f"a preference record needs '{keys[0]}'")


def from_record(obj: Any) -> Conversation:
    """An OpenAI SFT or DPO record -> Conversation (extra top-level keys kept in meta)."""
    obj = require_dict(obj)
    if "input" in obj and ("preferred_output" in obj or "preferred_completion" in obj):
        inp = require_dict(obj["input"], "'input'")
        msgs = messages_from(require_list(inp, "messages", "'input'"), "input.messages")
        preferred = _answer(obj, "preferred_output", "preferred_completion")
        rejected = _answer(obj, REJECTED, "non_preferred_completion")
        msgs += messages_from(preferred, "preferred_output", ("assistant",))
        messages_from(rejected, REJECTED, ("assistant",))  # same checks, kept as given
        return Conversation(msgs, meta={REJECTED: rejected, **extra_fields(inp, TOP_LEVEL)})
    msgs = messages_from(require_list(obj, "messages"))
    return Conversation(msgs, meta=extra_fields(obj, TOP_LEVEL))


def matches(obj: dict[str, Any]) -> bool:
    return "messages" in obj or ("input" in obj and ("preferred_output" in obj
                                                     or "preferred_completion" in obj))
