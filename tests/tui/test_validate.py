"""Validate: the target's report, jump to a violating sample, fixes that ask first."""

from __future__ import annotations

from textual.widgets import DataTable

from tui.helpers import SIZE, add_dataset, settle, status_text


async def test_report_jump_and_truncate(ctx, project):
    from ftbuilder.tui.app import create_app

    # two samples of ~5,000 tokens: over gpt-3.5-turbo-0613's 4,096 per example
    add_dataset(ctx, "long", n=12, over_limit=2, model="gpt-3.5-turbo-0613")
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "v")
        await settle(pilot)
        report = app.screen.report
        assert not report.ok and report.over_limit == 2
        table = app.screen.query_one("#violations", DataTable)
        first = [str(c) for c in table.get_row_at(0)]
        assert first[2] == "too_many_tokens"
        assert "✗" in str(app.screen.query_one("#verdict").render())
        summary = str(app.screen.query_one("#summary").render())
        assert "over it: 2" in summary and "cost estimate" in summary

        # enter on the violation opens that sample in Review
        await pilot.click("#violations")
        await pilot.press("home", "enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "SampleScreen"
        assert app.screen.conv.id == int(first[1])
        await pilot.press("escape", "6")
        await pilot.pause()

        # truncate asks first; "n" changes nothing
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("n")
        await settle(pilot)
        assert ctx.store.get_sample(int(first[1])).token_count > 4096
        await pilot.press("t")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert "fixed" in status_text(app) or app.screen.report.over_limit == 0
        await settle(pilot)
        assert app.screen.report.over_limit == 0
        assert ctx.store.get_dataset("long").total_samples == 12
        # the histogram follows the truncated lengths (its top was ~5,000 tokens)
        top = max(s.token_count for s in ctx.store.iter_samples(
            ctx.store.get_dataset("long").id))
        assert f"{top:,}" in str(app.screen.query_one("#histogram").render())
        assert list((project / "memory" / "backups").glob("*fix*.db"))


async def test_drop_over_limit(ctx):
    from ftbuilder.tui.app import create_app

    add_dataset(ctx, "long", n=12, over_limit=2, model="gpt-3.5-turbo-0613")
    app = create_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "v")
        await settle(pilot)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        await settle(pilot)
        assert ctx.store.get_dataset("long").total_samples == 10
        assert app.screen.report.over_limit == 0


async def test_changing_the_dataset_or_target_clears_the_old_report(ctx):
    from textual.widgets import Select

    from ftbuilder.tui.app import create_app

    add_dataset(ctx, "long", n=12, over_limit=2, model="gpt-3.5-turbo-0613")
    add_dataset(ctx, "short", n=12)
    app = create_app(ctx)
    app.dataset = "long"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6", "v")
        await settle(pilot)
        assert app.screen.report.over_limit == 2
        app.screen.query_one("#dataset", Select).value = "short"
        await pilot.pause()
        # the report of 'long' must not stand for 'short', nor drive its fix buttons
        assert app.screen.report is None
        assert "✗" not in str(app.screen.query_one("#verdict").render())
        assert app.screen.query_one("#violations", DataTable).row_count == 0
        assert app.screen.query_one("#drop").disabled and app.screen.query_one("#truncate").disabled
        await pilot.press("d")
        await pilot.pause()
        assert type(app.screen).__name__ == "ValidateScreen"  # no dialog: validate first
        assert "validate first" in status_text(app)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.report.ok and app.screen.report.examples == 12
        app.screen.query_one("#provider", Select).value = "mistral"
        await pilot.pause()
        assert app.screen.report is None and "v validates" in status_text(app)
        # another dataset picked elsewhere (Home, Review) also retires the report
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.report is not None
        app.dataset = "long"
        await pilot.press("1", "6")
        await pilot.pause()
        assert app.screen.report is None


async def test_a_long_model_id_fits_its_field(app):
    from textual.widgets import Select

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("6")
        await pilot.pause()
        app.screen.query_one("#provider", Select).value = "llama"
        await pilot.pause()
        model = app.screen.query_one("#model", Select)
        model.value = "meta-llama/Meta-Llama-3.1-70B-Instruct"
        await pilot.pause()
        assert model.region.height == 3  # one line: the id did not wrap
        assert model.region.right <= app.screen.query_one("#validate").region.x
