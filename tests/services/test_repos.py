"""services.repos end to end: real git repositories made in tmp_path, real `git` clones, the
real OpenAI client against a loopback stub that counts requests, a real SQLite store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.llm_fakes import ChatStub, project_settings
from ftbuilder.core.errors import NotFoundError, UsageError
from ftbuilder.services.context import AppContext
from ftbuilder.services.repos import (
    PrepareRequest,
    prepare,
    repos_status,
    retry_prepare,
    sync_repos,
)
from ftbuilder.store.db import Store
from sources.gitfixtures import PARSER, commit, monorepo, sample_repo

TARGET = {"provider": "openai", "model": "gpt-4o-mini-2024-07-18"}


@pytest.fixture
def stub():
    with ChatStub() as s:
        yield s


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    sample_repo(tmp_path / "upstream" / "acme" / "demo")
    monorepo(tmp_path / "upstream" / "acme" / "mono")
    (root / "repos.txt").write_text(
        f"# repositories\n{tmp_path}/upstream/acme/demo\n{tmp_path}/upstream/acme/mono\n")
    return root


def _ctx(root: Path) -> AppContext:
    return AppContext(project_settings(root, system={"max_retries": 0}, **TARGET),
                      Store(root / "store.db"))


def _req(stub: ChatStub, **kw) -> PrepareRequest:
    fields = dict(name="code", agent_provider="openai", agent_model="stub-model",
                  base_url=stub.url, concurrency=4)
    fields.update(kw)
    return PrepareRequest(**fields)


def _files_asked(stub: ChatStub) -> list[str]:
    out = []
    for body in stub.bodies:
        user = body["messages"][-1]["content"]
        out.append(user.split("\n", 1)[0].removeprefix("FILE: "))
    return out


def test_sync_clones_then_updates_and_reports_each_entry(project, tmp_path):
    ctx = _ctx(project)
    first = sync_repos(ctx)
    assert [(r.repo, r.status) for r in first.repos] == [("acme/demo", "cloned"),
                                                         ("acme/mono", "cloned")]
    demo = project / "repos" / "acme" / "demo"
    assert (demo / "src" / "parser.py").read_text() == PARSER
    shallow = (demo / ".git" / "shallow").exists()
    assert shallow  # --depth 1 through a file:// URL
    assert not (demo / "debug.log").exists()  # only what was committed
    new = commit(tmp_path / "upstream" / "acme" / "demo", {"src/extra.py": "X = 2\n"})
    again = sync_repos(ctx)
    assert [(r.repo, r.status) for r in again.repos] == [("acme/demo", "updated"),
                                                         ("acme/mono", "unchanged")]
    assert again.repos[0].commit == new and (demo / "src" / "extra.py").exists()
    assert again.failed == 0
    ctx.close()


def test_sync_bad_entries_never_stop_the_others(project, tmp_path):
    plain = tmp_path / "plain" / "folder"
    plain.mkdir(parents=True)
    (project / "repos.txt").write_text(
        f"{tmp_path}/nowhere/gone\n{plain}\n{tmp_path}/upstream/acme/demo\n")
    ctx = _ctx(project)
    result = sync_repos(ctx)
    assert [(r.repo, r.status, r.reason) for r in result.repos] == [
        ("nowhere/gone", "error", "not found"),
        ("plain/folder", "error", "not a git repository"),
        ("acme/demo", "cloned", "")]
    assert result.failed == 2
    assert not (project / "repos" / "nowhere").exists()
    ctx.close()


def test_sync_without_a_list_is_a_usage_error(project):
    ctx = _ctx(project)
    with pytest.raises(UsageError, match="does not exist"):
        sync_repos(ctx, project / "missing.txt")
    (project / "empty.txt").write_text("# nothing yet\n\n")
    with pytest.raises(UsageError, match="lists no repository"):
        sync_repos(ctx, project / "empty.txt")
    ctx.close()


def test_prepare_then_rerun_makes_zero_calls_and_a_change_replaces_only_its_samples(
        project, tmp_path, stub):
    ctx = _ctx(project)
    sync_repos(ctx)
    result = prepare(ctx, _req(stub))
    demo = next(r for r in result.repos if r.repo == "acme/demo")
    assert demo.files == 5 and demo.new == 5 and demo.done == 5 and demo.failed == 0
    assert demo.skipped == {"image": 2, "binary": 2, "vendored": 2, "lock file": 1}
    assert demo.pairs == 5  # module, parse_line, Config, Config.get + parser.md
    asked = _files_asked(stub)
    assert sorted(set(asked)) == sorted(asked)  # one work item per (small) file
    assert "acme/demo/src/parser.py" in asked and "acme/mono/packages/api/src/server.py" in asked
    assert not any("node_modules" in a or "logo" in a or "debug.log" in a for a in asked)
    ds = ctx.store.get_dataset("code")
    samples = list(ctx.store.iter_samples(ds.id))
    gen = [c for c in samples if c.meta.get("origin") == "generated"]
    assert gen and all(c.meta["repo"] and len(c.meta["commit"]) == 40 and c.meta["path"]
                       and c.location.startswith("lines ") for c in gen)
    doc = next(c for c in samples if c.meta.get("name") == "parse_line")
    assert doc.source_file == "acme/demo/src/parser.py" and doc.location == "lines 8-14"
    assert "Split one key=value line" in doc.messages[-1].content
    assert '"""' not in doc.messages[0].content  # the code is shown without its docstring
    md = next(c for c in samples if c.meta.get("origin") == "markdown")
    assert md.meta["doc_path"] == "src/parser.md" and "`Config` holds" in md.messages[-1].content

    calls = stub.total
    again = prepare(ctx, _req(stub))
    assert stub.total == calls  # nothing changed: zero LLM calls
    assert sum(r.unchanged for r in again.repos) == 9 and again.samples_added == 0

    upstream = tmp_path / "upstream" / "acme" / "demo"
    commit(upstream, {"src/util.js": "export function sub(a, b) {\n  return a - b;\n}\n"})
    sync_repos(ctx)
    old_util = [c.id for c in ctx.store.iter_samples(ds.id)
                if c.source_file == "acme/demo/src/util.js"]
    third = prepare(ctx, _req(stub))
    assert _files_asked(stub)[calls:] == ["acme/demo/src/util.js"]  # only the changed file
    demo3 = next(r for r in third.repos if r.repo == "acme/demo")
    assert (demo3.changed, demo3.unchanged) == (1, 4)
    now_util = [c for c in ctx.store.iter_samples(ds.id)
                if c.source_file == "acme/demo/src/util.js"]
    assert now_util and not {c.id for c in now_util} & set(old_util)
    assert third.samples_replaced == len(old_util)
    ctx.close()


