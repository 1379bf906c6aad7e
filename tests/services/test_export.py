"""Export: files per split with exact content, metadata.csv, stats.json, validation status."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.core.errors import Cancelled, UsageError
from ftbuilder.core.progress import CancelToken
from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats import FORMATS, to_record
from ftbuilder.formats.csvmeta import COLUMNS
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import import_file
from ftbuilder.services.export import export_dataset
from ftbuilder.services.export_files import exported
from ftbuilder.services.split import apply_split, plan_split
from ftbuilder.store.db import Store

N = 20


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(":memory:"))
    yield c
    c.close()


@pytest.fixture
def fruit(ctx: AppContext, tmp_path: Path) -> str:
    path = tmp_path / "fruit.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(N):
            msgs = [{"role": "system", "content": "You know fruit."}] if i % 2 else []
            msgs += [{"role": "user", "content": f"Fact {i} about pears, please. ☺"},
                     {"role": "assistant", "content": f"Pears: fact {i}.\nNice."}]
            f.write(json.dumps({"messages": msgs}) + "\n")
    import_file(ctx, path, "fruit")
    return "fruit"


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_unsplit_dataset_exports_dataset_jsonl_with_exact_content(ctx: AppContext, fruit: str,
                                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = export_dataset(ctx, fruit, "openai", out)
    assert exported(out) == ["dataset.jsonl", "metadata.csv",
                                                     "stats.json"]
    samples = list(ctx.store.iter_samples(ctx.store.get_dataset(fruit).id))
    assert lines(out / "dataset.jsonl") == [to_record(c, "openai") for c in samples]
    assert "☺" in (out / "dataset.jsonl").read_text(encoding="utf-8")  # UTF-8 kept as is
    (f,) = r.files
    assert (f.name, f.examples, f.validation, f.violations) == ("dataset.jsonl", N, "ok", 0)
    assert f.warnings == N // 2  # the validator warns about samples without a system prompt
    assert r.ok and r.examples == N and r.skipped == 0
    rows = list(csv.reader((out / "metadata.csv").open(encoding="utf-8", newline="")))
    assert tuple(rows[0]) == COLUMNS and len(rows) == N + 1
    assert rows[1] == [str(samples[0].id), "Fact 0 about pears, please. ☺",
                       str(samples[0].token_count), "", "fruit.jsonl", "", "line 1", ""]
    stats = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert {"dataset", "provider", "model", "format", "exported_at", "samples", "splits",
            "tokens", "messages_per_sample", "roles", "sources", "keywords", "files",
            "skipped", "near_duplicates"} <= set(stats)
    assert stats["files"] == {"dataset.jsonl": N} and stats["samples"] == N
    assert stats["tokens"]["total"] == ctx.store.get_dataset(fruit).total_tokens


def test_split_dataset_exports_one_file_per_split(ctx: AppContext, fruit: str,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    export_dataset(ctx, fruit, "openai", out)
    plan = apply_split(ctx, plan_split(ctx, fruit, 0.8, 0.1, seed=3))
    r = export_dataset(ctx, fruit, "mistral", out)
    names = exported(out)
    assert names == ["metadata.csv", "stats.json", "test.jsonl", "train.jsonl",
                     "validation.jsonl"]  # the stale dataset.jsonl is gone
    for split in ("train", "validation", "test"):
        assert len(lines(out / f"{split}.jsonl")) == plan.counts[split]
    assert [(f.name, f.examples) for f in r.files] == [
        ("train.jsonl", 16), ("validation.jsonl", 2), ("test.jsonl", 2)]
    assert all(f.validation == "ok" for f in r.files)
    rows = list(csv.DictReader((out / "metadata.csv").open(encoding="utf-8", newline="")))
    assert sorted(r["split"] for r in rows).count("train") == 16
    # OpenAI's 10-example minimum is checked on the training file only
    o = export_dataset(ctx, fruit, "openai", tmp_path / "o")
    status = {f.name: (f.validation, f.violations) for f in o.files}
    assert status == {"train.jsonl": ("ok", 0), "validation.jsonl": ("ok", 0),
                      "test.jsonl": ("ok", 0)}
    assert "training file only" in o.files[1].note and o.ok
    assert [f.ok for f in o.files] == [True, True, True]


def test_target_means_the_provider_format(ctx: AppContext, fruit: str, tmp_path: Path) -> None:
    r = export_dataset(ctx, fruit, "target", tmp_path / "t", include_csv=False)
    assert r.format == "openai" and r.files[0].examples == N


# Formats read back under another name (same layout), and the files each writes (issue 10).
READS_AS = {"llamafactory": "sharegpt", "axolotl": "openai", "together": "openai",
            "llama3.0": "llama3", "parquet": "generic"}
WRITES = {"llamafactory": ["dataset.jsonl", "dataset_info.json", "llamafactory.yaml"],
          "axolotl": ["axolotl.yaml", "dataset.jsonl"], "parquet": ["README.md",
                                                                     "dataset.parquet"]}
ONE_WAY = ("gemma", "mistral-instruct", "mistral-instruct-tekken", "mistral-instruct-v7")


@pytest.mark.parametrize("fmt", [f for f, spec in FORMATS.items()
                                 if spec.exportable and f not in ONE_WAY])
def test_export_then_import_gives_the_same_messages(ctx: AppContext, fruit: str,
                                                    tmp_path: Path, fmt: str) -> None:
    out = tmp_path / fmt
    export_dataset(ctx, fruit, fmt, out, include_csv=False, include_stats=False)
    assert exported(out) == WRITES.get(fmt, ["dataset.jsonl"])
    data = out / ("dataset.parquet" if fmt == "parquet" else "dataset.jsonl")
    r = import_file(ctx, data, f"back-{fmt}")
    # a record without system prompt is the same in the Anthropic, Mistral and OpenAI formats
    assert sum(r.formats.values()) == N
    assert set(r.formats) <= {fmt, "openai", READS_AS.get(fmt, fmt)}
    before = [[m.to_dict() for m in c.messages]
              for c in ctx.store.iter_samples(ctx.store.get_dataset(fruit).id)]
    after = [[m.to_dict() for m in c.messages]
             for c in ctx.store.iter_samples(ctx.store.get_dataset(f"back-{fmt}").id)]
    assert after == before


def test_samples_a_format_cannot_hold_are_skipped_and_reported(ctx: AppContext, fruit: str,
                                                               tmp_path: Path) -> None:
    ds = ctx.store.get_dataset(fruit)
    ctx.store.add_samples(ds.id, [Conversation([Message("user", "run"), Message("tool", "1"),
                                                Message("assistant", "1")])])
    r = export_dataset(ctx, fruit, "anthropic", tmp_path / "a")
    assert (r.skipped, r.examples, r.ok) == (1, N, False)
    assert list(r.skip_reasons.values()) == [1]
    assert "role 'tool'" in next(iter(r.skip_reasons))
    assert len(lines(tmp_path / "a" / "dataset.jsonl")) == N


def test_generic_and_csv_formats(ctx: AppContext, fruit: str, tmp_path: Path) -> None:
    g = export_dataset(ctx, fruit, "generic", tmp_path / "g")
    assert (g.files[0].validation, g.files[0].ok, g.ok) == ("not validated", None, True)
    assert lines(tmp_path / "g" / "dataset.jsonl")[0]["source_file"] == "fruit.jsonl"
    c = export_dataset(ctx, fruit, "csv", tmp_path / "c")
    assert c.files == [] and exported(tmp_path / "c") == [
        "metadata.csv", "stats.json"]


def test_cancel_leaves_earlier_files_untouched(ctx: AppContext, tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for i in range(4500):
            f.write(json.dumps({"messages": [{"role": "user", "content": f"q {i}"},
                                             {"role": "assistant", "content": "a"}]}) + "\n")
    import_file(ctx, path, "many", near_threshold=None)
    out = tmp_path / "out"
    # the earlier files are an export of another dataset (ftb replaces only files it wrote)
    few = tmp_path / "few.jsonl"
    few.write_text(json.dumps({"messages": [{"role": "user", "content": "old"},
                                            {"role": "assistant", "content": "a"}]}) + "\n",
                   encoding="utf-8")
    import_file(ctx, few, "few")
    export_dataset(ctx, "few", "openai", out, include_csv=False, include_stats=False)
    before = (out / "dataset.jsonl").read_bytes()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        export_dataset(ctx, "many", "openai", out, cancel=token)
    assert exported(out) == ["dataset.jsonl"]
    assert (out / "dataset.jsonl").read_bytes() == before


def test_errors(ctx: AppContext, fruit: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown export format"):
        export_dataset(ctx, fruit, "vicuna", tmp_path)  # (sharegpt is exportable: issue 10)
    ctx.store.create_dataset("empty", "openai", "gpt-4o-mini-2024-07-18", "import")
    with pytest.raises(UsageError, match="no samples"):
        export_dataset(ctx, "empty", "openai", tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="cannot create"):
        export_dataset(ctx, fruit, "openai", blocker / "sub")


def test_stats_json_labels_token_counts_and_estimates_the_cost(ctx: AppContext, fruit: str,
                                                               tmp_path: Path) -> None:
    export_dataset(ctx, fruit, "openai", tmp_path / "o")
    stats = json.loads((tmp_path / "o" / "stats.json").read_text(encoding="utf-8"))
    assert stats["token_counts"] == "exact"
    assert stats["training"]["examples"] == N and stats["training"]["epochs"] == 5
    assert stats["training"]["estimated_cost"] > 0
    import_file(ctx, tmp_path / "fruit.jsonl", "gem", provider="google")
    export_dataset(ctx, "gem", "gemini", tmp_path / "g")
    stats = json.loads((tmp_path / "g" / "stats.json").read_text(encoding="utf-8"))
    assert stats["token_counts"] == "estimate"
