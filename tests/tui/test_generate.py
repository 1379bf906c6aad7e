"""Generate: a build in a worker with progress, log, result; cancel keeps what was made."""

from __future__ import annotations

from tui.helpers import SIZE, TOPICS, settle, status_text


async def test_identify_build_fills_the_store_and_logs(app, ctx_with_data):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        plan = str(app.screen.query_one("#plan").render())
        assert "faq" in plan and "identify" in plan and "all of input_files/" in plan
        assert not app.screen.query_one("#progress").display  # no idle bar before a run
        await pilot.press("g")
        await settle(pilot)
        ds = ctx_with_data.store.get_dataset("faq")
        assert ds.total_samples == len(TOPICS)
        log = "\n".join(str(line.text) for line in app.screen.query_one("#log").lines)
        assert "broken.pdf" in log and "faq.txt: 16 found, 16 added" in log
        figures = str(app.screen.query_one("#figures").render())
        assert f"samples so far  {len(TOPICS)}" in figures and "estimated cost" in figures
        assert "Done: 16 sample(s) added to faq" in status_text(app)
        bar = app.screen.query_one("#progress")
        assert bar.display and bar.percentage == 1
        assert app.dataset == "faq"
        # building again adds nothing new: duplicates are dropped
        await pilot.press("g")
        await settle(pilot)
        assert ctx_with_data.store.get_dataset("faq").total_samples == len(TOPICS)


async def test_cancel_stops_a_long_build_and_keeps_the_run(app, ctx_with_data, project):
    # enough files that reading them outlasts Pilot's wait for an idle process (1 s)
    for i in range(2500):
        (project / "input_files" / f"extra{i:03}.txt").write_text(
            f"Q: What is item {i}?\nA: Item {i} is a thing.\n" * 20)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4", "g", "escape")
        await settle(pilot)
        run = ctx_with_data.store.list_runs(1)[0]
        assert run["status"] == "cancelled"
        assert "Cancelled" in status_text(app)
        # the unfinished run is offered for resume
        assert app.screen.query_one("#unfinished").row_count >= 1


async def test_long_log_lines_wrap_to_the_log_width_and_lose_no_word(app):
    message = ("error: corrupt.docx: corrupt or not a real .docx (open it in Word and save it "
               "again) and the other files went on")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await pilot.pause()
        log = app.screen.query_one("#log")
        app.screen.log_line(message)
        await pilot.pause()
        lines = [line.text.rstrip() for line in log.lines]
        assert "".join("".join(lines).split()).endswith("".join(message.split()))
        assert max(len(line) for line in lines) <= log.scrollable_content_region.width
