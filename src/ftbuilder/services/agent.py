"""Use case: the agent's LLM client, built from the settings, and said in words.

The agent (the model that writes samples: ``system.agentic_llm`` / ``agentic_model``) is a
separate setting from the target (the dataset's ``provider`` / ``model``). With the default
``agentic_llm: llama`` and no model, the agent is the embedded Gemma 3 270M, run in-process;
a llama base URL (``LLAMA_BASE_URL`` / ``system.base_url``) means a llama.cpp server instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ftbuilder.agents.runner import RunOptions
from ftbuilder.backends import registry
from ftbuilder.backends.base import LLMClient
from ftbuilder.backends.registry import ClientOptions
from ftbuilder.config import Settings
from ftbuilder.core.errors import ConfigError, FtbError, MissingKeyError

EMBEDDED_SHORT = "gemma-3-270m"


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
        return registry.get_backend(self.provider).key_var


def resolve_agent(settings: Settings, provider: str | None = None, model: str | None = None,
                  base_url: str | None = None) -> AgentChoice:
    """Apply the defaults: provider from system.agentic_llm, model from system.agentic_model.

    Raises:
        UsageError: an unknown provider name.
    """
    sysconf = settings.config.system
    provider = provider or sysconf.agentic_llm
    backend = registry.get_backend(provider)  # UsageError naming the known ones
    same = provider == sysconf.agentic_llm
    model = model or (sysconf.agentic_model if same else "") or ""
    base_url = base_url or settings.base_url_for(provider)
    if provider == "llama":
        if base_url:
            return AgentChoice("llama", model or "local", base_url, False, False)
        return AgentChoice("llama", model or EMBEDDED_SHORT, None, not model, True)
    return AgentChoice(provider, model or backend.default_model, base_url, False, False)


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
                base_url: str | None = None, base_urls: list[str] | None = None) -> LLMClient:
    """The LLM client for the agent (or any backend named by ``provider``).

    Args:
        settings: the one settings object (keys, timeout, retries, base URLs).
        provider: openai, anthropic, google, mistral or llama (default system.agentic_llm).
        model: the model id, or a GGUF path for llama (default system.agentic_model, else
            the provider's default; the embedded GGUF for llama).
        base_url: an OpenAI-compatible server for openai/llama, or the API endpoint for the
            others (default --base-url / system.base_url / <PROVIDER>_BASE_URL).
        base_urls: several OpenAI-compatible servers of one fleet (``--base-url`` given
            more than once, else ``system.base_urls``): a :class:`~ftbuilder.backends.pool.
            PoolClient` spreads the requests over them (docs/scale.md).

    Raises:
        MissingKeyError: the provider needs a key and none is set (names the variable).
        ConfigError: the key has whitespace or non-ASCII characters inside (names the
            variable, never the value).
        FtbError: the GGUF file is missing or the embedded model is not installed.
        UsageError: an unknown provider.
    """
    urls = fleet_urls(settings, provider, base_url, base_urls)
    if len(urls) > 1:
        from ftbuilder.backends.pool import PoolClient

        choice, options = client_options(settings, provider, model, urls[0])
        clients = [registry.create_client(choice.provider, replace(
            options, base_url=u, max_retries=0)) for u in urls]
        return PoolClient(clients, max_retries=options.max_retries + len(urls))
    if not base_url and base_urls:
        base_url = base_urls[0]  # one URL given as a list: a plain client
    choice, options = client_options(settings, provider, model, base_url)
    return registry.create_client(choice.provider, options)


def fleet_urls(settings: Settings, provider: str | None = None, base_url: str | None = None,
               base_urls: list[str] | None = None) -> list[str]:
    """The endpoints of an OpenAI-compatible fleet: ``base_urls`` (``--base-url`` given more
    than once), else ``system.base_urls`` for the configured agent backend; [] for one."""
    urls = [u for u in (base_urls or []) if u]
    sysconf = settings.config.system
    if not urls and not base_url and (provider or sysconf.agentic_llm) == sysconf.agentic_llm:
        urls = list(sysconf.base_urls)
    return list(dict.fromkeys(urls)) if len(set(urls)) > 1 else []


def client_options(settings: Settings, provider: str | None = None, model: str | None = None,
                   base_url: str | None = None) -> tuple[AgentChoice, ClientOptions]:
    """The resolved agent and the options its client (or batch processor) is made from.

    Raises:
        MissingKeyError, ConfigError, UsageError: as :func:`make_client`.
    """
    choice = resolve_agent(settings, provider, model, base_url)
    backend = registry.get_backend(choice.provider)
    sysconf = settings.config.system
    key = None
    if not choice.in_process:
        # A local OpenAI-compatible server usually needs no key; the public APIs do.
        required = not (choice.base_url and backend.key_optional_with_base_url)
        key = checked_key(settings.key_for(choice.provider, required=required),
                          choice.key_var, required)
    return choice, ClientOptions(choice.model, key, choice.base_url, sysconf.timeout,
                                 sysconf.max_retries, choice.key_var, settings.redact,
                                 gguf_override=_other_gguf(settings), embedded=choice.embedded)


def describe_agent(settings: Settings, provider: str | None = None, model: str | None = None,
                   base_url: str | None = None, base_urls: list[str] | None = None) -> str:
    """One line for the UI and CLI saying which model writes the samples, and why.

    E.g. "no key configured: running on the embedded local model gemma-3-270m".
    """
    try:
        urls = fleet_urls(settings, provider, base_url, base_urls)
        c = resolve_agent(settings, provider, model, base_url or (urls[0] if urls else None))
    except FtbError as e:
        return str(e)
    if urls:
        return (f"agent: {c.provider} {c.model} on a fleet of {len(urls)} endpoints "
                f"({', '.join(urls)})")
    if c.embedded:
        other = _other_gguf(settings)
        name = f"{Path(other).name} (FTB_GGUF_PATH)" if other else EMBEDDED_SHORT
        if not any(settings.has_key(b) for b in registry.names()
                   if not registry.get_backend(b).local):
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


def agent_client(settings: Settings, agent: dict[str, Any] | None = None) -> LLMClient:
    """:func:`make_client` from an agent record (``provider``, ``model``, ``base_url``,
    ``base_urls``; missing ones from the settings), as builds, retries, the judge,
    repository preparation and the sources' rephrasing store and pass it."""
    agent = agent or {}
    return make_client(settings, agent.get("provider"), agent.get("model"),
                       agent.get("base_url"), agent.get("base_urls"))


def run_options(settings: Settings, client: LLMClient, spec: Any,
                concurrency: int | None = None) -> RunOptions:
    """The runner's options for ``client`` from the settings: concurrency, retries, the
    backend's rate limits, its price, key redaction, the grounding and near-duplicate
    checks of a build (``spec``: the target model whose tokens are counted, or None)."""
    from ftbuilder.backends.prices import agent_price
    from ftbuilder.backends.ratelimit import RateLimits
    from ftbuilder.quality.filters.prompt_examples import examples

    system = settings.config.system
    quality = settings.config.quality
    limits = RateLimits((system.rpm, system.tpm),
                        {b: (r.rpm, r.tpm) for b, r in system.rate_limits.items()})
    return RunOptions(concurrency=concurrency or system.concurrency,
                      max_retries=system.max_retries, limiter=limits.for_backend(client.backend),
                      spec=spec, price=agent_price(client.backend, client.model),
                      redact=settings.redact, grounding=quality.grounding,
                      examples=examples(str(settings.prompts_dir)),
                      near_threshold=quality.build_near_threshold)
