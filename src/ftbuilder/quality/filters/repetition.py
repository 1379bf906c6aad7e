"""Repetition (the Gopher rules as datatrove applies them): the share of an answer's
characters inside word n-grams that occur more than once, and lines repeated 3+ times.

Flagged when duplicated ``repetition_ngram``-grams cover more than ``max_repeated_share`` of
the answer's words (answers of 30+ words), or one line of 20+ characters appears 3 times.
"""

from __future__ import annotations

from collections import Counter

from ftbuilder.quality.filters.base import FilterOptions, SampleView, cut


def repeated_share(words: list[str], n: int) -> float:
    """Share of ``words`` covered by an n-gram that occurs more than once."""
    if len(words) < n + 1:
        return 0.0
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    counts = Counter(grams)
    covered = [False] * len(words)
    for i, g in enumerate(grams):
        if counts[g] > 1:
            for j in range(i, i + n):
                covered[j] = True
    return sum(covered) / len(words)


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    for answer in sample.answers:
        lines = Counter(ln.strip() for ln in answer.splitlines() if len(ln.strip()) >= 20)
        line, times = lines.most_common(1)[0] if lines else ("", 0)
        if times >= 3:
            return f'line repeated {times} times: "{cut(line)}"'
        words = answer.lower().split()
        if len(words) < 30:
            continue
        share = repeated_share(words, opts.repetition_ngram)
        if share > opts.max_repeated_share:
            return (f"{share:.0%} of the answer is repeated {opts.repetition_ngram}-word "
                    "phrases")
    return None
