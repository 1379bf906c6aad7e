"""Scale bench (docs/scale.md): a fleet of endpoints, and the Ray engine against the local one.

1. Requests per second through the pool client (``--base-url`` x4) against four
   OpenAI-compatible servers that answer after 100 ms, each in its own process, at
   concurrency 64: target >= 0.85 of the ideal 64 / 0.1 s = 640/s.
2. Identify on 20,000 small documents, and ``ftb filter`` (all rules) then ``ftb dedup`` on
   20,000 samples of real prose, local engine vs Ray (a local Ray, 2 CPUs): the same
   conversations, and the same rows in the store, from both; the time of each.
3. Single-machine figures for docs/scale.md: identify documents/s (local), the runner's
   samples/s against one fast server, and the store's size per 100,000 samples.

    python -m bench.run scale
"""

from __future__ import annotations

import asyncio
import importlib.util
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_llm import ServerProcess, runner_rate

LATENCY = 0.100
ENDPOINTS = 4
CONCURRENCY = 64
N = 1280
TARGET = 0.85
DOCS = 20_000


def fleet_rate(urls: list[str], n: int = N) -> tuple[float, list[dict]]:
    from ftbuilder.backends.base import LLMRequest
    from ftbuilder.backends.openai_client import OpenAIClient
    from ftbuilder.backends.pool import PoolClient

    async def main() -> tuple[float, list[dict]]:
        pool = PoolClient([OpenAIClient("bench-model", base_url=u, api_key="sk-bench",
                                        timeout=30, max_retries=0) for u in urls])
        sem = asyncio.Semaphore(CONCURRENCY)

        async def one(i: int) -> None:
            async with sem:
                await pool.agenerate(LLMRequest(
                    messages=[{"role": "user", "content": f"QA pair #{i}"}], max_tokens=64))

        await asyncio.gather(*(one(-i) for i in range(1, CONCURRENCY + 1)))  # warm up
        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - t0
        figures = pool.endpoint_stats()
        await pool.aclose()
        return n / elapsed, figures

    return asyncio.run(main())


def _documents(n: int) -> list:
    from ftbuilder.core.types import Document, Segment

    docs = []
    for i in range(n):
        text = "\n".join(f"Q: How do I reset password {i}-{j}?\nA: Open settings {j} and "
                         f"choose reset for account {i}." for j in range(3))
        docs.append(Document(path=f"/bench/doc{i:05d}.txt", sha256=f"{i:064x}", type="txt",
                             segments=[Segment(text, "line 1-6")]))
    return docs


def engines(out: Callable[[str], None]) -> None:
    from ftbuilder.extract.identify import IdentifyOptions
    from ftbuilder.services.engine import LocalEngine, identify_all, make_engine

    docs = _documents(DOCS)
    opts = IdentifyOptions()
    t0 = time.perf_counter()
    local = identify_all(LocalEngine(), docs, opts)
    t_local = time.perf_counter() - t0
    found = sum(map(len, local))
    out(f"identify, {DOCS:,} documents, local engine: {t_local:.1f} s "
        f"({DOCS / t_local:,.0f} documents/s, {found:,} conversations)")
    if importlib.util.find_spec("ray") is None:
        out("  Ray engine: not installed (pip install '.[scale]'); skipped")
        return
    t0 = time.perf_counter()
    engine = make_engine("ray", num_cpus=2)
    t_start = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        on_ray = identify_all(engine, docs, opts)
        t_ray = time.perf_counter() - t0
    finally:
        engine.close()
    same = [[c.messages for c in x] for x in on_ray] == [[c.messages for c in x] for x in local]
    out(f"identify, {DOCS:,} documents, Ray engine (local Ray, 2 CPUs): {t_ray:.1f} s "
        f"(+{t_start:.1f} s to start Ray; {DOCS / t_ray:,.0f} documents/s); same results: "
        f"{'YES' if same else 'NO'}")


