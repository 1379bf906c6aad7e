"""Fixtures for the TUI tests: a project in tmp_path and the app built with ``create_app`` (the
factory `ftb tui` uses). No key is set (environ={}), as for a new user without keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ftbuilder.services.context import AppContext, open_context
from ftbuilder.tui.app import FtbApp, create_app
from tui.helpers import add_dataset, write_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    write_project(root)
    return root


@pytest.fixture
def ctx(project: Path):
    c = open_context(project / "config.yaml", project / "memory" / "store.db", root=project,
                     environ={})
    yield c
    c.close()


@pytest.fixture
def ctx_with_data(ctx: AppContext) -> AppContext:
    add_dataset(ctx)
    return ctx


@pytest.fixture
def app(ctx_with_data: AppContext) -> FtbApp:
    return create_app(ctx_with_data)