def test_failed_files_are_recorded_and_retry_runs_only_them(project, stub):
    ctx = _ctx(project)
    sync_repos(ctx)
    stub.fail_if = lambda body: "FILE: acme/demo/src/util.js" in body["messages"][-1]["content"]
    stub.fail_status = 500
    result = prepare(ctx, _req(stub))
    assert [f["path"] for f in result.failed_files] == ["src/util.js"]
    assert "provider_error" in result.failed_files[0]["error"]
    status = repos_status(ctx, "code")
    row = next(r for r in status["repos"] if r["repo"] == "acme/demo")
    assert (row["files"], row["done"], row["failed"]) == (5, 4, 1)
    assert row["skipped"]["image"] == 2
    calls = stub.total
    again = prepare(ctx, _req(stub))  # a plain rerun leaves the failed file to retry
    assert stub.total == calls and again.failed == 1

    stub.fail_if = None
    retried = retry_prepare(ctx, "code")
    assert _files_asked(stub)[calls:] == ["acme/demo/src/util.js"]
    assert retried.failed == 0 and retried.samples_added > 0
    assert repos_status(ctx, "code")["failed_files"] == []
    calls = stub.total
    assert retry_prepare(ctx, "code").samples_added == 0 and stub.total == calls
    ctx.close()


def test_include_exclude_select_a_monorepo_package(project, stub):
    ctx = _ctx(project)
    sync_repos(ctx)
    result = prepare(ctx, _req(stub, repos=["acme/mono"], include=["packages/api/**"]))
    (mono,) = result.repos
    assert mono.files == 1 and mono.skipped == {"excluded": 3}
    assert _files_asked(stub) == ["acme/mono/packages/api/src/server.py"]
    ctx.close()


def test_no_llm_makes_only_the_pairs_and_a_later_llm_run_asks_once(project, stub):
    ctx = _ctx(project)
    sync_repos(ctx)
    result = prepare(ctx, _req(stub, llm=False))
    assert stub.total == 0 and result.pairs_added == 7  # 5 in demo, 2 in mono
    assert prepare(ctx, _req(stub, llm=False)).pairs_added == 0
    prepare(ctx, _req(stub))
    asked = stub.total
    assert asked == 9
    prepare(ctx, _req(stub))
    assert stub.total == asked
    ctx.close()


def test_prepare_errors_name_what_to_do(project, stub):
    ctx = _ctx(project)
    with pytest.raises(NotFoundError, match="no repository checked out") as e:
        prepare(ctx, _req(stub))
    assert "ftb repos sync" in e.value.hint
    sync_repos(ctx)
    with pytest.raises(NotFoundError, match="acme/nope"):
        prepare(ctx, _req(stub, repos=["acme/nope"]))
    ctx.store.create_dataset("other", "openai", "gpt-4o-mini-2024-07-18", "identify")
    with pytest.raises(UsageError, match="made by identify"):
        prepare(ctx, _req(stub, name="other"))
    assert ctx.store.find_dataset("code") is None  # nothing was created
    ctx.close()


def test_status_lists_unprepared_checkouts(project, stub):
    ctx = _ctx(project)
    sync_repos(ctx)
    prepare(ctx, _req(stub, repos=["acme/demo"], llm=False))
    rows = {r["repo"]: r for r in repos_status(ctx)["repos"]}
    assert rows["acme/demo"]["dataset"] == "code" and rows["acme/demo"]["samples"] == 5
    assert rows["acme/mono"]["dataset"] is None and len(rows["acme/mono"]["commit"]) == 12
    run = ctx.store.list_runs(1)[0]
    assert run["kind"] == "repos" and run["status"] == "done"
    assert json.dumps(run["stats"])  # the run's report is stored
    ctx.close()
