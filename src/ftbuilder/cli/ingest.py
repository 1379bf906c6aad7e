"""``ftb ingest PATH...``: read files into documents, one report line per file."""

from __future__ import annotations

import argparse
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    display_path,
    table,
)

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
    """The per-file table, then every error and warning in full (shared by ingest and build)."""
    rows, errors, warned, skipped = [], [], [], []
    for r in reports:
        name = display_path(r.path)
        warnings = getattr(r, "warnings", None) or []
        note = ", ".join(x for x in (_parts(r), _plural(len(warnings), "warning")) if x)
        rows.append([name, r.type, r.status, _size(r.bytes), r.chars, r.tokens,
                     f"{r.seconds:.2f}s", note])
        if r.error:
            (skipped if r.status == "skipped" else errors).append(f"  {name}: {r.error}")
        warned += [f"  {name}: {w}" for w in warnings]
    text = table(["file", "type", "status", "size", "chars", "tokens", "time", "note"], rows,
                 max_width=70)
    if errors:
        text += "\n\nnot read:\n" + "\n".join(errors)
    if skipped:
        text += "\n\nleft out of the folders (warnings):\n" + "\n".join(skipped)
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

    empty = "no supported files found in " + ", ".join(map(str, args.paths))
    if not result.reports and session.json:
        session.info(empty)

    def human() -> str:
        if not result.reports:
            return empty
        unchanged = getattr(result, "unchanged", 0)
        skipped = getattr(result, "skipped", 0)
        return (render_reports(result.reports) + f"\n\n{_plural(len(result.reports), 'file')}: "
                f"{result.ok} ok ({unchanged} unchanged), {result.failed} failed"
                + (f", {skipped} skipped" if skipped else ""))

    session.emit(result, human)
    return EXIT_FAIL if result.failed or not result.ok else EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "ingest", "read files (PDF, DOCX, XLSX, PPTX, CSV, JSON, text) into the store",
        run, epilog="Folders are searched recursively. Unchanged files are not read again.\n"
                    "Exit 1 when a file or a subfolder could not be read (the others are still\n"
                    "ingested). Inside folders, symlinks pointing outside the folders named,\n"
                    "symlink loops and special files (FIFOs, devices) are skipped with a warning.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
