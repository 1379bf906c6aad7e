"""The judge over real HTTP: an OpenAI-compatible stub on 127.0.0.1 scores samples; scores
and reasons are stored, low ones flagged (or dropped, store backed up first), a second pass
is answered from the cache, a reply without a score is counted, not stored."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agents.llm_fakes import ChatStub, project_settings
from ftbuilder.cli.main import main
from ftbuilder.core.types import Conversation, Message
from ftbuilder.services.context import AppContext
from ftbuilder.services.judge import judge_dataset
from ftbuilder.store.db import Store
from quality.planted import sections


class JudgeStub(ChatStub):
    """Scores 9 unless the conversation mentions a price, then 2; 'garbled' gets no score."""

    def __init__(self) -> None:
        super().__init__()
        self.systems: list[str] = []

    def answer(self, body: dict, rid: str) -> str:
        self.systems.append(body["messages"][0]["content"])
        user = body["messages"][-1]["content"]
        if "garbled" in user:
            return "I cannot say."
        if re.search(r"\$\d", user):
            return json.dumps({"score": 2, "reason": "invents a price the source lacks"})
        return json.dumps({"score": 9, "reason": "faithful and direct"})


@pytest.fixture
def ctx(tmp_path: Path):
    c = AppContext(project_settings(tmp_path, system={"max_retries": 0}),
                   Store(tmp_path / "memory" / "store.db"))
    ds = c.store.create_dataset("j", "openai", "gpt-4o-mini-2024-07-18", "create")
    paras = [p for _, p in sections()]
    c.store.add_samples(ds.id, [
        Conversation([Message("user", "What is a PEP?"), Message("assistant", paras[1])]),
        Conversation([Message("user", "Cost?"), Message("assistant", "It costs $2,000.")]),
        Conversation([Message("user", "garbled"), Message("assistant", paras[2])]),
        Conversation([Message("user", "Who decides?"), Message("assistant", paras[3])]),
    ])
    yield c
    c.close()


def _judge(ctx, stub, **kw):
    return judge_dataset(ctx, "j", "openai", "stub-model", stub.url, concurrency=3, **kw)


def test_scores_are_stored_low_ones_flagged_and_cached(ctx):
    with JudgeStub() as stub:
        rep = _judge(ctx, stub, threshold=6)
        assert (rep.judged, rep.failed, rep.below) == (3, 1, 1)
        assert rep.scores == {2: 1, 9: 2} and rep.requests == 4 and rep.cached == 0
        assert "helpfulness" in stub.systems[0].lower()  # the rubric of judge.txt
        samples = list(ctx.store.iter_samples(ctx.store.get_dataset("j").id))
        low = samples[1].meta
        assert low["judge"]["score"] == 2 and low["flags"] == ["judge"]
        assert low["flag_reasons"]["judge"].startswith("score 2 < 6: invents a price")
        assert samples[0].meta["judge"] == {"score": 9, "reason": "faithful and direct",
                                            "model": "stub-model"}
        asked = stub.total
        again = _judge(ctx, stub, threshold=6)
        assert stub.total == asked + 1  # only the sample with no score is asked again
        assert again.cached == 3 and again.judged == 3


def test_drop_removes_low_scores_after_a_backup(ctx):
    with JudgeStub() as stub:
        rep = _judge(ctx, stub, threshold=6, drop=True)
    assert rep.removed == 1 and rep.remaining == 3 and rep.backup and Path(rep.backup).exists()


def test_cli_judge(ctx, capsys):
    db = str(ctx.store.path)
    ctx.store.close()
    with JudgeStub() as stub:
        code = main(["--db", db, "judge", "j", "--agent-provider", "openai", "--agent-model",
                     "stub-model", "--base-url", stub.url, "--threshold", "5"])
    out = capsys.readouterr().out
    assert code == 0 and "3 samples scored" in out and "1 under 5" in out
    assert main(["--db", db, "judge", "j", "--threshold", "11"]) == 2
    ctx.store = Store(db)