def _curate_on(engine: str, n: int) -> tuple[float, float, list[tuple]]:
    """filter then dedup of ``n`` samples (bench_curate's real prose) in a fresh store on
    ``engine``: (filter s, dedup s, the samples' rows after)."""
    import sqlite3

    from bench.bench_curate import ROOT, make_samples
    from ftbuilder.config import load_settings
    from ftbuilder.services.context import AppContext
    from ftbuilder.services.curate import dedup_dataset, filter_dataset
    from ftbuilder.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        ctx = AppContext(load_settings(ROOT / "config.yaml", root=ROOT, environ={}), Store(db))
        ds = ctx.store.create_dataset("bench", "openai", "gpt-4o-mini-2024-07-18", "create")
        ctx.store.add_samples(ds.id, make_samples(n))
        t0 = time.perf_counter()
        filter_dataset(ctx, "bench", engine=engine)
        t_filter = time.perf_counter() - t0
        t0 = time.perf_counter()
        dedup_dataset(ctx, "bench", engine=engine)
        t_dedup = time.perf_counter() - t0
        ctx.close()
        with sqlite3.connect(db) as con:
            rows = con.execute("SELECT id, messages, meta FROM samples ORDER BY id").fetchall()
    return t_filter, t_dedup, rows


def curation_engines(out: Callable[[str], None], n: int = DOCS) -> None:
    f_local, d_local, local = _curate_on("local", n)
    out(f"filter + dedup, {n:,} samples, local engine: filter {f_local:.1f} s "
        f"({n / f_local:,.0f}/s), dedup {d_local:.1f} s ({n / d_local:,.0f}/s); "
        f"{len(local):,} samples left")
    if importlib.util.find_spec("ray") is None:
        out("  Ray engine: not installed (pip install '.[scale]'); skipped")
        return
    # each command starts (and stops) its own local Ray, as `ftb filter --engine ray` does
    f_ray, d_ray, on_ray = _curate_on("ray", n)
    out(f"filter + dedup, {n:,} samples, Ray engine (local Ray, all CPUs; each command "
        f"starts Ray): filter {f_ray:.1f} s, dedup {d_ray:.1f} s; same rows in the store: "
        f"{'YES' if on_ray == local else 'NO'}")


def store_size(out: Callable[[str], None], n: int = 20_000) -> None:
    from ftbuilder.core.types import Conversation, Message
    from ftbuilder.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "size.db"
        store = Store(path)
        ds = store.create_dataset("size", "openai", "gpt-4o-mini-2024-07-18", "create")
        convs = [Conversation([Message("user", f"How long do refunds for plan {i} take, and "
                                               "what if the item was opened?"),
                               Message("assistant", f"Refunds for plan {i} take {i % 30 + 1} "
                                                    "days; opened items get store credit.")],
                              topic_keywords=["refunds", f"plan{i}"], source_file="policy.md",
                              token_count=48) for i in range(n)]
        t0 = time.perf_counter()
        store.add_samples(ds.id, convs)
        elapsed = time.perf_counter() - t0
        store.close()  # the last connection closing checkpoints the WAL into the file
        size = path.stat().st_size
    out(f"store: {n:,} two-turn samples in {elapsed:.1f} s ({n / elapsed:,.0f}/s), "
        f"{size / 1e6:.1f} MB -> {size * 100_000 / n / 1e6:.0f} MB per 100,000 samples")


def run(out: Callable[[str], None]) -> None:
    fleet(out)
    rest(out)


def fleet(out: Callable[[str], None]) -> None:
    procs = [ServerProcess(LATENCY) for _ in range(ENDPOINTS)]
    for p in procs:
        p.__enter__()
    try:
        rate, figures = fleet_rate([p.url for p in procs])
    finally:
        for p in procs:
            p.__exit__()
    ideal = CONCURRENCY / LATENCY
    out(f"fleet of {ENDPOINTS} endpoints at {LATENCY * 1000:.0f} ms, concurrency {CONCURRENCY}, "
        f"{N} requests: {rate:.0f}/s (ideal {ideal:.0f}/s, {rate / ideal:.0%}); target "
        f">={TARGET:.0%}: {'MET' if rate / ideal >= TARGET else 'MISSED'}")
    out("  per endpoint: " + ", ".join(f"{f['ok']} ({f['share']:.0%})" for f in figures))


def rest(out: Callable[[str], None]) -> None:
    engines(out)
    curation_engines(out)
    with ServerProcess(0.0) as server:
        samples, _ = runner_rate(server.url, 16, n=400)
    out(f"runner, create mode, 400 samples against a server answering at once, concurrency "
        f"16: {samples:.0f} samples/s")
    store_size(out)
