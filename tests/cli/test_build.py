"""`ftb build` and `ftb retry`: identify on real files, create against an OpenAI-compatible
stub on 127.0.0.1 (in this process), Ctrl-C in a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from agents.llm_fakes import ChatStub

REPO = Path(__file__).resolve().parents[2]

STUB_FLAGS = ("--agent-provider", "openai", "--agent-model", "stub-model")


def samples(db, name):
    return sqlite3.connect(db).execute(
        "SELECT COUNT(*) FROM samples s JOIN datasets d ON d.id = s.dataset_id "
        "WHERE d.name = ?", (name,)).fetchone()[0]


def polled_samples(db, name):
    """samples() while another process may still be creating the store."""
    try:
        return samples(db, name) if db.exists() else 0
    except sqlite3.OperationalError:
        return 0


def copy_inputs(project):
    shutil.copytree(REPO / "input_files", project / "input_files", dirs_exist_ok=True)


def write_policy(project, sections=12):
    text = "\n\n".join(f"Section {i}. Refunds for plan {i} are issued within {i + 10} days. "
                       f"Items must be unused. Contact billing team {i}." for i in range(sections))
    (project / "input_files" / "policy.md").write_text(text, encoding="utf-8")


def test_identify_defaults_come_from_config(cli, project):
    copy_inputs(project)
    r = cli("build", "--json")  # mode identify, input_files, my_dataset, openai gpt-4o-mini
    assert r.code == 0, r.err
    data = r.json()
    assert data["name"] == "my_dataset" and data["mode"] == "identify"
    assert data["samples_added"] > 0 and data["failed_files"] == 0
    assert set(data["files"]) == {str((project / "input_files" / f).resolve()) for f in
                                  os.listdir(project / "input_files")}
    assert samples(project / "memory" / "test.db", "my_dataset") == data["samples_added"]
    ds = cli("datasets", "--json").json()
    assert [(d["name"], d["provider"], d["model"]) for d in ds] == [
        ("my_dataset", "openai", "gpt-4o-mini-2024-07-18")]


def test_building_again_adds_nothing_twice(cli, project):
    copy_inputs(project)
    first = cli("build", "--name", "s", "--json").json()
    again = cli("build", "--name", "s", "--json").json()
    assert again["samples_added"] == 0
    assert again["duplicates"] == first["samples_added"]
    assert samples(project / "memory" / "test.db", "s") == first["samples_added"]


def test_human_output(cli, project):
    copy_inputs(project)
    r = cli("build", "--mode", "identify", "--input", "input_files", "--name", "h")
    assert r.code == 0
    assert r.out.startswith("h (identify): ")
    assert "input_files/faq.md" in r.out and "found" in r.out


def test_unreadable_file_is_partial_failure(cli, project):
    copy_inputs(project)
    (project / "input_files" / "broken.docx").write_bytes(b"PK\x03\x04 not a real docx")
    r = cli("build", "--name", "p", "--json")
    assert r.code == 1
    data = r.json()
    assert data["failed_files"] == 1 and data["samples_added"] > 0
    broken = data["files"][str((project / "input_files" / "broken.docx").resolve())]
    assert broken["status"] == "error" and broken["error"]


def test_provider_without_model_takes_its_first_registry_model(cli, project):
    copy_inputs(project)
    from ftbuilder.targets.registry import default_model

    r = cli("build", "--name", "m", "--provider", "mistral", "--json")
    assert r.code == 0, r.err
    ds = cli("datasets", "--json").json()[0]
    assert (ds["provider"], ds["model"]) == ("mistral", default_model("mistral").id)


def test_unknown_model_is_an_error_with_the_known_ones(cli, project):
    copy_inputs(project)
    r = cli("build", "--provider", "openai", "--model", "gpt-9")
    assert r.code == 1
    assert r.err.startswith("error: model 'gpt-9' is not in the registry for openai")
    assert "hint: known: gpt-4o-mini-2024-07-18" in r.err


def test_create_mode_against_a_local_stub(cli, project):
    write_policy(project)
    with ChatStub() as stub:
        r = cli("build", "--mode", "create", "--name", "gen", "--size", "7", *STUB_FLAGS,
                "--base-url", stub.url, "--concurrency", "2", "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["samples_added"] == 7
    gen = data["stats"]["generation"]
    assert gen["target"] == 7 and gen["items_failed"] == 0 and gen["requests"] >= 1
    assert samples(project / "memory" / "test.db", "gen") == 7


def test_create_human_output_shows_the_llm_accounting(cli, project):
    write_policy(project)
    with ChatStub() as stub:
        r = cli("build", "--mode", "create", "--name", "gen", "--size", "3", *STUB_FLAGS,
                "--base-url", stub.url)
    assert r.code == 0, r.err
    assert "generation:" in r.out and "LLM calls" in r.out and "estimated cost" in r.out


def _small_chunks(project, retries=0):
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text().replace("max_retries: 3", f"max_retries: {retries}")
                   .replace("chunk_tokens: 800", "chunk_tokens: 60")
                   .replace("chunk_overlap: 80", "chunk_overlap: 5"), encoding="utf-8")


class SwitchableStub(ChatStub):
    """Answers every request with the same conversation until ``varied`` is set."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.varied = False

    def answer(self, body, rid):
        if self.varied:
            return super().answer(body, rid)
        return json.dumps({"conversations": [{"messages": [
            {"role": "user", "content": "What is the refund window?"},
            {"role": "assistant", "content": "Refunds are issued within 10 days."}],
            "keywords": ["refunds"]}]})


