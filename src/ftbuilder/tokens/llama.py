"""Llama 3.x targets: the official chat template (docs/providers.md §5) counted with the llama3 BPE.

Llama 3.1/3.2/3.3 (``meta-llama/Llama-3.1-8B-Instruct`` tokenizer_config.json chat template,
no tools)::

    <|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n
    Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n{system | trim}<|eot_id|>
    then per message: <|start_header_id|>{role}<|end_header_id|>\n\n{content | trim}<|eot_id|>

The system block is written even without a system message (the date header alone); a tool
result is an ``ipython`` turn whose content the template writes through ``tojson``. Llama 3.0
(``Meta-Llama-3-8B-Instruct``) has no system block of its own: every message is a header
turn with its content trimmed. Llama 3.2's template takes today's date when the renderer
gives one; we always write the fixed date of the 3.1 template (reproducible files).

Special tokens are single ids (128000 begin_of_text, 128006 start_header_id, 128007
end_header_id, 128009 eot_id). Text between special tokens is BPE-encoded on its own, so a
message costs 3 special tokens + tokens("{role}") + tokens("\n\n{content}"), and the
conversation 1 more for ``<|begin_of_text|>``. Counting those pieces in one batch gives the
same total as encoding the rendered template with special tokens recognised, except that a
special-token string typed inside content is counted as ordinary text (the safe reading of
user data). The role ``tool`` is rendered as Llama's ``ipython``.

``assistant`` = tokens of the assistant messages' trimmed content alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np

from ftbuilder.tokens.base import BatchCounts, MessageList, sum_by_owner, text_of
from ftbuilder.tokens.openai import count_texts, encoding

BEGIN_OF_TEXT = "<|begin_of_text|>"
START_HEADER = "<|start_header_id|>"
END_HEADER = "<|end_header_id|>"
EOT = "<|eot_id|>"
SPECIALS_PER_MESSAGE = 3  # start_header_id, end_header_id, eot_id
ROLE_MAP = {"tool": "ipython", "function": "ipython"}
DATE_HEADER = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"


def tool_json(content: str) -> str:
    """A tool result as the 3.1 template writes it: ``content | tojson`` (a Jinja string is
    iterable), with the chat-template ``tojson`` of Hugging Face (non-ASCII kept)."""
    return json.dumps(content, ensure_ascii=False)


def blocks(messages: MessageList, version: str = "3.1") -> list[tuple[str, str]]:
    """(header role, body) of each turn of the template of ``version`` ("3.1" or "3.0")."""
    out: list[tuple[str, str]] = []
    msgs = [m for m in messages if isinstance(m, dict)]
    if version != "3.0":
        system = ""
        if msgs and msgs[0].get("role") == "system":
            system = text_of(msgs[0].get("content")).strip()
            msgs = msgs[1:]
        out.append(("system", DATE_HEADER + system))
    for m in msgs:
        role = str(m.get("role", ""))
        content = text_of(m.get("content"))
        if role in ROLE_MAP and version != "3.0":
            out.append(("ipython", tool_json(content)))
        else:
            out.append((ROLE_MAP.get(role, role), content.strip()))
    return out


def render(messages: MessageList, version: str = "3.1") -> str:
    """The Llama 3 chat template as text (special tokens as their strings)."""
    return BEGIN_OF_TEXT + "".join(f"{START_HEADER}{role}{END_HEADER}\n\n{body}{EOT}"
                                   for role, body in blocks(messages, version))


class Llama3Counter:
    """Exact Llama 3 template counts (quicktok ``llama3`` encoding)."""

    name = "llama3"
    exact = True
    method = ("llama3 BPE (quicktok, exact) + Llama 3.1 chat template (begin_of_text, "
              "date header, trimmed messages, header ids, eot per message)")

    def __init__(self) -> None:
        self.enc = encoding("llama3")
        self._roles: dict[str, int] = {}

    def _role_count(self, role: str) -> int:
        n = self._roles.get(role)
        if n is None:
            n = self._roles[role] = self.enc.count(role)
        return n

    def count_lists(self, lists: Sequence[MessageList], threads: int = 0) -> BatchCounts:
        n = len(lists)
        base = np.empty(n, dtype=np.int64)
        texts: list[str] = []
        owner: list[int] = []
        asst_texts: list[str] = []
        asst_owner: list[int] = []
        for i, msgs in enumerate(lists):
            b = 1  # <|begin_of_text|>
            for role, body in blocks(msgs):
                b += SPECIALS_PER_MESSAGE + self._role_count(role)
                texts.append("\n\n" + body)
                owner.append(i)
            for m in msgs:
                if isinstance(m, dict) and m.get("role") == "assistant":
                    asst_texts.append(text_of(m.get("content")).strip())
                    asst_owner.append(i)
            base[i] = b
        totals = base + sum_by_owner(owner, count_texts(self.enc, texts, threads), n)
        assistant = sum_by_owner(asst_owner, count_texts(self.enc, asst_texts, threads), n)
        return BatchCounts(totals, assistant, True, self.method)

    def count_text(self, text: str) -> int:
        return self.enc.count(text)
