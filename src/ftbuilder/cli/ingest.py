"""``ftb ingest PATH...``: read files into documents, one report line per file."""

from __future__ import annotations

import argparse
from typing import Any

from ftbuilder.cli.common import EXIT_FAIL, EXIT_OK, Session, add_command, table

MAX_WARNINGS = 10


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _parts(r: Any) -> str:
    for attr, label in (("pages", "pages"), ("sheets", "sheets"), ("slides", "slides")):
        v = getattr(r, attr, None)
        if v:
            return f"{v} {label}"
    return ""


def render_reports(reports: list[Any]) -> str:
    """The per-file table shared by ingest and build."""
    rows, warned = [], []
    for r in reports:
        warnings = getattr(r, "warnings", None) or []
        note = r.error or ", ".join(x for x in (_parts(r), _plural(len(warnings), "warning"))
                                    if x)
        rows.append([r.path, r.type, r.status, _size(r.bytes), r.chars, r.tokens,
                     f"{r.seconds:.2f}s", note])
        warned += [f"  {r.path}: {w}" for w in warnings]
    text = table(["file", "type", "status", "size", "chars", "tokens", "time", "note"], rows,
                 max_width=70)
    if warned:
        shown = warned[:MAX_WARNINGS]
        more = len(warned) - len(shown)
        text += "\n\nskipped while reading:\n" + "\n".join(shown)
        if more:
            text += f"\n  ... and {more} more (--json lists all)"
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}" if n else ""


def run(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.ingest import ingest_paths

    with session.running() as cancel:
        result = ingest_paths(session.ctx, args.paths, progress=session.progress, cancel=cancel)

    def human() -> str:
        lines = [render_reports(result.reports), ""]
        lines.append(f"{result.ok} ok, {result.failed} failed, {len(result.reports)} files")
        return "\n".join(lines)

    session.emit(result, human)
    return EXIT_FAIL if result.failed else EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "ingest", "read files (PDF, DOCX, XLSX, PPTX, CSV, JSON, text) into the store",
        run, epilog="Folders are searched recursively. Unchanged files are not read again.\n"
                    "Exit 1 when a file could not be read (the others are still ingested).")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
