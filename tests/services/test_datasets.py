"""Dataset services on a real in-memory (or tmp_path) SQLite store and real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.core.errors import Cancelled, NotFoundError, UsageError
from ftbuilder.core.progress import CancelToken, Progress
from ftbuilder.services import datasets
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import (
    dataset_stats,
    delete_dataset,
    delete_samples,
    duplicate_dataset,
    import_file,
    list_datasets,
    update_sample,
)
from ftbuilder.store.db import Store


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(":memory:"))
    yield c
    c.close()


@pytest.fixture
def file_ctx(tmp_path: Path) -> AppContext:
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(tmp_path / "db" / "s.db"))
    yield c
    c.close()


def record(i: int, system: bool = False) -> dict:
    msgs = [{"role": "system", "content": "You answer about fruit."}] if system else []
    msgs += [{"role": "user", "content": f"Tell me fact number {i} about apples and pears."},
             {"role": "assistant", "content": f"Fact {i}: fruit number {i} is tasty."}]
    return {"messages": msgs}


def write_jsonl(path: Path, lines: list[object]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def test_import_skips_a_malformed_line_and_keeps_the_rest(ctx: AppContext,
                                                          tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", [record(1), record(2, True), '{"messages": [',
                                                 {"prompt": "x"}, record(3)])
    seen: list[Progress] = []
    r = import_file(ctx, path, "fruit", progress=seen.append)
    assert (r.records, r.added, r.skipped, r.created) == (3, 3, 2, True)
    assert r.errors[0]["line"] == 3 and r.errors[0]["reason"].startswith("invalid JSON")
    assert r.errors[1]["line"] == 4 and "unrecognised record" in r.errors[1]["reason"]
    assert r.formats == {"openai": 3}
    assert (r.provider, r.model) == ("openai", "gpt-4o-mini-2024-07-18")  # config defaults
    samples = list(ctx.store.iter_samples(ctx.store.get_dataset("fruit").id))
    assert [s.location for s in samples] == ["line 1", "line 2", "line 5"]
    assert {s.source_file for s in samples} == {"chat.jsonl"}
    assert samples[1].messages[0].role == "system"
    assert seen and seen[-1].done >= 5


def test_import_counts_tokens_for_the_target(ctx: AppContext, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", [record(i) for i in range(5)])
    r = import_file(ctx, path, "fruit")
    samples = list(ctx.store.iter_samples(ctx.store.get_dataset("fruit").id))
    assert all(s.token_count and s.token_count > 10 for s in samples)
    assert r.token_counts == "exact"
    assert r.total_tokens == sum(s.token_count for s in samples) == r.tokens_added
    claude = import_file(ctx, path, "claude", provider="anthropic")
    assert claude.token_counts == "estimate" and claude.total_tokens > 0


def test_import_into_an_existing_dataset_adds_and_drops_exact_duplicates(
        ctx: AppContext, tmp_path: Path) -> None:
    first = write_jsonl(tmp_path / "a.jsonl", [record(i) for i in range(4)])
    second = write_jsonl(tmp_path / "b.jsonl", [record(i) for i in range(2, 7)] + [record(6)])
    import_file(ctx, first, "fruit")
    r = import_file(ctx, second, "fruit")
    assert (r.created, r.added, r.duplicates, r.total_samples) == (False, 3, 3, 7)
    with pytest.raises(UsageError, match="targets openai"):
        import_file(ctx, second, "fruit", provider="mistral")


def long_text(seed: int) -> str:
    return " ".join(f"w{(seed * 7919 + k * 104729) % 5003}" for k in range(120))


def test_near_duplicates_are_flagged_or_dropped(ctx: AppContext, tmp_path: Path) -> None:
    base = long_text(1)
    near = base.replace(base.split()[60], "CHANGED", 1)
    recs = [{"messages": [{"role": "user", "content": t}, {"role": "assistant", "content": "ok"}]}
            for t in (base, long_text(2), near)]
    path = write_jsonl(tmp_path / "n.jsonl", recs)
    r = import_file(ctx, path, "flag")
    assert (r.added, r.near_duplicates) == (3, 1)
    samples = list(ctx.store.iter_samples(ctx.store.get_dataset("flag").id))
    assert samples[2].meta["near_duplicate_of"] == samples[0].id
    assert r.near_duplicate_examples == [{"line": 3, "of": samples[0].id}]
    assert "near_duplicate_of" not in samples[1].meta
    dropped = import_file(ctx, path, "drop", dedup="near")
    assert (dropped.added, dropped.near_duplicates, dropped.near_dropped) == (2, 1, True)
    # against samples already stored: a near copy of sample 1 in a later file
    later = write_jsonl(tmp_path / "later.jsonl", [recs[2]])
    again = import_file(ctx, later, "drop")
    drop_base = next(ctx.store.iter_samples(ctx.store.get_dataset("drop").id))
    assert (again.added, again.near_duplicates) == (1, 1)
    assert again.near_duplicate_examples == [{"line": 1, "of": drop_base.id}]
    off = import_file(ctx, path, "off", near_threshold=None)
    assert (off.added, off.near_duplicates) == (3, 0)


def test_sharegpt_and_alpaca_files(ctx: AppContext, tmp_path: Path) -> None:
    share = write_jsonl(tmp_path / "s.jsonl", [
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello"}]}])
    alpaca = tmp_path / "a.json"
    alpaca.write_text(json.dumps([{"instruction": "Add", "input": "1+1", "output": "2"},
                                  {"instruction": "Sub", "input": "", "output": "0"}], indent=1),
                      encoding="utf-8")
    assert import_file(ctx, share, "mix", fmt="sharegpt").added == 1
    r = import_file(ctx, alpaca, "mix")
    assert (r.added, r.formats) == (2, {"alpaca": 2})
    convs = list(ctx.store.iter_samples(ctx.store.get_dataset("mix").id))
    assert [m.content for m in convs[1].messages] == ["Add\n\n1+1", "2"]
    assert convs[1].location == "line 2"


def test_explicit_format_that_does_not_match(ctx: AppContext, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "chat.jsonl", [record(1), record(2)])
    r = import_file(ctx, path, "g", fmt="gemini")
    assert (r.added, r.skipped) == (0, 2)
    assert "no 'contents'" in r.errors[0]["reason"]


def test_bad_arguments(ctx: AppContext, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        import_file(ctx, tmp_path / "missing.jsonl", "x")
    path = write_jsonl(tmp_path / "chat.jsonl", [record(1)])
    with pytest.raises(UsageError, match="unknown import format"):
        import_file(ctx, path, "x", fmt="vicuna")  # parquet is read since issue 10
    with pytest.raises(UsageError, match="dedup"):
        import_file(ctx, path, "x", dedup="fuzzy")
    with pytest.raises(NotFoundError, match="not in the registry"):
        import_file(ctx, path, "x", provider="openai", model="gpt-nope")
    assert ctx.store.find_dataset("x") is None
    for blank in ("", "  "):
        with pytest.raises(UsageError, match="name is empty"):
            import_file(ctx, path, blank)
    assert ctx.store.list_datasets() == []


def test_cancel_keeps_the_batches_already_stored(ctx: AppContext, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datasets, "BATCH", 10)
    path = write_jsonl(tmp_path / "chat.jsonl", [record(i) for i in range(35)])
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        import_file(ctx, path, "c", cancel=token)
    assert ctx.store.get_dataset("c").total_samples == 10
    assert ctx.store.list_runs()[0]["status"] == "cancelled"


def test_list_stats_duplicate_update_delete(file_ctx: AppContext, tmp_path: Path) -> None:
    ctx = file_ctx
    path = write_jsonl(tmp_path / "chat.jsonl", [record(i) for i in range(6)])
    import_file(ctx, path, "fruit")
    assert [d.name for d in list_datasets(ctx)] == ["fruit"]
    stats = dataset_stats(ctx, "fruit")
    assert stats["samples"] == 6 and stats["token_counts"] == "exact"
    assert stats["splits"] == {"unsplit": 6} and stats["sources"] == {"chat.jsonl": 6}
    copy = duplicate_dataset(ctx, "fruit", "fruit2")
    assert (copy.total_samples, copy.total_tokens) == (6, stats["tokens"]["total"])
    with pytest.raises(UsageError, match="already exists"):
        duplicate_dataset(ctx, "fruit", "fruit2")
    ds = ctx.store.get_dataset("fruit")
    first, second = list(ctx.store.iter_samples(ds.id))[:2]
    before = first.token_count
    first.messages[1].content = "A much longer answer " * 20
    update_sample(ctx, first)
    assert ctx.store.get_sample(first.id).token_count > before
    second.messages = first.messages
    with pytest.raises(UsageError, match="identical"):
        update_sample(ctx, second)
    backups = tmp_path / "db" / "backups"
    assert delete_samples(ctx, "fruit", [first.id]) == 1
    assert len(list(backups.glob("*delete-samples.db"))) == 1
    delete_dataset(ctx, "fruit")
    assert ctx.store.find_dataset("fruit") is None
    assert len(list(backups.glob("*-delete.db"))) == 1
    assert ctx.store.get_dataset("fruit2").total_samples == 6
    assert datasets.backup(ctx).exists()


def test_stats_carry_the_training_cost_estimate_of_validate(ctx: AppContext,
                                                           tmp_path: Path) -> None:
    from ftbuilder.services.validate import validate_dataset

    import_file(ctx, write_jsonl(tmp_path / "c.jsonl", [record(i) for i in range(12)]), "c")
    training = dataset_stats(ctx, "c")["training"]
    report = validate_dataset(ctx, "c").to_dict()
    assert training["examples"] == 12 and training["token_counts"] == "exact"
    for key in ("epochs", "charged_tokens", "estimated_cost", "price_per_1m_training_tokens"):
        assert training[key] == report[key], key
    assert training["estimated_cost"] > 0


def test_anthropic_counts_are_labelled_estimates(ctx: AppContext, tmp_path: Path) -> None:
    import_file(ctx, write_jsonl(tmp_path / "c.jsonl", [record(1)]), "claude",
                provider="anthropic")
    stats = dataset_stats(ctx, "claude")
    assert stats["token_counts"] == "estimate"
    assert stats["training"]["token_counts"] == "estimate"
    assert stats["training"]["estimated_cost"] is None  # no public price
    ds = ctx.store.get_dataset("claude")
    assert datasets.dataset_token_label(ds) == "estimate"


def test_import_stores_each_samples_own_content_hash(ctx: AppContext, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "h.jsonl", [record(i, system=i % 2 == 0) for i in range(30)])
    import_file(ctx, path, "h")
    ds = ctx.store.get_dataset("h")
    rows = dict(ctx.store._db.execute("SELECT id, content_hash FROM samples WHERE dataset_id = ?",
                                     (ds.id,)).fetchall())
    assert rows == {c.id: c.content_hash() for c in ctx.store.iter_samples(ds.id)}
    assert len(set(rows.values())) == 30


def test_an_unreadable_json_array_leaves_no_empty_dataset(ctx: AppContext,
                                                          tmp_path: Path) -> None:
    from ftbuilder.core.errors import FormatError

    bad = tmp_path / "bad.json"
    bad.write_text('[{"instruction": "a",\n', encoding="utf-8")
    with pytest.raises(FormatError, match="line 2"):
        import_file(ctx, bad, "broken")
    assert ctx.store.find_dataset("broken") is None
    import_file(ctx, write_jsonl(tmp_path / "ok.jsonl", [record(1)]), "kept")
    with pytest.raises(FormatError):
        import_file(ctx, bad, "kept")  # an existing dataset stays, with its samples
    assert ctx.store.get_dataset("kept").total_samples == 1
    assert ctx.store.list_runs()[0]["status"] == "failed"
