"""Shared test fixtures. Its folder (tests/) is on sys.path, so ``import fixtures_docs`` works.

Append new shared fixtures here; keep area-specific ones in tests/<area>/conftest.py.
"""

from __future__ import annotations

import types

import pytest

import fixtures_docs


@pytest.fixture
def docs() -> types.ModuleType:
    """Builders of real PDF/DOCX/XLSX/PPTX/text files (see tests/fixtures_docs.py)."""
    return fixtures_docs
