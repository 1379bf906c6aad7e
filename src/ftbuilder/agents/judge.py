"""The judge agent: any backend scores samples 1-10 against ``prompts/system/judge.txt``.

One request per sample: the rubric as the system message (chat backends, with a JSON schema
``{"score", "reason"}``), or the rubric followed by the sample and "Score (1-10):" for
completion-style backends (the embedded model), whose reply is read for its first integer.
Requests go through the store's response cache (the same sample and rubric to the same
model is asked once, ever), the per-backend rate limiter and ``concurrency`` parallel calls
on one event loop; tokens and cost are counted like a build's (``RunStats``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass

from ftbuilder.agents.accounting import RunStats
from ftbuilder.agents.create import COMPLETION, style_of
from ftbuilder.backends.base import LLMClient, LLMRequest
from ftbuilder.backends.cache import CachedClient
from ftbuilder.backends.jsonout import extract_json
from ftbuilder.backends.ratelimit import RateLimiter
from ftbuilder.core.errors import ProviderError
from ftbuilder.core.types import Conversation

SCHEMA = {"type": "object", "properties": {"score": {"type": "integer"},
                                           "reason": {"type": "string"}},
          "required": ["score", "reason"]}
SOURCE_CHARS = 6000
_INT = re.compile(r"\b(10|[1-9])\b")


@dataclass(slots=True)
class Verdict:
    score: int | None
    reason: str
    cached: bool = False
    error: str = ""


def render(conv: Conversation) -> str:
    return "\n\n".join(f"{m.role.upper()}: {m.content}" for m in conv.messages)


def request_for(conv: Conversation, rubric: str, style: str) -> LLMRequest:
    source = str(conv.meta.get("source_text") or "(none)")[:SOURCE_CHARS]
    body = f"SOURCE:\n<<<\n{source}\n>>>\n\nCONVERSATION:\n<<<\n{render(conv)}\n>>>"
    if style == COMPLETION:
        return LLMRequest(prompt=f"{rubric}\n\n{body}\n\nScore (1-10):", temperature=0.0,
                          max_tokens=40, stop=["\n\n"], seed=0)
    return LLMRequest(messages=[{"role": "user", "content": body}], system=rubric,
                      temperature=0.0, max_tokens=200, json_schema=SCHEMA, seed=0)


def parse(text: str) -> tuple[int, str] | None:
    """(score, reason) from a judge reply (JSON, or a bare number then text), or None."""
    data = extract_json(text)
    if isinstance(data, dict) and "score" in data:
        try:
            score = round(float(data["score"]))
        except (TypeError, ValueError):
            return None
        if 1 <= score <= 10:
            return score, " ".join(str(data.get("reason") or "").split())[:300]
        return None
    m = _INT.search(text)
    if m is None:
        return None
    rest = text[m.end():].strip(" .:-\n")
    return int(m.group(1)), " ".join(rest.split())[:300]


async def _judge_all(client: CachedClient, convs: list[Conversation], rubric: str,
                     concurrency: int, limiter: RateLimiter | None, stats: RunStats,
                     done: Callable[[Conversation, Verdict], None],
                     cancelled: Callable[[], bool]) -> None:
    style = style_of(client)
    sem = asyncio.Semaphore(max(1, concurrency))

    async def one(conv: Conversation) -> None:
        async with sem:
            if cancelled():
                return
            request = request_for(conv, rubric, style)
            limited = limiter is not None and limiter.active and client.lookup(request) is None
            estimate = len(rubric) // 4 + len(render(conv)) // 4 + request.max_tokens
            if limited:
                await limiter.acquire(estimate)
            try:
                r = await client.agenerate(request)
            except ProviderError as e:
                stats.failures["provider_error"] += 1
                done(conv, Verdict(None, "", error=e.message))
                return
            if r.cached:
                stats.cache_hits += 1
            else:
                stats.requests += 1
                stats.prompt_tokens += r.prompt_tokens
                stats.completion_tokens += r.completion_tokens
                if limited:
                    await limiter.settle(estimate, r.prompt_tokens + r.completion_tokens)
            got = parse(r.text)
            if got is None:
                stats.failures["invalid_reply"] += 1
                done(conv, Verdict(None, "", r.cached, f"no score in the reply: {r.text[:80]!r}"))
            else:
                done(conv, Verdict(got[0], got[1], r.cached))

    await asyncio.gather(*(one(c) for c in convs))


def judge(client: LLMClient, cache: object, convs: list[Conversation], rubric: str,
          concurrency: int, limiter: RateLimiter | None, stats: RunStats,
          done: Callable[[Conversation, Verdict], None],
          cancelled: Callable[[], bool] = lambda: False) -> None:
    """Score ``convs``; ``done(conv, verdict)`` is called as each answer arrives."""
    from ftbuilder.agents.runner import _Usage

    cached = client if isinstance(client, CachedClient) else CachedClient(client, cache)  # type: ignore[arg-type]
    usage = _Usage(cached)  # every HTTP attempt, unusable replies included, as in builds

    async def main() -> None:
        try:
            await _judge_all(cached, convs, rubric, concurrency, limiter, stats, done,
                             cancelled)
        finally:
            usage.sync(stats, None)
            await cached.aclose()

    asyncio.run(main())


def verdict_meta(v: Verdict, model: str) -> dict[str, object]:
    return {"score": v.score, "reason": v.reason, "model": model}


