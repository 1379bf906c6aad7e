"""Truncated or empty answers: an empty last answer, a reply the backend cut at its token
limit (meta ``finish_reason`` "length", kept by the build), or a last answer that stops
mid-sentence.

Mid-sentence means: at least 40 characters, ending in a letter, digit or comma, on a line
that is not a list item, table row, heading or code (those legitimately end without a full
stop). Unclosed code fences are the markdown check's.
"""

from __future__ import annotations

import re

from ftbuilder.quality.filters.base import FilterOptions, SampleView, cut

_STRUCTURED = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|\||#|>|```|~~~|    |\t)")


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    if sample.meta.get("finish_reason") == "length":
        return "cut at the token limit (finish_reason: length)"
    msgs = sample.conv.messages
    if not msgs or msgs[-1].role != "assistant":
        return "does not end with an assistant answer"
    last = str(msgs[-1].content).rstrip()
    if not last:
        return "empty answer"
    if len(last) < 40:
        return None
    line = last.rsplit("\n", 1)[-1]
    if _STRUCTURED.match(line) or last.count("```") % 2:
        return None
    if last[-1].isalnum() or last[-1] == ",":
        return f'ends mid-sentence: "…{cut(last[-40:], 42)}"'
    return None
