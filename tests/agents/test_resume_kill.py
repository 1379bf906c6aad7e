"""Kill -9 a running `ftb build --mode create` and run it again: the resumed run ends with
exactly the requested samples, no duplicates, and no LLM call repeated for finished work.

The agent is an OpenAI-compatible stub on 127.0.0.1 (in this process) that records how many
times it answered each distinct request; the build runs in a subprocess (the real CLI)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from .llm_fakes import REPO, ChatStub, project_settings

SIZE = 60
CONCURRENCY = 3
POLICY = "\n\n".join(
    f"Section {i}. Refunds for plan {i} are issued within {i + 10} days of the return. "
    f"Items must be unused. Contact billing team {i} for exceptions." for i in range(12))


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # not created yet


def _build(root: Path, stub: ChatStub) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "ftbuilder", "--db", str(root / "store.db"), "build",
           "--mode", "create", "--input", str(root / "input"), "--name", "killed",
           "--provider", "openai", "--model", "gpt-4o-mini-2024-07-18", "--size", str(SIZE),
           "--agent-provider", "openai", "--agent-model", "stub-model",
           "--base-url", stub.url, "--concurrency", str(CONCURRENCY)]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(FTB_ROOT=str(root), PYTHONPATH=str(REPO / "src"))
    return subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)


def test_kill_9_then_resume(tmp_path: Path):
    project_settings(tmp_path)  # copies prompts/
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({
        "agent": {"create": {"chunk_tokens": 120, "chunk_overlap": 10}},
        "system": {"max_retries": 0}}))
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "policy.md").write_text(POLICY, encoding="utf-8")
    db = tmp_path / "store.db"
    seeds: Counter[int] = Counter()

    with ChatStub(delay=0.15) as stub:
        orig = stub.answer

        def answer(body, rid):
            seeds[body["seed"]] += 1
            return orig(body, rid)

        stub.answer = answer  # type: ignore[method-assign]
        proc = _build(tmp_path, stub)
        deadline = time.monotonic() + 120
        while _count(db, "SELECT COUNT(*) FROM samples") < SIZE // 4:
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the build made no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL

        with sqlite3.connect(db) as con:
            killed_at = con.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
            done_keys = [r[0] for r in con.execute(
                "SELECT key FROM work_items WHERE status = 'done'")]
        assert 0 < killed_at < SIZE, "the kill must land mid-run"
        calls_before = stub.total

        resumed = _build(tmp_path, stub)
        out = resumed.communicate(timeout=180)[0].decode()
        assert resumed.returncode == 0, out

    with sqlite3.connect(db) as con:
        total = con.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
        hashes = [r[0] for r in con.execute("SELECT content_hash FROM samples")]
        questions = [json.loads(r[0])[0]["content"] for r in con.execute(
            "SELECT messages FROM samples")]
        statuses = dict(con.execute("SELECT status, COUNT(*) FROM work_items GROUP BY status"))
        nonce = json.loads(con.execute("SELECT config FROM datasets").fetchone()[0]
                           )["generation"]["nonce"]
    assert total == SIZE
    assert len(set(hashes)) == SIZE and len(set(questions)) == SIZE
    # work finished before the kill was never asked again (first attempt's seed: the key
    # mixed with the dataset's nonce, kept across the kill: agents/create.py)
    for key in done_keys:
        seed = int(hashlib.sha256(f"{nonce}\x1f{key}".encode()).hexdigest()[:8], 16)
        assert seeds[seed] == 1, key
    # only requests cut off by the kill may have been answered twice
    assert sum(n > 1 for n in stub.counts.values()) <= CONCURRENCY
    assert stub.total - calls_before <= SIZE // 3 - len(done_keys) + 2 * CONCURRENCY
    assert statuses.get("failed", 0) == 0
