"""Every export format, from a split dataset of multi-turn, system-prompted, non-ASCII
conversations, loaded by its consumer without an edit, then imported back (issue 10).

Consumers that run offline are used for real: Hugging Face ``datasets`` (Parquet and the
card's ``configs``), ``openai-harmony`` (parsing the Harmony text), ``mistral-common``
(re-tokenizing the Mistral text). Together's ``check_file`` rules and LLaMA-Factory's
ShareGPT converter are written out here as those tools apply them.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest
import yaml

from ftbuilder.config import load_settings
from ftbuilder.formats import FORMATS
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import import_file
from ftbuilder.services.export import FORMATS as OFFERED
from ftbuilder.services.export import export_dataset
from ftbuilder.services.split import apply_split, plan_split
from ftbuilder.store.db import Store

N = 24
SPLITS = ("train", "validation", "test")
ONE_WAY = ("gemma", "mistral-instruct", "mistral-instruct-tekken", "mistral-instruct-v7")


def conversation(i: int) -> list[dict]:
    return [{"role": "system", "content": f"Tu es un guide de {['Kyoto', 'Zürich'][i % 2]}."},
            {"role": "user", "content": f"Question {i} : où manger à 京都 ? 🍜"},
            {"role": "assistant", "content": f"Réponse {i} : essayez le marché Nishiki.\nBon "
                                             "appétit !"},
            {"role": "user", "content": "Et le soir ? Ça ferme tard ?"},
            {"role": "assistant", "content": f"Oui, jusqu'à {20 + i % 4} h — ✓."}]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("consumers")
    ctx = AppContext(load_settings(root=tmp, environ={}), Store(":memory:"))
    src = tmp / "src.jsonl"
    src.write_text("".join(json.dumps({"messages": conversation(i)}, ensure_ascii=False) + "\n"
                           for i in range(N)), encoding="utf-8")
    import_file(ctx, src, "guide", near_threshold=None)
    apply_split(ctx, plan_split(ctx, "guide", 0.6, 0.2))
    results = {}
    for fmt in FORMATS:
        results[fmt] = export_dataset(ctx, "guide", fmt, tmp / fmt)
    yield ctx, tmp, results
    ctx.close()


def records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def stored(ctx, split: str) -> list[list[dict]]:
    ds = ctx.store.get_dataset("guide")
    return [[m.to_dict() for m in c.messages] for c in ctx.store.iter_samples(ds.id)
            if c.split == split]


def test_every_format_writes_every_split_and_nothing_is_skipped(exported):
    results = exported[2]
    for fmt, r in results.items():
        assert r.ok and r.skipped == 0, (fmt, r.skip_reasons)
        ext = FORMATS[fmt].ext
        assert sorted(f.name for f in r.files) == sorted(f"{s}.{ext}" for s in SPLITS), fmt
        assert sum(f.examples for f in r.files) == N


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ONE_WAY])
def test_round_trip_import_of_each_split(exported, fmt):
    ctx, tmp, _ = exported
    for split in SPLITS:
        path = tmp / fmt / f"{split}.{FORMATS[fmt].ext}"
        r = import_file(ctx, path, f"back-{fmt}-{split}", near_threshold=None)
        assert r.skipped == 0 and r.added == len(stored(ctx, split)), (fmt, split, r.errors)
        back = ctx.store.get_dataset(f"back-{fmt}-{split}")
        got = [[m.to_dict() for m in c.messages] for c in ctx.store.iter_samples(back.id)]
        assert got == stored(ctx, split), (fmt, split)


def test_parquet_loads_with_hugging_face_datasets(exported, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # local files only, cache in tmp
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    from datasets import load_dataset

    ctx, tmp, _ = exported
    files = {s: str(tmp / "parquet" / f"{s}.parquet") for s in SPLITS}
    ds = load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "hf"))
    for s in SPLITS:
        assert ds[s]["messages"] == stored(ctx, s)
        assert set(ds[s].column_names) >= {"messages", "source_file", "token_count", "meta"}
    # The card's YAML front matter names the splits: loading the folder needs no data_files.
    card = ds_from_card = load_dataset(str(tmp / "parquet"), cache_dir=str(tmp_path / "hf"))
    assert sorted(ds_from_card) == sorted(SPLITS)
    assert card["validation"]["messages"] == stored(ctx, "validation")
    text = (tmp / "parquet" / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert [x["num_examples"] for x in front["dataset_info"]["splits"]] == [
        len(stored(ctx, s)) for s in SPLITS]
    assert "## Token statistics" in text and "src.jsonl" in text


def test_harmony_parses_with_openai_harmony(exported):
    import openai_harmony as h

    from ftbuilder.formats.harmony import encoding

    ctx, tmp, _ = exported
    enc = encoding()
    for rec, want in zip(records(tmp / "harmony" / "train.jsonl"), stored(ctx, "train"),
                         strict=True):
        tokens = enc.encode(rec["text"], allowed_special="all")
        msgs = enc.parse_messages_from_completion_tokens(tokens, role=None)
        roles = [m.author.role for m in msgs]
        assert roles == [h.Role.SYSTEM, h.Role.DEVELOPER, h.Role.USER, h.Role.ASSISTANT,
                         h.Role.USER, h.Role.ASSISTANT]
        assert msgs[1].content[0].text == "# Instructions\n\n" + want[0]["content"]
        assert [m.content[0].text for m in msgs[2:]] == [m["content"] for m in want[1:]]
        assert {m.channel for m in msgs if m.author.role == h.Role.ASSISTANT} == {"final"}
        assert rec["text"].endswith("<|return|>")


@pytest.mark.parametrize(("fmt", "tokenizer"), [
    ("mistral-instruct", lambda t: t.v3()), ("mistral-instruct-tekken",
                                             lambda t: t.v3(is_tekken=True)),
    ("mistral-instruct-v7", lambda t: t.v7())])
def test_mistral_text_is_what_mistral_common_encodes(exported, fmt, tokenizer):
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from mistral_common.protocol.instruct.validator import ValidationMode
    from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    ctx, tmp, _ = exported
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tok = MistralTokenizer.from_file(
            tokenizer(MistralTokenizer).instruct_tokenizer.tokenizer.file_path,
            mode=ValidationMode.finetuning)
    raw = tok.instruct_tokenizer.tokenizer
    for rec, msgs in zip(records(tmp / fmt / "test.jsonl"), stored(ctx, "test"), strict=True):
        ids = tok.encode_chat_completion(ChatCompletionRequest(messages=msgs)).tokens
        if fmt == "mistral-instruct-tekken":  # Tekken decodes to plain text itself
            assert rec["text"] == raw.decode(ids, special_token_policy=SpecialTokenPolicy.KEEP)
        # mistral-common's own text of the tokens, SentencePiece notation spelled out
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pieces = tok.encode_chat_completion(ChatCompletionRequest(messages=msgs)).text
        assert rec["text"] == spelled_out(pieces)
        assert "[/INST]" in rec["text"] and rec["text"].startswith("<s>")


def spelled_out(pieces: str) -> str:
    """SentencePiece notation as text: "▁" is a space, runs of <0xNN> are UTF-8 bytes."""
    def as_text(match: re.Match) -> str:
        return bytes(int(b, 16) for b in re.findall(r"<0x([0-9A-F]{2})>", match[0])).decode()
    return re.sub(r"(?:<0x[0-9A-F]{2}>)+", as_text, pieces.replace("\u2581", " "))


def together_check_line(obj: dict) -> str | None:
    """Together's check_file rules for a conversational line (docs/providers.md §5): only the
    ``messages`` column, role/content (+weight) per message, roles system/user/assistant,
    system only first, then user and assistant alternating from the user."""
    if set(obj) != {"messages"}:
        return f"Found extra column {sorted(set(obj) - {'messages'})}"
    previous = None
    for i, m in enumerate(obj["messages"]):
        if not set(m) <= {"role", "content", "weight"} or not isinstance(m.get("content"), str):
            return f"message {i}: bad keys"
        if m["role"] not in ("system", "user", "assistant"):
            return f"message {i}: role {m['role']}"
        if m["role"] == "system":
            if i:
                return "system after start"
            continue
        if m["role"] == previous or (previous is None and m["role"] != "user"):
            return f"message {i}: roles do not alternate"
        if "weight" in m and m["weight"] not in (0, 1):
            return "weight"
        previous = m["role"]
    return None


def test_together_passes_check_file_rules_and_llama3_text_is_not_mixed_in(exported):
    _, tmp, _ = exported
    for s in SPLITS:
        for rec in records(tmp / "together" / f"{s}.jsonl"):
            assert together_check_line(rec) is None
        assert set(records(tmp / "llama3" / f"{s}.jsonl")[0]) == {"text"}
    assert together_check_line({"messages": [], "text": "x"}).startswith("Found extra column")


def test_llamafactory_dataset_info_registers_the_files(exported):
    ctx, tmp, _ = exported
    folder = tmp / "llamafactory"
    info = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
    assert sorted(info) == [f"guide_{s}" for s in sorted(SPLITS)]
    for key, entry in info.items():
        assert entry["formatting"] == "sharegpt"
        tags, cols = entry["tags"], entry["columns"]
        rows = records(folder / entry["file_name"])
        # LLaMA-Factory's sharegpt converter: odd turns user/observation, even assistant.
        for row in rows:
            turns = row[cols["messages"]]
            assert len(turns) % 2 == 0
            assert all(t[tags["role_tag"]] in (tags["user_tag"], tags["observation_tag"])
                       for t in turns[0::2])
            assert all(t[tags["role_tag"]] == tags["assistant_tag"] for t in turns[1::2])
        split = key.removeprefix("guide_")
        want = [[{"from": {"user": "human", "assistant": "gpt"}[m["role"]],
                  "value": m["content"]} for m in msgs[1:]] for msgs in stored(ctx, split)]
        assert [row[cols["messages"]] for row in rows] == want
        assert [row[cols["system"]] for row in rows] == [m[0]["content"]
                                                         for m in stored(ctx, split)]
    cfg = yaml.safe_load((folder / "llamafactory.yaml").read_text(encoding="utf-8"))
    assert cfg == {"dataset_dir": str(folder.resolve()), "dataset": "guide_train",
                   "eval_dataset": "guide_validation"}


def test_axolotl_snippet_points_at_the_exported_files(exported):
    _, tmp, _ = exported
    folder = tmp / "axolotl"
    cfg = yaml.safe_load((folder / "axolotl.yaml").read_text(encoding="utf-8"))
    (train,) = [d for d in cfg["datasets"] if d["path"].endswith("train.jsonl")]
    assert train["type"] == "chat_template" and train["field_messages"] == "messages"
    assert Path(train["path"]).is_file() and Path(cfg["test_datasets"][0]["path"]).is_file()
    rec = records(Path(train["path"]))[0]
    assert set(rec) == {"messages"} and set(rec["messages"][0]) == {"role", "content"}


def test_sharegpt_and_alpaca_layouts(exported):
    ctx, tmp, _ = exported
    share = records(tmp / "sharegpt" / "train.jsonl")[0]
    assert [t["from"] for t in share["conversations"]] == ["system", "human", "gpt", "human",
                                                          "gpt"]
    alp = records(tmp / "alpaca" / "train.jsonl")[0]
    first = stored(ctx, "train")[0]
    assert alp == {"instruction": first[3]["content"], "input": "",
                   "output": first[4]["content"], "system": first[0]["content"],
                   "history": [[first[1]["content"], first[2]["content"]]]}


def test_the_app_offers_every_format():
    assert set(FORMATS) <= set(OFFERED)
