"""Fault cases of ingestion on real files: symlinks out of the input folder (a stand-in for
/etc/shadow holding a canary), symlink loops, a FIFO in the folder, NUL characters (issue 8,
items 7, 10, 12). The canary must be nowhere: not in the store, not in any LLM request."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import ftbuilder
from agents.llm_fakes import ChatStub, conversations_json, project_settings
from ftbuilder.config import load_settings
from ftbuilder.services.context import AppContext
from ftbuilder.services.ingest import ingest_paths
from ftbuilder.store.db import Store

CANARY = "CANARY-7f3a-SHADOW"
POLICY = "\n\n".join(f"Section {i}. Refunds for plan {i} are issued within {i + 10} days. "
                     f"Items must be unused." for i in range(6))


def hostile_inputs(root: Path) -> Path:
    """input/ with a good file, links out (file and folder), loops, and a FIFO."""
    outside = root / "outside"
    (outside / "private").mkdir(parents=True)
    (outside / "shadow").write_text(f"root:{CANARY}:19000:0:99999:7:::\n")
    (outside / "private" / "notes.txt").write_text(f"{CANARY} in a folder\n")
    inputs = root / "input"
    (inputs / "deep").mkdir(parents=True)
    (inputs / "policy.md").write_text(POLICY, encoding="utf-8")
    (inputs / "shadow.txt").symlink_to(outside / "shadow")
    (inputs / "private").symlink_to(outside / "private")
    (inputs / "deep" / "back").symlink_to("../..")  # up and out
    (inputs / "deep" / "self").symlink_to(".")  # a folder loop
    (inputs / "loop.txt").symlink_to("loop.txt")  # a file loop (RuntimeError before)
    os.mkfifo(inputs / "pipe.md")
    return inputs


def store_text(db: Path) -> str:
    """Every value of every table of the store, and its raw bytes (WAL included)."""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        values = [json.dumps(con.execute(f"SELECT * FROM {t}").fetchall(), default=str)
                  for t in tables]
    finally:
        con.close()
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    return "\n".join(values) + raw.decode("latin-1")


@pytest.mark.fault
def test_links_out_and_loops_are_skipped_and_the_rest_is_ingested(tmp_path):
    inputs = hostile_inputs(tmp_path)
    db = tmp_path / "store.db"
    ctx = AppContext(load_settings(root=tmp_path, environ={}), Store(db))
    try:
        result = ingest_paths(ctx, [inputs])
    finally:
        ctx.close()
    by_name = {Path(r.path).name: r for r in result.reports}
    assert by_name["policy.md"].status == "ok" and result.ok == 1 and result.failed == 0
    assert {n: r.error for n, r in by_name.items() if r.status == "skipped"} == {
        "shadow.txt": "skipped: symlink to outside the input folder",
        "private": "skipped: symlink to outside the input folder",
        "back": "skipped: symlink to outside the input folder",
        "self": "skipped: symlink loop",
        "loop.txt": "skipped: symlink loop",
        "pipe.md": "skipped: not a regular file (it is a FIFO/named pipe)"}
    assert CANARY not in store_text(db)
    assert "Refunds for plan 3" in store_text(db)


@pytest.mark.fault
def test_a_build_never_sends_a_file_outside_the_folder_to_the_llm(tmp_path):
    inputs = hostile_inputs(tmp_path)
    project_settings(tmp_path)  # prompts/
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"system": {"max_retries": 0}}))
    sent: list[str] = []

    def reply(body: dict, rid: str) -> str:
        sent.append(json.dumps(body))
        return conversations_json(rid, 2)

    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(FTB_ROOT=str(tmp_path), PYTHONPATH=str(Path(ftbuilder.__file__).parents[1]))
    with ChatStub(text=reply) as stub:
        p = subprocess.run(
            [sys.executable, "-m", "ftbuilder", "--db", str(tmp_path / "store.db"), "build",
             "--mode", "create", "--input", str(inputs), "--name", "safe", "--provider",
             "openai", "--model", "gpt-4o-mini-2024-07-18", "--size", "4",
             "--agent-provider", "openai", "--agent-model", "stub-model",
             "--base-url", stub.url], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=240, stdin=subprocess.DEVNULL)
    assert "internal error" not in p.stderr, p.stderr
    assert p.returncode == 0, p.stdout + p.stderr
    assert sent and any("Refunds for plan" in b for b in sent)  # the good file was used
    assert not any(CANARY in b for b in sent)
    assert CANARY not in store_text(tmp_path / "store.db")


@pytest.mark.fault
def test_nul_characters_never_reach_the_store(tmp_path):
    inputs = tmp_path / "input"
    inputs.mkdir()
    (inputs / "u16.txt").write_bytes("before\x00after, in UTF-16".encode("utf-16"))
    (inputs / "rec.jsonl").write_text(json.dumps({"q": "a\x00b", "a\x00k": ["c\x00d"]}) + "\n")
    db = tmp_path / "store.db"
    ctx = AppContext(load_settings(root=tmp_path, environ={}), Store(db))
    try:
        result = ingest_paths(ctx, [inputs])
    finally:
        ctx.close()
    assert result.ok == 2
    docs = {Path(d.path).name: d for d in result.documents}
    assert docs["u16.txt"].text == "beforeafter, in UTF-16"
    assert docs["rec.jsonl"].records == [(1, {"q": "ab", "ak": ["cd"]})]
    con = sqlite3.connect(db)
    rows = con.execute("SELECT text, report, payload FROM documents").fetchall()
    con.close()
    assert len(rows) == 2
    for text, report, payload in rows:
        assert not has_nul(text) and not has_nul(json.loads(report))
        assert not has_nul(json.loads(payload))


def has_nul(value: object) -> bool:
    """A real NUL character in any string (or key) of a JSON value."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False
