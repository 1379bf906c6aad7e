"""Identify's LLM fallback against a real OpenAI-compatible server on 127.0.0.1 configured
like a local llama.cpp/vLLM/Ollama (provider "llama", completion style), and run from a
folder with no prompts/ in it (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.llm_fakes import ChatStub
from ftbuilder.config import Settings, parse_config
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.store.db import Store

NOTES = ("Notes from the support call on 3 May.\n\n"
         "The customer said the invoice from March was charged twice\n"
         "to the same card. She asked whether she would get her money back.\n\n"
         "Our agent replied that the duplicate charge will be refunded\n"
         "within five working days.\n")
ASKED = "the invoice from March was charged twice to the same card."
ANSWERED = "the duplicate charge will be refunded within five working days."


def run(root: Path, provider: str) -> tuple[object, list[dict]]:
    """A fallback build of the notes; the bodies the server received."""
    bodies: list[dict] = []

    def reply(body: dict, rid: str) -> str:
        bodies.append(body)
        return json.dumps({"conversations": [{"messages": [
            {"role": "user", "content": ASKED}, {"role": "assistant", "content": ANSWERED}]}]})

    (root / "input").mkdir()
    (root / "input" / "notes.txt").write_text(NOTES, encoding="utf-8")
    settings = Settings(parse_config({"agent": {"identify": {"llm_fallback": True}},
                                      "system": {"max_retries": 0}}), root, {})
    ctx = AppContext(settings, Store(root / "store.db"))
    with ChatStub(text=reply) as stub:
        result = build(ctx, BuildRequest(
            mode="identify", input_paths=[str(root / "input")], name="f", provider="openai",
            model="gpt-4o-mini-2024-07-18", agent_provider=provider, agent_model="served",
            base_url=stub.url))
    ctx.close()
    return result, bodies


@pytest.mark.fault
def test_a_local_server_gets_the_chat_request_not_the_base_model_prompt(tmp_path):
    result, bodies = run(tmp_path, "llama")
    assert len(bodies) == 1 and "messages" in bodies[0] and "prompt" not in bodies[0]
    assert "VERBATIM" in bodies[0]["messages"][0]["content"]  # identify_mode.txt
    llm = result.stats["identify_llm"]  # asked, kept, rejected: stated
    assert llm["chunks"] == 1 and llm["accepted"] == 1 and llm["rejected"] == {}
    assert result.samples_added == 1


@pytest.mark.fault
def test_the_fallback_runs_from_a_folder_without_prompts(tmp_path):
    assert not (tmp_path / "prompts").exists()  # no project prompts/, no FTB_ROOT
    result, bodies = run(tmp_path, "openai")
    assert result.samples_added == 1 and len(bodies) == 1


def test_packaged_prompts_are_the_project_prompts():
    repo = Path(__file__).resolve().parents[2]
    packaged = repo / "src" / "ftbuilder" / "defaults" / "prompts" / "system"
    project = repo / "prompts" / "system"
    assert sorted(p.name for p in packaged.iterdir()) == sorted(p.name for p in
                                                                project.iterdir())
    for p in project.iterdir():
        assert (packaged / p.name).read_text(encoding="utf-8") == p.read_text(encoding="utf-8")
