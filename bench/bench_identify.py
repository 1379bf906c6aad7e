"""Identify mode over the real-document corpus (tests/extract/corpus): documents/s and MB/s.

Each document is read (``read_document``) and identified (``identify_document``), as a
build does; the corpus is timed whole, best of ``ROUNDS``, after one warm-up round (imports
and file-system cache). Baseline: the same corpus through the code at commit 4ab7d63,
before issue 11 (its readers did not know .rst/.adoc, so those were given to it as .txt),
measured once on the development machine, see README.md "Identify on real documents".
Target: no slower per MB than that baseline.
"""

from __future__ import annotations

import time
from pathlib import Path

from ftbuilder.extract.identify import identify_document
from ftbuilder.ingest import read_document

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "extract" / "corpus"
ROUNDS = 30
BASELINE_MB_S = 2.99  # measured once at 4ab7d63: 2.80-2.99 MB/s, 383-410 documents/s (best of 40)
MB = 1024 * 1024


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir()
                  if p.suffix not in (".json", ".py") and p.name != "SOURCES.md")


def one_round(files: list[Path]) -> tuple[float, int]:
    t0 = time.perf_counter()
    found = 0
    for f in files:
        found += len(identify_document(read_document(f)))
    return time.perf_counter() - t0, found


def run(out) -> None:
    files = corpus_files()
    size = sum(f.stat().st_size for f in files)
    one_round(files)  # warm-up
    best, found = min(one_round(files) for _ in range(ROUNDS))
    out(f"identify corpus: {len(files)} documents, {size / 1024:.1f} KB, {found} conversations")
    out(f"identify: {len(files) / best:.1f} documents/s, {size / MB / best:.2f} MB/s "
        f"(best of {ROUNDS}: {best * 1000:.0f} ms)")
    if BASELINE_MB_S:
        verdict = "MET" if size / MB / best >= BASELINE_MB_S else "NOT MET"
        out(f"baseline at 4ab7d63: {BASELINE_MB_S:.2f} MB/s; no slower per MB: {verdict}")
