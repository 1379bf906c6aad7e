"""Configure: provider then model with its limits, validated as you type, saved to config.yaml."""

from __future__ import annotations

import yaml
from textual.widgets import Button, Select

from tui.helpers import SIZE, status_text, type_into


async def test_provider_change_lists_its_models_and_limits(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        limits = str(app.screen.query_one("#limits").render())
        assert "65,536" in limits and "UNVERIFIED" in limits  # gpt-4o-mini: context unverified
        app.screen.query_one("#provider", Select).value = "anthropic"
        await pilot.pause()
        model = app.screen.query_one("#model", Select)
        assert model.value == "claude-3-haiku-20240307"
        assert "claude-3-haiku-20240307" in str(app.screen.query_one("#limits").render())


async def test_size_capped_to_the_target_with_the_reason(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        app.screen.query_one("#provider", Select).value = "anthropic"
        await pilot.pause()
        await type_into(pilot, "#dataset_size", "50000")
        note = str(app.screen.query_one("#size-note").render())
        assert "size capped to 12,500" in note  # 10,000 training examples at 80% train
        assert "10,000" in note and "UNVERIFIED" in note


async def test_bad_value_is_named_and_blocks_saving(app, project):
    before = (project / "config.yaml").read_text()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await type_into(pilot, "#split_ratio", "1.5")
        assert "split.ratio" in status_text(app)
        assert app.screen.query_one("#save", Button).disabled
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
    assert (project / "config.yaml").read_text() == before


async def test_ctrl_s_saves_config_yaml(app, project, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await type_into(pilot, "#dataset_size", "240")
        await pilot.click("#mode RadioButton:last-of-type")  # free
        await pilot.press("escape", "ctrl+s")
        await pilot.pause()
        assert "saved" in status_text(app)
    data = yaml.safe_load((project / "config.yaml").read_text())
    assert data["dataset_size"] == 240 and data["mode"] == "free"
    assert ctx_with_data.settings.config.mode == "free"


async def test_every_field_and_mode_line_fits_the_form_at_120_columns(app):
    from textual.widgets import RadioButton

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert app.screen.query_one("#cfg-form").scroll_y == 0  # "Target provider" shows
        form = app.screen.query_one("#cfg-form").content_region
        for wid in ("#split_enabled", "#split_ratio", "#split_test", "#split_seed",
                    "#split_strategy", "#split_weight_by", "#dataset_size", "#output_name"):
            region = app.screen.query_one(wid).region
            assert region.x >= form.x and region.right <= form.right, wid
        for button in app.screen.query(RadioButton):  # "mode: what it does", not cut
            assert len(str(button.label)) + 4 <= button.content_region.width, button.label


async def test_an_alias_in_config_yaml_is_kept_and_resolved_in_the_limits(app, project):
    # Issue 10: the model field takes the ids users type; the panel names the snapshot.
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        model = app.screen.query_one("#model", Select)
        model.value = "gpt-4o-mini"
        await pilot.pause()
        limits = str(app.screen.query_one("#limits").render())
        assert "model gpt-4o-mini -> gpt-4o-mini-2024-07-18" in limits
        assert not app.screen.query_one("#save", Button).disabled
