"""search.nixos.org's Elasticsearch backend: packages, NixOS options and flakes per channel.

The site's frontend POSTs Elasticsearch queries to ``<root>/<index>/_search`` where the root
ends in ``/backend`` and the index is ``latest-<schema>-nixos-<channel>`` (packages and
options; documents carry ``type`` "package" or "option") or ``latest-<schema>-group-manual``
(flakes). Hits are ``hits.hits[]._source`` with the fields read below (docs/network-sources.md).
The backend wants HTTP basic credentials that the site ships in its page; pass them with
the environment variable ``FTB_NIXOS_SEARCH_AUTH=user:password`` when using the real one.

Each package and option becomes one grounded question/answer written from the data alone.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.sources.base import Harvest, qa
from ftbuilder.sources.htmlmd import strip_tags
from ftbuilder.sources.http import FetchError, HttpClient

DEFAULT_ROOT = "https://search.nixos.org/backend"
DEFAULT_SCHEMA = 44
PAGE = 100
SEARCH_PAGE = "https://search.nixos.org"


@dataclass
class SearchQuery:
    root: str = DEFAULT_ROOT
    channel: str = "unstable"
    schema: int = DEFAULT_SCHEMA
    max_packages: int = 250
    max_options: int = 250
    max_flakes: int = 0
    query: str | None = None


def index_name(q: SearchQuery, flakes: bool = False) -> str:
    return f"latest-{q.schema}-group-manual" if flakes \
        else f"latest-{q.schema}-nixos-{q.channel}"


def auth_headers() -> dict[str, str]:
    cred = os.environ.get("FTB_NIXOS_SEARCH_AUTH", "")
    if ":" not in cred:
        return {}
    return {"Authorization": "Basic " + base64.b64encode(cred.encode()).decode()}


def es_body(kind: str, start: int, size: int, query: str | None) -> dict[str, Any]:
    must: list[dict[str, Any]] = []
    if query:
        fields = ["package_attr_name^9", "package_pname^6", "package_description"] \
            if kind == "package" else ["option_name^6", "option_description"]
        must.append({"multi_match": {"query": query, "fields": fields}})
    return {"from": start, "size": size, "sort": ["_doc"],
            "query": {"bool": {"filter": [{"term": {"type": {"value": kind}}}],
                               "must": must}}}


def hits(client: HttpClient, q: SearchQuery, kind: str, limit: int,
         cancel: CancelToken | None = None, flakes: bool = False) -> Iterator[dict[str, Any]]:
    """``_source`` of up to ``limit`` documents of ``kind`` (package/option), page by page."""
    index = index_name(q, flakes)
    url = f"{q.root.rstrip('/')}/{index}/_search"
    start = 0
    while start < limit:
        if cancel is not None:
            cancel.check()
        size = min(PAGE, limit - start)
        try:
            resp = client.post_json(url, es_body(kind, start, size, q.query), auth_headers())
        except FetchError as e:
            if e.status == 404:
                raise FetchError(f"no search index {index} at {q.root}",
                                 "check --channel (e.g. unstable, 25.05) and --search-url; "
                                 "the index schema number changes over time (--schema)",
                                 status=404, url=url) from None
            if e.status == 401:
                raise FetchError(f"{q.root}: the search backend wants credentials",
                                 "set FTB_NIXOS_SEARCH_AUTH=user:password",
                                 status=401, url=url) from None
            raise
        data = resp.json()
        got = ((data.get("hits") or {}).get("hits") or []) if isinstance(data, dict) else []
        for hit in got:
            src = hit.get("_source") if isinstance(hit, dict) else None
            if isinstance(src, dict):
                yield src
        if len(got) < size:
            return
        start += size


# --- question/answer writers ------------------------------------------------------------------
def _pick(key: str, options: list[str]) -> str:
    return options[int(hashlib.sha1(key.encode()).hexdigest(), 16) % len(options)]


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = ", ".join(_text(v) for v in value if v)
    if isinstance(value, dict):
        value = value.get("text") or value.get("fullName") or value.get("name") or ""
    return strip_tags(str(value or "")).strip()


def _licenses(src: dict[str, Any]) -> str:
    lic = src.get("package_license_set") or src.get("package_license") or []
    if isinstance(lic, dict | str):
        lic = [lic]
    return ", ".join(dict.fromkeys(x for x in (_text(v) for v in lic) if x))


def package_url(q: SearchQuery, attr: str) -> str:
    return f"{SEARCH_PAGE}/packages?channel={q.channel}&show={attr}&query={attr}"


def option_url(q: SearchQuery, name: str) -> str:
    return f"{SEARCH_PAGE}/options?channel={q.channel}&show={name}&query={name}"


def package_qa(src: dict[str, Any], q: SearchQuery) -> Any | None:
    attr = str(src.get("package_attr_name") or "").strip()
    if not attr:
        return None
    pname = str(src.get("package_pname") or attr)
    version = str(src.get("package_pversion") or "").strip()
    desc = _text(src.get("package_description")).rstrip(".")
    longd = _text(src.get("package_longDescription"))
    question = _pick(attr, [
        f"How do I install {pname} on NixOS?",
        f"What is the Nix package `{attr}` and how do I install it?",
        f"I need {pname} on my NixOS machine. How do I get it?",
        f"How can I use {pname} with Nix, in a shell or system-wide?",
    ])
    what = f"`{attr}` is {pname}{' ' + version if version else ''}"
    if desc[:1].isupper() and desc[1:2].islower():  # "Tool for x" -> "tool for x"
        desc = desc[0].lower() + desc[1:]
    what += f": {desc}." if desc else "."
    parts = [what]
    if longd and longd.lower().rstrip(".") != desc.lower():
        parts.append(longd.split("\n\n")[0])
    facts = []
    homepage = src.get("package_homepage")
    if isinstance(homepage, list):
        homepage = homepage[0] if homepage else None
    if homepage:
        facts.append(f"Homepage: {homepage}")
    lic = _licenses(src)
    if lic:
        facts.append(f"License: {lic}")
    programs = [str(p) for p in src.get("package_programs") or [] if p][:5]
    if programs:
        facts.append("Programs: " + ", ".join(f"`{p}`" for p in programs))
    if facts:
        parts.append("\n".join(facts))
    parts.append("To install it system-wide, add it to `environment.systemPackages` in "
                  "`/etc/nixos/configuration.nix`:\n\n```nix\nenvironment.systemPackages = "
                  f"with pkgs; [\n  {attr}\n];\n```\n\nthen apply it with "
                  "`sudo nixos-rebuild switch`.")
    parts.append(f"To try it in a temporary shell without installing it:\n\n```sh\n"
                 f"nix-shell -p {attr}\n```")
    run = f"\nnix run nixpkgs#{attr}" if programs else ""
    parts.append(f"With flakes enabled:\n\n```sh\nnix shell nixpkgs#{attr}{run}\n```")
    url = package_url(q, attr)
    return qa(question, "\n\n".join(parts), url, f"package {attr}", "nixos-search",
              keywords=[attr, pname][: 1 if attr == pname else 2], kind="package",
              channel=q.channel, version=version)


def _nix_value(value: Any) -> str:
    text = _text(value) if not isinstance(value, str) else value
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("nix").strip()
    return text


def option_qa(src: dict[str, Any], q: SearchQuery) -> Any | None:
    name = str(src.get("option_name") or "").strip()
    if not name:
        return None
    desc = _text(src.get("option_description"))
    typ = _text(src.get("option_type"))
    default = _nix_value(src.get("option_default"))
    example = _nix_value(src.get("option_example"))
    question = _pick(name, [
        f"What does the NixOS option `{name}` do?",
        f"How do I use `{name}` in my NixOS configuration?",
        f"Explain the NixOS option {name}: its type, default and an example.",
    ])
    parts = [f"`{name}`: {desc}" if desc else f"`{name}` is a NixOS option."]
    facts = []
    if typ:
        facts.append(f"- Type: {typ}")
    if default:
        facts.append(f"- Default: `{default}`" if "\n" not in default
                     else f"- Default:\n\n```nix\n{default}\n```")
    if example:
        facts.append(f"- Example: `{example}`" if "\n" not in example
                     else f"- Example:\n\n```nix\n{example}\n```")
    if facts:
        parts.append("\n".join(facts))
    value = example or default or ("true" if typ == "boolean" else None)
    if value:
        lines = value.replace("\n", "\n  ")
        parts.append("Set it in `/etc/nixos/configuration.nix`, then run "
                     f"`sudo nixos-rebuild switch`:\n\n```nix\n{{\n  {name} = {lines};\n}}\n```")
    source = src.get("option_source")
    if source:
        parts.append(f"It is declared in `{source}` of nixpkgs.")
    url = option_url(q, name)
    return qa(question, "\n\n".join(parts), url, f"option {name}", "nixos-search",
              keywords=[name.split(".")[1] if name.count(".") >= 1 else name],
              kind="option", channel=q.channel)


def flake_qa(src: dict[str, Any], q: SearchQuery) -> Any | None:
    flake = str(src.get("flake_name") or "").strip()
    attr = str(src.get("package_attr_name") or "").strip()
    resolved = src.get("flake_resolved") or {}
    ref = resolved.get("url") or (f"{resolved.get('type')}:{resolved.get('owner')}/"
                                  f"{resolved.get('repo')}" if resolved.get("owner") else "")
    if not (flake and attr and ref):
        return None
    desc = _text(src.get("package_description") or src.get("flake_description"))
    answer = (f"`{attr}` is a package of the `{flake}` flake ({ref})"
              f"{': ' + desc if desc else ''}.\n\nRun it directly:\n\n```sh\nnix run "
              f"{ref}#{attr}\n```\n\nor add the flake as an input of your `flake.nix` and use "
              f"`inputs.{flake}.packages.${{system}}.{attr}`:\n\n```nix\n{{\n  inputs.{flake}."
              f"url = \"{ref}\";\n}}\n```")
    url = f"{SEARCH_PAGE}/flakes?show={attr}&query={attr}"
    return qa(f"How do I use `{attr}` from the {flake} flake?", answer, url,
              f"flake {flake}#{attr}", "nixos-search", keywords=[flake], kind="flake")


def harvest(client: HttpClient, q: SearchQuery, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> Harvest:
    h = Harvest()
    plan = [("package", q.max_packages, package_qa, False),
            ("option", q.max_options, option_qa, False),
            ("package", q.max_flakes, flake_qa, True)]
    for kind, limit, write, flakes in plan:
        if limit <= 0:
            continue
        stage = "flake" if flakes else kind
        for n, src in enumerate(hits(client, q, kind, limit, cancel, flakes), 1):
            conv = write(src, q)
            if conv is None:
                h.skipped[f"{stage} without data"] += 1
            else:
                h.add(conv, stage)
            if n % 50 == 0:
                report(progress, f"search {stage}s", n, limit)
    return h
