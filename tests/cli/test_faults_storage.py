"""Fault injection through the real `ftb` command: a damaged, read-only, full or locked
store, a full disk under exports and backups, an export folder that cannot hold files,
files ftb did not write. Each ends with `error:` + `hint:`, never `internal error`."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest

import fixtures_faults
from ftbuilder.services.export_files import MANIFEST, exported


def write_src(project, n=20, size=40, name="src.jsonl"):
    f = project / name
    f.write_text("\n".join(json.dumps({"messages": [
        {"role": "user", "content": f"question {i}? " + "w " * size},
        {"role": "assistant", "content": f"answer {i}."}]}) for i in range(n)) + "\n",
        encoding="utf-8")
    return f


def assert_error(r, *words, code=None):
    """An `error:` line and a `hint:` line, no traceback, no `internal error`."""
    assert "internal error" not in r.err and "Traceback" not in r.err, r.err
    lines = r.err.strip().splitlines()
    assert lines[-2].startswith("error: ") and lines[-1].startswith("hint: "), r.err
    for w in words:
        assert w in r.err, r.err
    assert r.code != 0 if code is None else r.code == code


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


# --- item 11: damaged, read-only, full ---------------------------------------------------------
@pytest.mark.fault
def test_a_store_with_damaged_pages_is_an_error_with_a_hint(ftb, project):
    db = project / "memory" / "test.db"
    assert ftb("import", write_src(project, n=200), "--name", "d").code == 0
    con = sqlite3.connect(db)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'samples'").fetchone()[0]
    con.close()
    with open(db, "r+b") as f:  # the samples table's root page overwritten with junk
        f.seek((root - 1) * page)
        f.write(os.urandom(page))
    r = ftb("export", "d", "--out", project / "out")
    assert_error(r, "not a usable dataset store", "malformed", "restore a backup", code=2)
    with open(db, "r+b") as f:  # the header too: not even an SQLite file any more
        f.write(os.urandom(100))
    assert_error(ftb("datasets"), "not a usable dataset store", code=2)


@pytest.mark.fault
def test_a_read_only_store_file_reads_and_refuses_writes_with_a_hint(ftb, project):
    db = project / "memory" / "test.db"
    assert ftb("import", write_src(project), "--name", "d").code == 0
    fixtures_faults.read_only(db)  # like chmod 0444 for a user who is not root
    try:
        listed = ftb("datasets", "--json")
        assert listed.code == 0 and listed.json()[0]["name"] == "d"
        r = ftb("import", write_src(project, name="more.jsonl", size=3), "--name", "e")
        assert_error(r, "is read-only", "attempt to write a readonly database", "writable",
                     code=1)
    finally:
        fixtures_faults.unmount(db)


@pytest.mark.fault
def test_a_store_in_a_read_only_folder_is_an_error_with_a_hint(ftb, project):
    assert ftb("import", write_src(project), "--name", "d").code == 0
    folder = project / "memory"
    fixtures_faults.read_only(folder)
    try:
        assert_error(ftb("datasets"), "read-only folder", "copy the store", code=1)
    finally:
        fixtures_faults.unmount(folder)


@pytest.mark.fault
def test_a_full_disk_under_the_store_is_an_error_with_a_hint(ftb, project, small_disk):
    disk = small_disk("1m")
    env = {"FTB_DB": str(disk / "s.db")}
    assert ftb("import", write_src(project, n=5), "--name", "d", env=env).code == 0
    fixtures_faults.fill_disk(disk)
    r = ftb("import", write_src(project, n=400, name="big.jsonl"), "--name", "big", env=env)
    assert_error(r, "disk", "is full", "free some space", code=1)
    fixtures_faults.free_disk(disk)
    listed = ftb("datasets", "--json", env=env)
    assert listed.code == 0 and [d["name"] for d in listed.json()][-1] == "d"


# --- item 5: backups and exports on a full disk ------------------------------------------------
@pytest.mark.fault
def test_ftb_backup_on_a_full_disk_keeps_the_good_backups(ftb, project, small_disk):
    assert ftb("import", write_src(project, n=150), "--name", "d").code == 0
    backups = project / "memory" / "backups"
    fixtures_faults.mount_tmpfs(backups, "2m")  # the backups folder is a small disk
    try:
        for _ in range(5):
            assert ftb("backup").code == 0
        good = sorted(backups.iterdir())
        fixtures_faults.fill_disk(backups)
        for _ in range(2):  # each used to leave a 0-byte file that counted among the kept
            assert_error(ftb("backup"), "disk is full", "earlier backups are kept", code=1)
        fixtures_faults.free_disk(backups)
        assert sorted(backups.iterdir()) == good  # no 0-byte or temporary file
        assert ftb("backup").code == 0
        after = sorted(backups.iterdir())
        assert len(after) == 5 and after[:4] == good[1:]
    finally:
        fixtures_faults.unmount(backups)


@pytest.mark.fault
def test_export_on_a_full_disk_leaves_no_temporary_file(ftb, project, small_disk):
    disk = small_disk("512k")
    out = disk / "out"
    assert ftb("import", write_src(project, n=30), "--name", "d").code == 0
    assert ftb("export", "d", "--out", out).code == 0
    before = snapshot(out)
    assert ftb("import", write_src(project, n=3000, name="big.jsonl"), "--name", "d").code == 0
    fixtures_faults.fill_disk(disk)
    r = ftb("export", "d", "--out", out)
    assert_error(r, "the disk is full", "free some space", code=1)
    assert snapshot(out) == before  # the earlier export as it was, no .tmp file beside it


@pytest.mark.fault
def test_export_into_a_folder_that_cannot_hold_files_is_an_error(ftb, project):
    assert ftb("import", write_src(project, n=3), "--name", "d").code == 0
    assert_error(ftb("export", "d", "--out", "/proc/self"), "cannot write", "--out", code=1)
    assert_error(ftb("export", "d", "--out", "/proc/self/x"), "cannot create", "--out", code=2)


# --- neighbour: the store locked by another process --------------------------------------------
HOLD = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("UPDATE datasets SET mode = mode")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


@pytest.mark.fault
def test_a_command_on_a_locked_store_fails_after_the_busy_timeout(ftb, project):
    db = project / "memory" / "test.db"
    assert ftb("import", write_src(project, n=3), "--name", "d").code == 0
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), "30"], text=True,
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        r = ftb("import", write_src(project, n=3, name="more.jsonl", size=2), "--name", "e",
                env={"FTB_BUSY_TIMEOUT": "1"})
        assert time.monotonic() - t0 < 20
        assert_error(r, "locked by another ftb process (waited 1 s)", "FTB_BUSY_TIMEOUT",
                     code=1)
        assert ftb("datasets").code == 0  # reading is not blocked
    finally:
        holder.kill()
        holder.communicate()


# --- item 1: files ftb did not write -------------------------------------------------------------
@pytest.mark.fault
def test_export_never_removes_or_overwrites_the_users_files(ftb, project):
    assert ftb("import", write_src(project, n=12), "--name", "d").code == 0
    out = project / "out"
    out.mkdir()
    mine = {n: f"my own {n}\n".encode() for n in ("train.jsonl", "validation.jsonl",
                                                    "test.jsonl")}
    for n, data in mine.items():
        (out / n).write_bytes(data)
    r = ftb("export", "d", "--out", out, "--format", "openai")  # not split: dataset.jsonl
    assert r.code == 0, r.err
    assert all((out / n).read_bytes() == data for n, data in mine.items())  # all still there
    assert "test.jsonl was not written by ftb: left as it is" in r.out
    # a file of a name the export writes: refused, naming it, nothing written
    (out / "dataset.jsonl").write_bytes(b"my dataset\n")
    before = snapshot(out)
    r = ftb("export", "d", "--out", out)
    assert_error(r, f"{out / 'dataset.jsonl'} was not written by ftb", "--out", code=2)
    assert snapshot(out) == before
    # ftb's own files are replaced; once the user edits one it is theirs
    (out / "dataset.jsonl").unlink()
    assert ftb("export", "d", "--out", out).code == 0
    assert ftb("export", "d", "--out", out).code == 0
    with open(out / "metadata.csv", "a", encoding="utf-8") as f:
        f.write("a note of mine\n")
    assert_error(ftb("export", "d", "--out", out), "metadata.csv was not written by ftb",
                 code=2)
    assert (out / "metadata.csv").read_text(encoding="utf-8").endswith("a note of mine\n")
    assert (out / MANIFEST).is_file()


# --- item 12: names sharing a folder, NUL bytes ---------------------------------------------------
@pytest.mark.fault
def test_dot_dotdot_and_dataset_get_three_export_folders(cli, project):
    f = write_src(project, n=3)
    folders = set()
    for name in (".", "..", "dataset"):
        assert cli("import", f, "--name", name).code == 0
        r = cli("export", name, "--format", "generic", "--json")
        assert r.code == 0, r.err
        folders.add(r.json()["out_dir"])
    assert len(folders) == 3
    assert all(os.path.dirname(d) == str(project / "output_datasets") for d in folders)


@pytest.mark.fault
def test_nul_characters_do_not_reach_exports_or_metadata_csv(cli, project):
    from ftbuilder.core.types import Conversation, Message
    from ftbuilder.store.db import Store

    with Store(project / "memory" / "test.db") as s:  # as a store written before the fix
        ds = s.create_dataset("n", "openai", "gpt-4o-mini-2024-07-18", "import")
        s.add_samples(ds.id, [Conversation([Message("user", f"a\x00b{i}"),
                                            Message("assistant", "c\x00")],
                                           topic_keywords=["k\x00"], source_file="f\x00.txt")
                              for i in range(10)])
    r = cli("export", "n", "--out", project / "out")
    assert r.code == 0, r.err
    for name in exported(project / "out"):
        data = (project / "out" / name).read_bytes()
        assert b"\x00" not in data and b"\\u0000" not in data, name
    rec = json.loads((project / "out" / "dataset.jsonl").read_text(encoding="utf-8").split("\n")[0])
    assert [m["content"] for m in rec["messages"]] == ["ab0", "c"]
