"""Read-only queries over the store for browsing faces (the TUI review table, home, charts).

Also the small project-file helpers the settings screen needs (config.yaml text, prompt files),
so that no face reads or writes files itself. Nothing here changes samples.

The review table pages through a filtered list of sample ids: :func:`sample_ids` runs the filter
once (ids only, cheap even at 100,000 rows) and :func:`rows_for_ids` fetches the few rows a
screen shows. Random access stays O(page) wherever the cursor is.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from ftbuilder.core.errors import NotFoundError
from ftbuilder.core.types import DatasetInfo
from ftbuilder.services.context import AppContext

# The first user-facing message (skipping a system prompt) as a short preview, in SQL so that
# a page of rows never parses whole conversations in Python.
_PREVIEW = ("substr(replace(CASE WHEN json_extract(messages, '$[0].role') = 'system' "
            "THEN json_extract(messages, '$[1].content') "
            "ELSE json_extract(messages, '$[0].content') END, char(10), ' '), 1, 160)")
_ROW_COLS = (f"id, {_PREVIEW}, token_count, topic_keywords, source_file, location, split, "
             "json_array_length(messages), json_extract(meta, '$.flags'), "
             "json_extract(meta, '$.origin')")


@dataclass(slots=True)
class SampleFilter:
    """What the review table shows. Empty fields do not filter.

    ``split`` is a split name, or ``"none"`` for samples not assigned yet.
    ``flag`` matches one entry of ``meta.flags``, or ``"no_tokens"`` (token count unknown).
    """

    source: str = ""
    keyword: str = ""
    split: str = ""
    min_tokens: int | None = None
    max_tokens: int | None = None
    flag: str = ""

    def sql(self) -> tuple[str, list[Any]]:
        """An SQL fragment over fixed column names, with its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        if self.source:
            parts.append("source_file = ?")
            args.append(self.source)
        if self.keyword:
            parts.append("(messages LIKE ? ESCAPE '\\' OR topic_keywords LIKE ? ESCAPE '\\')")
            pat = "%" + self.keyword.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            args += [pat, pat]
        if self.split == "none":
            parts.append("split IS NULL")
        elif self.split:
            parts.append("split = ?")
            args.append(self.split)
        if self.min_tokens is not None:
            parts.append("token_count >= ?")
            args.append(self.min_tokens)
        if self.max_tokens is not None:
            parts.append("token_count <= ?")
            args.append(self.max_tokens)
        if self.flag == "no_tokens":
            parts.append("token_count IS NULL")
        elif self.flag:
            parts.append("EXISTS (SELECT 1 FROM json_each(samples.meta, '$.flags') "
                         "WHERE json_each.value = ?)")
            args.append(self.flag)
        return " AND ".join(parts), args


@dataclass(slots=True)
class SampleRow:
    """One line of the review table."""

    id: int
    preview: str
    tokens: int | None
    keywords: list[str]
    source: str
    location: str
    split: str
    messages: int
    flags: list[str]
    origin: str = ""  # found (identify, import) or written (generated) by an LLM

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    ds = _dataset(ctx, name)
    where, args = (filters or SampleFilter()).sql()
    q = "SELECT id FROM samples WHERE dataset_id = ?" + (f" AND {where}" if where else "")
    return [r[0] for r in ctx.store.db.execute(q + " ORDER BY id", (ds.id, *args))]


def rows_for_ids(ctx: AppContext, ids: list[int]) -> list[SampleRow]:
    """Table rows of these sample ids, in the order given (missing ids are left out)."""
    out: dict[int, SampleRow] = {}
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        q = f"SELECT {_ROW_COLS} FROM samples WHERE id IN ({','.join('?' * len(part))})"
        for r in ctx.store.db.execute(q, part):
            out[r[0]] = SampleRow(
                id=r[0], preview=r[1] or "", tokens=r[2], keywords=json.loads(r[3] or "[]"),
                source=r[4] or "", location=r[5] or "", split=r[6] or "", messages=r[7] or 0,
                flags=json.loads(r[8]) if r[8] else [], origin=r[9] or "")
    return [out[i] for i in ids if i in out]


def sample_page(ctx: AppContext, name: str, offset: int = 0, limit: int = 100,
                filters: SampleFilter | None = None) -> list[SampleRow]:
    """``limit`` rows from ``offset`` of the filtered dataset (for callers without an id list)."""
    ds = _dataset(ctx, name)
    where, args = (filters or SampleFilter()).sql()
    q = "SELECT id FROM samples WHERE dataset_id = ?" + (f" AND {where}" if where else "")
    ids = [r[0] for r in ctx.store.db.execute(q + " ORDER BY id LIMIT ? OFFSET ?",
                                              (ds.id, *args, limit, offset))]
    return rows_for_ids(ctx, ids)


def sources(ctx: AppContext, name: str) -> list[tuple[str, int]]:
    """(source file, samples) of a dataset, most samples first."""
    ds = _dataset(ctx, name)
    rows = ctx.store.db.execute(
        "SELECT COALESCE(source_file, ''), COUNT(*) FROM samples WHERE dataset_id = ? "
        "GROUP BY source_file ORDER BY COUNT(*) DESC, source_file", (ds.id,)).fetchall()
    return [(r[0], r[1]) for r in rows]


def flags(ctx: AppContext, name: str) -> list[tuple[str, int]]:
    """(flag, samples) over ``meta.flags`` of a dataset, plus ``no_tokens`` when any."""
    ds = _dataset(ctx, name)
    rows = ctx.store.db.execute(
        "SELECT json_each.value, COUNT(*) FROM samples, json_each(samples.meta, '$.flags') "
        "WHERE samples.dataset_id = ? GROUP BY json_each.value ORDER BY 2 DESC", (ds.id,)
    ).fetchall()
    out = [(str(r[0]), r[1]) for r in rows]
    missing = ctx.store.db.execute("SELECT COUNT(*) FROM samples WHERE dataset_id = ? AND "
                                   "token_count IS NULL", (ds.id,)).fetchone()[0]
    if missing:
        out.append(("no_tokens", missing))
    return out


def token_lengths(ctx: AppContext, name: str) -> dict[str, list[int]]:
    """Token counts of a dataset's samples grouped by split ("" = not assigned)."""
    ds = _dataset(ctx, name)
    out: dict[str, list[int]] = defaultdict(list)
    for split, tokens in ctx.store.db.execute(
            "SELECT split, token_count FROM samples WHERE dataset_id = ? AND token_count IS NOT "
            "NULL", (ds.id,)):
        out[split or ""].append(tokens)
    return dict(out)


def sample_groups(ctx: AppContext, name: str) -> dict[int, tuple[str, int | None]]:
    """sample id -> (source file, token count): lets a split preview chart unsaved plans."""
    ds = _dataset(ctx, name)
    return {r[0]: (r[1] or "", r[2]) for r in ctx.store.db.execute(
        "SELECT id, source_file, token_count FROM samples WHERE dataset_id = ?", (ds.id,))}


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
