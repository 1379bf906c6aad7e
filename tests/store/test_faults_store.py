"""Fault injection on the store: concurrent first opens, a lock held by another process, a
run killed with SIGKILL, backups on a full disk, file modes (README reliability table)."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import fixtures_faults
from ftbuilder.core.errors import StorageError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.store.backup import backup_names, is_complete, prune
from ftbuilder.store.db import Store
from ftbuilder.store.migrations import MIGRATIONS

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def child(tmp_path: Path, code: str, *args: str, **kw) -> subprocess.Popen:
    script = tmp_path / f"child{time.monotonic_ns()}.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    return subprocess.Popen([sys.executable, str(script), *args], env=ENV, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def fill(store: Store, n: int, size: int = 300, first: int = 0) -> None:
    ds = store.get_or_create_dataset("d", "openai", "gpt-4o-mini-2024-07-18", "import")
    store.add_samples(ds.id, [Conversation([Message("user", f"q{i} " + "x" * size),
                                            Message("assistant", "a")])
                              for i in range(first, first + n)])


# --- item 13: two commands creating a new store at once --------------------------------------
OPEN_AT = """
    import sys, time
    from ftbuilder.store.db import Store
    start = float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    Store(sys.argv[1]).close()
"""


@pytest.mark.fault
@pytest.mark.slow
def test_eight_processes_creating_one_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(10):
        path = tmp_path / f"new{round_}" / "store.db"
        start = time.time() + 2.0  # every child waits for the same instant, imports done
        procs = [child(tmp_path, OPEN_AT, str(path), str(start)) for _ in range(8)]
        results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        assert [code for code, _ in results] == [0] * 8, [err for _, err in results if err]
        db = sqlite3.connect(path)
        names = [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY name")]
        db.close()
        assert names == [n for n, _ in MIGRATIONS]


# --- neighbour: the store locked by another process -----------------------------------------
HOLD_LOCK = """
    import sqlite3, sys, time
    db = sqlite3.connect(sys.argv[1], isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    db.execute("UPDATE datasets SET mode = mode")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    db.execute("COMMIT")
"""


@pytest.mark.fault
def test_a_store_locked_by_another_process_waits_then_fails_with_a_clear_error(
        tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as s:
        fill(s, 3)
    holder = child(tmp_path, HOLD_LOCK, str(path), "4")
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Store(path, timeout=0.5) as s:
            assert s.get_dataset("d").total_samples == 3  # reading still works (WAL)
            t0 = time.monotonic()
            with pytest.raises(StorageError) as err:
                fill(s, 1, first=10)
            waited = time.monotonic() - t0
        assert err.value.kind == "locked" and 0.4 < waited < 3.5
        assert "locked by another ftb process (waited 0.5 s)" in err.value.message
        assert "FTB_BUSY_TIMEOUT" in err.value.hint
        # with a longer wait the command goes on once the other process lets go
        with Store(path, timeout=30) as s:
            t0 = time.monotonic()
            fill(s, 1, first=10)
            assert time.monotonic() - t0 > 0.5
            assert s.get_dataset("d").total_samples == 4
    finally:
        holder.kill()
        holder.communicate()


def test_the_busy_timeout_comes_from_ftb_busy_timeout(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FTB_BUSY_TIMEOUT", "2.5")
    with Store(tmp_path / "s.db") as s:
        assert s.timeout == 2.5
        assert s._db.execute("PRAGMA busy_timeout").fetchone()[0] == 2500


# --- item 11: runs killed by kill -9 ---------------------------------------------------------
START_RUN = """
    import sys, time
    from ftbuilder.store.db import Store
    s = Store(sys.argv[1])
    print(s.start_run("build", None, {}), flush=True)
    time.sleep(120)
"""


@pytest.mark.fault
def test_a_run_killed_with_sigkill_is_marked_interrupted_on_the_next_open(
        tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    Store(path).close()
    killed = child(tmp_path, START_RUN, str(path))
    alive = child(tmp_path, START_RUN, str(path))
    try:
        killed_id = int(killed.stdout.readline())
        alive_id = int(alive.stdout.readline())
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        with Store(path) as s:
            runs = {r["id"]: r for r in s.list_runs()}
        assert runs[killed_id]["status"] == "interrupted"
        assert f"process {killed.pid} " in runs[killed_id]["error"]
        assert runs[killed_id]["finished_at"]
        assert runs[alive_id]["status"] == "running"  # its process still runs: left alone
        alive.send_signal(signal.SIGKILL)
        alive.wait(timeout=30)
        with Store(path) as s:
            assert s.list_runs()[0]["status"] == "interrupted"  # listing runs checks again
    finally:
        for p in (killed, alive):
            p.kill()
            p.communicate()


def test_a_reused_pid_does_not_keep_a_dead_run_running(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as s:
        run = s.start_run("build")
        assert s.list_runs()[0]["status"] == "running"  # this process: alive
        # the same pid, started at another time: a later process that got the pid again
        s._db.execute("UPDATE runs SET proc_start = '1' WHERE id = ?", (run,))
        s._db.commit()
        assert s.list_runs()[0]["status"] == "interrupted"
        other = s.start_run("import")
        s._db.execute("UPDATE runs SET host = 'elsewhere', pid = 1 WHERE id = ?", (other,))
        s._db.commit()
        assert s.list_runs()[0]["status"] == "running"  # another host: cannot tell


# --- item 5: backups on a full disk ----------------------------------------------------------
@pytest.mark.fault
def test_a_backup_on_a_full_disk_leaves_nothing_and_keeps_every_good_backup(
        tmp_path: Path, small_disk) -> None:
    disk = small_disk("2m")
    with Store(tmp_path / "data.db") as s:
        fill(s, 150)
        good = [s.backup(disk, reason=f"r{i}") for i in range(5)]
        fixtures_faults.fill_disk(disk)
        for _ in range(3):  # each failed copy used to leave a 0-byte file counted as kept
            with pytest.raises(StorageError) as err:
                s.backup(disk, reason="full")
            assert err.value.kind == "disk_full"
            assert "disk is full" in err.value.message and "free some space" in err.value.hint
        assert sorted(p.name for p in disk.iterdir()) == sorted(
            ["filler", *(p.name for p in good)])  # no temporary or partial file
        fixtures_faults.free_disk(disk)
        newest = s.backup(disk, reason="after")
    kept = backup_names(disk, "data")
    assert kept == [*good[1:], newest]  # the newest five good copies
    assert all(is_complete(p) for p in kept)


def test_incomplete_backups_are_neither_counted_nor_removed(tmp_path: Path) -> None:
    with Store(tmp_path / "data.db") as s:
        fill(s, 10)
        good = [s.backup(reason=f"g{i}") for i in range(3)]
    folder = tmp_path / "backups"
    empty = folder / "data-29991231-235959-000000-manual.db"  # newest by name, 0 bytes
    empty.touch()
    cut = folder / "data-29991231-235959-000001-manual.db"
    cut.write_bytes(good[0].read_bytes()[:5000])
    mine = folder / "data-notes.db"  # not a name ftb gives a backup
    mine.write_text("keep me", encoding="utf-8")
    prune(folder, "data", keep=2)
    assert not good[0].exists() and good[1].exists() and good[2].exists()
    assert empty.exists() and cut.exists() and mine.exists()
    assert not is_complete(empty) and not is_complete(cut)


# --- item 12: who can read the store -----------------------------------------------------------
def test_store_wal_shm_and_backups_are_private(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with Store(tmp_path / "data" / "s.db") as s:
            fill(s, 2)
            files = [tmp_path / "data" / f"s.db{x}" for x in ("", "-wal", "-shm")]
            assert [stat.S_IMODE(p.stat().st_mode) for p in files] == [0o600] * 3
            b = s.backup()
        assert stat.S_IMODE(b.stat().st_mode) == 0o600
        assert stat.S_IMODE(b.parent.stat().st_mode) == 0o700
    finally:
        os.umask(old)
