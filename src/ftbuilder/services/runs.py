"""Use case: what a build run did, in words and figures, for both faces.

* :func:`shortfall` and :func:`failure_lines`: why an LLM build ended short (failed work
  items by reason, the agent's rejected replies by reason) and what to do, the same words
  ``ftb build`` prints and the app's Generate log shows.
* :func:`run_figures` and :func:`compare_runs`: the figures of free-mode runs side by side
  (instruction, samples, on-topic share by keyword, grounding flags, cost), for the
  analyst's loop of editing the instruction and running again (docs/tui.md).

The on-topic share is a keyword check, not a judgement: a sample is on topic when its text
contains one of the instruction's content words (see :func:`topic_words`).
"""

from __future__ import annotations

import re
import shlex
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.core.types import Conversation
from ftbuilder.services.context import AppContext

# what to do about failed items, by the reason they failed (ProviderError kinds and the
# runner's own reasons)
FIXES = {
    "timeout": "raise system.timeout (the server answers slower than it allows)",
    "rate_limit": "lower --concurrency or set system.rpm",
    "server": "the service (or a proxy before it) is failing; try again later",
    "connection": "check that the server is running and the base URL (--base-url)",
    "bad_output": "use a larger or instruction-tuned model, or lower the temperature",
    "invalid_json": "use a larger or instruction-tuned model, or lower the temperature",
    "empty": "use a larger or instruction-tuned model",
    "truncated": "ask for less per call (agent.create.samples_per_call) or raise max tokens",
    "context": "use smaller chunks (agent.create.chunk_tokens)",
}


def shortfall(data: dict[str, Any]) -> tuple[str, str] | None:
    """The error and hint of an LLM build (a BuildResult as a dict) that ended short of its
    size, or None.

    E.g. ("12 of 20 work items failed: timeout 12; the dataset has 8 of the 30 samples asked
    for", "raise system.timeout ...; then `ftb retry NAME` runs the failed items again").
    """
    gen = (data.get("stats") or {}).get("generation") or {}
    have = gen.get("existing", 0) + gen.get("samples_added", 0)
    if not gen or have >= gen.get("target", 0):
        return None
    name = shlex.quote(str(data.get("name") or "NAME"))
    made = f"the dataset has {have:,} of the {gen.get('target', 0):,} samples asked for"
    failed = gen.get("items_failed", 0)
    if failed:
        items = failed + gen.get("items_done", 0)
        by = gen.get("failed_by") or {}
        reasons = ", ".join(f"{k} {n:,}" for k, n in by.items())
        fixes = list(dict.fromkeys(FIXES[k] for k in by if k in FIXES))
        return (f"{failed:,} of {items:,} work items failed"
                + (f": {reasons}" if reasons else "") + f"; {made}",
                "; ".join([*fixes, f"then `ftb retry {name}` runs the failed items again"]))
    return (f"{made} ({gen.get('stopped') or 'the work ran out'})",
            "add input documents or use a stronger agent model; building again with the "
            "same --name continues from what is there")


def failure_lines(data: dict[str, Any]) -> list[str]:
    """What went wrong in a build, one line each (empty when nothing did): files that
    failed, the agent's replies rejected by reason ("failures: empty 11"), work items that
    failed, and the shortfall's error and hint."""
    out = [f"file failed: {p}: {f.get('error', '')}" for p, f in (data.get("files") or {}).items()
           if f.get("status") == "error"]
    stats = data.get("stats") or {}
    for key in ("generation", "identify_llm"):
        gen = stats.get(key) or {}
        if gen.get("failures"):
            out.append("failures: " + ", ".join(f"{k} {n:,}" for k, n in gen["failures"].items()))
        if gen.get("items_failed"):
            by = ", ".join(f"{k} {n:,}" for k, n in (gen.get("failed_by") or {}).items())
            out.append(f"work items failed: {gen['items_failed']:,}" + (f" ({by})" if by else ""))
        if gen.get("stopped") not in (None, "", "no more work", "target reached"):
            out.append(f"stopped: {gen['stopped']}")
    short = shortfall(data)
    if short is not None:
        out += [f"error: {short[0]}", f"hint: {short[1]}"]
    return out


# --- comparing runs -------------------------------------------------------------------------
_STOP_WORDS = """a an and are as at be by can each for from has have how in into is it its
make makes more must not of on one or our should that the their them then there these this
those to use used using was what when where which who why will with write writes written you
your about answer answers question questions sample samples pair pairs helpful"""
_STOP = frozenset(_STOP_WORDS.split())


