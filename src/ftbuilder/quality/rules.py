"""Per-provider format rules for one training record (docs/providers.md §1-§5).

Each checker takes one parsed JSON record and returns the problems found, each an
:data:`Issue` ``(code, message, fix, severity)``, or an empty list. Codes are stable (the
faces, ``--json`` users and the tests rely on them):

=========================  ===============================================================
code                       meaning
=========================  ===============================================================
missing_messages_list      no non-empty ``messages`` (Gemini: ``contents``) list
bad_message                a message (content entry, part) is not a JSON object
unknown_key                a key the provider does not accept (top level or message)
unrecognized_role          a role the provider does not accept (or no role)
missing_content            a message without content
empty_content              content that is empty or only whitespace
bad_content                content of the wrong type
no_assistant_message       nothing to train on
too_few_messages           Anthropic: fewer than two messages
first_role / last_role     the conversation starts / ends with the wrong role
bad_alternation            two turns of the same side in a row
too_many_system            Mistral: more than one system message
bad_weight                 ``weight`` not 0 or 1, or on a message that cannot carry it
bad_tool_call              a malformed tool call (Mistral/OpenAI)
bad_tool_call_id           Mistral: a tool call id that is not 9 letters or digits
bad_preference             OpenAI DPO: preferred/non-preferred output malformed
no_system_message (warn)   OpenAI: no system message
no_user_message (warn)     OpenAI: no user message
=========================  ===============================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

Issue = tuple[str, str, str, str]
ERROR, WARNING = "error", "warning"
_MISSING = object()

OPENAI_TOP = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
OPENAI_DPO_TOP = frozenset({"input", "preferred_output", "non_preferred_output",
                            "preferred_completion", "non_preferred_completion"})
OPENAI_ROLES = frozenset({"system", "user", "assistant", "tool", "function"})
OPENAI_MSG_KEYS = frozenset({"role", "content", "name", "function_call", "tool_calls",
                             "tool_call_id", "weight"})
ANTHROPIC_TOP = frozenset({"system", "messages"})
ANTHROPIC_MSG_KEYS = frozenset({"role", "content"})
GEMINI_TOP = frozenset({"contents", "systemInstruction", "tools"})
GEMINI_CONTENT_KEYS = frozenset({"role", "parts"})
GEMINI_PART_KEYS = frozenset({"text", "functionCall", "functionResponse", "inlineData",
                              "fileData"})
MISTRAL_TOP = frozenset({"messages", "tools"})
MISTRAL_ROLES = frozenset({"system", "user", "assistant", "tool"})
MISTRAL_MSG_KEYS = frozenset({"role", "content", "tool_calls", "tool_call_id", "name", "weight"})
MISTRAL_CALL_ID = re.compile(r"[A-Za-z0-9]{9}")
# ``text`` (the rendered template) is Together's generic field; our llama3 export writes both.
LLAMA_TOP = frozenset({"messages", "text"})
# ``tool`` is accepted in the messages list and rendered as the template's ``ipython``.
LLAMA_ROLES = frozenset({"system", "user", "assistant", "ipython", "tool"})
LLAMA_MSG_KEYS = frozenset({"role", "content", "weight"})


def _e(code: str, message: str, fix: str, severity: str = ERROR) -> Issue:
    return (code, message, fix, severity)


def _unknown_keys(d: dict[str, Any], allowed: frozenset[str], where: str) -> list[Issue]:
    return [_e("unknown_key", f"{where}: unknown key '{k}'",
               f"remove it; allowed: {', '.join(sorted(allowed))}") for k in d if k not in allowed]


def _role(m: dict[str, Any]) -> Any:
    """The message's role when it is a string; anything else is kept only for the message
    (and is unhashable-safe: lists and objects are never looked up in a set)."""
    role = m.get("role")
    return role if role is None or isinstance(role, str) else repr(role)


def _weight_ok(w: Any) -> bool:
    return type(w) is int and w in (0, 1)


def _content_issues(m: dict[str, Any], j: int, allow_empty: bool) -> list[Issue]:
    """Presence, type and non-emptiness of a message's string/parts content."""
    c = m.get("content", _MISSING)
    if c is _MISSING or c is None:
        if allow_empty:
            return []
        return [_e("missing_content", f"message {j} has no content", "add the message text")]
    if isinstance(c, str):
        if not allow_empty and (not c or c.isspace()):
            return [_e("empty_content", f"message {j} has empty content",
                       "write the message text, or remove the message")]
        return []
    if isinstance(c, list) and all(isinstance(p, dict) for p in c):
        return []
    return [_e("bad_content", f"message {j} content is a {type(c).__name__}, not text",
               "make content a string")]


