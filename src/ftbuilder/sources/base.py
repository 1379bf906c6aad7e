"""What every network connector returns: conversations and documents citing their URL,
the items that failed (with why) and the figures of the run."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.core.types import Conversation, Document, Message, Segment

MAX_ERRORS = 50


@dataclass
class Harvest:
    """One connector run. ``errors``: the first items that failed ({url, error}); the run
    goes on past them. ``counts``: samples per kind (package, option, topic, section...)."""

    conversations: list[Conversation] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    failed: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def add(self, conv: Conversation, kind: str) -> None:
        self.conversations.append(conv)
        self.counts[kind] += 1

    def fail(self, url: str, error: BaseException | str) -> None:
        self.failed += 1
        if len(self.errors) < MAX_ERRORS:
            msg = getattr(error, "message", None) or str(error)
            self.errors.append({"url": url, "error": msg})

    def merge(self, other: Harvest) -> None:
        self.conversations.extend(other.conversations)
        self.documents.extend(other.documents)
        self.failed += other.failed
        self.errors.extend(other.errors[: max(0, MAX_ERRORS - len(self.errors))])
        self.counts.update(other.counts)
        self.skipped.update(other.skipped)


def qa(user: str, assistant: str, url: str, location: str, source: str,
       keywords: list[str] | None = None, **meta: Any) -> Conversation:
    """A user/assistant pair citing ``url`` (source_file and meta.url)."""
    return Conversation([Message("user", user.strip()), Message("assistant", assistant.strip())],
                        source_file=url, location=location, topic_keywords=keywords or [],
                        meta={"url": url, "source": source, "origin": "source", **meta})


def document(url: str, kind: str, sections: list[tuple[str, str]]) -> Document:
    """A Document of (heading path, text) sections; ``path`` is the page URL."""
    segs = [Segment(text, f"section {head}" if head else "page") for head, text in sections
            if text.strip()]
    body = "\n\n".join(s.text for s in segs)
    return Document(url, hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest(),
                    kind, segs)
