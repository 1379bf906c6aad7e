"""Create/free generators: requests from prompt files read at run time, replies to samples."""

from __future__ import annotations

import json

import pytest

from ftbuilder.agents.create import CHAT, COMPLETION, create_generator, style_of
from ftbuilder.agents.free import FreeInstructionMissing, free_generator, free_instruction
from ftbuilder.agents.hybrid import split_size
from ftbuilder.agents.parsing import CONVERSATIONS_SCHEMA
from ftbuilder.core.errors import ConfigError
from ftbuilder.ingest.chunking import Chunk

from .llm_fakes import ScriptedClient, conversations_json, project_settings

CHUNK = Chunk("/in/policy.md", "sha1", 2, "Refunds are issued within 14 days.", "line 3-5", 9)


class CompletionClient(ScriptedClient):
    completion_style = True


def test_chat_request_uses_the_prompt_files_and_a_schema(tmp_path):
    settings = project_settings(tmp_path, agent={"create": {"max_turns": 3}})
    gen = create_generator(settings, ScriptedClient())
    assert gen.style == CHAT
    req = gen.request(gen.task(CHUNK, 0))
    system = (tmp_path / "prompts/system/create_mode.txt").read_text().strip()
    assert req.system == system
    assert req.json_schema == CONVERSATIONS_SCHEMA
    user = req.messages[0]["content"]
    assert "Refunds are issued within 14 days." in user and "/in/policy.md" in user
    assert "Write 3 conversation(s)" in user


def test_edited_prompt_file_is_used_on_the_next_build(tmp_path):
    settings = project_settings(tmp_path)
    before = create_generator(settings, ScriptedClient()).request(
        create_generator(settings, ScriptedClient()).task(CHUNK, 0))
    (tmp_path / "prompts/system/create_mode.txt").write_text("Only in French, please.")
    gen = create_generator(settings, ScriptedClient())
    after = gen.request(gen.task(CHUNK, 0))
    assert after.system == "Only in French, please."
    assert after.cache_key_parts() != before.cache_key_parts()


def test_missing_prompt_file_is_a_config_error(tmp_path):
    settings = project_settings(tmp_path)
    (tmp_path / "prompts/system/create_mode.txt").unlink()
    with pytest.raises(ConfigError, match=r"create_mode\.txt is missing") as err:
        create_generator(settings, ScriptedClient())
    assert "FTB_ROOT" in err.value.hint  # says how to run from outside the project


def test_variants_vary_angle_turns_temperature_and_seed(tmp_path):
    settings = project_settings(tmp_path, agent={"create": {"max_turns": 3, "variety": "high"}})
    gen = create_generator(settings, ScriptedClient())
    reqs = [gen.request(gen.task(CHUNK, v)) for v in range(4)]
    assert len({r.messages[0]["content"] for r in reqs}) == 4
    assert len({r.temperature for r in reqs}) > 1
    assert {gen.turns(gen.task(CHUNK, v)) for v in range(3)} == {1, 2, 3}
    retry = gen.request(gen.task(CHUNK, 0), attempt=1)
    assert retry.seed != reqs[0].seed  # a retry is a new request, not the cached failure


def test_low_variety_keeps_one_angle_and_the_temperature(tmp_path):
    settings = project_settings(tmp_path, agent={"create": {"variety": "low",
                                                            "temperature": 0.4}})
    gen = create_generator(settings, ScriptedClient())
    assert {gen.angle(gen.task(CHUNK, v)) for v in range(5)} == {gen.angles[0]}
    assert {gen.temperature_for(gen.task(CHUNK, v)) for v in range(5)} == {0.4}


def test_completion_style_for_base_models(tmp_path):
    settings = project_settings(tmp_path)
    gen = create_generator(settings, CompletionClient())
    assert style_of(CompletionClient()) == COMPLETION and gen.per_call == 1
    req = gen.request(gen.task(CHUNK, 0))
    assert req.prompt.endswith("Text: Refunds are issued within 14 days.\nQuestion:")
    assert req.json_schema is None and req.messages == []
    parsed = gen.parse(" How long do refunds take?\nAnswer: 14 days.")
    (conv,) = gen.conversations(gen.task(CHUNK, 0), parsed)
    assert [m.role for m in conv.messages] == ["user", "assistant"]


def test_samples_link_to_their_chunk_with_keywords_and_system_prompt(tmp_path):
    settings = project_settings(tmp_path, system_prompt="You are the support bot.")
    gen = create_generator(settings, ScriptedClient())
    gen.index_chunks([CHUNK])
    task = gen.task(CHUNK, 1)
    convs = gen.conversations(task, gen.parse(conversations_json("abc", n=2)))
    assert len(convs) == 2
    c = convs[0]
    assert c.source_file == "/in/policy.md" and c.location == "line 3-5"
    assert c.meta["chunk"] == CHUNK.key and c.meta["chunk_index"] == 2
    assert c.meta["work_item"] == task.key and c.meta["mode"] == "create"
    assert c.messages[0].role == "system" and c.meta["system_prompt_added"]
    assert c.topic_keywords == ["refunds", "k0"]
    no_kw = json.dumps({"conversations": [{"messages": [
        {"role": "user", "content": "When are refunds issued?"},
        {"role": "assistant", "content": "Within 14 days."}]}]})
    (c2,) = gen.conversations(task, gen.parse(no_kw))
    assert "refunds" in c2.topic_keywords  # computed from the text when the model gave none


def test_free_instruction_from_file_then_asked_then_error(tmp_path):
    settings = project_settings(tmp_path)
    path = tmp_path / "prompts/free_mode/prompt.txt"
    path.write_text("Write pirate dialogues.\n")
    assert free_instruction(settings) == "Write pirate dialogues."
    gen = free_generator(settings, ScriptedClient(), free_instruction(settings))
    assert "Write pirate dialogues." in gen.system and gen.scope["mode"] == "free"
    path.write_text("Write haiku.")  # edited: the next run uses the new text
    gen2 = free_generator(settings, ScriptedClient(), free_instruction(settings))
    assert "Write haiku." in gen2.system
    assert gen2.task(CHUNK, 0).key != gen.task(CHUNK, 0).key
    path.unlink()
    assert free_instruction(settings, ask=lambda: "  Asked text ") == "Asked text"
    with pytest.raises(FreeInstructionMissing, match=r"prompt\.txt is missing or empty"):
        free_instruction(settings)
    with pytest.raises(FreeInstructionMissing):
        free_instruction(settings, ask=lambda: "")


def test_hybrid_split():
    assert split_size(10, 0.5) == (5, 5)
    assert split_size(10, 0.0) == (10, 0)
    assert split_size(7, 1.0) == (0, 7)
