"""Records for trainers that read chat messages: Together, Axolotl, LLaMA-Factory.

- ``together`` (docs/providers.md §5): ``{"messages": [...]}`` and nothing else (Together's
  ``check_file`` refuses any other column: "Found extra column"); roles system, user,
  assistant; an optional system message first, then user and assistant alternating,
  starting with the user; ``weight`` 0/1 kept on assistant messages.
- ``axolotl``: ``{"messages": [{"role", "content"}]}`` for Axolotl's ``chat_template``
  dataset type (the snippet of :mod:`ftbuilder.formats.trainers` points at it).
- ``llamafactory``: LLaMA-Factory's ShareGPT layout (docs/providers.md §6):
  ``{"conversations": [{"from": "human"|"gpt"|"observation", "value"}], "system"?}``; its
  converter drops an example whose turns do not alternate human/observation then gpt, so the
  same rule is checked here and such a sample skipped with the reason.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Conversation
from ftbuilder.formats.base import fail, split_system

TOGETHER_ROLES = ("system", "user", "assistant")


def _no_calls(conv: Conversation, fmt: str) -> None:
    for i, m in enumerate(conv.messages, 1):
        if m.extra.get("tool_calls") or m.extra.get("function_call"):
            raise fail(f"message {i} has tool calls, which the {fmt} format cannot hold")


def together_to_record(conv: Conversation) -> dict[str, Any]:
    if not conv.messages:
        raise fail("the sample has no messages")
    _no_calls(conv, "Together")
    system, rest = split_system(conv)
    roles = [m.role for m in rest]
    if roles[::2] != ["user"] * len(roles[::2]) or roles[1::2] != ["assistant"] * \
            len(roles[1::2]) or "assistant" not in roles:
        raise fail("Together takes user/assistant turns alternating from the user, with an "
                   "answer; this sample has roles " + (", ".join(roles) or "none"))
    msgs: list[dict[str, Any]] = [] if system is None else [{"role": "system",
                                                              "content": system}]
    for m in rest:
        d: dict[str, Any] = {"role": m.role, "content": m.content}
        if m.role == "assistant" and m.extra.get("weight") in (0, 1):
            d["weight"] = m.extra["weight"]
        msgs.append(d)
    return {"messages": msgs}


def axolotl_to_record(conv: Conversation) -> dict[str, Any]:
    if not conv.messages:
        raise fail("the sample has no messages")
    _no_calls(conv, "Axolotl chat_template")
    return {"messages": [{"role": m.role, "content": m.content} for m in conv.messages]}


LF_TAGS = {"user": "human", "assistant": "gpt", "tool": "observation"}


def llamafactory_to_record(conv: Conversation) -> dict[str, Any]:
    if not conv.messages:
        raise fail("the sample has no messages")
    _no_calls(conv, "LLaMA-Factory ShareGPT")
    system, rest = split_system(conv)
    turns = []
    for i, m in enumerate(rest):
        tag = LF_TAGS.get(m.role)
        want = ("human", "observation") if i % 2 == 0 else ("gpt",)
        if tag not in want:
            raise fail("LLaMA-Factory takes human (or observation) and gpt turns alternating, "
                       "ending with gpt; this sample has roles "
                       + ", ".join(x.role for x in rest))
        turns.append({"from": tag, "value": m.content})
    if not turns or len(turns) % 2:
        raise fail("LLaMA-Factory takes human/gpt pairs ending with gpt; this sample has "
                   f"{len(turns)} turn(s)")
    record: dict[str, Any] = {"conversations": turns}
    if system is not None:
        record["system"] = system
    return record


# The Llama target's record (registry format "together"), as the validator looks it up.
to_record = together_to_record
