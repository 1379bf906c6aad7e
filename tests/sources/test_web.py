"""The crawler against the replay site: sections by heading, depth, patterns, sitemaps."""

from __future__ import annotations

import pytest

from ftbuilder.core.errors import UsageError
from ftbuilder.sources import web
from ftbuilder.sources.http import HttpClient


def test_depth_and_sections(replay, tmp_path):
    h = web.harvest(HttpClient(tmp_path / "c", rate=500),
                    web.CrawlQuery([replay.url + "/site/"], depth=1))
    got = {d.path.removeprefix(replay.url) for d in h.documents}
    assert got == {"/site/", "/site/guide.html", "/site/faq.html"}
    assert "/site/guide/advanced.html" not in replay.paths()  # two links away
    doc = next(d for d in h.documents if d.path.endswith("/guide.html"))
    assert [s.location for s in doc.segments] == [
        "section Guide", "section Guide > Configure Guide", "section Guide > Why does it fail?"]
    assert "footer text" not in doc.text and "Most failures come from" in doc.text


def test_include_and_exclude(replay, tmp_path):
    h = web.harvest(HttpClient(tmp_path / "c", rate=500), web.CrawlQuery(
        [replay.url + "/site/"], depth=5, exclude=[r"/faq\.html$"], include=[r"/site/"]))
    paths = replay.paths()
    assert "/site/faq.html" not in paths and "/site/guide/deeper.html" in paths
    assert len(h.documents) == 4


def test_sitemap_from_robots(replay, tmp_path):
    replay.robots += f"Sitemap: {replay.url}/sitemap.xml\n"
    replay.faults["/sitemap.xml"] = [(200, {"Content-Type": "application/xml"},
                                      f"<urlset><url><loc>{replay.url}/site/guide/deeper.html"
                                      "</loc></url></urlset>")]
    h = web.harvest(HttpClient(tmp_path / "c", rate=500),
                    web.CrawlQuery([replay.url + "/site/faq.html"], depth=0))
    assert {d.path.removeprefix(replay.url) for d in h.documents} == {
        "/site/faq.html", "/site/guide/deeper.html"}


def test_deepwiki_preset_keeps_the_repository_pages():
    q = web.deepwiki("NixOS/nixpkgs")
    assert q.urls == ["https://deepwiki.com/NixOS/nixpkgs"]
    c = web.Crawler(HttpClient(None), q)
    assert c.wanted("https://deepwiki.com/NixOS/nixpkgs/2.1-stdenv")
    assert not c.wanted("https://deepwiki.com/NixOS/nix/1-overview")
    assert not c.wanted("https://deepwiki.com/NixOS/nixpkgs-other")
    with pytest.raises(UsageError):
        web.deepwiki("not a repo")


def test_split_sections_ignores_hashes_in_code():
    secs = web.split_sections("T", "intro\n# A\ntext\n```sh\n# a comment\n```\n## B\nmore")
    assert [h for h, _ in secs] == ["T", "A", "A > B"]
    assert "# a comment" in secs[1][1]