def _sides_issues(roles: list[str], user_side: frozenset[str], first: frozenset[str],
                  last: frozenset[str] | None) -> list[Issue]:
    """first_role / last_role / bad_alternation over non-system roles."""
    out: list[Issue] = []
    if not roles:
        return out
    if roles[0] not in first:
        out.append(_e("first_role", f"the first turn is '{roles[0]}'",
                      f"start with {' or '.join(sorted(first))}"))
    if last is not None and roles[-1] not in last:
        out.append(_e("last_role", f"the last turn is '{roles[-1]}'",
                      f"end with {' or '.join(sorted(last))} (the answer to train on)"))
    prev = None
    for j, r in enumerate(roles, 1):
        side = r in user_side
        if prev is not None and side == prev:
            out.append(_e("bad_alternation", f"turn {j} ('{r}') follows a turn of the same side",
                          "alternate user and assistant turns (merge or remove one)"))
            break
        prev = side
    return out


def check_openai(rec: dict[str, Any]) -> list[Issue]:
    """OpenAI chat SFT (and DPO) line, by the API schema rather than the cookbook's key list."""
    if "messages" not in rec and "input" in rec:
        return _check_openai_dpo(rec)
    out = _unknown_keys(rec, OPENAI_TOP, "top level") if len(rec) > 1 or "messages" not in rec \
        else []
    msgs = _messages_list(rec, out)
    if msgs is None:
        return out
    has = set()
    for j, m in enumerate(msgs, 1):
        if m.__class__ is not dict:
            out.append(_e("bad_message", f"message {j} is not an object", "make it an object"))
            continue
        role = _role(m)
        if len(m) == 2 and role in OPENAI_ROLES:
            # The common shape {"role", "content"}: decide it without the general checks.
            c = m.get("content")
            if c.__class__ is str and c and not c.isspace():
                has.add(role)
                continue
        if not m.keys() <= OPENAI_MSG_KEYS:
            out.extend(_e("unknown_key", f"message {j}: unknown key '{k}'",
                          "remove it; allowed: " + ", ".join(sorted(OPENAI_MSG_KEYS)))
                       for k in m if k not in OPENAI_MSG_KEYS)
        if role not in OPENAI_ROLES:
            out.append(_e("unrecognized_role", f"message {j} has role {role!r}",
                          "use system, user, assistant, tool or function"))
            continue
        has.add(role)
        calls = role == "assistant" and ("tool_calls" in m or "function_call" in m)
        out.extend(_content_issues(m, j, calls))
        if "weight" in m and (role != "assistant" or not _weight_ok(m["weight"])):
            out.append(_e("bad_weight", f"message {j} has weight {m['weight']!r}",
                          "weight goes on assistant messages only, 0 or 1"))
        if "tool_calls" in m and not isinstance(m["tool_calls"], list):
            out.append(_e("bad_tool_call", f"message {j}: tool_calls is not a list",
                          'use [{"id", "type": "function", "function": {...}}]'))
    if "assistant" not in has:
        out.append(_e("no_assistant_message", "no assistant message",
                      "add the assistant answer to train on"))
    if "system" not in has:
        out.append(_e("no_system_message", "no system message",
                      "optional; add one if you will use a system prompt", WARNING))
    if "user" not in has:
        out.append(_e("no_user_message", "no user message", "add the user turn", WARNING))
    return out


def _check_openai_dpo(rec: dict[str, Any]) -> list[Issue]:
    out = _unknown_keys(rec, OPENAI_DPO_TOP, "top level")
    inp = rec.get("input")
    if not isinstance(inp, dict) or not isinstance(inp.get("messages"), list) \
            or not inp["messages"]:
        out.append(_e("missing_messages_list", "no non-empty 'input.messages' list",
                      'write {"input": {"messages": [...]}, "preferred_output": [...], ...}'))
    for key in ("preferred_output", "non_preferred_output"):
        val = rec.get(key, rec.get(key.replace("output", "completion")))
        if not (isinstance(val, list) and len(val) == 1 and isinstance(val[0], dict)
                and val[0].get("role") == "assistant"):
            out.append(_e("bad_preference", f"'{key}' is not a list of one assistant message",
                          f'write "{key}": [{{"role": "assistant", "content": ...}}]'))
    return out


