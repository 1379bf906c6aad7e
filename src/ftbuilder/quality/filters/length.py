"""Length: every assistant answer has at least ``min_answer_chars`` characters (after
whitespace is trimmed) and the whole sample at most ``max_sample_chars``."""

from __future__ import annotations

from ftbuilder.quality.filters.base import FilterOptions, SampleView


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    if not sample.answers:
        return "no assistant answer"
    shortest = min(len(a.strip()) for a in sample.answers)
    if shortest < opts.min_answer_chars:
        return f"answer of {shortest} characters (minimum {opts.min_answer_chars})"
    total = len(sample.text)
    if total > opts.max_sample_chars:
        return f"{total:,} characters (maximum {opts.max_sample_chars:,})"
    return None