def test_build_short_of_its_size_is_exit_1_and_retry_reruns_failed_work_to_the_size(cli,
                                                                                  project):
    write_policy(project, sections=6)
    _small_chunks(project)
    with SwitchableStub(fail_first=1) as stub:
        r = cli("build", "--mode", "create", "--name", "short", "--size", "30", *STUB_FLAGS,
                "--base-url", stub.url, "--concurrency", "1", "--json")
        assert r.code == 1, r.err
        first = r.json()
        gen = first["stats"]["generation"]
        assert gen["items_failed"] == 1
        assert first["samples_added"] == 1  # every other reply was a duplicate
        assert gen["stopped"].startswith("stopped early")
        stub.varied = True
        again = cli("retry", "short", "--json")
    assert again.code == 0, again.err  # the failed item ran again, then the build went on
    data = again.json()
    assert data["stats"]["generation"]["items_failed"] == 0
    assert data["stats"]["reset_items"] == 1 and data["stats"]["resumed"] == "inputs"
    assert data["samples_added"] == 29
    db = project / "memory" / "test.db"
    assert samples(db, "short") == 30
    human = cli("retry", "short")  # nothing left to do: said, and no sample added
    assert human.code == 0, human.err
    assert "0 samples added" in human.out and "the dataset now has 30" in human.out


def test_failed_item_does_not_fail_a_build_that_reached_its_size(cli, project):
    write_policy(project, sections=6)
    _small_chunks(project)
    with ChatStub(fail_first=1) as stub:
        r = cli("build", "--mode", "create", "--name", "enough", "--size", "10", *STUB_FLAGS,
                "--base-url", stub.url, "--concurrency", "1", "--json")
    assert r.code == 0, r.err
    gen = r.json()["stats"]["generation"]
    assert gen["items_failed"] == 1 and gen["samples_added"] == 10


def test_backend_down_is_one_error_line_with_a_hint(cli, project):
    write_policy(project, sections=8)
    _small_chunks(project)
    with ChatStub(fail_first=1000) as stub:
        r = cli("build", "--mode", "create", "--name", "down", "--size", "5", *STUB_FLAGS,
                "--base-url", stub.url, "--concurrency", "1")
    assert r.code == 1
    lines = r.err.splitlines()
    assert lines[0] == f"agent: openai stub-model at {stub.url}"  # said before the run
    assert lines[1].startswith("error: ") and "503" in lines[1]
    assert lines[2].startswith("hint: ") and len(lines) == 3
    assert r.out == ""


def test_retry_of_an_identify_dataset_runs_its_build_again(cli, project):
    # every dataset the app can resume, `ftb retry` resumes (one service, services.resume)
    copy_inputs(project)
    first = cli("build", "--name", "ident", "--json").json()
    r = cli("retry", "ident", "--json")
    assert r.code == 0, r.err
    again = r.json()
    assert again["samples_added"] == 0 and again["duplicates"] == again["found"] == first[
        "found"] > 0
    r = cli("retry", "nothing-here")
    assert r.code == 1 and r.err.startswith("error: ") and "hint: " in r.err


def test_free_mode_without_prompt_and_without_terminal_names_the_file(ftb, project):
    write_policy(project)
    (project / "prompts" / "free_mode" / "prompt.txt").unlink()
    r = ftb("build", "--mode", "free", "--name", "free", "--size", "2", *STUB_FLAGS,
            "--base-url", "http://127.0.0.1:9/v1")
    assert r.code == 2
    assert "prompt.txt" in r.err and r.err.startswith("error: free mode needs an instruction")


