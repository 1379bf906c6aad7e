"""PII and secrets left in a sample (the detectors of :mod:`ftbuilder.quality.scrub`): the
reason lists the kinds found; ``ftb scrub`` replaces them with typed placeholders."""

from __future__ import annotations

from ftbuilder.quality.filters.base import FilterOptions, SampleView
from ftbuilder.quality.scrub import find


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    kinds: dict[str, int] = {}
    for m in sample.conv.messages:
        for f in find(str(m.content)):
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
    if not kinds:
        return None
    return "contains " + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
