"""MediaWiki sites through ``api.php``: pages by list, category or search, wikitext sections.

Requests (MediaWiki's Action API, docs/network-sources.md):
``action=query&list=allpages|categorymembers|search`` with ``continue`` tokens
(``apcontinue``/``cmcontinue``/``sroffset`` plus ``continue``) for the titles;
``action=query&prop=revisions&rvprop=content&rvslots=main&titles=A|B`` (up to 20 titles a
call, formatversion 2, older servers' ``*`` content accepted) for the wikitext;
``meta=siteinfo`` once for the article URL pattern each page is cited by.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.sources.base import Harvest, document
from ftbuilder.sources.http import FetchError, HttpClient

BATCH = 20


@dataclass
class WikiQuery:
    api: str  # the wiki's api.php
    category: str | None = None
    search: str | None = None
    titles: tuple[str, ...] = ()
    max_pages: int = 100
    namespace: int = 0


def _api(client: HttpClient, api: str, **params: Any) -> dict[str, Any]:
    data = client.get(api, {"format": "json", "formatversion": "2", **params}).json()
    if not isinstance(data, dict):
        raise FetchError(f"{api}: not a MediaWiki API answer", "the URL must be the wiki's "
                         "api.php (e.g. https://wiki.nixos.org/w/api.php)", url=api)
    if "error" in data:
        err = data["error"] or {}
        raise FetchError(f"{api}: {err.get('code', 'error')}: {err.get('info', '')}".strip(),
                         "check the page, category or search given", url=api)
    return data


def titles(client: HttpClient, q: WikiQuery, cancel: CancelToken | None = None
           ) -> Iterator[str]:
    """Page titles of ``q``, following continue tokens, at most ``q.max_pages``."""
    if q.titles:
        yield from q.titles[: q.max_pages]
        return
    limit = min(50, q.max_pages)
    if q.category:
        cat = q.category if q.category.lower().startswith("category:") \
            else f"Category:{q.category}"
        params = {"list": "categorymembers", "cmtitle": cat, "cmlimit": limit,
                  "cmnamespace": q.namespace, "cmtype": "page"}
        key = "categorymembers"
    elif q.search:
        params = {"list": "search", "srsearch": q.search, "srlimit": limit,
                  "srnamespace": q.namespace}
        key = "search"
    else:
        params = {"list": "allpages", "aplimit": limit, "apnamespace": q.namespace}
        key = "allpages"
    n = 0
    cont: dict[str, Any] = {}
    while True:
        if cancel is not None:
            cancel.check()
        data = _api(client, q.api, action="query", **params, **cont)
        for item in (data.get("query") or {}).get(key) or []:
            if isinstance(item, dict) and item.get("title"):
                yield str(item["title"])
                n += 1
                if n >= q.max_pages:
                    return
        cont = data.get("continue") or {}
        if not cont:
            return


def article_url(client: HttpClient, api: str) -> str:
    """``server + articlepath`` with ``$1`` (siteinfo), else ``index.php?title=$1``."""
    try:
        gen = (_api(client, api, action="query", meta="siteinfo", siprop="general")
               .get("query") or {}).get("general") or {}
    except FetchError:
        gen = {}
    server, path = gen.get("server"), gen.get("articlepath")
    if server and path:
        if server.startswith("//"):
            server = urllib.parse.urlsplit(api).scheme + ":" + server
        return server.rstrip("/") + path
    return api.rsplit("/", 1)[0] + "/index.php?title=$1"


def page_url(pattern: str, title: str) -> str:
    return pattern.replace("$1", urllib.parse.quote(title.replace(" ", "_"), safe="/:()_,"))


def wikitext(client: HttpClient, api: str, batch: list[str]) -> dict[str, str]:
    """{title: wikitext} of up to BATCH titles in one call (redirects followed)."""
    data = _api(client, api, action="query", prop="revisions", rvprop="content",
                rvslots="main", redirects="1", titles="|".join(batch))
    pages = (data.get("query") or {}).get("pages") or []
    if isinstance(pages, dict):  # formatversion 1
        pages = list(pages.values())
    out: dict[str, str] = {}
    for p in pages:
        revs = p.get("revisions") or [] if isinstance(p, dict) else []
        if not revs:
            continue
        rev = revs[0]
        main = (rev.get("slots") or {}).get("main") or rev
        text = main.get("content", main.get("*"))
        if isinstance(text, str):
            out[str(p.get("title"))] = text
    return out


# --- wikitext to sections ---------------------------------------------------------------------
_HEADING = re.compile(r"^(={1,6})\s*(.+?)\s*\1\s*$", re.M)
_CODE = re.compile(r"<(syntaxhighlight|source|pre)([^>]*)>(.*?)</\1>", re.S | re.I)


def _templates(text: str) -> str:
    out, depth, i = [], 0, 0
    while i < len(text):
        two = text[i:i + 2]
        if two == "{{":
            depth += 1
            i += 2
        elif two == "}}" and depth:
            depth -= 1
            i += 2
        else:
            if not depth:
                out.append(text[i])
            i += 1
    return "".join(out)


def wiki_to_markdown(text: str) -> str:
    """Readable Markdown of wikitext: code blocks fenced, links as their text, templates,
    refs, files and tables' markup dropped."""
    blocks: list[str] = []

    def keep(m: re.Match[str]) -> str:
        lang = re.search(r'lang\s*=\s*"?([\w+-]+)', m.group(2) or "")
        blocks.append(f"```{lang.group(1) if lang else ''}\n{m.group(3).strip(chr(10))}\n```")
        return f"\x00{len(blocks) - 1}\x00"

    text = _CODE.sub(keep, text)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    text = re.sub(r"<ref[^>]*/>|<ref[^>]*>.*?</ref>", "", text, flags=re.S | re.I)
    text = _templates(text)
    text = re.sub(r"\[\[(?:File|Image|Category):[^\]]*\]\]", "", text, flags=re.I)
    text = re.sub(r"\[\[([^\]|]*)\|([^\]]*)\]\]", r"\2", text)
    text = re.sub(r"\[\[([^\]]*)\]\]", r"\1", text)
    text = re.sub(r"\[(https?://\S+) ([^\]]+)\]", r"[\2](\1)", text)
    text = re.sub(r"^\*+\s*", "- ", text, flags=re.M)
    text = re.sub(r"^#+\s*", "1. ", text, flags=re.M)
    text = re.sub(r"'''(.+?)'''", r"**\1**", text)
    text = re.sub(r"''(.+?)''", r"*\1*", text)
    text = re.sub(r"<code>(.*?)</code>|<tt>(.*?)</tt>", lambda m: f"`{m.group(1) or m.group(2)}`",
                  text, flags=re.S)
    text = re.sub(r"^\{\|.*?^\|\}", "", text, flags=re.S | re.M)  # tables
    text = re.sub(r"^ (\S.*)$", r"    \1", text, flags=re.M)  # a leading space: preformatted
    text = re.sub(r"</?[a-zA-Z][^>]*>", "", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: blocks[int(m.group(1))], text).strip()


