"""`ftb repos sync|prepare|status` and `ftb retry` of a repository dataset, in-process, on
real git repositories and a counting loopback LLM stub."""

from __future__ import annotations

import pytest

from agents.llm_fakes import ChatStub
from sources.gitfixtures import monorepo, sample_repo


@pytest.fixture
def repos(project, tmp_path):
    sample_repo(tmp_path / "up" / "acme" / "demo")
    monorepo(tmp_path / "up" / "acme" / "mono")
    (project / "repos.txt").write_text(f"{tmp_path}/up/acme/demo\n{tmp_path}/up/acme/mono\n")
    return project


def test_sync_reports_each_repository_and_exits_1_when_one_failed(cli, repos, tmp_path):
    with open(repos / "repos.txt", "a") as f:
        f.write(f"{tmp_path}/up/acme/absent\n")
    r = cli("repos", "sync")
    assert r.code == 1
    rows = {ln.split()[0]: ln.split()[1:4] for ln in r.out.splitlines()[4:]}
    assert rows["acme/demo"][0] == "cloned"
    assert rows["acme/absent"] == ["error", "not", "found"]
    r = cli("repos", "sync", "--json")
    data = r.json()
    assert [x["status"] for x in data["repos"]] == ["unchanged", "unchanged", "error"]
    assert r.code == 1 and data["failed"] == 1


def test_prepare_status_and_retry(cli, repos):
    assert cli("repos", "sync").code == 0
    with ChatStub() as stub:
        stub.fail_if = lambda b: "FILE: acme/mono/tools/build.sh" in b["messages"][-1]["content"]
        stub.fail_status = 500
        args = ("--agent-provider", "openai", "--agent-model", "stub", "--base-url", stub.url)
        r = cli("repos", "prepare", "--name", "code", *args)
        assert r.code == 1, r.err
        assert "failed files:" in r.out and "tools/build.sh" in r.out
        assert "`ftb retry code` runs only the failed files again" in r.out
        assert "2 image, 2 binary, 2 vendored, 1 lock file" in r.out
        calls = stub.total
        r = cli("repos", "status", "code")
        assert r.code == 0 and "acme/mono" in r.out and "tools/build.sh" in r.out
        stub.fail_if = None
        r = cli("retry", "code")
        assert r.code == 0, r.err
        assert stub.total == calls + 1  # only the failed file was asked again
        r = cli("repos", "prepare", "--name", "code", *args, "--json")
        assert r.code == 0 and stub.total == calls + 1  # unchanged: no call
        assert sum(x["unchanged"] for x in r.json()["repos"]) == 9


def test_prepare_errors_are_one_line_with_a_hint(cli, repos):
    r = cli("repos", "prepare", "--name", "code", "--no-llm")
    assert r.code == 1 and r.err.startswith("error: no repository checked out")
    assert "hint: list them in repos.txt and run `ftb repos sync` first" in r.err
    r = cli("repos", "sync", "--list", "nope.txt")
    assert r.code == 2 and "error: repository list nope.txt does not exist" in r.err
    r = cli("repos", "status", "missing")
    assert r.code == 1 and "error: no dataset named 'missing'" in r.err
