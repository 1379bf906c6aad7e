"""Domain types shared by every layer. Pure: stdlib only.

Plain dataclasses (slots) rather than pydantic models: a dataset holds 100,000+
conversations and these are created in hot loops (import, split, export).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

ROLES = ("system", "user", "assistant", "tool", "function")
SPLITS = ("train", "validation", "test")
Split = Literal["train", "validation", "test"]


@dataclass(slots=True)
class Message:
    """One chat message. ``extra`` keeps provider keys we do not model (tool_calls, weight...)."""

    role: str
    content: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.extra:
            d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Message:
        extra = {k: v for k, v in d.items() if k not in ("role", "content")}
        content = d.get("content")
        return cls(str(d.get("role", "")), "" if content is None else content, extra)


@dataclass(slots=True)
class Conversation:
    """A sample: messages plus where it came from.

    ``location`` is human readable: "page 3", "sheet Sales row 12", "slide 4", "line 10-14".
    ``meta`` carries anything else (origin mode, chunk id, context, flags).
    """

    messages: list[Message]
    source_file: str | None = None
    location: str | None = None
    topic_keywords: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    split: str | None = None
    token_count: int | None = None

    def messages_json(self) -> str:
        return json.dumps([m.to_dict() for m in self.messages], ensure_ascii=False)

    def content_hash(self) -> str:
        """SHA-256 of roles + contents, whitespace-normalised: the exact-duplicate key."""
        h = hashlib.sha256()
        for m in self.messages:
            h.update(m.role.encode())
            h.update(b"\x1f")
            h.update(" ".join(str(m.content).split()).encode("utf-8", "surrogatepass"))
            h.update(b"\x1e")
        return h.hexdigest()


@dataclass(slots=True)
class Segment:
    """A piece of a document's text with its location (page, sheet/row, slide, line)."""

    text: str
    location: str


@dataclass(slots=True)
class Table:
    """Rows of a sheet or CSV: ``header`` plus ``rows``; ``name`` is the sheet name or file name.

    ``first_row`` is the 1-based row number of ``rows[0]`` in the original file.
    """

    name: str
    header: list[str]
    rows: list[list[str]]
    first_row: int = 2


@dataclass(slots=True)
class Document:
    """A file read into text. ``records``: parsed JSON/JSONL objects with their 1-based line."""

    path: str
    sha256: str
    type: str
    segments: list[Segment] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    records: list[tuple[int, Any]] = field(default_factory=list)
    pages: int | None = None
    sheets: int | None = None
    slides: int | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(s.text for s in self.segments)


@dataclass(slots=True)
class FileReport:
    """What happened to one file during ingestion. status: ok | unchanged | error | skipped
    (a path a folder walk left out with a warning: a symlink out of the folder or a loop, a
    FIFO or device; the reason is in ``error``).

    ``warnings`` lists parts of an ok file that were skipped (e.g. "line 7: not valid JSON").
    """

    path: str
    type: str
    status: str
    bytes: int = 0
    pages: int | None = None
    sheets: int | None = None
    slides: int | None = None
    chars: int = 0
    tokens: int = 0
    error: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class TokenCount:
    """Tokens of one conversation for one target model.

    ``exact`` is False for estimates (Anthropic, Gemini): show them labelled "estimate".
    """

    total: int
    exact: bool
    method: str
    assistant: int = 0


@dataclass(slots=True)
class ModelSpec:
    """One fine-tunable model from the registry data file (targets/models.yaml).

    A limit that is None is unknown. ``unverified`` lists the fields whose numbers have no
    confirmed source: show them as UNVERIFIED, never as fact. ``aliases``: the other ids the
    provider documents for this snapshot (``gpt-4o-mini`` for ``gpt-4o-mini-2024-07-18``).
    """

    provider: str
    id: str
    format: str
    tokenizer: str
    max_tokens_per_example: int | None = None
    context: int | None = None
    min_examples: int | None = None
    max_examples: int | None = None
    max_validation_examples: int | None = None
    max_training_tokens: int | None = None
    max_file_bytes: int | None = None
    max_validation_file_bytes: int | None = None
    price_per_1m_training_tokens: float | None = None
    verified: bool = False
    unverified: list[str] = field(default_factory=list)
    source: str = ""
    notes: str = ""
    aliases: list[str] = field(default_factory=list)

    def is_verified(self, field_name: str) -> bool:
        return self.verified and field_name not in self.unverified


@dataclass(slots=True)
class Violation:
    """One rule broken by one example. ``line``: 1-based in the file, or the sample's position."""

    line: int
    code: str
    message: str
    fix: str = ""
    severity: str = "error"
    sample_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class DatasetInfo:
    """A dataset row of the store."""

    id: int
    name: str
    provider: str
    model: str
    mode: str
    created_at: str
    total_samples: int = 0
    total_tokens: int = 0
    config: dict[str, Any] = field(default_factory=dict)
