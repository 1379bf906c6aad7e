"""The pipeline bench measures its own subprocess's peak memory, not its parent's."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_peak_of_a_small_child_of_a_big_parent_is_small() -> None:
    # The parent holds 300 MB when it starts the child (as `make bench` holds the earlier
    # benches' data); ru_maxrss of the child would report those 300 MB.
    big = bytearray(300 * 1024 * 1024)
    big[::4096] = b"\x01" * len(range(0, len(big), 4096))
    code = "from bench.bench_pipeline import peak_rss_mb; print(peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert 1 < float(out) < 200
    del big
