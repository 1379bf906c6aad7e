"""Claude targets: an ESTIMATE. There is no public offline tokenizer for Claude 3.

Anthropic's own rule of thumb is about 3.5 English characters per token. The conversation is
measured in the legacy prompt layout (``\\n\\nHuman: {user}\\n\\nAssistant: {assistant}``,
system text first), so role markers are included: tokens = ceil(characters / 3.5). Exact
counts need ``client.messages.count_tokens`` with a key (docs/providers.md §2); this module does
not call the network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ftbuilder.tokens.base import BatchCounts, MessageList, text_of

CHARS_PER_TOKEN = 3.5
MARKERS = {"user": "\n\nHuman: ", "assistant": "\n\nAssistant: ", "system": ""}


class ClaudeEstimate:
    """Characters / 3.5 over the conversation in Claude's prompt layout."""

    name = "estimate"
    exact = False
    method = (f"estimate: characters / {CHARS_PER_TOKEN} in Claude's prompt layout (no offline "
              "Claude tokenizer; exact counts need the count_tokens API)")

    def count_lists(self, lists: Sequence[MessageList], threads: int = 0) -> BatchCounts:
        n = len(lists)
        totals = np.zeros(n, dtype=np.int64)
        assistant = np.zeros(n, dtype=np.int64)
        for i, msgs in enumerate(lists):
            chars = asst = 0
            for m in msgs:
                if not isinstance(m, dict):
                    continue
                role = m.get("role")
                text = text_of(m.get("content"))
                marker = MARKERS.get(role, "\n\nHuman: ") if isinstance(role, str) else ""
                chars += len(marker) + len(text)
                if role == "assistant":
                    asst += len(text)
            totals[i] = math.ceil(chars / CHARS_PER_TOKEN)
            assistant[i] = math.ceil(asst / CHARS_PER_TOKEN)
        return BatchCounts(totals, assistant, False, self.method)

    def count_text(self, text: str) -> int:
        return math.ceil(len(text) / CHARS_PER_TOKEN)
