"""``ftb build --batch`` against loopback servers speaking each provider's batch API
(tests/llm_stubs/batch.py): exactly the requested samples, the batch id stored before the
results are read, item errors and expiry retried (in a new batch or live), partial results
kept, batch prices; and a real ``ftb build --batch`` killed with SIGKILL after the batch was
sent, run again, creates no second batch."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from agents.llm_fakes import REPO, project_settings
from ftbuilder.services.build import BuildRequest, build
from ftbuilder.services.context import AppContext
from ftbuilder.store.db import Store
from llm_stubs import KEY
from llm_stubs.batch import BatchStub

PROVIDERS = {"openai": ("OPENAI_API_KEY", "OPENAI_BASE_URL", "gpt-4o-mini"),
             "anthropic": ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "claude-haiku-4-5"),
             "google": ("GOOGLE_API_KEY", "GOOGLE_BASE_URL", "gemini-2.5-flash"),
             "mistral": ("MISTRAL_API_KEY", "MISTRAL_BASE_URL", "mistral-small-latest")}
POLICY = "\n\n".join(
    f"Section {i}. Refunds for plan {i} are issued within {i + 10} days of the return. "
    f"Items must be unused. Contact billing team {i} for exceptions." for i in range(10))
CONFIG = {"agent": {"create": {"chunk_tokens": 120, "chunk_overlap": 10,
                               "samples_per_call": 1}},
          "system": {"max_retries": 0}}


def _ctx(root: Path, provider: str, stub: BatchStub) -> AppContext:
    key_var, url_var, _ = PROVIDERS[provider]
    settings = project_settings(root, env={key_var: KEY, url_var: stub.base_url,
                                           "FTB_BATCH_POLL_S": "0.05"}, **CONFIG)
    return AppContext(settings, Store(root / "store.db"))


def _request(root: Path, provider: str, size: int, retry: str = "batch") -> BuildRequest:
    (root / "input").mkdir(exist_ok=True)
    (root / "input" / "policy.md").write_text(POLICY, encoding="utf-8")
    return BuildRequest("create", [root / "input"], "batched", "openai",
                        "gpt-4o-mini-2024-07-18", size=size, agent_provider=provider,
                        agent_model=PROVIDERS[provider][2], batch=True, batch_retry=retry,
                        confirmed=True)


@pytest.mark.fault
@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_batch_build_makes_exactly_the_size_at_batch_prices(tmp_path: Path,
                                                            provider: str) -> None:
    with BatchStub(provider, KEY) as stub:
        ctx = _ctx(tmp_path, provider, stub)
        result = build(ctx, _request(tmp_path, provider, 12))
    assert ctx.store.get_dataset("batched").total_samples == 12
    assert result.samples_added == 12
    assert stub.creates == 1
    rows = ctx.store.batches()
    assert len(rows) == 1 and rows[0]["batch_id"] and rows[0]["collected"]
    gen = result.stats["generation"]
    assert gen["batch"]["batches"] == [rows[0]["batch_id"]]
    sent = gen["batch"]["sent"]
    assert sent >= 12 and gen["requests"] == sent
    # 100 prompt + 40 completion tokens per reply, at half the list price
    from ftbuilder.backends.prices import agent_price

    p = agent_price(provider, PROVIDERS[provider][2])
    full = (100 * sent * p.input_per_1m + 40 * sent * p.output_per_1m) / 1e6
    assert gen["estimated_cost_usd"] == pytest.approx(full / 2, abs=2e-6)
    assert gen["estimated_cost_usd"] < full * 0.6


@pytest.mark.fault
@pytest.mark.parametrize("retry", ["batch", "live"])
def test_failed_and_expired_items_are_retried_partial_results_kept(tmp_path: Path,
                                                                   retry: str) -> None:
    with BatchStub("openai", KEY) as stub:
        first: dict[str, int] = {}
        orig_new = stub._new_batch

        def new_batch(reqs, meta, bid):
            b = orig_new(reqs, meta, bid)
            if not first:  # the first batch: one item errors, the last third expires
                first["n"] = len(reqs)
                stub.errored = {reqs[0][0]}
                stub.expire_after = len(reqs) * 2 // 3
            else:
                stub.errored, stub.expire_after = set(), None
            return b

        stub._new_batch = new_batch  # type: ignore[method-assign]
        live: list[str] = []
        if retry == "live":  # the live endpoint is the same server's chat route
            orig = stub._route_openai

            def route(method, path, headers, raw):
                if path == "/v1/chat/completions":
                    body = json.loads(raw)
                    live.append(body["messages"][-1]["content"])
                    return 200, stub._chat(f"live{len(live)}", body, body["model"])
                return orig(method, path, headers, raw)

            stub._route_openai = route  # type: ignore[method-assign]
        ctx = _ctx(tmp_path, "openai", stub)
        result = build(ctx, _request(tmp_path, "openai", 12, retry))
    assert ctx.store.get_dataset("batched").total_samples == 12
    rows = ctx.store.batches()
    first_ok = rows[0]["counts"]["succeeded"]
    assert 0 < first_ok < first["n"]  # partial results of the expired batch were kept
    if retry == "batch":
        assert stub.creates >= 2 and not live
    else:
        assert stub.creates == 1 and live  # the failed items were asked live
    assert result.samples_added == 12


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as con:
            return con.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _cli(root: Path, provider: str, stub: BatchStub, *args: str) -> subprocess.Popen:
    key_var, url_var, _ = PROVIDERS[provider]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(FTB_ROOT=str(root), PYTHONPATH=str(REPO / "src"), FTB_BATCH_POLL_S="0.2",
               **{key_var: KEY, url_var: stub.base_url})
    cmd = [sys.executable, "-m", "ftbuilder", "--db", str(root / "store.db"), *args]
    return subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def _build_args(root: Path, provider: str, size: int) -> list[str]:
    return ["build", "--mode", "create", "--input", str(root / "input"), "--name", "killed",
            "--provider", "openai", "--model", "gpt-4o-mini-2024-07-18", "--size", str(size),
            "--agent-provider", provider, "--agent-model", PROVIDERS[provider][2], "--batch",
            "--yes"]


@pytest.mark.fault
@pytest.mark.slow
@pytest.mark.parametrize("provider", list(PROVIDERS))
@pytest.mark.parametrize("again", ["build", "collect"])
def test_sigkill_after_submission_then_again_sends_no_second_batch(
        tmp_path: Path, provider: str, again: str) -> None:
    project_settings(tmp_path)  # copies prompts/
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(CONFIG))
    (tmp_path / "input").mkdir()
    (tmp_path / "input" / "policy.md").write_text(POLICY, encoding="utf-8")
    db = tmp_path / "store.db"
    size = 10
    with BatchStub(provider, KEY) as stub:
        stub.states = stub.states[:1] * 40 + stub.states[1:]  # the batch runs a while
        proc = _cli(tmp_path, provider, stub, *_build_args(tmp_path, provider, size))
        deadline = time.monotonic() + 120
        while _count(db, "SELECT COUNT(*) FROM batches WHERE batch_id != ''") < 1:
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "no batch was sent"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert stub.creates == 1
        assert _count(db, "SELECT COUNT(*) FROM samples") == 0
        stub.states = list(BatchStub.STATES[provider])  # it finishes now
        args = _build_args(tmp_path, provider, size) if again == "build" \
            else ["batches", "collect", "killed"]
        out = _cli(tmp_path, provider, stub, *args)
        text = out.communicate(timeout=180)[0].decode()
        assert out.returncode == 0, text
        assert stub.creates == 1, text  # the stored batch was collected, none sent again
        listing = _cli(tmp_path, provider, stub, "batches", "--json")
        rows = json.loads(listing.communicate(timeout=60)[0])
    assert _count(db, "SELECT COUNT(*) FROM samples") == size
    assert _count(db, "SELECT COUNT(DISTINCT content_hash) FROM samples") == size
    assert len(rows) == 1 and rows[0]["collected"] and rows[0]["batch_id"]
