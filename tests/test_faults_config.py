"""Abusive config.yaml: a YAML alias bomb, huge values; errors stay short and memory bounded."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.core.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def alias_bomb(levels: int = 8) -> str:
    """About 350 bytes that expand to 9**levels strings (8 levels: a 312 MB error line)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghijk"[:levels - 1]:
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    lines.append(f"dataset_size: *{prev}")
    return "\n".join(lines) + "\n"


def _limit_memory() -> None:  # in the child: 1.5 GB of address space at most
    cap = 1536 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


@pytest.mark.fault
@pytest.mark.parametrize("levels", [8, 9])
def test_yaml_alias_bomb_is_refused_quickly_with_a_short_error(tmp_path, levels):
    """Issue 8.9: the real bomb, through the real command, under a memory limit."""
    (tmp_path / "config.yaml").write_text(alias_bomb(levels), encoding="utf-8")
    assert (tmp_path / "config.yaml").stat().st_size < 420
    env = {**os.environ, "FTB_ROOT": str(tmp_path), "FTB_DB": str(tmp_path / "s.db"),
           "PYTHONPATH": str(REPO / "src")}
    started = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "ftbuilder", "datasets"], cwd=tmp_path, env=env,
                       capture_output=True, timeout=60, preexec_fn=_limit_memory,
                       stdin=subprocess.DEVNULL)
    assert time.monotonic() - started < 30
    err = p.stderr.decode()
    assert p.returncode == 2, err[:2000]
    assert len(p.stdout) + len(p.stderr) < 1000, len(p.stderr)
    assert err.startswith("error: ") and "config.yaml uses YAML aliases (&/*)" in err
    assert "which ftb does not accept" in err
    assert "hint: " in err and "internal error" not in err


@pytest.mark.fault
def test_an_anchor_alone_is_refused_too(tmp_path):
    (tmp_path / "config.yaml").write_text("split: &s {ratio: 0.9}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"aliases \(&/\*\) at line 1"):
        load_settings(root=tmp_path, environ={})


@pytest.mark.fault
def test_a_huge_value_makes_a_bounded_error(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "mode: " + "x" * 500_000 + "\nmodel: " + "y" * 300_000 + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(root=tmp_path, environ={})
    assert "'mode' = 'xxx" in e.value.message and len(e.value.message) <= 1100


@pytest.mark.fault
def test_a_deeply_nested_value_makes_a_bounded_error(tmp_path):
    (tmp_path / "config.yaml").write_text("dataset_size: " + "[" * 60 + "]" * 60 + "\n",
                                          encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(root=tmp_path, environ={})
    assert "dataset_size" in e.value.message and len(e.value.message) <= 1100
    (tmp_path / "config.yaml").write_text("dataset_size: " + "[" * 5000 + "]" * 5000 + "\n",
                                          encoding="utf-8")
    with pytest.raises(ConfigError, match="nests lists or mappings too deeply"):
        load_settings(root=tmp_path, environ={})


@pytest.mark.fault
def test_an_oversized_config_file_is_refused(tmp_path):
    (tmp_path / "config.yaml").write_text("# pad\n" * 200_000, encoding="utf-8")
    with pytest.raises(ConfigError, match="a config file is at most"):
        load_settings(root=tmp_path, environ={})


@pytest.mark.fault
def test_the_settings_editor_refuses_aliases_too():
    from ftbuilder.services.settings import check_config_text

    with pytest.raises(ConfigError, match="aliases"):
        check_config_text(alias_bomb(8))
