"""OpenAI, and any OpenAI-compatible server (vLLM, Ollama, llama.cpp server, OpenRouter...).

Structured output: ``response_format`` json_schema; a server that rejects it (HTTP 400/422)
is asked again with json_object (plus the schema, which llama.cpp-style servers turn into a
grammar) and remembered. Completion-style (``completion_style=True``, the llama backend on a
server): a request with ``prompt`` goes to /v1/completions, JSON through a GBNF grammar.
"""

from __future__ import annotations

import json
from typing import Any

from ftbuilder.providers.base import LLMRequest, LLMResponse
from ftbuilder.providers.common import BackendClient, chat_messages, status_failure
from ftbuilder.providers.retry import Failure

OPENAI_URL = "https://api.openai.com/v1"


def json_schema_to_grammar(schema: dict[str, Any]) -> str:
    """GBNF text for ``schema`` (llama.cpp's converter, pure Python)."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    return json_schema_to_gbnf(json.dumps(schema))


class OpenAIClient(BackendClient):
    """Client of the OpenAI chat-completions wire protocol.

    Args (beyond :class:`BackendClient`):
        backend: the name shown in messages ("openai", or "llama" for a llama.cpp server).
        completion_style: send ``request.prompt`` to /v1/completions (base models).
    """

    backend = "openai"
    default_base_url = OPENAI_URL

    def __init__(self, model: str, *, backend: str = "openai", completion_style: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(model, **kwargs)
        self.backend = backend
        self.completion_style = completion_style
        self._json_mode = "json_schema"
        # The public endpoint wants max_completion_tokens; compatible servers know max_tokens.
        self._tokens_param = ("max_completion_tokens" if self.base_url == OPENAI_URL
                              else "max_tokens")

    def _make_sdk(self) -> Any:
        from openai import AsyncOpenAI

        return AsyncOpenAI(api_key=self._api_key or "no-key", base_url=self.base_url,
                           timeout=self.timeout, max_retries=0)

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self._json_mode == "json_schema":
            return {"type": "json_schema",
                    "json_schema": {"name": "output", "schema": schema, "strict": False}}
        return {"type": "json_object", "schema": schema}

    async def _attempt(self, sdk: Any, request: LLMRequest) -> LLMResponse:
        common: dict[str, Any] = {"model": self.model, "temperature": request.temperature}
        if request.stop:
            common["stop"] = request.stop
        if request.seed is not None:
            common["seed"] = request.seed
        if self.completion_style and request.prompt is not None:
            prompt = f"{request.system}\n\n{request.prompt}" if request.system else request.prompt
            extra = ({"grammar": json_schema_to_grammar(request.json_schema)}
                     if request.json_schema else None)
            r = await sdk.completions.create(prompt=prompt, max_tokens=request.max_tokens,
                                             extra_body=extra, **common)
            choice = r.choices[0]
            return self._response(r, choice.text or "", choice.finish_reason)
        common["messages"] = chat_messages(request)
        common[self._tokens_param] = request.max_tokens
        schema = request.json_schema
        if schema is None:
            r = await sdk.chat.completions.create(**common)
        else:
            import openai

            try:
                r = await sdk.chat.completions.create(
                    response_format=self._response_format(schema), **common)
            except openai.APIStatusError as exc:
                # 400/422 from most servers; llama-cpp-python's server answers 500 naming
                # the field it could not validate.
                rejected = exc.status_code in (400, 422) or "response_format" in str(exc.message)
                if self._json_mode != "json_schema" or not rejected:
                    raise
                self._json_mode = "json_object"  # this server has no json_schema mode
                self.stats.requests += 1
                r = await sdk.chat.completions.create(
                    response_format=self._response_format(schema), **common)
        choice = r.choices[0]
        return self._response(r, choice.message.content or "", choice.finish_reason)

    def _response(self, r: Any, text: str, finish: str | None) -> LLMResponse:
        usage = getattr(r, "usage", None)
        return LLMResponse(
            text=text, model=getattr(r, "model", "") or self.model, finish_reason=finish or "",
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )

    def _classify(self, exc: Exception) -> Failure | None:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return Failure("timeout", detail=str(exc))
        if isinstance(exc, openai.APIConnectionError):
            return Failure("connection", detail=str(exc))
        if isinstance(exc, openai.APIStatusError):
            return status_failure(exc.status_code, exc.response.headers, str(exc.message))
        if isinstance(exc, openai.OpenAIError):
            return Failure("other", detail=str(exc))
        return None
