"""search.nixos.org's backend shape replayed: paging, Q&A written from the data, errors."""

from __future__ import annotations

import json

import pytest

from ftbuilder.sources import nixos_search as ns
from ftbuilder.sources.http import FetchError, HttpClient


def test_pages_of_packages_and_options_become_grounded_answers(replay, tmp_path):
    q = ns.SearchQuery(replay.url + "/backend", max_packages=250, max_options=120)
    h = ns.harvest(HttpClient(tmp_path / "c", rate=500), q)
    assert h.counts == {"package": 250, "option": 120}
    posts = [p for _, m, p in replay.log if m == "POST"]
    assert posts == ["/backend/latest-44-nixos-unstable/_search"] * 5  # 100+100+50, 100+20
    pkg = next(c for c in h.conversations if c.meta.get("kind") == "package"
               and c.location == "package pkg3")
    a = pkg.messages[1].content
    assert a.startswith("`pkg3` is pkg3 1.3.0: tool number 3 for testing.")
    assert "environment.systemPackages = with pkgs; [\n  pkg3\n];" in a
    assert "nix-shell -p pkg3" in a and "nix shell nixpkgs#pkg3" in a
    assert "nix run nixpkgs#pkg3" in a  # it has a program
    assert pkg.source_file == "https://search.nixos.org/packages?channel=unstable&show=pkg3" \
        "&query=pkg3" == pkg.meta["url"]
    opt = next(c for c in h.conversations if c.location == "option services.svc2.settings")
    b = opt.messages[1].content
    assert "Whether to enable service 2." in b and "- Type: attribute set of string" in b
    assert "- Default: `{ }`" in b
    assert '```nix\n{\n  services.svc2.settings = {\n    log_level = "debug";\n  };\n}\n```' in b


def test_the_query_asks_for_the_type_and_window(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=500)
    list(ns.hits(c, ns.SearchQuery(replay.url + "/backend"), "option", 3))
    body = ns.es_body("option", 0, 3, None)
    assert body["query"]["bool"]["filter"] == [{"term": {"type": {"value": "option"}}}]
    assert json.dumps(body)  # plain JSON


@pytest.mark.fault
def test_an_unknown_channel_names_the_index(replay, tmp_path):
    c = HttpClient(tmp_path / "c", rate=500)
    with pytest.raises(FetchError) as e:
        list(ns.hits(c, ns.SearchQuery(replay.url + "/backend", channel="99.99"), "package", 5))
    assert "latest-44-nixos-99.99" in e.value.message and "--channel" in e.value.hint
