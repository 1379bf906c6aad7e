"""Fault case of `ftb repos prepare`, for real: kill -9 of the `ftb` process in the middle of
a prepare against a slow loopback LLM stub, then the same command again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents.llm_fakes import REPO, ChatStub
from ftbuilder.store.db import Store
from ftbuilder.store.sources import SourceStore
from sources.gitfixtures import make_repo

SRC = Path(__file__).resolve().parents[2] / "src"


def _ftb(project: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "FTB_ROOT": str(project),
           "FTB_DB": str(project / "store.db"), "OPENAI_API_KEY": "sk-test"}
    return subprocess.Popen([sys.executable, "-m", "ftbuilder", *args], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.fault
def test_kill_9_during_prepare_then_the_same_command_finishes_without_redoing(tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    shutil.copytree(REPO / "prompts", project / "prompts")
    (project / "config.yaml").write_text("system:\n  max_retries: 0\n")
    make_repo(project / "repos" / "acme" / "many",
              {f"m{i:02d}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(12)})
    with ChatStub(delay=0.4) as stub:
        args = ("repos", "prepare", "--name", "code", "--agent-provider", "openai",
                "--agent-model", "stub", "--base-url", stub.url, "--concurrency", "2")
        proc = _ftb(project, *args)
        end = time.monotonic() + 60
        while sum(stub.counts.values()) < 4 and time.monotonic() < end:
            time.sleep(0.05)
        proc.kill()
        proc.communicate(timeout=30)
        with Store(project / "store.db") as store:
            ds = store.get_dataset("code")
            rows = SourceStore(store).files(ds.id)
            done_at_kill = {k for k, (st, _) in store.work_states(ds.id).items() if st == "done"}
        assert 0 < len(done_at_kill) < 12
        asked_before = stub.total
        again = _ftb(project, *args)
        _out, err = again.communicate(timeout=120)
        assert again.returncode == 0, err
        rerun = stub.total - asked_before
        assert rerun == 12 - len(done_at_kill)  # finished items were not asked again
    with Store(project / "store.db") as store:
        ds = store.get_dataset("code")
        rows = SourceStore(store).files(ds.id)
        assert {r.status for r in rows.values()} == {"done"} and len(rows) == 12
        states = store.work_states(ds.id)
        assert all(states[k][0] == "done" for r in rows.values() for k in r.items)
        sources = [c.source_file for c in store.iter_samples(ds.id)]
        assert len(set(sources)) == 12
