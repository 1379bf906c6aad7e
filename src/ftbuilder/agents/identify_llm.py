"""Identify mode's LLM fallback: the agent LLM reads the documents no pattern can read.

Used only when ``agent.identify.llm_fallback`` (or ``ftb build --llm-fallback``) is on, and
only for documents where :func:`~ftbuilder.extract.identify.identify_document` found nothing.
Each chunk of such a document is one task of the generation runner
(:mod:`ftbuilder.agents.runner`: concurrency, response cache, resumable work items,
accounting), asked once. Every served model (OpenAI-compatible servers included) gets
``prompts/system/identify_mode.txt`` with ``identify_request.txt`` and the conversations
JSON schema on its chat endpoint; only the in-process base model (the embedded GGUF) gets
the few-shot ``identify_completion.txt`` (:func:`identify_style`).

The model is not trusted: every message it returns must appear in the chunk word for word,
whitespace-normalised and case-sensitive (a message it merged from several lines of one
speaker: each line, in order). A conversation failing that is rejected as ``not_verbatim``;
one shorter than ``agent.identify.min_turns`` or without a user and an assistant message as
``too_short``; a reply that is no JSON counts as ``invalid_json`` (by the runner). Accepted
conversations cite their file and where the text is ("lines 3-6", via
:func:`~ftbuilder.ingest.locate.location_for_span`; the chunk's location when the document
has no text segments) and carry ``meta["origin"] = "identify-llm"``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.agents.accounting import NOT_VERBATIM, TOO_SHORT
from ftbuilder.agents.create import CHAT, COMPLETION, COMPLETION_STOP, Generator, Task
from ftbuilder.agents.parsing import CONVERSATIONS_SCHEMA, ParseResult
from ftbuilder.agents.prompts import fill, load_prompt
from ftbuilder.backends.base import LLMClient, LLMRequest
from ftbuilder.config import Settings
from ftbuilder.core.types import Conversation, Document, Message
from ftbuilder.extract.identify import IdentifyOptions, usable
from ftbuilder.ingest.locate import location_for_span

ORIGIN = "identify-llm"
_WORD_RE = re.compile(r"\S+")


def normalise_space(text: str) -> str:
    """``text`` with every run of whitespace made one space, trimmed (the verbatim form)."""
    return " ".join(text.split())


class SourceText:
    """A text in verbatim form, searchable, with a map back to offsets of the original."""

    def __init__(self, text: str) -> None:
        words = [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]
        self.text = " ".join(text[a:b] for a, b in words)
        self._orig = [a for a, _b in words]
        self._norm: list[int] = []
        pos = 0
        for a, b in words:
            self._norm.append(pos)
            pos += b - a + 1

    def original(self, pos: int) -> int:
        """The offset in the original text of position ``pos`` of the verbatim form."""
        if not self._norm:
            return 0
        i = max(bisect.bisect_right(self._norm, pos) - 1, 0)
        return self._orig[i] + (pos - self._norm[i])

    def find(self, content: str, start: int = 0) -> tuple[int, int] | None:
        """(start, end) in the verbatim form where ``content`` is, or None.

        ``content`` matches as a whole, or line by line in order (a message merging several
        lines of one speaker, labels between them removed)."""
        whole = normalise_space(content)
        if not whole:
            return None
        i = self.text.find(whole, start)
        if i >= 0:
            return i, i + len(whole)
        lines = [normalise_space(ln) for ln in content.splitlines() if ln.strip()]
        if len(lines) < 2:
            return None
        first, pos = -1, start
        for line in lines:
            i = self.text.find(line, pos)
            if i < 0:
                return None
            first = i if first < 0 else first
            pos = i + len(line)
        return first, pos


def verbatim_span(conv: Conversation, source: SourceText) -> tuple[int, int] | None:
    """The span of ``source`` (verbatim form) holding every message of ``conv``, or None
    when one message is not there. Each message is looked for after the previous one
    first, then anywhere."""
    lo, hi, pos = -1, -1, 0
    for m in conv.messages:
        if m.role == "system":
            continue
        hit = source.find(str(m.content), pos) or source.find(str(m.content))
        if hit is None:
            return None
        lo = hit[0] if lo < 0 else min(lo, hit[0])
        hi, pos = max(hi, hit[1]), hit[1]
    return (lo, hi) if lo >= 0 else None


@dataclass
class IdentifyGenerator(Generator):
    """Asks the agent LLM for the conversations of one chunk, once, and keeps only verbatim
    ones. ``documents`` (by SHA-256) give the locations; ``accepted`` counts per file."""

    options: IdentifyOptions = field(default_factory=IdentifyOptions)
    documents: dict[str, Document] = field(default_factory=dict)
    accepted: dict[str, int] = field(default_factory=dict)
    _sources: dict[str, SourceText] = field(default_factory=dict, init=False, repr=False)

    @property
    def job(self) -> str:
        return ORIGIN

    def request(self, task: Task, attempt: int = 0) -> LLMRequest:
        seed = int(task.key[:8], 16) + attempt
        temperature = 0.0 if attempt == 0 else 0.3  # a retry must not repeat the failure
        max_tokens = min(8192, 300 + task.chunk.tokens * 3 // 2)
        if self.style == COMPLETION:
            return LLMRequest(prompt=fill(self.template, text=task.chunk.text),
                              temperature=temperature, max_tokens=max_tokens,
                              stop=COMPLETION_STOP, seed=seed)
        user = fill(self.template, file=task.chunk.source, location=task.chunk.location or "-",
                    chunk=task.chunk.text)
        return LLMRequest(messages=[{"role": "user", "content": user}], system=self.system,
                          temperature=temperature, max_tokens=max_tokens,
                          json_schema=CONVERSATIONS_SCHEMA, seed=seed)

    def parse(self, text: str) -> ParseResult:
        parsed = super().parse(text)
        self.failures[TOO_SHORT] += parsed.dropped
        return parsed

    def _source(self, key: str, text: str) -> SourceText:
        if key not in self._sources:
            self._sources[key] = SourceText(text)
        return self._sources[key]

    def _location(self, task: Task, conv: Conversation) -> str:
        doc = self.documents.get(task.chunk.doc_sha)
        if doc is None or not doc.segments:
            return task.chunk.location
        source = self._source("doc:" + doc.sha256, doc.text)
        span = verbatim_span(conv, source)
        if span is None:  # text the chunker made (a table row) rather than the document's
            return task.chunk.location
        return location_for_span(doc, source.original(span[0]),
                                 source.original(max(span[1] - 1, span[0])) + 1)

    def conversations(self, task: Task, parsed: ParseResult) -> list[Conversation]:
        """The verbatim conversations of a reply, located; the others counted by reason."""
        chunk = self._source("chunk:" + task.chunk.key, task.chunk.text)
        out = []
        for p in parsed.items:
            conv = Conversation([Message(r, c) for r, c in p.turns],
                                source_file=task.chunk.source or None)
            if not usable(conv, self.options):
                self.failures[TOO_SHORT] += 1
                continue
            if verbatim_span(conv, chunk) is None:
                self.failures[NOT_VERBATIM] += 1
                continue
            conv.location = self._location(task, conv) or None
            conv.meta = {**self.scope, "pattern": "llm", "chunk": task.chunk.key,
                         "agent": self.agent, "work_item": task.key}
            conv.topic_keywords = p.keywords or self.keyword_index.for_conversation(conv)
            if self.system_prompt:
                conv.messages.insert(0, Message("system", self.system_prompt))
                conv.meta["system_prompt_added"] = True
            self.accepted[task.chunk.source] = self.accepted.get(task.chunk.source, 0) + 1
            out.append(conv)
        return out


def identify_style(client: LLMClient) -> str:
    """Completion (the few-shot prompt) only for the in-process base model, the embedded
    GGUF; every served model, an OpenAI-compatible llama.cpp/vLLM/Ollama server included,
    is asked on its chat endpoint: they serve instruct models, which a few-shot completion
    prompt does not fit (see docs/providers.md)."""
    inner: object = client
    while not hasattr(inner, "model_path") and isinstance(getattr(inner, "inner", None),
                                                          LLMClient):
        inner = inner.inner  # type: ignore[attr-defined]
    return COMPLETION if hasattr(inner, "model_path") else CHAT


def identify_generator(settings: Settings, client: LLMClient,
                       documents: list[Document]) -> IdentifyGenerator:
    """The fallback's generator for ``documents`` (each chunk asked once).

    Raises:
        ConfigError: a prompt file is missing or empty.
    """
    style = identify_style(client)
    pdir = settings.prompts_dir
    completion = style == COMPLETION
    scope: dict[str, Any] = {"mode": "identify", "origin": ORIGIN}
    return IdentifyGenerator(
        mode="identify", style=style,
        system=None if completion else load_prompt(pdir, "identify_mode"),
        template=load_prompt(pdir, "identify_completion" if completion else "identify_request"),
        angles=[""], temperature=0.0, variety="low", max_turns=1, per_call=1,
        system_prompt=settings.config.system_prompt.strip(), agent=client.describe(),
        scope=scope, rounds=1, options=IdentifyOptions.from_settings(settings),
        documents={d.sha256: d for d in documents},
    )
