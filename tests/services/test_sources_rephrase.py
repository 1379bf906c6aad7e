"""`ftb sources nix --rephrase`: the search Q&A written from the data are rephrased by the
agent LLM (a loopback OpenAI-compatible server), citing the same URLs."""

from __future__ import annotations

import json

from agents.llm_fakes import ChatStub, project_settings
from fixtures_replay import Replay
from ftbuilder.services import sources
from ftbuilder.services.context import AppContext
from ftbuilder.sources.nix import NixOptions
from ftbuilder.store.db import Store


def _rephrased(body, rid) -> str:
    source = body["messages"][-1]["content"]
    first = next(line for line in source.splitlines() if line.startswith("Question: "))
    question = first.removeprefix("Question: ").strip()
    return json.dumps({"conversations": [{"messages": [
        {"role": "user", "content": f"In other words: {question}"},
        {"role": "assistant", "content": "See the answer in the source above."}],
        "keywords": ["nix"]}]})


def test_rephrase_rewrites_the_search_qa_through_the_agent(tmp_path):
    replay = Replay()
    try:
        with ChatStub(text=_rephrased) as stub:
            settings = project_settings(tmp_path, system={"max_retries": 0},
                                        provider="openai", model="gpt-4o-mini-2024-07-18")
            ctx = AppContext(settings, Store(tmp_path / "store.db"))
            try:
                opts = NixOptions(search_api_only=True, skip_curated=True, max_packages=5,
                                  max_options=5, search_url=replay.url + "/backend")
                run = sources.nix(ctx, "nix", opts, rephrase_agent={
                    "provider": "openai", "model": "stub-model", "base_url": stub.url})
                assert run.rephrased is not None and run.rephrased["samples_added"] == 10
                assert stub.total == 10  # one call per search Q&A
                ds = ctx.store.get_dataset("nix")
                samples = list(ctx.store.iter_samples(ds.id))
                assert len(samples) == 10
                assert all(c.messages[0].content.startswith("In other words: ") for c in samples)
                assert all(c.source_file.startswith(replay.url) or "nixos.org" in
                           c.source_file for c in samples)  # each still cites its URL
            finally:
                ctx.close()
    finally:
        replay.close()
