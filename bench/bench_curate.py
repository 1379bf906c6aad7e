"""Curation on 100,000 samples: content checks (`ftb filter`, every rule), near-duplicate
removal (`ftb dedup`) and PII scrubbing (`ftb scrub`), through the services on a real store.

Samples are real prose (PEP 1, tests/quality/data/SOURCES.md): each answer is two to four
sentences of a chunk (two neighbouring paragraphs, kept as its source, as create mode
does) with a quarter of the words swapped for other words of the text; its question names
two of its words; 5% are near-copies of an earlier sample and 1% carry an
e-mail address or phone number. Figures: samples/s of each step, the dedup's peak Python
memory (tracemalloc: MinHash signatures, LSH bands, clusters), the process's peak RSS.
Targets: the whole pass (filter + dedup + scrub) under 60 s and 1 GB.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.bench_pipeline import peak_rss_mb  # VmHWM: ru_maxrss keeps the parent's size
from ftbuilder.config import load_settings
from ftbuilder.core.types import Conversation, Message
from ftbuilder.services.context import AppContext
from ftbuilder.services.curate import dedup_dataset, filter_dataset, scrub_dataset
from ftbuilder.store.db import Store

N = 100_000
ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "quality" / "data" / "pep-0001-excerpt.rst"
TARGET_S, TARGET_MB = 60.0, 1024.0


def make_samples(n: int, seed: int = 7) -> Iterator[Conversation]:
    """The samples, streamed (the bench's own data must not weigh on the peak RSS)."""
    text = FIXTURE.read_text(encoding="utf-8")
    paras = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if len(p.split()) >= 25]
    sentences = [re.split(r"(?<=[.!?])\s+", p) for p in paras]
    vocab = sorted(set(re.findall(r"\b[a-z]{4,}\b", text)))
    rng = random.Random(seed)
    out: deque[Conversation] = deque(maxlen=500)
    for _ in range(n):
        if out and rng.random() < 0.05:  # a near-copy of an earlier sample
            prev = rng.choice(out)
            answer = prev.messages[1].content.replace(" the ", " a ", 1)
            yield Conversation([Message("user", prev.messages[0].content),
                                Message("assistant", answer)], meta=dict(prev.meta))
            continue
        k = rng.randrange(len(paras) - 1)  # a chunk: two neighbouring paragraphs
        chunk = [(k, s) for s in sentences[k]] + [(k + 1, s) for s in sentences[k + 1]]
        picked = rng.sample(chunk, min(len(chunk), rng.randrange(2, 5)))
        # a quarter of the words swapped for other words of the text: distinct samples
        # (the fixture has ~300 sentences, 100,000 answers would repeat), still grounded
        answer = " ".join(w if rng.random() < 0.75 or not w.isalpha() or not w.islower()
                          else rng.choice(vocab) for s in picked for w in s[1].split())
        if rng.random() < 0.01:
            answer += rng.choice([" Write to pep-desk@example.org.", " Call +1 415-555-0132."])
        words = [*re.findall(r"[a-z]{5,}", answer.lower()), "proposals", "editors"]
        question = "What does PEP 1 say about " + " and ".join(rng.sample(words, 2)) + "?"
        source = paras[k] + "\n\n" + paras[k + 1]
        conv = Conversation([Message("user", question), Message("assistant", answer)],
                            token_count=len(answer) // 4,
                            meta={"origin": "generated", "source_text": source})
        out.append(conv)
        yield conv


def run(out: Callable[[str], None], n: int = N) -> None:
    """Measure in a process of its own: `make bench` runs every area in one process, whose
    peak RSS would be the largest of all the areas run before this one, not the curation's."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_curate", str(n)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        out(line.rstrip("\n"))
    if proc.wait() != 0:
        raise RuntimeError(f"the curation bench process failed (exit {proc.returncode})")


def measure(out: Callable[[str], None], n: int = N) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(ROOT / "config.yaml", root=ROOT, environ={})
        ctx = AppContext(settings, Store(Path(tmp) / "bench.db"))
        ds = ctx.store.create_dataset("bench", "openai", "gpt-4o-mini-2024-07-18", "create")
        ctx.store.add_samples(ds.id, make_samples(n))
        out(f"{n:,} samples of real prose (5% near-copies, 1% PII) in a store")

        t0 = time.perf_counter()
        f = filter_dataset(ctx, "bench", engine="local")
        t_filter = time.perf_counter() - t0
        out(f"filter (all {len(f.settings['rules'])} rules): {n / t_filter:,.0f} samples/s "
            f"({t_filter:.1f} s), flagged {f.flagged:,}: {f.by_reason}")

        # peak memory first, in a dry run (tracemalloc slows everything: not timed)
        tracemalloc.start()
        dedup_dataset(ctx, "bench", dry_run=True)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        t0 = time.perf_counter()
        d = dedup_dataset(ctx, "bench", engine="local")
        t_dedup = time.perf_counter() - t0
        out(f"dedup: {n / t_dedup:,.0f} samples/s ({t_dedup:.1f} s), peak memory "
            f"{peak:,.0f} MB, {len(d.clusters):,} clusters, {d.removed:,} removed")

        t0 = time.perf_counter()
        s = scrub_dataset(ctx, "bench")
        t_scrub = time.perf_counter() - t0
        m = s.remaining or 1
        out(f"scrub: {m / t_scrub:,.0f} samples/s ({t_scrub:.1f} s), {s.changed:,} rewritten: "
            f"{s.by_reason}")
        ctx.close()
    total = t_filter + t_dedup + t_scrub
    rss = peak_rss_mb()
    ok = total < TARGET_S and rss < TARGET_MB
    out(f"whole pass: {total:.1f} s (target < {TARGET_S:.0f} s), peak RSS {rss:,.0f} MB "
        f"(target < {TARGET_MB:,.0f} MB): {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    measure(lambda line: print(line, flush=True), int(sys.argv[1]) if len(sys.argv) > 1 else N)
