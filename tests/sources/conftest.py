"""The replay server (tests/fixtures_replay.py) for the network sources' tests."""

from __future__ import annotations

import pytest

from fixtures_replay import Replay


@pytest.fixture
def replay():
    r = Replay()
    yield r
    r.close()
