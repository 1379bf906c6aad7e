"""Use case: network sources (``ftb sources discourse|wiki|web|nix``, the Sources screen).

A connector of :mod:`ftbuilder.sources` fetches through one polite :class:`HttpClient`
(rate limit, retries, on-disk cache under ``memory/http_cache``) and returns conversations
and documents citing their URL. This service turns documents into conversations without an
LLM (identify, plus one pair per section under a heading), optionally writes the documents
as Markdown files for ``ftb build --mode create --input DIR``, stores the conversations in
dataset NAME (exact duplicates dropped, token counts for its target), validates it and, for
the Nix preset, exports it.

Ctrl-C (or the screen's Cancel) stops between two requests; nothing of that run is stored,
and running the same command again resumes from the HTTP cache without refetching.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import Conversation, Document
from ftbuilder.services.context import AppContext
from ftbuilder.sources.base import Harvest, qa
from ftbuilder.sources.http import DEFAULT_RATE, HttpClient

MIN_SECTION = 80  # characters of a section worth a question of its own


@dataclass
class SourceRun:
    """What one source run did. ``errors``: the first items that failed; ``valid``: samples
    without a validation error for the dataset's target."""

    name: str
    source: str
    created: bool = False
    found: int = 0
    added: int = 0
    duplicates: int = 0
    documents: int = 0
    failed: int = 0
    requests: int = 0
    cache_hits: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)
    total_samples: int = 0
    valid: int | None = None
    invalid: int | None = None
    docs_dir: str | None = None
    export: dict[str, Any] | None = None
    rephrased: dict[str, Any] | None = None  # the LLM pass of --rephrase: its accounting
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def cache_dir(ctx: AppContext) -> Path:
    return ctx.settings.root / "memory" / "http_cache"


def make_client(ctx: AppContext, rate: float = DEFAULT_RATE, refresh: bool = False,
                cancel: CancelToken | None = None, retries: int = 4,
                backoff: float = 0.5) -> HttpClient:
    if rate <= 0:
        raise UsageError(f"--rate must be above 0, got {rate}", "e.g. --rate 2 (per second)")
    return HttpClient(cache_dir(ctx), rate=rate, refresh=refresh, cancel=cancel,
                      retries=retries, backoff=backoff)


# --- documents to conversations, without an LLM -----------------------------------------------
def section_pairs(doc: Document, source: str) -> list[Conversation]:
    """One pair per section with enough text: the question from its heading path."""
    out = []
    for seg in doc.segments:
        head = seg.location.removeprefix("section ").strip()
        parts = [p.strip() for p in head.split(">") if p.strip()]
        body = re.sub(r"^#{1,6} .*\n+", "", seg.text, count=1).strip()
        if len(body) < MIN_SECTION or not parts:
            continue
        last = parts[-1]
        if last.endswith("?"):
            question = last
        elif len(parts) > 1:
            question = f"{parts[0]}: what should I know about \"{last}\"?"
        else:
            question = f"What is {last}?" if len(last.split()) <= 4 else f"Explain: {last}"
        out.append(qa(question, body, doc.path, seg.location, source, keywords=parts[:1],
                      kind="section"))
    return out


def documents_to_conversations(ctx: AppContext, docs: list[Document], source: str
                               ) -> tuple[list[Conversation], int]:
    """Identify's conversations plus section pairs; returns them and how many identify found."""
    from ftbuilder.extract.identify import IdentifyOptions, identify_document

    opts = IdentifyOptions.from_settings(ctx.settings)
    out: list[Conversation] = []
    found = 0
    for doc in docs:
        for c in identify_document(doc, opts):
            c.source_file = doc.path
            c.meta.update({"url": doc.path, "source": source})
            out.append(c)
            found += 1
        out.extend(section_pairs(doc, source))
    return out, found


def write_documents(docs: list[Document], folder: Path) -> int:
    """Each document as ``<folder>/<host>/<path>.md`` starting with its source URL."""
    n = 0
    for doc in docs:
        m = re.match(r"https?://([^/]+)(.*)", doc.path)
        host, rest = (m.group(1), m.group(2)) if m else ("local", doc.path)
        slug = re.sub(r"[^\w.-]+", "_", rest.strip("/")).strip("._")[:120] or "index"
        path = folder / re.sub(r"[^\w.-]+", "_", host) / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Source: {doc.path}\n\n{doc.text}\n", "utf-8")
        n += 1
    return n