def check_anthropic(rec: dict[str, Any]) -> list[Issue]:
    """Claude on Bedrock: optional string system; user first, assistant last, alternating."""
    out = _unknown_keys(rec, ANTHROPIC_TOP, "top level")
    if "system" in rec and not isinstance(rec["system"], str):
        out.append(_e("bad_content", "'system' is not a string", "make system a string"))
    msgs = rec.get("messages")
    if not isinstance(msgs, list) or not msgs:
        out.append(_e("missing_messages_list", "no non-empty 'messages' list",
                      'write {"system": ..., "messages": [{"role": "user", ...}, ...]}'))
        return out
    if len(msgs) < 2:
        out.append(_e("too_few_messages", "fewer than two messages",
                      "give at least a user message and the assistant answer"))
    roles = []
    for j, m in enumerate(msgs, 1):
        if not isinstance(m, dict):
            out.append(_e("bad_message", f"message {j} is not an object", "make it an object"))
            continue
        out.extend(_unknown_keys(m, ANTHROPIC_MSG_KEYS, f"message {j}"))
        role = _role(m)
        if role not in ("user", "assistant"):
            fix = ("move it to the top-level 'system' string" if role == "system"
                   else "use user or assistant")
            out.append(_e("unrecognized_role", f"message {j} has role {role!r}", fix))
            continue
        roles.append(role)
        c = m.get("content")
        if c is not None and not isinstance(c, str):
            out.append(_e("bad_content", f"message {j} content is not a string",
                          "use plain string content"))
        else:
            out.extend(_content_issues(m, j, False))
    out.extend(_sides_issues(roles, frozenset({"user"}), frozenset({"user"}),
                             frozenset({"assistant"})))
    return out


def check_gemini(rec: dict[str, Any]) -> list[Issue]:
    """Vertex AI Gemini tuning: contents of user/model turns with text parts."""
    out = _unknown_keys(rec, GEMINI_TOP, "top level")
    si = rec.get("systemInstruction")
    if si is not None and not (isinstance(si, dict) and isinstance(si.get("parts"), list)
                               and all(isinstance(p, dict) and isinstance(p.get("text"), str)
                                       for p in si["parts"])):
        out.append(_e("bad_content", "systemInstruction is not {'parts': [{'text': ...}]}",
                      'write "systemInstruction": {"role": "system", "parts": [{"text": ...}]}'))
    contents = rec.get("contents")
    if not isinstance(contents, list) or not contents:
        out.append(_e("missing_messages_list", "no non-empty 'contents' list",
                      'write {"contents": [{"role": "user", "parts": [{"text": ...}]}, ...]}'))
        return out
    roles = []
    for j, c in enumerate(contents, 1):
        if not isinstance(c, dict):
            out.append(_e("bad_message", f"content {j} is not an object", "make it an object"))
            continue
        out.extend(_unknown_keys(c, GEMINI_CONTENT_KEYS, f"content {j}"))
        parts = c.get("parts")
        if not isinstance(parts, list) or not parts:
            out.append(_e("missing_content", f"content {j} has no parts",
                          'add "parts": [{"text": ...}]'))
            parts = []
        texts = []
        for p in parts:
            if not isinstance(p, dict):
                out.append(_e("bad_message", f"content {j}: a part is not an object",
                              'write {"text": ...}'))
                continue
            out.extend(_unknown_keys(p, GEMINI_PART_KEYS, f"content {j} part"))
            if "text" in p:
                if isinstance(p["text"], str):
                    texts.append(p["text"])
                else:
                    out.append(_e("bad_content", f"content {j}: text is not a string",
                                  "make text a string"))
        if parts and not any(t.strip() for t in texts) and \
                not any(isinstance(p, dict) and ("functionCall" in p or "functionResponse" in p)
                        for p in parts):
            out.append(_e("empty_content", f"content {j} has no text", "write the turn's text"))
        role = _role(c)
        is_response = any(isinstance(p, dict) and "functionResponse" in p for p in parts)
        if role is None and is_response:
            role = "user"
        if role not in ("user", "model"):
            fix = {"assistant": "use 'model'", "system": "move it to systemInstruction"}.get(
                str(role), "use user or model")
            out.append(_e("unrecognized_role", f"content {j} has role {role!r}", fix))
            continue
        roles.append(role)
    out.extend(_sides_issues(roles, frozenset({"user"}), frozenset({"user"}),
                             frozenset({"model"})))
    return out


def _messages_list(rec: dict[str, Any], out: list[Issue]) -> list[Any] | None:
    """``rec["messages"]``, or None with missing_messages_list added to ``out``."""
    msgs = rec.get("messages")
    if not isinstance(msgs, list) or not msgs:
        out.append(_e("missing_messages_list", "no non-empty 'messages' list",
                      'write {"messages": [{"role": ..., "content": ...}, ...]}'))
        return None
    return msgs


