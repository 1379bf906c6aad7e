"""OpenAI targets: exact BPE ids (quicktok) with the cookbook's chat-format overhead.

The tokenizer is exact: quicktok's ``o200k_base`` / ``cl100k_base`` ids are byte-identical to
tiktoken's (see :mod:`ftbuilder.tokens.reference` and the tests). The chat overhead is the
OpenAI cookbook rule (``num_tokens_from_messages`` in Chat_finetuning_data_prep.ipynb):

    per conversation: 3 (reply priming) + per message: 3 + tokens of every value
    (role, content, name, ...) + 1 when the message has a ``name``.

Choices, documented once:

- Special-token strings in content (``"<|endoftext|>"``) are counted as ordinary text, as
  tiktoken's ``encode_ordinary`` does and as the API treats message text.
- ``weight`` (a training flag, not text) is not counted. Non-string values (``tool_calls``,
  ``function_call``) are counted as their compact JSON text. Top-level ``tools`` are not
  counted (the cookbook ignores them).
- ``assistant`` = tokens of the assistant messages' content (the cookbook's
  ``num_assistant_tokens_from_messages``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import quicktok

from ftbuilder.tokens.base import BatchCounts, MessageList, compact_json, sum_by_owner, text_of

PER_MESSAGE = 3
PER_NAME = 1
REPLY_PRIMING = 3
SKIPPED_KEYS = frozenset({"weight"})
# Below this many texts one thread is faster than starting the pool.
BATCH_THREADS_MIN = 2000


@lru_cache(maxsize=8)
def encoding(name: str) -> quicktok.Tokenizer:
    """The quicktok encoding ``name`` (o200k_base, cl100k_base, o200k_harmony, llama3)."""
    return quicktok.get_encoding(name)


def count_texts(enc: quicktok.Tokenizer, texts: list[str], threads: int = 0) -> np.ndarray:
    """Ordinary-text token counts of ``texts`` in one batch call (int64 array)."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    th = threads if len(texts) >= BATCH_THREADS_MIN else 1
    return quicktok.count_batch(enc, texts, threads=th)


class CookbookCounter:
    """Exact tokenizer + cookbook chat overhead for one OpenAI encoding."""

    exact = True

    def __init__(self, encoding_name: str) -> None:
        self.name = encoding_name
        self.enc = encoding(encoding_name)
        self.method = (f"{encoding_name} (quicktok, ids identical to tiktoken) + cookbook chat "
                       f"overhead ({PER_MESSAGE}/message, +{PER_NAME} per name, "
                       f"+{REPLY_PRIMING} reply priming)")
        self._small: dict[str, int] = {}

    def _small_count(self, s: str) -> int:
        # Roles repeat on every message: count each distinct one once.
        n = self._small.get(s)
        if n is None:
            n = self._small[s] = self.enc.count(s)
        return n

    def count_lists(self, lists: Sequence[MessageList], threads: int = 0) -> BatchCounts:
        n = len(lists)
        base = np.empty(n, dtype=np.int64)
        texts: list[str] = []
        owner: list[int] = []
        asst_pos: list[int] = []
        asst_owner: list[int] = []
        small = self._small_count
        for i, msgs in enumerate(lists):
            b = REPLY_PRIMING
            for m in msgs:
                if m.__class__ is not dict:
                    continue
                b += PER_MESSAGE
                role = m.get("role")
                is_asst = role == "assistant"
                if len(m) == 2 and role.__class__ is str:
                    c = m.get("content")
                    if c.__class__ is str:  # the common {"role", "content"} shape
                        b += small(role)
                        if is_asst:
                            asst_pos.append(len(texts))
                            asst_owner.append(i)
                        texts.append(c)
                        owner.append(i)
                        continue
                for k, v in m.items():
                    if k == "role":
                        b += small(v) if isinstance(v, str) else small(compact_json(v))
                        continue
                    if k in SKIPPED_KEYS or v is None:
                        continue
                    if k == "name":
                        b += PER_NAME
                    if is_asst and k == "content":
                        asst_pos.append(len(texts))
                        asst_owner.append(i)
                    texts.append(v if isinstance(v, str) else
                                 text_of(v) if k == "content" else compact_json(v))
                    owner.append(i)
            base[i] = b
        counts = count_texts(self.enc, texts, threads)
        totals = base + sum_by_owner(owner, counts, n)
        assistant = sum_by_owner(asst_owner, counts[asst_pos], n) if asst_pos else \
            np.zeros(n, dtype=np.int64)
        return BatchCounts(totals, assistant, True, self.method)

    def count_text(self, text: str) -> int:
        return self.enc.count(text)
