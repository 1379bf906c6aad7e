"""Use case: finish an interrupted build, whatever its mode (``ftb retry NAME``, the app's
resume). One service for both faces.

LLM modes (create, hybrid, free, and identify's LLM fallback): failed work items are set to
run again, unfinished ones run, and while the build's inputs are still there the same build
continues until the dataset has its size (work done is never asked again); with the inputs
gone, only the recorded items run. Identify: the same build again, from its recorded inputs
(conversations already in the dataset are dropped as duplicates, so only what is new is
added).
"""

from __future__ import annotations

import json
from pathlib import Path

from ftbuilder.core.errors import NotFoundError
from ftbuilder.core.progress import CancelToken, ProgressFn
from ftbuilder.services import budget
from ftbuilder.services.build import build
from ftbuilder.services.buildjob import RUN_KIND, BuildRequest, BuildResult
from ftbuilder.services.context import AppContext
from ftbuilder.services.generate import resume_items


def last_build(ctx: AppContext, name: str) -> BuildRequest | None:
    """The request of dataset ``name``'s last build (retries aside), rebuilt from its run and
    the dataset's ``generation`` config (agent, concurrency, instruction); None if none.

    Raises:
        NotFoundError: no dataset of that name.
    """
    ds = ctx.store.get_dataset(name)
    for text in ctx.store.run_params(ds.id, RUN_KIND):
        p = json.loads(text or "{}")
        if p.get("retry") or not p.get("inputs"):
            continue
        gen = ds.config.get("generation") or {}
        agent = gen.get("agent") or {}
        return BuildRequest(p["mode"], p["inputs"], name, p["provider"], p["model"],
                            p.get("size"), agent.get("provider"), agent.get("model"),
                            agent.get("base_url"), gen.get("concurrency"),
                            gen.get("instruction") or None,
                            base_urls=agent.get("base_urls"), batch=bool(gen.get("batch")),
                            batch_retry=(gen.get("batch") or {}).get("retry"))
    return None


def resume(ctx: AppContext, name: str, progress: ProgressFn | None = None,
           cancel: CancelToken | None = None, confirmed: bool = False) -> BuildResult:
    """Finish dataset ``name``'s build (cancelled, killed or failed; or grow it back to its
    size): see the module docstring for what runs in each mode.

    Returns a BuildResult; ``stats["resumed"]`` is "inputs" (the build ran again from its
    inputs) or "items" (only the recorded LLM items ran); ``stats["reset_items"]`` how many
    failed items were set to run again.

    Raises:
        NotFoundError: no dataset of that name, or it was never built (an import).
        BudgetExceeded: what is left is over system.max_cost_usd and not ``confirmed``.
        Cancelled, ProviderError, FtbError: as for a build; work finished before is kept.
    """
    from ftbuilder.services import repos  # a repository dataset retries its failed files

    if repos.is_repos_dataset(ctx, name):
        return repos.retry_prepare(ctx, name, progress, cancel,  # type: ignore[return-value]
                                   confirmed)
    ds = ctx.store.get_dataset(name)
    gen_conf = ds.config.get("generation")
    req = last_build(ctx, name)
    if req is None and not gen_conf:
        raise NotFoundError(f"dataset '{name}' has no build to resume (it was imported, or "
                            "never built)",
                            f"build into it with `ftb build --name {name}` (Generate in the "
                            "app); existing samples are kept, duplicates dropped")
    reset = 0
    if gen_conf:
        if not confirmed:  # what is left, priced before any call (services/budget.py)
            budget.check(budget.estimate_retry(ctx, name))
        reset = ctx.store.reset_work(ds.id, ("failed",))
    if req is not None:
        req.input_paths = [p for p in req.input_paths if Path(p).exists()]
        req.confirmed = True
        if not req.input_paths and not gen_conf:
            raise NotFoundError(f"the inputs of dataset '{name}''s last build are gone",
                                "build into it again with `ftb build --input PATH --name "
                                f"{name}`")
    if req is not None and (req.input_paths or not gen_conf):
        result = build(ctx, req, progress, cancel)
        result.stats.update(reset_items=reset, resumed="inputs")
        return result
    return resume_items(ctx, ds, reset, progress, cancel)