def _known_messages(msgs: list[Any], out: list[Issue], keys: frozenset[str],
                    roles: frozenset[str], roles_fix: str
                    ) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(1-based index, message, role) of each message that is an object with a known role;
    the others, and unknown keys, are reported in ``out`` as the iteration reaches them."""
    for j, m in enumerate(msgs, 1):
        if not isinstance(m, dict):
            out.append(_e("bad_message", f"message {j} is not an object", "make it an object"))
            continue
        out.extend(_unknown_keys(m, keys, f"message {j}"))
        role = _role(m)
        if role not in roles:
            out.append(_e("unrecognized_role", f"message {j} has role {role!r}", roles_fix))
            continue
        yield j, m, role


def check_mistral(rec: dict[str, Any]) -> list[Issue]:
    """Mistral instruct: one system at most, last role assistant, 9-character call ids."""
    out = _unknown_keys(rec, MISTRAL_TOP, "top level")
    msgs = _messages_list(rec, out)
    if msgs is None:
        return out
    roles = []
    for j, m, role in _known_messages(msgs, out, MISTRAL_MSG_KEYS, MISTRAL_ROLES,
                                      "use system, user, assistant or tool"):
        roles.append(role)
        calls = m.get("tool_calls")
        out.extend(_content_issues(m, j, role == "assistant" and bool(calls)))
        if "weight" in m and (role != "assistant" or not _weight_ok(m["weight"])):
            out.append(_e("bad_weight", f"message {j} has weight {m['weight']!r}",
                          "weight goes on assistant messages only, 0 or 1"))
        ids = [tc.get("id") for tc in calls if isinstance(tc, dict)] \
            if isinstance(calls, list) else []
        if calls is not None and (not isinstance(calls, list)
                                  or any(not isinstance(tc, dict) for tc in calls)):
            out.append(_e("bad_tool_call", f"message {j}: tool_calls is not a list of objects",
                          'use [{"id": "abcDEF123", "type": "function", "function": {...}}]'))
        if role == "tool":
            ids.append(m.get("tool_call_id"))
        for tid in ids:
            if not (isinstance(tid, str) and MISTRAL_CALL_ID.fullmatch(tid)):
                out.append(_e("bad_tool_call_id", f"message {j}: tool call id {tid!r} is not "
                              "9 letters or digits", "use ids of exactly 9 characters [a-zA-Z0-9]"))
    if roles.count("system") > 1:
        out.append(_e("too_many_system", f"{roles.count('system')} system messages",
                      "keep one system message"))
    if "assistant" not in roles:
        out.append(_e("no_assistant_message", "no assistant message",
                      "add the assistant answer to train on"))
    elif roles[-1] != "assistant":
        out.append(_e("last_role", f"the last message is '{roles[-1]}'",
                      "end with the assistant answer"))
    return out


def check_llama3(rec: dict[str, Any]) -> list[Issue]:
    """Llama 3 / Together conversational: system or user first, then alternating."""
    out = _unknown_keys(rec, LLAMA_TOP, "top level")
    msgs = _messages_list(rec, out)
    if msgs is None:
        return out
    roles = []
    for j, m, role in _known_messages(msgs, out, LLAMA_MSG_KEYS, LLAMA_ROLES,
                                      "use system, user, assistant or tool (ipython)"):
        roles.append(role)
        out.extend(_content_issues(m, j, False))
        if "weight" in m and not _weight_ok(m["weight"]):
            out.append(_e("bad_weight", f"message {j} has weight {m['weight']!r}",
                          "use weight 0 or 1"))
    if "assistant" not in roles:
        out.append(_e("no_assistant_message", "no assistant message",
                      "add the assistant answer to train on"))
    if roles and roles[0] == "system":
        roles = roles[1:]
    if "system" in roles:
        out.append(_e("first_role", "a system message after the conversation started",
                      "put the one system message first"))
        roles = [r for r in roles if r != "system"]
    out.extend(_sides_issues(roles, frozenset({"user", "ipython", "tool"}), frozenset({"user"}),
                             None))
    return out


CHECKERS: dict[str, Callable[[dict[str, Any]], list[Issue]]] = {
    "openai": check_openai,
    "anthropic": check_anthropic,
    "gemini": check_gemini,
    "mistral": check_mistral,
    "llama3": check_llama3,
    "together": check_llama3,
}
