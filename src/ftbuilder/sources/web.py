"""Crawl documentation sites: robots.txt and sitemaps honoured, main text by trafilatura.

Breadth-first from the start URLs, same host by default, to ``depth`` links away; a URL is
kept when it matches an ``include`` pattern (if any) and no ``exclude`` pattern (regular
expressions searched in the whole URL). robots.txt is read once per host before any other
request there (``urllib.robotparser``); a path it disallows for our User-Agent is never
requested, and its ``Crawl-delay`` slows the host's rate. ``Sitemap:`` lines of robots.txt
(and ``/sitemap.xml`` when asked) add their ``<loc>`` URLs as start points.

Each page's main text (trafilatura, offline, no network of its own) is split by heading
into sections: a Document per page whose segments cite "section <heading path>".
The ``deepwiki`` preset keeps a repository's pages (``https://deepwiki.com/OWNER/REPO``).
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
import urllib.robotparser
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ftbuilder.core.errors import UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.sources.base import Harvest, document
from ftbuilder.sources.http import USER_AGENT, FetchError, HttpClient

SKIP_EXT = re.compile(r"\.(png|jpe?g|gif|svg|webp|ico|pdf|zip|gz|tgz|xz|bz2|tar|mp4|mp3|"
                      r"woff2?|ttf|css|js|json|xml|rss|atom)$", re.I)
DEEPWIKI = "https://deepwiki.com"


@dataclass
class CrawlQuery:
    urls: list[str]
    depth: int = 2
    max_pages: int = 200
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    same_host: bool = True
    sitemap: bool = False
    min_chars: int = 80


def deepwiki(repo: str, root: str = DEEPWIKI, max_pages: int = 200) -> CrawlQuery:
    """The DeepWiki preset: the repository's pages only, two links deep."""
    repo = repo.strip("/")
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
        raise UsageError(f"'{repo}' is not OWNER/REPO", "e.g. ftb sources web --deepwiki "
                         "NixOS/nixpkgs --name nixpkgs-wiki")
    start = f"{root.rstrip('/')}/{repo}"
    return CrawlQuery([start], depth=2, max_pages=max_pages,
                      include=[re.escape(start) + r"(/|$)"])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href") and "nofollow" not in (a.get("rel") or ""):
            self.links.append(str(a["href"]))
        elif tag == "base" and a.get("href"):
            self.base = a["href"]


def links(html: str, url: str) -> list[str]:
    p = _Links()
    with contextlib.suppress(Exception):  # broken markup: keep the links read so far
        p.feed(html)
    base = p.base or url
    out = []
    for href in p.links:
        if href.startswith(("mailto:", "javascript:", "tel:", "#")):
            continue
        full, _ = urllib.parse.urldefrag(urllib.parse.urljoin(base, href))
        if full.startswith(("http://", "https://")):
            out.append(full)
    return out


def main_text(html: str, url: str) -> str:
    """The page's main text as Markdown (trafilatura; headings kept)."""
    import trafilatura

    return trafilatura.extract(html, url=url, output_format="markdown",
                               include_formatting=True, include_links=False,
                               include_tables=True, favor_recall=True) or ""


