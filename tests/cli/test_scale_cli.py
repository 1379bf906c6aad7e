"""The scale options of ``ftb build`` (docs/scale.md): a fleet of endpoints with per-endpoint
figures in the run report, ``ftb batches``, and the errors of options that cannot apply."""

from __future__ import annotations

import importlib.util
import itertools
import json

import pytest

from llm_stubs.fleet import FleetServer

POLICY = "\n\n".join(
    f"Section {i}. Refunds for plan {i} are issued within {i + 10} days of the return. "
    f"Items must be unused. Contact billing team {i} for exceptions." for i in range(10))


_SEQ = itertools.count(1)


def _conversation(body, _: int) -> str:
    n = next(_SEQ)  # distinct across the servers of the fleet
    return json.dumps({"conversations": [{"messages": [
        {"role": "user", "content": f"Question {n}: how long do refunds for plan {n} take?"},
        {"role": "assistant", "content": f"Refunds for plan {n} take {n % 30 + 1} days."}],
        "keywords": ["refunds"]}]})


def test_build_on_a_fleet_reports_each_endpoint(cli, project) -> None:
    (project / "input_files" / "policy.md").write_text(POLICY, encoding="utf-8")
    with FleetServer(0.01, _conversation) as a, FleetServer(0.01, _conversation) as b:
        r = cli("build", "--mode", "create", "--name", "fleet", "--size", "20",
                "--agent-provider", "openai", "--agent-model", "fleet-model",
                "--base-url", a.url, "--base-url", b.url, "--concurrency", "8", "--yes")
    assert r.code == 0, r.err
    assert "fleet of 2 endpoints" in r.err
    assert a.answered > 0 and b.answered > 0
    assert f"endpoint {a.url}" in r.out and f"endpoint {b.url}" in r.out
    assert "20 samples added" in r.out


def test_batch_with_the_local_backend_says_why(cli, project) -> None:
    (project / "input_files" / "policy.md").write_text(POLICY, encoding="utf-8")
    r = cli("build", "--mode", "create", "--name", "b", "--size", "5", "--batch",
            "--agent-provider", "llama", "--base-url", "http://127.0.0.1:9/v1")
    assert r.code != 0
    assert "error: llama has no batch API" in r.err and "hint:" in r.err
    assert "Traceback" not in r.err


def test_batches_lists_nothing_yet(cli) -> None:
    r = cli("batches")
    assert r.code == 0 and "no batches" in r.out
    r = cli("batches", "collect")
    assert r.code == 2 and "no batches are waiting" in r.err


@pytest.mark.skipif(importlib.util.find_spec("ray") is not None,
                    reason="checks the message shown when Ray is NOT installed")
def test_engine_ray_without_ray_says_how_to_install(cli, project) -> None:
    r = cli("build", "--mode", "identify", "--name", "r", "--engine", "ray")
    assert r.code == 1
    assert "error: --engine ray needs Ray" in r.err
    assert "pip install 'ftbuilder[scale]'" in r.err