# --- storing ------------------------------------------------------------------------------
def store(ctx: AppContext, run: SourceRun, convs: list[Conversation], provider: str | None,
          model: str | None, progress: ProgressFn | None = None) -> None:
    """Add ``convs`` to dataset ``run.name`` (created with the target given or config's)."""
    from ftbuilder.services.importing import _dataset_for_import, _spec, count_tokens

    ds, run.created = _dataset_for_import(ctx, run.name, provider, model)
    if run.created:
        ctx.store.update_dataset(ds.id, mode="source")
    spec = _spec(ds)
    batch = 2000
    for start in range(0, len(convs), batch):
        part = convs[start:start + batch]
        count_tokens(part, spec)
        added, dup = ctx.store.add_samples(ds.id, part)
        run.added += added
        run.duplicates += dup
        report(progress, "save", min(start + batch, len(convs)), len(convs))
    run.total_samples = ctx.store.count_samples(ds.id)


REPHRASED = ("nixos-search",)  # Q&A written from search data (sources/nixos_search.py)


def rephrase(ctx: AppContext, run: SourceRun, convs: list[Conversation], agent: dict[str, Any],
             provider: str | None, model: str | None, progress: ProgressFn | None = None,
             cancel: CancelToken | None = None) -> None:
    """The optional LLM pass over Q&A written from data (``--rephrase``): each one is the
    source a create-mode call writes from, through the runner (concurrency, cache, resume,
    accounting, the grounding check), so the new sample still cites its URL (the source)
    and every fact of it must be in that Q&A. Added to dataset ``run.name`` in place of the
    written-from-data ones; ``run.rephrased`` holds the run's accounting.

    Raises:
        MissingKeyError, ProviderError, Cancelled: as for a build.
    """
    import hashlib

    from ftbuilder.agents.create import create_generator
    from ftbuilder.agents.runner import Job, run_job
    from ftbuilder.ingest.chunking import Chunk
    from ftbuilder.ingest.chunking import count_tokens as chunk_tokens
    from ftbuilder.services.agent import agent_client, run_options
    from ftbuilder.services.importing import _dataset_for_import, _spec

    client = agent_client(ctx.settings, agent)
    ds, run.created = _dataset_for_import(ctx, run.name, provider, model)
    if run.created:
        ctx.store.update_dataset(ds.id, mode="source")
    chunks = []
    for c in convs:
        text = "\n\n".join(f"{'Question' if m.role == 'user' else 'Answer'}: {m.content}"
                           for m in c.messages if m.role in ("user", "assistant"))
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        chunks.append(Chunk(c.source_file or run.name, sha, 0, text, c.location or "",
                            chunk_tokens(text)))
    gen = create_generator(ctx.settings, client)
    opts = run_options(ctx.settings, client, _spec(ds), None)
    # the runner's target counts the samples of the generator's own scope (create mode's)
    before = ctx.store.count_samples_meta(ds.id, **gen.scope)
    stats = run_job(ctx.store, client, Job(ds.id, gen, chunks, before + len(chunks)), opts,
                    progress, cancel)
    run.added += stats.samples_added
    run.rephrased = stats.to_dict()
    run.total_samples = ctx.store.count_samples(ds.id)


def validate(ctx: AppContext, run: SourceRun) -> None:
    from ftbuilder.services.validate import validate_dataset

    rep = validate_dataset(ctx, run.name)
    bad = {v.line for v in rep.violations if v.severity == "error" and v.line > 0}
    run.invalid = len(bad)
    run.valid = rep.examples - len(bad)


def finish(ctx: AppContext, run: SourceRun, h: Harvest, client: HttpClient,
           provider: str | None, model: str | None, docs_dir: str | Path | None,
           progress: ProgressFn | None, started: float,
           rephrase_agent: dict[str, Any] | None = None,
           cancel: CancelToken | None = None) -> SourceRun:
    convs = list(h.conversations)
    written: list[Conversation] = []
    if rephrase_agent is not None:  # the search Q&A written from data, not pages or forums
        keep = []
        for c in convs:
            (written if c.meta.get("source") in REPHRASED else keep).append(c)
        convs = keep
    if h.documents:
        made, _ = documents_to_conversations(ctx, h.documents, run.source)
        convs.extend(made)
        if docs_dir:
            write_documents(h.documents, Path(docs_dir))
            run.docs_dir = str(docs_dir)
    run.found, run.documents, run.failed = len(convs) + len(written), len(h.documents), h.failed
    run.errors, run.counts, run.skipped = h.errors, dict(h.counts), dict(h.skipped)
    run.requests, run.cache_hits = client.requests, client.cache_hits
    if convs:
        store(ctx, run, convs, provider, model, progress)
    if rephrase_agent is not None and written:
        rephrase(ctx, run, written, rephrase_agent, provider, model, progress, cancel)
    if run.total_samples or convs:
        validate(ctx, run)
    run.seconds = round(time.monotonic() - started, 2)
    return run


