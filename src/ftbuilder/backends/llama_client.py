"""A local GGUF run in-process with llama-cpp-python (by default the embedded Gemma 3 270M).

One ``Llama`` per (path, n_ctx) per process, loaded lazily and shared; llama.cpp contexts are
not thread-safe, so calls hold that model's lock and run in a worker thread
(``asyncio.to_thread``) to keep the event loop free. A request with ``prompt`` is a plain
completion (the embedded model is a base model: prompt it few-shot); JSON is constrained by a
grammar built from the schema. Chat requests to a GGUF without a chat template (the embedded
model has none) become a plain "User: / Assistant:" transcript.
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from ftbuilder.backends.base import LLMClient, LLMRequest, LLMResponse
from ftbuilder.backends.common import BackendClient, chat_messages
from ftbuilder.backends.registry import ClientOptions
from ftbuilder.backends.retry import Failure
from ftbuilder.core.errors import Cancelled, FtbError

DEFAULT_N_CTX = 4096
DEFAULT_THREADS = 2

_registry_lock = threading.Lock()
_models: dict[tuple[str, int], tuple[Any, threading.Lock]] = {}
_log_callback: Any = None  # kept referenced: llama.cpp calls it from C


def quiet_llama_logs() -> None:
    """Keep llama.cpp's own log lines off the terminal (FTB_DEBUG=1 shows them).

    llama-cpp-python maps the log levels of the llama.cpp it ships wrongly, so even with
    ``verbose=False`` warnings such as "llama_kv_cache_iswa: using full-size SWA cache" are
    printed on every model load. Failures still reach us as Python exceptions.
    """
    global _log_callback
    if _log_callback is not None or os.environ.get("FTB_DEBUG"):
        return
    import llama_cpp

    @llama_cpp.llama_log_callback
    def _drop(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        return None

    _log_callback = _drop
    llama_cpp.llama_log_set(_drop, ctypes.c_void_p(0))


def load_model(path: str | Path, n_ctx: int = DEFAULT_N_CTX,
               n_threads: int = DEFAULT_THREADS) -> tuple[Any, threading.Lock]:
    """The shared ``Llama`` for ``path`` and its lock, loaded on first use.

    Raises:
        FtbError: the file is missing or llama.cpp cannot load it.
    """
    p = Path(path)
    key = (str(p.resolve()), n_ctx)
    with _registry_lock:
        if key in _models:
            return _models[key]
        if not p.is_file():
            raise FtbError(f"GGUF model file {p} does not exist",
                           "set system.agentic_model to a .gguf path, or leave it empty "
                           "for the embedded model")
        from llama_cpp import Llama

        quiet_llama_logs()
        try:
            llm = Llama(model_path=str(p), n_ctx=n_ctx, n_threads=n_threads,
                        n_threads_batch=n_threads, verbose=False)
        except (ValueError, RuntimeError) as e:
            raise FtbError(f"llama.cpp could not load {p.name}: {e}",
                           "check that the file is a complete GGUF model") from None
        _models[key] = (llm, threading.Lock())
        return _models[key]


def transcript(messages: list[dict[str, str]]) -> tuple[str, list[str]]:
    """Chat messages as a plain-text dialogue ending in "Assistant:", and its stop strings.

    For GGUFs without a chat template (the embedded base model): llama-cpp-python would
    otherwise fall back to a Llama-2 [INST] template the model has never seen.
    """
    names = {"user": "User", "assistant": "Assistant"}
    lines = []
    for m in messages:
        role, content = m.get("role", "user"), m.get("content", "")
        lines.append(content if role == "system" else f"{names.get(role, role.title())}: "
                     f"{content}")
    return "\n\n".join([*lines, "Assistant:"]), ["\nUser:"]


def _grammar(schema: dict[str, Any]) -> Any:
    return _grammar_for(json.dumps(schema))  # key order is the output order


@lru_cache(maxsize=64)
def _grammar_for(schema_json: str) -> Any:
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_json_schema(schema_json, verbose=False)


class LlamaClient(BackendClient):
    """In-process llama.cpp client.

    Args:
        model_path: the GGUF file.
        name: the model name shown to users (default: the file name).
        n_ctx, n_threads: llama.cpp context size and CPU threads.
    """

    backend = "llama"
    # in-process: no network to stall, and calls queue for the one model lock, so a total
    # deadline would fail calls that are merely waiting their turn
    call_deadline = False

    def __init__(self, model_path: str | Path, *, name: str | None = None,
                 n_ctx: int = DEFAULT_N_CTX, n_threads: int = DEFAULT_THREADS,
                 **kwargs: Any) -> None:
        super().__init__(name or Path(model_path).name, **kwargs)
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    def _make_sdk(self) -> Any:
        return None  # the model is loaded (once per process) in the worker thread

    async def _close_sdk(self, sdk: Any) -> None:
        return None  # shared by every client of this process: kept loaded

    async def _attempt(self, sdk: Any, request: LLMRequest) -> LLMResponse:
        stop = threading.Event()
        try:
            return await asyncio.to_thread(self._run, request, stop)
        except asyncio.CancelledError:
            # the worker thread cannot be killed: it stops at the next token (or, waiting
            # for the model, does not start), so a cancelled run ends in a moment instead
            # of after every queued generation
            stop.set()
            raise

    def _run(self, request: LLMRequest, stop: threading.Event | None = None) -> LLMResponse:
        from llama_cpp import StoppingCriteriaList

        stop = stop or threading.Event()
        llm, lock = load_model(self.model_path, self.n_ctx, self.n_threads)
        common: dict[str, Any] = {"max_tokens": request.max_tokens,
                                  "temperature": request.temperature, "stop": request.stop,
                                  "stopping_criteria": StoppingCriteriaList(
                                      [lambda _ids, _logits: stop.is_set()])}
        if request.seed is not None:
            common["seed"] = request.seed
        templated = "tokenizer.chat_template" in llm.metadata
        with lock:
            if stop.is_set():
                raise Cancelled("the generation was cancelled before it started")
            if request.prompt is None and templated:
                if request.json_schema is not None:
                    common["response_format"] = {"type": "json_object",
                                                 "schema": request.json_schema}
                r = llm.create_chat_completion(messages=chat_messages(request), **common)
                text = r["choices"][0]["message"]["content"] or ""
            else:
                if request.prompt is not None:
                    prompt = f"{request.system}\n\n{request.prompt}" if request.system \
                        else request.prompt
                else:
                    prompt, stops = transcript(chat_messages(request))
                    common["stop"] = [*(request.stop or []), *stops]
                if request.json_schema is not None:
                    common["grammar"] = _grammar(request.json_schema)
                r = llm.create_completion(prompt=prompt, **common)
                text = r["choices"][0]["text"]
        usage = r.get("usage") or {}
        return LLMResponse(text=text, model=self.model,
                           finish_reason=r["choices"][0].get("finish_reason") or "",
                           prompt_tokens=usage.get("prompt_tokens", 0),
                           completion_tokens=usage.get("completion_tokens", 0))

    def _classify(self, exc: Exception) -> Failure | None:
        if isinstance(exc, ValueError) and "context window" in str(exc):
            return Failure("context", detail=f"{exc} (n_ctx={self.n_ctx})")
        return None


def create(o: ClientOptions) -> LLMClient:
    """The llama backend: an OpenAI-compatible server at ``o.base_url`` (llama.cpp, Ollama,
    vLLM), else a GGUF in this process: the shipped model (or FTB_GGUF_PATH's) when
    ``o.embedded``, else the file ``o.model`` names."""
    if o.base_url:
        from ftbuilder.backends.openai_client import OpenAIClient

        return OpenAIClient(o.model, backend="llama", api_key=o.api_key, base_url=o.base_url,
                            completion_style=True, **o.common())  # type: ignore[arg-type]
    if o.embedded:
        from ftbuilder.backends.embedded import EMBEDDED_NAME, gguf_path

        path = gguf_path(override=o.gguf_override)
        # another GGUF is another model: its own name (shown, and in the cache key)
        return LlamaClient(path, name=path.name if o.gguf_override else EMBEDDED_NAME,
                           **o.common())  # type: ignore[arg-type]
    return LlamaClient(Path(o.model).expanduser(), **o.common())  # type: ignore[arg-type]
