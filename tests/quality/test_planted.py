"""Precision and recall of grounding, near-duplicate removal and scrubbing on planted cases
in real prose (PEP 1, tests/quality/data/SOURCES.md). The figures are printed (-s) for the
README; the issue asks for >= 0.95 on each."""

from __future__ import annotations

from ftbuilder.quality.clusters import cluster
from ftbuilder.quality.filters import grounding
from ftbuilder.quality.filters.base import FilterOptions, SampleView
from ftbuilder.quality.scrub import find, scrub_text
from quality.planted import (
    LOOKALIKES,
    dedup_scores,
    dedup_set,
    grounding_set,
    pii_set,
)


def test_grounding_precision_and_recall():
    tp = fp = fn = 0
    for conv, planted in grounding_set():
        flagged = grounding.check(SampleView(conv), FilterOptions()) is not None
        tp += flagged and planted
        fp += flagged and not planted
        fn += planted and not flagged
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"grounding: precision {precision:.3f} recall {recall:.3f} ({tp + fn} planted)")
    assert tp + fn >= 30 and precision >= 0.95 and recall >= 0.95


def test_grounding_names_the_unsupported_span():
    conv, _ = next((c, p) for c, p in grounding_set() if p)
    why = grounding.check(SampleView(conv), FilterOptions())
    assert why is not None and why.startswith("ungrounded ") and '"' in why


def test_dedup_precision_and_recall_with_hard_negatives_kept():
    convs, groups = dedup_set()
    result = cluster(convs, 0.8, 3, "conversation")
    dropped = set(result.dropped)
    precision, recall = dedup_scores(groups, dropped)
    print(f"dedup: precision {precision:.3f} recall {recall:.3f} "
          f"({len(convs)} samples, {len(result.clusters)} clusters)")
    assert precision >= 0.95 and recall >= 0.95
    templated = {c.id for c in convs if c.messages[0].content.startswith("How long does")}
    assert len(templated) == 12 and not templated & dropped  # same template, other facts


def test_scrub_recall_precision_and_lookalikes_untouched():
    texts, values = pii_set()
    hit = placed = right = 0
    for text, (kind, value) in zip(texts, values, strict=True):
        out, counts = scrub_text(text)
        hit += value not in out and counts[kind] >= 1
        for f in find(text):
            placed += 1
            right += f.value in value or value in f.value
    recall, precision = hit / len(values), right / placed
    print(f"scrub: recall {recall:.3f} precision {precision:.3f} ({len(values)} planted)")
    assert recall >= 0.95 and precision >= 0.95
    for text in LOOKALIKES:
        assert scrub_text(text)[0] == text, find(text)
