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