def test_ctrl_c_cancels_cleanly_and_keeps_samples(project):
    write_policy(project, sections=40)
    _small_chunks(project, retries=3)
    db = project / "memory" / "test.db"
    with ChatStub(delay=0.3) as stub:
        p = subprocess.Popen(
            [sys.executable, "-m", "ftbuilder", "build", "--mode", "create", "--name", "c",
             "--size", "200", *STUB_FLAGS, "--base-url", stub.url, "--concurrency", "1",
             "--json"], cwd=project, env=dict(os.environ), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and polled_samples(db, "c") < 3:
            time.sleep(0.2)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert out == ""  # no JSON result for a cancelled run
    kept = samples(db, "c")
    assert 3 <= kept < 200
    assert f"cancelled; {kept} samples kept" in err
    assert "Traceback" not in err
    runs = sqlite3.connect(db).execute("SELECT status FROM runs").fetchall()
    assert runs == [("cancelled",)]


def test_build_json_subprocess_has_only_json_on_stdout(ftb, project):
    copy_inputs(project)
    r = ftb("build", "--mode", "identify", "--name", "sub", "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["samples_added"] > 0


def _rendered(**stats):
    from ftbuilder.agents.accounting import RunStats
    from ftbuilder.cli.build import render_build

    gen = RunStats(**stats).to_dict()
    return render_build({"name": "d", "mode": "create", "stats": {"generation": gen}})


def test_cost_line_says_local_only_for_a_local_model():
    from ftbuilder.backends.prices import agent_price

    paid = _rendered(target=6, existing=6, price=agent_price("openai", "gpt-4o-mini"))
    assert "$0.0000 (UNVERIFIED price)" in paid and "local model" not in paid
    local = _rendered(target=6, existing=6, price=agent_price("llama", "gemma-3-270m"))
    assert "none (local model)" in local


def test_retry_is_suggested_only_when_the_build_ended_short():
    short = _rendered(target=6, samples_added=3, items_failed=2)
    assert "`ftb retry d` runs the failed items again" in short  # names the dataset
    reached = _rendered(target=6, samples_added=6, items_failed=2)
    assert "ftb retry" not in reached and "2 failed" in reached


def test_the_cli_says_which_model_writes_and_that_no_key_means_the_embedded_one(cli, project):
    (project / "empty").mkdir()
    r = cli("build", "--mode", "create", "--input", "empty", "--name", "e", "--size", "2")
    assert r.code == 1  # nothing to write from: stops before any model is loaded
    assert "no key configured: running on the embedded local model" in r.err
    with ChatStub() as stub:
        copy_inputs(project)
        r = cli("build", "--mode", "create", "--input", "input_files/faq.md", "--name", "g",
                "--size", "2", *STUB_FLAGS, "--base-url", stub.url, "--json")
        assert r.code == 0, r.err
        assert f"agent: openai stub-model at {stub.url}" in r.err
        assert r.json()["samples_added"] == 2  # stdout stays pure JSON
        r = cli("retry", "g")
        assert f"agent: openai stub-model at {stub.url}" in r.err
    r = cli("build", "--mode", "identify", "--input", "input_files", "--name", "i")
    assert "agent" not in r.err  # identify without the LLM fallback uses no model


def test_an_alias_resolves_to_its_snapshot_and_says_so(cli, project):
    # Issue 10: `--model gpt-4o-mini` is what users type; the dataset records the snapshot.
    copy_inputs(project)
    r = cli("build", "--name", "a", "--provider", "openai", "--model", "gpt-4o-mini", "--json")
    assert r.code == 0, r.err
    assert "model gpt-4o-mini -> gpt-4o-mini-2024-07-18" in r.err
    ds = cli("datasets", "--json").json()[0]
    assert (ds["provider"], ds["model"]) == ("openai", "gpt-4o-mini-2024-07-18")
    r = cli("build", "--name", "m", "--provider", "mistral", "--model", "mistral-small-latest",
            "--json")
    assert r.code == 0 and "model mistral-small-latest -> mistral-small-2409" in r.err
    bad = cli("build", "--provider", "openai", "--model", "gpt-4o-mini-typo")
    assert bad.code == 1 and "hint: known: gpt-4o-mini-2024-07-18 (gpt-4o-mini)" in bad.err
