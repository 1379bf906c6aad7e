"""make_client / describe_agent: which backend the settings choose, keys, defaults, wording."""

from __future__ import annotations

from pathlib import Path

import pytest

from ftbuilder.backends.anthropic_client import AnthropicClient
from ftbuilder.backends.base import LLMRequest
from ftbuilder.backends.embedded import EMBEDDED_NAME
from ftbuilder.backends.google_client import GoogleClient
from ftbuilder.backends.llama_client import LlamaClient
from ftbuilder.backends.mistral_client import MistralClient
from ftbuilder.backends.openai_client import OpenAIClient
from ftbuilder.config import Settings, parse_config
from ftbuilder.core.errors import MissingKeyError, UsageError
from ftbuilder.services.agent import describe_agent, make_client, resolve_agent
from llm_stubs import KEY, StubServer
from llm_stubs.protocols import AnthropicProtocol


def settings(tmp_path: Path, env: dict[str, str] | None = None, **system: object) -> Settings:
    return Settings(parse_config({"system": system}), tmp_path, env or {})


def test_no_key_and_defaults_mean_the_embedded_model(tmp_path: Path) -> None:
    s = settings(tmp_path)
    client = make_client(s)
    assert isinstance(client, LlamaClient) and client.model == EMBEDDED_NAME
    assert client.model_path.name.endswith(".gguf") and client.model_path.is_file()
    assert describe_agent(s).startswith(
        "no key configured: running on the embedded local model gemma-3-270m")


def test_embedded_with_some_key_set_is_named_without_the_no_key_notice(tmp_path: Path) -> None:
    s = settings(tmp_path, {"OPENAI_API_KEY": KEY})
    assert describe_agent(s) == ("agent: the embedded local model gemma-3-270m "
                                 "(system.agentic_llm = llama)")


@pytest.mark.parametrize(("provider", "var"), [("openai", "OPENAI_API_KEY"),
                                               ("anthropic", "ANTHROPIC_API_KEY"),
                                               ("google", "GOOGLE_API_KEY"),
                                               ("mistral", "MISTRAL_API_KEY")])
def test_a_missing_key_names_the_variable(tmp_path: Path, provider: str, var: str) -> None:
    s = settings(tmp_path, agentic_llm=provider)
    with pytest.raises(MissingKeyError) as info:
        make_client(s)
    assert var in str(info.value)
    assert describe_agent(s).endswith(f"but {var} is not set (set it in .env)")


@pytest.mark.parametrize(("provider", "cls", "model"), [
    ("openai", OpenAIClient, "gpt-4o-mini"), ("anthropic", AnthropicClient, "claude-haiku-4-5"),
    ("google", GoogleClient, "gemini-2.5-flash"), ("mistral", MistralClient,
                                                   "mistral-small-latest")])
def test_each_provider_with_its_key(tmp_path: Path, provider: str, cls: type, model: str) -> None:
    var = f"{provider.upper()}_API_KEY"
    s = settings(tmp_path, {var: KEY}, agentic_llm=provider, timeout=12, max_retries=5)
    client = make_client(s)
    assert isinstance(client, cls) and client.model == model and client.backend == provider
    assert client.timeout == 12 and client.policy.max_retries == 5 and client.key_var == var
    assert KEY not in repr(client)
    assert describe_agent(s) == f"agent: {provider} {model}"


def test_agentic_model_and_overrides(tmp_path: Path) -> None:
    s = settings(tmp_path, {"ANTHROPIC_API_KEY": KEY, "OPENAI_API_KEY": KEY},
                 agentic_llm="anthropic", agentic_model="claude-sonnet-4-5")
    assert make_client(s).model == "claude-sonnet-4-5"
    # another provider named on the command line does not inherit the anthropic model
    assert make_client(s, provider="openai").model == "gpt-4o-mini"
    assert make_client(s, provider="openai", model="gpt-4.1").model == "gpt-4.1"
    with pytest.raises(UsageError):
        make_client(s, provider="cohere")


def test_openai_compatible_server_needs_no_key(tmp_path: Path) -> None:
    s = settings(tmp_path, {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}, agentic_llm="openai",
                 agentic_model="qwen2.5:7b")
    client = make_client(s)
    assert isinstance(client, OpenAIClient) and client.base_url == "http://127.0.0.1:9/v1"
    assert describe_agent(s) == "agent: openai qwen2.5:7b at http://127.0.0.1:9/v1"
    assert make_client(s, base_url="http://127.0.0.1:8/v1").base_url == "http://127.0.0.1:8/v1"


def test_llama_with_a_base_url_is_the_openai_client_in_completion_style(tmp_path: Path) -> None:
    s = settings(tmp_path, {"LLAMA_BASE_URL": "http://127.0.0.1:9/v1"})
    client = make_client(s)
    assert isinstance(client, OpenAIClient)
    assert client.backend == "llama" and client.completion_style
    assert describe_agent(s) == "agent: llama.cpp server at http://127.0.0.1:9/v1 (model local)"


def test_llama_with_a_gguf_path(tmp_path: Path, embedded_gguf: Path) -> None:
    s = settings(tmp_path, agentic_model=str(embedded_gguf))
    client = make_client(s)
    assert isinstance(client, LlamaClient) and client.model_path == embedded_gguf
    choice = resolve_agent(s)
    assert choice.in_process and not choice.embedded
    assert describe_agent(s).startswith("agent: local GGUF")


def test_system_base_url_applies_to_the_agent_backend(tmp_path: Path) -> None:
    with StubServer(AnthropicProtocol(), KEY) as server:
        s = settings(tmp_path, {"ANTHROPIC_API_KEY": KEY}, agentic_llm="anthropic",
                     base_url=server.url, max_retries=0)
        client = make_client(s)
        assert client.generate(LLMRequest(prompt="ping")).text == "echo: ping"
    assert server.requests == 1 and server.seen[0].body["model"] == "claude-haiku-4-5"


def test_another_gguf_from_the_settings_is_used_and_named(tmp_path: Path,
                                                          embedded_gguf: Path) -> None:
    from ftbuilder.backends.cache import cache_key
    from ftbuilder.core.errors import FtbError

    other = tmp_path / "my-model.gguf"
    other.symlink_to(embedded_gguf)
    s = settings(tmp_path, {"FTB_GGUF_PATH": str(other)})  # as read from .env
    client = make_client(s)
    assert isinstance(client, LlamaClient) and client.model_path == other
    assert client.model == "my-model.gguf"  # not the embedded model's name...
    shipped = make_client(settings(tmp_path))
    request = LLMRequest(prompt="Question:")
    # ...so a reply of one model is never served from the cache for the other
    assert cache_key(client.backend, client.model, request) != cache_key(
        shipped.backend, shipped.model, request)
    assert describe_agent(s) == ("no key configured: running on the embedded local model "
                                 "my-model.gguf (FTB_GGUF_PATH)")
    with pytest.raises(FtbError, match="FTB_GGUF_PATH"):
        make_client(settings(tmp_path, {"FTB_GGUF_PATH": str(tmp_path / "missing.gguf")}))
