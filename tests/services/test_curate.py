"""Curation services and commands on a real store file: filter flags or drops (undo from the
automatic backup), dedup and scrub change the dataset unless --dry-run, the reports count
per reason; the CLI prints them (and --json)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from agents.llm_fakes import project_settings
from ftbuilder.cli.main import main
from ftbuilder.core.errors import UsageError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.services.context import AppContext
from ftbuilder.services.curate import dedup_dataset, filter_dataset, scrub_dataset
from ftbuilder.store.db import Store
from quality.planted import dedup_set, pii_set, sections, source


@pytest.fixture
def ctx(tmp_path: Path):
    c = AppContext(project_settings(tmp_path), Store(tmp_path / "memory" / "store.db"))
    yield c
    c.close()


def _add(ctx, convs, name="cur"):
    ds = ctx.store.create_dataset(name, "openai", "gpt-4o-mini-2024-07-18", "create")
    for c in convs:
        c.id = None
    ctx.store.add_samples(ds.id, convs)
    return ds


def _mixed() -> list[Conversation]:
    paras = [p for _, p in sections()]
    src = source()
    meta = {"origin": "generated", "source_text": src}
    return [
        Conversation([Message("user", "What is a PEP?"), Message("assistant", paras[1])],
                     meta=dict(meta)),
        Conversation([Message("user", "How much does a PEP cost?"),
                      Message("assistant", "A PEP costs $2,000 to submit.")], meta=dict(meta)),
        Conversation([Message("user", "Who reviews it?"),
                      Message("assistant", paras[2][:120].rstrip(". "))], meta=dict(meta)),
    ]


def test_filter_flags_then_drop_is_undone_from_the_backup(ctx):
    ds = _add(ctx, _mixed())
    rep = filter_dataset(ctx, "cur", ["grounding", "truncated"])
    assert (rep.checked, rep.flagged, rep.removed) == (3, 2, 0)
    assert rep.by_reason == {"grounding": 1, "truncated": 1}
    metas = [c.meta for c in ctx.store.iter_samples(ds.id)]
    assert metas[1]["flags"] == ["grounding"]
    assert metas[1]["flag_reasons"]["grounding"] == 'ungrounded price "$2,000"'
    dropped = filter_dataset(ctx, "cur", ["grounding", "truncated"], drop=True)
    assert dropped.removed == 2 and dropped.remaining == 1 and dropped.backup
    ctx.store.close()
    # undo: the backup made before the removal is the store as it was
    shutil.copy(dropped.backup, ctx.store.path)
    with sqlite3.connect(ctx.store.path) as con:
        assert con.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 3
    ctx.store = Store(ctx.store.path)


def test_filter_dry_run_and_unknown_rule(ctx):
    ds = _add(ctx, _mixed())
    rep = filter_dataset(ctx, "cur", ["grounding"], drop=True, dry_run=True)
    assert rep.flagged == 1 and rep.removed == 0 and rep.backup is None
    assert all("flags" not in c.meta for c in ctx.store.iter_samples(ds.id))
    with pytest.raises(UsageError):
        filter_dataset(ctx, "cur", ["nope"])


def test_dedup_dry_run_then_removal_keeps_the_best_of_each_cluster(ctx):
    convs, _ = dedup_set()
    _add(ctx, convs)
    preview = dedup_dataset(ctx, "cur", 0.8, dry_run=True)
    assert preview.removed == 0 and preview.flagged >= 60 and len(preview.clusters) >= 30
    assert ctx.store.get_dataset("cur").total_samples == len(convs)
    rep = dedup_dataset(ctx, "cur", 0.8)
    assert rep.removed == preview.flagged and rep.backup
    assert rep.by_reason == {"near-duplicate": rep.removed}
    assert rep.remaining == len(convs) - rep.removed
    with pytest.raises(UsageError):
        dedup_dataset(ctx, "cur", 1.5)


def test_scrub_replaces_with_typed_placeholders_and_recounts_tokens(ctx):
    texts, values = pii_set()
    convs = [Conversation([Message("user", "Who do I contact?"), Message("assistant", t)])
             for t in texts]
    ds = _add(ctx, convs)
    preview = scrub_dataset(ctx, "cur", dry_run=True)
    assert preview.flagged == len(texts) and preview.changed == 0
    rep = scrub_dataset(ctx, "cur")
    assert rep.changed == len(texts) and rep.backup
    assert rep.by_reason["API_KEY"] == 6 and rep.by_reason["CARD"] == 4
    answers = " ".join(c.messages[1].content for c in ctx.store.iter_samples(ds.id))
    assert not any(v in answers for _, v in values)
    assert "[IBAN]" in answers and "[PRIVATE_KEY]" in answers
    assert all(c.token_count for c in ctx.store.iter_samples(ds.id))


def test_cli_commands_report_per_reason(ctx, tmp_path, capsys):
    _add(ctx, _mixed())
    db = str(ctx.store.path)
    ctx.store.close()
    assert main(["--db", db, "filter", "cur", "--rules", "grounding,truncated"]) == 0
    out = capsys.readouterr().out
    assert "cur: 2 of 3 samples flagged" in out and "grounding" in out
    assert main(["--db", db, "filter", "cur", "--rules", "grounding", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_reason"] == {"grounding": 1}
    assert main(["--db", db, "dedup", "cur", "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert main(["--db", db, "filter", "cur", "--rules", "spelling"]) == 2
    assert "error: unknown rule: spelling" in capsys.readouterr().err
    assert main(["--db", db, "dedup", "cur", "--threshold", "2"]) == 2
    ctx.store = Store(db)
