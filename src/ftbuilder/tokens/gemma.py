"""Gemini targets: an ESTIMATE from the Gemma 3 vocabulary of the embedded GGUF.

Gemini has no public offline tokenizer; Gemma 3 uses the same SentencePiece vocabulary
family as Gemini 2.x (docs/providers.md §3), so counting with it gives a close estimate. Only the
GGUF's vocabulary is loaded (``vocab_only=True``: no weights, ~0.3 s), lazily, once per
process, shared by every call.

Conversations are rendered with the Gemma chat template (docs/providers.md §6):
``<bos>`` then ``<start_of_turn>{user|model}\\n{text}<end_of_turn>\\n`` per turn; assistant
becomes ``model``, tool results a ``user`` turn, and system text goes into the first user
turn (followed by a blank line). Every turn starts with a special token, so counting turn by
turn equals counting the whole rendering.

When llama_cpp or the GGUF is unavailable, the count falls back to characters / 4, and
``method`` says so.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ftbuilder.tokens.base import BatchCounts, MessageList, text_of

CHARS_PER_TOKEN_FALLBACK = 4.0


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence llama.cpp's C-level log lines while the vocabulary loads."""
    try:
        fd = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(fd, 2)
    finally:
        os.close(fd)


def turns(messages: MessageList) -> list[tuple[str, str]]:
    """(gemma_role, text) turns: system merged into the first user turn."""
    system = "\n\n".join(text_of(m.get("content")).strip() for m in messages
                         if m.get("role") == "system")
    out: list[tuple[str, str]] = []
    for m in messages:
        role = m.get("role")
        if role == "system":
            continue
        text = text_of(m.get("content")).strip()
        g = "model" if role in ("assistant", "model") else "user"
        if system and not out:
            text = f"{system}\n\n{text}"
        out.append((g, text))
    if system and not out:
        out.append(("user", system))
    return out


def render(messages: MessageList) -> str:
    """The Gemma chat template as text."""
    return "<bos>" + "".join(f"<start_of_turn>{r}\n{t}<end_of_turn>\n" for r, t in turns(messages))


class GemmaCounter:
    """Gemini estimate with the Gemma 3 vocabulary (llama.cpp, vocab only)."""

    name = "gemma"
    exact = False

    def __init__(self, model_path: str | None = None) -> None:
        """``model_path``: a GGUF holding the vocabulary; None = the shipped Gemma 3 model."""
        self._path = model_path
        self._lock = threading.Lock()
        self._llama: Any = None
        self._loaded = False
        self.method = ("estimate: Gemma 3 vocabulary (embedded GGUF, vocab only) + Gemma chat "
                       "template")

    def _model(self) -> Any:
        if not self._loaded:
            self._loaded = True
            try:
                import llama_cpp

                from ftbuilder.backends.embedded import gguf_path

                with _quiet_native_stderr():
                    # Always the shipped Gemma vocabulary (Gemini's family), whatever GGUF
                    # FTB_GGUF_PATH configures as the agent model.
                    path = self._path or str(gguf_path(override=""))
                    self._llama = llama_cpp.Llama(model_path=path, vocab_only=True,
                                                  verbose=False)
                # Free it before interpreter teardown: llama.cpp's __del__ fails noisily late.
                atexit.register(self._llama.close)
            except Exception as e:  # ImportError, FtbError, a broken GGUF: all mean "no vocab"
                self._llama = None
                self.method = (f"estimate: characters / {CHARS_PER_TOKEN_FALLBACK:g} (Gemma "
                               f"vocabulary unavailable: {type(e).__name__})")
        return self._llama

    def _tok(self, text: str, special: bool) -> int:
        llm = self._model()
        if llm is None:
            return math.ceil(len(text) / CHARS_PER_TOKEN_FALLBACK)
        return len(llm.tokenize(text.encode("utf-8", "surrogatepass"), add_bos=False,
                                special=special))

    def count_lists(self, lists: Sequence[MessageList], threads: int = 0) -> BatchCounts:
        n = len(lists)
        totals = np.zeros(n, dtype=np.int64)
        assistant = np.zeros(n, dtype=np.int64)
        with self._lock:
            for i, msgs in enumerate(lists):
                msgs = [m for m in msgs if isinstance(m, dict)]
                total = 1  # <bos>
                for role, text in turns(msgs):
                    total += self._tok(f"<start_of_turn>{role}\n{text}<end_of_turn>\n", True)
                totals[i] = total
                assistant[i] = sum(self._tok(text_of(m.get("content")), False) for m in msgs
                                   if m.get("role") == "assistant")
        return BatchCounts(totals, assistant, False, self.method)

    def count_text(self, text: str) -> int:
        with self._lock:
            return self._tok(text, False) if text else 0


_GEMMA: GemmaCounter | None = None
_GEMMA_LOCK = threading.Lock()


def gemma_counter() -> GemmaCounter:
    """The shared Gemma counter (its vocabulary loads on first use)."""
    global _GEMMA
    with _GEMMA_LOCK:
        if _GEMMA is None:
            _GEMMA = GemmaCounter()
        return _GEMMA
