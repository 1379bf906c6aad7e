"""`ftb build` in a real subprocess against LLM servers on 127.0.0.1 that misbehave on
purpose: keys echoed back everywhere, replies that are not JSON, replies trickled byte by
byte, keys that are malformed, a host name that does not resolve."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from agents.llm_fakes import request_id
from llm_stubs import BACKENDS, Reply, StubServer
from llm_stubs.hostile import Act, HostileServer

CANARY = "sk-canary-Zq8X3vT1mN5pL7wR9yB2cD4fG6hJ0kK1aS3dF5gH7"  # 51 characters
PIECES = [CANARY[i:i + 12] for i in range(len(CANARY) - 11)]


def _policy(project: Path, sections: int = 10, retries: int = 3) -> None:
    text = "\n\n".join(f"Section {i}. Refunds for plan {i} are issued within {i + 10} days. "
                       f"Items must be unused. Contact billing team {i}." for i in range(sections))
    (project / "input_files" / "policy.md").write_text(text, encoding="utf-8")
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text().replace("max_retries: 3", f"max_retries: {retries}")
                   .replace("chunk_tokens: 800", "chunk_tokens: 60")
                   .replace("chunk_overlap: 80", "chunk_overlap: 5"), encoding="utf-8")


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [p for p in PIECES if p in text or p.lower() in low]


def _store_text(db: Path) -> str:
    """Every value of every column of every table, as text."""
    con = sqlite3.connect(db)
    out = []
    for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in con.execute(f'SELECT * FROM "{table}"'):
            for v in row:
                out.append(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
    con.close()
    return "\n".join(out)


class _Canary:
    """A protocol whose model output repeats the key, in a user question, an answer and a
    keyword (each reply distinct, so each adds a sample)."""

    def __init__(self, base):
        self.base = base

    def __getattr__(self, name):
        return getattr(self.base, name)

    def echo(self, seen):
        rid = request_id(seen.body)[:12]
        return json.dumps({"conversations": [{"messages": [
            {"role": "user", "content": f"Question {rid}: is {CANARY} my key?"},
            {"role": "assistant", "content": f"Yes, {CANARY}; its tail is {CANARY[-20:]}."}],
            "keywords": [CANARY[5:30], "refunds"]}]})


@pytest.mark.fault
@pytest.mark.parametrize("backend", BACKENDS, ids=str)
def test_a_canary_key_echoed_in_every_way_appears_nowhere(ftb, project, backend):
    _policy(project)
    env = {backend.key_var: CANARY}
    flags = ["--agent-provider", backend.name, "--agent-model", "stub-model",
             "--concurrency", "1"]
    pad = "x" * 120  # puts the key across the 160-character cut of an error's detail
    error = backend.protocol.error
    with StubServer(_Canary(backend.protocol), CANARY) as server:
        url = server.url + backend.url_suffix
        server.queue(
            Reply(429, headers={"Retry-After": "0", "X-Echo-Key": CANARY},
                  body=error(429, f"slow down, {CANARY}")),
            Reply(500, headers={"X-Echo-Key": CANARY}, body=error(500, f"{pad} {CANARY}")),
            # two: openai and mistral take a first 400 for "no json_schema mode here"
            *[Reply(400, body=error(400, f"{pad} bad request with key {CANARY} here"))] * 2)
        first = ftb("build", "--mode", "create", "--name", "canary", "--size", "4", *flags,
                    "--base-url", url, env=env)
        server.queue(Reply(403, headers={"X-Echo-Key": CANARY},
                           body=error(403, f"{pad} key {CANARY} may not")))
        second = ftb("build", "--mode", "create", "--name", "canary", "--size", "8", *flags,
                     "--base-url", url, env=env)
        export = ftb("export", "canary", "--out", "exported", env=env)
    assert first.code == 0, first.err
    assert second.code == 1 and "error: the key in" in second.err and "HTTP 403" in second.err
    assert "4 examples written" in export.out, export.err  # exit 1: too few to validate
    # the key went over the wire, and came back in every way scripted
    assert any(CANARY in json.dumps(s.headers) for s in server.seen)
    db = project / "memory" / "test.db"
    store = _store_text(db)
    assert "[REDACTED]" in store  # the model's output was stored, without the key
    errors = [e for (e,) in sqlite3.connect(db).execute(
        "SELECT error FROM work_items WHERE status = 'failed'")]
    assert any("(HTTP 400)" in e for e in errors), errors  # the echoing errors were stored
    files = [p for p in project.rglob("*") if p.is_file() and p.suffix in
             (".jsonl", ".csv", ".json", ".log", ".txt") and "prompts" not in p.parts]
    assert any(p.suffix == ".jsonl" for p in files)
    texts = {"build stdout": first.out, "build stderr": first.err,
             "403 stdout": second.out, "403 stderr": second.err,
             "export stdout": export.out, "export stderr": export.err, "store": store,
             **{str(p): p.read_text(encoding="utf-8", errors="replace") for p in files}}
    for where, text in texts.items():
        assert not _leaks(text), f"a piece of the key is in {where}: {_leaks(text)[:2]}"


def _success(req, text):
    return json.dumps({
        "id": "x", "object": "chat.completion", "created": 0, "model": "stub-model",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10}}).encode()


def _good(req):
    rid = request_id(req.json())[:12]
    return json.dumps({"conversations": [{"messages": [
        {"role": "user", "content": f"What does clause {rid} say?"},
        {"role": "assistant", "content": f"Clause {rid} covers refunds."}],
        "keywords": ["refunds"]}]})


OPENAI = ["--agent-provider", "openai", "--agent-model", "stub-model", "--concurrency", "1"]


@pytest.mark.fault
def test_a_trickling_server_ends_the_run_on_its_own_with_an_error_and_hint(ftb, project):
    _policy(project, sections=3, retries=1)
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text().replace("timeout: 60 ", "timeout: 1 "), encoding="utf-8")
    assert "timeout: 1 " in cfg.read_text()
    with HostileServer(lambda req: Act(200, _success(req, _good(req)), trickle=0.2)) as s:
        t0 = time.monotonic()
        r = ftb("build", "--mode", "create", "--name", "slow", "--size", "20", *OPENAI,
                "--base-url", s.url + "/v1", timeout=120)
        elapsed = time.monotonic() - t0
        attempts = len(s.requests)
    assert r.code == 1
    err = r.err.splitlines()
    assert "Traceback" not in r.err and "internal error" not in r.err
    assert any(x.startswith("error: ") and "timeout" in x for x in err), r.err
    assert any(x.startswith("hint: ") and "system.timeout" in x and "ftb retry slow" in x
               for x in err), r.err
    # every attempt was cut at ~1 s: (attempts x 1 s) plus backoffs and start-up
    assert attempts >= 2 and elapsed < attempts * 1.6 + 15


@pytest.mark.fault
def test_replies_that_are_not_json_fail_their_items_and_the_build_goes_on(ftb, project):
    _policy(project, sections=8, retries=1)
    calls = [0]

    def behave(req):
        calls[0] += 1
        if calls[0] <= 2:  # one item's two attempts: a proxy's page, then a deep nest
            return Act(200, b"<html>502</html>" if calls[0] == 1 else b"[" * 3_000_000)
        return Act(200, _success(req, _good(req)))

    with HostileServer(behave) as s:
        r = ftb("build", "--mode", "create", "--name", "nj", "--size", "4", *OPENAI,
                "--base-url", s.url + "/v1", "--json")
    assert r.code == 0, r.err  # the size was reached despite the failed item
    gen = r.json()["stats"]["generation"]
    assert gen["items_failed"] == 1 and gen["failed_by"] == {"server": 1}
    assert gen["samples_added"] == 4
    db = sqlite3.connect(project / "memory" / "test.db")
    (status, error), = db.execute("SELECT status, error FROM work_items WHERE status != 'done'")
    assert status == "failed" and "not a usable API answer" in error
    assert db.execute("SELECT COUNT(*) FROM work_items WHERE status = 'pending'").fetchone() \
        == (0,)


@pytest.mark.fault
def test_a_build_ending_short_on_unusable_replies_says_error_and_hint(ftb, project):
    _policy(project, sections=2, retries=0)
    with HostileServer(lambda req: Act(200, b"<html>maintenance</html>",
                                       {"Content-Type": "text/html"})) as s:
        r = ftb("build", "--mode", "create", "--name", "down", "--size", "3", *OPENAI,
                "--base-url", s.url + "/v1")
    assert r.code == 1
    assert "Traceback" not in r.err and "internal error" not in r.err
    lines = r.err.splitlines()
    error = next(x for x in lines if x.startswith("error: "))
    assert "work items failed: server" in error or "not a usable API answer" in error
    assert any(x.startswith("hint: ") for x in lines)


@pytest.mark.fault
@pytest.mark.parametrize(("value", "what"), [
    ("sk-abc\ndef-0123456789", "a space or line break"),
    ("sk-é0123456789abcdef", "not plain ASCII"),
    ("sk-abc 0123456789", "a space or line break"),
])
def test_a_malformed_key_is_an_error_naming_the_variable_not_the_value(ftb, project, value,
                                                                      what):
    _policy(project, sections=2)
    r = ftb("build", "--mode", "create", "--name", "k", "--size", "2", "--agent-provider",
            "anthropic", env={"ANTHROPIC_API_KEY": value})
    assert r.code == 2, r.err
    lines = r.err.splitlines()
    assert lines[-2] == f"error: ANTHROPIC_API_KEY holds {what} inside the key" or \
        what in lines[-2]
    assert lines[-1].startswith("hint: set ANTHROPIC_API_KEY in .env")
    assert value[-10:] not in r.err and "internal error" not in r.err


@pytest.mark.fault
def test_a_key_with_a_trailing_newline_is_used_stripped(ftb, project):
    _policy(project, sections=2)
    key = "sk-test-trailing-0123456789"
    with StubServer(BACKENDS[0].protocol, key) as server:
        server.answer = json.dumps({"conversations": [{"messages": [
            {"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}],
            "keywords": ["k"]}]})
        r = ftb("build", "--mode", "create", "--name", "nl", "--size", "1", *OPENAI,
                "--base-url", server.url + "/v1", env={"OPENAI_API_KEY": key + "\n"})
    assert r.code == 0, r.err
    assert server.seen[0].headers["authorization"] == f"Bearer {key}"


@pytest.mark.fault
def test_a_base_url_that_does_not_resolve_is_an_error_and_hint(ftb, project):
    _policy(project, sections=2, retries=0)
    r = ftb("build", "--mode", "create", "--name", "dns", "--size", "2", *OPENAI,
            "--base-url", "http://nonexistent.invalid/v1", timeout=120)
    assert r.code == 1
    assert "Traceback" not in r.err and "internal error" not in r.err
    lines = r.err.splitlines()
    assert any(x.startswith("error: ") and "nonexistent.invalid" in x for x in lines), r.err
    assert any(x.startswith("hint: ") and "host name" in x for x in lines), r.err
