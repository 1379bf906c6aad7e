"""`ftb import`, `ftb datasets`, `ftb stats`, `ftb backup`."""

from __future__ import annotations

import json
import sqlite3


def write_jsonl(path, records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records)
                    + "\n", encoding="utf-8")
    return path


def chat(q, a):
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


def test_import_then_again_adds_only_new_records(cli, project):
    f = write_jsonl(project / "a.jsonl", [chat("hi", "hello"), chat("bye", "see you")])
    r = cli("import", f, "--name", "imp", "--json")
    assert r.code == 0, r.err
    assert r.json()["added"] == 2
    write_jsonl(f, [chat("hi", "hello"), chat("new", "question")])
    again = cli("import", f, "--name", "imp", "--json").json()
    assert (again["added"], again["duplicates"]) == (1, 1)
    rows = sqlite3.connect(project / "memory" / "test.db").execute(
        "SELECT total_samples FROM datasets WHERE name = 'imp'").fetchone()
    assert rows == (3,)


def test_import_with_a_bad_line_is_partial_failure(cli, project):
    f = write_jsonl(project / "b.jsonl", [chat("hi", "hello"), "not json",
                                          {"conversations": [{"from": "human", "value": "a"},
                                                             {"from": "gpt", "value": "b"}]}])
    r = cli("import", f, "--name", "mixed")
    assert r.code == 1
    assert "line" in r.out and "invalid JSON" in r.out
    data = cli("import", f, "--name", "mixed2", "--json").json()
    assert data["added"] == 2 and data["skipped"] == 1
    assert data["errors"][0]["line"] == 2


def test_import_format_option_and_target(cli, project):
    f = write_jsonl(project / "alpaca.jsonl", [
        {"instruction": "Add 2 and 2", "input": "", "output": "4"}])
    r = cli("import", f, "--name", "alp", "--format", "alpaca", "--provider", "mistral",
            "--json")
    assert r.code == 0, r.err
    ds = cli("datasets", "--json").json()
    assert (ds[0]["name"], ds[0]["provider"]) == ("alp", "mistral")


def test_import_missing_file(cli, project):
    r = cli("import", project / "nope.jsonl", "--name", "x")
    assert r.code != 0 and r.err.startswith("error: ")
    assert "Traceback" not in r.err


def test_datasets_empty_and_listed(cli, project):
    assert "no datasets yet" in cli("datasets").out
    assert cli("datasets", "--json").json() == []
    cli("import", write_jsonl(project / "c.jsonl", [chat("q", "a")]), "--name", "one")
    table = cli("datasets").out
    assert table.splitlines()[0].split() == ["name", "provider", "model", "mode", "samples",
                                             "tokens", "counts", "created"]
    assert "one" in table and "exact" in table


def test_datasets_label_estimated_token_counts(cli, project):
    f = write_jsonl(project / "c.jsonl", [chat("q", "a")])
    cli("import", f, "--name", "claude", "--provider", "anthropic")
    cli("import", f, "--name", "gpt")
    rows = {d["name"]: d["token_counts"] for d in cli("datasets", "--json").json()}
    assert rows == {"claude": "estimate", "gpt": "exact"}
    line = next(x for x in cli("datasets").out.splitlines() if x.startswith("claude"))
    assert "estimate" in line.split()


def test_stats(cli, project):
    cli("import", write_jsonl(project / "d.jsonl", [chat("q1", "a1"), chat("q2", "a2")]),
        "--name", "st")
    data = cli("stats", "st", "--json").json()
    assert data["samples"] == 2 and data["tokens"]["total"] > 0
    human = cli("stats", "st")
    assert human.code == 0 and "samples" in human.out


def test_stats_unknown_dataset_lists_the_known_ones(cli, project):
    cli("import", write_jsonl(project / "e.jsonl", [chat("q", "a")]), "--name", "known")
    r = cli("stats", "nope")
    assert r.code == 1
    assert r.err.splitlines() == ["error: no dataset named 'nope'",
                                  "hint: datasets in the store: known"]


def test_backup_writes_a_copy(cli, project):
    cli("import", write_jsonl(project / "f.jsonl", [chat("q", "a")]), "--name", "b")
    data = cli("backup", "--json").json()
    copy = sqlite3.connect(data["backup"])
    assert copy.execute("SELECT name FROM datasets").fetchall() == [("b",)]
    assert cli("backup").out.startswith("backup written: ")


def test_ctrl_c_stops_an_import_and_keeps_its_batches(project):
    import os
    import signal
    import subprocess
    import sys
    import time

    big = project / "big.jsonl"
    with big.open("w", encoding="utf-8") as f:
        for i in range(60_000):
            f.write(json.dumps(chat(f"question number {i} about the topic {i % 97}?",
                                    f"answer number {i}: " + "words " * 30)) + "\n")
    db = project / "memory" / "test.db"

    def stored() -> int:
        try:
            with sqlite3.connect(db, timeout=5) as con:
                return con.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
        except sqlite3.Error:  # not created yet
            return 0

    p = subprocess.Popen([sys.executable, "-m", "ftbuilder", "import", big, "--name", "big",
                          "--json"], cwd=project, env=dict(os.environ),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and stored() == 0 and p.poll() is None:
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert out == "" and "Traceback" not in err
    kept = stored()
    assert 0 < kept < 60_000
    assert f"cancelled; {kept} samples kept" in err
