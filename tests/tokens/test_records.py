"""Every supported record layout becomes neutral messages."""

from __future__ import annotations

from ftbuilder.tokens import to_messages


def test_layouts():
    user, asst = {"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}
    assert to_messages({"messages": [user, asst]}) == [user, asst]
    assert to_messages({"system": "S", "messages": [user, asst]})[0] == {"role": "system",
                                                                         "content": "S"}
    assert to_messages({"input": {"messages": [user]}, "preferred_output": [asst],
                        "non_preferred_output": [{"role": "assistant", "content": "B"}]}) == \
        [user, asst]
    gem = {"systemInstruction": {"role": "system", "parts": [{"text": "S"}]},
           "contents": [{"role": "user", "parts": [{"text": "Q"}]},
                        {"role": "model", "parts": [{"text": "A"}, {"text": "!"}]}]}
    assert to_messages(gem) == [{"role": "system", "content": "S"}, user,
                                {"role": "assistant", "content": "A!"}]
    share = {"conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "A"}]}
    assert to_messages(share) == [user, asst]
    alpaca = {"instruction": "Q", "input": "ctx", "output": "A"}
    assert to_messages(alpaca) == [{"role": "user", "content": "Q\n\nctx"}, asst]
    assert to_messages({"prompt": "Q", "completion": "A"}) == [user, asst]
    assert to_messages({"text": "T"}) == [{"role": "user", "content": "T"}]
    assert to_messages({"foo": 1}) is None
    assert to_messages([1, 2]) is None
