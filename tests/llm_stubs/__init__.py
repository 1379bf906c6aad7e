"""Loopback servers speaking each LLM API's wire protocol, for the backend tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llm_stubs.protocols import AnthropicProtocol, GoogleProtocol, MistralProtocol, OpenAIProtocol
from llm_stubs.server import Reply, Seen, StubServer

__all__ = ["BACKENDS", "KEY", "Backend", "Reply", "Seen", "StubServer"]

KEY = "sk-test-SECRET123"  # a fake key; tests check it never shows


@dataclass(frozen=True)
class Backend:
    """One HTTP backend under test: its stub protocol and how to point our client at it."""

    name: str
    protocol: Any
    client_path: str  # module:Class
    url_suffix: str  # what the SDK expects after host:port
    key_var: str

    def client(self, server: StubServer, key: str, **kwargs: Any) -> Any:
        import importlib

        module, cls = self.client_path.split(":")
        klass = getattr(importlib.import_module(module), cls)
        kwargs.setdefault("timeout", 5.0)
        kwargs.setdefault("max_retries", 3)
        return klass("stub-model", api_key=key, base_url=server.url + self.url_suffix,
                     key_var=self.key_var, **kwargs)

    def __str__(self) -> str:
        return self.name


BACKENDS = [
    Backend("openai", OpenAIProtocol(), "ftbuilder.backends.openai_client:OpenAIClient",
            "/v1", "OPENAI_API_KEY"),
    Backend("anthropic", AnthropicProtocol(),
            "ftbuilder.backends.anthropic_client:AnthropicClient", "", "ANTHROPIC_API_KEY"),
    Backend("google", GoogleProtocol(), "ftbuilder.backends.google_client:GoogleClient", "",
            "GOOGLE_API_KEY"),
    Backend("mistral", MistralProtocol(), "ftbuilder.backends.mistral_client:MistralClient", "",
            "MISTRAL_API_KEY"),
]
