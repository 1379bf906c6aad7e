"""Token-aware chunking of documents for the generating agents (create, hybrid, free).

Paragraphs are packed whole into chunks of at most ``chunk_tokens`` tokens (o200k_base, the
tokenizer of today's common agent models; a close count for the others). A paragraph larger
than a chunk is cut at sentence ends, and a sentence larger than a chunk at token bounds.
Each chunk after the first starts with the last ``overlap`` tokens' worth of the previous one
(whole paragraphs or sentences when they fit), so a fact cut at a boundary is seen whole once.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ftbuilder.core.types import Document

_PARA_RE = re.compile(r"\n\s*\n")
_SENT_RE = re.compile(r"(?<=[.!?;:])\s+(?=\S)")


@lru_cache(maxsize=1)
def _encoding():  # type: ignore[no-untyped-def]
    import quicktok

    return quicktok.get_encoding("o200k_base")


def count_tokens(text: str) -> int:
    """Tokens of ``text`` in o200k_base (offline, shipped with quicktok)."""
    return _encoding().count(text)


@dataclass(slots=True, frozen=True)
class Chunk:
    """One piece of a document given to the agent LLM; ``index`` is its place in the document."""

    source: str
    doc_sha: str
    index: int
    text: str
    location: str
    tokens: int

    @property
    def key(self) -> str:
        """Stable id of this chunk: document content + index (+ its text, for changed sizes)."""
        h = hashlib.sha256(f"{self.doc_sha}\x1f{self.index}\x1f{self.text}".encode())
        return h.hexdigest()[:24]

    def to_payload(self) -> dict[str, object]:
        return {"source": self.source, "doc_sha": self.doc_sha, "index": self.index,
                "text": self.text, "location": self.location, "tokens": self.tokens}

    @classmethod
    def from_payload(cls, d: dict) -> Chunk:
        return cls(str(d["source"]), str(d["doc_sha"]), int(d["index"]), str(d["text"]),
                   str(d.get("location", "")), int(d.get("tokens", 0)))


def _units(doc: Document) -> list[tuple[str, str]]:
    """(paragraph, location) pairs in reading order: segments, else tables, else records."""
    out: list[tuple[str, str]] = []
    for seg in doc.segments:
        out.extend((p.strip(), seg.location) for p in _PARA_RE.split(seg.text) if p.strip())
    if not out:
        for table in doc.tables:
            for n, row in enumerate(table.rows, start=table.first_row):
                cells = [f"{h}: {v}" for h, v in zip(table.header, row, strict=False)
                         if str(v).strip()]
                if cells:
                    out.append(("; ".join(cells), f"{table.name} row {n}"))
    if not out:
        for line, rec in doc.records:
            text = rec if isinstance(rec, str) else json.dumps(rec, ensure_ascii=False)
            if text.strip():
                out.append((text, f"line {line}"))
    return out


def _split_long(text: str, limit: int) -> list[str]:
    """Cut a paragraph over ``limit`` tokens at sentence ends, then at token bounds."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for sent in _SENT_RE.split(text):
        n = count_tokens(sent)
        if n > limit:
            if current:
                pieces.append(" ".join(current))
                current, size = [], 0
            ids = _encoding().encode(sent)
            pieces.extend(_encoding().decode(ids[i:i + limit]) for i in range(0, len(ids), limit))
            continue
        if size + n > limit and current:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.append(sent)
        size += n + 1
    if current:
        pieces.append(" ".join(current))
    return [p for p in pieces if p.strip()]


def _tail(parts: list[tuple[str, str, int]], overlap: int) -> list[tuple[str, str, int]]:
    """The end of a chunk to repeat at the start of the next: whole units, else sentences."""
    if overlap <= 0 or not parts:
        return []
    kept: list[tuple[str, str, int]] = []
    total = 0
    for text, loc, n in reversed(parts):
        if total + n > overlap:
            break
        kept.insert(0, (text, loc, n))
        total += n
    if kept:
        return kept
    text, loc, _ = parts[-1]
    sents = _SENT_RE.split(text)
    tail = ""
    for sent in reversed(sents):
        candidate = f"{sent} {tail}".strip()
        if count_tokens(candidate) > overlap:
            break
        tail = candidate
    if not tail:
        ids = _encoding().encode(text)[-overlap:]
        tail = _encoding().decode(ids).split(" ", 1)[-1]
    return [(tail, loc, count_tokens(tail))] if tail.strip() else []


def _span(locations: Iterable[str]) -> str:
    locs = list(dict.fromkeys(x for x in locations if x))
    if not locs:
        return ""
    return locs[0] if len(locs) == 1 else f"{locs[0]} to {locs[-1]}"


def chunk_document(doc: Document, chunk_tokens: int = 800, overlap: int = 80) -> list[Chunk]:
    """Cut ``doc`` into chunks of at most ``chunk_tokens`` tokens with ``overlap`` tokens shared.

    Raises:
        ValueError: ``overlap`` is not smaller than half of ``chunk_tokens``.
    """
    if overlap * 2 >= chunk_tokens:
        raise ValueError(f"chunk overlap {overlap} must be less than half of the chunk size "
                         f"{chunk_tokens}")
    units: list[tuple[str, str, int]] = []
    for text, loc in _units(doc):
        n = count_tokens(text)
        if n > chunk_tokens - overlap:
            pieces = _split_long(text, chunk_tokens - overlap)
            units.extend((p, loc, count_tokens(p)) for p in pieces)
        else:
            units.append((text, loc, n))
    chunks: list[Chunk] = []
    parts: list[tuple[str, str, int]] = []
    size = 0
    fresh = 0  # units in ``parts`` that are not overlap from the previous chunk

    def flush() -> None:
        text = "\n\n".join(p[0] for p in parts)
        chunks.append(Chunk(doc.path, doc.sha256, len(chunks), text,
                            _span(p[1] for p in parts), count_tokens(text)))

    for unit in units:
        if fresh and size + unit[2] + 2 > chunk_tokens:
            flush()
            parts = _tail(parts, overlap)
            size = sum(p[2] + 2 for p in parts)
            fresh = 0
        parts.append(unit)
        size += unit[2] + 2
        fresh += 1
    if fresh:
        flush()
    return chunks
