"""Discourse against the replay server: pages, categories, search, solutions, likes."""

from __future__ import annotations

from ftbuilder.sources import discourse
from ftbuilder.sources.htmlmd import html_to_markdown
from ftbuilder.sources.http import HttpClient


def _client(tmp_path):
    return HttpClient(tmp_path / "c", rate=500)


def test_latest_follows_pages_and_picks_answers(replay, tmp_path):
    h = discourse.harvest(_client(tmp_path), discourse.DiscourseQuery(replay.url + "/forum"))
    assert "/forum/latest.json?page=1" in replay.paths()  # 45 topics, 30 a page
    assert len(h.conversations) + h.skipped["no answer"] == 45
    assert h.skipped["no answer"] == 9  # every 5th topic: no solution, no liked reply
    by_id = {c.meta["topic_id"]: c for c in h.conversations}
    solved = by_id[3]
    assert solved.meta["answer"] == "accepted" and solved.location == "post 4"
    assert by_id[1].meta["answer"] == "most_liked" and by_id[1].meta["likes"] == 3
    assert solved.source_file == solved.meta["url"] == replay.url + "/forum/t/enable-service-3/3"
    assert "```nix\nservices.svc3.enable = true;\n```" in solved.messages[1].content
    assert solved.messages[0].content.startswith("Enable service 3\n\nHow do I enable")


def test_a_solution_past_the_first_posts_is_fetched(replay, tmp_path):
    h = discourse.harvest(_client(tmp_path), discourse.DiscourseQuery(
        replay.url + "/forum", max_topics=7))
    seven = next(c for c in h.conversations if c.meta["topic_id"] == 7)
    assert seven.meta["answer"] == "accepted" and seven.location == "post 25"
    assert any(p.startswith("/forum/t/7/posts.json?post_ids%5B%5D=") for p in replay.paths())


def test_category_by_slug_and_search(replay, tmp_path):
    c = _client(tmp_path)
    h = discourse.harvest(c, discourse.DiscourseQuery(replay.url + "/forum", category="help",
                                                      max_topics=35))
    assert "/forum/categories.json" in replay.paths()
    assert "/forum/c/help/11.json?page=1" in replay.paths()
    assert len(h.conversations) + h.skipped["no answer"] == 35
    s = discourse.harvest(c, discourse.DiscourseQuery(replay.url + "/forum",
                                                      search="service 1", max_topics=50))
    assert {x.meta["topic_id"] for x in s.conversations} <= {1, 10, 11, 12, 13, 14, 16, 17,
                                                              18, 19}


def test_min_likes_threshold(replay, tmp_path):
    h = discourse.harvest(_client(tmp_path), discourse.DiscourseQuery(
        replay.url + "/forum", max_topics=4, min_likes=5))
    assert [c.meta["topic_id"] for c in h.conversations] == [3]  # only the solved one


def test_html_to_markdown_keeps_code_and_links():
    md = html_to_markdown('<p>Use <code>nix-shell</code> and <a href="https://x.org">this</a>:'
                          '</p><pre><code class="lang-nix">{ a = 1;\n  b = 2; }</code></pre>'
                          '<ul><li>one</li><li>two</li></ul><script>evil()</script>')
    assert "`nix-shell`" in md and "[this](https://x.org)" in md
    assert "```nix\n{ a = 1;\n  b = 2; }\n```" in md
    assert "- one\n- two" in md and "evil" not in md
