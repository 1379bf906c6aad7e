"""Settings: edit config.yaml (validated as you type), see which keys are set (masked), and
edit the free-mode prompt and the system prompts.

Keyboard (docs/tui.md): the tabs have the focus first; Left/Right switch tabs, Tab goes
into the tab's fields; in an editor Tab moves on (f2 makes it indent) and esc goes back to
the tabs. Reload asks first when it would throw away unsaved edits.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Label, Select, TabbedContent, TabPane, TextArea

from ftbuilder.core.errors import FtbError
from ftbuilder.services import settings as edit
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import cell, plain
from ftbuilder.tui.widgets.editor import Editor
from ftbuilder.tui.widgets.modals import ConfirmScreen

TABS = ("tab-config", "tab-prompts", "tab-keys")


class SettingsScreen(FtbScreen):
    MODE = "settings"
    AUTO_FOCUS = "#tabs Tabs"
    FIELD_EXIT = "#tabs Tabs"  # esc in an editor comes back here (app.action_leave_field)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("left", "tab(-1)", "Previous tab", show=False),
        Binding("right", "tab(1)", "Next tab", show=False),
        Binding("ctrl+r", "reload", "Reload from disk"),
    ]

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="tabs"):
            with TabPane("config.yaml", id="tab-config"):
                yield Editor(id="config", show_line_numbers=True)
            with TabPane("Prompts", id="tab-prompts"):
                yield Select([(plain(f), f) for f in edit.prompt_files(self.ctx)],
                             id="prompt-file", allow_blank=False)
                yield Editor(id="prompt", soft_wrap=True)
            with TabPane("Keys", id="tab-keys"), Vertical():
                yield Label("API keys come from .env or the environment; they are never "
                            "written to config.yaml, the store or exports.", classes="note")
                yield DataTable(id="keys", cursor_type="row")
        with Horizontal(classes="row"):
            yield Button("Save (ctrl+s)", id="save", variant="primary")
            yield Button("Reload (ctrl+r)", id="reload")

    def on_mount(self) -> None:
        self.query_one("#keys", DataTable).add_columns("variable", "state")
        self.load()

    def load(self) -> None:
        with self.prevent(TextArea.Changed, Select.Changed):
            self.query_one("#config", TextArea).text = edit.config_text(self.ctx)
            files = edit.prompt_files(self.ctx)
            sel = self.query_one("#prompt-file", Select)
            sel.set_options([(plain(f), f) for f in files])
            sel.value = files[0]
            self.query_one("#prompt", TextArea).text = edit.read_prompt(self.ctx, files[0])
        t = self.query_one("#keys", DataTable)
        t.clear()
        for var, state in self.ctx.settings.key_status().items():
            t.add_row(cell(var), cell(state, "muted" if state == "missing" else "ok"))
        self.check()

    def refresh_data(self) -> None:
        self.check()

    def active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active or "tab-config"

    def show_tab(self, tab: str) -> None:
        """Open tab ``tab`` with the focus on the tab bar (the command palette uses this)."""
        self.query_one("#tabs", TabbedContent).active = tab
        self.query_one("#tabs Tabs").focus()

    def action_tab(self, step: int) -> None:
        """Left/Right: the previous/next tab (where the focused widget does not use them)."""
        i = TABS.index(self.active_tab()) if self.active_tab() in TABS else 0
        self.show_tab(TABS[(i + step) % len(TABS)])

    def unsaved(self) -> list[str]:
        """The files whose text in the editors differs from the disk."""
        out = []
        if self.query_one("#config", TextArea).text != edit.config_text(self.ctx):
            out.append("config.yaml")
        rel = self.query_one("#prompt-file", Select).value
        if isinstance(rel, str) and self.query_one("#prompt", TextArea).text != \
                edit.read_prompt(self.ctx, rel):
            out.append(f"prompts/{rel}")
        return out

    def check(self) -> bool:
        try:
            edit.check_config_text(self.query_one("#config", TextArea).text)
        except FtbError as e:
            self.status(str(e), "error")
            return False
        self.status("config.yaml is valid · ctrl+s saves the open tab", "ok")
        return True

    @on(TextArea.Changed, "#config")
    def _config_changed(self) -> None:
        self.check()

    @on(Select.Changed, "#prompt-file")
    def _prompt_file(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            with self.prevent(TextArea.Changed):
                self.query_one("#prompt", TextArea).text = edit.read_prompt(self.ctx,
                                                                             event.value)

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        tab = self.active_tab()
        if tab == "tab-prompts":
            rel = self.query_one("#prompt-file", Select).value
            text = self.query_one("#prompt", TextArea).text
            if isinstance(rel, str) and self.call_service(
                    edit.write_prompt, self.ctx, rel, text) is not None:
                self.status(f"saved prompts/{rel}", "ok")
                self.notify(f"Saved prompts/{rel}")
            return
        if not self.check():
            self.notify("config.yaml not saved: fix the error first", severity="error")
            return
        if self.call_service(edit.save_config_text, self.ctx,
                             self.query_one("#config", TextArea).text) is not None:
            self.status("saved config.yaml", "ok")
            self.notify("Saved config.yaml")
            self.ftb.config_changed()

    @on(Button.Pressed, "#reload")
    def action_reload(self) -> None:
        changed = self.unsaved()
        if not changed:
            self.load()
            self.status("reloaded from disk", "ok")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.load()
                self.status("reloaded from disk; the edits were dropped", "warn")

        self.app.push_screen(ConfirmScreen(
            f"Drop your unsaved edits to {', '.join(changed)} and reload from disk?",
            yes="Drop edits"), answer)
