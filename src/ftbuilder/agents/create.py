"""Create mode: conversations written by the agent LLM, each inspired by one chunk.

A :class:`Generator` turns a (chunk, variant) :class:`Task` into an :class:`LLMRequest` and a
reply back into conversations. Variety comes from the variant: it picks the angle (a line of
``prompts/system/create_angles.txt``), the number of turns (1..agent.create.max_turns) and a
temperature offset. Chat backends get ``prompts/system/create_mode.txt`` plus a JSON schema;
completion-style backends (the embedded base model) get the few-shot
``prompts/system/create_completion.txt`` and answer "Question: ... Answer: ...".
Free mode (:mod:`ftbuilder.agents.free`) is the same generator with the user's instruction;
hybrid mode's generated share uses ``prompts/system/hybrid_mode.txt`` as its instructions
(:mod:`ftbuilder.agents.hybrid`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.agents.parsing import (
    CONVERSATIONS_SCHEMA,
    ParseResult,
    parse_conversations,
    parse_qa_text,
)
from ftbuilder.agents.prompts import fill, load_lines, load_prompt, text_sha
from ftbuilder.backends.base import LLMClient, LLMRequest
from ftbuilder.config import Settings
from ftbuilder.core.types import Conversation, Message
from ftbuilder.extract.keywords import KeywordIndex
from ftbuilder.ingest.chunking import Chunk, count_tokens

CHAT, COMPLETION = "chat", "completion"
_VARIETY = {"low": 1, "medium": 4, "high": 0}  # angles used (0 = all)
_TEMP_OFFSETS = {"low": (0.0,), "medium": (0.0, 0.1, -0.1), "high": (0.0, 0.15, -0.15, 0.3)}
COMPLETION_STOP = ["\nText:", "\n\n", "\nQuestion:"]
TOKENS_PER_TURN = 220  # reply budget per user+assistant exchange


def style_of(client: LLMClient) -> str:
    """completion for base models (the in-process GGUF, a completion-style server), else chat."""
    if getattr(client, "completion_style", False) or hasattr(client, "model_path"):
        return COMPLETION
    inner = getattr(client, "inner", None)  # a cache wrapper
    return style_of(inner) if isinstance(inner, LLMClient) else CHAT


@dataclass(slots=True, frozen=True)
class Task:
    """One unit of work: write conversations for ``chunk`` with variant ``variant``."""

    chunk: Chunk
    variant: int
    job: str  # the prompt identity: mode (+ instruction hash): part of the work-item key

    @property
    def key(self) -> str:
        raw = f"{self.job}\x1f{self.chunk.key}\x1f{self.variant}"
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def to_payload(self) -> dict[str, Any]:
        return {"chunk": self.chunk.to_payload(), "variant": self.variant, "job": self.job}

    @classmethod
    def from_payload(cls, d: dict[str, Any]) -> Task:
        return cls(Chunk.from_payload(d["chunk"]), int(d["variant"]), str(d["job"]))


@dataclass
class Generator:
    """How one mode asks for conversations and reads them back (prompts read at build time).

    ``scope`` is the meta every sample of this job carries and is counted by (the requested
    size applies to it). ``avoid`` maps a source file to user questions not to repeat there.
    ``rounds``: how many tasks per chunk at most (0 = as many as the target needs).
    ``failures``: conversations a subclass rejects, by reason; the run shares it with its
    :class:`~ftbuilder.agents.accounting.RunStats` so they show in the run's accounting.
    """

    mode: str
    style: str
    system: str | None
    template: str
    angles: list[str]
    temperature: float
    variety: str
    max_turns: int
    per_call: int
    system_prompt: str = ""
    agent: str = ""
    instruction: str = ""
    scope: dict[str, Any] = field(default_factory=dict)
    avoid: dict[str, list[str]] = field(default_factory=dict)
    keyword_index: KeywordIndex = field(default_factory=lambda: KeywordIndex([]))
    rounds: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    nonce: str = ""  # per dataset: varies seeds, temperature and chunk order (see request)

    def index_chunks(self, chunks: list[Chunk]) -> None:
        """Keyword statistics over the run's chunks (for replies without keywords)."""
        self.keyword_index = KeywordIndex(c.text for c in chunks)

    @property
    def job(self) -> str:
        return self.mode + (f":{text_sha(self.instruction)}" if self.instruction else "")

    def task(self, chunk: Chunk, variant: int) -> Task:
        return Task(chunk, variant, self.job)

    # --- request ---------------------------------------------------------------------------
    def turns(self, task: Task) -> int:
        if self.style == COMPLETION or self.max_turns <= 1:
            return 1
        return 1 + (task.variant + task.chunk.index) % self.max_turns

    def temperature_for(self, task: Task) -> float:
        offsets = _TEMP_OFFSETS[self.variety]
        jitter = 0.0
        if self.nonce and self.temperature > 0:  # +-0.05, fixed per dataset and task
            jitter = (int(self._mix(task)[8:12], 16) / 0xFFFF - 0.5) / 10
        return round(min(2.0, max(0.0, self.temperature + jitter
                                  + offsets[task.variant % len(offsets)])), 3)

    def _mix(self, task: Task) -> str:
        """The task key mixed with the dataset's nonce: two datasets built from the same
        inputs ask different requests (not each other's cached replies); a resumed or
        retried build of one dataset asks the same ones (its cache serves them)."""
        if not self.nonce:
            return task.key
        return hashlib.sha256(f"{self.nonce}\x1f{task.key}".encode()).hexdigest()

    def angle(self, task: Task) -> str:
        n = _VARIETY[self.variety] or len(self.angles)
        pool = self.angles[:n] or ["Ask what a reader would ask."]
        return pool[(task.variant + task.chunk.index) % len(pool)]

    def request(self, task: Task, attempt: int = 0) -> LLMRequest:
        """The request for ``task``; ``attempt`` > 0 varies the seed, so a retry is a new call
        (and a new cache key) instead of the cached failure."""
        seed = int(self._mix(task)[:8], 16) + attempt
        temp = self.temperature_for(task)
        if self.style == COMPLETION:
            prompt = fill(self.template, text=task.chunk.text, instruction=self.instruction)
            return LLMRequest(prompt=prompt, temperature=temp, max_tokens=2 * TOKENS_PER_TURN,
                              stop=COMPLETION_STOP, seed=seed)
        avoid = self.avoid.get(task.chunk.source, [])
        avoid_text = ""
        if avoid:
            listed = "\n".join(f"- {q}" for q in avoid[:15])
            avoid_text = ("These questions are already in the dataset; do not repeat them:\n"
                          f"{listed}\n")
        turns = self.turns(task)
        user = fill(self.template, file=task.chunk.source, location=task.chunk.location or "-",
                    count=self.per_call, turns=turns, angle=self.angle(task), avoid=avoid_text,
                    chunk=task.chunk.text)
        max_tokens = min(8192, 200 + self.per_call * turns * TOKENS_PER_TURN)
        return LLMRequest(messages=[{"role": "user", "content": user}], system=self.system,
                          temperature=temp, max_tokens=max_tokens,
                          json_schema=CONVERSATIONS_SCHEMA, seed=seed)

    def prompt_tokens(self, request: LLMRequest) -> int:
        text = request.prompt or "".join(m["content"] for m in request.messages)
        return count_tokens(text + (request.system or ""))

    # --- reply -----------------------------------------------------------------------------
    def parse(self, text: str) -> ParseResult:
        return parse_qa_text(text) if self.style == COMPLETION else parse_conversations(text)

    def conversations(self, task: Task, parsed: ParseResult) -> list[Conversation]:
        """Samples from a parsed reply, linked to their chunk, with keywords and meta."""
        out = []
        for p in parsed.items:
            msgs = [Message(role, content) for role, content in p.turns]
            meta: dict[str, Any] = {"origin": "generated", **self.scope, "chunk": task.chunk.key,
                                    "chunk_index": task.chunk.index, "variant": task.variant,
                                    "agent": self.agent, "work_item": task.key}
            if task.chunk.source:  # kept for the grounding check (quality/filters/grounding)
                meta["source_text"] = task.chunk.text
            if self.system_prompt:
                msgs.insert(0, Message("system", self.system_prompt))
                meta["system_prompt_added"] = True
            conv = Conversation(msgs, source_file=task.chunk.source or None,
                                location=task.chunk.location or None,
                                topic_keywords=p.keywords, meta=meta)
            if not conv.topic_keywords:
                conv.topic_keywords = self.keyword_index.for_conversation(conv)
            out.append(conv)
        return out


