"""Fixes for over-limit examples, applied only when the user asks (``--fix``).

Truncation cuts the longest non-final message's content (never the last assistant message
while anything else can give), recounting with the target's exact counter after each cut,
until the example fits. Each message keeps at least :data:`MIN_KEEP` characters so no turn
becomes empty; if that is not enough, the last assistant message is cut too, and if the
example still does not fit it is reported as impossible (the caller drops it and says so).
"""

from __future__ import annotations

from ftbuilder import tokens
from ftbuilder.core.types import Message, ModelSpec

MIN_KEEP = 32  # characters kept in any truncated message
MAX_ROUNDS = 64
MARGIN = 1.05  # cut a little more than the estimate so one or two rounds usually suffice


def _total(msgs: list[Message], spec: ModelSpec) -> int:
    return int(tokens.count_lists([[m.to_dict() for m in msgs]], spec, threads=1).totals[0])


def _cut(text: str, n_chars: int) -> str:
    """``text`` shortened by about ``n_chars``, at a word boundary when one is near."""
    keep = max(MIN_KEEP, len(text) - n_chars)
    head = text[:keep]
    space = head.rfind(" ", int(keep * 0.9))
    return (head[:space] if space > MIN_KEEP else head).rstrip()


def truncate_messages(messages: list[Message], spec: ModelSpec,
                      limit: int) -> tuple[list[Message] | None, int]:
    """A copy of ``messages`` cut to at most ``limit`` tokens for ``spec``, and its count.

    Returns ``(None, tokens)`` when the example cannot be brought under the limit.
    """
    msgs = [Message(m.role, m.content, dict(m.extra)) for m in messages]
    total = _total(msgs, spec)
    last_asst = max((i for i, m in enumerate(msgs) if m.role == "assistant"), default=None)
    for _ in range(MAX_ROUNDS):
        if total <= limit:
            return msgs, total
        cands = [i for i, m in enumerate(msgs)
                 if i != last_asst and isinstance(m.content, str) and len(m.content) > MIN_KEEP]
        if not cands and last_asst is not None and isinstance(msgs[last_asst].content, str) \
                and len(msgs[last_asst].content) > MIN_KEEP:
            cands = [last_asst]
        if not cands:
            return None, total
        i = max(cands, key=lambda j: len(msgs[j].content))
        chars = sum(len(m.content) for m in msgs if isinstance(m.content, str))
        chars_per_token = max(1.0, chars / max(1, total))
        msgs[i].content = _cut(msgs[i].content, int((total - limit) * chars_per_token * MARGIN) + 8)
        total = _total(msgs, spec)
    return (msgs, total) if total <= limit else (None, total)
