"""Fault cases of reading inputs through the real command (issue 8, items 10, 11, 12):
a FIFO and /dev/zero (a real subprocess with a timeout: it must not hang), deeply nested
JSON, unreadable files and folders (a subprocess that drops root), a full disk (a real
tmpfs), NUL characters. Each ends with ``error:`` + ``hint:`` or a per-file line, never
``internal error``, and leaves no partial dataset."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.core.errors import FtbError
from ftbuilder.services import datasets
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import import_file
from ftbuilder.store.db import Store

PROMPT = 10  # seconds: "exits promptly" (a hang is killed at this timeout and fails)


def chat(i: int, pad: int = 0) -> dict:
    return {"messages": [{"role": "user", "content": f"question {i} " + "q" * pad},
                         {"role": "assistant", "content": f"answer {i} " + "a" * pad}]}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def assert_error_and_hint(err: str, *words: str) -> None:
    assert "internal error" not in err and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert lines[-2].startswith("error: ") and lines[-1].startswith("hint: "), err
    for w in words:
        assert w in lines[-2], err


# --- special files: a real FIFO and /dev/zero, in a subprocess that must not hang ----------
@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "chat.jsonl"
    os.mkfifo(path)
    return path


@pytest.mark.fault
@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
@pytest.mark.parametrize("command", [("import", "--name", "x"), ("tokens",)])
def test_import_and_tokens_refuse_a_special_file_at_once(ftb, project, fifo, special, command):
    path = fifo if special == "fifo" else Path(special)
    r = ftb(command[0], path, *command[1:], timeout=PROMPT)
    assert r.code == 2
    assert_error_and_hint(r.err, "not a regular file")
    assert "copy the data into a file" in r.err
    assert not (project / "memory" / "test.db").exists() or sqlite3.connect(
        project / "memory" / "test.db").execute("SELECT COUNT(*) FROM datasets").fetchone() \
        == (0,)


@pytest.mark.fault
def test_ingest_reports_a_special_file_and_goes_on(ftb, project, fifo):
    good = project / "input_files" / "ok.txt"
    good.write_text("some text\n")
    os.mkfifo(project / "input_files" / "pipe.txt")
    r = ftb("ingest", fifo, "/dev/zero", project / "input_files", timeout=PROMPT)
    assert r.code == 1 and "internal error" not in r.err
    assert "chat.jsonl: not a regular file (it is a FIFO/named pipe)" in r.out
    assert "/dev/zero: not a regular file (it is a character device)" in r.out
    assert "pipe.txt: skipped: not a regular file (it is a FIFO/named pipe)" in r.out
    assert "ok.txt" in r.out and "1 ok" in r.out


# --- deeply nested JSON -----------------------------------------------------------------------
@pytest.mark.fault
def test_deeply_nested_json_is_an_error_with_a_hint_and_leaves_no_dataset(cli, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    r = cli("import", deep, "--name", "deep")
    assert r.code == 1
    assert_error_and_hint(r.err, "nested too deeply")
    line = tmp_path / "deep.jsonl"
    line.write_text('{"messages": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    r = cli("import", line, "--name", "deep")
    assert r.code == 1 and "internal error" not in r.err
    assert "nested too deeply" in r.out
    r = cli("tokens", line)
    assert r.code == 0 and "internal error" not in r.err
    assert cli("datasets", "--json").json() == []  # no empty dataset left behind


# --- unreadable files and folders (as root: a subprocess drops to nobody) ------------------
DROP = """
import contextlib, io, json, os, sys
from ftbuilder.cli.main import main
warm, argv = json.loads(sys.argv[1])
for a in warm:  # load every module the command imports lazily, while still root
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(a)
if os.geteuid() == 0:
    os.setgroups([]); os.setgid(65534); os.setuid(65534)
sys.exit(main(argv))
"""


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's tmp_path is root-only)."""
    d = Path(tempfile.mkdtemp(prefix="ftb-perm-", dir="/tmp"))
    d.chmod(0o755)
    (d / "db").mkdir(mode=0o777)
    (d / "db").chmod(0o777)
    yield d
    subprocess.run(["rm", "-rf", str(d)], check=False)


