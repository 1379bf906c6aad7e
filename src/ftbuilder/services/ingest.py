"""Use case: read input files into Documents, with a report per file.

Both faces call :func:`ingest_paths` (``ftb ingest``, the TUI's file step) and the build
service calls it before its agents run. A file that cannot be read is reported and skipped;
the rest of the batch goes on. A file already in the store with the same path and SHA-256
is not read again: its Document comes back from the store (status "unchanged").
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import IngestError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Document, FileReport
from ftbuilder.ingest import (
    Limits,
    Skipped,
    check_file,
    document_from_payload,
    document_to_payload,
    file_type,
    read_document,
    sha256_file,
    walk_inputs,
)
from ftbuilder.ingest.walk import real
from ftbuilder.services.context import AppContext

TOKEN_ENCODING = "o200k_base"  # the report's token figure; per-target counts come later


@dataclass
class IngestResult:
    """Per-file reports (input order, then the paths a folder walk left out: status
    "skipped" with the reason in ``error``, or "error" for an unreadable folder) and the
    Documents of the files read or unchanged."""

    reports: list[FileReport] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)

    @property
    def ok(self) -> int:
        """Files read now or restored unchanged."""
        return sum(r.status in ("ok", "unchanged") for r in self.reports)

    @property
    def failed(self) -> int:
        return sum(r.status == "error" for r in self.reports)

    @property
    def unchanged(self) -> int:
        return sum(r.status == "unchanged" for r in self.reports)

    @property
    def skipped(self) -> int:
        """Paths a folder walk left out with a warning (symlink outside or loop, FIFO...)."""
        return sum(r.status == "skipped" for r in self.reports)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "failed": self.failed, "unchanged": self.unchanged,
                "skipped": self.skipped, "files": [r.to_dict() for r in self.reports]}


@functools.cache
def _encoder() -> Any:
    import quicktok  # ships its vocabularies: no download

    return quicktok.get_encoding(TOKEN_ENCODING)


def count_tokens(text: str) -> int:
    """Tokens of ``text`` in the o200k_base encoding (the report's figure)."""
    return _encoder().count(text) if text else 0


def limits_of(ctx: AppContext) -> Limits:
    """The ingest limits from config (ingest.max_file_mb, max_decompressed_mb, ratio)."""
    c = ctx.settings.config.ingest
    return Limits.from_mb(c.max_file_mb, c.max_decompressed_mb, c.max_compression_ratio)


def discover_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders (recursively, sorted) into the files to ingest.

    Files named explicitly are kept whatever their type (an unsupported one is reported
    by :func:`ingest_paths`), as are paths that do not exist. Inside folders, hidden files
    and folders (.git, .venv...) and Office lock files are skipped, as are unsupported
    types, special files (FIFOs, devices) and symlinks that point outside the named folders
    or loop (see :func:`ftbuilder.ingest.walk.walk_inputs`; :func:`ingest_paths` reports
    those). Each file appears once, in the order given.
    """
    return walk_inputs(paths).files


def _skip_report(s: Skipped) -> FileReport:
    """The report of a path a folder walk left out: "skipped" (a warning) or "error"."""
    kind = "folder" if s.failed else (file_type(s.path) or s.path.suffix.lstrip(".").lower())
    return FileReport(path=os.path.abspath(s.path), type=kind,
                      status="error" if s.failed else "skipped", error=s.reason)


def _error_report(path: Path, key: str, err: Exception, started: float) -> FileReport:
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        size = 0
    return FileReport(path=key, type=file_type(path) or path.suffix.lstrip(".").lower(),
                      status="error", bytes=size, error=str(err),
                      seconds=round(time.perf_counter() - started, 4))


def _from_store(ctx: AppContext, key: str, sha: str, started: float,
                ) -> tuple[FileReport, Document] | None:
    found = ctx.store.find_document(key, sha)
    if not found or not found.get("payload"):
        return None
    try:
        doc = document_from_payload(found["payload"])
    except (ValueError, KeyError, TypeError):
        return None  # an older or damaged payload: read the file again
    stored = found.get("report") or {}
    known = {k: v for k, v in stored.items() if k in FileReport.__slots__}  # type: ignore[attr-defined]
    rep = FileReport(**{**known, "path": key, "status": "unchanged", "error": "",
                        "seconds": round(time.perf_counter() - started, 4)})
    return rep, doc


def ingest_file(ctx: AppContext, path: str | Path, limits: Limits | None = None,
                read: dict[str, Any] | None = None) -> tuple[FileReport, Document | None]:
    """Ingest one file: check, hash, restore from the store if unchanged, else read and store.

    Returns the report and the Document (None when status is "error"). Never raises for a
    bad file: the error goes into the report as one line.
    """
    started = time.perf_counter()
    p = Path(path).expanduser()
    key = real(p)
    limits = limits or limits_of(ctx)
    try:
        size = check_file(p, limits)
        sha = sha256_file(p, max_bytes=limits.max_file_bytes)
        restored = _from_store(ctx, key, sha, started)
        if restored is not None:
            return restored
        ready = (read or {}).get(str(path))  # read on the Ray engine (services/engine.py)
        if isinstance(ready, IngestError):
            raise ready
        if ready is not None and ready.sha256 == sha:
            doc = ready
        else:
            doc = read_document(p, limits, sha256=sha)
    except IngestError as e:
        return _error_report(p, key, e, started), None
    except OSError as e:  # permission denied, vanished while reading...
        return _error_report(p, key, IngestError(f"cannot read: {e.strerror or e}",
                                                 "check the file's permissions"), started), None
    doc.path = key
    text = doc.text
    rep = FileReport(path=key, type=doc.type, status="ok", bytes=size, pages=doc.pages,
                     sheets=doc.sheets, slides=doc.slides, chars=len(text),
                     tokens=count_tokens(text), warnings=list(doc.warnings))
    rep.seconds = round(time.perf_counter() - started, 4)
    ctx.store.save_document(key, sha, doc.type, text, rep.to_dict(), document_to_payload(doc))
    return rep, doc


def ingest_paths(ctx: AppContext, paths: list[str | Path], progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None, engine: Any = None) -> IngestResult:
    """Read files and folders into Documents, one report per file.

    Args:
        ctx: settings (limits in ``ingest.*``) and the store (documents are saved there).
        paths: files and/or folders; folders are searched recursively (see discover_files).
        progress: called once per file with stage "ingest", done/total and the file name.
        cancel: checked between files.
        engine: a Ray engine (services/engine.py) reads the files in parallel first; the
            checks, hashes, reports and the store stay here, so the result is the same.

    Returns:
        IngestResult with a FileReport per file (status ok | unchanged | error) and the
        Documents of the ok and unchanged files.

    Raises:
        Cancelled: ``cancel`` was triggered; files already ingested stay in the store.
    """
    walk = walk_inputs(paths)
    files = walk.files
    limits = limits_of(ctx)
    if files:
        _encoder()  # load the vocabulary once, outside the first file's timing
    result = IngestResult()
    started = time.monotonic()
    report(progress, "ingest", 0, len(files), "", started)
    read = None
    if engine is not None and engine.name != "local" and files:
        from ftbuilder.services.engine import read_documents

        read = read_documents(engine, [str(f) for f in files], limits)
    for i, f in enumerate(files, 1):
        if cancel is not None:
            cancel.check()
        rep, doc = ingest_file(ctx, f, limits, read)
        result.reports.append(rep)
        if doc is not None:
            result.documents.append(doc)
        report(progress, "ingest", i, len(files), f"{f.name}: {rep.status}", started)
    result.reports.extend(_skip_report(s) for s in walk.skipped)
    return result
