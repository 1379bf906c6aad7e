"""Dataset records in any supported layout -> neutral message lists, for counting.

Recognised layouts: OpenAI / Mistral / Llama / Together ``messages`` (with Anthropic's
top-level ``system``), OpenAI DPO (``input`` + ``preferred_output``), Gemini ``contents``
(+ ``systemInstruction``), ShareGPT ``conversations``, Alpaca ``instruction``/``output``,
``prompt``/``completion`` and plain ``text``.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.tokens.base import MessageList, compact_json

SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                  "system": "system", "observation": "tool", "function_call": "assistant",
                  "tool": "tool"}


def gemini_parts_text(parts: Any) -> str:
    """Text of Gemini ``parts``: text parts joined; function calls/results as compact JSON."""
    if not isinstance(parts, list):
        return "" if parts is None else compact_json(parts)
    out = []
    for p in parts:
        if isinstance(p, dict) and isinstance(p.get("text"), str):
            out.append(p["text"])
        elif p is not None:
            out.append(compact_json(p))
    return "".join(out)


def gemini_to_messages(rec: dict[str, Any]) -> MessageList:
    msgs: MessageList = []
    si = rec.get("systemInstruction", rec.get("system_instruction"))
    if isinstance(si, dict):
        msgs.append({"role": "system", "content": gemini_parts_text(si.get("parts"))})
    elif isinstance(si, str):
        msgs.append({"role": "system", "content": si})
    for c in rec.get("contents") or []:
        if not isinstance(c, dict):
            continue
        role = c.get("role")
        role = "assistant" if role == "model" else ("tool" if role in (None, "function")
                                                      else role)
        msgs.append({"role": role, "content": gemini_parts_text(c.get("parts"))})
    return msgs


def to_messages(rec: Any) -> MessageList | None:
    """The neutral messages of one record, or None when its layout is not recognised.

    Entries of the list may be non-objects when the record is malformed; counters skip them.
    """
    if not isinstance(rec, dict):
        return None
    msgs = rec.get("messages")
    if msgs.__class__ is list:
        # Returned as is (counters skip entries that are not objects).
        system = rec.get("system")
        return [{"role": "system", "content": system}, *msgs] if isinstance(system, str) \
            else msgs
    if isinstance(rec.get("input"), dict) and isinstance(rec["input"].get("messages"), list):
        pref = rec.get("preferred_output", rec.get("preferred_completion")) or []
        return [*rec["input"]["messages"], *(m for m in pref if isinstance(m, dict))]
    if isinstance(rec.get("contents"), list):
        return gemini_to_messages(rec)
    if isinstance(rec.get("conversations"), list):
        return [{"role": SHAREGPT_ROLES.get(str(t.get("from")), "user"),
                 "content": t.get("value", "")} for t in rec["conversations"]
                if isinstance(t, dict)]
    if "instruction" in rec and "output" in rec:
        user = str(rec.get("instruction") or "")
        if rec.get("input"):
            user += "\n\n" + str(rec["input"])
        msgs = [{"role": "user", "content": user},
                {"role": "assistant", "content": str(rec.get("output") or "")}]
        if isinstance(rec.get("system"), str) and rec["system"]:
            msgs.insert(0, {"role": "system", "content": rec["system"]})
        return msgs
    if "prompt" in rec and "completion" in rec:
        return [{"role": "user", "content": str(rec.get("prompt") or "")},
                {"role": "assistant", "content": str(rec.get("completion") or "")}]
    if isinstance(rec.get("text"), str):
        return [{"role": "user", "content": rec["text"]}]
    return None
