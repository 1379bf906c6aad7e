"""validate_file / validate_dataset / fix_dataset on real files and a real SQLite store."""

from __future__ import annotations

import json

import pytest

from ftbuilder import tokens
from ftbuilder.config import load_settings
from ftbuilder.core.errors import Cancelled, NotFoundError, UsageError
from ftbuilder.core.progress import CancelToken
from ftbuilder.core.types import Conversation, Message
from ftbuilder.services.context import AppContext
from ftbuilder.services.validate import fix_dataset, validate_dataset, validate_file
from ftbuilder.store.db import Store
from ftbuilder.targets.registry import get_model

MODEL = "gpt-3.5-turbo-0613"  # 4,096 tokens per example
ANSWER = "The refund is processed within five business days. " * 3


@pytest.fixture
def ctx(tmp_path):
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(":memory:"))
    yield c
    c.close()


def conv(i: int, user: str | None = None) -> Conversation:
    return Conversation([Message("system", "You answer about refunds."),
                         Message("user", user or f"How long does refund {i} take?"),
                         Message("assistant", ANSWER + str(i))], source_file="faq.md")


def make_dataset(ctx: AppContext, name: str = "faq", n: int = 12, long: int = 1) -> list[int]:
    ds = ctx.store.create_dataset(name, "openai", MODEL, "identify")
    convs = [conv(i) for i in range(n)]
    convs += [conv(100 + i, user="Context: " + "lorem ipsum dolor " * 2000) for i in range(long)]
    spec = get_model("openai", MODEL)
    for c, tc in zip(convs, tokens.count_many(convs, spec), strict=True):
        c.token_count = tc.total
    ctx.store.add_samples(ds.id, convs)
    return [c.id for c in convs]


def test_validate_file_ok_and_exit_semantics(ctx, tmp_path):
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps({"messages": [m.to_dict() for m in conv(i).messages]})
                            + "\n" for i in range(10)), encoding="utf-8")
    rep = validate_file(ctx, path)  # config default: openai gpt-4o-mini
    assert rep.ok and rep.examples == 10 and rep.model == "gpt-4o-mini-2024-07-18"
    assert rep.total_tokens == sum(tokens.count(conv(i), get_model(
        "openai", "gpt-4o-mini-2024-07-18")).total for i in range(10))
    anth = validate_file(ctx, path, "anthropic")
    assert not anth.ok and anth.by_code["unrecognized_role"] == 10  # system inside messages
    assert anth.estimate


def test_validate_file_errors(ctx, tmp_path):
    with pytest.raises(NotFoundError):
        validate_file(ctx, tmp_path / "nope.jsonl")
    with pytest.raises(UsageError):
        validate_file(ctx, tmp_path)
    with pytest.raises(NotFoundError, match="gpt-4o-mini"):
        validate_file(ctx, tmp_path / "x.jsonl", "openai", "gpt-9")


def test_validate_file_cancel(ctx, tmp_path):
    path = tmp_path / "big.jsonl"
    line = json.dumps({"messages": [m.to_dict() for m in conv(1).messages]}) + "\n"
    path.write_text(line * 25_000, encoding="utf-8")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        validate_file(ctx, path, cancel=token)


def test_validate_dataset_reports_sample_ids_and_positions(ctx):
    ids = make_dataset(ctx)
    seen = []
    rep = validate_dataset(ctx, "faq", progress=seen.append)
    assert rep.model == MODEL and rep.examples == 13 and not rep.ok
    [v] = [v for v in rep.violations if v.code == "too_many_tokens"]
    assert v.sample_id == ids[-1] and v.line == 13
    assert seen and seen[-1].done == seen[-1].total == 13
    with pytest.raises(NotFoundError):
        validate_dataset(ctx, "missing")


def test_validate_dataset_checks_the_validation_split(ctx):
    ds = ctx.store.create_dataset("m", "mistral", "open-mistral-7b", "identify")
    big = "lorem ipsum " * 40_000  # ~480 KB each: three exceed Mistral's 1 MB validation file
    convs = [conv(i, user=big if i < 3 else None) for i in range(6)]
    ctx.store.add_samples(ds.id, convs)
    ctx.store.set_splits(ds.id, [(c.id, "validation" if i < 3 else "train")
                                 for i, c in enumerate(convs)])
    rep = validate_dataset(ctx, "m")
    assert any(v.code == "validation_file_too_large" and v.line == 0 for v in rep.violations)


def test_fix_drop(ctx):
    ids = make_dataset(ctx)
    res = fix_dataset(ctx, "faq", "drop")
    assert (res.examined, res.over_limit, res.dropped, res.truncated) == (13, 1, 1, 0)
    assert res.backup is None  # in-memory store: nothing to copy
    assert ctx.store.count_samples(ctx.store.get_dataset("faq").id) == 12
    with pytest.raises(NotFoundError):
        ctx.store.get_sample(ids[-1])
    assert validate_dataset(ctx, "faq").ok


def test_fix_truncate_keeps_the_answer_and_updates_counts(ctx):
    ids = make_dataset(ctx)
    res = fix_dataset(ctx, "faq", "truncate")
    assert (res.over_limit, res.truncated, res.dropped) == (1, 1, 0)
    fixed = ctx.store.get_sample(ids[-1])
    assert fixed.messages[-1].content == ANSWER + "100"
    spec = get_model("openai", MODEL)
    assert fixed.token_count == tokens.count(fixed, spec).total <= 4096
    assert fixed.meta["truncated_for"] == MODEL
    assert validate_dataset(ctx, "faq").ok
    assert fix_dataset(ctx, "faq", "truncate").over_limit == 0


def test_fix_backs_up_a_file_store_first(tmp_path):
    store = Store(tmp_path / "memory" / "store.db")
    c = AppContext(load_settings(root=tmp_path, environ={}), store)
    make_dataset(c)
    res = fix_dataset(c, "faq", "drop")
    assert res.backup and (tmp_path / "memory" / "backups").is_dir()
    backup = Store(res.backup)
    assert backup.count_samples(backup.get_dataset("faq").id) == 13  # before the fix
    backup.close()
    c.close()


def test_fix_rejects_unknown_action(ctx):
    make_dataset(ctx)
    with pytest.raises(UsageError):
        fix_dataset(ctx, "faq", "shorten")


def test_validate_dataset_too_many_validation_examples(ctx):
    ds = ctx.store.create_dataset("g", "google", "gemini-2.0-flash-001", "identify")
    convs = [Conversation([Message("user", f"q{i}"), Message("assistant", f"a{i}")])
             for i in range(5_001)]
    ctx.store.add_samples(ds.id, convs)
    ctx.store.set_splits(ds.id, [(c.id, "validation") for c in convs])
    rep = validate_dataset(ctx, "g")
    [v] = [v for v in rep.violations if v.code == "too_many_validation_examples"]
    assert v.line == 0 and v.severity == "error" and "5,001" in v.message
    assert rep.estimate and rep.epochs is None  # no training examples: nothing to estimate
