"""The SQLite store: migrations, datasets, samples, splits, runs, documents, backups."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ftbuilder.core.errors import NotFoundError, UsageError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.store.db import BACKUPS_KEPT, Store
from ftbuilder.store.migrations import MIGRATIONS, migrate


def conv(i: int, **kw: object) -> Conversation:
    return Conversation([Message("user", f"question {i}"), Message("assistant", f"answer {i}")],
                        **kw)  # type: ignore[arg-type]


@pytest.fixture
def store() -> Store:
    s = Store(":memory:")
    yield s
    s.close()


# --- migrations ---------------------------------------------------------------------------
def test_migrations_applied_once_on_an_in_memory_db() -> None:
    db = sqlite3.connect(":memory:")
    names = [n for n, _ in MIGRATIONS]
    assert migrate(db) == names
    assert migrate(db) == []
    assert [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")] == names
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"datasets", "samples", "documents", "runs", "_migrations"} <= tables


def test_reopening_a_file_store_does_not_migrate_again(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as s:
        ds = s.create_dataset("d", "openai", "gpt-4o-mini-2024-07-18", "import")
        s.add_samples(ds.id, [conv(1)])
    with Store(path) as s:
        assert migrate(s._db) == []
        assert s.get_dataset("d").total_samples == 1
        assert s._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_file_that_is_not_sqlite_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UsageError, match="not a usable dataset store"):
        Store(bad)


# --- datasets -----------------------------------------------------------------------------
def test_a_store_whose_folder_cannot_be_made_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot create the folder of the store"):
        Store(tmp_path / "afile" / "sub" / "x.db")


def test_dataset_lifecycle(store: Store) -> None:
    ds = store.create_dataset("a", "openai", "m", "import", {"k": 1})
    assert store.get_dataset("a").config == {"k": 1}
    with pytest.raises(UsageError, match="already exists"):
        store.create_dataset("a", "openai", "m", "import")
    assert store.get_or_create_dataset("a", "x", "y", "z").id == ds.id
    store.update_dataset(ds.id, config={"k": 2}, mode="identify")
    assert (store.get_dataset("a").config, store.get_dataset("a").mode) == ({"k": 2}, "identify")
    with pytest.raises(ValueError):
        store.update_dataset(ds.id, total_samples=3)
    store.create_dataset("b", "mistral", "m", "create")
    assert {d.name for d in store.list_datasets()} == {"a", "b"}
    with pytest.raises(NotFoundError, match="no dataset named 'zz'") as err:
        store.get_dataset("zz")
    assert "a" in err.value.hint and "b" in err.value.hint
    store.delete_dataset("a")
    assert store.find_dataset("a") is None


# --- samples ------------------------------------------------------------------------------
def test_add_samples_skips_exact_duplicates_and_sets_ids(store: Store) -> None:
    ds = store.create_dataset("d", "openai", "m", "import")
    batch = [conv(1, token_count=5), conv(2, token_count=7), conv(1, token_count=5)]
    assert store.add_samples(ds.id, batch) == (2, 1)
    assert batch[0].id is not None and batch[1].id is not None and batch[2].id is None
    # whitespace-only differences are duplicates too
    spaced = Conversation([Message("user", "question  1 "), Message("assistant", "answer 1")])
    assert store.add_samples(ds.id, [spaced]) == (0, 1)
    info = store.get_dataset("d")
    assert (info.total_samples, info.total_tokens) == (2, 12)
    # the same sample may live in another dataset
    other = store.create_dataset("e", "openai", "m", "import")
    assert store.add_samples(other.id, [conv(1)]) == (1, 0)


def test_add_samples_takes_precomputed_hashes(store: Store) -> None:
    ds = store.create_dataset("h", "openai", "m", "import")
    batch = [conv(1), conv(2)]
    hashes = [c.content_hash() for c in batch]
    assert store.add_samples(ds.id, batch, hashes=hashes) == (2, 0)
    assert store.hashes(ds.id) == set(hashes)
    assert store.add_samples(ds.id, [conv(1)], hashes=[hashes[0]]) == (0, 1)


def test_iter_samples_in_batches_and_by_split(store: Store) -> None:
    ds = store.create_dataset("d", "openai", "m", "import")
    store.add_samples(ds.id, [conv(i, source_file="f.txt", topic_keywords=["k"],
                                   meta={"i": i}) for i in range(25)])
    got = list(store.iter_samples(ds.id, batch=7))
    assert [c.messages[0].content for c in got] == [f"question {i}" for i in range(25)]
    assert got[3].meta == {"i": 3} and got[3].topic_keywords == ["k"]
    store.set_splits(ds.id, [(c.id, "train" if i < 20 else "validation")
                             for i, c in enumerate(got)])
    assert store.split_counts(ds.id) == {"train": 20, "validation": 5}
    assert store.count_samples(ds.id, "validation") == 5
    assert len(list(store.iter_samples(ds.id, split="validation", batch=2))) == 5
    keys = store.sample_keys(ds.id)
    assert keys[0] == (got[0].id, "f.txt", ["k"], "train")


def test_update_delete_and_meta(store: Store) -> None:
    ds = store.create_dataset("d", "openai", "m", "import")
    items = [conv(i, token_count=10) for i in range(3)]
    store.add_samples(ds.id, items)
    c = store.get_sample(items[0].id)
    c.messages[1].content = "a better answer"
    c.token_count = 4
    store.update_sample(c)
    assert store.get_sample(c.id).messages[1].content == "a better answer"
    assert store.get_dataset("d").total_tokens == 24
    store.update_meta([(items[1].id, {"near_duplicate_of": items[0].id})])
    assert store.get_sample(items[1].id).meta == {"near_duplicate_of": items[0].id}
    assert store.sample_dataset_id(items[2].id) == ds.id
    assert store.delete_samples(ds.id, [items[1].id, items[2].id]) == 2
    assert store.get_dataset("d").total_samples == 1
    with pytest.raises(NotFoundError):
        store.get_sample(items[1].id)
    with pytest.raises(NotFoundError):
        store.sample_dataset_id(items[1].id)


def test_deleting_a_dataset_removes_its_samples(store: Store) -> None:
    ds = store.create_dataset("d", "openai", "m", "import")
    store.add_samples(ds.id, [conv(1), conv(2)])
    store.delete_dataset("d")
    assert store._db.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == 0


# --- runs and documents -------------------------------------------------------------------
def test_runs_and_documents(store: Store) -> None:
    ds = store.create_dataset("d", "openai", "m", "import")
    run = store.start_run("import", ds.id, {"path": "x.jsonl"})
    store.finish_run(run, "ok", {"added": 3})
    (r,) = store.list_runs()
    assert (r["dataset"], r["kind"], r["status"], r["stats"]) == ("d", "import", "ok",
                                                                  {"added": 3})
    store.save_document("a.txt", "abc", "text", "hello", {"chars": 5}, {"x": 1})
    store.save_document("a.txt", "abc", "text", "hello again", {"chars": 11})
    doc = store.find_document("a.txt", "abc")
    assert doc is not None and doc["text"] == "hello again" and doc["payload"] is None
    assert len(store.list_documents()) == 1


# --- backups ------------------------------------------------------------------------------
def test_backup_of_an_in_memory_store_is_none(store: Store) -> None:
    assert store.backup() is None


def test_backups_rotate_keeping_the_newest_five(tmp_path: Path) -> None:
    with Store(tmp_path / "data.db") as s:
        ds = s.create_dataset("d", "openai", "m", "import")
        made = []
        for i in range(BACKUPS_KEPT + 3):
            s.add_samples(ds.id, [conv(i)])
            made.append(s.backup(reason=f"r{i}"))
        kept = sorted((tmp_path / "backups").glob("*.db"))
        assert BACKUPS_KEPT == 5
        assert kept == sorted(made[-5:])
        newest = sqlite3.connect(made[-1])
        assert newest.execute("SELECT COUNT(*) FROM samples").fetchone()[0] == BACKUPS_KEPT + 3
        newest.close()


def test_commit_work_writes_registrations_cache_and_totals_in_one_transaction(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    ds = store.create_dataset("w", "openai", "gpt-4o-mini-2024-07-18", "create")
    first = Conversation([Message("user", "Q1?"), Message("assistant", "A1.")], token_count=7)
    again = Conversation([Message("user", "Q1?"), Message("assistant", "A1.")], token_count=7)
    second = Conversation([Message("user", "Q2?"), Message("assistant", "A2.")], token_count=5)
    row = ("h1", "openai", "m", '{"conversations": []}', 100, 40)
    assert store.commit_work(ds.id, "a", [first], {"chunk": 0}, register=[("b", {"chunk": 1})],
                             cache=[row]) == (1, 0)
    assert store.commit_work(ds.id, "b", [again, second], {"chunk": 1}) == (1, 1)
    info = store.get_dataset("w")
    assert (info.total_samples, info.total_tokens) == (2, 12)  # = a recount of the samples
    assert store.cache_get("h1") == ('{"conversations": []}', 100, 40)
    assert store.work_states(ds.id) == {"a": ("done", 1), "b": ("done", 1)}
    # a commit that fails (no such dataset: a foreign key) leaves none of it behind
    bad = Conversation([Message("user", "Q3?"), Message("assistant", "A3.")])
    with pytest.raises(sqlite3.IntegrityError):
        store.commit_work(ds.id + 99, "c", [bad], {}, register=[("d", {})],
                          cache=[("h2", "openai", "m", "x", 1, 1)])
    assert store.cache_get("h2") is None
    assert "d" not in store.work_states(ds.id + 99)
    store.close()
