"""``--engine ray``: ingest, identify, ``ftb filter``'s rules and ``ftb dedup``'s signatures
on a local Ray (2 CPUs) write exactly what the local engine writes (docs/scale.md).

Ray is the optional extra ``.[scale]``; ``make test`` installs it first and sets
FTB_REQUIRE_RAY=1, so there a missing Ray fails these tests instead of skipping them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
from pathlib import Path

import pytest

from agents.llm_fakes import project_settings
from ftbuilder.core.types import Conversation, Message
from ftbuilder.services import curate
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.services.engine import make_engine
from ftbuilder.store.db import Store
from quality.planted import dedup_set, grounding_set, pii_set, sections, source

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


def _curation_set() -> list[Conversation]:
    """Real prose (PEP 1, public domain; tests/quality/planted.py): planted near-copies,
    faithful and ungrounded answers, PII, truncated and empty answers."""
    convs, _ = dedup_set()
    convs += [c for c, _ in grounding_set()]
    texts, _ = pii_set()
    convs += [Conversation([Message("user", "Who do I contact?"), Message("assistant", t)])
              for t in texts]
    paras = [p for _, p in sections()]
    convs += [Conversation([Message("user", f"What does part {i} say?"),
                            Message("assistant", p[:90] if i % 3 == 0 else p)],
                           meta={"origin": "generated", "source_text": source()})
              for i, p in enumerate(paras)]
    for c in convs:
        c.id = None
    return convs


def _curate(root: Path, engine: str | None, monkeypatch, config_engine: str = "local"):
    root.mkdir()
    ctx = AppContext(project_settings(root), Store(root / "store.db"))
    ctx.settings.config.system.engine = config_engine
    ds = ctx.store.create_dataset("cur", "openai", "gpt-4o-mini-2024-07-18", "create")
    ctx.store.add_samples(ds.id, _curation_set())
    monkeypatch.setattr(curate, "RAY_BATCH", 150)  # several Ray jobs per pass
    reports = [curate.filter_dataset(ctx, "cur", engine=engine),
               curate.dedup_dataset(ctx, "cur", 0.8, engine=engine),
               curate.filter_dataset(ctx, "cur", ["length", "grounding"], drop=True,
                                     engine=engine)]
    ctx.close()
    figures = []
    for r in reports:
        d = r.to_dict()
        figures.append((d.pop("settings").pop("engine"),
                        {k: v for k, v in d.items() if k != "backup"}))
    return figures, _query(root / "store.db", "SELECT id, messages, meta, content_hash "
                                              "FROM samples ORDER BY id")


def test_filter_and_dedup_on_ray_write_what_local_writes(tmp_path: Path, ray_engine,
                                                         monkeypatch) -> None:
    local, local_rows = _curate(tmp_path / "local", "local", monkeypatch)
    ray, ray_rows = _curate(tmp_path / "ray", "ray", monkeypatch)
    assert [e for e, _ in local] == ["local"] * 3 and [e for e, _ in ray] == ["ray"] * 3
    assert [f for _, f in ray] == [f for _, f in local]
    assert ray_rows == local_rows
    # the passes did something worth comparing: flags of several rules, clusters, removals
    flagged, dedup, dropped = (f for _, f in local)
    assert flagged["flagged"] >= 40 and len(flagged["by_reason"]) >= 3
    assert dedup["removed"] >= 60 and len(dedup["clusters"]) >= 30
    assert dropped["removed"] >= 10
    assert len(local_rows) == dropped["remaining"]


def test_system_engine_in_config_sends_curation_to_ray(tmp_path: Path, ray_engine,
                                                       monkeypatch) -> None:
    # what the app's runs use: config.yaml system.engine, no flag
    figures, _ = _curate(tmp_path / "cfg", None, monkeypatch, config_engine="ray")
    assert [e for e, _ in figures] == ["ray"] * 3


def test_cli_filter_and_dedup_take_engine_ray(tmp_path: Path, ray_engine, capsys) -> None:
    from ftbuilder.cli.main import main

    root = tmp_path / "cli"
    root.mkdir()
    store = Store(root / "store.db")
    ds = store.create_dataset("cur", "openai", "gpt-4o-mini-2024-07-18", "create")
    store.add_samples(ds.id, _curation_set())
    store.close()
    db = str(root / "store.db")
    assert main(["--db", db, "filter", "cur", "--engine", "ray", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"]["engine"] == "ray" and data["flagged"] >= 40
    assert main(["--db", db, "dedup", "cur", "--engine", "ray"]) == 0
    out = capsys.readouterr().out
    assert "engine=ray" in out and "removed" in out
