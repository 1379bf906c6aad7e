"""`ftb repos prepare --batch`: the files go through a provider's batch API (a loopback
server speaking OpenAI's Files + Batches protocol, tests/llm_stubs/batch.py); a second run
on an unchanged repository sends no batch and makes no call."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.llm_fakes import project_settings
from ftbuilder.core.errors import FtbError
from ftbuilder.services.context import AppContext
from ftbuilder.services.generate import collect_batches
from ftbuilder.services.repos import PrepareRequest, prepare, sync_repos
from ftbuilder.store.db import Store
from llm_stubs import KEY
from llm_stubs.batch import BatchStub
from sources.gitfixtures import sample_repo


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    sample_repo(tmp_path / "upstream" / "acme" / "demo")
    (root / "repos.txt").write_text(f"{tmp_path}/upstream/acme/demo\n")
    return root


def test_prepare_through_the_batch_api_then_an_unchanged_rerun_sends_nothing(project):
    with BatchStub("openai", KEY) as stub:
        settings = project_settings(
            project, env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": stub.base_url,
                          "FTB_BATCH_POLL_S": "0.05"},
            system={"max_retries": 0}, provider="openai", model="gpt-4o-mini-2024-07-18")
        ctx = AppContext(settings, Store(project / "store.db"))
        try:
            sync_repos(ctx)
            req = PrepareRequest(name="code", agent_provider="openai",
                                 agent_model="gpt-4o-mini", batch=True, confirmed=True)
            result = prepare(ctx, req)
            demo = result.repos[0]
            assert stub.creates == 1  # every file in one batch, no live call
            assert demo.files == 5 and demo.done == 5 and demo.failed == 0
            ds = ctx.store.get_dataset("code")
            generated = [c for c in ctx.store.iter_samples(ds.id)
                         if c.meta.get("origin") == "generated"]
            assert len(generated) == 5 and all(c.meta["path"] for c in generated)
            assert ctx.store.batches(ds.id)[0]["collected"]
            again = prepare(ctx, req)
            assert stub.creates == 1 and again.repos[0].unchanged == 5
            with pytest.raises(FtbError, match="repository dataset") as err:
                collect_batches(ctx, "code")
            assert "ftb repos prepare --name code --batch" in err.value.hint
        finally:
            ctx.close()
