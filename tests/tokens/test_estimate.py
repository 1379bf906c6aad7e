"""Claude: characters / 3.5 in the legacy prompt layout, labelled an estimate."""

from __future__ import annotations

import math

from ftbuilder import tokens
from ftbuilder.core.types import Conversation, Message
from ftbuilder.targets.registry import get_model

SPEC = get_model("anthropic", "claude-3-haiku-20240307")


def test_claude_estimate_by_hand():
    conv = Conversation([Message("system", "JSON Mode: Enabled"),
                         Message("user", "whats the first line of moby dick"),
                         Message("assistant", '{"answer": "Call me Ishmael."}')])
    chars = (len("JSON Mode: Enabled") + len("\n\nHuman: ")
             + len("whats the first line of moby dick") + len("\n\nAssistant: ")
             + len('{"answer": "Call me Ishmael."}'))
    tc = tokens.count(conv, SPEC)
    assert tc.total == math.ceil(chars / 3.5)
    assert tc.assistant == math.ceil(len('{"answer": "Call me Ishmael."}') / 3.5)
    assert tc.exact is False and "estimate" in tc.method and "3.5" in tc.method
    assert tokens.count_text("abcdefg", SPEC) == 2
