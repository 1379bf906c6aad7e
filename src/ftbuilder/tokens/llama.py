"""Llama 3.x targets: the exact chat template (docs/providers.md §5) counted with the llama3 BPE.

    <|begin_of_text|>
    then per message: <|start_header_id|>{role}<|end_header_id|>\\n\\n{content}<|eot_id|>

Special tokens are single ids (128000 begin_of_text, 128006 start_header_id, 128007
end_header_id, 128009 eot_id). Text between special tokens is BPE-encoded on its own, so a
message costs 3 special tokens + tokens("{role}") + tokens("\\n\\n{content}"), and the
conversation 1 more for ``<|begin_of_text|>``. Counting those pieces in one batch gives the
same total as encoding the rendered template with special tokens recognised, except that a
special-token string typed inside content is counted as ordinary text (the safe reading of
user data). The role ``tool`` is rendered as Llama's ``ipython``.

``assistant`` = tokens of the assistant messages' content alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ftbuilder.tokens.base import BatchCounts, MessageList, sum_by_owner, text_of
from ftbuilder.tokens.openai import count_texts, encoding

BEGIN_OF_TEXT = "<|begin_of_text|>"
START_HEADER = "<|start_header_id|>"
END_HEADER = "<|end_header_id|>"
EOT = "<|eot_id|>"
SPECIALS_PER_MESSAGE = 3  # start_header_id, end_header_id, eot_id
ROLE_MAP = {"tool": "ipython", "function": "ipython"}


def render(messages: MessageList) -> str:
    """The Llama 3 chat template as text (special tokens as their strings)."""
    parts = [BEGIN_OF_TEXT]
    for m in messages:
        role = ROLE_MAP.get(str(m.get("role", "")), str(m.get("role", "")))
        parts.append(f"{START_HEADER}{role}{END_HEADER}\n\n{text_of(m.get('content'))}{EOT}")
    return "".join(parts)


class Llama3Counter:
    """Exact Llama 3 template counts (quicktok ``llama3`` encoding)."""

    name = "llama3"
    exact = True
    method = ("llama3 BPE (quicktok, exact) + Llama 3 chat template (begin_of_text, "
              "header ids, eot per message)")

    def __init__(self) -> None:
        self.enc = encoding("llama3")
        self._roles: dict[str, int] = {}

    def _role_count(self, role: str) -> int:
        n = self._roles.get(role)
        if n is None:
            n = self._roles[role] = self.enc.count(role)
        return n

    def count_lists(self, lists: Sequence[MessageList], threads: int = 0) -> BatchCounts:
        n = len(lists)
        base = np.empty(n, dtype=np.int64)
        texts: list[str] = []
        owner: list[int] = []
        asst_texts: list[str] = []
        asst_owner: list[int] = []
        for i, msgs in enumerate(lists):
            b = 1  # <|begin_of_text|>
            for m in msgs:
                if not isinstance(m, dict):
                    continue
                role = str(m.get("role", ""))
                b += SPECIALS_PER_MESSAGE + self._role_count(ROLE_MAP.get(role, role))
                content = text_of(m.get("content"))
                texts.append("\n\n" + content)
                owner.append(i)
                if role == "assistant":
                    asst_texts.append(content)
                    asst_owner.append(i)
            base[i] = b
        totals = base + sum_by_owner(owner, count_texts(self.enc, texts, threads), n)
        assistant = sum_by_owner(asst_owner, count_texts(self.enc, asst_texts, threads), n)
        return BatchCounts(totals, assistant, True, self.method)

    def count_text(self, text: str) -> int:
        return self.enc.count(text)
