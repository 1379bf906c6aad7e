"""The LLM backends that write samples, registered in one place.

A backend is one client module with a ``create(options) -> LLMClient`` function plus one
``register(Backend(...))`` line below (the way simonw/llm's model plug-ins register): its
name, the environment variables of its key and base URL, the model used when none is set,
and where its client lives. Nothing else names backends: the settings take the variables
from here (``key_vars``), the faces list ``names()``, ``services.agent`` builds clients
with :func:`create_client`. Modules are imported only when a client is made, so listing
backends costs nothing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ftbuilder.backends.base import LLMClient
from ftbuilder.core.errors import UsageError


@dataclass(frozen=True, slots=True)
class Backend:
    """One backend: how it is configured and where its client is made.

    ``factory`` is ``"module:function"``; the function takes :class:`ClientOptions`.
    ``key_optional_with_base_url``: a compatible server at a base URL usually needs no key.
    ``local``: runs on this machine (no per-token price, no budget check).
    """

    name: str
    key_var: str
    base_url_var: str
    default_model: str
    factory: str
    key_optional_with_base_url: bool = False
    local: bool = False


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """What a client is made from (resolved by services.agent from the one settings object;
    backends never read the environment themselves)."""

    model: str
    api_key: str | None
    base_url: str | None
    timeout: float
    max_retries: int
    key_var: str
    redact: Callable[[str], str] | None = None
    gguf_override: str = ""  # llama: FTB_GGUF_PATH, another GGUF for the embedded backend
    embedded: bool = False  # llama: the shipped model, in-process

    def common(self) -> dict[str, object]:
        """The keyword arguments every client takes (timeouts, retries, redaction)."""
        return {"timeout": self.timeout, "max_retries": self.max_retries,
                "redact": self.redact, "key_var": self.key_var}


_BACKENDS: dict[str, Backend] = {}


def register(backend: Backend) -> None:
    """Make ``backend`` available by its name (a second registration replaces the first)."""
    _BACKENDS[backend.name] = backend


def names() -> tuple[str, ...]:
    """The registered backend names, in registration order."""
    return tuple(_BACKENDS)


def get_backend(name: str) -> Backend:
    """The registered backend ``name``.

    Raises:
        UsageError: no such backend (the message lists the known ones).
    """
    try:
        return _BACKENDS[name]
    except KeyError:
        raise UsageError(f"unknown agent provider '{name}'",
                         "use one of: " + ", ".join(_BACKENDS)) from None


def key_vars() -> dict[str, str]:
    """Backend name -> the environment variable of its key (the one place keys are named)."""
    return {b.name: b.key_var for b in _BACKENDS.values()}


def base_url_vars() -> dict[str, str]:
    """Backend name -> the environment variable of its base URL."""
    return {b.name: b.base_url_var for b in _BACKENDS.values()}


def create_client(name: str, options: ClientOptions) -> LLMClient:
    """The client of backend ``name`` made from ``options`` (its module imported now)."""
    module, _, func = get_backend(name).factory.partition(":")
    return getattr(importlib.import_module(module), func)(options)


register(Backend("openai", "OPENAI_API_KEY", "OPENAI_BASE_URL", "gpt-4o-mini",
                 "ftbuilder.backends.openai_client:create", key_optional_with_base_url=True))
register(Backend("anthropic", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "claude-haiku-4-5",
                 "ftbuilder.backends.anthropic_client:create"))
register(Backend("google", "GOOGLE_API_KEY", "GOOGLE_BASE_URL", "gemini-2.5-flash",
                 "ftbuilder.backends.google_client:create"))
register(Backend("mistral", "MISTRAL_API_KEY", "MISTRAL_BASE_URL", "mistral-small-latest",
                 "ftbuilder.backends.mistral_client:create"))
# llama: the embedded GGUF in-process, another GGUF file, or any OpenAI-compatible server
# (llama.cpp, Ollama, vLLM) at a base URL.
register(Backend("llama", "LLAMA_API_KEY", "LLAMA_BASE_URL", "",
                 "ftbuilder.backends.llama_client:create", key_optional_with_base_url=True,
                 local=True))