def sections(title: str, text: str) -> list[tuple[str, str]]:
    """(heading path, Markdown) per section; the lead section is headed by the title."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[int, str]] = []
    last, head = 0, title
    for m in _HEADING.finditer(text):
        body = wiki_to_markdown(text[last:m.start()])
        if body:
            out.append((head, body))
        level = len(m.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, wiki_to_markdown(m.group(2))))
        head = " > ".join([title, *(s for _, s in stack)])
        last = m.end()
    body = wiki_to_markdown(text[last:])
    if body:
        out.append((head, body))
    return out


def harvest(client: HttpClient, q: WikiQuery, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> Harvest:
    """Documents (one per page, sections as segments) of the pages ``q`` selects."""
    h = Harvest()
    names = list(titles(client, q, cancel))
    pattern = article_url(client, q.api)
    for start in range(0, len(names), BATCH):
        if cancel is not None:
            cancel.check()
        batch = names[start:start + BATCH]
        try:
            texts = wikitext(client, q.api, batch)
        except FetchError as e:
            for t in batch:
                h.fail(page_url(pattern, t), e)
            continue
        for title, text in texts.items():
            if re.match(r"\s*#redirect", text, re.I):
                h.skipped["redirect"] += 1
                continue
            secs = sections(title, text)
            if not secs:
                h.skipped["empty"] += 1
                continue
            doc = document(page_url(pattern, title), "wiki",
                           [(head, f"## {head.split(' > ')[-1]}\n\n{body}")
                            for head, body in secs])
            h.documents.append(doc)
            h.counts["page"] += 1
        report(progress, "wiki", min(start + BATCH, len(names)), len(names))
    return h
