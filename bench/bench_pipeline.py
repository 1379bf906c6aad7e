"""Pipeline bench: import + split + export of 100,000 OpenAI chat examples.

Target (issue §9): under 30 s and under 1 GB peak memory on this 2-core machine.
The JSONL is generated first (not timed); the pipeline then runs in a fresh subprocess so its
peak RSS (``VmHWM``, see :func:`peak_rss_mb`) is its own: import with token counting and
near-duplicate checks into a file store, a weighted 0.9/0.05/0.05 split, an OpenAI export
(train/validation/test JSONL, metadata.csv, stats.json, each file validated).

    python -m bench.run pipeline          # or: python bench/bench_pipeline.py [N]
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

N = 100_000
TARGET_SECONDS = 30.0
TARGET_MB = 1024.0
STAGES = ("import", "split", "export")
_VOCAB = ("apple pear plum river mountain engine contract invoice patient dosage python "
         "function variable server latency budget forecast harvest soil climate ledger "
         "audit policy claim premium voltage circuit battery orbit galaxy protein enzyme "
         "theorem proof matrix vector tensor gradient router packet cache index query")
WORDS = _VOCAB.split()


def generate(path: Path, n: int, seed: int = 7) -> None:
    """``n`` distinct OpenAI chat lines: a third with a system prompt, 1-2 turns each."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            msgs = [{"role": "system", "content": "You are a concise domain assistant."}] \
                if i % 3 == 0 else []
            for t in range(1 + (i % 4 == 0)):
                q = " ".join(rng.choices(WORDS, k=rng.randint(12, 30)))
                a = " ".join(rng.choices(WORDS, k=rng.randint(30, 90)))
                msgs.append({"role": "user", "content": f"Q{i}.{t}: {q}?"})
                msgs.append({"role": "assistant", "content": f"{a}."})
            f.write(json.dumps({"messages": msgs}) + "\n")


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MB: ``VmHWM`` of /proc/self/status.

    Not ``ru_maxrss``: on Linux a child keeps its parent's RSS at fork in ``ru_maxrss`` even
    after exec, so under ``make bench`` (a parent holding the earlier benches' data) it
    reported the parent's size, not the pipeline's. ``ru_maxrss`` only without /proc.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(folder: str) -> None:
    """Run the timed pipeline and print one JSON object of figures."""
    from ftbuilder.config import load_settings
    from ftbuilder.services.context import AppContext
    from ftbuilder.services.datasets import import_file
    from ftbuilder.services.export import export_dataset
    from ftbuilder.services.split import apply_split, plan_split
    from ftbuilder.store.db import Store

    root = Path(folder)
    ctx = AppContext(load_settings(root=root, environ={}), Store(root / "bench.db"))
    wall, cpu = [time.perf_counter()], [time.process_time()]

    def lap() -> None:
        wall.append(time.perf_counter())
        cpu.append(time.process_time())

    imp = import_file(ctx, root / "data.jsonl", "bench")
    lap()
    apply_split(ctx, plan_split(ctx, "bench", 0.9, 0.05, strategy="weighted"))
    lap()
    exp = export_dataset(ctx, "bench", "openai", root / "out")
    lap()
    ctx.close()
    print(json.dumps({
        **{k: wall[i + 1] - wall[i] for i, k in enumerate(STAGES)},
        **{f"{k}_cpu": cpu[i + 1] - cpu[i] for i, k in enumerate(STAGES)},
        "total": wall[-1] - wall[0], "total_cpu": cpu[-1] - cpu[0],
        "peak_mb": peak_rss_mb(),
        "added": imp.added, "tokens": imp.total_tokens, "token_counts": imp.token_counts,
        "near": imp.near_duplicates,
        "files": {f.name: [f.examples, f.validation] for f in exp.files}}))


def run(out: Callable[[str], None], n: int = N) -> None:
    with tempfile.TemporaryDirectory(prefix="ftb-bench-") as tmp:
        t = time.perf_counter()
        generate(Path(tmp) / "data.jsonl", n)
        out(f"generated {n:,} OpenAI examples in {time.perf_counter() - t:.1f} s (not timed)")
        proc = subprocess.run([sys.executable, __file__, "--child", tmp], capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr.strip().splitlines()[-1] if proc.stderr else
                               f"pipeline exited with {proc.returncode}")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
    for stage in STAGES:
        out(f"{stage:<7} {r[stage]:6.2f} s  ({n / r[stage]:,.0f} examples/s; "
            f"CPU {r[stage + '_cpu']:.2f} s)")
    out(f"import: {r['added']:,} added, {r['tokens']:,} tokens ({r['token_counts']}), "
        f"{r['near']} near-duplicates flagged")
    out("export: " + ", ".join(f"{k} {v[0]:,} ({v[1]})" for k, v in r["files"].items()))
    time_ok = r["total"] < TARGET_SECONDS
    mem_ok = r["peak_mb"] < TARGET_MB
    out(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
        f"pipeline CPU time {r['total_cpu']:.1f} s")
    out(f"total   {r['total']:6.2f} s vs target {TARGET_SECONDS:.0f} s "
        f"({TARGET_SECONDS / r['total']:.2f}x headroom): {'MET' if time_ok else 'NOT MET'}")
    out(f"peak    {r['peak_mb']:6.0f} MB vs target {TARGET_MB:.0f} MB "
        f"({TARGET_MB / r['peak_mb']:.2f}x headroom): {'MET' if mem_ok else 'NOT MET'}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        run(print, int(sys.argv[1]) if len(sys.argv) > 1 else N)
