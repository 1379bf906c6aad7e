"""``--engine ray``: ingest, identify, the quality rules and near-duplicate detection on a
local Ray (2 CPUs) give exactly what the local engine gives (docs/scale.md).

Ray is the optional extra ``.[scale]``; ``make test`` installs it first and sets
FTB_REQUIRE_RAY=1, so there a missing Ray fails these tests instead of skipping them.
"""

from __future__ import annotations

import importlib.util
import os
import sqlite3
from pathlib import Path

import pytest

from agents.llm_fakes import project_settings
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.services.engine import (
    LocalEngine,
    make_engine,
    near_duplicates,
    quality_issues,
)
from ftbuilder.store.db import Store

if importlib.util.find_spec("ray") is None:
    if os.environ.get("FTB_REQUIRE_RAY") == "1":
        raise RuntimeError("FTB_REQUIRE_RAY=1 but Ray is not installed: pip install '.[scale]'")
    pytest.skip("Ray is not installed here (the scale extra: pip install '.[scale]'; make test "
                "installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def ray_engine():
    engine = make_engine("ray", num_cpus=2)
    yield engine
    engine.close()


def _corpus(root: Path, n: int = 24) -> Path:
    d = root / "input"
    d.mkdir()
    for i in range(n):
        turns = "\n".join(f"Q: How do I reset password {i}-{j}?\nA: Open settings {j} and "
                          f"choose reset for account {i}." for j in range(3))
        (d / f"faq{i:03d}.txt").write_text(turns, encoding="utf-8")
    (d / "notes.md").write_text("# Notes\n\nNo conversation here at all.", encoding="utf-8")
    return d


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


def test_identify_build_on_ray_writes_what_local_writes(tmp_path: Path, ray_engine) -> None:
    inputs = _corpus(tmp_path)
    out = {}
    for engine in ("local", "ray"):
        root = tmp_path / engine
        root.mkdir()
        ctx = AppContext(project_settings(root), Store(root / "store.db"))
        req = BuildRequest("identify", [inputs], "faq", "openai", "gpt-4o-mini-2024-07-18",
                           llm_fallback=False, engine=engine)
        result = build(ctx, req)
        ctx.close()
        db = root / "store.db"
        out[engine] = (_query(db, "SELECT messages, source_file, location, content_hash, "
                                  "token_count FROM samples ORDER BY id"),
                       _query(db, "SELECT path, sha256, text FROM documents ORDER BY path"),
                       result.found, result.samples_added)
    assert out["local"][3] > 0
    assert out["ray"] == out["local"]


def test_quality_rules_and_near_duplicates_on_ray_match_local(ray_engine) -> None:
    from ftbuilder.quality.dedup import find_near_duplicates

    records = [{"messages": [{"role": "user", "content": f"q{i}"},
                             {"role": "assistant", "content": "" if i % 7 == 0 else f"a{i}"}]}
               for i in range(300)]
    assert quality_issues(ray_engine, records, "openai") == \
        quality_issues(LocalEngine(), records, "openai")
    texts = [f"the refund policy for plan {i % 40} says returns take {i % 40} days and must "
             f"be unused items only with receipt number {i % 40}" for i in range(400)]
    local = near_duplicates(LocalEngine(), texts)
    assert near_duplicates(ray_engine, texts) == local
    from ftbuilder.core.types import Conversation, Message

    convs = [Conversation([Message("user", t)]) for t in texts]
    assert local == find_near_duplicates(convs)
    assert sum(x is not None for x in local) >= 300
