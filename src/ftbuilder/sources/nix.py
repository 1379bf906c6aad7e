"""The Nix preset: search.nixos.org, nixpkgs definitions, the NixOS wiki, NixOS Discourse
and the project's curated example pack, with the option names of the Nix generator.

``search_api_only`` keeps only search.nixos.org (and the curated pack): the fast mode.
``skip_packages`` skips the nixpkgs package definitions, ``skip_search_api`` the search
backend, ``skip_wiki`` and ``skip_discourse`` those sites. Every base URL is overridable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ftbuilder.core.progress import CancelToken, ProgressFn
from ftbuilder.sources import discourse, mediawiki, nixos_search, nixpkgs
from ftbuilder.sources.base import Harvest, qa
from ftbuilder.sources.http import HttpClient

WIKI_API = "https://wiki.nixos.org/w/api.php"
DISCOURSE = "https://discourse.nixos.org"
PACK = "nix_pack.jsonl"


@dataclass
class NixOptions:
    search_api_only: bool = False
    skip_packages: bool = False
    skip_wiki: bool = False
    skip_discourse: bool = False
    skip_search_api: bool = False
    skip_curated: bool = False
    max_packages: int = 250
    max_options: int = 250
    max_flakes: int = 0
    max_definitions: int = 100
    max_wiki: int = 100
    max_discourse: int = 100
    channel: str = "unstable"
    schema: int = nixos_search.DEFAULT_SCHEMA
    search_url: str = nixos_search.DEFAULT_ROOT
    wiki_url: str = WIKI_API
    discourse_url: str = DISCOURSE
    discourse_category: str | None = "help"
    github_url: str = nixpkgs.GITHUB_API
    nixpkgs_path: Path | None = None

    def parts(self) -> list[str]:
        """The sources this run reads, in order."""
        out = []
        if not self.skip_search_api:
            out.append("search")
        if not self.search_api_only:
            if not self.skip_packages:
                out.append("nixpkgs")
            if not self.skip_wiki:
                out.append("wiki")
            if not self.skip_discourse:
                out.append("discourse")
        if not self.skip_curated:
            out.append("curated")
        return out


def curated_pack() -> Harvest:
    """The curated examples shipped with ftbuilder (written and checked by the project)."""
    h = Harvest()
    text = resources.files("ftbuilder.sources").joinpath("data", PACK).read_text("utf-8")
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        rec = json.loads(line)
        h.add(qa(rec["question"], rec["answer"], rec["url"], f"curated #{i}", "curated",
                 curated_by=rec.get("curated_by", "ftbuilder")), "curated")
    return h


def harvest(client: HttpClient, opts: NixOptions, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> tuple[Harvest, dict[str, dict[str, int]]]:
    """Everything the options select; also per source: samples, documents and failures."""
    total = Harvest()
    per: dict[str, dict[str, int]] = {}
    for part in opts.parts():
        if cancel is not None:
            cancel.check()
        if part == "search":
            h = nixos_search.harvest(client, nixos_search.SearchQuery(
                opts.search_url, opts.channel, opts.schema, opts.max_packages,
                opts.max_options, opts.max_flakes), progress, cancel)
        elif part == "nixpkgs":
            h = nixpkgs.harvest(client, opts.nixpkgs_path, opts.max_definitions,
                                opts.github_url, progress=progress, cancel=cancel)
        elif part == "wiki":
            h = mediawiki.harvest(client, mediawiki.WikiQuery(
                opts.wiki_url, max_pages=opts.max_wiki), progress, cancel)
        elif part == "discourse":
            h = discourse.harvest(client, discourse.DiscourseQuery(
                opts.discourse_url, category=opts.discourse_category,
                max_topics=opts.max_discourse), progress, cancel)
        else:
            h = curated_pack()
        per[part] = {"samples": len(h.conversations), "documents": len(h.documents),
                     "failed": h.failed}
        total.merge(h)
    return total, per
