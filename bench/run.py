"""`make bench`: every performance target, measured in one run against its named baseline.

Each bench/bench_<area>.py module exposes ``run(out)`` where ``out(line)`` prints one line.
Pass area names to run only those: ``python -m bench.run tokens validate``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

ORDER = ["tokens", "validate", "pipeline", "export", "ingest", "curate", "llm", "sources",
         "tui"]


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    found = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
                   if m.name.startswith("bench_"))
    areas = argv or [a for a in ORDER if a in found] + [a for a in found if a not in ORDER]
    failed = 0
    for area in areas:
        print(f"\n== {area} ==", flush=True)
        t0 = time.perf_counter()
        try:
            importlib.import_module(f"bench.bench_{area}").run(lambda s: print(s, flush=True))
        except Exception as e:  # a broken bench must not hide the others' figures
            failed += 1
            print(f"FAILED: {type(e).__name__}: {e}", flush=True)
        print(f"({area}: {time.perf_counter() - t0:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
