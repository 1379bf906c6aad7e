"""Fault cases of the trainer exports (issue 10): a damaged cached vocabulary, a variable
naming an empty folder, a file called .parquet that is not Parquet."""

from __future__ import annotations

import hashlib

import pytest

from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats import harmony, to_record

CONV = Conversation([Message("system", "Sois bref."), Message("user", "Où ? 東京"),
                     Message("assistant", "Ici ✓")])


@pytest.fixture
def fresh_harmony(monkeypatch, tmp_path):
    monkeypatch.setenv("FTB_MODEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TIKTOKEN_ENCODINGS_BASE", raising=False)
    monkeypatch.setattr(harmony, "_encoding", None)
    return tmp_path / "cache" / "tiktoken" / harmony.O200K_FILE


@pytest.mark.fault
def test_a_truncated_cached_vocabulary_is_rebuilt_and_hash_checked(fresh_harmony, monkeypatch):
    fresh_harmony.parent.mkdir(parents=True)
    fresh_harmony.write_bytes(b"dGVzdA== 0\n")  # a cut-off download / disk-full leftover
    monkeypatch.setenv("TIKTOKEN_ENCODINGS_BASE", str(fresh_harmony.parent / "elsewhere"))
    assert to_record(CONV, "harmony")["text"].endswith("Ici ✓<|return|>")
    digest = hashlib.sha256(fresh_harmony.read_bytes()).hexdigest()
    assert digest == harmony.O200K_SHA256
    assert not list(fresh_harmony.parent.glob("*.tmp"))


@pytest.mark.fault
def test_a_variable_naming_an_empty_folder_is_not_trusted(fresh_harmony, monkeypatch, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TIKTOKEN_ENCODINGS_BASE", str(empty))
    assert harmony.encodings_dir() == fresh_harmony.parent
    assert fresh_harmony.is_file() and not list(empty.iterdir())


@pytest.mark.fault
def test_a_file_named_parquet_that_is_not_parquet_is_a_clear_error(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    from ftbuilder.cli.main import main

    repo = Path(__file__).resolve().parents[2]
    shutil.copy(repo / "config.yaml", tmp_path / "config.yaml")
    monkeypatch.setenv("FTB_ROOT", str(tmp_path))
    monkeypatch.setenv("FTB_DB", str(tmp_path / "t.db"))
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "train.parquet"
    bad.write_bytes(b'{"messages": []}\n' * 3)  # JSONL renamed, or a half-copied file
    import io
    from contextlib import redirect_stderr

    err = io.StringIO()
    with redirect_stderr(err):
        code = main(["import", str(bad), "--name", "x"])
    assert code == 1
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("error: train.parquet is not a readable Parquet file")
    assert lines[1].startswith("hint: ") and "Traceback" not in err.getvalue()
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stderr(io.StringIO()), redirect_stdout(out):
        assert main(["datasets", "--json"]) == 0
    assert out.getvalue().strip() == "[]"  # no empty dataset left behind
