"""``ftb sources ...`` end to end against the replay server (tests/fixtures_replay.py)."""

from __future__ import annotations

import socket
import time

import pytest

from fixtures_replay import Replay


@pytest.fixture
def replay():
    r = Replay()
    yield r
    r.close()


def test_nix_fast_mode_makes_400_validated_examples_quickly_then_fetches_nothing(
        cli, replay, project):
    start = time.monotonic()
    r = cli("sources", "nix", "--name", "nix", "--search-api-only", "--stats", "--json",
            "--search-url", replay.url + "/backend")
    took = time.monotonic() - start
    assert r.code == 0, r.err
    d = r.json()
    assert d["valid"] >= 400 and d["invalid"] == 0 and d["total_samples"] == d["valid"]
    assert d["per_source"]["search"]["samples"] == 500 and d["per_source"]["curated"]["samples"]
    assert took < 30
    assert all(u.startswith("ftb/") for u in replay.agents)
    n = len(replay.log)
    again = cli("sources", "nix", "--name", "nix", "--search-api-only", "--stats", "--json",
                "--search-url", replay.url + "/backend")
    assert again.code == 0 and len(replay.log) == n  # the re-run asks nothing
    assert again.json()["requests"] == 0 and again.json()["duplicates"] == d["added"]
    assert not [p for _, _, p in replay.log if "wiki" in p or "forum" in p]


def test_nix_format_and_csv_export(cli, replay, project):
    r = cli("sources", "nix", "--name", "nixo", "--search-api-only", "--format", "openai",
            "--csv", "--max-packages", "20", "--max-options", "10", "--search-url",
            replay.url + "/backend")
    assert r.code == 0, r.err
    out = project / "output_datasets" / "nixo"
    assert (out / "metadata.csv").exists() and (out / "dataset.jsonl").exists()
    assert "search.nixos.org/packages" in (out / "metadata.csv").read_text()
    assert "exported" in r.out


def test_nix_all_parts_against_replay(cli, replay, project, tmp_path):
    pkg = tmp_path / "nixpkgs" / "pkgs" / "by-name" / "he" / "hello"
    pkg.mkdir(parents=True)
    (pkg / "package.nix").write_text('{ stdenv, fetchurl }:\nstdenv.mkDerivation {\n  pname = '
                                     '"hello";\n  version = "2.12";\n  src = fetchurl {\n    '
                                     'url = "mirror://gnu/hello/hello-2.12.tar.gz";\n  };\n  '
                                     'meta.description = "Hello";\n}\n')
    r = cli("sources", "nix", "--name", "all", "--json", "--max-packages", "5",
            "--max-options", "5", "--max-wiki", "4", "--max-discourse", "6",
            "--search-url", replay.url + "/backend", "--wiki-url", replay.url + "/wiki/api.php",
            "--discourse-url", replay.url + "/forum", "--nixpkgs", str(tmp_path / "nixpkgs"),
            "--rate", "200")
    assert r.code == 0, r.err
    per = r.json()["per_source"]
    assert list(per) == ["search", "nixpkgs", "wiki", "discourse", "curated"]
    assert per["wiki"]["documents"] == 4 and per["discourse"]["samples"] == 5
    assert per["nixpkgs"]["samples"] == 2


def test_generic_connectors_from_the_command_line(cli, replay, project):
    r = cli("sources", "discourse", replay.url + "/forum", "--name", "f", "--max", "10",
            "--rate", "200")
    assert r.code == 0 and "discourse -> dataset f (new)" in r.out
    r = cli("sources", "wiki", replay.url + "/wiki/api.php", "--name", "w", "--max", "3",
            "--save-docs", "docs", "--rate", "200")
    assert r.code == 0 and len(list((project / "docs").rglob("*.md"))) == 3
    md = next((project / "docs").rglob("*.md")).read_text()
    assert md.startswith(f"Source: {replay.url}/wiki/Page_")
    r = cli("sources", "web", replay.url + "/site/", "--name", "s", "--rate", "200", "--json")
    assert r.code == 0 and r.json()["skipped"]["robots.txt"] == 2


@pytest.mark.fault
def test_no_network_is_one_error_line_and_a_hint(cli, project):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = cli("sources", "discourse", f"http://127.0.0.1:{port}", "--name", "x")
    assert r.code == 1
    lines = r.err.strip().splitlines()
    assert lines[-2].startswith("error: cannot connect to 127.0.0.1: connection refused")
    assert lines[-1].startswith("hint: check the network connection")
    assert "Traceback" not in r.err and "internal error" not in r.err
    r = cli("sources", "nix", "--name", "x", "--search-api-only",
            "--search-url", "http://no-such-host.invalid/backend")
    assert r.code == 1 and "error: cannot reach no-such-host.invalid" in r.err


@pytest.mark.fault
def test_malformed_json_from_the_command_line(cli, replay, project):
    replay.faults["/backend/latest-44-nixos-unstable/_search"] = [(200, {}, "<html>oops")]
    r = cli("sources", "nix", "--name", "x", "--search-api-only",
            "--search-url", replay.url + "/backend")
    assert r.code == 1 and "not valid JSON" in r.err and "Traceback" not in r.err
    r = cli("sources", "nix", "--name", "x", "--search-api-only",
            "--search-url", replay.url + "/backend")  # the bad answer was not cached
    assert r.code == 0, r.err


def test_bad_rate_is_a_usage_error(cli, project):
    r = cli("sources", "web", "http://x", "--name", "x", "--rate", "0")
    assert r.code == 2 and "must be above 0" in r.err


def test_nix_rephrase_from_the_command_line(cli, replay, project):
    from agents.llm_fakes import ChatStub, conversations_json

    with ChatStub(text=lambda body, rid: conversations_json(rid, n=1)) as stub:
        r = cli("sources", "nix", "--name", "nixr", "--search-api-only", "--skip-curated",
                "--max-packages", "3", "--max-options", "2", "--json",
                "--search-url", replay.url + "/backend", "--rephrase",
                "--agent-provider", "openai", "--agent-model", "stub-model",
                "--base-url", stub.url)
        assert r.code == 0, r.err
        d = r.json()
        assert d["rephrased"]["samples_added"] >= 5 and stub.total == 5