def run_unprivileged(root: Path, warm: list[list[str]], argv: list[str]) -> tuple[int, str, str]:
    """``ftb argv`` as user nobody (when run as root), after ``warm`` commands as root."""
    env = {**os.environ, "FTB_ROOT": str(root)}
    p = subprocess.run([sys.executable, "-c", DROP, json.dumps([warm, argv])], cwd=root,
                       env=env, capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout, p.stderr


@pytest.mark.fault
def test_unreadable_files_and_folders_are_errors_with_hints(shared):
    inputs = shared / "in"
    (inputs / "locked").mkdir(parents=True)
    inputs.chmod(0o755)
    (inputs / "ok.txt").write_text("readable text\n")
    (inputs / "locked" / "inside.txt").write_text("text nobody can reach\n")
    (inputs / "locked").chmod(0o700)
    closed = write_jsonl(inputs / "closed.jsonl", [chat(1)])
    closed.chmod(0o600)  # root's: unreadable once the process is nobody
    warm_file = write_jsonl(shared / "warm.jsonl", [chat(2)])
    db = str(shared / "db" / "s.db")
    warm_db = str(shared / "db" / "warm.db")
    warm = [["--db", warm_db, "import", str(warm_file), "--name", "w"],
            ["--db", warm_db, "tokens", str(warm_file)],
            ["--db", warm_db, "ingest", str(inputs / "ok.txt")]]

    code, out, err = run_unprivileged(shared, warm, ["--db", db, "ingest", str(inputs)])
    assert code == 1 and "internal error" not in err, err
    assert "closed.jsonl: cannot read: Permission denied" in out
    assert "locked: skipped: folder not readable (Permission denied)" in out
    assert "1 ok" in out and "2 failed" in out

    for argv in (["import", str(closed), "--name", "c"], ["tokens", str(closed)]):
        code, out, err = run_unprivileged(shared, warm, ["--db", db, *argv])
        assert code == 2
        assert_error_and_hint(err, "cannot read", "Permission denied")
    con = sqlite3.connect(db)
    assert con.execute("SELECT name FROM datasets").fetchall() == []
    con.close()


# --- a full disk: the store on a small tmpfs -------------------------------------------------
def mount_tmpfs(mnt: Path, size: str) -> None:
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the full-disk case: {done.stderr.strip()}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB disk: a fresh store and a few batches fit, a 720 KB import does not."""
    mnt = tmp_path / "small"
    mount_tmpfs(mnt, "1m")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.mark.fault
def test_a_disk_that_fills_mid_import(small_disk, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, "BATCH", 20)  # many small commits before the disk fills
    db = small_disk / "store.db"
    ctx = AppContext(load_settings(root=tmp_path, environ={}), Store(db))
    try:
        import_file(ctx, write_jsonl(tmp_path / "small.jsonl", [chat(i) for i in range(5)]),
                    "kept")
        kept_id = ctx.store.get_dataset("kept").id
        before = [(c.id, c.content_hash()) for c in ctx.store.iter_samples(kept_id)]
        big = write_jsonl(tmp_path / "big.jsonl", [chat(i, pad=400) for i in range(800)])
        assert big.stat().st_size < os.statvfs(small_disk).f_bavail * 4096  # passes the check
        with pytest.raises(FtbError) as e:
            import_file(ctx, big, "new")
        # the store's own words (store/guard.py) or the import's: either names the full disk
        assert "full" in e.value.message and "free some space" in e.value.hint
        left = ctx.store.find_dataset("new")
        # undone, or (a disk at 100%: SQLite cannot write the removal) said so, naming it
        assert left is None or "('new') could not be removed" in e.value.hint
        with pytest.raises(FtbError, match="full"):
            import_file(ctx, big, "kept")
        assert [(c.id, c.content_hash()) for c in ctx.store.iter_samples(kept_id)] == before
        assert ctx.store.get_dataset("kept").total_samples == 5
        assert ctx.store._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        ctx.close()


@pytest.mark.fault
def test_an_import_larger_than_the_free_space_is_refused_before_it_starts(cli, tmp_path):
    disk = tmp_path / "tiny"
    mount_tmpfs(disk, "256k")
    try:
        big = write_jsonl(tmp_path / "big.jsonl", [chat(i, pad=400) for i in range(2000)])
        r = cli("--db", disk / "s.db", "import", big, "--name", "big")
        assert r.code == 1
        assert_error_and_hint(r.err, "disk full", "does not fit")
        assert cli("--db", disk / "s.db", "datasets", "--json").json() == []
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


# --- NUL characters in an imported dataset ----------------------------------------------------
@pytest.mark.fault
def test_imported_conversations_carry_no_nul(cli, project, tmp_path):
    path = tmp_path / "nul.jsonl"
    rec = {"messages": [{"role": "system", "content": "be\x00 brief"},
                        {"role": "user", "content": "hi\x00"},
                        {"role": "assistant", "content": "hel\x00lo", "weight": 1}],
           "extra\x00key": "v\x00"}
    path.write_text(json.dumps(rec) + "\n")
    r = cli("import", path, "--name", "n")
    assert r.code == 0, r.err
    con = sqlite3.connect(project / "memory" / "test.db")
    rows = con.execute("SELECT messages, meta FROM samples").fetchall()
    con.close()
    assert len(rows) == 1
    messages, meta = rows[0]
    assert [m["content"] for m in json.loads(messages)] == ["be brief", "hi", "hello"]
    for stored in (messages, meta):
        assert "\x00" not in stored and "\\u0000" not in stored
