"""Atomic writes on a full disk: the old file stays whole, no temporary file is left, and
the error is a typed one (error: + hint:)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import fixtures_faults
from ftbuilder.core.errors import StorageError
from ftbuilder.core.files import write_atomic


@pytest.mark.fault
def test_write_atomic_on_a_full_disk_keeps_the_old_file_and_leaves_no_temp(small_disk) -> None:
    disk = small_disk("256k")
    target = disk / "config.yaml"
    write_atomic(target, "old: 1\n")
    fixtures_faults.fill_disk(disk)
    with pytest.raises(StorageError) as err:
        write_atomic(target, "new: 2\n" * 20000, "the config file")
    assert err.value.kind == "disk_full"
    assert "the disk is full: cannot write the config file" in err.value.message
    assert "free some space" in err.value.hint
    assert target.read_text(encoding="utf-8") == "old: 1\n"
    assert sorted(p.name for p in disk.iterdir()) == ["config.yaml", "filler"]


def test_write_atomic_writes_through_a_symlink_and_keeps_the_mode(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("a\n", encoding="utf-8")
    os.chmod(real, 0o600)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    write_atomic(link, "b\n")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "b\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
