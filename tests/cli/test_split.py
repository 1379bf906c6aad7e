"""`ftb split`: preview and apply, defaults from config.yaml, groups per split."""

from __future__ import annotations

import json
import sqlite3


def make_dataset(cli, project, name="sp", per_source=10, sources=("a.md", "b.md")):
    f = project / "src.jsonl"
    records = []
    for s in sources:
        for i in range(per_source):
            records.append({"messages": [{"role": "user", "content": f"{s} question {i}?"},
                                         {"role": "assistant", "content": f"answer {i}."}]})
    f.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    assert cli("import", f, "--name", name).code == 0
    return project / "memory" / "test.db"


def split_counts(db, name):
    return dict(sqlite3.connect(db).execute(
        "SELECT COALESCE(split, 'none'), COUNT(*) FROM samples s JOIN datasets d "
        "ON d.id = s.dataset_id WHERE d.name = ? GROUP BY split", (name,)).fetchall())


def test_dry_run_writes_nothing(cli, project):
    db = make_dataset(cli, project)
    r = cli("split", "sp", "--ratio", "0.8", "--dry-run", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["applied"] is False
    assert data["counts"] == {"train": 16, "validation": 4, "test": 0}
    assert split_counts(db, "sp") == {"none": 20}
    assert "preview, nothing written" in cli("split", "sp", "--dry-run").out


def test_apply_with_test_share(cli, project):
    db = make_dataset(cli, project)
    r = cli("split", "sp", "--ratio", "0.7", "--test", "0.1", "--strategy", "random",
            "--seed", "7", "--json")
    assert r.code == 0, r.err
    assert r.json()["counts"] == {"train": 14, "validation": 4, "test": 2}
    assert split_counts(db, "sp") == {"train": 14, "validation": 4, "test": 2}


def test_defaults_come_from_config(cli, project):
    make_dataset(cli, project)
    data = cli("split", "sp", "--json").json()
    assert (data["ratio"], data["strategy"], data["weight_by"], data["seed"]) == (
        0.8, "weighted", "source", 42)


def test_same_seed_same_split(cli, project):
    db = make_dataset(cli, project)

    def assignment():
        return sqlite3.connect(db).execute("SELECT id, split FROM samples ORDER BY id").fetchall()

    cli("split", "sp", "--strategy", "random", "--seed", "3")
    first = assignment()
    cli("split", "sp", "--strategy", "random", "--seed", "4")
    cli("split", "sp", "--strategy", "random", "--seed", "3")
    assert assignment() == first


def test_test_share_too_big_is_an_error(cli, project):
    make_dataset(cli, project)
    r = cli("split", "sp", "--ratio", "0.8", "--test", "0.3")
    assert r.code != 0 and r.err.startswith("error: ")
    assert "Traceback" not in r.err
