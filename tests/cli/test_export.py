"""`ftb export`: one JSONL per split (or dataset.jsonl), metadata.csv and stats.json."""

from __future__ import annotations

import csv
import hashlib
import json

from ftbuilder.services.export_files import exported


def make_dataset(cli, project, name="ex", n=20):
    f = project / "src.jsonl"
    f.write_text("\n".join(json.dumps({"messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": f"question {i}?"},
        {"role": "assistant", "content": f"answer {i}."}]}) for i in range(n)) + "\n",
        encoding="utf-8")
    assert cli("import", f, "--name", name).code == 0


def lines(path):
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_unsplit_dataset_writes_dataset_jsonl_to_the_default_folder(cli, project):
    make_dataset(cli, project)
    r = cli("export", "ex", "--json")  # format: the dataset's provider (openai)
    assert r.code == 0, r.err
    out = project / "output_datasets" / "ex"
    assert exported(out) == ["dataset.jsonl", "metadata.csv",
                                                     "stats.json"]
    recs = lines(out / "dataset.jsonl")
    assert len(recs) == 20 and set(recs[0]) == {"messages"}
    assert r.json()["ok"] is True
    assert len(list(csv.DictReader((out / "metadata.csv").open(encoding="utf-8")))) == 20
    json.loads((out / "stats.json").read_text(encoding="utf-8"))


def test_split_dataset_one_file_per_split(cli, project):
    make_dataset(cli, project)
    cli("split", "ex", "--ratio", "0.7", "--test", "0.1", "--strategy", "random")
    r = cli("export", "ex", "--format", "anthropic", "--out", project / "out")
    assert r.code == 0, r.err
    names = exported(project / "out")
    assert names == ["metadata.csv", "stats.json", "test.jsonl", "train.jsonl",
                     "validation.jsonl"]
    train = lines(project / "out" / "train.jsonl")
    assert len(train) == 14
    assert train[0]["system"] == "Be brief." and train[0]["messages"][0]["role"] == "user"
    assert "files pass validation" in r.out


def test_several_formats_go_to_subfolders(cli, project):
    make_dataset(cli, project)
    r = cli("export", "ex", "--format", "gemini,mistral", "--format", "llama3", "--out",
            project / "multi", "--no-csv", "--no-stats", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert [d["format"] for d in data] == ["gemini", "mistral", "llama3"]
    for fmt in ("gemini", "mistral", "llama3"):
        files = exported(project / "multi" / fmt)
        assert files == ["dataset.jsonl"]
    gem = lines(project / "multi" / "gemini" / "dataset.jsonl")[0]
    assert {c["role"] for c in gem["contents"]} == {"user", "model"}


def test_unknown_dataset(cli, project):
    r = cli("export", "nope", "--format", "openai")
    assert r.code == 1 and r.err.startswith("error: no dataset named 'nope'")


def test_written_file_failing_validation_is_exit_1(cli, project):
    f = project / "long.jsonl"
    recs = [{"messages": [{"role": "user", "content": "q"},
                          {"role": "assistant", "content": "word " * 6000}]}]
    recs += [{"messages": [{"role": "user", "content": f"q{i}"},
                           {"role": "assistant", "content": "a"}]} for i in range(12)]
    f.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    cli("import", f, "--name", "long", "--provider", "openai", "--model", "gpt-3.5-turbo-0613")
    r = cli("export", "long", "--out", project / "o")
    assert r.code == 1
    assert "SOME FILES FAIL VALIDATION" in r.out and "ftb validate long" in r.out
    assert cli("export", "long", "--out", project / "o", "--json").json()["ok"] is False
    assert cli("validate", "long", "--fix", "drop").code == 0
    assert cli("export", "long", "--out", project / "o").code == 0


def test_default_folder_of_an_unsafe_name_stays_in_the_output_folder(cli, project):
    out = project / "output_datasets"
    def h(name: str) -> str:  # a changed name gets 8 hex digits of its hash (distinct names)
        return "-" + hashlib.sha256(name.encode()).hexdigest()[:8]

    for name, folder in (("../escape", "_escape" + h("../escape")), ("/abs", "_abs" + h("/abs")),
                         ("a/b c", "a_b c" + h("a/b c")), ("..", "dataset" + h("..")),
                         ("ünï cödé", "ünï cödé")):
        make_dataset(cli, project, name=name, n=3)
        r = cli("export", name, "--format", "generic", "--json")
        assert r.code == 0, r.err
        assert r.json()["out_dir"] == str(out / folder)
        assert (out / folder / "dataset.jsonl").is_file()
    assert sorted(p.name for p in project.iterdir()) == [
        "config.yaml", "input_files", "memory", "output_datasets", "prompts", "src.jsonl"]


def test_trainer_formats_from_the_command_line_and_back(cli, project):
    # Issue 10: `ftb export --format chatml` used to answer "unknown export format".
    make_dataset(cli, project)
    r = cli("export", "ex", "--format", "chatml,parquet,llamafactory,harmony", "--out",
            project / "t", "--json")
    assert r.code == 0, r.err
    assert exported(project / "t" / "parquet") == [
        "README.md", "dataset.parquet", "metadata.csv", "stats.json"]
    assert {"dataset_info.json", "llamafactory.yaml"} <= {
        p.name for p in (project / "t" / "llamafactory").iterdir()}
    assert lines(project / "t" / "chatml" / "dataset.jsonl")[0] == {"text": (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nquestion 0?<|im_end|>\n"
        "<|im_start|>assistant\nanswer 0.<|im_end|>\n")}
    human = cli("export", "ex", "--format", "llamafactory", "--out", project / "h")
    assert "dataset_info.json" in human.out and "llamafactory.yaml" in human.out
    for fmt, name in (("parquet", "dataset.parquet"), ("chatml", "dataset.jsonl"),
                      ("harmony", "dataset.jsonl")):
        back = cli("import", project / "t" / fmt / name, "--name", f"back-{fmt}", "--json")
        assert back.code == 0, back.err
        assert back.json()["added"] == 20 and back.json()["skipped"] == 0


def test_unknown_format_lists_the_new_ones(cli, project):
    r = cli("export", "ex", "--format", "vicuna")
    assert r.code == 2 and "chatml" in r.err and "parquet" in r.err
