"""Use case: preview free mode: a few samples from the real agent before a full run.

:func:`preview` runs the same build as ``ftb build --mode free`` (same agent, prompts and
instruction) with a size of ``n`` into a scratch dataset named ``NAME~preview``, reads the
samples back into memory and deletes the scratch dataset (its run and work items go with
it), whatever happened: the user's dataset is never written. The agent's replies stay in
the LLM cache, so a full run with the same instruction reuses them at no cost.

Inputs are sampled: at most :data:`MAX_FILES` of the picked files (or the input folder's
files), spread over the list, so a preview of a large folder stays quick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ftbuilder.core.progress import CancelToken, ProgressFn
from ftbuilder.core.types import Conversation
from ftbuilder.services.context import AppContext
from ftbuilder.services.runs import RunFigures, failure_lines, figures_of

SUFFIX = "~preview"
MAX_FILES = 3
DEFAULT_N = 5


@dataclass
class Preview:
    """The samples a preview made (in memory only), their figures and what went wrong."""

    instruction: str
    samples: list[Conversation] = field(default_factory=list)
    figures: RunFigures | None = None
    failures: list[str] = field(default_factory=list)


def scratch_name(name: str) -> str:
    """The dataset a preview of ``name`` builds into (deleted when the preview ends)."""
    return f"{name}{SUFFIX}"


def sample_inputs(paths: list[str | Path], k: int = MAX_FILES) -> list[str]:
    """At most ``k`` files from ``paths`` (folders expanded, sorted), spread evenly."""
    files: list[str] = []
    for p in map(Path, paths):
        if p.is_dir():
            files += sorted(str(f) for f in p.rglob("*") if f.is_file()
                            and not f.name.startswith("."))
        else:
            files.append(str(p))
    if len(files) <= k:
        return files
    step = len(files) / k
    return [files[int(i * step)] for i in range(k)]


def preview(ctx: AppContext, instruction: str | None = None, n: int = DEFAULT_N,
            inputs: list[str | Path] | None = None, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> Preview:
    """Make ``n`` free-mode samples with ``instruction`` (None: prompts/free_mode/prompt.txt)
    from a sample of ``inputs`` (None: the input folder), without touching any dataset.

    Raises:
        FreeInstructionMissing: no instruction given and the prompt file is missing or empty.
        MissingKeyError, BudgetExceeded, ProviderError, Cancelled: as ``ftb build`` would;
            nothing is kept then.
    """
    from ftbuilder.agents.free import free_instruction
    from ftbuilder.services.build import BuildRequest, build

    text = (instruction or "").strip() or free_instruction(ctx.settings)
    c = ctx.settings.config
    scratch = scratch_name(c.output_name)
    files = sample_inputs(list(inputs or [ctx.settings.input_dir]))
    if ctx.store.find_dataset(scratch) is not None:  # left by a preview that was killed
        ctx.store.delete_dataset(scratch)
    req = BuildRequest(mode="free", input_paths=files or [str(ctx.settings.input_dir)],
                       name=scratch, provider=c.provider, model=c.model, size=n,
                       instruction=text)
    out = Preview(text)
    try:
        result = build(ctx, req, progress, cancel)
        ds = ctx.store.get_dataset(scratch)
        out.samples = list(ctx.store.iter_samples(ds.id))
        data = result.to_dict()
        out.failures = failure_lines(data)
        gen = result.stats.get("generation") or {}
        out.figures = figures_of("preview", text, out.samples, gen.get("estimated_cost_usd"),
                                 "preview", out.failures)
    finally:
        if ctx.store.find_dataset(scratch) is not None:
            ctx.store.delete_dataset(scratch)
    return out
