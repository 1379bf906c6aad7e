"""Read-only queries over the store for browsing faces (the TUI review table, home, charts).

Nothing here changes anything (editing settings is services.settings). The queries themselves
are the store's (store/browse.py): the review table pages through a filtered list of ids.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from ftbuilder.core.errors import NotFoundError
from ftbuilder.core.types import DatasetInfo
from ftbuilder.services.context import AppContext
from ftbuilder.store.browse import SampleFilter, SampleRow


def _dataset(ctx: AppContext, name: str) -> DatasetInfo:
    return ctx.store.get_dataset(name)


def list_datasets(ctx: AppContext) -> list[DatasetInfo]:
    """Every dataset of the store, newest first."""
    return ctx.store.list_datasets()


def list_runs(ctx: AppContext, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent runs (id, dataset, kind, status, started_at, finished_at, stats, error)."""
    return ctx.store.list_runs(limit)


UNFINISHED = ("running", "cancelled", "interrupted", "failed")


def interrupted_runs(ctx: AppContext, limit: int = 50) -> list[dict[str, Any]]:
    """Datasets whose latest run did not finish (killed, cancelled or failed): that run, one
    per dataset, newest first. A run followed by another of its dataset (a resume) is not
    listed."""
    seen: set[str | None] = set()
    out = []
    for r in ctx.store.list_runs(limit):
        if r["dataset"] in seen:
            continue
        seen.add(r["dataset"])
        if r["status"] in UNFINISHED:
            out.append(r)
    return out


@dataclass(slots=True)
class WriterStatus:
    """The model that writes create/hybrid/free samples (system.agentic_llm, agentic_model,
    base_url): ``text`` says which (services.agent.describe_agent), ``ready`` is False when
    its key is missing, ``embedded`` when it is the shipped local model."""

    text: str
    ready: bool
    embedded: bool


def writer_status(ctx: AppContext) -> WriterStatus:
    """Which model writes samples, and whether it can run (see :class:`WriterStatus`)."""
    from ftbuilder.core.errors import FtbError
    from ftbuilder.services.agent import describe_agent, resolve_agent

    s = ctx.settings
    text = describe_agent(s).removeprefix("agent: ")
    try:
        c = resolve_agent(s)
    except FtbError:
        return WriterStatus(text, False, False)
    return WriterStatus(text, c.in_process or bool(c.base_url) or s.has_key(c.provider),
                        c.embedded)


def sample_ids(ctx: AppContext, name: str, filters: SampleFilter | None = None) -> list[int]:
    """Ids of the dataset's samples matching ``filters``, in id order.

    Raises:
        NotFoundError: no dataset of that name.
    """
    return ctx.store.filtered_ids(_dataset(ctx, name).id, filters)


def rows_for_ids(ctx: AppContext, ids: list[int]) -> list[SampleRow]:
    """Table rows of these sample ids, in the order given (missing ids are left out)."""
    return ctx.store.rows_for_ids(ids)


def sample_page(ctx: AppContext, name: str, offset: int = 0, limit: int = 100,
                filters: SampleFilter | None = None) -> list[SampleRow]:
    """``limit`` rows from ``offset`` of the filtered dataset (for callers without an id list)."""
    ids = ctx.store.filtered_ids(_dataset(ctx, name).id, filters, limit, offset)
    return ctx.store.rows_for_ids(ids)


def sources(ctx: AppContext, name: str) -> list[tuple[str, int]]:
    """(source file, samples) of a dataset, most samples first."""
    return ctx.store.source_counts(_dataset(ctx, name).id)


def flags(ctx: AppContext, name: str) -> list[tuple[str, int]]:
    """(flag, samples) over ``meta.flags`` of a dataset, plus ``no_tokens`` when any."""
    return ctx.store.flag_counts(_dataset(ctx, name).id)


def token_lengths(ctx: AppContext, name: str) -> dict[str, list[int]]:
    """Token counts of a dataset's samples grouped by split ("" = not assigned)."""
    return ctx.store.token_lengths(_dataset(ctx, name).id)


def sample_groups(ctx: AppContext, name: str) -> dict[int, tuple[str, int | None]]:
    """sample id -> (source file, token count): lets a split preview chart unsaved plans."""
    return ctx.store.sample_groups(_dataset(ctx, name).id)


def histogram(values: list[int], bins: int = 12, lo: int | None = None,
              hi: int | None = None) -> tuple[list[int], list[tuple[int, int]]]:
    """Counts of ``values`` in ``bins`` equal-width bins; returns (counts, [(start, end)]).

    Values below ``lo`` or above ``hi`` fall in the first or last bin (outliers stay counted).
    """
    if not values:
        return [0] * bins, [(0, 0)] * bins
    lo = min(values) if lo is None else lo
    hi = max(values) if hi is None else hi
    width = max(1, -(-(hi - lo + 1) // bins))
    counts = Counter(max(0, min((v - lo) // width, bins - 1)) for v in values)
    edges = [(lo + i * width, lo + (i + 1) * width - 1) for i in range(bins)]
    return [counts.get(i, 0) for i in range(bins)], edges


def get_sample(ctx: AppContext, sample_id: int):  # -> Conversation
    """One whole sample (all messages and metadata).

    Raises:
        NotFoundError: no sample with that id.
    """
    return ctx.store.get_sample(sample_id)


def dataset_or_none(ctx: AppContext, name: str) -> DatasetInfo | None:
    """The dataset of that name, or None."""
    try:
        return _dataset(ctx, name)
    except NotFoundError:
        return None


def target_format(ctx: AppContext, name: str) -> str:
    """The export format of a dataset's target provider (what "target" exports as)."""
    from ftbuilder.formats import PROVIDER_FORMATS

    provider = _dataset(ctx, name).provider
    return PROVIDER_FORMATS.get(provider, provider)
