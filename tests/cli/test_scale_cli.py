"""The scale options of ``ftb build`` (docs/scale.md): a fleet of endpoints with per-endpoint
figures in the run report, ``ftb batches``, and the errors of options that cannot apply."""

from __future__ import annotations

import itertools
import json
import os
import sys

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


def test_engine_ray_without_ray_says_how_to_install(ftb, project, tmp_path) -> None:
    # Ray is installed here (make test installs the scale extra): a `ray` that cannot be
    # imported, first on the path of a real `ftb` process, stands for a machine without it
    blocker = tmp_path / "no_ray"
    blocker.mkdir()
    (blocker / "ray.py").write_text("raise ImportError('No module named ray')\n")
    r = ftb("build", "--mode", "identify", "--name", "r", "--engine", "ray",
            env={"PYTHONPATH": os.pathsep.join([str(blocker), *sys.path])})
    assert r.code == 1, r.err
    assert "error: --engine ray needs Ray" in r.err
    assert "pip install 'ftbuilder[scale]'" in r.err
    for command in (["filter", "any"], ["dedup", "any"]):  # said before the dataset is looked up
        r = ftb(*command, "--engine", "ray",
                env={"PYTHONPATH": os.pathsep.join([str(blocker), *sys.path])})
        assert r.code == 1, r.err
        assert "error: --engine ray needs Ray" in r.err and "Traceback" not in r.err
    # a config.yaml asking for Ray says the same for a command without the flag
    cfg = project / "config.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace("engine: local", "engine: ray"),
                   encoding="utf-8")
    r = ftb("dedup", "any", env={"PYTHONPATH": os.pathsep.join([str(blocker), *sys.path])})
    assert r.code == 1 and "error: --engine ray needs Ray" in r.err, r.err
