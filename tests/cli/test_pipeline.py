"""The documented tour through real subprocesses: the installed `ftb` console script and
`python -m ftbuilder`, on a copy of input_files/, with FTB_DB in tmp_path."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from ftbuilder.services.export_files import exported

REPO = Path(__file__).resolve().parents[2]
CONSOLE = Path(sys.executable).with_name("ftb")


def run(cmd, project, db):
    env = {**os.environ, "FTB_DB": str(db), "FTB_ROOT": str(project)}
    return subprocess.run(cmd, cwd=project, env=env, capture_output=True, text=True,
                          timeout=240, stdin=subprocess.DEVNULL)


def test_console_script_tour(project, tmp_path):
    shutil.copytree(REPO / "input_files", project / "input_files", dirs_exist_ok=True)
    db = tmp_path / "tour.db"

    def ftb(*args):
        return run([str(CONSOLE), *map(str, args)], project, db)

    ing = ftb("ingest", "input_files", "--json")
    assert ing.returncode == 0, ing.stderr
    assert json.loads(ing.stdout)["failed"] == 0

    build = ftb("build", "--mode", "identify", "--input", "input_files", "--name", "tour",
                "--json")
    assert build.returncode == 0, build.stderr
    added = json.loads(build.stdout)["samples_added"]
    assert added >= 10

    val = ftb("validate", "tour", "--json")
    assert val.returncode == 0, val.stdout
    report = json.loads(val.stdout)
    assert report["ok"] and report["examples"] == added

    sp = ftb("split", "tour", "--ratio", "0.8", "--json")
    assert sp.returncode == 0, sp.stderr
    counts = json.loads(sp.stdout)["counts"]
    assert counts["train"] + counts["validation"] == added and counts["validation"] > 0

    ex = ftb("export", "tour", "--format", "openai", "--out", project / "out")
    assert ex.returncode == 0, ex.stderr
    out = project / "out"
    assert exported(out) == ["metadata.csv", "stats.json",
                                                     "train.jsonl", "validation.jsonl"]
    n = sum(len(p.read_text().splitlines()) for p in (out / "train.jsonl",
                                                      out / "validation.jsonl"))
    assert n == added

    ds = sqlite3.connect(db).execute("SELECT name, total_samples FROM datasets").fetchall()
    assert ds == [("tour", added)]
    assert "tour" in ftb("datasets").stdout


def test_python_m_matches_console_exit_codes(project, tmp_path):
    db = tmp_path / "m.db"
    usage = run([sys.executable, "-m", "ftbuilder", "split"], project, db)
    assert usage.returncode == 2
    missing = run([sys.executable, "-m", "ftbuilder", "stats", "nope"], project, db)
    assert missing.returncode == 1
    assert missing.stderr.splitlines()[0] == "error: no dataset named 'nope'"
