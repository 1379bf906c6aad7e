"""Fault cases of the folder walk and of reading one file: real symlinks (outside, loops,
broken), a real FIFO, /dev/zero and a /proc file that reports size 0 (issue 8, items 7, 10)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ftbuilder.core.errors import IngestError
from ftbuilder.ingest import Limits, read_document, sha256_file, walk_inputs
from ftbuilder.ingest.base import check_file, read_limit
from ftbuilder.ingest.text import read_text
from ftbuilder.ingest.walk import BROKEN, LOOP, OUTSIDE, TWICE


def tree(tmp_path: Path) -> tuple[Path, Path]:
    """inputs/ with good files and every hostile link; outside/ holds a stand-in secret."""
    inputs, outside = tmp_path / "inputs", tmp_path / "outside"
    (inputs / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "shadow.txt").write_text("root:CANARY-SHADOW:19000:0:99999:7:::\n")
    (outside / "secrets").mkdir()
    (outside / "secrets" / "key.txt").write_text("CANARY-DIR\n")
    (inputs / "a.txt").write_text("first file\n")
    (inputs / "sub" / "b.md").write_text("# second\n")
    (inputs / "shadow.txt").symlink_to(outside / "shadow.txt")  # a file outside
    (inputs / "etc").symlink_to(outside / "secrets")  # a folder outside
    (inputs / "sub" / "up").symlink_to("..")  # a folder loop
    (inputs / "x.txt").symlink_to("y.txt")  # a file loop
    (inputs / "y.txt").symlink_to("x.txt")
    (inputs / "gone.txt").symlink_to("nothing-here.txt")  # broken
    (inputs / "again.txt").symlink_to("a.txt")  # inside: the same file once
    return inputs, outside


def reasons(walk) -> dict[str, str]:
    return {p.name: r for p, r, _failed in
            ((s.path, s.reason, s.failed) for s in walk.skipped)}


@pytest.mark.fault
def test_links_out_of_the_folder_are_skipped_and_loops_do_not_stop_the_walk(tmp_path):
    inputs, _outside = tree(tmp_path)
    walk = walk_inputs([inputs])
    assert [p.relative_to(inputs).as_posix() for p in walk.files] == ["a.txt", "sub/b.md"]
    assert reasons(walk) == {"shadow.txt": OUTSIDE, "etc": OUTSIDE, "x.txt": LOOP,
                             "y.txt": LOOP, "gone.txt": BROKEN,
                             "up": LOOP}
    assert not any(s.failed for s in walk.skipped)


@pytest.mark.fault
def test_a_link_inside_the_folder_is_followed(tmp_path):
    inputs = tmp_path / "inputs"
    (inputs / "real").mkdir(parents=True)
    (inputs / "real" / "doc.txt").write_text("text\n")
    (tmp_path / "elsewhere").mkdir()
    (inputs / "real" / "alias").symlink_to(tmp_path / "inputs" / "real")  # loop via abs path
    (inputs / "view").symlink_to("real")  # a second way to the same folder
    walk = walk_inputs([inputs])
    assert len(walk.files) == 1 and walk.files[0].name == "doc.txt"
    assert reasons(walk) == {"alias": LOOP, "view": TWICE}


@pytest.mark.fault
def test_named_links_are_taken_as_given_but_a_linked_folder_stays_in_its_real_path(tmp_path):
    inputs, outside = tree(tmp_path)
    link = tmp_path / "named.txt"
    link.symlink_to(outside / "shadow.txt")
    assert walk_inputs([link]).files == [link]  # the user named it: allowed
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "data").symlink_to(inputs)  # a symlinked folder named
    walk = walk_inputs([tmp_path / "proj" / "data"])
    assert sorted(p.name for p in walk.files) == ["a.txt", "b.md"]
    assert reasons(walk)["shadow.txt"] == OUTSIDE and reasons(walk)["etc"] == OUTSIDE
    loop = tmp_path / "loop.txt"
    loop.symlink_to("loop.txt")
    assert walk_inputs([loop]).files == [loop]
    with pytest.raises(IngestError, match="symlink loop"):
        check_file(loop, Limits())


@pytest.mark.fault
def test_special_files_are_skipped_in_folders_and_refused_by_name(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "ok.txt").write_text("text\n")
    os.mkfifo(inputs / "pipe.txt")
    walk = walk_inputs([inputs])
    assert [p.name for p in walk.files] == ["ok.txt"]
    assert reasons(walk) == {"pipe.txt": "skipped: not a regular file (it is a FIFO/named pipe)"}
    for special, what in ((inputs / "pipe.txt", "FIFO"), (Path("/dev/zero"), "character")):
        with pytest.raises(IngestError, match=f"not a regular file.*{what}") as e:
            read_document(special)
        assert "copy the data into a file" in e.value.hint
        with pytest.raises(IngestError, match="not a regular file"):
            sha256_file(special)


@pytest.mark.fault
def test_reads_stop_at_the_size_limit_whatever_size_the_file_reports(tmp_path):
    proc = Path("/proc/self/status")
    assert proc.stat().st_size == 0 and len(proc.read_bytes()) > 64  # the lie this guards
    with read_limit(64), pytest.raises(IngestError, match="file too large"):
        read_text(proc)
    with pytest.raises(IngestError, match="file too large"):
        sha256_file(proc, max_bytes=64)
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    with pytest.raises(IngestError, match="too large"):
        read_document(big, Limits(max_file_bytes=100))
    with read_limit(10_000):
        assert read_text(big)[0].startswith("word")
