"""Renderings shared by several commands (build, retry, repos prepare)."""

from __future__ import annotations

import shlex
from typing import Any


def generation_lines(g: dict[str, Any], name: str | None = None) -> list[tuple[str, Any]]:
    """The LLM accounting of a build (agent, calls, tokens, cost, speed, failures)."""
    cost = g.get("estimated_cost_usd")
    cost_text = "unknown (no price for the agent model)" if cost is None else (
        "none (local model)" if g.get("local_model") else
        f"${cost:,.4f}" + ("" if g.get("price_verified") else " (UNVERIFIED price)"))
    out: list[tuple[str, Any]] = [
        ("agent", g.get("agent")),
        ("samples", f"{g.get('samples_added', 0):,} added of a target of {g.get('target', 0):,}"
                    + (f" ({g['existing']:,} existing)" if g.get("existing") else "")),
        ("LLM calls", f"{g.get('requests', 0):,} (+{g.get('cache_hits', 0):,} from the cache)"),
        ("tokens", f"{g.get('prompt_tokens', 0):,} prompt + "
                   f"{g.get('completion_tokens', 0):,} completion"),
        ("estimated cost", cost_text),
        ("speed", f"{g.get('samples_per_min', 0):g} samples/min over {g.get('seconds', 0):g} s"),
        ("work items", f"{g.get('items_done', 0):,} done, {g.get('items_failed', 0):,} failed"
                       + (f", {g['items_skipped']:,} done earlier" if g.get("items_skipped")
                          else "")),
    ]
    batch = g.get("batch")
    if batch:
        out.append(("batches", f"{', '.join(batch.get('batches') or []) or 'none'}: "
                               f"{batch.get('sent', 0):,} requests sent, "
                               f"{batch.get('succeeded', 0):,} answered, "
                               f"{batch.get('failed', 0):,} failed or expired (retried "
                               f"{batch.get('retry', 'batch')}); batch prices"))
    for e in g.get("endpoints") or []:
        lat = e.get("mean_latency_ms")
        out.append((f"endpoint {e.get('url')}",
                    f"{e.get('ok', 0):,} answered ({100 * e.get('share', 0):.0f}%), "
                    f"{e.get('failed', 0):,} failed, {e.get('ejections', 0)} times taken out, "
                    f"{'-' if lat is None else f'{lat:g} ms'} mean, now {e.get('state')}"))
    if g.get("failures"):
        out.append(("rejected", g["failures"]))
    if g.get("stopped"):
        out.append(("stopped", g["stopped"]))
    short = g.get("existing", 0) + g.get("samples_added", 0) < g.get("target", 0)
    if g.get("items_failed") and short:
        out.append(("next", f"`ftb retry {shlex.quote(name or 'NAME')}` runs the failed items "
                            "again"))
    return out
