"""Tolerant reading of what an agent LLM wrote, into checked conversations.

Chat backends are asked for ``{"conversations": [{"messages": [...], "keywords": [...]}]}``;
small models wrap it in prose or fences, cut it short, or use other shapes (a bare list,
question/answer keys, ShareGPT ``from``/``value``). :func:`parse_conversations` repairs the
JSON (json-repair) and accepts those shapes. The embedded base model answers in completion
style ("Question: ... Answer: ..."), read by :func:`parse_qa_text`.

Every result is either conversations or a failure reason: ``invalid_json`` (nothing
JSON-like) or ``empty`` (JSON without a usable conversation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import json_repair

INVALID_JSON = "invalid_json"
EMPTY = "empty"

CONVERSATIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "conversations": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "messages": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "role": {"type": "string", "enum": ["user", "assistant"]},
                                "content": {"type": "string"},
                            },
                            "required": ["role", "content"],
                        },
                    },
                    "keywords": {"type": "array", "items": {"type": "string"}},
                },
                "required": ["messages", "keywords"],
            },
        },
    },
    "required": ["conversations"],
}

_USER = {"user", "human", "question", "q", "customer", "client", "prompt", "instruction", "input"}
_ASSISTANT = {"assistant", "gpt", "model", "bot", "ai", "answer", "a", "agent", "response",
              "output", "completion"}
_LIST_KEYS = ("conversations", "samples", "data", "items", "examples", "results", "dialogues")
_PAIR_KEYS = (("question", "answer"), ("q", "a"), ("user", "assistant"), ("prompt", "response"),
              ("instruction", "output"), ("input", "output"), ("prompt", "completion"))
_QA_RE = re.compile(r"^\s*(?:\*\*)?(question|q|user|answer|a|assistant)(?:\*\*)?\s*[:.)-]\s*",
                    re.IGNORECASE | re.MULTILINE)


@dataclass(slots=True)
class Parsed:
    """One conversation read from a reply: (role, content) turns, keywords, optional origin."""

    turns: list[tuple[str, str]]
    keywords: list[str] = field(default_factory=list)
    origin: str = ""


@dataclass(slots=True)
class ParseResult:
    items: list[Parsed]
    reason: str | None = None  # None when items is not empty
    dropped: int = 0  # conversations in the reply without one user+assistant exchange


def _role(raw: Any) -> str | None:
    r = str(raw or "").strip().lower()
    if r in _USER:
        return "user"
    if r in _ASSISTANT:
        return "assistant"
    return None


def normalise_turns(turns: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop empty and system turns, merge consecutive same-role turns, start with user, end
    with assistant. Returns [] when fewer than one user+assistant exchange is left."""
    merged: list[tuple[str, str]] = []
    for role, content in turns:
        content = content.strip()
        if role not in ("user", "assistant") or not content:
            continue
        if merged and merged[-1][0] == role:
            merged[-1] = (role, merged[-1][1] + "\n" + content)
        else:
            merged.append((role, content))
    while merged and merged[0][0] != "user":
        merged.pop(0)
    while merged and merged[-1][0] != "assistant":
        merged.pop()
    return merged if len(merged) >= 2 else []


def _text(v: Any) -> str:
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "\n".join(_text(x) for x in v)
    if isinstance(v, dict):
        return _text(v.get("text") or v.get("content") or "")
    return "" if v is None else str(v)


def _turns_of(obj: Any) -> list[tuple[str, str]]:
    """Turns from one conversation in any of the shapes models write."""
    if isinstance(obj, dict):
        for key in ("messages", "conversation", "conversations", "turns", "dialogue", "chat"):
            if isinstance(obj.get(key), list):
                return _turns_of(obj[key])
        for uk, ak in _PAIR_KEYS:
            if uk in obj and ak in obj:
                return [("user", _text(obj[uk])), ("assistant", _text(obj[ak]))]
        return []
    if not isinstance(obj, list):
        return []
    turns: list[tuple[str, str]] = []
    for m in obj:
        if not isinstance(m, dict):
            continue
        role = _role(m.get("role", m.get("from", m.get("speaker"))))
        if role is not None:
            turns.append((role, _text(m.get("content", m.get("value", m.get("text"))))))
            continue
        turns.extend(_turns_of(m))  # a list of {"user": ..., "assistant": ...} exchanges
    return turns


def _keywords(obj: Any) -> list[str]:
    if not isinstance(obj, dict):
        return []
    kws = obj.get("keywords", obj.get("topic_keywords", obj.get("tags", [])))
    if isinstance(kws, str):
        kws = re.split(r"[,;]", kws)
    if not isinstance(kws, list):
        return []
    out = [" ".join(str(k).lower().split()) for k in kws if str(k).strip()]
    return list(dict.fromkeys(k for k in out if len(k) <= 60))[:8]


def _conversation_list(value: Any) -> list[Any]:
    if isinstance(value, dict):
        for key in _LIST_KEYS:
            if isinstance(value.get(key), list):
                return value[key]
        if _turns_of(value):
            return [value]
        return []
    if isinstance(value, list):
        # a bare list of messages is one conversation; a list of conversations is many
        if value and all(isinstance(m, dict) and ("role" in m or "from" in m) for m in value):
            return [value]
        return value
    return []


def parse_conversations(text: str) -> ParseResult:
    """Conversations from a JSON reply (repaired if needed), or a failure reason.

    Never raises: JSON nested deeper than Python can walk is ``invalid_json``.
    """
    try:
        return _parse_conversations(text)
    except RecursionError:
        return ParseResult([], INVALID_JSON)


def _parse_conversations(text: str) -> ParseResult:
    if not text or not text.strip():
        return ParseResult([], EMPTY)
    if "{" not in text and "[" not in text:
        return ParseResult([], INVALID_JSON)
    try:
        value = json_repair.loads(text)
    except Exception:  # json-repair raises on hopeless input; that is a parse failure
        return ParseResult([], INVALID_JSON)
    if not isinstance(value, dict | list) or (value in ({}, []) and "[]" not in text):
        return ParseResult([], INVALID_JSON)
    items = []
    dropped = 0
    for conv in _conversation_list(value):
        turns = normalise_turns(_turns_of(conv))
        if turns:
            origin = str(conv.get("origin", "")) if isinstance(conv, dict) else ""
            items.append(Parsed(turns, _keywords(conv), origin))
        else:
            dropped += 1
    return ParseResult(items, None if items else EMPTY, dropped)


def parse_qa_text(text: str, first_label: str = "question") -> ParseResult:
    """Question/answer pairs from completion-style text ("Question: ...\\nAnswer: ..." or
    "Q:/A:" lines). ``first_label`` is the label the prompt ended with (the reply continues
    it)."""
    if not text or not text.strip():
        return ParseResult([], EMPTY)
    body = text if _QA_RE.match(text) else f"{first_label}: {text.lstrip()}"
    marks = list(_QA_RE.finditer(body))
    turns: list[tuple[str, str]] = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        role = "user" if m.group(1).lower() in ("question", "q", "user") else "assistant"
        turns.append((role, body[m.end():end].strip()))
    # one exchange per reply: the first question and its answer (later text drifts)
    first = normalise_turns(turns[:2]) if len(turns) >= 2 else []
    if not first:
        return ParseResult([], EMPTY)
    return ParseResult([Parsed(first)])
