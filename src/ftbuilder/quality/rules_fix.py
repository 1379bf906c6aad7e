"""Fixes for over-limit examples, applied only when the user asks (``--fix``).

Truncation cuts the longest non-final message's content (never the last assistant message
while anything else can give) to the longest prefix with which the example fits: a binary
search on the prefix length, each probe counted with the target's own counter, so the
example ends just under the limit (within :func:`margin` tokens) instead of an estimate's
guess. Each message keeps at least :data:`MIN_KEEP` characters so no turn becomes empty; if
that is not enough the next longest message is cut, then the last assistant message, and if
the example still does not fit it is reported as impossible (the caller drops it and says so).
"""

from __future__ import annotations

from ftbuilder import tokens
from ftbuilder.core.types import Message, ModelSpec

MIN_KEEP = 32  # characters kept in any truncated message
MAX_ROUNDS = 64
WORD_BACKOFF = 40  # characters a cut may move back to end at a word boundary


def margin(limit: int) -> int:
    """Tokens left free under ``limit``: 1%, at most 16 (the result is just under it)."""
    return min(16, limit // 100)


def _total(msgs: list[Message], spec: ModelSpec) -> int:
    return int(tokens.count_lists([[m.to_dict() for m in msgs]], spec, threads=1).totals[0])


def _prefix(text: str, keep: int) -> str:
    """The first ``keep`` characters of ``text``, ending at a word boundary when one is near."""
    head = text[:keep]
    space = head.rfind(" ", max(MIN_KEEP, keep - WORD_BACKOFF))
    return (head[:space] if space > MIN_KEEP else head).rstrip()


def _fit(msgs: list[Message], i: int, spec: ModelSpec, target: int) -> int:
    """Cut ``msgs[i]`` to the longest prefix with which the example counts at most ``target``
    tokens (or to MIN_KEEP characters when even that is too long); returns the new total."""
    text = msgs[i].content
    assert isinstance(text, str)

    def total_at(keep: int) -> int:
        msgs[i].content = _prefix(text, keep)
        return _total(msgs, spec)

    lo, hi = MIN_KEEP, len(text)  # invariant: keep == hi is over the target
    if total_at(lo) > target:
        return _total(msgs, spec)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if total_at(mid) <= target:
            lo = mid
        else:
            hi = mid
    return total_at(lo)


def truncate_messages(messages: list[Message], spec: ModelSpec,
                      limit: int) -> tuple[list[Message] | None, int]:
    """A copy of ``messages`` cut to at most ``limit`` tokens for ``spec``, and its count.

    Returns ``(None, tokens)`` when the example cannot be brought under the limit.
    """
    msgs = [Message(m.role, m.content, dict(m.extra)) for m in messages]
    total = _total(msgs, spec)
    target = limit - margin(limit)
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
        total = _fit(msgs, max(cands, key=lambda j: len(msgs[j].content)), spec, target)
    return (msgs, total) if total <= limit else (None, total)
