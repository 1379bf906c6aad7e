"""Build the agent's LLM client from the settings, and say in words what it is.

The agent (the model that writes samples: ``system.agentic_llm`` / ``agentic_model``) is a
separate setting from the target (the dataset's ``provider`` / ``model``). With the default
``agentic_llm: llama`` and no model, the agent is the embedded Gemma 3 270M, run in-process;
a llama base URL (``LLAMA_BASE_URL`` / ``system.base_url``) means a llama.cpp server instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ftbuilder.config import KEY_VARS, PROVIDERS, Settings
from ftbuilder.core.errors import ConfigError, MissingKeyError, UsageError
from ftbuilder.providers.base import LLMClient

EMBEDDED_SHORT = "gemma-3-270m"

# Agent models used when system.agentic_model is empty (writers, not fine-tuning targets).
DEFAULT_AGENT_MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "google": "gemini-2.5-flash",
    "mistral": "mistral-small-latest",
}


@dataclass(frozen=True, slots=True)
class AgentChoice:
    """The resolved agent backend: what make_client builds and describe_agent names."""

    provider: str
    model: str
    base_url: str | None
    embedded: bool  # the shipped GGUF, in-process
    in_process: bool  # a GGUF run by llama-cpp-python in this process

    @property
    def key_var(self) -> str:
        return KEY_VARS[self.provider]


def resolve_agent(settings: Settings, provider: str | None = None, model: str | None = None,
                  base_url: str | None = None) -> AgentChoice:
    """Apply the defaults: provider from system.agentic_llm, model from system.agentic_model.

    Raises:
        UsageError: an unknown provider name.
    """
    sysconf = settings.config.system
    provider = provider or sysconf.agentic_llm
    if provider not in PROVIDERS:
        raise UsageError(f"unknown agent provider '{provider}'",
                         "use one of: " + ", ".join(PROVIDERS))
    same = provider == sysconf.agentic_llm
    model = model or (sysconf.agentic_model if same else "") or ""
    base_url = base_url or settings.base_url_for(provider)
    if provider == "llama":
        if base_url:
            return AgentChoice("llama", model or "local", base_url, False, False)
        return AgentChoice("llama", model or EMBEDDED_SHORT, None, not model, True)
    return AgentChoice(provider, model or DEFAULT_AGENT_MODELS[provider], base_url, False, False)


def _other_gguf(settings: Settings) -> str:
    """FTB_GGUF_PATH from the settings (.env or the environment), or ""."""
    return (settings.env("FTB_GGUF_PATH") or "").strip()


def checked_key(value: str | None, var: str, required: bool = True) -> str | None:
    """The key of ``var`` without surrounding whitespace (a trailing newline from .env or
    ``$(cat file)``), or None when unset and not ``required``.

    Raises:
        MissingKeyError: empty or only whitespace, and required.
        ConfigError: a space, line break or non-ASCII character inside the key (an HTTP
            header cannot carry it); names the variable, never the value.
    """
    key = (value or "").strip()
    if not key:
        if required and value:
            raise MissingKeyError(f"{var} is set but holds only whitespace",
                                  f"put the key itself in {var} (in .env or the environment)")
        return None
    odd = next((c for c in key if c.isspace() or not c.isascii() or not c.isprintable()), None)
    if odd is not None:
        what = ("a space or line break" if odd.isspace() else
                "a character that is not plain ASCII" if not odd.isascii() else
                "a control character")
        raise ConfigError(f"{var} holds {what} inside the key",
                          f"set {var} in .env or the environment to the key alone, on one "
                          "line, as the provider shows it (no quotes, no comment after it)")
    return key


def make_client(settings: Settings, provider: str | None = None, model: str | None = None,
                base_url: str | None = None) -> LLMClient:
    """The LLM client for the agent (or any backend named by ``provider``).

    Args:
        settings: the one settings object (keys, timeout, retries, base URLs).
        provider: openai, anthropic, google, mistral or llama (default system.agentic_llm).
        model: the model id, or a GGUF path for llama (default system.agentic_model, else
            the provider's default; the embedded GGUF for llama).
        base_url: an OpenAI-compatible server for openai/llama, or the API endpoint for the
            others (default --base-url / system.base_url / <PROVIDER>_BASE_URL).

    Raises:
        MissingKeyError: the provider needs a key and none is set (names the variable).
        ConfigError: the key has whitespace or non-ASCII characters inside (names the
            variable, never the value).
        FtbError: the GGUF file is missing or the embedded model is not installed.
        UsageError: an unknown provider.
    """
    choice = resolve_agent(settings, provider, model, base_url)
    sysconf = settings.config.system
    common = {"timeout": sysconf.timeout, "max_retries": sysconf.max_retries,
              "redact": settings.redact, "key_var": choice.key_var}
    if choice.in_process:
        from ftbuilder.providers.embedded import EMBEDDED_NAME, gguf_path
        from ftbuilder.providers.llama_client import LlamaClient

        if choice.embedded:
            other = _other_gguf(settings)
            path = gguf_path(override=other)
            # another GGUF is another model: its own name (shown, and in the cache key)
            return LlamaClient(path, name=path.name if other else EMBEDDED_NAME, **common)
        return LlamaClient(Path(choice.model).expanduser(), **common)
    if choice.provider in ("openai", "llama"):
        from ftbuilder.providers.openai_client import OpenAIClient

        # A local OpenAI-compatible server usually needs no key; the public API does.
        required = not choice.base_url
        key = checked_key(settings.key_for(choice.provider, required=required),
                          choice.key_var, required)
        return OpenAIClient(choice.model, backend=choice.provider, api_key=key,
                            base_url=choice.base_url,
                            completion_style=choice.provider == "llama", **common)
    key = checked_key(settings.key_for(choice.provider), choice.key_var)
    if choice.provider == "anthropic":
        from ftbuilder.providers.anthropic_client import AnthropicClient

        return AnthropicClient(choice.model, api_key=key, base_url=choice.base_url, **common)
    if choice.provider == "google":
        from ftbuilder.providers.google_client import GoogleClient

        return GoogleClient(choice.model, api_key=key, base_url=choice.base_url, **common)
    from ftbuilder.providers.mistral_client import MistralClient

    return MistralClient(choice.model, api_key=key, base_url=choice.base_url, **common)


def describe_agent(settings: Settings, provider: str | None = None, model: str | None = None,
                   base_url: str | None = None) -> str:
    """One line for the UI and CLI saying which model writes the samples, and why.

    E.g. "no key configured: running on the embedded local model gemma-3-270m".
    """
    try:
        c = resolve_agent(settings, provider, model, base_url)
    except UsageError as e:
        return str(e)
    if c.embedded:
        other = _other_gguf(settings)
        name = f"{Path(other).name} (FTB_GGUF_PATH)" if other else EMBEDDED_SHORT
        if not any(settings.has_key(p) for p in KEY_VARS if p != "llama"):
            note = "" if other else " (small base model; set a key and system.agentic_llm " \
                                    "for better samples)"
            return f"no key configured: running on the embedded local model {name}{note}"
        return f"agent: the embedded local model {name} (system.agentic_llm = llama)"
    if c.in_process:
        return f"agent: local GGUF {c.model} (in-process llama.cpp)"
    if c.provider == "llama":
        return f"agent: llama.cpp server at {c.base_url} (model {c.model})"
    where = f" at {c.base_url}" if c.base_url else ""
    if c.base_url or settings.has_key(c.provider):
        return f"agent: {c.provider} {c.model}{where}"
    return f"agent: {c.provider} {c.model}, but {c.key_var} is not set (set it in .env)"