def create_generator(settings: Settings, client: LLMClient, mode: str = "create",
                     instruction: str = "") -> Generator:
    """The generator of create mode (free mode when ``instruction`` is given; hybrid's
    generated share, with ``prompts/system/hybrid_mode.txt``, when ``mode`` is "hybrid").

    Raises:
        ConfigError: a prompt file is missing or empty.
    """
    cfg = settings.config
    style = style_of(client)
    pdir = settings.prompts_dir
    if style == COMPLETION:
        template = load_prompt(pdir, "free_completion" if instruction else "create_completion")
        system = None
    else:
        template = load_prompt(pdir, "chunk_request")
        system = (fill(load_prompt(pdir, "free_mode"), instruction=instruction) if instruction
                  else load_prompt(pdir, "hybrid_mode" if mode == "hybrid" else "create_mode"))
    create = cfg.agent.create
    scope: dict[str, Any] = {"mode": mode, "origin": "generated"}
    if instruction:
        scope["instruction"] = text_sha(instruction)
    return Generator(
        mode=mode, style=style, system=system, template=template,
        angles=load_lines(pdir, "create_angles"), temperature=create.temperature,
        variety=create.variety, max_turns=create.max_turns,
        per_call=1 if style == COMPLETION else create.samples_per_call,
        system_prompt=cfg.system_prompt.strip(), agent=client.describe(),
        instruction=instruction, scope=scope,
    )
