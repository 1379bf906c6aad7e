"""The metadata table of a dataset: one CSV row per sample.

Columns: sample_id, content_preview, token_length, topic_keywords, source_file, split,
location, citation. The preview is the first user message (else the first message) on one
line, cut to ``PREVIEW_CHARS`` characters with an ellipsis; keywords are joined with "; ".
``location`` is where in the file the sample is ("page 3, lines 4-9", "sheet FAQ row 7");
``citation`` what else the document said about that place: its heading path, the speaker
and the first timestamp (identify mode's ``meta["citation"]``), "; "-joined.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from ftbuilder.core.types import Conversation
from ftbuilder.formats.stats import relative

COLUMNS = ("sample_id", "content_preview", "token_length", "topic_keywords", "source_file",
           "split", "location", "citation")
PREVIEW_CHARS = 120


def preview(conv: Conversation, limit: int = PREVIEW_CHARS) -> str:
    """First user message (or first message) as one line of at most ``limit`` characters."""
    msg = next((m for m in conv.messages if m.role == "user"),
               conv.messages[0] if conv.messages else None)
    text = " ".join(str(msg.content).split()) if msg else ""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def citation_text(conv: Conversation) -> str:
    """Heading path, speaker and timestamp of an identified sample ("" when none)."""
    cite = (conv.meta or {}).get("citation") or {}
    parts = []
    if cite.get("heading"):
        parts.append(f"heading: {cite['heading']}")
    if cite.get("speaker"):
        parts.append(f"speaker: {cite['speaker']}")
    if cite.get("timestamp"):
        parts.append(f"at {cite['timestamp']}")
    return "; ".join(parts)


def row(conv: Conversation, root: str | Path | None = None) -> list[object]:
    return [conv.id if conv.id is not None else "", preview(conv),
            conv.token_count if conv.token_count is not None else "",
            "; ".join(conv.topic_keywords), relative(conv.source_file, root) or "",
            conv.split or "",
            conv.location or "", citation_text(conv)]


class MetadataWriter:
    """Writes the header, then one row per :meth:`write` call."""

    def __init__(self, fh: IO[str], root: str | Path | None = None) -> None:
        self.root = root  # source files under it are written relative to it
        self._w = csv.writer(fh)
        self._w.writerow(COLUMNS)
        self.rows = 0

    def write(self, conv: Conversation) -> None:
        self._w.writerow(row(conv, self.root))
        self.rows += 1


def write_metadata(fh: IO[str], convs: Iterable[Conversation]) -> int:
    """Write the whole table to an open text file (``newline=""``); returns the row count."""
    w = MetadataWriter(fh)
    for c in convs:
        w.write(c)
    return w.rows
