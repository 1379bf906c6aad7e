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



@pytest.fixture
def small_disk(tmp_path):
    """A factory of real, small tmpfs mounts (a disk that fills up): ``small_disk("1m")``
    returns a mounted folder; every mount is undone after the test (tests/fixtures_faults.py).
    """
    import fixtures_faults

    mounts = []

    def mount(size: str = "512k"):
        d = tmp_path / f"disk{len(mounts)}"
        fixtures_faults.mount_tmpfs(d, size)
        mounts.append(d)
        return d

    yield mount
    for d in reversed(mounts):
        fixtures_faults.unmount(d)


@pytest.fixture(scope="session")
def embedded_gguf():
    """The shipped GGUF of the embedded backend (assembled at install time)."""
    from ftbuilder.backends.embedded import gguf_path

    return gguf_path()
