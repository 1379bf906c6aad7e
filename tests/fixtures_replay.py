"""A loopback HTTP server replaying the shapes of the real APIs the network sources read.

Shapes recorded from the public API documentation (docs/network-sources.md):
* Discourse (``/forum``): ``/latest.json`` and ``/c/{slug}/{id}.json`` (``topic_list.topics``,
  ``more_topics_url`` while more pages exist), ``/categories.json``, ``/search.json``
  (``topics``, ``grouped_search_result.more_full_page_results``), ``/t/{id}.json``
  (``post_stream.posts`` with the first 20 posts, ``post_stream.stream`` with every id,
  ``accepted_answer`` of the Solved plugin), ``/t/{id}/posts.json?post_ids[]=``.
* MediaWiki (``/wiki/api.php``): ``list=allpages|categorymembers|search`` with ``continue``
  tokens, ``prop=revisions`` (formatversion 2, ``slots.main.content``), ``meta=siteinfo``.
* search.nixos.org (``/backend/<index>/_search``, POST): ``hits.total.value``,
  ``hits.hits[]._source`` with the package_* and option_* fields.
* a documentation site (``/site``) with ``/robots.txt`` forbidding ``/site/private/``.

Every request is logged server-side (monotonic time, method, path); ``faults`` maps a path
(without query) to answers served, in order, before the normal one: (status, headers, body).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = 30  # Discourse topics per page


def _cooked(text: str, code: str | None = None) -> str:
    html = f"<p>{text}</p>"
    if code:
        html += f'<pre><code class="lang-nix">{code}</code></pre>'
    return html


def discourse_topics(n: int = 45) -> dict[int, dict[str, Any]]:
    topics = {}
    for i in range(1, n + 1):
        nposts = 25 if i == 7 else 4  # topic 7: its solution is past the first 20 posts
        posts = []
        for k in range(1, nposts + 1):
            posts.append({
                "id": i * 1000 + k, "post_number": k, "post_type": 1,
                "username": "asker" if k == 1 else f"helper{k}",
                "cooked": _cooked(f"How do I enable service {i} on NixOS?" if k == 1 else
                                  f"Reply {k} to topic {i}: set the option and rebuild.",
                                  f"services.svc{i}.enable = true;" if k > 1 else None),
                "actions_summary": [{"id": 2, "count": (3 if k == 2 else 0)}],
                "accepted_answer": False})
        accepted = None
        if i % 3 == 0 or i == 7:  # solved: the last post is the solution
            number = nposts
            posts[number - 1]["accepted_answer"] = True
            accepted = {"post_number": number, "username": f"helper{number}",
                        "excerpt": "..."}
        if i % 5 == 0:  # no liked reply and no solution: skipped
            for p in posts[1:]:
                p["actions_summary"] = [{"id": 2, "count": 0}]
            accepted = None
            for p in posts:
                p["accepted_answer"] = False
        topics[i] = {"id": i, "title": f"Enable service {i}", "slug": f"enable-service-{i}",
                     "posts_count": nposts, "tags": ["nixos", "help"],
                     "accepted_answer": accepted, "has_accepted_answer": accepted is not None,
                     "post_stream": {"posts": posts[:20], "stream": [p["id"] for p in posts]},
                     "_all": posts}
    return topics


def wiki_pages(n: int = 30) -> dict[str, str]:
    pages = {}
    for i in range(1, n + 1):
        pages[f"Page {i}"] = (
            f"'''Page {i}''' explains how to configure [[Service {i}|service {i}]] on NixOS "
            "with a declarative module.{{Note|a template}}\n\n"
            "== Installation ==\nAdd the package to your configuration and rebuild the system "
            f"so service {i} is available for every user of the machine.\n"
            f"<syntaxhighlight lang=\"nix\">\nenvironment.systemPackages = [ pkgs.svc{i} ];\n"
            "</syntaxhighlight>\n\n"
            "== Troubleshooting ==\n=== Why does it not start? ===\nCheck the journal with "
            f"journalctl -u svc{i} and look for permission errors in the unit's output.\n")
    pages["Old name"] = "#REDIRECT [[Page 1]]"
    return pages


def packages(n: int = 300) -> list[dict[str, Any]]:
    return [{"type": "package", "package_attr_name": f"pkg{i}" if i % 7 else
             f"python3Packages.lib{i}", "package_pname": f"pkg{i}",
             "package_pversion": f"1.{i}.0",
             "package_description": f"Tool number {i} for testing",
             "package_longDescription": f"<p>A longer description of tool {i}.</p>",
             "package_homepage": [f"https://example.org/pkg{i}"],
             "package_license_set": ["MIT License"],
             "package_programs": [f"pkg{i}"] if i % 2 else [],
             "package_platforms": ["x86_64-linux"]} for i in range(n)]


def options(n: int = 300) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        kind = i % 3
        out.append({"type": "option", "option_name": f"services.svc{i}.enable" if kind == 0
                    else f"services.svc{i}.port" if kind == 1 else f"services.svc{i}.settings",
                    "option_description": f"<p>Whether to enable service {i}.</p>",
                    "option_type": ["boolean", "16 bit unsigned integer; between 0 and 65535 "
                                    "(both inclusive)", "attribute set of string"][kind],
                    "option_default": ["false", str(8000 + i), "{ }"][kind],
                    "option_example": ["true", str(9000 + i),
                                       '{\n  log_level = "debug";\n}'][kind],
                    "option_source": f"nixos/modules/services/svc{i}.nix"})
    return out


SITE = {
    "/site/": ("Docs home", ["/site/guide.html", "/site/private/secret.html",
                             "/site/faq.html", "https://elsewhere.example/x"]),
    "/site/guide.html": ("Guide", ["/site/guide/advanced.html", "/site/"]),
    "/site/guide/advanced.html": ("Advanced", ["/site/guide/deeper.html"]),
    "/site/guide/deeper.html": ("Deeper", []),
    "/site/faq.html": ("FAQ", ["/site/private/other.html"]),
    "/site/private/secret.html": ("Secret", []),
    "/site/private/other.html": ("Other secret", []),
}


def site_page(path: str) -> str:
    title, links = SITE[path]
    body = "".join(f'<li><a href="{u}">{u}</a></li>' for u in links)
    return (f"<html><head><title>{title}</title></head><body><nav><ul>{body}</ul></nav>"
            f"<main><h1>{title}</h1><p>The {title} page explains how the tool works in "
            "enough words for a main-text extractor to keep this paragraph as content.</p>"
            f"<h2>Configure {title}</h2><p>Set the options in the configuration file, then "
            "restart the service so the new settings take effect on the running system.</p>"
            "<h2>Why does it fail?</h2><p>Most failures come from a wrong path in the "
            "configuration file; the log names the file and the line to fix.</p>"
            "</main><footer>footer text</footer></body></html>")


class Replay:
    """The server; ``url`` is its root, ``log`` every request, ``faults`` injected answers."""

    def __init__(self, n_packages: int = 300, n_options: int = 300) -> None:
        self.log: list[tuple[float, str, str]] = []
        self.agents: list[str] = []
        self.faults: dict[str, list[tuple[int, dict[str, str], bytes | str]]] = {}
        self.topics = discourse_topics()
        self.pages = wiki_pages()
        self.packages = packages(n_packages)
        self.options = options(n_options)
        self.robots = "User-agent: *\nDisallow: /site/private/\n"
        self.lock = threading.Lock()
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: Any) -> None:
                pass

            def do_GET(self) -> None:
                replay.handle(self, "GET")

            def do_POST(self) -> None:
                replay.handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def paths(self) -> list[str]:
        return [p for _, _, p in self.log]

    # --- dispatch --------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        with self.lock:
            self.log.append((time.monotonic(), method, h.path))
            self.agents.append(h.headers.get("User-Agent", ""))
            parts = urllib.parse.urlsplit(h.path)
            queued = self.faults.get(parts.path)
            fault = queued.pop(0) if queued else None
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        if fault is not None:
            status, headers, data = fault
            return self.send(h, status, data, headers)
        query = urllib.parse.parse_qs(parts.query)
        q = {k: v[-1] for k, v in query.items()}
        path = parts.path
        if path == "/robots.txt":
            return self.send(h, 200, self.robots, {"Content-Type": "text/plain"})
        if path.startswith("/forum/"):
            return self.send(h, *self.forum(path[len("/forum"):], q, query))
        if path == "/wiki/api.php":
            return self.send(h, 200, json.dumps(self.wiki(q)))
        if path.startswith("/backend/") and path.endswith("/_search") and method == "POST":
            return self.send(h, *self.search(path, json.loads(body or b"{}")))
        if path in SITE:
            return self.send(h, 200, site_page(path), {"Content-Type": "text/html",
                                                       "Cache-Control": "no-store"})
        return self.send(h, 404, '{"error": "not found"}')

    @staticmethod
    def send(h: BaseHTTPRequestHandler, status: int, data: bytes | str,
             headers: dict[str, str] | None = None) -> None:
        raw = data.encode() if isinstance(data, str) else data
        h.send_response(status)
        headers = {"Content-Type": "application/json", "Cache-Control": "no-cache",
                   **(headers or {})}
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(raw)))
        h.end_headers()
        h.wfile.write(raw)

    # --- Discourse ---------------------------------------------------------------------------
    def _topic_list(self, page: int, base: str) -> dict[str, Any]:
        ids = sorted(self.topics)
        chunk = ids[page * PAGE:(page + 1) * PAGE]
        tl: dict[str, Any] = {"topics": [{k: v for k, v in self.topics[i].items()
                                          if k not in ("post_stream", "_all")}
                                         for i in chunk]}
        if (page + 1) * PAGE < len(ids):
            tl["more_topics_url"] = f"{base}?page={page + 1}"
        return {"users": [], "topic_list": tl}

    def forum(self, path: str, q: dict[str, str], query: dict[str, list[str]]
              ) -> tuple[int, str]:
        page = int(q.get("page", 0))
        if path == "/latest.json":
            return 200, json.dumps(self._topic_list(page, "/latest"))
        if path == "/c/help/11.json":
            return 200, json.dumps(self._topic_list(page, "/c/help/11"))
        if path == "/categories.json":
            return 200, json.dumps({"category_list": {"categories": [
                {"id": 11, "slug": "help", "name": "Help"}]}})
        if path == "/search.json":
            hits = [t for t in self.topics.values() if q.get("q", "") in t["title"]]
            chunk = hits[page * 10:(page + 1) * 10] if page else hits[:10]
            return 200, json.dumps({"posts": [], "topics": [
                {k: v for k, v in t.items() if k not in ("post_stream", "_all")}
                for t in chunk], "grouped_search_result": {
                "more_full_page_results": (page + 1) * 10 < len(hits)}})
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "t" and parts[1].endswith(".json"):
            t = self.topics.get(int(parts[1][:-5]))
            if t is None:
                return 404, "{}"
            return 200, json.dumps({k: v for k, v in t.items() if k != "_all"})
        if len(parts) == 3 and parts[0] == "t" and parts[2] == "posts.json":
            t = self.topics[int(parts[1])]
            want = {int(x) for x in query.get("post_ids[]", [])}
            return 200, json.dumps({"post_stream": {"posts": [p for p in t["_all"]
                                                              if p["id"] in want]}})
        return 404, "{}"

    # --- MediaWiki ---------------------------------------------------------------------------
    def wiki(self, q: dict[str, str]) -> dict[str, Any]:
        if q.get("meta") == "siteinfo":
            return {"query": {"general": {"server": self.url, "articlepath": "/wiki/$1",
                                          "sitename": "Replay wiki"}}}
        if q.get("list") in ("allpages", "categorymembers", "search"):
            kind = q["list"]
            prefix = {"allpages": "ap", "categorymembers": "cm", "search": "sr"}[kind]
            titles = sorted(self.pages, key=lambda t: (len(t), t))
            if kind == "categorymembers":
                titles = [t for t in titles if t.startswith("Page") and int(t[5:]) % 2 == 0]
            if kind == "search":
                titles = [t for t in titles if q.get("srsearch", "") in t]
            limit = min(int(q.get(f"{prefix}limit", 10)), 10)  # the server's cap: continue
            start = int(q.get(f"{prefix}continue", q.get("sroffset", 0)) or 0)
            chunk = titles[start:start + limit]
            out: dict[str, Any] = {"batchcomplete": True, "query": {kind: [
                {"pageid": i, "ns": 0, "title": t} for i, t in enumerate(chunk, start)]}}
            if start + limit < len(titles):
                key = "sroffset" if kind == "search" else f"{prefix}continue"
                out["continue"] = {key: str(start + limit), "continue": "-||"}
            return out
        if q.get("prop") == "revisions":
            pages = []
            for t in q.get("titles", "").split("|"):
                if t in self.pages:
                    pages.append({"pageid": 1, "ns": 0, "title": t, "revisions": [
                        {"slots": {"main": {"contentmodel": "wikitext",
                                            "content": self.pages[t]}}}]})
                else:
                    pages.append({"ns": 0, "title": t, "missing": True})
            return {"batchcomplete": True, "query": {"pages": pages}}
        return {"error": {"code": "badvalue", "info": "Unrecognized value"}}

    # --- search.nixos.org ----------------------------------------------------------------------
    def search(self, path: str, body: dict[str, Any]) -> tuple[int, str]:
        index = path.split("/")[2]
        if index != "latest-44-nixos-unstable":
            return 404, json.dumps({"error": {"type": "index_not_found_exception"},
                                    "status": 404})
        flt = body["query"]["bool"]["filter"][0]["term"]["type"]["value"]
        docs = self.packages if flt == "package" else self.options
        start, size = int(body.get("from", 0)), int(body.get("size", 10))
        chunk = docs[start:start + size]
        return 200, json.dumps({"took": 3, "timed_out": False, "hits": {
            "total": {"value": len(docs), "relation": "eq"}, "max_score": None,
            "hits": [{"_index": index, "_id": str(start + i), "_score": None, "_source": d}
                     for i, d in enumerate(chunk)]}})
