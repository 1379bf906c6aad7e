"""Token counts of conversations for a target model, chat-format overhead included.

One entry point per need, all keyed by the registry's :class:`ModelSpec` (its ``tokenizer``):

==================  ====================================================  =========
tokenizer           how                                                   label
==================  ====================================================  =========
o200k_base,         quicktok BPE (ids identical to tiktoken) + the        exact
cl100k_base,        OpenAI cookbook overhead (3/message, +1 name,
o200k_harmony       +3 reply priming)
llama3              quicktok llama3 BPE + Llama 3 chat template            exact
mistral:<model>     mistral-common, the real chat template (the tokenizer  exact
                    mistral-common maps the snapshot to)
gemma (Gemini)      Gemma 3 vocabulary of the embedded GGUF + Gemma        estimate
                    template (characters / 4 if unavailable)
estimate (Claude)   characters / 3.5 in Claude's prompt layout             estimate
==================  ====================================================  =========

Bulk counting (:func:`count_many`, :func:`count_lists`) tokenizes everything in one batch
call where the tokenizer has one (quicktok ``count_batch``, multi-threaded).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ftbuilder.core.errors import NotFoundError
from ftbuilder.core.types import Conversation, ModelSpec, TokenCount
from ftbuilder.tokens.base import BatchCounts, Counter, MessageList, text_of
from ftbuilder.tokens.records import to_messages

__all__ = ["BatchCounts", "Counter", "MessageList", "count", "count_lists", "count_many",
           "count_text", "counter_for", "is_exact", "method", "text_of", "to_messages"]

OPENAI_ENCODINGS = ("o200k_base", "cl100k_base", "o200k_harmony")


@lru_cache(maxsize=32)
def _counter(tokenizer: str) -> Counter:
    if tokenizer in OPENAI_ENCODINGS:
        from ftbuilder.tokens.openai import CookbookCounter

        return CookbookCounter(tokenizer)
    if tokenizer == "llama3":
        from ftbuilder.tokens.llama import Llama3Counter

        return Llama3Counter()
    if tokenizer.startswith("mistral:"):
        from ftbuilder.tokens.mistral import mistral_counter

        return mistral_counter(tokenizer.split(":", 1)[1])
    if tokenizer == "gemma":
        from ftbuilder.tokens.gemma import gemma_counter

        return gemma_counter()
    if tokenizer == "estimate":
        from ftbuilder.tokens.estimate import ClaudeEstimate

        return ClaudeEstimate()
    raise NotFoundError(f"unknown tokenizer '{tokenizer}' in the model registry",
                        "use o200k_base, cl100k_base, o200k_harmony, llama3, mistral:<model>, "
                        "gemma or estimate in targets/models.yaml")


def counter_for(spec: ModelSpec) -> Counter:
    """The (cached, shared) counter for ``spec``'s tokenizer.

    Raises:
        NotFoundError: the registry names a tokenizer or Mistral model we have no file for.
    """
    return _counter(spec.tokenizer)


def is_exact(spec: ModelSpec) -> bool:
    """True when counts for ``spec`` are exact; False for estimates (Gemini, Claude)."""
    if spec.tokenizer.startswith("mistral:"):
        from ftbuilder.tokens.mistral import is_exact_model

        return is_exact_model(spec.tokenizer.split(":", 1)[1])
    return spec.tokenizer in OPENAI_ENCODINGS or spec.tokenizer == "llama3"


def method(spec: ModelSpec) -> str:
    """How counts for ``spec`` are made, in words (shown next to every count)."""
    return counter_for(spec).method


def count_lists(lists: Sequence[MessageList], spec: ModelSpec, threads: int = 0) -> BatchCounts:
    """Counts of many neutral message lists in one batch (``threads`` 0 = all cores)."""
    return counter_for(spec).count_lists(lists, threads)


def _messages(conv: Conversation) -> MessageList:
    return [m.to_dict() for m in conv.messages]


def count(conv: Conversation, spec: ModelSpec) -> TokenCount:
    """Tokens of one conversation for ``spec``, chat-format overhead included."""
    c = counter_for(spec)
    b = c.count_lists([_messages(conv)], threads=1)
    return TokenCount(int(b.totals[0]), c.exact and not b.inexact, b.method, int(b.assistant[0]))


def count_many(convs: Sequence[Conversation], spec: ModelSpec) -> list[TokenCount]:
    """Tokens of many conversations, tokenized in one batch call where possible."""
    c = counter_for(spec)
    b = c.count_lists([_messages(cv) for cv in convs])
    inexact = set(b.inexact)
    return [TokenCount(int(t), c.exact and i not in inexact, b.method, int(a))
            for i, (t, a) in enumerate(zip(b.totals.tolist(), b.assistant.tolist(), strict=True))]


def count_text(text: str, spec: ModelSpec) -> int:
    """Tokens of plain ``text`` (no chat template) with ``spec``'s tokenizer."""
    return counter_for(spec).count_text(text)
