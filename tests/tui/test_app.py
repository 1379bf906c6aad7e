"""The app shell: factory, navigation by keys, clicks and palette, help, quit, import hygiene."""

from __future__ import annotations

import subprocess
import sys

from ftbuilder.tui import app as app_module
from ftbuilder.tui.app import FtbApp, create_app
from tui.helpers import SIZE, wait_until

SCREENS = {"1": "HomeScreen", "2": "ConfigureScreen", "3": "FilesScreen", "4": "GenerateScreen",
           "5": "ReviewScreen", "6": "ValidateScreen", "7": "SplitScreen", "8": "ExportScreen",
           "9": "SettingsScreen", "?": "HelpScreen"}


def test_factory_and_run_entry_point(ctx_with_data):
    app = create_app(ctx_with_data)
    assert isinstance(app, FtbApp) and app.ctx is ctx_with_data
    assert app.dataset == "support"  # the only dataset, since config's output_name is absent
    assert callable(app_module.run)


async def test_number_keys_open_every_screen(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        for key, name in SCREENS.items():
            await pilot.press(key)
            await pilot.pause()
            assert type(app.screen).__name__ == name, key
        await pilot.press("f1")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        text = str(app.screen.query_one("Markdown").source)
        assert "command palette" in text and "embedded local model" in text


async def test_the_heap_is_frozen_once_a_screen_is_drawn(app):
    # full garbage collections scanned the whole heap (~35 ms): frames over 50 ms while
    # scrolling the review table; the app freezes what is alive after each screen is shown
    import gc

    gc.unfreeze()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            at_home = gc.get_freeze_count()
            assert at_home > 0
            await pilot.press("5")  # Review: its modules and widgets join the frozen heap
            await pilot.pause()
            assert gc.get_freeze_count() > at_home
    finally:
        gc.unfreeze()


async def test_nav_bar_click_and_command_palette(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = str(app.screen.query_one("NavBar").render())
        await pilot.click("NavBar", offset=(bar.index("3 Files") + 2, 0))
        await pilot.pause()
        assert app.current_mode == "files"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go to export")
        await wait_until(pilot, lambda: app.screen.query_one("CommandList").option_count > 0,
                         what="the palette's matches")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.current_mode == "export", what="the export screen")


async def test_escape_leaves_a_text_field_so_keys_navigate(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await pilot.click("#root")
        await pilot.press("5")  # typed into the folder field, no navigation
        assert app.current_mode == "files"
        await pilot.press("escape", "5")
        await pilot.pause()
        assert app.current_mode == "review"


async def test_q_quits(app):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (0, None)
    assert not app.is_running


def test_start_up_imports_no_heavy_library():
    """The first screen never waits for llama.cpp, SDKs, tokenizers or document readers."""
    heavy = ["llama_cpp", "openai", "anthropic", "google.genai", "mistralai", "tiktoken",
             "quicktok", "mistral_common", "pypdf", "docx", "openpyxl", "pptx", "numpy",
             "datasketch"]
    code = ("import sys\nfrom ftbuilder.tui import app\n"
            "from ftbuilder.tui.screens import home\n"
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""


async def test_names_with_brackets_are_shown_as_typed_on_every_screen(ctx):
    """'[' starts Textual markup: a dataset 'team[/]x' crashed the app in its dialogs and
    dataset pickers, and a file 'report[2024].txt' in Review's source filter."""
    from tui.helpers import add_dataset, conversation, settle, status_text

    name = "team[/]x[b]"
    add_dataset(ctx, name)
    ds = ctx.store.get_dataset(name)
    ctx.store.add_samples(ds.id, [conversation(99, "input_files/report[2024].txt")])
    app = create_app(ctx)
    app.dataset = name
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("x")  # delete dialog names the dataset
        await pilot.pause()
        assert name in str(app.screen.query_one(".question").render())
        await pilot.press("n")
        for key in "23456789":
            await pilot.press(key)
            await settle(pilot)
            assert type(app.screen).__name__ == SCREENS[key]
        await pilot.press("5")
        await settle(pilot)
        assert app.screen.query_one("#dataset").value == name
        await pilot.press("6", "v")
        await settle(pilot)
        assert app.screen.report.examples == 31
        await pilot.press("8", "ctrl+e")
        await settle(pilot)
        assert "Export done" in status_text(app)


async def test_the_footer_says_how_to_leave_a_text_field(app):
    def shown() -> list[str]:
        return [b.binding.description for b in app.screen.active_bindings.values()
                if b.binding.show]

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("8")
        await pilot.pause()
        assert not any(d.startswith("Leave field") for d in shown())
        await pilot.click("#dest")
        await pilot.pause()
        assert "Leave field (then 1-9 switch screens)" in shown()
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is None and not any(d.startswith("Leave field") for d in shown())
        await pilot.press("1")  # number keys switch screens again
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"


async def test_a_flow_by_mouse_alone(app, ctx_with_data, project):
    """Tabs, buttons, dialog buttons and table rows all answer clicks."""
    from tui.helpers import settle, status_text

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = str(app.screen.query_one("NavBar").render())
        await pilot.click("NavBar", offset=(bar.index("4 Generate") + 2, 0))
        await pilot.pause()
        await pilot.click("#start")  # Generate (g)
        await settle(pilot)
        assert ctx_with_data.store.get_dataset("faq").total_samples == 16
        await pilot.click("NavBar", offset=(bar.index("8 Export") + 2, 0))
        await pilot.pause()
        await pilot.click("#export")
        await settle(pilot)
        assert (project / "output_datasets" / "faq" / "dataset.jsonl").is_file()
        assert "Export done" in status_text(app)
        await pilot.click("NavBar", offset=(bar.index("1 Home") + 2, 0))
        await pilot.pause()
        # the cursor stayed on 'support' (now 2nd); a click on 'faq' (1st row) highlights it
        await pilot.click("#datasets", offset=(4, 1))
        await pilot.press("x")
        await pilot.pause()
        await pilot.click("#yes")  # the dialog's Delete button
        await settle(pilot)
        assert [d.name for d in ctx_with_data.store.list_datasets()] == ["support"]
        # a click on the highlighted row opens it, as enter does
        await pilot.click("#datasets", offset=(4, 1))
        await settle(pilot)
        assert app.current_mode == "review" and app.screen.loaded_name == "support"
