"""services.build: identify mode end to end on real files and a real (in-memory) store."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.core.errors import Cancelled, FtbError, NotFoundError, UsageError
from ftbuilder.core.progress import CancelToken, Progress
from ftbuilder.services import build as build_service
from ftbuilder.services.build import BuildJob, BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.services.resume import resume
from ftbuilder.store.db import Store

FAQ_MD = """# Help

## How do I reset my password?
Open Settings, choose Security and click Reset password.

## Can I change my plan later?
Yes, upgrade or downgrade at any time from Billing.
"""

# The same first pair as FAQ_MD, written as Q/A labels: an exact duplicate across files.
FAQ_TXT = """Q: How do I reset my password?
A: Open Settings, choose Security and click Reset password.

Q: Where is my invoice?
A: Invoices are emailed monthly and listed under Billing.
"""


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    settings = load_settings(root=tmp_path, environ={})
    c = AppContext(settings, Store(":memory:"))
    yield c
    c.close()


@pytest.fixture
def inputs(tmp_path: Path, docs: types.ModuleType) -> Path:
    folder = tmp_path / "input"
    folder.mkdir()
    docs.write_text(folder / "a_faq.md", FAQ_MD)
    docs.write_text(folder / "b_faq.txt", FAQ_TXT)
    docs.write_text(folder / "c_prose.txt", "Just a story about a cat who liked boxes.\n")
    docs.make_xlsx(folder / "d_sheet.xlsx", {
        "Notes": [["nothing here"]],
        "Support": [["Question", "Answer"],
                    ["Is there an offline mode?", "Yes, on desktop apps."]]})
    (folder / "e_broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    return folder


def req(inputs: Path, **kw: object) -> BuildRequest:
    fields: dict[str, object] = dict(mode="identify", input_paths=[str(inputs)], name="faq",
                                     provider="openai", model="gpt-4o-mini-2024-07-18")
    fields.update(kw)
    return BuildRequest(**fields)  # type: ignore[arg-type]


def test_identify_build_end_to_end(ctx: AppContext, inputs: Path) -> None:
    seen: list[Progress] = []
    result = build(ctx, req(inputs), progress=seen.append)
    assert result.found == 5
    assert result.samples_added == 4
    assert result.duplicates == 1  # the password pair is in two files
    files = {Path(p).name: f for p, f in result.files.items()}
    assert {n: (f.status, f.found, f.added) for n, f in files.items()} == {
        "a_faq.md": ("ok", 2, 2), "b_faq.txt": ("ok", 2, 1), "c_prose.txt": ("ok", 0, 0),
        "d_sheet.xlsx": ("ok", 1, 1), "e_broken.pdf": ("error", 0, 0)}
    assert files["e_broken.pdf"].error
    assert result.failed_files == 1

    ds = ctx.store.get_dataset("faq")
    assert (ds.provider, ds.model, ds.total_samples) == ("openai", "gpt-4o-mini-2024-07-18", 4)
    samples = list(ctx.store.iter_samples(ds.id))
    by_q = {s.messages[0].content: s for s in samples}
    assert set(by_q) == {"How do I reset my password?", "Can I change my plan later?",
                         "Where is my invoice?", "Is there an offline mode?"}
    for s in samples:
        assert s.token_count and s.token_count > 10
        assert 3 <= len(s.topic_keywords) <= 5
        assert s.source_file and s.location and s.meta["origin"] == "identify"
    assert by_q["Is there an offline mode?"].location == "sheet Support row 2"
    assert by_q["Where is my invoice?"].location == "lines 4-5"
    assert ds.total_tokens == sum(s.token_count or 0 for s in samples)

    run = ctx.store.list_runs(1)[0]
    assert (run["id"], run["kind"], run["status"]) == (result.run_id, "build", "done")
    assert run["stats"]["added"] == 4 and run["stats"]["failed_files"] == 1
    assert run["stats"]["patterns"] == {"faq_heading": 2, "qa_labels": 1, "table": 1}
    assert {p.stage for p in seen} >= {"ingest", "identify", "save"}

    d = result.to_dict()
    assert d["samples_added"] == 4 and d["failed_files"] == 1
    assert all("status" in v for v in d["files"].values())


def test_building_again_adds_nothing_new(ctx: AppContext, inputs: Path) -> None:
    build(ctx, req(inputs))
    again = build(ctx, req(inputs))
    assert (again.samples_added, again.duplicates) == (0, 5)
    assert ctx.store.get_dataset("faq").total_samples == 4


def test_size_caps_the_samples_kept(ctx: AppContext, inputs: Path) -> None:
    result = build(ctx, req(inputs, size=2))
    assert (result.samples_added, result.capped, result.duplicates) == (2, 2, 1)
    assert ctx.store.get_dataset("faq").total_samples == 2


def test_system_prompt_from_config_is_prepended(tmp_path: Path, inputs: Path) -> None:
    (tmp_path / "config.yaml").write_text("system_prompt: You answer for Acme support.\n")
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(":memory:"))
    build(c, req(inputs))
    for s in c.store.iter_samples(c.store.get_dataset("faq").id):
        assert s.messages[0].role == "system"
        assert s.messages[0].content == "You answer for Acme support."
        assert s.meta["system_prompt_added"] is True


def test_a_mode_without_runner_is_a_clear_error_and_leaves_nothing(
        ctx: AppContext, inputs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(build_service.RUNNERS, "create", raising=False)
    with pytest.raises(FtbError, match="create mode needs the LLM agents"):
        build(ctx, req(inputs, mode="create"))
    assert ctx.store.list_datasets() == [] and ctx.store.list_runs() == []


def test_a_registered_runner_is_used(ctx: AppContext, inputs: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from ftbuilder.core.types import Conversation, Message

    def runner(job: BuildJob) -> None:
        job.file("/virtual").found = 1
        job.add([Conversation([Message("user", "hi"), Message("assistant", "hello")],
                              source_file="/virtual", meta={"pattern": "test"})])

    monkeypatch.setitem(build_service.RUNNERS, "create", runner)
    result = build(ctx, req(inputs, mode="create"))
    assert result.samples_added == 1 and result.files["/virtual"].added == 1


@pytest.mark.parametrize(("kw", "error"), [
    ({"mode": "guess"}, UsageError), ({"input_paths": []}, UsageError),
    ({"name": " "}, UsageError), ({"size": 0}, UsageError),
    ({"model": "gpt-9"}, NotFoundError),
])
def test_bad_requests(ctx: AppContext, inputs: Path, kw: dict[str, object],
                      error: type[Exception]) -> None:
    with pytest.raises(error):
        build(ctx, req(inputs, **kw))
    assert ctx.store.list_datasets() == []


def test_dataset_with_another_target_is_refused(ctx: AppContext, inputs: Path) -> None:
    build(ctx, req(inputs))
    with pytest.raises(UsageError, match="targets openai/gpt-4o-mini"):
        build(ctx, req(inputs, provider="mistral", model="open-mistral-7b"))


def test_cancel_records_a_cancelled_run(ctx: AppContext, inputs: Path) -> None:
    token = CancelToken()

    def progress(p: Progress) -> None:
        if p.stage == "identify":
            token.cancel()

    with pytest.raises(Cancelled):
        build(ctx, req(inputs), progress=progress, cancel=token)
    assert ctx.store.list_runs(1)[0]["status"] == "cancelled"
    assert ctx.store.get_dataset("faq").total_samples == 0


def test_resume_of_an_identify_build_runs_it_again_adding_only_what_is_new(
        ctx: AppContext, inputs: Path) -> None:
    with pytest.raises(NotFoundError):
        resume(ctx, "nope")
    first = build(ctx, req(inputs))
    again = resume(ctx, "faq")
    assert again.samples_added == 0 and again.duplicates == again.found == first.found > 0
    assert again.stats["resumed"] == "inputs"
    assert ctx.store.get_dataset("faq").total_samples == first.samples_added


@pytest.mark.parametrize(("kw", "error"), [
    ({"mode": "create", "agent_provider": "openai"}, "OPENAI_API_KEY"),
    ({"mode": "hybrid", "agent_provider": "mistral"}, "MISTRAL_API_KEY"),
    ({"mode": "free", "agent_provider": "anthropic", "instruction": "Write FAQs."},
     "ANTHROPIC_API_KEY"),
    ({"mode": "free"}, "prompt.txt"),  # no prompts/free_mode/prompt.txt in this project
])
def test_an_llm_build_that_cannot_start_leaves_no_empty_dataset(
        ctx: AppContext, inputs: Path, kw: dict[str, object], error: str) -> None:
    with pytest.raises(FtbError) as err:
        build(ctx, req(inputs, **kw))
    assert error in f"{err.value.message} {err.value.hint}"
    assert ctx.store.list_datasets() == [] and ctx.store.list_runs() == []
