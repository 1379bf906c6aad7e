"""Discourse forums through their JSON API: questions with their solutions.

Endpoints (Discourse's public API, docs/network-sources.md):
``/latest.json?page=N``, ``/c/{slug}/{id}.json?page=N``, ``/tag/{tag}.json?page=N`` and
``/search.json?q=...&page=N`` list topics (``topic_list.topics`` with ``more_topics_url``
while more pages exist; search answers ``topics`` plus ``grouped_search_result``);
``/t/{id}.json`` is a topic with its first posts (``post_stream.posts``) and the ids of all
(``post_stream.stream``); ``/t/{id}/posts.json?post_ids[]=...`` fetches the rest.

A topic becomes one conversation: the question is its title and first post, the answer the
accepted solution (``accepted_answer`` of the Solved plugin), else the most-liked reply with
at least ``min_likes`` likes. Cooked HTML becomes Markdown with code blocks kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.sources.base import Harvest, qa
from ftbuilder.sources.htmlmd import html_to_markdown
from ftbuilder.sources.http import FetchError, HttpClient

LIKE = 2  # actions_summary id of a like


@dataclass
class DiscourseQuery:
    url: str
    category: str | None = None
    tag: str | None = None
    search: str | None = None
    max_topics: int = 100
    min_likes: int = 1
    solved_only: bool = False


def _base(url: str) -> str:
    return url.rstrip("/")


def _category_path(client: HttpClient, base: str, category: str) -> str:
    """``slug/id`` or ``id`` as given; a bare slug is looked up in /categories.json."""
    if "/" in category or category.isdigit():
        return f"/c/{category.strip('/')}"
    data = client.get(f"{base}/categories.json").json()
    cats = (data.get("category_list") or {}).get("categories") or []
    for c in cats:
        for sub in [c, *(c.get("subcategory_list") or [])]:
            if str(sub.get("slug", "")).lower() == category.lower() or \
                    str(sub.get("name", "")).lower() == category.lower():
                return f"/c/{sub['slug']}/{sub['id']}"
    names = ", ".join(str(c.get("slug")) for c in cats[:12])
    raise FetchError(f"no category '{category}' on {base}",
                     f"categories there: {names or 'none listed'}", kind="not_found", url=base)


def topic_ids(client: HttpClient, q: DiscourseQuery,
              cancel: CancelToken | None = None) -> Iterator[dict[str, Any]]:
    """Topic summaries (id, slug, title...) page after page, at most ``q.max_topics``."""
    base = _base(q.url)
    if q.search:
        path, params = "/search.json", {"q": q.search}
    elif q.tag:
        path, params = f"/tag/{q.tag}.json", {}
    elif q.category:
        path, params = f"{_category_path(client, base, q.category)}.json", {}
    else:
        path, params = "/latest.json", {}
    seen: set[int] = set()
    page = 0
    while len(seen) < q.max_topics:
        if cancel is not None:
            cancel.check()
        data = client.get(base + path, {**params, "page": page} if page else params).json()
        if q.search:
            topics = data.get("topics") or []
            more = bool((data.get("grouped_search_result") or {}).get(
                "more_full_page_results"))
        else:
            tl = data.get("topic_list") or {}
            topics = tl.get("topics") or []
            more = bool(tl.get("more_topics_url"))
        new = [t for t in topics if isinstance(t, dict) and t.get("id") not in seen]
        for t in new:
            if len(seen) >= q.max_topics:
                return
            if q.solved_only and not t.get("has_accepted_answer", True):
                continue
            seen.add(t["id"])
            yield t
        if not more or not new:
            return
        page += 1


def _likes(post: dict[str, Any]) -> int:
    if isinstance(post.get("like_count"), int):
        return post["like_count"]
    for a in post.get("actions_summary") or []:
        if isinstance(a, dict) and a.get("id") == LIKE:
            return int(a.get("count") or 0)
    return 0


def _posts(client: HttpClient, base: str, topic: dict[str, Any]) -> list[dict[str, Any]]:
    """Every post of ``topic``: those inlined plus the rest of the stream, 20 per call."""
    ps = topic.get("post_stream") or {}
    posts = [p for p in ps.get("posts") or [] if isinstance(p, dict)]
    have = {p.get("id") for p in posts}
    missing = [i for i in ps.get("stream") or [] if i not in have]
    for start in range(0, len(missing), 20):
        chunk = missing[start:start + 20]
        data = client.get(f"{base}/t/{topic['id']}/posts.json", {"post_ids[]": chunk}).json()
        posts.extend(p for p in (data.get("post_stream") or {}).get("posts") or []
                     if isinstance(p, dict))
    return sorted(posts, key=lambda p: int(p.get("post_number") or 0))


def pick_answer(topic: dict[str, Any], posts: list[dict[str, Any]],
                min_likes: int) -> tuple[dict[str, Any], str] | None:
    """(post, why): the accepted solution, else the most-liked reply above the threshold."""
    accepted = topic.get("accepted_answer") or {}
    number = accepted.get("post_number") if isinstance(accepted, dict) else None
    for p in posts[1:]:
        if p.get("accepted_answer") or (number and p.get("post_number") == number):
            return p, "accepted"
    replies = [p for p in posts[1:] if p.get("post_type", 1) == 1 and
               p.get("username") != (posts[0].get("username") if posts else None)]
    if not replies:
        return None
    best = max(replies, key=lambda p: (_likes(p), -int(p.get("post_number") or 0)))
    return (best, "most_liked") if _likes(best) >= min_likes else None


def topic_conversation(base: str, topic: dict[str, Any], posts: list[dict[str, Any]],
                       min_likes: int) -> tuple[Any, str] | None:
    if not posts:
        return None
    picked = pick_answer(topic, posts, min_likes)
    if picked is None:
        return None
    answer, why = picked
    question = html_to_markdown(posts[0].get("cooked") or "")
    text = html_to_markdown(answer.get("cooked") or "")
    title = str(topic.get("title") or topic.get("fancy_title") or "").strip()
    if not text or not (question or title):
        return None
    user = f"{title}\n\n{question}".strip() if title and title not in question else question
    url = f"{base}/t/{topic.get('slug') or 'topic'}/{topic['id']}"
    tags = [t if isinstance(t, str) else str(t.get("name", "")) for t in topic.get("tags") or []]
    conv = qa(user, text, url, f"post {answer.get('post_number')}", "discourse",
              keywords=[t for t in tags if t][:8], topic_id=topic["id"], answer=why,
              likes=_likes(answer), answer_url=f"{url}/{answer.get('post_number')}")
    return conv, why


def harvest(client: HttpClient, q: DiscourseQuery, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> Harvest:
    """Topics of ``q`` as question/answer conversations (see the module docstring)."""
    base = _base(q.url)
    h = Harvest()
    topics = list(topic_ids(client, q, cancel))
    for i, summary in enumerate(topics, 1):
        if cancel is not None:
            cancel.check()
        tid = summary.get("id")
        url = f"{base}/t/{tid}.json"
        try:
            topic = client.get(url).json()
            posts = _posts(client, base, topic)
        except FetchError as e:
            h.fail(url, e)
            continue
        made = topic_conversation(base, topic, posts, q.min_likes)
        if made is None:
            h.skipped["no answer"] += 1
        else:
            h.add(made[0], f"topic ({made[1]})")
        report(progress, "discourse", i, len(topics), _short(summary.get("title")))
    return h


def _short(title: Any) -> str:
    return re.sub(r"\s+", " ", str(title or ""))[:60]
