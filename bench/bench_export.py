"""Export bench: 100,000 conversations written in each trainer format, rows/s per format.

The dataset (the pipeline bench's generator: a third with a system prompt, 1-2 turns) is
imported and split 0.9/0.05/0.05 first (not timed, token counting skipped: no target model
spec matters here); then ``export_dataset`` runs once per format of issue 10, metadata.csv
and stats.json included as a user gets them. Figures only (no target was named).

    python -m bench.run export          # or: python bench/bench_export.py [N]
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_pipeline import generate

N = 100_000
FORMATS = ("sharegpt", "alpaca", "llamafactory", "axolotl", "together", "chatml", "llama3",
           "llama3.0", "gemma", "mistral-instruct", "mistral-instruct-tekken",
           "mistral-instruct-v7", "harmony", "parquet")


def run(out: Callable[[str], None], n: int = N, formats: tuple[str, ...] = FORMATS) -> None:
    from ftbuilder.config import load_settings
    from ftbuilder.services.context import AppContext
    from ftbuilder.services.datasets import import_file
    from ftbuilder.services.export import export_dataset
    from ftbuilder.services.split import apply_split, plan_split
    from ftbuilder.store.db import Store

    with tempfile.TemporaryDirectory(prefix="ftb-bench-export-") as tmp:
        root = Path(tmp)
        generate(root / "data.jsonl", n)
        ctx = AppContext(load_settings(root=root, environ={}), Store(root / "bench.db"))
        t = time.perf_counter()
        import_file(ctx, root / "data.jsonl", "bench", near_threshold=None)
        apply_split(ctx, plan_split(ctx, "bench", 0.9, 0.05))
        out(f"{n:,} conversations imported and split in {time.perf_counter() - t:.1f} s "
            "(not timed)")
        for fmt in formats:
            t = time.perf_counter()
            r = export_dataset(ctx, "bench", fmt, root / fmt)
            dt = time.perf_counter() - t
            size = sum(f.bytes for f in r.files) / 1e6
            out(f"{fmt:<24} {dt:7.2f} s  {r.examples / dt:>9,.0f} rows/s  {size:8.1f} MB"
                + (f"  ({r.skipped:,} skipped)" if r.skipped else ""))
        ctx.close()


if __name__ == "__main__":
    import sys

    run(print, int(sys.argv[1]) if len(sys.argv) > 1 else N)
