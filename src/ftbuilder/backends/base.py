"""The one small interface every LLM backend implements.

A backend implements :meth:`LLMClient.agenerate` (async; the sync ``generate`` wraps it).
Agents call this interface only, never a concrete SDK. Keys reach a client through the
settings object (``Settings.key_for``), never from the environment directly.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class LLMRequest:
    """One generation request.

    ``messages`` are chat messages (role/content dicts); completion-style backends (the
    embedded base model) receive ``prompt`` instead when it is set. ``json_schema`` asks for
    structured output the way the backend supports it (schema / JSON mode / grammar).
    """

    messages: list[dict[str, str]] = field(default_factory=list)
    prompt: str | None = None
    system: str | None = None
    temperature: float = 0.7
    max_tokens: int = 1024
    json_schema: dict[str, Any] | None = None
    stop: list[str] | None = None
    seed: int | None = None

    def cache_key_parts(self) -> dict[str, Any]:
        return {
            "messages": self.messages, "prompt": self.prompt, "system": self.system,
            "temperature": self.temperature, "max_tokens": self.max_tokens,
            "json_schema": self.json_schema, "stop": self.stop, "seed": self.seed,
        }


@dataclass(slots=True)
class LLMResponse:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str = ""
    finish_reason: str = ""
    cached: bool = False


class LLMClient:
    """Base class of the backends: openai, anthropic, google, mistral, llama.

    Subclasses set ``backend`` and implement ``agenerate``; they raise
    :class:`~ftbuilder.core.errors.ProviderError` (with a hint, and never the key) on failure
    after their retries.
    """

    backend: str = "base"

    def __init__(self, model: str) -> None:
        self.model = model

    async def agenerate(self, request: LLMRequest) -> LLMResponse:  # pragma: no cover
        raise NotImplementedError

    def generate(self, request: LLMRequest) -> LLMResponse:
        return asyncio.run(self.agenerate(request))

    async def aclose(self) -> None:
        """Release connections (optional)."""

    def describe(self) -> str:
        return f"{self.backend}:{self.model}"
