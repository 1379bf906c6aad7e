"""Mistral targets: exact counts of the real chat template, from ``mistral-common``.

``mistral-common`` ships the tokenizer files and renders the template itself
(``encode_chat_completion``), including where each version puts the system prompt and how it
writes tool calls. Training examples end with an assistant message, which its
``finetuning`` validation mode accepts; a conversation that does not (a prompt ending with
a user turn) is encoded in ``test`` mode, still exactly. Only a conversation mistral-common
refuses altogether falls back to an estimate (content tokens + 4 per message), counted in
``BatchCounts.inexact``.

``MistralTokenizer.from_model`` is deprecated and knows only dated names, so the registry's
ids map to the shipped files here (versions per docs/providers.md §4). Loaded lazily, cached.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ftbuilder.core.errors import NotFoundError
from ftbuilder.tokens.base import BatchCounts, MessageList, text_of

V3_SPM = "mistral_instruct_tokenizer_240323.model.v3"
V3_TEKKEN = "tekken_240718.json"
# Registry model id -> tokenizer file shipped in mistral_common/data.
MODEL_FILES = {
    "open-mistral-7b": V3_SPM,
    "mistral-small-latest": V3_SPM,
    "codestral-latest": V3_SPM,
    "mistral-large-latest": V3_SPM,
    "open-mixtral-8x22b": V3_SPM,
    "open-mistral-nemo": V3_TEKKEN,
    "ministral-8b-latest": V3_TEKKEN,
    "ministral-3b-latest": V3_TEKKEN,
    "open-mixtral-8x7b": "tokenizer.model.v1",
}
FALLBACK_PER_MESSAGE = 4
_KEYS = {
    "system": ("role", "content"),
    "user": ("role", "content"),
    "assistant": ("role", "content", "tool_calls"),
    "tool": ("role", "content", "tool_call_id", "name"),
}


def _data_dir() -> Path:
    import mistral_common

    return Path(mistral_common.__file__).parent / "data"


def _request_messages(msgs: MessageList) -> list[dict[str, Any]]:
    """Neutral messages -> what ChatCompletionRequest accepts (weight and extras dropped)."""
    out = []
    for m in msgs:
        role = m.get("role")
        keys = _KEYS.get(role, ("role", "content")) if isinstance(role, str) else ("role",
                                                                                  "content")
        d = {k: m[k] for k in keys if k in m and m[k] is not None}
        d["content"] = text_of(m.get("content"))
        if role == "assistant" and d.get("tool_calls") and not d["content"]:
            d.pop("content")
        out.append(d)
    return out


class MistralCounter:
    """Exact template counts for one Mistral model (thread-safe)."""

    exact = True

    def __init__(self, model_id: str) -> None:
        from mistral_common.protocol.instruct.normalize import get_normalizer
        from mistral_common.protocol.instruct.validator import ValidationMode, get_validator
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

        filename = MODEL_FILES.get(model_id)
        if filename is None:
            raise NotFoundError(f"no offline Mistral tokenizer known for '{model_id}'",
                                "known: " + ", ".join(sorted(MODEL_FILES)))
        self.name = f"mistral:{model_id}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tok = MistralTokenizer.from_file(str(_data_dir() / filename),
                                                  mode=ValidationMode.finetuning)
        raw = self.tok.instruct_tokenizer.tokenizer
        self.raw = raw
        # Same tokenizer, lenient validator: for prompts that do not end with an assistant.
        self.prompt_tok = MistralTokenizer(
            self.tok.instruct_tokenizer, validator=get_validator(raw.version, ValidationMode.test),
            request_normalizer=get_normalizer(raw.version, raw.model_settings_builder))
        self.method = (f"mistral-common {filename} ({raw.version.value}), real chat template, "
                       "exact")
        self._lock = threading.Lock()

    def _encode_conversation(self, msgs: MessageList) -> int | None:
        from mistral_common.protocol.instruct.request import ChatCompletionRequest

        try:
            req = ChatCompletionRequest(messages=_request_messages(msgs))
        except Exception:
            return None
        for tok in (self.tok, self.prompt_tok):
            try:
                return len(tok.encode_chat_completion(req).tokens)
            except Exception:  # mistral-common raises many types: try the next mode
                continue
        return None

    def count_lists(self, lists: Sequence[MessageList], threads: int = 0) -> BatchCounts:
        n = len(lists)
        totals = np.zeros(n, dtype=np.int64)
        assistant = np.zeros(n, dtype=np.int64)
        inexact: list[int] = []
        with self._lock:
            for i, msgs in enumerate(lists):
                msgs = [m for m in msgs if isinstance(m, dict)]
                asst = sum(self.count_text(text_of(m.get("content")))
                           for m in msgs if m.get("role") == "assistant")
                assistant[i] = asst
                exact = self._encode_conversation(msgs) if msgs else None
                if exact is None:
                    inexact.append(i)
                    exact = 1 + sum(FALLBACK_PER_MESSAGE
                                    + self.count_text(text_of(m.get("content"))) for m in msgs)
                totals[i] = exact
        notes = ([f"{len(inexact)} conversation(s) mistral-common could not encode were estimated "
                  "(content + 4 per message)"] if inexact else [])
        return BatchCounts(totals, assistant, True, self.method, inexact, notes)

    def count_text(self, text: str) -> int:
        return len(self.raw.encode(text, bos=False, eos=False)) if text else 0


@lru_cache(maxsize=16)
def mistral_counter(model_id: str) -> MistralCounter:
    return MistralCounter(model_id)
