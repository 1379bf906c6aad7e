"""A throw-away project for CLI tests: config.yaml, prompts and a store in tmp_path.

``cli`` runs ``main([...])`` in-process and returns (exit code, stdout, stderr);
``ftb`` runs the real command in a subprocess (``python -m ftbuilder``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ftbuilder.cli.main import main

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project root with the shipped config.yaml and prompts; FTB_DB inside it."""
    root = tmp_path / "proj"
    root.mkdir()
    shutil.copy(REPO / "config.yaml", root / "config.yaml")
    shutil.copytree(REPO / "prompts", root / "prompts")
    (root / "input_files").mkdir()
    monkeypatch.setenv("FTB_ROOT", str(root))
    monkeypatch.setenv("FTB_DB", str(root / "memory" / "test.db"))
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "MISTRAL_API_KEY",
                "LLAMA_API_KEY", "FTB_DEBUG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def cli(project, capsys):
    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        cap = capsys.readouterr()
        return Result(code, cap.out, cap.err)

    return run


@pytest.fixture
def ftb(project):
    def run(*argv: str, timeout: float = 240, env: dict | None = None) -> Result:
        full_env = {**os.environ, **(env or {})}
        p = subprocess.run([sys.executable, "-m", "ftbuilder", *map(str, argv)], cwd=project,
                           env=full_env, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
        return Result(p.returncode, p.stdout, p.stderr)

    return run
