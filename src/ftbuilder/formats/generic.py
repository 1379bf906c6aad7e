"""Generic JSONL: the messages with every piece of metadata the store holds.

``{"id", "messages", "split", "token_count", "source_file", "location", "topic_keywords",
"meta"}``. Reading it back restores all of them except ``id`` (the store assigns ids).
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import SPLITS, Conversation
from ftbuilder.formats.base import fail, messages_from, require_dict, require_list

KEYS = ("id", "messages", "split", "token_count", "source_file", "location", "topic_keywords",
        "meta")
MARKERS = ("meta", "topic_keywords", "source_file", "token_count", "location")


def to_record(conv: Conversation) -> dict[str, Any]:
    return {"id": conv.id, "messages": [m.to_dict() for m in conv.messages], "split": conv.split,
            "token_count": conv.token_count, "source_file": conv.source_file,
            "location": conv.location, "topic_keywords": list(conv.topic_keywords),
            "meta": dict(conv.meta)}


def _opt(obj: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(key)
    if value is not None and not isinstance(value, kind):
        raise fail(f"'{key}' must be a {getattr(kind, '__name__', 'value')}")
    return value


def from_record(obj: Any) -> Conversation:
    obj = require_dict(obj)
    msgs = messages_from(require_list(obj, "messages"))
    keywords = _opt(obj, "topic_keywords", list) or []
    split = _opt(obj, "split", str)
    if split is not None and split not in SPLITS:
        raise fail(f"'split' is '{split}'", f"use one of: {', '.join(SPLITS)}")
    tokens = _opt(obj, "token_count", int)
    return Conversation(msgs, source_file=_opt(obj, "source_file", str),
                        location=_opt(obj, "location", str),
                        topic_keywords=[str(k) for k in keywords],
                        meta=dict(_opt(obj, "meta", dict) or {}), split=split,
                        token_count=tokens)


def matches(obj: dict[str, Any]) -> bool:
    return "messages" in obj and any(k in obj for k in MARKERS)
