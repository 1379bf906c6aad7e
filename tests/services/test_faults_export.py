"""Export folders: distinct folders for distinct names, and an export killed with SIGKILL at
any moment never makes ftb refuse its own files afterwards (the manifest lists both
contents of a file while it is being replaced)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import import_file
from ftbuilder.services.export import export_dataset, folder_name
from ftbuilder.services.export_files import MANIFEST, exported
from ftbuilder.store.db import Store


@pytest.mark.fault
def test_distinct_names_get_distinct_safe_folders() -> None:
    names = [".", "..", "...", "dataset", " dataset ", "_", "a/b", "a_b", "a\\b", "a:b",
             folder_name("."), "ünï", "x\x00y", "x\x1by"]
    folders = [folder_name(n) for n in names]
    assert len(set(folders)) == len(names), dict(zip(names, folders, strict=True))
    for f in folders:
        assert f and f not in (".", "..") and "/" not in f and "\\" not in f
        assert not any(ord(c) < 32 for c in f)
    assert folder_name("dataset") == "dataset" and folder_name("ünï") == "ünï"
    assert folder_name(".").startswith("dataset-") and folder_name("a/b").startswith("a_b-")


EXPORT = """
import sys
from pathlib import Path
from ftbuilder.config import load_settings
from ftbuilder.services.context import AppContext
from ftbuilder.services.export import export_dataset
from ftbuilder.store.db import Store
ctx = AppContext(load_settings(root=Path(sys.argv[3]), environ={}), Store(sys.argv[1]))
print("go", flush=True)
export_dataset(ctx, "many", "openai", sys.argv[2])
"""


@pytest.mark.fault
def test_an_export_killed_at_any_moment_leaves_files_ftb_still_owns(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    ctx = AppContext(load_settings(root=tmp_path, environ={}), Store(db))
    src = tmp_path / "many.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for i in range(3000):
            f.write(json.dumps({"messages": [{"role": "user", "content": f"q {i} " + "w " * 20},
                                             {"role": "assistant", "content": "a"}]}) + "\n")
    import_file(ctx, src, "many", near_threshold=None)
    out = tmp_path / "out"
    export_dataset(ctx, "many", "openai", out)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    rng = random.Random(8)
    for _ in range(6):
        p = subprocess.Popen([sys.executable, "-c", EXPORT, str(db), str(out), str(tmp_path)],
                             env=env, stdout=subprocess.PIPE, text=True)
        assert p.stdout.readline().strip() == "go"
        time.sleep(rng.uniform(0.0, 1.5))
        p.send_signal(signal.SIGKILL)
        p.communicate()
        r = export_dataset(ctx, "many", "openai", out)  # never "not written by ftb"
        assert r.examples == 3000
        assert exported(out) == ["dataset.jsonl", "metadata.csv", "stats.json"]
        assert not [n for n in os.listdir(out) if n.endswith(".tmp")]
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["dataset.jsonl", "metadata.csv", "stats.json"]
    assert all(len(h) == 1 for h in manifest["files"].values())
    ctx.close()
