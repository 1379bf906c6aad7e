"""services: `ftb import` of Parquet, Arrow and CSV files and folders (made here with
pyarrow), column mapping and layout detection, the codewikibench preset, and the Hub id
failing fast without network."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from ftbuilder.config import load_settings
from ftbuilder.core.errors import FormatError, FtbError, IngestError, UsageError
from ftbuilder.core.progress import CancelToken
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import import_file
from ftbuilder.store.db import Store


@pytest.fixture
def ctx(tmp_path: Path):
    c = AppContext(load_settings(root=tmp_path, environ={}), Store(tmp_path / "s.db"))
    yield c
    c.close()


def _samples(ctx: AppContext, name: str):
    return list(ctx.store.iter_samples(ctx.store.get_dataset(name).id))


ALPACA = {"instruction": ["Add 2 and 3.", "Name a colour.", "Add 2 and 3."],
          "input": ["", "Pick a warm one.", ""], "output": ["5", "Red.", "5"]}


def test_parquet_alpaca_is_detected_and_duplicates_dropped(ctx, tmp_path):
    pq.write_table(pa.table(ALPACA), tmp_path / "a.parquet")
    r = import_file(ctx, tmp_path / "a.parquet", "alp")
    assert (r.records, r.added, r.duplicates, r.skipped) == (3, 2, 1, 0)
    assert r.format == "parquet: alpaca" and r.token_counts == "exact"
    second = _samples(ctx, "alp")[1]
    assert [m.role for m in second.messages] == ["user", "assistant"]
    assert second.messages[0].content == "Name a colour.\n\nPick a warm one."
    assert second.source_file == "a.parquet" and second.location == "row 2"


def test_map_columns_and_messages_columns_in_arrow_and_csv(ctx, tmp_path):
    table = pa.table({"q": ["Why?", "How?"], "a": ["Because.", ""], "sys": ["Be brief.", ""]})
    with pa.OSFile(str(tmp_path / "t.arrow"), "wb") as f, pa.ipc.new_file(f, table.schema) as w:
        w.write_table(table)
    r = import_file(ctx, tmp_path / "t.arrow", "m", mapping="user=q,assistant=a,system=sys")
    assert (r.added, r.skipped) == (1, 1)
    assert "row 2" in r.errors[0]["reason"] and "no assistant text" in r.errors[0]["reason"]
    (s,) = _samples(ctx, "m")
    assert [m.role for m in s.messages] == ["system", "user", "assistant"]

    msgs = [json.dumps([{"role": "user", "content": "Hi"},
                        {"role": "assistant", "content": "Hello!"}]),
            json.dumps([{"from": "human", "value": "Yo"}, {"from": "gpt", "value": "Hey."}])]
    pcsv.write_csv(pa.table({"conversations": msgs}), tmp_path / "c.csv")
    r = import_file(ctx, tmp_path / "c.csv", "chat")
    assert r.added == 2 and r.format == "csv: messages column conversations"
    assert [m.content for m in _samples(ctx, "chat")[1].messages] == ["Yo", "Hey."]


def test_a_folder_of_parquet_files_and_prompt_completion(ctx, tmp_path):
    (tmp_path / "d").mkdir()
    for i in range(3):
        pq.write_table(pa.table({"prompt": [f"P{i}-{j}" for j in range(4)],
                                 "completion": [f"C{i}-{j}" for j in range(4)]}),
                       tmp_path / "d" / f"part-{i}.parquet")
    r = import_file(ctx, tmp_path / "d", "folder")
    assert r.added == 12 and r.format == "parquet: prompt/completion"
    assert {s.source_file for s in _samples(ctx, "folder")} == {
        "part-0.parquet", "part-1.parquet", "part-2.parquet"}


def test_unknown_layout_and_bad_map_say_how_to_map(ctx, tmp_path):
    pq.write_table(pa.table({"foo": ["x"], "bar": ["y"]}), tmp_path / "x.parquet")
    with pytest.raises(FormatError) as e:
        import_file(ctx, tmp_path / "x.parquet", "x")
    assert "foo, bar" in e.value.message and "--map user=" in e.value.hint
    with pytest.raises(UsageError, match="column 'nope'"):
        import_file(ctx, tmp_path / "x.parquet", "x", mapping="user=nope,assistant=bar")
    assert ctx.store.find_dataset("x") is None


def test_a_truncated_parquet_file_is_one_clear_error(ctx, tmp_path):
    pq.write_table(pa.table(ALPACA), tmp_path / "a.parquet")
    data = (tmp_path / "a.parquet").read_bytes()
    (tmp_path / "cut.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(FtbError, match=r"cut\.parquet is not a readable Parquet file"):
        import_file(ctx, tmp_path / "cut.parquet", "cut")  # the record importer says it
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "cut.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(IngestError, match=r"cannot read cut\.parquet as parquet"):
        import_file(ctx, tmp_path / "d", "cut")  # in a folder: the columnar reader


def test_our_own_parquet_export_in_a_folder_keeps_its_metadata(ctx, tmp_path):
    from ftbuilder.core.types import Conversation, Message
    from ftbuilder.formats.parquet import ParquetSink, to_record

    (tmp_path / "exp").mkdir()
    sink = ParquetSink(tmp_path / "exp" / "train.parquet")
    conv = Conversation([Message("user", "Q?"), Message("assistant", "A.")],
                        source_file="faq.md", location="line 3", meta={"origin": "identify"})
    sink.add(to_record(conv))
    sink.close()
    r = import_file(ctx, tmp_path / "exp", "back")
    (s,) = _samples(ctx, "back")
    assert r.added == 1 and s.source_file == "faq.md" and s.location == "line 3"
    assert s.meta["origin"] == "identify"


def test_cancel_keeps_the_batches_stored(ctx, tmp_path):
    n = 12_000
    pq.write_table(pa.table({"question": [f"Q{i}?" for i in range(n)],
                             "answer": [f"A{i}." for i in range(n)]}), tmp_path / "q.parquet",
                   row_group_size=5000)
    token = CancelToken()
    seen = []

    def progress(p):
        seen.append(p.done)
        if p.done >= 5000:
            token.cancel()

    from ftbuilder.core.errors import Cancelled

    with pytest.raises(Cancelled):
        import_file(ctx, tmp_path / "q.parquet", "qa", progress=progress, cancel=token)
    assert ctx.store.get_dataset("qa").total_samples == 5000


CODEWIKI_DOCS = {
    "title": "tinyjson", "description": "Documentation for tinyjson", "content": {},
    "subpages": [
        {"title": "Overview", "content": {"What it is": "A tiny JSON parser."},
         "subpages": [], "path": '["subpages", 0]'},
        {"title": "Api", "description": "Documentation section: api", "content": {},
         "path": '["subpages", 1]', "subpages": [
             {"title": "<small>tj::</small>parse", "path": '["subpages", 1, "subpages", 0]',
              "content": {"Parameters": "`text` (in)\n:   the JSON text",
                          "Return value": "the parsed value",
                          "Exceptions": ["Throws `parse_error` on bad input."],
                          "Examples": "```cpp\nauto v = tj::parse(\"[1]\");\n```"},
              "subpages": []},
             {"title": "Empty page", "content": {}, "subpages": [],
              "path": '["subpages", 1, "subpages", 1]'}]}]}
CODEWIKI_RUBRICS = {"rubrics": [{"requirements": "Parsing", "weight": 3, "sub_tasks": [
    {"requirements": "The `parse` function turns text into a value", "weight": 3},
    {"requirements": "Serialization with dump()", "weight": 2}]}]}


def test_codewikibench_preset_gives_one_sample_per_documented_component(ctx, tmp_path):
    row = {"repo_name": "tinyjson", "repo_url": "https://github.com/acme/tinyjson",
           "commit_id": "abc123", "docs_tree": json.dumps({"title": "tinyjson"}),
           "structured_docs": json.dumps(CODEWIKI_DOCS), "rubrics": json.dumps(CODEWIKI_RUBRICS)}
    pq.write_table(pa.table({k: [v] for k, v in row.items()}), tmp_path / "cw.parquet")
    r = import_file(ctx, tmp_path / "cw.parquet", "cw", preset="codewikibench")
    assert r.added == 2 and r.format == "parquet: codewikibench"
    overview, parse = _samples(ctx, "cw")
    assert overview.location == "tinyjson > Overview"
    user, doc = parse.messages[0].content, parse.messages[1].content
    assert user.startswith("Write the documentation of `tj::parse` in the tinyjson repository")
    assert "at commit abc123" in user and "tinyjson > Api > tj::parse" in user
    assert "The `parse` function turns text into a value" in user  # its rubric requirement
    assert "Serialization" not in user
    assert 'auto v = tj::parse("[1]");' in user  # code shown on the page
    assert doc.startswith("# tj::parse") and "## Exceptions\n\n- Throws `parse_error`" in doc
    assert parse.meta["docs_path"] == '["subpages", 1, "subpages", 0]'
    assert parse.meta["commit"] == "abc123"


def test_a_hub_id_without_network_fails_fast_with_one_line(ctx, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("HF_HOME", str(ctx.settings.root / "hf"))
    started = time.monotonic()
    with pytest.raises(FtbError) as e:
        import_file(ctx, "hf:acme/nothing-here@train", "hub")
    assert time.monotonic() - started < 20
    assert e.value.message == ("cannot reach the Hugging Face Hub (127.0.0.1) and "
                               "acme/nothing-here is not in the local cache")
    assert "\n" not in e.value.message and "Parquet" in e.value.hint
    with pytest.raises(UsageError, match="not a Hugging Face dataset id"):
        import_file(ctx, "hf:just-a-name", "hub")
    assert ctx.store.find_dataset("hub") is None


def test_a_file_failing_mid_folder_undoes_the_whole_import(ctx, tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.csv").write_text("question,answer\nWhy?,Because.\nHow?,Thus.\n")
    (tmp_path / "d" / "b.csv").write_text("question,answer\nWhen?,Now.,extra,cells\n")
    with pytest.raises(IngestError, match=r"cannot read b\.csv as csv"):
        import_file(ctx, tmp_path / "d", "undo")
    assert ctx.store.find_dataset("undo") is None  # a.csv's rows went with it
    ctx.store.create_dataset("kept", "openai", "gpt-4o-mini-2024-07-18", "import")
    with pytest.raises(IngestError):
        import_file(ctx, tmp_path / "d", "kept")
    assert ctx.store.get_dataset("kept").total_samples == 0
