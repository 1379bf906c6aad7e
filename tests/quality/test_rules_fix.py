"""Truncation keeps the last assistant answer and gets under the limit, or says it cannot."""

from __future__ import annotations

from ftbuilder import tokens
from ftbuilder.core.types import Conversation, Message
from ftbuilder.quality.rules_fix import truncate_messages
from ftbuilder.targets.registry import get_model

SPEC = get_model("openai", "gpt-3.5-turbo-0613")


def test_truncate_cuts_the_longest_non_final_message():
    answer = "The answer, kept whole. " * 20
    msgs = [Message("system", "Be brief."), Message("user", "Context: " + "lorem ipsum " * 3000),
            Message("assistant", answer)]
    before = tokens.count(Conversation(msgs), SPEC).total
    assert before > 4096
    out, n = truncate_messages(msgs, SPEC, 4096)
    assert out is not None and n <= 4096 and n > 3000
    assert n == tokens.count(Conversation(out), SPEC).total
    assert out[-1].content == answer and out[0].content == "Be brief."
    assert msgs[1].content.startswith(out[1].content)  # a prefix: cut at the end
    assert len(msgs[1].content) > len(out[1].content)  # the input is left alone


def test_truncate_gives_up_when_nothing_can_give():
    msgs = [Message("user", "short question here please"), Message("assistant", "tiny")]
    out, n = truncate_messages(msgs, SPEC, 5)
    assert out is None and n > 5


def test_truncate_a_message_21x_over_keeps_just_under_the_limit():
    """Issue 8.6: the cut is measured with the target's counter, not an estimate times a
    margin, so a message 21x over the limit keeps 90-100% of the limit (it used to keep
    a few dozen characters)."""
    long = " ".join(f"word{i % 997}" for i in range(45_000))
    msgs = [Message("user", long), Message("assistant", "The answer.")]
    before = tokens.count(Conversation(msgs), SPEC).total
    assert before > 21 * 4096
    out, n = truncate_messages(msgs, SPEC, 4096)
    assert out is not None
    assert 0.9 * 4096 <= n <= 4096, n
    assert n == tokens.count(Conversation(out), SPEC).total
    assert long.startswith(out[0].content) and len(out[0].content) > 10_000
    assert out[1].content == "The answer."


def test_truncate_cuts_the_next_message_when_the_longest_cannot_give_enough():
    msgs = [Message("system", "rules " * 3000), Message("user", "context " * 3000),
            Message("assistant", "ok")]
    out, n = truncate_messages(msgs, SPEC, 1000)
    assert out is not None and 900 <= n <= 1000
    assert n == tokens.count(Conversation(out), SPEC).total
