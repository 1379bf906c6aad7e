"""`ftb models`: the registry with UNVERIFIED figures marked, as a table and as JSON."""

from __future__ import annotations

from ftbuilder.targets.registry import get_model, list_models


def test_models_json_lists_every_registry_entry(cli):
    r = cli("models", "--json")
    assert r.code == 0
    data = r.json()
    assert [(m["provider"], m["id"]) for m in data] == [(m.provider, m.id) for m in list_models()]
    first = data[0]
    for key in ("format", "tokenizer", "max_tokens_per_example", "unverified", "source"):
        assert key in first


def test_unverified_fields_are_marked_in_json_and_table(cli):
    spec = get_model("anthropic", "claude-3-haiku-20240307")
    assert "max_tokens_per_example" in spec.unverified
    data = cli("models", "--provider", "anthropic", "--json").json()
    assert len(data) == 1
    assert "max_tokens_per_example" in data[0]["unverified"]

    table = cli("models", "--provider", "anthropic").out
    row = next(line for line in table.splitlines() if "claude-3-haiku" in line)
    assert f"{spec.max_tokens_per_example:,} UNVERIFIED" in row
    assert f"{spec.context:,} UNVERIFIED" not in row  # the 200K context is sourced
    assert "UNVERIFIED: no confirmed public source" in table


def test_verified_limit_is_shown_plain(cli):
    spec = get_model("openai", "gpt-4.1-nano-2025-04-14")
    assert spec.is_verified("max_tokens_per_example")
    table = cli("models", "--provider", "openai").out
    row = next(line for line in table.splitlines() if spec.id in line)
    assert f"{spec.max_tokens_per_example:,} " in row
    assert f"{spec.max_tokens_per_example:,} UNVERIFIED" not in row


def test_provider_filter(cli):
    data = cli("models", "--provider", "mistral", "--json").json()
    assert data and {m["provider"] for m in data} == {"mistral"}


def test_models_subprocess_json_only_on_stdout(ftb):
    r = ftb("models", "--json", "--provider", "google")
    assert r.code == 0
    import json

    assert {m["provider"] for m in json.loads(r.out)} == {"google"}
    assert r.err == ""
