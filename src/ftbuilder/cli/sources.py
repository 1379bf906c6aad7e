"""``ftb sources discourse|wiki|web|nix``: datasets from forums, wikis, sites and the Nix
ecosystem, every sample citing its URL (services/sources.py does the work)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    cancelled_message,
    positive_int,
    render_result,
    to_jsonable,
)
from ftbuilder.core.errors import Cancelled

NET_EPILOG = """\
Every request: a User-Agent naming ftb; at most --rate requests per second per host (in
any one-second window); retries with backoff on 429/5xx honouring Retry-After; an on-disk
cache (memory/http_cache) so a re-run fetches nothing it already has (--refresh fetches
again). Ctrl-C stops between requests; run the same command again to resume from the cache.
"""


def _rate(text: str) -> float:
    text = text.strip().removesuffix("/s")
    try:
        r = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected requests per second (e.g. 2 or 0.5/s), "
                                         f"got {text!r}") from None
    if r <= 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {r}")
    return r


def _net(p: argparse.ArgumentParser) -> None:
    p.add_argument("--name", required=True, help="the dataset to add the samples to")
    p.add_argument("--rate", type=_rate, default=2.0, metavar="R",
                   help="requests per second per host, at most (default 2)")
    p.add_argument("--refresh", action="store_true",
                   help="fetch again what is in the HTTP cache")
    p.add_argument("--provider", help="target provider of a new dataset (default: config)")
    p.add_argument("--model", help="target model of a new dataset (default: config)")


def _human(d: dict[str, Any]) -> str:
    lines = [f"{d['source']} -> dataset {d['name']}"
             f"{' (new)' if d.get('created') else ''}: {d['found']:,} samples found, "
             f"{d['added']:,} added, {d['duplicates']:,} duplicates",
             f"requests {d['requests']:,}, from cache {d['cache_hits']:,}, "
             f"{d['seconds']:.1f} s"]
    if d.get("valid") is not None:
        lines.append(f"validated: {d['valid']:,} of {d['total_samples']:,} samples without "
                     f"errors" + (f" ({d['invalid']:,} with errors: `ftb validate "
                                  f"{d['name']}`)" if d.get("invalid") else ""))
    rest = {k: d[k] for k in ("counts", "skipped", "per_source") if d.get(k)}
    if rest:
        lines.append(render_result(rest))
    if d.get("docs_dir"):
        lines.append(f"documents written to {d['docs_dir']} (for `ftb build --mode create "
                     f"--input {d['docs_dir']}`)")
    if d.get("export"):
        e = d["export"]
        lines.append(f"exported {e['examples']:,} examples as {e['format']} to {e['out_dir']}")
    for err in d.get("errors") or []:
        lines.append(f"failed: {err['url']}: {err['error']}")
    if d.get("failed", 0) > len(d.get("errors") or []):
        lines.append(f"... {d['failed'] - len(d['errors']):,} more failed (--json lists 50)")
    return "\n".join(lines)


def _run(session: Session, fn: Any, name: str, **kwargs: Any) -> int:
    provider = model = None
    if kwargs.pop("target", True) and (session.args.provider or session.args.model):
        provider, model = session.target(session.args.provider, session.args.model)
        kwargs.update(provider=provider, model=model)
    try:
        with session.running() as cancel:
            result = fn(session.ctx, name, progress=session.progress, cancel=cancel, **kwargs)
    except Cancelled:
        raise Cancelled(cancelled_message(0), "run the same command again: what was fetched "
                        "is cached and is not asked again") from None
    data = to_jsonable(result)
    session.emit(result, lambda: _human(data))
    return EXIT_FAIL if data.get("failed") or (data.get("found") == 0) else EXIT_OK


def run_discourse(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import sources

    return _run(session, sources.discourse, args.name, url=args.url, category=args.category,
                tag=args.tag, search=args.search, max_topics=args.max,
                min_likes=args.min_likes, rate=args.rate, refresh=args.refresh)


def run_wiki(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import sources

    return _run(session, sources.wiki, args.name, api=args.url, category=args.category,
                search=args.search, titles=tuple(args.page or ()), max_pages=args.max,
                rate=args.rate, refresh=args.refresh, docs_dir=args.save_docs)


def run_web(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import sources

    return _run(session, sources.web, args.name, urls=list(args.urls), depth=args.depth,
                max_pages=args.max, include=args.include, exclude=args.exclude,
                any_host=args.any_host, sitemap=args.sitemap, deepwiki_repo=args.deepwiki,
                rate=args.rate, refresh=args.refresh, docs_dir=args.save_docs)


def run_nix(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import sources
    from ftbuilder.sources.nix import NixOptions

    opts = NixOptions(
        search_api_only=args.search_api_only, skip_packages=args.skip_packages,
        skip_wiki=args.skip_wiki, skip_discourse=args.skip_discourse,
        skip_search_api=args.skip_search_api, skip_curated=args.skip_curated,
        max_packages=args.max_packages, max_options=args.max_options,
        max_flakes=args.max_flakes, max_definitions=args.max_definitions,
        max_wiki=args.max_wiki, max_discourse=args.max_discourse, channel=args.channel,
        schema=args.schema, search_url=args.search_url, wiki_url=args.wiki_url,
        discourse_url=args.discourse_url, github_url=args.github_url,
        nixpkgs_path=Path(args.nixpkgs) if args.nixpkgs else None)
    code = _run(session, sources.nix, args.name, target=False, opts=opts, fmt=args.format,
                csv=args.csv, stats=args.stats, rate=args.rate, refresh=args.refresh,
                out_dir=args.out, docs_dir=args.save_docs, model=args.model,
                rephrase_agent=({"provider": args.agent_provider, "model": args.agent_model,
                                 "base_url": args.base_url} if args.rephrase else None))
    return code


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("sources", help="datasets from forums, wikis, web sites and Nix",
                       description="Fetch samples from network sources into a dataset.",
                       parents=[common])
    ss = p.add_subparsers(dest="source", metavar="SOURCE", title="sources")
    ss.required = True

    d = add_command(ss, common, "discourse", "questions and their solutions from a Discourse "
                    "forum", run_discourse, epilog=NET_EPILOG)
    d.add_argument("url", help="the forum, e.g. https://discourse.nixos.org")
    _net(d)
    g = d.add_mutually_exclusive_group()
    g.add_argument("--category", help="category slug, id or slug/id")
    g.add_argument("--tag", help="topics with this tag")
    g.add_argument("--search", help="topics matching this search")
    d.add_argument("--max", type=positive_int, default=100, help="topics to read (100)")
    d.add_argument("--min-likes", type=int, default=1,
                   help="likes a reply needs when no solution is accepted (1)")

    w = add_command(ss, common, "wiki", "pages of a MediaWiki site, split by section",
                    run_wiki, epilog=NET_EPILOG)
    w.add_argument("url", help="the wiki's api.php, e.g. https://wiki.nixos.org/w/api.php")
    _net(w)
    g = w.add_mutually_exclusive_group()
    g.add_argument("--category", help="pages of this category")
    g.add_argument("--search", help="pages matching this search")
    g.add_argument("--page", action="append", metavar="TITLE", help="this page (repeatable)")
    w.add_argument("--max", type=positive_int, default=100, help="pages to read (100)")
    w.add_argument("--save-docs", metavar="DIR",
                   help="also write each page as Markdown there (for ftb build --mode create)")

    b = add_command(ss, common, "web", "crawl documentation sites (robots.txt honoured)",
                    run_web, epilog=NET_EPILOG)
    b.add_argument("urls", nargs="*", metavar="URL", help="start pages")
    _net(b)
    b.add_argument("--depth", type=int, default=2, help="links away from the start (2)")
    b.add_argument("--max", type=positive_int, default=200, help="pages to fetch (200)")
    b.add_argument("--include", action="append", metavar="PATTERN", default=[],
                   help="keep only URLs matching this regular expression (repeatable)")
    b.add_argument("--exclude", action="append", metavar="PATTERN", default=[],
                   help="skip URLs matching this regular expression (repeatable)")
    b.add_argument("--any-host", action="store_true", help="follow links to other hosts")
    b.add_argument("--sitemap", action="store_true", help="also read /sitemap.xml")
    b.add_argument("--deepwiki", metavar="OWNER/REPO",
                   help="preset: a repository's DeepWiki pages (URL: another DeepWiki root)")
    b.add_argument("--save-docs", metavar="DIR", help="also write each page as Markdown there")

    n = add_command(ss, common, "nix", "the Nix generator: search.nixos.org, nixpkgs, the "
                    "NixOS wiki and Discourse, a curated pack", run_nix, epilog=NET_EPILOG +
                    "\nfast mode: ftb sources nix --search-api-only --stats --name nix")
    n.add_argument("--name", required=True, help="the dataset to add the samples to")
    n.add_argument("--search-api-only", action="store_true",
                   help="only search.nixos.org (and the curated pack): fast")
    n.add_argument("--skip-packages", action="store_true", help="no nixpkgs definitions")
    n.add_argument("--skip-wiki", action="store_true", help="no NixOS wiki pages")
    n.add_argument("--skip-discourse", action="store_true", help="no Discourse topics")
    n.add_argument("--skip-search-api", action="store_true", help="no search.nixos.org")
    n.add_argument("--skip-curated", action="store_true", help="no curated example pack")
    n.add_argument("--max-packages", type=int, default=250,
                   help="packages from the search API (250)")
    n.add_argument("--max-options", type=int, default=250,
                   help="NixOS options from the search API (250)")
    n.add_argument("--max-flakes", type=int, default=0, help="flake packages (0)")
    n.add_argument("--max-definitions", type=int, default=100,
                   help="nixpkgs package definitions (100)")
    n.add_argument("--max-wiki", type=int, default=100, help="wiki pages (100)")
    n.add_argument("--max-discourse", type=int, default=100, help="Discourse topics (100)")
    n.add_argument("--channel", default="unstable", help="NixOS channel (unstable, 25.05...)")
    n.add_argument("--schema", type=int, default=44, help="search index schema number (44)")
    n.add_argument("--format", choices=("openai", "anthropic", "generic"),
                   help="target of a new dataset, and export it in that format")
    n.add_argument("--csv", action="store_true", help="export metadata.csv too")
    n.add_argument("--stats", action="store_true", help="export stats.json, show per source")
    n.add_argument("--rephrase", action="store_true",
                   help="have the agent LLM rephrase the search Q&A written from the data "
                        "(each one the source of a create-mode call: facts checked against "
                        "it, URL kept); --agent-provider/--agent-model/--base-url pick it")
    n.add_argument("--agent-provider", default=None, help="backend that rephrases")
    n.add_argument("--agent-model", default=None, help="its model")
    n.add_argument("--base-url", default=None, help="an OpenAI-compatible endpoint for it")
    n.add_argument("--out", metavar="DIR", help="export folder (default output_datasets/NAME)")
    n.add_argument("--model", help="target model of a new dataset")
    n.add_argument("--nixpkgs", metavar="PATH", help="a nixpkgs checkout (else GitHub's API; "
                   "GITHUB_TOKEN used when set)")
    n.add_argument("--search-url", default="https://search.nixos.org/backend",
                   help="the search backend root (ends in /backend)")
    n.add_argument("--wiki-url", default="https://wiki.nixos.org/w/api.php",
                   help="the wiki's api.php")
    n.add_argument("--discourse-url", default="https://discourse.nixos.org")
    n.add_argument("--github-url", default="https://api.github.com", help="GitHub API root")
    n.add_argument("--save-docs", metavar="DIR", help="write wiki pages as Markdown there")
    n.add_argument("--rate", type=_rate, default=2.0, metavar="R",
                   help="requests per second per host, at most (default 2)")
    n.add_argument("--refresh", action="store_true", help="fetch again what is cached")
