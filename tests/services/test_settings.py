"""services.settings: config.yaml and prompt files edited from either face, the size check."""

from __future__ import annotations

import pytest
import yaml

from ftbuilder.core.errors import ConfigError, UsageError
from ftbuilder.services import settings as browse
from ftbuilder.services.context import open_context


@pytest.fixture
def ctx(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "# the target\nprovider: openai   # whose format\nmodel: gpt-4o-mini-2024-07-18\n"
        "split:\n  ratio: 0.8        # train share\n  seed: 42\n")
    c = open_context(tmp_path / "config.yaml", ":memory:", root=tmp_path, environ={})
    yield c
    c.close()


def test_size_check_caps_with_reason():
    check = browse.check_size("anthropic", "claude-3-haiku-20240307", 50_000, 0.8, True)
    assert check.size == 12_500 and "UNVERIFIED" in check.reasons[0]
    ok = browse.check_size("openai", "gpt-4o-mini-2024-07-18", 5, 0.8, True)
    assert ok.size == 5 and "at least 10" in ok.warnings[0]


def test_config_text_validated_and_comments_kept(ctx, tmp_path):
    with pytest.raises(ConfigError, match="line"):
        browse.check_config_text("provider: [openai\n")
    with pytest.raises(ConfigError, match="mode"):
        browse.save_config_text(ctx, "mode: guess\n")
    config = ctx.settings.config.model_copy(deep=True)
    config.split.ratio = 0.75
    config.model = "gpt-4.1-2025-04-14"
    browse.save_config_keeping_comments(ctx, config)
    text = (tmp_path / "config.yaml").read_text()
    assert "  ratio: 0.75       # train share" in text and "# the target" in text
    assert "provider: openai   # whose format" in text
    assert yaml.safe_load(text)["model"] == "gpt-4.1-2025-04-14"


def test_prompts_stay_inside_prompts_dir(ctx, tmp_path):
    assert browse.prompt_files(ctx)[0] == "free_mode/prompt.txt"
    assert browse.read_prompt(ctx, "free_mode/prompt.txt") == ""
    browse.write_prompt(ctx, "free_mode/prompt.txt", "hello")
    assert (tmp_path / "prompts" / "free_mode" / "prompt.txt").read_text() == "hello"
    with pytest.raises(UsageError):
        browse.write_prompt(ctx, "../escape.txt", "x")


def test_config_get_and_set_keep_comments(ctx, tmp_path):
    assert browse.get_value(ctx, "split.ratio") == 0.8
    browse.set_value(ctx, "split.ratio", "0.7")
    text = (tmp_path / "config.yaml").read_text()
    assert "  ratio: 0.7        # train share" in text and "# the target" in text
    assert ctx.settings.config.split.ratio == 0.7
    with pytest.raises(UsageError):
        browse.get_value(ctx, "split.nope")
    with pytest.raises(ConfigError):
        browse.set_value(ctx, "split.ratio", "2")
    assert yaml.safe_load((tmp_path / "config.yaml").read_text())["split"]["ratio"] == 0.7
