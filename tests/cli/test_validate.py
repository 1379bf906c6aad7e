"""`ftb validate` (a dataset or a file) and `ftb tokens`."""

from __future__ import annotations

import json
from pathlib import Path

from ftbuilder.targets.registry import get_model


def chat(q, a, system=None):
    msgs = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    if system:
        msgs.insert(0, {"role": "system", "content": system})
    return {"messages": msgs}


def write(path, records):
    path.write_text("\n".join(json.dumps(r) if not isinstance(r, str) else r
                              for r in records) + "\n", encoding="utf-8")
    return path


def good_file(project, n=12):
    return write(project / "good.jsonl", [chat(f"question {i}?", f"answer {i}.", "Be brief.")
                                          for i in range(n)])


def test_valid_file_json_shape(cli, project):
    r = cli("validate", good_file(project), "--json")
    assert r.code == 0, r.err
    data = r.json()
    assert data["ok"] is True and data["examples"] == 12 and data["total_tokens"] > 0
    assert isinstance(data["violations"], list)


def test_file_with_errors_exit_1_and_lines(cli, project):
    f = write(project / "bad.jsonl", [
        chat("q", "a", "s"),
        {"messages": [{"role": "user", "content": "no answer"}]},
        "not json",
        {"messages": [{"role": "wizard", "content": "x"}, {"role": "assistant", "content": "y"}]},
    ])
    r = cli("validate", f, "--json")
    assert r.code == 1
    data = r.json()
    assert data["ok"] is False
    lines = {v["line"] for v in data["violations"] if v["severity"] == "error"}
    assert {2, 3, 4} <= lines
    assert all("code" in v for v in data["violations"])
    human = cli("validate", f)
    assert human.code == 1 and human.out.startswith("FAILED: ")


def test_over_limit_example_for_a_small_model(cli, project):
    spec = get_model("openai", "gpt-3.5-turbo-0613")  # 4,096 tokens per example
    f = write(project / "long.jsonl", [chat("q", "word " * 6000)] + [
        chat(f"q{i}", "a") for i in range(10)])
    r = cli("validate", f, "--provider", "openai", "--model", spec.id, "--json")
    assert r.code == 1
    codes = {v["code"] for v in r.json()["violations"] if v["line"] == 1}
    assert codes, "the long example must be reported on line 1"


def test_missing_file_is_not_taken_for_a_dataset(cli, project):
    r = cli("validate", "missing.jsonl")
    assert r.code == 1
    assert r.err.startswith("error: file missing.jsonl does not exist")


def test_dataset_uses_its_own_target_unless_given(cli, project):
    cli("import", good_file(project), "--name", "ds", "--provider", "mistral")
    own = cli("validate", "ds", "--json").json()
    assert own["provider"] == "mistral"
    other = cli("validate", "ds", "--provider", "anthropic", "--json").json()
    assert other["provider"] == "anthropic" and other["estimate"] is True
    human = cli("validate", "ds", "--provider", "anthropic").out
    assert "tokens (estimate)" in human and "UNVERIFIED" in human


def test_fix_drop_on_a_dataset(cli, project):
    f = write(project / "mixed.jsonl", [chat("q", "word " * 6000)] + [
        chat(f"q{i}", "a") for i in range(10)])
    cli("import", f, "--name", "fixme", "--provider", "openai", "--model", "gpt-3.5-turbo-0613")
    assert cli("validate", "fixme").code == 1
    r = cli("validate", "fixme", "--fix", "drop", "--json")
    assert r.code == 0, r.out + r.err
    assert r.json()["examples"] == 10


def test_fix_on_a_file_is_a_usage_error(cli, project):
    r = cli("validate", good_file(project), "--fix", "drop")
    assert r.code == 2 and "--fix works on datasets" in r.err


def test_tokens_json_and_table(cli, project):
    f = good_file(project)
    data = cli("tokens", f, "--json").json()
    assert data["counted"] == 12 and data["total_tokens"] > 0
    assert data["provider"] == "openai"
    mistral = cli("tokens", f, "--provider", "mistral", "--json").json()
    assert mistral["model"] == get_model("mistral", mistral["model"]).id
    assert mistral["total_tokens"] != data["total_tokens"]
    assert cli("tokens", f).code == 0


def test_empty_file_and_empty_dataset_are_reported_not_crashed(cli, project):
    empty = project / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    r = cli("validate", empty)
    assert r.code == 1 and "internal error" not in r.err, r.err
    assert r.out.startswith("FAILED: 1 error(s), 0 warning(s) in 0 examples")
    assert "too_few_examples" in r.out
    assert cli("import", empty, "--name", "nothing").code == 0
    r = cli("validate", "nothing")
    assert r.code == 1 and "internal error" not in r.err, r.err
    assert "in 0 examples of dataset nothing" in r.out


def test_ctrl_c_stops_a_file_validation_cleanly(project):
    import os
    import signal
    import subprocess
    import sys
    import time

    big = write(project / "big.jsonl", [chat(f"question {i} " + "word " * 40, f"answer {i}")
                                        for i in range(300_000)])
    p = subprocess.Popen([sys.executable, "-m", "ftbuilder", "validate", big, "--json"],
                         cwd=project, env=dict(os.environ), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)

    def reading() -> bool:  # the file is open: the command is past its start-up
        fds = Path(f"/proc/{p.pid}/fd")
        try:
            return any(os.readlink(fds / fd) == str(big) for fd in os.listdir(fds))
        except OSError:
            return False

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not reading() and p.poll() is None:
        time.sleep(0.02)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert out == "" and "Traceback" not in err
    assert err.startswith("cancelled by the user")


def test_a_dataset_named_like_a_path_is_validated_by_name(cli, project):
    f = good_file(project)
    assert cli("import", f, "--name", "team/faq").code == 0
    r = cli("validate", "team/faq", "--json")
    assert r.code == 0, r.err
    assert r.json()["examples"] == 12
    r = cli("validate", "team/nothing")
    assert r.code == 1 and r.err.startswith("error: file team/nothing does not exist")


def test_fix_truncate_keeps_most_of_the_limit_and_then_validates(cli, project):
    """Issue 8.6: `--fix truncate` on an example 21x over the limit keeps 90-100% of it."""
    limit = get_model("openai", "gpt-3.5-turbo-0613").max_tokens_per_example
    big = " ".join(f"token{i % 503}" for i in range(45_000))
    f = write(project / "huge.jsonl", [chat(big, "short answer")] + [
        chat(f"q{i}", "a") for i in range(10)])
    cli("import", f, "--name", "cut", "--provider", "openai", "--model", "gpt-3.5-turbo-0613")
    over = cli("validate", "cut", "--json").json()
    assert over["summary"]["tokens_per_example"]["max"] > 21 * limit
    r = cli("validate", "cut", "--fix", "truncate", "--json")
    assert r.code == 0, r.out + r.err
    data = r.json()
    assert data["ok"] is True and data["examples"] == 11
    longest = data["summary"]["tokens_per_example"]["max"]
    assert 0.9 * limit <= longest <= limit, longest
    assert cli("validate", "cut").code == 0
