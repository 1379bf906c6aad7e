"""Curate (u) with ``system.engine: ray`` in config.yaml (what Settings edits): the checks and
the near-duplicate removal run on a local Ray and flag and remove what the local engine does
(docs/scale.md). Ray is the scale extra; ``make test`` installs it (FTB_REQUIRE_RAY=1)."""

from __future__ import annotations

import importlib.util
import os

import pytest

from ftbuilder.services import browse
from ftbuilder.tui.app import create_app
from tui.helpers import SIZE, settle, wait_until
from tui.test_curate import _planted

if importlib.util.find_spec("ray") is None:
    if os.environ.get("FTB_REQUIRE_RAY") == "1":
        raise RuntimeError("FTB_REQUIRE_RAY=1 but Ray is not installed: pip install '.[scale]'")
    pytest.skip("Ray is not installed here (pip install '.[scale]'; make test installs it)",
                allow_module_level=True)


async def test_curation_runs_on_ray_when_config_says_so(ctx):
    _planted(ctx)
    ctx.settings.config.system.engine = "ray"
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("u")
        await settle(pilot)
        await pilot.click("#check")
        summary = app.screen.query_one("#summary")
        await wait_until(pilot, lambda: "filter:" in str(summary.render()), timeout=120)
        assert "filter: 2 of 4 samples flagged on Ray" in str(summary.render())
        flags = dict(browse.flags(ctx, "cur"))
        assert flags["grounding"] == 1 and flags["truncated"] == 1
        await pilot.click("#dedup")
        await settle(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: "dedup:" in str(summary.render()), timeout=120)
        assert "dedup: 1 of 4 samples removed on Ray" in str(summary.render())
        assert ctx.store.get_dataset("cur").total_samples == 3
