"""config.yaml, .env.example and the prompt files shipped with the project."""

from __future__ import annotations

from pathlib import Path

import yaml

from ftbuilder.config import BASE_URL_VARS, KEY_VARS, OTHER_VARS, FileConfig, parse_config

REPO = Path(__file__).resolve().parents[2]


def leaf_keys(d: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in d.items():
        key = f"{prefix}{k}"
        out |= leaf_keys(v, key + ".") if isinstance(v, dict) else {key}
    return out


def test_config_yaml_has_every_key_with_the_default_value():
    data = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
    defaults = FileConfig().model_dump()
    assert leaf_keys(data) == leaf_keys(defaults)
    assert parse_config(data).model_dump() == defaults


def test_config_yaml_documents_every_key():
    text = (REPO / "config.yaml").read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if line.strip() and not line.lstrip()
            .startswith("#")]
    for line in body:
        if ":" in line and not line.rstrip().endswith(":"):
            assert "#" in line, f"undocumented key: {line.strip()}"


def test_env_example_lists_every_variable_and_no_value():
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    assigned = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    expected = {*KEY_VARS.values(), *BASE_URL_VARS.values(), *OTHER_VARS}
    assert set(assigned) == expected
    assert all(v == "" for v in assigned.values())


def test_prompt_files_exist_and_ask_for_the_json_shape():
    for mode in ("create", "identify", "hybrid"):
        text = (REPO / "prompts" / "system" / f"{mode}_mode.txt").read_text(encoding="utf-8")
        assert '{"conversations": [' in text
        assert '"keywords"' in text
    identify = (REPO / "prompts" / "system" / "identify_mode.txt").read_text(encoding="utf-8")
    assert "VERBATIM" in identify
    assert (REPO / "prompts" / "free_mode" / "prompt.txt").read_text(encoding="utf-8").strip()
    assert "prompt.txt" in (REPO / "prompts" / "free_mode" / "README.md").read_text("utf-8")
