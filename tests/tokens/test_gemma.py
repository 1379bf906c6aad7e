"""Gemini estimates with the embedded Gemma vocabulary (llama.cpp, vocab only)."""

from __future__ import annotations

import llama_cpp
import pytest

from ftbuilder import tokens
from ftbuilder.backends.embedded import gguf_path
from ftbuilder.core.types import Conversation, Message
from ftbuilder.targets.registry import get_model
from ftbuilder.tokens.gemma import GemmaCounter, render, turns

SPEC = get_model("google", "gemini-2.5-flash")
MSGS = [{"role": "system", "content": "You are a pirate dog."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Argh! What brings ye to my ship?"}]


@pytest.fixture(scope="module")
def vocab() -> llama_cpp.Llama:
    return llama_cpp.Llama(model_path=str(gguf_path()), vocab_only=True, verbose=False)


def test_render_puts_system_into_the_first_user_turn():
    assert turns(MSGS) == [("user", "You are a pirate dog.\n\nHi"),
                           ("model", "Argh! What brings ye to my ship?")]
    assert render(MSGS) == ("<bos><start_of_turn>user\nYou are a pirate dog.\n\nHi<end_of_turn>\n"
                            "<start_of_turn>model\nArgh! What brings ye to my ship?<end_of_turn>\n")


def test_count_equals_tokenizing_the_rendered_template(vocab):
    tc = tokens.count(Conversation([Message.from_dict(m) for m in MSGS]), SPEC)
    ids = vocab.tokenize(render(MSGS).encode(), add_bos=False, special=True)
    assert ids[0] == vocab.token_bos()
    assert tc.total == len(ids)
    assert tc.assistant == len(vocab.tokenize(MSGS[2]["content"].encode(), add_bos=False,
                                              special=False))
    assert tc.exact is False and tc.method.startswith("estimate")
    assert not tokens.is_exact(SPEC)


def test_without_the_vocabulary_falls_back_to_chars_and_says_so(tmp_path):
    counter = GemmaCounter(str(tmp_path / "missing.gguf"))
    b = counter.count_lists([MSGS])
    assert "characters / 4" in counter.method and "unavailable" in counter.method
    assert b.totals[0] == 1 + sum(-(-len(f"<start_of_turn>{r}\n{t}<end_of_turn>\n") // 4)
                                  for r, t in turns(MSGS))


def test_the_agent_gguf_setting_does_not_change_gemini_counts(vocab, tmp_path, monkeypatch):
    # FTB_GGUF_PATH picks the agent model; Gemini estimates must keep Gemma's vocabulary.
    other = tmp_path / "other.gguf"
    other.write_bytes(b"not a gguf")
    monkeypatch.setenv("FTB_GGUF_PATH", str(other))
    tc = GemmaCounter().count_lists([MSGS]).totals[0]
    assert tc == len(vocab.tokenize(render(MSGS).encode(), add_bos=False, special=True))