def split_sections(title: str, markdown: str) -> list[tuple[str, str]]:
    """(heading path, text) per heading of ``markdown``; text before the first heading goes
    under the page title."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[int, str]] = []
    head, buf = title, []
    fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        m = None if fence else re.match(r"^(#{1,6})\s+(.*\S)\s*$", line)
        if m is None:
            buf.append(line)
            continue
        if "\n".join(buf).strip():
            out.append((head, "\n".join(buf).strip()))
        level = len(m.group(1))
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, m.group(2).strip("# ")))
        head = " > ".join(s for _, s in stack)
        buf = [line]
    if "\n".join(buf).strip():
        out.append((head, "\n".join(buf).strip()))
    return out


def _title(html: str) -> str:
    m = re.search(r"<title[^>]*>(.*?)</title>", html, re.S | re.I)
    return re.sub(r"\s+", " ", m.group(1)).strip() if m else ""


class Crawler:
    def __init__(self, client: HttpClient, q: CrawlQuery,
                 cancel: CancelToken | None = None) -> None:
        self.client, self.q, self.cancel = client, q, cancel
        self.robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}
        self.hosts = {urllib.parse.urlsplit(u).netloc for u in q.urls}
        try:
            self.include = [re.compile(p) for p in q.include]
            self.exclude = [re.compile(p) for p in q.exclude]
        except re.error as e:
            raise UsageError(f"bad --include/--exclude pattern: {e}",
                             "patterns are regular expressions searched in the URL") from None
        self.blocked: list[str] = []

    def wanted(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        if self.q.same_host and parts.netloc not in self.hosts:
            return False
        if SKIP_EXT.search(parts.path):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)

    def robot(self, url: str) -> urllib.robotparser.RobotFileParser | None:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin in self.robots:
            return self.robots[origin]
        rp: urllib.robotparser.RobotFileParser | None = urllib.robotparser.RobotFileParser()
        try:
            resp = self.client.get(f"{origin}/robots.txt", ok=frozenset({404, 410}))
            if resp.status in (404, 410):
                rp = None  # no robots.txt: everything allowed
            else:
                assert rp is not None
                rp.parse(resp.text.splitlines())
                delay = rp.crawl_delay(USER_AGENT) or rp.crawl_delay("*")
                if delay:
                    self.client.limiter.slow_down(parts.netloc, 1.0 / float(delay))
        except FetchError as e:
            if e.status in (401, 403):  # robots.txt itself refused: treat the site as closed
                rp = urllib.robotparser.RobotFileParser()
                rp.disallow_all = True
            else:
                raise
        self.robots[origin] = rp
        return rp

    def allowed(self, url: str) -> bool:
        rp = self.robot(url)
        ok = rp is None or rp.can_fetch(USER_AGENT, url)
        if not ok:
            self.blocked.append(url)
        return ok

    def sitemap_urls(self, origin: str) -> list[str]:
        rp = self.robots.get(origin)
        maps = list(rp.site_maps() or []) if rp is not None else []
        if self.q.sitemap and not maps:
            maps = [f"{origin}/sitemap.xml"]
        out: list[str] = []
        for sm in maps[:10]:
            try:
                resp = self.client.get(sm, ok=frozenset({404}))
            except FetchError:
                continue
            if resp.status == 200:
                out.extend(u.strip() for u in re.findall(r"<loc>\s*([^<]+?)\s*</loc>",
                                                         resp.text))
        return out


def harvest(client: HttpClient, q: CrawlQuery, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> Harvest:
    """Documents of the pages reached (see the module docstring)."""
    h = Harvest()
    c = Crawler(client, q, cancel)
    queue: deque[tuple[str, int]] = deque()
    seen: set[str] = set()
    for u in q.urls:
        u = urllib.parse.urldefrag(u)[0]
        queue.append((u, 0))
        seen.add(u)
    for origin in dict.fromkeys(f"{urllib.parse.urlsplit(u).scheme}://"
                                f"{urllib.parse.urlsplit(u).netloc}" for u in q.urls):
        c.robot(origin + "/")
        for u in c.sitemap_urls(origin):
            if u not in seen and c.wanted(u):
                seen.add(u)
                queue.append((u, 1))
    fetched = 0
    while queue and fetched < q.max_pages:
        if cancel is not None:
            cancel.check()
        url, depth = queue.popleft()
        if not c.allowed(url):
            h.skipped["robots.txt"] += 1
            continue
        try:
            resp = client.get(url)
        except FetchError as e:
            h.fail(url, e)
            continue
        fetched += 1
        ctype = resp.headers.get("Content-Type", resp.headers.get("content-type", "text/html"))
        if "html" not in ctype:
            h.skipped["not html"] += 1
            continue
        html = resp.text
        if depth < q.depth:
            for link in links(html, resp.url):
                if link not in seen and c.wanted(link):
                    seen.add(link)
                    queue.append((link, depth + 1))
        text = main_text(html, url)
        if len(text) < q.min_chars:
            h.skipped["no main text"] += 1
        else:
            secs = split_sections(_title(html) or url, text)
            h.documents.append(document(url, "web", secs))
            h.counts["page"] += 1
        report(progress, "crawl", fetched, min(q.max_pages, fetched + len(queue)), url[-60:])
    h.skipped["robots.txt"] = len(c.blocked)
    if not h.skipped["robots.txt"]:
        del h.skipped["robots.txt"]
    return h
