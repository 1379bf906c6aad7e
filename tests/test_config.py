"""Settings: config.yaml + .env + environment, validated with errors naming key and value."""

from pathlib import Path

import pytest

from ftbuilder.config import load_settings, parse_config, save_config
from ftbuilder.core.errors import ConfigError, MissingKeyError


def write(p: Path, text: str) -> Path:
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_config_file(tmp_path):
    s = load_settings(root=tmp_path, environ={})
    assert s.config.provider == "openai"
    assert s.config.mode == "identify"
    assert s.config.split.ratio == 0.8
    assert s.db_path == tmp_path / "memory" / "dataset_builder.db"


def test_values_from_yaml(tmp_path):
    write(tmp_path / "config.yaml",
          "provider: mistral\nmodel: open-mistral-7b\nsplit:\n  ratio: 0.9\n")
    s = load_settings(root=tmp_path, environ={})
    assert (s.config.provider, s.config.model, s.config.split.ratio) == (
        "mistral", "open-mistral-7b", 0.9)


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("provider: cohere\n", "'provider' = 'cohere'"),
    ("mode: magic\n", "'mode' = 'magic'"),
    ("split:\n  ratio: 1.5\n", "'split.ratio' = 1.5"),
    ("dataset_size: 0\n", "'dataset_size' = 0"),
    ("colour: blue\n", "unknown key 'colour'"),
    ("agent:\n  create:\n    temperature: 3\n", "'agent.create.temperature' = 3"),
])
def test_bad_values_name_the_key_and_value(tmp_path, yaml_text, expected):
    write(tmp_path / "config.yaml", yaml_text)
    with pytest.raises(ConfigError) as e:
        load_settings(root=tmp_path, environ={})
    assert expected in str(e.value)


def test_allowed_values_are_listed(tmp_path):
    write(tmp_path / "config.yaml", "provider: cohere\n")
    with pytest.raises(ConfigError) as e:
        load_settings(root=tmp_path, environ={})
    for p in ("openai", "anthropic", "google", "mistral", "llama"):
        assert p in str(e.value)


def test_test_share_must_leave_room_for_validation(tmp_path):
    write(tmp_path / "config.yaml", "split:\n  ratio: 0.9\n  test: 0.1\n")
    with pytest.raises(ConfigError, match=r"split\.test"):
        load_settings(root=tmp_path, environ={})


def test_invalid_yaml_names_the_line(tmp_path):
    write(tmp_path / "config.yaml", "provider: openai\n  model: [\n")
    with pytest.raises(ConfigError, match="line"):
        load_settings(root=tmp_path, environ={})


def test_env_file_and_environment(tmp_path):
    write(tmp_path / ".env", "OPENAI_API_KEY=sk-from-dotenv-1234\nMISTRAL_API_KEY=m-5678abcd\n")
    s = load_settings(root=tmp_path, environ={"MISTRAL_API_KEY": "m-env-wins-0000"})
    assert s.key_for("openai") == "sk-from-dotenv-1234"
    assert s.key_for("mistral") == "m-env-wins-0000"


def test_missing_key_names_the_variable(tmp_path):
    s = load_settings(root=tmp_path, environ={})
    with pytest.raises(MissingKeyError) as e:
        s.key_for("anthropic")
    assert "ANTHROPIC_API_KEY" in str(e.value)
    assert s.key_for("anthropic", required=False) is None


def test_secrets_are_masked_and_redacted(tmp_path):
    s = load_settings(root=tmp_path, environ={"OPENAI_API_KEY": "sk-test-SECRET123456"})
    status = s.key_status()
    assert status["OPENAI_API_KEY"] == "set (…3456)"
    assert status["GOOGLE_API_KEY"] == "missing"
    assert "SECRET" not in str(s.public_dict())
    assert s.redact("auth failed for sk-test-SECRET123456") == "auth failed for ***"


def test_save_config_round_trip(tmp_path):
    s = load_settings(root=tmp_path, environ={})
    cfg = s.config.model_copy(update={"output_name": "support_bot"})
    save_config(s, cfg)
    again = load_settings(root=tmp_path, environ={})
    assert again.config.output_name == "support_bot"


def test_parse_config_rejects_a_list():
    with pytest.raises(ConfigError, match="mapping"):
        parse_config([1, 2])  # type: ignore[arg-type]


def test_ftb_db_env_overrides_path(tmp_path):
    s = load_settings(root=tmp_path, environ={"FTB_DB": str(tmp_path / "x.db")})
    assert s.db_path == tmp_path / "x.db"


def test_model_must_be_one_of_the_providers(tmp_path):
    write(tmp_path / "config.yaml", "provider: openai\nmodel: gpt-99\n")
    with pytest.raises(ConfigError) as e:
        load_settings(root=tmp_path, environ={})
    assert "'model' = 'gpt-99'" in str(e.value) and "gpt-4o-mini-2024-07-18" in str(e.value)
    assert e.value.exit_code == 2
    write(tmp_path / "config.yaml", "provider: anthropic\nmodel: gpt-4o-mini-2024-07-18\n")
    with pytest.raises(ConfigError, match="not a model of anthropic: one of claude-3-haiku"):
        load_settings(root=tmp_path, environ={})


def test_a_provider_alone_takes_its_first_model(tmp_path):
    from ftbuilder.targets.registry import default_model

    write(tmp_path / "config.yaml", "provider: mistral\n")
    s = load_settings(root=tmp_path, environ={})
    assert (s.config.provider, s.config.model) == ("mistral", default_model("mistral").id)
    write(tmp_path / "config.yaml", "provider: openai\nmodel: ft:gpt-4o-mini-2024-07-18:o::x\n")
    assert load_settings(root=tmp_path, environ={}).config.model.startswith("ft:")
