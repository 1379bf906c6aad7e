"""What every token counter shares: the counter interface, batch results, text of a message.

A *message list* is a list of neutral chat messages as dicts (``{"role", "content", ...}``,
OpenAI-style roles, the shape of :meth:`Message.to_dict`). Counters take many message lists
at once so the fast ones can tokenize everything in one batch call.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

MessageList = list[dict[str, Any]]


@dataclass(slots=True)
class BatchCounts:
    """Token counts of many conversations for one target.

    ``totals[i]`` and ``assistant[i]`` are the i-th conversation's tokens (template included)
    and the tokens of its assistant messages' content. ``exact`` is False for estimates;
    ``inexact`` lists the indices of conversations that fell back to an estimate inside an
    exact counter (``exact`` is then False for those only).
    """

    totals: np.ndarray
    assistant: np.ndarray
    exact: bool
    method: str
    inexact: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Counter(Protocol):
    """One tokenizer + chat template behind one interface."""

    name: str
    exact: bool
    method: str

    def count_lists(self, lists: Sequence[MessageList], threads: int = 0) -> BatchCounts: ...

    def count_text(self, text: str) -> int: ...


def text_of(content: Any) -> str:
    """The text of a message's ``content``.

    Strings pass through; None is empty; a list of parts (OpenAI content arrays, Gemini
    parts) gives the concatenation of its text parts; anything else its compact JSON.
    """
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
            elif part is not None:
                out.append(compact_json(part))
        return "".join(out)
    return compact_json(content)


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def sum_by_owner(owner: list[int] | np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """Sum ``counts`` per conversation index ``owner`` (int64, length ``n``)."""
    if len(counts) == 0:
        return np.zeros(n, dtype=np.int64)
    summed = np.bincount(np.asarray(owner, dtype=np.int64), weights=counts, minlength=n)
    return np.rint(summed).astype(np.int64)
