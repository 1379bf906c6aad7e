"""Mistral targets: exact counts of the real chat template, from ``mistral-common``.

``mistral-common`` ships the tokenizer files and renders the template itself
(``encode_chat_completion``), including where each version puts the system prompt and how it
writes tool calls. Training examples end with an assistant message, which its
``finetuning`` validation mode accepts; a conversation that does not (a prompt ending with
a user turn) is encoded in ``test`` mode, still exactly. Only a conversation mistral-common
refuses altogether falls back to an estimate (content tokens + 4 per message), counted in
``BatchCounts.inexact``.

The tokenizer of a snapshot is the one mistral-common itself maps it to (its
``MODEL_NAME_TO_TOKENIZER_CLS``, what the deprecated ``MistralTokenizer.from_model`` reads):
``mistral-small-2409`` is Tekken, ``mistral-large-2411`` v7. Snapshots that map does not
know use the versions of docs/providers.md §4 (``DOCUMENTED``); any other one
(``ministral-3b-2410``) is counted with the closest file and labelled an estimate.
Loaded lazily, cached.
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
# Snapshots mistral-common does not map, with the version docs/providers.md §4 gives them.
DOCUMENTED = {"open-mistral-7b": V3_SPM, "open-mixtral-8x7b": "tokenizer.model.v1"}
# Neither mapped nor documented: the closest file, counts labelled estimates.
ESTIMATED = {"ministral-3b-2410": V3_TEKKEN}
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


def _common_map() -> dict[str, Any]:
    try:
        from mistral_common.tokens.tokenizers.mistral import MODEL_NAME_TO_TOKENIZER_CLS
    except ImportError:  # a mistral-common without the legacy map
        return {}
    return dict(MODEL_NAME_TO_TOKENIZER_CLS)


def known_models() -> list[str]:
    return sorted({*_common_map(), *DOCUMENTED, *ESTIMATED})


def is_exact_model(model_id: str) -> bool:
    """True when the tokenizer of ``model_id`` is mistral-common's or documented (§4)."""
    return model_id in _common_map() or model_id in DOCUMENTED


def tokenizer_file(model_id: str) -> str:
    """Path of the tokenizer file for ``model_id``; NotFoundError naming the known ones."""
    factory = _common_map().get(model_id)
    if factory is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(factory().instruct_tokenizer.tokenizer.file_path)
    name = DOCUMENTED.get(model_id) or ESTIMATED.get(model_id)
    if name is None:
        raise NotFoundError(f"no offline Mistral tokenizer known for '{model_id}'",
                            "known: " + ", ".join(known_models()))
    return str(_data_dir() / name)


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
    """Template counts for one Mistral model (thread-safe); exact unless the model's
    tokenizer is only our closest guess (``ESTIMATED``)."""

    def __init__(self, model_id: str) -> None:
        from mistral_common.protocol.instruct.normalize import get_normalizer
        from mistral_common.protocol.instruct.validator import ValidationMode, get_validator
        from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

        path = tokenizer_file(model_id)
        filename = Path(path).name
        self.name = f"mistral:{model_id}"
        self.exact = is_exact_model(model_id)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.tok = MistralTokenizer.from_file(path, mode=ValidationMode.finetuning)
        raw = self.tok.instruct_tokenizer.tokenizer
        self.raw = raw
        # Same tokenizer, lenient validator: for prompts that do not end with an assistant.
        self.prompt_tok = MistralTokenizer(
            self.tok.instruct_tokenizer, validator=get_validator(raw.version, ValidationMode.test),
            request_normalizer=get_normalizer(raw.version, raw.model_settings_builder))
        self.method = (f"mistral-common {filename} ({raw.version.value}), real chat template, "
                       + ("exact" if self.exact else
                          "estimate (mistral-common does not map this model's tokenizer)"))
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
        return BatchCounts(totals, assistant, self.exact, self.method, inexact, notes)

    def count_text(self, text: str) -> int:
        return len(self.raw.encode(text, bos=False, eos=False)) if text else 0


@lru_cache(maxsize=16)
def mistral_counter(model_id: str) -> MistralCounter:
    return MistralCounter(model_id)


# --- the chat template as text (the mistral-instruct export formats) -------------------------
# Tokenizer version -> shipped file (docs/providers.md §6: where each version puts the system).
VERSION_FILES = {"v3": V3_SPM, "v3-tekken": V3_TEKKEN,
                 "v7": "mistral_instruct_tokenizer_241114.model.v7"}


@lru_cache(maxsize=8)
def _version_tokenizer(version: str) -> Any:
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MistralTokenizer.from_file(str(_data_dir() / VERSION_FILES[version]),
                                          mode=ValidationMode.finetuning)


def _spm_text(model: Any, ids: list[int]) -> str:
    """SentencePiece ids as text: control tokens as their names, "▁" as a space, byte pieces
    (``<0x0A>``) as the UTF-8 text they spell."""
    out: list[str] = []
    pending = bytearray()
    for i in ids:
        if model.is_byte(i):
            pending.append(int(model.id_to_piece(i)[3:5], 16))
            continue
        if pending:
            out.append(pending.decode("utf-8", "replace"))
            pending.clear()
        piece = model.id_to_piece(i)
        out.append(piece if model.is_control(i) else piece.replace("\u2581", " "))
    if pending:
        out.append(pending.decode("utf-8", "replace"))
    return "".join(out)


def render_text(messages: MessageList, version: str = "v3") -> tuple[str, int]:
    """The conversation as mistral-common renders it for ``version`` (v3, v3-tekken, v7): the
    exact token sequence of ``encode_chat_completion`` written out as text, and its length.

    Raises:
        ValueError: mistral-common refuses the conversation (its message, one line).
    """
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy

    tok = _version_tokenizer(version)
    try:
        req = ChatCompletionRequest(messages=_request_messages(messages))
        ids = tok.encode_chat_completion(req).tokens
    except Exception as e:  # pydantic and mistral-common's own errors
        raise ValueError(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    raw = tok.instruct_tokenizer.tokenizer
    model = getattr(raw, "_model", None)
    if model is not None and hasattr(model, "id_to_piece"):
        return _spm_text(model, ids), len(ids)
    return raw.decode(ids, special_token_policy=SpecialTokenPolicy.KEEP), len(ids)
