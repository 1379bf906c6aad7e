"""Split services: preview writes nothing, apply is deterministic, groups on both sides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.core.errors import NotFoundError, UsageError
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import import_file
from ftbuilder.services.split import apply_split, plan_split
from ftbuilder.store.db import Store


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(tmp_path / "s.db"))
    yield c
    c.close()


def write(path: Path, n: int, start: int = 0, keywords: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for i in range(start, start + n):
            rec = {"messages": [{"role": "user", "content": f"{path.stem} question {i}"},
                                {"role": "assistant", "content": f"answer {i}"}]}
            if keywords:
                rec |= {"topic_keywords": [keywords[i % len(keywords)]], "source_file": "k"}
            f.write(json.dumps(rec) + "\n")
    return path


@pytest.fixture
def three_sources(ctx: AppContext, tmp_path: Path) -> str:
    for name, n in (("big", 40), ("mid", 9), ("tiny", 1)):
        import_file(ctx, write(tmp_path / f"{name}.jsonl", n), "ds")
    return "ds"


def splits(ctx: AppContext, name: str) -> dict[int, str | None]:
    return {k[0]: k[3] for k in ctx.store.sample_keys(ctx.store.get_dataset(name).id)}


def test_preview_writes_nothing(ctx: AppContext, three_sources: str) -> None:
    plan = plan_split(ctx, three_sources, 0.8, strategy="weighted")
    assert not plan.applied
    assert set(splits(ctx, three_sources).values()) == {None}
    assert plan.counts == {"train": 32 + 7 + 1, "validation": 8 + 2, "test": 0}
    d = plan.to_dict()
    assert "assignments" not in d
    assert d["groups"][0] == {"group": "big.jsonl", "total": 40, "train": 32, "validation": 8,
                              "test": 0, "note": ""}
    assert d["groups"][-1]["note"] == "1 sample: train only"
    assert d["warnings"] == ["1 group: 1 sample: train only"]
    assert not list((Path(ctx.store.path).parent / "backups").glob("*.db"))


def test_apply_is_deterministic_and_backs_up_an_earlier_split(ctx: AppContext,
                                                              three_sources: str) -> None:
    first = apply_split(ctx, plan_split(ctx, three_sources, 0.9, 0.05, "random", seed=5))
    assert first.applied and first.backup is None
    assigned = splits(ctx, three_sources)
    assert sorted(assigned.values()).count("test") == first.counts["test"] == 3
    again = apply_split(ctx, plan_split(ctx, three_sources, 0.9, 0.05, "random", seed=5))
    assert splits(ctx, three_sources) == assigned
    assert again.backup is not None and Path(again.backup).exists()
    other = apply_split(ctx, plan_split(ctx, three_sources, 0.9, 0.05, "random", seed=6))
    assert splits(ctx, three_sources) != assigned and other.applied
    assert ctx.store.get_dataset(three_sources).config["split"] == {
        "ratio": 0.9, "test": 0.05, "strategy": "random", "weight_by": "source", "seed": 6}


def test_weighted_by_source_puts_every_group_on_both_sides(ctx: AppContext,
                                                           three_sources: str) -> None:
    apply_split(ctx, plan_split(ctx, three_sources, 0.7, strategy="weighted"))
    by_source: dict[str, set[str]] = {}
    ds = ctx.store.get_dataset(three_sources)
    for c in ctx.store.iter_samples(ds.id):
        by_source.setdefault(c.source_file, set()).add(c.split)
    assert by_source == {"big.jsonl": {"train", "validation"},
                         "mid.jsonl": {"train", "validation"}, "tiny.jsonl": {"train"}}


def test_weighted_by_first_keyword(ctx: AppContext, tmp_path: Path) -> None:
    import_file(ctx, write(tmp_path / "g.jsonl", 30, keywords=["Apples", "pears", "plums"]), "kw")
    plan = plan_split(ctx, "kw", 0.8, strategy="weighted", weight_by="keywords")
    assert {g.group: (g.train, g.validation) for g in plan.groups} == {
        "apples": (8, 2), "pears": (8, 2), "plums": (8, 2)}


def test_plan_made_stale_by_new_samples_is_recomputed(ctx: AppContext, tmp_path: Path) -> None:
    import_file(ctx, write(tmp_path / "a.jsonl", 10), "ds")
    plan = plan_split(ctx, "ds", 0.8)
    import_file(ctx, write(tmp_path / "a.jsonl", 5, start=10), "ds")
    applied = apply_split(ctx, plan)
    assert applied.total == 15 and None not in set(splits(ctx, "ds").values())
    assert "recomputed" in applied.warnings[-1]


def test_errors(ctx: AppContext, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        plan_split(ctx, "nope", 0.8)
    ctx.store.create_dataset("empty", "openai", "gpt-4o-mini-2024-07-18", "import")
    with pytest.raises(UsageError, match="no samples"):
        plan_split(ctx, "empty", 0.8)
    import_file(ctx, write(tmp_path / "a.jsonl", 3), "ds")
    with pytest.raises(UsageError, match="test share"):
        plan_split(ctx, "ds", 0.8, test=0.3)
    with pytest.raises(UsageError, match="weight-by"):
        plan_split(ctx, "ds", 0.8, weight_by="topic")


def test_a_train_split_below_the_targets_minimum_is_warned_before_export(
        ctx: AppContext, tmp_path: Path) -> None:
    # 12 samples pass OpenAI's 10-example minimum as a dataset; a 0.7 split leaves train 8
    import_file(ctx, write(tmp_path / "few.jsonl", 12), "few")
    plan = plan_split(ctx, "few", 0.7)
    assert plan.counts["train"] < 10
    (warning,) = [w for w in plan.warnings if w.startswith("train gets")]
    assert f"train gets {plan.counts['train']} examples" in warning
    assert "needs at least 10" in warning and "raise --ratio" in warning
    assert not [w for w in plan_split(ctx, "few", 0.9).warnings if w.startswith("train")]
