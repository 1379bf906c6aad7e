"""The files of an export folder: which ftb wrote, written atomically, never over another's.

ftb keeps a manifest in the folder (``.ftb-export.json``: each file it wrote with the
SHA-256 of its content). A file of a name an export writes is replaced, and a stale one
removed, only when the manifest lists it with its current content; any other file of that
name (the user's own, or an ftb file edited since) makes the export refuse before anything
is written (:meth:`ExportFolder.check`). New files are written under hidden temporary names,
flushed, and renamed into place at the end (:class:`Outputs`); on any failure, a full disk
included, the temporary files are removed and the folder is as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from ftbuilder.core.errors import FtbError, UsageError
from ftbuilder.core.files import fsync_dir, os_error, remove_quietly, tmp_path, write_atomic

MANIFEST = ".ftb-export.json"
WRITE_HINT = "pick another --out: a folder you can write"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def no_nul(obj: Any) -> Any:
    """``obj`` (JSON data) with NUL characters removed from every string."""
    if isinstance(obj, str):
        return obj.replace("\x00", "")
    if isinstance(obj, list | tuple):
        return [no_nul(x) for x in obj]
    if isinstance(obj, dict):
        return {no_nul(k): no_nul(v) for k, v in obj.items()}
    return obj


def dumps(obj: Any, **kw: Any) -> str:
    """``json.dumps`` (UTF-8 kept) of ``obj`` without NUL characters in its strings."""
    text = json.dumps(obj, ensure_ascii=False, **kw)
    return json.dumps(no_nul(obj), ensure_ascii=False, **kw) if "\\u0000" in text else text


class NulFree:
    """A text file wrapper that drops NUL characters (metadata.csv)."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh

    def write(self, s: str) -> int:
        return self.fh.write(s.replace("\x00", "") if "\x00" in s else s)


class ExportFolder:
    """An export folder and the files ftb wrote in it (its manifest)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.owned = self._load()
        self.seen: dict[str, str] = {}  # name -> hash of the file there now, when ours

    def _load(self) -> dict[str, list[str]]:
        try:
            data = json.loads((self.out / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            return {}
        return {k: [h for h in v if isinstance(h, str)] for k, v in files.items()
                if isinstance(k, str) and isinstance(v, list)}

    def is_ours(self, name: str) -> bool:
        """Whether nothing is at ``name``, or a file ftb wrote, unchanged since."""
        path = self.out / name
        if not os.path.lexists(path):
            return True
        if path.is_symlink() or not path.is_file() or not self.owned.get(name):
            return False
        try:
            digest = sha256_file(path)
        except OSError:
            return False
        if digest not in self.owned[name]:
            return False
        self.seen[name] = digest
        return True

    def refuse(self, name: str) -> UsageError:
        return UsageError(f"{self.out / name} was not written by ftb (or was changed since): "
                          "nothing was exported, that file is left as it is",
                          "export to another folder with --out, or move that file away")

    def check(self, names: Iterable[str]) -> None:
        """Refuse (UsageError naming the file) when a file of ``names`` is not ours."""
        for name in sorted(names):
            if not self.is_ours(name):
                raise self.refuse(name)

    def save(self, files: dict[str, list[str]]) -> None:
        write_atomic(self.out / MANIFEST, json.dumps({"version": 1, "files": files},
                                                     indent=2, sort_keys=True) + "\n",
                     f"export file {self.out / MANIFEST}", WRITE_HINT)


def fsync_file(path: Path) -> None:
    """Flush a closed file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Outputs:
    """Temporary files opened on demand, renamed into place by :meth:`commit`."""

    def __init__(self, folder: ExportFolder) -> None:
        self.folder = folder
        self.out = folder.out
        self.handles: dict[str, IO[str]] = {}
        self.counts: dict[str, int] = {}

    def open(self, name: str, newline: str | None = None) -> IO[str]:
        """The temporary file of ``name`` (a Parquet row sink for ``*.parquet``)."""
        fh = self.handles.get(name)
        if fh is None:
            try:
                if name.endswith(".parquet"):
                    from ftbuilder.formats.parquet import ParquetSink

                    fh = ParquetSink(tmp_path(self.out / name))  # type: ignore[assignment]
                else:
                    fh = tmp_path(self.out / name).open("w", encoding="utf-8",
                                                        newline=newline, buffering=1 << 20)
            except OSError as e:
                raise os_error(e, f"export file {self.out / name}", WRITE_HINT) from None
            self.handles[name] = fh
            self.counts[name] = 0
        return fh

    def commit(self) -> dict[str, str]:
        """Flush every file to disk and rename it into place; returns name -> SHA-256.

        Raises:
            StorageError: a file could not be written whole (nothing is renamed then).
            UsageError: a file not written by ftb appeared at one of the names meanwhile.
        """
        try:
            for name, fh in self.handles.items():
                if hasattr(fh, "fileno"):
                    fh.flush()
                    os.fsync(fh.fileno())
                    fh.close()
                else:  # a Parquet sink writes its last row group on close
                    fh.close()
                    fsync_file(tmp_path(self.out / name))
            digests = {n: sha256_file(tmp_path(self.out / n)) for n in self.handles}
        except OSError as e:
            self.abort()
            raise os_error(e, f"the export in {self.out}", WRITE_HINT) from None
        for name in self.handles:  # checked before writing; a file that appeared since?
            if name not in self.folder.seen and not self.folder.is_ours(name):
                self.abort()
                raise self.folder.refuse(name)
        # Killed between the renames, the manifest still knows both contents of each name.
        during = dict(self.folder.owned)
        for name, digest in digests.items():
            during[name] = [*during.get(name, []), digest]
        try:
            self.folder.save(during)
        except FtbError:
            self.abort()
            raise
        try:
            for name in self.handles:
                os.replace(tmp_path(self.out / name), self.out / name)
        except OSError as e:
            self.abort()
            raise os_error(e, f"the export in {self.out}", WRITE_HINT) from None
        fsync_dir(self.out)
        return digests

    def abort(self) -> None:
        """Close and remove the temporary files (errors closing them are not raised)."""
        for name, fh in self.handles.items():
            with contextlib.suppress(OSError, ValueError):
                fh.close()
            remove_quietly(tmp_path(self.out / name))


def finish(folder: ExportFolder, written: dict[str, str], stale: Iterable[str]) -> list[str]:
    """After :meth:`Outputs.commit`: remove the ``stale`` files that are ours, and write the
    manifest of what ftb now has in the folder. Returns the stale names left in place
    because ftb did not write them."""
    files = {n: [h] for n, h in written.items()}
    stale = set(stale)
    kept = []
    for name in sorted(stale):
        if not os.path.lexists(folder.out / name):
            continue
        if folder.is_ours(name):
            (folder.out / name).unlink(missing_ok=True)
        else:
            kept.append(name)
    for name, hashes in folder.owned.items():
        if name in files or name in stale or not (folder.out / name).is_file():
            continue
        files[name] = [folder.seen[name]] if name in folder.seen else hashes
    folder.save(files)
    return kept


def exported(out: Path) -> list[str]:
    """The names in export folder ``out``, sorted, but for the manifest."""
    return sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
