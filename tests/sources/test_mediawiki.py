"""MediaWiki against the replay server: continue tokens, category, search, sections."""

from __future__ import annotations

import pytest

from ftbuilder.sources import mediawiki
from ftbuilder.sources.http import FetchError, HttpClient


def test_allpages_follows_continue_and_splits_sections(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=500)
    h = mediawiki.harvest(c, mediawiki.WikiQuery(replay.url + "/wiki/api.php", max_pages=200))
    conts = [p for p in replay.paths() if "apcontinue=" in p]
    assert len(conts) == 3  # 31 titles, the server answers 10 a call
    assert h.counts["page"] == 30 and h.skipped["redirect"] == 1
    doc = next(d for d in h.documents if d.path.endswith("/wiki/Page_3"))
    assert doc.path == replay.url + "/wiki/Page_3"
    locs = [s.location for s in doc.segments]
    assert locs == ["section Page 3", "section Page 3 > Installation",
                    "section Page 3 > Troubleshooting > Why does it not start?"]
    install = doc.segments[1].text
    assert "```nix\nenvironment.systemPackages = [ pkgs.svc3 ];\n```" in install
    assert "{{" not in doc.text and "[[" not in doc.text and "service 3" in doc.text


def test_category_and_search_and_max(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=500)
    names = list(mediawiki.titles(c, mediawiki.WikiQuery(replay.url + "/wiki/api.php",
                                                         category="Guides", max_pages=12)))
    assert len(names) == 12 and all(int(n[5:]) % 2 == 0 for n in names)
    assert any("cmtitle=Category%3AGuides" in p for p in replay.paths())
    found = list(mediawiki.titles(c, mediawiki.WikiQuery(replay.url + "/wiki/api.php",
                                                         search="Page 2", max_pages=50)))
    assert found and all("Page 2" in t for t in found)


def test_an_api_error_is_a_clear_error(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=500)
    with pytest.raises(FetchError) as e:
        mediawiki._api(c, replay.url + "/wiki/api.php", action="nonsense")
    assert "badvalue" in e.value.message


def test_wikitext_to_markdown():
    md = mediawiki.wiki_to_markdown(
        "'''Bold''' [[Target|shown]] [https://x.org site] {{T|{{inner}}}}<ref>r</ref>\n"
        "* item\n<code>x</code>\n[[Category:Foo]]")
    assert md == "**Bold** shown [site](https://x.org) \n- item\n`x`"
