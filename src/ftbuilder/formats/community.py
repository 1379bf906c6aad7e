"""Community formats: ShareGPT (lm-sys/FastChat) and Alpaca (tatsu-lab/stanford_alpaca).

ShareGPT: ``{"conversations": [{"from": "human"|"gpt"|"system", "value": "..."}]}``; the
LLaMA-Factory variants are read too (top-level ``system``, ``observation`` = tool turn).
Alpaca: ``{"instruction", "input", "output"}``; the user turn is the instruction followed by
the input (blank line between) when the input is not empty; LLaMA-Factory's ``system`` and
``history`` ([[question, answer], ...] before the instruction) are read too.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.base import fail, require_dict, require_list, split_system

FROM_SHAREGPT = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                 "chatgpt": "assistant", "bing": "assistant", "bard": "assistant",
                 "system": "system", "observation": "tool", "tool": "tool"}
TO_SHAREGPT = {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"}


def sharegpt_to_record(conv: Conversation) -> dict[str, Any]:
    turns = []
    for i, m in enumerate(conv.messages, 1):
        if m.role not in TO_SHAREGPT:
            raise fail(f"message {i} has role '{m.role}', which ShareGPT cannot hold")
        turns.append({"from": TO_SHAREGPT[m.role], "value": m.content})
    if not turns:
        raise fail("the sample has no messages")
    return {"conversations": turns}


def sharegpt_from_record(obj: Any) -> Conversation:
    obj = require_dict(obj)
    msgs = []
    system = obj.get("system")
    if isinstance(system, str) and system:
        msgs.append(Message("system", system))
    for i, turn in enumerate(require_list(obj, "conversations"), 1):
        where = f"conversations[{i}]"
        if not isinstance(turn, dict):
            raise fail(f"{where} is not an object")
        who, value = turn.get("from"), turn.get("value")
        if who not in FROM_SHAREGPT:
            raise fail(f"{where} has from={who!r}", "ShareGPT turns are from human, gpt or system")
        if not isinstance(value, str):
            raise fail(f"{where} has no text 'value'")
        msgs.append(Message(FROM_SHAREGPT[who], value))
    return Conversation(msgs)


def alpaca_to_record(conv: Conversation) -> dict[str, Any]:
    """One instruction and one answer (earlier turns go to ``history``)."""
    system, rest = split_system(conv)
    roles = [m.role for m in rest]
    if len(rest) < 2 or len(rest) % 2 or roles != ["user", "assistant"] * (len(rest) // 2):
        raise fail("Alpaca holds user/assistant pairs ending with an answer; this sample has "
                   f"roles {', '.join(roles) or 'none'}")
    record: dict[str, Any] = {"instruction": rest[-2].content, "input": "",
                              "output": rest[-1].content}
    if system is not None:
        record["system"] = system
    if len(rest) > 2:
        record["history"] = [[rest[i].content, rest[i + 1].content]
                             for i in range(0, len(rest) - 2, 2)]
    return record


def alpaca_from_record(obj: Any) -> Conversation:
    obj = require_dict(obj)
    for key in ("instruction", "output"):
        if not isinstance(obj.get(key), str):
            raise fail(f"an Alpaca record needs a text '{key}'")
    inp = obj.get("input") or ""
    if not isinstance(inp, str):
        raise fail("Alpaca 'input' must be text")
    msgs = []
    if isinstance(obj.get("system"), str) and obj["system"]:
        msgs.append(Message("system", obj["system"]))
    for i, pair in enumerate(obj.get("history") or [], 1):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str)
                                                                   for x in pair)):
            raise fail(f"history[{i}] must be [question, answer]")
        msgs += [Message("user", pair[0]), Message("assistant", pair[1])]
    user = obj["instruction"] + ("\n\n" + inp if inp else "")
    msgs += [Message("user", user), Message("assistant", obj["output"])]
    return Conversation(msgs)


def sharegpt_matches(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("conversations"), list)


def alpaca_matches(obj: dict[str, Any]) -> bool:
    return "instruction" in obj and "output" in obj
