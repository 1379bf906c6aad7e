"""The model registry data file: every model of docs/providers.md, with sources and flags."""

import pytest

from ftbuilder.core.errors import NotFoundError
from ftbuilder.targets.registry import base_model_id, get_model, list_models, load_registry


def test_every_provider_has_models():
    for provider in ("openai", "anthropic", "google", "mistral", "llama"):
        assert list_models(provider), provider


def test_every_entry_has_a_source_and_a_tokenizer_and_format():
    for m in load_registry():
        assert m.source, m.id
        assert m.tokenizer and m.format, m.id


def test_openai_limits_from_providers_md():
    assert get_model("openai", "gpt-4o-mini-2024-07-18").max_tokens_per_example == 65536
    assert get_model("openai", "gpt-4.1-nano-2025-04-14").max_tokens_per_example == 32768
    assert get_model("openai", "gpt-3.5-turbo-0613").max_tokens_per_example == 4096
    assert get_model("openai", "gpt-3.5-turbo-0125").tokenizer == "cl100k_base"
    assert get_model("openai", "gpt-4o-2024-08-06").min_examples == 10


def test_unverified_numbers_are_flagged():
    haiku = get_model("anthropic", "claude-3-haiku-20240307")
    assert not haiku.is_verified("max_tokens_per_example")
    assert not haiku.is_verified("max_examples")
    assert haiku.is_verified("context")
    flash = get_model("google", "gemini-2.5-flash")
    assert flash.is_verified("max_tokens_per_example")
    assert not get_model("google", "gemini-2.5-pro").is_verified("max_examples")


def test_fine_tuned_ids_map_to_their_base():
    assert base_model_id("ft:gpt-4.1-2025-04-14:acme::abc123") == "gpt-4.1-2025-04-14"
    assert get_model("openai", "ft:gpt-4.1-2025-04-14:acme::abc123").id == "gpt-4.1-2025-04-14"


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(NotFoundError) as e:
        get_model("mistral", "mistral-huge")
    assert "open-mistral-7b" in str(e.value)
    with pytest.raises(NotFoundError, match="unknown provider"):
        get_model("cohere", "command")


@pytest.mark.parametrize(("provider", "alias", "snapshot"), [
    ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
    ("openai", "gpt-4.1", "gpt-4.1-2025-04-14"),
    ("google", "gemini-2.0-flash", "gemini-2.0-flash-001"),
    ("mistral", "mistral-small-latest", "mistral-small-2409"),
    ("mistral", "open-mistral-nemo", "open-mistral-nemo-2407"),
    ("llama", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Meta-Llama-3.1-8B-Instruct"),
])
def test_documented_aliases_resolve_to_their_snapshot(provider, alias, snapshot):
    from ftbuilder.targets.registry import resolve

    spec, said = resolve(provider, alias)
    assert spec.id == snapshot and said == f"model {alias} -> {snapshot}"
    assert resolve(provider, snapshot)[1] is None
    assert get_model(provider, f"ft:{alias}:org::x").id == snapshot if provider == "openai" \
        else True


def test_aliases_are_unique_and_never_another_entrys_id():
    ids = {(m.provider, m.id) for m in load_registry()}
    seen = set()
    for m in load_registry():
        for a in m.aliases:
            assert (m.provider, a) not in ids and (m.provider, a) not in seen
            seen.add((m.provider, a))
