"""services.browse: id lists and pages under filters, charts' data, who writes samples."""

from __future__ import annotations

import pytest

from ftbuilder.core.errors import NotFoundError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.services import browse
from ftbuilder.services.context import open_context
from ftbuilder.services.resume import last_build, resume


@pytest.fixture
def ctx(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "# the target\nprovider: openai   # whose format\nmodel: gpt-4o-mini-2024-07-18\n"
        "split:\n  ratio: 0.8        # train share\n  seed: 42\n")
    c = open_context(tmp_path / "config.yaml", ":memory:", root=tmp_path, environ={})
    ds = c.store.create_dataset("d", "openai", "gpt-4o-mini-2024-07-18", "identify")
    convs = []
    for i in range(50):
        msgs = [Message("user", f"question {i} 100% sure_{i}"), Message("assistant", f"a{i}")]
        if i % 5 == 0:
            msgs.insert(0, Message("system", "be brief"))
        convs.append(Conversation(msgs, source_file=f"s{i % 2}.txt", topic_keywords=[f"k{i % 3}"],
                                  meta={"flags": ["odd"]} if i % 2 else {},
                                  split="train" if i < 40 else None,
                                  token_count=None if i == 49 else 10 + i))
    c.store.add_samples(ds.id, convs)
    yield c
    c.close()


def test_ids_and_rows_follow_filters(ctx):
    all_ids = browse.sample_ids(ctx, "d")
    assert len(all_ids) == 50 and all_ids == sorted(all_ids)
    f = browse.SampleFilter
    assert len(browse.sample_ids(ctx, "d", f(source="s1.txt"))) == 25
    assert len(browse.sample_ids(ctx, "d", f(split="none"))) == 10
    assert len(browse.sample_ids(ctx, "d", f(split="train"))) == 40
    assert len(browse.sample_ids(ctx, "d", f(min_tokens=50, max_tokens=54))) == 5
    assert len(browse.sample_ids(ctx, "d", f(flag="odd"))) == 25
    assert len(browse.sample_ids(ctx, "d", f(flag="no_tokens"))) == 1
    # LIKE wildcards in the keyword are literal
    assert browse.sample_ids(ctx, "d", f(keyword="100%")) == all_ids
    assert len(browse.sample_ids(ctx, "d", f(keyword="sure_1"))) == 11  # 1, 10-19
    assert len(browse.sample_ids(ctx, "d", f(keyword="k2"))) == 16


def test_rows_preview_skips_the_system_prompt(ctx):
    ids = browse.sample_ids(ctx, "d")
    rows = browse.rows_for_ids(ctx, [ids[5], ids[0], 999_999])
    assert [r.id for r in rows] == [ids[5], ids[0]]
    assert rows[1].preview.startswith("question 0") and rows[1].messages == 3
    assert rows[0].flags == ["odd"] and rows[0].keywords == ["k2"]
    page = browse.sample_page(ctx, "d", offset=10, limit=5)
    assert [r.id for r in page] == ids[10:15]


def test_groups_flags_lengths_and_runs(ctx):
    assert browse.sources(ctx, "d") == [("s0.txt", 25), ("s1.txt", 25)]
    assert dict(browse.flags(ctx, "d")) == {"odd": 25, "no_tokens": 1}
    lengths = browse.token_lengths(ctx, "d")
    assert len(lengths["train"]) == 40 and len(lengths[""]) == 9
    run = ctx.store.start_run("build", 1)
    assert [r["id"] for r in browse.interrupted_runs(ctx)] == [run]
    ctx.store.finish_run(run, "done")
    assert browse.interrupted_runs(ctx) == [] and browse.list_runs(ctx)[0]["status"] == "done"
    # a cancelled run that was resumed (a later run of its dataset) is no longer offered
    cancelled = ctx.store.start_run("build", 1)
    ctx.store.finish_run(cancelled, "cancelled")
    assert [r["id"] for r in browse.interrupted_runs(ctx)] == [cancelled]
    ctx.store.finish_run(ctx.store.start_run("build", 1), "done")
    assert browse.interrupted_runs(ctx) == []
    with pytest.raises(NotFoundError):
        browse.sample_ids(ctx, "nope")


def test_histogram_keeps_outliers_in_the_end_bins():
    counts, edges = browse.histogram([1, 2, 3, 10, 1000], bins=5, lo=1, hi=10)
    assert sum(counts) == 5 and counts[-1] == 2 and edges[0][0] == 1


def test_writer_status_names_the_model_that_writes(tmp_path):
    def status(config: str, environ: dict[str, str]) -> browse.WriterStatus:
        (tmp_path / "config.yaml").write_text(config)
        c = open_context(tmp_path / "config.yaml", ":memory:", root=tmp_path, environ=environ)
        try:
            return browse.writer_status(c)
        finally:
            c.close()

    embedded = status("mode: create\n", {})
    assert embedded.embedded and embedded.ready and "embedded local model" in embedded.text
    server = status("system:\n  agentic_llm: llama\n  base_url: http://127.0.0.1:9/v1\n", {})
    assert not server.embedded and server.ready and "http://127.0.0.1:9/v1" in server.text
    no_key = status("system:\n  agentic_llm: openai\n", {})
    assert not no_key.ready and "OPENAI_API_KEY" in no_key.text
    keyed = status("system:\n  agentic_llm: openai\n", {"OPENAI_API_KEY": "sk-abcdefgh1234"})
    assert keyed.ready and "sk-" not in keyed.text


def test_resume_needs_a_build(ctx):
    with pytest.raises(NotFoundError):
        resume(ctx, "d")  # imported, never built
    assert last_build(ctx, "d") is None
