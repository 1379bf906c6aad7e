"""Rows of a table (Parquet, Arrow, CSV, a Hugging Face dataset) -> conversations.

A :class:`RowMapper` is either given (``--map``) or detected from the column names:

* ``--map user=instruction+input,assistant=output,system=system``: each role takes the listed
  columns joined by a blank line (empty cells left out);
* ``--map messages=COLUMN``: a column holding the whole conversation, as OpenAI messages
  (``role``/``content``) or ShareGPT turns (``from``/``value``);
* detected layouts: OpenAI ``messages``; ShareGPT ``conversations``; Alpaca ``instruction``
  (+ ``input``) / ``output`` (+ ``system``); ``prompt``/``completion`` (or ``response``);
  ``question``/``answer``; ``query``/``response``. Column names match case-insensitively.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.core.errors import FormatError, UsageError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats import get_format

ROLES = ("system", "user", "assistant")
LAYOUTS: tuple[tuple[str, dict[str, list[str]]], ...] = (
    ("alpaca", {"user": ["instruction", "input"], "assistant": ["output"],
                "system": ["system"]}),
    ("prompt/completion", {"user": ["prompt"], "assistant": ["completion"],
                           "system": ["system"]}),
    ("prompt/response", {"user": ["prompt"], "assistant": ["response"], "system": ["system"]}),
    ("question/answer", {"user": ["question"], "assistant": ["answer"], "system": ["system"]}),
    ("query/response", {"user": ["query"], "assistant": ["response"], "system": ["system"]}),
)
MESSAGE_COLUMNS = ("messages", "conversations", "conversation", "dialog", "chat")
_OURS = frozenset({"messages", "meta", "source_file", "location"})  # formats/parquet.py rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


@dataclass
class RowMapper:
    """How a row becomes a conversation. ``layout`` names it in reports."""

    layout: str
    roles: dict[str, list[str]] = field(default_factory=dict)  # role -> columns (real names)
    messages: str | None = None  # the column holding whole conversations

    def convert(self, row: dict[str, Any]) -> Conversation:
        """One row -> a conversation.

        Raises:
            FormatError: the row has no user or no assistant text, or a bad messages cell.
        """
        if self.messages is not None:
            if self.messages == "messages" and row.keys() >= _OURS:  # our Parquet export
                return get_format("parquet").from_record(row)
            return _messages(row.get(self.messages), self.messages)
        msgs = []
        for role in ROLES:
            parts = [_text(row.get(c)).strip() for c in self.roles.get(role, [])]
            text = "\n\n".join(p for p in parts if p)
            if text:
                msgs.append(Message(role, text))
            elif role != "system":
                cols = "+".join(self.roles.get(role, [])) or "none"
                raise FormatError(f"no {role} text (column {cols} is empty)")
        return Conversation(msgs)


def _messages(value: Any, column: str) -> Conversation:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise FormatError(f"column '{column}' is text, not a list of messages") from None
    if not isinstance(value, list) or not value:
        raise FormatError(f"column '{column}' holds no messages")
    first = value[0] if isinstance(value[0], dict) else {}
    if "from" in first and "value" in first:
        return get_format("sharegpt").from_record({"conversations": value})
    return get_format("openai").from_record({"messages": value})


def parse_map(text: str, columns: Sequence[str]) -> RowMapper:
    """``user=instruction+input,assistant=output,system=system`` or ``messages=COLUMN``.

    Raises:
        UsageError: bad syntax, an unknown role, or a column the data does not have.
    """
    by_lower = {c.lower(): c for c in columns}

    def col(name: str) -> str:
        real = by_lower.get(name.strip().lower())
        if real is None:
            raise UsageError(f"--map names column '{name.strip()}', which the data does not "
                             "have", "columns: " + ", ".join(columns))
        return real

    roles: dict[str, list[str]] = {}
    for part in (p for p in text.split(",") if p.strip()):
        if "=" not in part:
            raise UsageError(f"--map part '{part}' is not ROLE=COLUMN[+COLUMN...]",
                             "e.g. --map user=instruction+input,assistant=output")
        role, cols = (x.strip().lower() for x in part.split("=", 1))
        if role == "messages":
            return RowMapper(f"messages column {col(cols)}", messages=col(cols))
        if role not in ROLES:
            raise UsageError(f"--map role '{role}' is not one of system, user, assistant, "
                             "messages")
        roles[role] = [col(c) for c in cols.split("+") if c.strip()]
    if "user" not in roles or "assistant" not in roles:
        raise UsageError("--map needs at least user=... and assistant=...",
                         "e.g. --map user=question,assistant=answer")
    return RowMapper("--map " + text, roles)


def detect(columns: Sequence[str]) -> RowMapper:
    """The mapper of a known layout from the column names.

    Raises:
        FormatError: no known layout (lists the columns and the --map syntax).
    """
    by_lower = {c.lower(): c for c in columns}
    for name in MESSAGE_COLUMNS:
        if name in by_lower:
            return RowMapper(f"messages column {by_lower[name]}", messages=by_lower[name])
    for layout, roles in LAYOUTS:
        need = [roles["user"][0], roles["assistant"][0]]
        if all(n in by_lower for n in need):
            return RowMapper(layout, {r: [by_lower[c] for c in cs if c in by_lower]
                                      for r, cs in roles.items()})
    raise FormatError("no known conversation layout in the columns: " + ", ".join(columns),
                      "map them: --map user=COLUMN[+COLUMN],assistant=COLUMN[,system=COLUMN]"
                      " or --map messages=COLUMN")
