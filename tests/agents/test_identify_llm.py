"""Identify's LLM fallback, agent side: the verbatim check, locations, rejection reasons, the
requests for chat and completion backends."""

from __future__ import annotations

import json

from ftbuilder.agents.identify_llm import (
    ORIGIN,
    SourceText,
    identify_generator,
    normalise_space,
    verbatim_span,
)
from ftbuilder.core.types import Conversation, Document, Message, Segment
from ftbuilder.ingest.chunking import chunk_document

from .llm_fakes import ScriptedClient, project_settings

NOTES = [Segment("Notes from the support call on 3 May.", "line 1"),
         Segment("The customer said the invoice from March was charged twice\n"
                 "to the same card. She asked whether she would get her money back.",
                 "lines 3-4"),
         Segment("Our agent replied that the duplicate charge will be refunded\n"
                 "within five working days.", "lines 6-7")]
DOC = Document(path="/in/notes.txt", sha256="a" * 64, type="txt", segments=NOTES)
ASKED = "the invoice from March was charged twice to the same card."
ANSWERED = "the duplicate charge will be refunded within five working days."


def conv(*contents: str) -> Conversation:
    roles = ["user", "assistant"] * len(contents)
    return Conversation([Message(r, c) for r, c in zip(roles, contents, strict=False)])


def reply(*convs: list[str]) -> str:
    return json.dumps({"conversations": [
        {"messages": [{"role": r, "content": c}
                      for r, c in zip(["user", "assistant"] * 3, msgs, strict=False)],
         "keywords": ["billing"]} for msgs in convs]})


def test_verbatim_is_whitespace_normalised_and_case_sensitive():
    source = SourceText(DOC.text)
    assert source.text == normalise_space(DOC.text)
    assert verbatim_span(conv(ASKED, ANSWERED), source) is not None  # across a line break
    assert verbatim_span(conv(ASKED, ANSWERED.capitalize()), source) is None
    assert verbatim_span(conv(ASKED, "refunded in five days."), source) is None
    # a message merging two lines of one speaker: each line, in order
    merged = "Notes from the support call on 3 May.\nShe asked whether she would get her money"
    assert verbatim_span(conv(merged, ANSWERED), source) is not None
    backwards = "She asked whether she would get her money\nNotes from the support call"
    assert verbatim_span(conv(backwards, ANSWERED), source) is None


def test_original_offsets_map_back():
    text = "a  b\n\n  ccc d"
    source = SourceText(text)
    i = source.text.find("ccc")
    assert text[source.original(i):source.original(i) + 3] == "ccc"


def test_generator_keeps_verbatim_located_and_counts_rejections(tmp_path):
    settings = project_settings(tmp_path)
    gen = identify_generator(settings, ScriptedClient(), [DOC])
    (chunk,) = chunk_document(DOC, 400, 20)
    task = gen.task(chunk, 0)
    request = gen.request(task)
    assert request.system and "VERBATIM" in request.system  # prompts/system/identify_mode.txt
    assert request.json_schema is not None and chunk.text in request.messages[0]["content"]
    assert request.temperature == 0.0
    assert gen.task(chunk, 1).key != task.key and task.job == ORIGIN

    text = reply([ASKED, ANSWERED], ["My March invoice got charged two times.",
                                     "You will be refunded in five days."], [ASKED])
    parsed = gen.parse(text)
    kept = gen.conversations(task, parsed)
    assert [m.content for m in kept[0].messages] == [ASKED, ANSWERED]
    assert kept[0].location == "lines 3-7" and kept[0].source_file == "/in/notes.txt"
    assert kept[0].meta["origin"] == ORIGIN and kept[0].topic_keywords == ["billing"]
    assert len(kept) == 1
    assert dict(gen.failures) == {"not_verbatim": 1, "too_short": 1}
    assert gen.accepted == {"/in/notes.txt": 1}


def test_min_turns_applies_to_what_the_model_returns(tmp_path):
    settings = project_settings(tmp_path, agent={"identify": {"min_turns": 4}})
    gen = identify_generator(settings, ScriptedClient(), [DOC])
    (chunk,) = chunk_document(DOC, 400, 20)
    assert gen.conversations(gen.task(chunk, 0), gen.parse(reply([ASKED, ANSWERED]))) == []
    assert gen.failures["too_short"] == 1


def test_completion_backend_gets_the_few_shot_prompt(tmp_path):
    class CompletionClient(ScriptedClient):  # the in-process base model (embedded GGUF)
        completion_style = True
        model_path = tmp_path / "base.gguf"

    settings = project_settings(tmp_path)
    gen = identify_generator(settings, CompletionClient(), [DOC])
    (chunk,) = chunk_document(DOC, 400, 20)
    task = gen.task(chunk, 0)
    request = gen.request(task)
    assert request.prompt.endswith(chunk.text + "\nQuestion:") and request.system is None
    kept = gen.conversations(task, gen.parse(f" {ASKED}\nAnswer: {ANSWERED}"))
    assert len(kept) == 1 and kept[0].location == "lines 3-7"


def test_a_served_completion_style_model_is_asked_on_its_chat_endpoint(tmp_path):
    class ServedClient(ScriptedClient):  # llama.cpp / vLLM / Ollama server: instruct models
        completion_style = True

    gen = identify_generator(project_settings(tmp_path), ServedClient(), [DOC])
    (chunk,) = chunk_document(DOC, 400, 20)
    request = gen.request(gen.task(chunk, 0))
    assert request.prompt is None and request.messages and request.json_schema is not None