# --- the use cases --------------------------------------------------------------------------
def discourse(ctx: AppContext, name: str, url: str, category: str | None = None,
              tag: str | None = None, search: str | None = None, max_topics: int = 100,
              min_likes: int = 1, rate: float = DEFAULT_RATE, refresh: bool = False,
              provider: str | None = None, model: str | None = None,
              progress: ProgressFn | None = None, cancel: CancelToken | None = None
              ) -> SourceRun:
    from ftbuilder.sources import discourse as dc

    started = time.monotonic()
    client = make_client(ctx, rate, refresh, cancel)
    h = dc.harvest(client, dc.DiscourseQuery(url, category, tag, search, max_topics, min_likes),
                   progress, cancel)
    return finish(ctx, SourceRun(name, "discourse"), h, client, provider, model, None,
                  progress, started)


def wiki(ctx: AppContext, name: str, api: str, category: str | None = None,
         search: str | None = None, titles: tuple[str, ...] = (), max_pages: int = 100,
         rate: float = DEFAULT_RATE, refresh: bool = False, docs_dir: str | Path | None = None,
         provider: str | None = None, model: str | None = None,
         progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> SourceRun:
    from ftbuilder.sources import mediawiki as mw

    started = time.monotonic()
    client = make_client(ctx, rate, refresh, cancel)
    h = mw.harvest(client, mw.WikiQuery(api, category, search, titles, max_pages), progress,
                   cancel)
    return finish(ctx, SourceRun(name, "wiki"), h, client, provider, model, docs_dir,
                  progress, started)


def web(ctx: AppContext, name: str, urls: list[str], depth: int = 2, max_pages: int = 200,
        include: list[str] | None = None, exclude: list[str] | None = None,
        any_host: bool = False, sitemap: bool = False, deepwiki_repo: str | None = None,
        rate: float = DEFAULT_RATE, refresh: bool = False, docs_dir: str | Path | None = None,
        provider: str | None = None, model: str | None = None,
        progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> SourceRun:
    from ftbuilder.sources import web as wb

    started = time.monotonic()
    if deepwiki_repo:
        q = wb.deepwiki(deepwiki_repo, urls[0] if urls else wb.DEEPWIKI, max_pages)
    else:
        if not urls:
            raise UsageError("no URL to crawl", "give one or more start URLs")
        q = wb.CrawlQuery(list(urls), depth, max_pages, list(include or []),
                          list(exclude or []), not any_host, sitemap)
    client = make_client(ctx, rate, refresh, cancel)
    h = wb.harvest(client, q, progress, cancel)
    return finish(ctx, SourceRun(name, "web"), h, client, provider, model, docs_dir,
                  progress, started)


def nix(ctx: AppContext, name: str, opts: Any, fmt: str | None = None, csv: bool = False,
        stats: bool = False, rate: float = DEFAULT_RATE, refresh: bool = False,
        out_dir: str | Path | None = None, docs_dir: str | Path | None = None,
        model: str | None = None, progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
        rephrase_agent: dict[str, Any] | None = None) -> SourceRun:
    """The Nix preset (:class:`ftbuilder.sources.nix.NixOptions`); ``fmt`` openai, anthropic
    or generic picks the target of a new dataset and exports it there (with metadata.csv
    when ``csv``, stats.json when ``stats``). ``rephrase_agent`` (provider, model,
    base_url): the search Q&A written from the data are rephrased by that LLM
    (:func:`rephrase`)."""
    from ftbuilder.sources import nix as nx

    started = time.monotonic()
    provider = {"openai": "openai", "anthropic": "anthropic"}.get(fmt or "")
    client = make_client(ctx, rate, refresh, cancel)
    h, per = nx.harvest(client, opts, progress, cancel)
    run = finish(ctx, SourceRun(name, "nix"), h, client, provider, model, docs_dir,
                 progress, started, rephrase_agent, cancel)
    run.per_source = per
    if run.total_samples and (fmt or csv):
        from ftbuilder.services.export import default_out_dir, export_dataset

        res = export_dataset(ctx, name, fmt or "csv", out_dir or default_out_dir(ctx, name),
                             include_csv=csv, include_stats=stats, cancel=cancel)
        run.export = {"format": res.format, "out_dir": res.out_dir, "ok": res.ok,
                      "examples": res.examples,
                      "files": [f.path for f in res.files],
                      "metadata_csv": res.metadata_csv, "stats_json": res.stats_json}
    run.seconds = round(time.monotonic() - started, 2)
    return run
