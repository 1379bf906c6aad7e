"""Sources bench: `ftb repos prepare` throughput and a 1,000,000-row Parquet import.

1. prepare over a real git repository of 2,000 source files against a local OpenAI-compatible
   server answering after 100 ms (bench_llm's server, in its own process), concurrency 16:
   files per second next to the ideal (16 / 0.1 s = 160 files/s: one LLM item per file),
   then the same prepare again (unchanged files: the LLM calls it makes, expected 0).
2. `ftb import` of a 1,000,000-row Parquet file (Alpaca columns) in a child process: rows per
   second and the child's peak resident memory (bounded: record batches committed one by
   one).

    python -m bench.run sources
    python -m bench.bench_sources --files 200 --rows 50000   (a quick run)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

FILES = 2000
ROWS = 1_000_000
CONCURRENCY = 16
ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "b", "GIT_AUTHOR_EMAIL": "b@example.com",
           "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}


def _source(i: int) -> str:
    return (f'"""Module {i}: helpers for order number {i}."""\n\n\n'
            f"def total_{i}(items, tax=0.{i % 9 + 1}):\n"
            f'    """Sum the prices of items for order {i} and add the tax rate."""\n'
            "    subtotal = sum(p for p in items)\n"
            "    return round(subtotal * (1 + tax), 2)\n")


def make_repo(folder: Path, files: int) -> None:
    for i in range(files):
        f = folder / f"pkg{i // 100:02d}" / f"mod_{i:04d}.py"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(_source(i), encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=folder, env=GIT_ENV, check=True)


def bench_prepare(out: Callable[[str], None], files: int) -> None:
    from bench.bench_llm import ServerProcess
    from ftbuilder.config import Settings, parse_config
    from ftbuilder.services.context import AppContext
    from ftbuilder.services.repos import PrepareRequest, prepare
    from ftbuilder.store.db import Store

    with tempfile.TemporaryDirectory() as tmp, ServerProcess() as server:
        root = Path(tmp)
        shutil.copytree(ROOT / "prompts", root / "prompts")
        make_repo(root / "repos" / "acme" / "big", files)
        settings = Settings(parse_config({"system": {"max_retries": 0, "timeout": 30}}), root,
                            {"OPENAI_API_KEY": "sk-bench"})
        ctx = AppContext(settings, Store(root / "store.db"))
        req = PrepareRequest(name="code", agent_provider="openai", agent_model="bench-model",
                             base_url=server.url, concurrency=CONCURRENCY)
        t0 = time.perf_counter()
        result = prepare(ctx, req)
        seconds = time.perf_counter() - t0
        calls = server.stats()["count"]
        rate = files / seconds
        ideal = CONCURRENCY / 0.100
        out(f"prepare {files:,} files, concurrency {CONCURRENCY}, 100 ms server: "
            f"{seconds:.1f} s, {rate:.0f} files/s = {100 * rate / ideal:.0f}% of the ideal "
            f"{ideal:.0f}/s ({calls:,} LLM calls, {result.samples_added:,} samples, "
            f"{result.pairs_added:,} of them docstring pairs, {result.failed} failed)")
        t0 = time.perf_counter()
        again = prepare(ctx, req)
        out(f"prepare again, nothing changed: {time.perf_counter() - t0:.1f} s, "
            f"{server.stats()['count'] - calls} LLM calls, "
            f"{sum(r.unchanged for r in again.repos):,} files unchanged")
        ctx.close()


def child_import(path: str, db: str) -> None:
    """Import ``path`` into a fresh store; print one JSON object of figures."""
    from bench.bench_pipeline import peak_rss_mb
    from ftbuilder.config import load_settings
    from ftbuilder.services.context import AppContext
    from ftbuilder.services.datasets import import_file
    from ftbuilder.store.db import Store

    base = peak_rss_mb()
    ctx = AppContext(load_settings(root=Path(db).parent, environ={}), Store(db))
    t0 = time.perf_counter()
    r = import_file(ctx, path, "big")
    seconds = time.perf_counter() - t0
    print(json.dumps({"rows": r.records, "added": r.added, "seconds": seconds,
                      "peak_mb": peak_rss_mb(), "start_mb": base, "format": r.format}))


def bench_import(out: Callable[[str], None], rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.parquet"
        writer = None
        step = 100_000
        for start in range(0, rows, step):
            n = min(step, rows - start)
            t = pa.table({"instruction": [f"What is item {i}?" for i in range(start, start + n)],
                          "input": [""] * n,
                          "output": [f"Item {i} is the {i % 97}th kind of widget."
                                     for i in range(start, start + n)]})
            writer = writer or pq.ParquetWriter(str(path), t.schema)
            writer.write_table(t, row_group_size=50_000)
        if writer is not None:
            writer.close()
        code = ("import sys; from bench.bench_sources import child_import; "
                "child_import(sys.argv[1], sys.argv[2])")
        p = subprocess.run([sys.executable, "-c", code, str(path), str(Path(tmp) / "s.db")],
                           cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        d = json.loads(p.stdout.strip().splitlines()[-1])
        out(f"import {d['rows']:,} Parquet rows ({d['format']}): {d['seconds']:.1f} s, "
            f"{d['rows'] / d['seconds']:,.0f} rows/s, peak memory {d['peak_mb']:.0f} MB "
            f"({d['start_mb']:.0f} MB after start-up), {d['added']:,} added")


def run(out: Callable[[str], None], files: int = FILES, rows: int = ROWS) -> None:
    bench_prepare(out, files)
    bench_import(out, rows)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=FILES)
    ap.add_argument("--rows", type=int, default=ROWS)
    a = ap.parse_args()
    run(lambda s: print(s, flush=True), a.files, a.rows)
