"""A build beyond any plausible budget stops before its first paid call (issue 8.12): the real
command against an OpenAI-compatible server on 127.0.0.1 that counts the requests it gets."""

from __future__ import annotations

import re

import pytest
import yaml

from agents.llm_fakes import ChatStub

KEY = {"OPENAI_API_KEY": "sk-budget-test-0000"}


def configure(project, **system) -> None:
    cfg = yaml.safe_load((project / "config.yaml").read_text(encoding="utf-8"))
    cfg["system"].update(system)
    (project / "config.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    (project / "input_files" / "policy.txt").write_text(
        "Refunds are paid within 14 days of a return. " * 80, encoding="utf-8")


def build(ftb, stub, size, *extra, model="gpt-4o-mini"):
    return ftb("build", "--mode", "create", "--input", "input_files", "--name", "big",
               "--size", size, "--agent-provider", "openai", "--agent-model", model,
               "--base-url", stub.url, *extra, env=KEY)


@pytest.mark.fault
def test_a_build_over_max_cost_makes_no_call(ftb, project):
    configure(project)  # default system.max_cost_usd: 5
    with ChatStub() as stub:
        r = build(ftb, stub, 20_000)
        assert stub.total == 0  # not one request
    assert r.code == 2, r.err
    m = re.search(r"^error: this build would make ([\d,]+) calls to openai/gpt-4o-mini, about "
                  r"\$([\d.,]+) \(unverified price\) \(over system.max_cost_usd \$5\)$", r.err,
                  re.M)
    assert m, r.err
    assert int(m.group(1).replace(",", "")) == 6_667 and float(m.group(2)) > 5
    assert "hint: confirm with --yes" in r.err and "system.max_cost_usd" in r.err
    assert "big" not in ftb("datasets", env=KEY).out  # nothing written either


@pytest.mark.fault
def test_yes_confirms_and_the_build_runs(ftb, project):
    configure(project, max_cost_usd=0.001, max_retries=0)
    with ChatStub() as stub:
        refused = build(ftb, stub, 12)
        assert refused.code == 2 and stub.total == 0, refused.err
        assert "over system.max_cost_usd $0.001" in refused.err
        done = build(ftb, stub, 12, "--yes")
        assert done.code == 0, done.err
        assert stub.total >= 4  # 12 samples, 3 per call
    assert "12" in ftb("datasets", env=KEY).out


@pytest.mark.fault
def test_an_unpriced_paid_backend_is_capped_by_size(ftb, project):
    configure(project)
    with ChatStub() as stub:
        r = build(ftb, stub, 150_000, model="my-proxy-model")
        assert stub.total == 0
    assert r.code == 2
    assert "at an unknown price (150,000 samples, over the 100,000 of a paid build)" in r.err


@pytest.mark.fault
def test_retry_is_checked_too(ftb, project):
    """A build whose calls all failed: retry prices what is left, and --yes runs it."""
    configure(project, max_cost_usd=0.001, max_retries=0)
    with ChatStub(fail_first=10_000) as stub:
        first = build(ftb, stub, 12, "--yes")
        assert first.code != 0 and stub.total > 0, first.err
        stub.fail_first = 0  # the server is back
        before = stub.total
        r = ftb("retry", "big", env=KEY)
        assert r.code == 2 and stub.total == before, r.err
        assert "over system.max_cost_usd $0.001" in r.err and "--yes" in r.err
        r = ftb("retry", "big", "--yes", env=KEY)
        assert r.code == 0 and stub.total > before, r.err


@pytest.mark.fault
def test_a_batch_build_is_priced_at_batch_prices_before_it_sends_anything(ftb, project):
    configure(project)  # default system.max_cost_usd: 5
    with ChatStub() as stub:
        live = build(ftb, stub, 30_000)
        batch = build(ftb, stub, 30_000, "--batch")
        assert stub.total == 0  # neither sent a request, nor uploaded a batch file
    cost = r"about \$([\d.,]+) \(unverified price\)"
    live_cost = float(re.search(cost, live.err).group(1).replace(",", ""))
    m = re.search(cost + " at batch prices", batch.err)
    assert batch.code == 2 and m, batch.err
    assert float(m.group(1).replace(",", "")) == pytest.approx(live_cost / 2, rel=0.01)
