"""Mistral counts equal mistral-common's own encoding of the chat template."""

from __future__ import annotations

import warnings

import pytest
from mistral_common.protocol.instruct.request import ChatCompletionRequest
from mistral_common.protocol.instruct.validator import ValidationMode
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

from ftbuilder import tokens
from ftbuilder.core.errors import NotFoundError
from ftbuilder.core.types import Conversation, Message, ModelSpec
from ftbuilder.targets.registry import get_model
from ftbuilder.tokens.mistral import MistralCounter

CONV = [{"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Germany?"},
        {"role": "assistant", "content": "Berlin."}]
TOOLS = [{"role": "user", "content": "Weather in Paris?"},
         {"role": "assistant", "content": "", "tool_calls": [
             {"id": "abcDEF123", "type": "function",
              "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
         {"role": "tool", "content": "sunny", "tool_call_id": "abcDEF123", "name": "get_weather"},
         {"role": "assistant", "content": "It is sunny.", "weight": 1}]


def reference(tok: MistralTokenizer, msgs: list[dict]) -> int:
    clean = []
    for m in msgs:
        d = {k: v for k, v in m.items() if k != "weight"}
        if d.get("tool_calls") and not d.get("content"):
            d.pop("content")
        clean.append(d)
    return len(tok.encode_chat_completion(ChatCompletionRequest(messages=clean)).tokens)


def finetuning(tok: MistralTokenizer) -> MistralTokenizer:
    """The same tokenizer file in mistral-common's finetuning mode (last role assistant)."""
    return MistralTokenizer.from_file(tok.instruct_tokenizer.tokenizer.file_path,
                                      mode=ValidationMode.finetuning)


@pytest.mark.parametrize(("model", "factory"), [
    ("open-mistral-7b", lambda: MistralTokenizer.v3()),
    ("open-mistral-nemo", lambda: MistralTokenizer.v3(is_tekken=True)),
])
def test_counts_match_mistral_common(model, factory):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tok = finetuning(factory())
    spec = get_model("mistral", model)
    for msgs in (CONV, TOOLS):
        conv = Conversation([Message.from_dict(m) for m in msgs])
        tc = tokens.count(conv, spec)
        assert tc.total == reference(tok, msgs)
        assert tc.exact
    raw = tok.instruct_tokenizer.tokenizer
    tc = tokens.count(Conversation([Message.from_dict(m) for m in CONV]), spec)
    assert tc.assistant == sum(len(raw.encode(t, bos=False, eos=False))
                               for t in ("Paris.", "Berlin."))


def test_prompt_ending_with_user_is_still_exact():
    spec = get_model("mistral", "open-mistral-7b")
    tok = MistralTokenizer.v3()  # test mode accepts a final user turn
    tc = tokens.count(Conversation([Message.from_dict(m) for m in CONV[:2]]), spec)
    assert tc.total == reference(tok, CONV[:2]) and tc.exact


def test_unencodable_conversation_is_estimated_and_said_so():
    counter = MistralCounter("open-mistral-7b")
    bad = [{"role": "user", "content": "Hi"}, {"role": "bot", "content": "Hello there"}]
    b = counter.count_lists([CONV, bad])
    assert b.inexact == [1] and b.notes
    raw = counter.raw
    assert b.totals[1] == 1 + sum(4 + len(raw.encode(m["content"], bos=False, eos=False))
                                  for m in bad)
    conv = Conversation([Message("user", "a"), Message("bot", "b")])
    assert tokens.count(conv, get_model("mistral", "open-mistral-7b")).exact is False


def test_unknown_mistral_model_names_the_known_ones():
    spec = ModelSpec("mistral", "mistral-unknown", "mistral", "mistral:mistral-unknown")
    with pytest.raises(NotFoundError, match="open-mistral-7b"):
        tokens.counter_for(spec)