def topic_words(instruction: str) -> list[str]:
    """The instruction's content words (4+ letters, common words left out), lowercased, in
    order, each once: what :func:`on_topic` looks for."""
    words = re.findall(r"[^\W\d_]{4,}", instruction.lower())
    return list(dict.fromkeys(w for w in words if w not in _STOP))


def on_topic(conv: Conversation, words: Iterable[str]) -> bool:
    """True when the sample's text contains one of ``words`` (a prefix of 5 letters for
    longer words, so "refunds" matches "refund")."""
    text = " ".join(m.content for m in conv.messages).lower()
    return any((w[:5] if len(w) > 5 else w) in text for w in words)


@dataclass
class RunFigures:
    """One run (or preview) of free mode, as the comparison shows it."""

    label: str
    instruction: str = ""
    samples: int = 0
    on_topic: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    cost_usd: float | None = None
    status: str = ""
    failures: list[str] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        return self.on_topic / self.samples if self.samples else None

    @property
    def grounding(self) -> int:
        """Samples flagged as not grounded in their source (flags naming "ground")."""
        return sum(n for f, n in self.flags.items() if "ground" in f)

    def cells(self) -> dict[str, str]:
        share = "-" if self.share is None else f"{self.share:.0%} ({self.on_topic}/{self.samples})"
        flags = ", ".join(f"{k} {n}" for k, n in sorted(self.flags.items())) or "none"
        cost = "unknown" if self.cost_usd is None else f"${self.cost_usd:,.4f}"
        return {"run": self.label, "status": self.status or "-",
                "instruction": " ".join(self.instruction.split()) or "-",
                "samples": f"{self.samples:,}", "on topic (keywords)": share,
                "grounding flags": str(self.grounding) if self.grounding else "none",
                "all flags": flags, "estimated cost": cost,
                "failures": "; ".join(self.failures) or "none"}


ROWS = ("run", "status", "instruction", "samples", "on topic (keywords)", "grounding flags",
        "all flags", "estimated cost", "failures")


def figures_of(label: str, instruction: str, samples: Iterable[Conversation],
               cost_usd: float | None = None, status: str = "",
               failures: list[str] | None = None) -> RunFigures:
    """The figures of ``samples`` made with ``instruction``."""
    words = topic_words(instruction)
    fig = RunFigures(label, instruction, cost_usd=cost_usd, status=status,
                     failures=list(failures or []))
    flags: Counter[str] = Counter()
    for c in samples:
        fig.samples += 1
        fig.on_topic += on_topic(c, words)
        flags.update(str(f) for f in (c.meta.get("flags") or []))
    fig.flags = dict(flags)
    return fig


def _free_runs(ctx: AppContext, dataset_id: int, limit: int) -> list[dict[str, Any]]:
    runs = [r for r in ctx.store.dataset_runs(dataset_id, "build")
            if r["stats"].get("instruction")]
    return runs[:limit]


def run_figures(ctx: AppContext, name: str, limit: int = 2) -> list[RunFigures]:
    """The figures of dataset ``name``'s last ``limit`` free-mode runs, newest first.

    Samples are matched to a run by the instruction they were made with (two runs with the
    same instruction count the same samples); samples, cost and failures are the run's own.

    Raises:
        NotFoundError: no dataset of that name.
    """
    from ftbuilder.agents.prompts import text_sha

    ds = ctx.store.get_dataset(name)
    runs = _free_runs(ctx, ds.id, limit)
    by_sha: dict[str, list[Conversation]] = {text_sha(r["stats"]["instruction"]): []
                                             for r in runs}
    if by_sha:
        for c in ctx.store.iter_samples(ds.id):
            sha = c.meta.get("instruction")
            if sha in by_sha:
                by_sha[sha].append(c)
    out = []
    for r in runs:
        stats, instruction = r["stats"], r["stats"]["instruction"]
        gen = stats.get("generation") or {}
        fig = figures_of(f"run {r['id']} ({(r['started_at'] or '').replace('T', ' ')[:16]})",
                         instruction, by_sha[text_sha(instruction)], gen.get("estimated_cost_usd"),
                         r["status"], failure_lines({"name": name, "stats": stats}))
        out.append(fig)
    return out


def compare_rows(figures: list[RunFigures]) -> list[tuple[str, ...]]:
    """A table: one row per figure (:data:`ROWS`), one column per run."""
    cells = [f.cells() for f in figures]
    return [(row, *(c[row] for c in cells)) for row in ROWS]
