"""Google Gemini API (the ``google-genai`` SDK, Gemini Developer API, API key).

Structured output: ``response_mime_type="application/json"`` with ``response_json_schema``.
A 429's wait comes from Retry-After or from the error's ``RetryInfo.retryDelay``.
"""

from __future__ import annotations

from typing import Any

from ftbuilder.backends.anthropic_client import split_system
from ftbuilder.backends.base import LLMRequest, LLMResponse
from ftbuilder.backends.common import BackendClient, reading_reply, status_failure
from ftbuilder.backends.registry import ClientOptions
from ftbuilder.backends.retry import Failure

GEMINI_URL = "https://generativelanguage.googleapis.com/"


def _retry_delay(details: Any) -> float | None:
    """Seconds from a google.rpc.RetryInfo detail ("13s" / "1.5s"), if any."""
    err = details.get("error", details) if isinstance(details, dict) else None
    for d in (err or {}).get("details", []) if isinstance(err, dict) else []:
        delay = d.get("retryDelay") if isinstance(d, dict) else None
        if isinstance(delay, str) and delay.endswith("s"):
            try:
                return float(delay[:-1])
            except ValueError:
                return None
    return None


class GoogleClient(BackendClient):
    backend = "google"
    default_base_url = GEMINI_URL

    def _make_sdk(self) -> Any:
        from google import genai
        from google.genai import types

        # one attempt per call: without retry_options the SDK retries a refused or
        # unresolvable connection itself after sleeping 1-10 s (our policy counts retries)
        options = types.HttpOptions(base_url=self.base_url, timeout=int(self.timeout * 1000),
                                    retry_options=types.HttpRetryOptions(attempts=1))
        return genai.Client(api_key=self._api_key, vertexai=False, http_options=options)

    async def _close_sdk(self, sdk: Any) -> None:
        await sdk.aio.aclose()

    async def _attempt(self, sdk: Any, request: LLMRequest) -> LLMResponse:
        from google.genai import types

        system, turns = split_system(request)
        contents = [
            types.Content(role="model" if t["role"] == "assistant" else "user",
                          parts=[types.Part(text=t["content"])])
            for t in turns
        ]
        config = generation_config(request, system)
        r = await sdk.aio.models.generate_content(
            model=self.model, contents=contents, config=types.GenerateContentConfig(**config))
        with reading_reply(self.backend):
            candidate = (r.candidates or [None])[0]
            parts = (candidate.content.parts or []) if candidate and candidate.content else []
            text = "".join(p.text for p in parts if getattr(p, "text", None))
            usage = r.usage_metadata
            finish = candidate.finish_reason if candidate else None
            return LLMResponse(
                text=text, model=self.model,
                finish_reason=str(getattr(finish, "value", finish) or ""),
                prompt_tokens=(usage.prompt_token_count or 0) if usage else 0,
                completion_tokens=(usage.candidates_token_count or 0) if usage else 0,
            )

    def _classify(self, exc: Exception) -> Failure | None:
        import httpx2
        from google.genai import errors

        if isinstance(exc, errors.APIError):
            headers = getattr(getattr(exc, "response", None), "headers", None)
            failure = status_failure(exc.code or 0, headers, str(exc.message or exc))
            if failure.kind == "rate_limit" and failure.retry_after is None:
                failure.retry_after = _retry_delay(exc.details)
            return failure
        if isinstance(exc, httpx2.TimeoutException):
            return Failure("timeout", detail=str(exc))
        if isinstance(exc, httpx2.TransportError):
            return Failure("connection", detail=str(exc) or type(exc).__name__)
        # google-genai's async calls go through aiohttp whenever it is installed (it is: the
        # OpenAI client's transport), and its errors are aiohttp's and asyncio's
        if isinstance(exc, TimeoutError):
            return Failure("timeout", detail=str(exc) or "no answer in time")
        import aiohttp

        if isinstance(exc, aiohttp.ClientError):
            return Failure("connection", detail=str(exc) or type(exc).__name__)
        return None


def create(o: ClientOptions) -> GoogleClient:
    """The Google backend (Gemini API through google-genai)."""
    return GoogleClient(o.model, api_key=o.api_key, base_url=o.base_url,
                        **o.common())  # type: ignore[arg-type]


def generation_config(request: LLMRequest, system: str | None) -> dict[str, Any]:
    """The ``GenerateContentConfig`` fields of ``request`` (live calls and batch requests)."""
    config: dict[str, Any] = {"temperature": request.temperature,
                              "max_output_tokens": request.max_tokens}
    if system:
        config["system_instruction"] = system
    if request.stop:
        config["stop_sequences"] = request.stop
    if request.seed is not None:
        config["seed"] = request.seed
    if request.json_schema is not None:
        config["response_mime_type"] = "application/json"
        config["response_json_schema"] = request.json_schema
    return config
