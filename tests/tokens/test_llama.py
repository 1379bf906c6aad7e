"""Llama 3 counts: the template of docs/providers.md §5, special tokens one id each."""

from __future__ import annotations

from ftbuilder import tokens
from ftbuilder.core.types import Conversation, Message
from ftbuilder.targets.registry import get_model
from ftbuilder.tokens.llama import DATE_HEADER, Llama3Counter, render
from ftbuilder.tokens.openai import encoding

SPEC = get_model("llama", "meta-llama/Meta-Llama-3.1-8B-Instruct")
MSGS = [{"role": "system", "content": "You are a pirate."},
        {"role": "user", "content": "Hi there!"},
        {"role": "assistant", "content": "Ahoy, matey! What brings ye aboard?"}]


def test_template_ids_by_hand():
    # Issue 10: the Llama 3.1 template (date header in the system turn, trimmed contents).
    enc = encoding("llama3")
    ids = enc.encode_with_special(render(MSGS))
    assert ids[0] == 128000  # <|begin_of_text|>
    assert ids.count(128006) == 3 and ids.count(128007) == 3 and ids.count(128009) == 3
    assert ids[-1] == 128009  # <|eot_id|>
    first = ids[1:ids.index(128009) + 1]
    assert first[0] == 128006 and first[2] == 128007  # header: start, "system", end
    assert enc.decode([first[1]]) == "system"
    assert enc.decode(first[3:-1]) == ("\n\nCutting Knowledge Date: December 2023\n"
                                       "Today Date: 26 Jul 2024\n\nYou are a pirate.")
    # Count by hand: 1 + per message 3 specials + role + "\n\n" + body.
    bodies = [DATE_HEADER + MSGS[0]["content"], MSGS[1]["content"], MSGS[2]["content"]]
    by_hand = 1 + sum(3 + len(enc.encode_ordinary(m["role"]))
                      + len(enc.encode_ordinary("\n\n" + b)) for m, b in zip(MSGS, bodies,
                                                                               strict=True))
    assert len(ids) == by_hand


def test_count_equals_encoding_the_rendered_template():
    conv = Conversation([Message.from_dict(m) for m in MSGS])
    tc = tokens.count(conv, SPEC)
    assert tc.total == len(encoding("llama3").encode_with_special(render(MSGS)))
    assert tc.assistant == len(encoding("llama3").encode_ordinary(MSGS[2]["content"]))
    assert tc.exact and "Llama 3.1 chat template" in tc.method


def test_tool_role_is_rendered_as_ipython_and_batches_agree():
    msgs = [*MSGS, {"role": "tool", "content": "{\"ok\": true}"}]
    assert "<|start_header_id|>ipython<|end_header_id|>" in render(msgs)
    counter = Llama3Counter()
    lists = [MSGS, msgs, MSGS[:2]]
    b = counter.count_lists(lists)
    assert b.totals.tolist() == [len(encoding("llama3").encode_with_special(render(x)))
                                 for x in lists]
