"""The Textual app: one mode per screen, an app factory for tests, and ``run()`` for `ftb tui`.

Screens are imported when first shown, and services (and the heavy libraries behind them)
only when an action needs them, so the first screen appears fast.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ftbuilder.services.context import AppContext
from ftbuilder.tui.widgets import cells
from ftbuilder.tui.widgets.nav import SCREENS

SCREEN_CLASSES = {
    "home": "home.HomeScreen", "configure": "configure.ConfigureScreen",
    "files": "files.FilesScreen", "generate": "generate.GenerateScreen",
    "review": "review.ReviewScreen", "curate": "curate.CurateScreen",
    "validate": "validate.ValidateScreen",
    "split": "split.SplitScreen", "export": "export.ExportScreen",
    "settings": "settings.SettingsScreen", "help": "help.HelpScreen",
    "sources": "sources.SourcesScreen",  # network sources: key 0 and the command palette
}


def _factory(spec: str) -> Callable[[], Screen]:
    module, cls = spec.split(".")

    def make() -> Screen:
        mod = importlib.import_module(f"ftbuilder.tui.screens.{module}")
        return getattr(mod, cls)()

    return make


def settle_heap() -> None:
    """Move what is alive now (modules, screens, loaded data) out of the cyclic garbage
    collector's reach (``gc.freeze``). A full collection scanned the whole heap, ~35 ms
    with the app's imports loaded, and one landing in a frame was a visible stall (the
    review table at 100,000 samples: 6-19 frames over 50 ms); it now scans only what was
    made since. Called once the first screen and each newly shown screen are drawn."""
    gc.freeze()


class FtbApp(App[int]):
    """ftbuilder's terminal UI over one :class:`AppContext`."""

    TITLE = "ftbuilder"
    CSS_PATH = "styles/app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen]]] = {
        mode: _factory(spec) for mode, spec in SCREEN_CLASSES.items()}
    DEFAULT_MODE = "home"
    # the screen gets one of these classes by width (tiny: under 90 columns, narrow: 90-109)
    # and height; styles/app.tcss narrows or drops side panels there (docs/tui.md: layouts)
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-tiny"), (90, "-narrow"), (110, "-normal"), (130, "-roomy"), (150, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]
    NOTIFY_MERGE_S = 5.0  # the same toast again within this time is not stacked
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"go('{mode}')", label, show=False) for mode, key, label in SCREENS
          if key != "?"),
        Binding("question_mark,f1", "go('help')", "Help"),
        Binding("0", "go('sources')", "Sources", show=False),
        Binding("q", "quit", "Quit"),
        # in a text field, letters and numbers are text: the footer says how to get out
        Binding("escape", "leave_field", "Leave field (then 1-9 switch screens)"),
        Binding("escape", "escape", "Leave field / cancel", show=False),
    ]

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.selected_files: list[str] = []
        self.last_ingest: object | None = None
        self.pending_jump: tuple[str, int] | None = None
        self.config_version = 0
        self.dataset = self._initial_dataset()
        self._toasts: dict[tuple[str, str], float] = {}

    def _initial_dataset(self) -> str:
        from ftbuilder.services import browse

        names = [d.name for d in browse.list_datasets(self.ctx)]
        wanted = self.ctx.settings.config.output_name
        return wanted if wanted in names else (names[0] if names else "")

    def on_mount(self) -> None:
        cells.set_theme(self.current_theme)
        self.call_after_refresh(settle_heap)

    def watch_theme(self) -> None:
        cells.set_theme(self.current_theme)

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification (screens call this one) with its text sanitized; the same
        message again within NOTIFY_MERGE_S seconds is dropped (one toast, not three)."""
        now = time.monotonic()
        key = (message, severity)
        self._toasts = {k: t for k, t in self._toasts.items() if now - t < self.NOTIFY_MERGE_S}
        if key in self._toasts:
            return
        self._toasts[key] = now
        super().notify(cells.safe(message, "\n"), title=cells.safe(title),
                       severity=severity, timeout=timeout, markup=markup)  # type: ignore[arg-type]

    # --- navigation -------------------------------------------------------------------------
    def go(self, mode: str) -> None:
        """Show screen ``mode`` (home, configure, files, ...)."""
        if mode in SCREEN_CLASSES and mode != self.current_mode:
            while len(self.screen_stack) > 1 and self.screen.is_modal:
                self.pop_screen()
            self.switch_mode(mode)
            self.call_after_refresh(settle_heap)

    def action_go(self, mode: str) -> None:
        self.go(mode)

    def _in_text_field(self) -> bool:
        from textual.widgets import Input, TextArea

        return isinstance(self.focused, Input | TextArea)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_field":  # shown (and run) only while a text field has focus
            return self._in_text_field()
        return True

    def action_leave_field(self) -> None:
        """Leave the text field: to the screen's FIELD_EXIT widget (Settings: its tabs, so
        Left/Right work and Enter changes nothing), else to no widget."""
        target = getattr(self.screen, "FIELD_EXIT", "")
        found = self.screen.query(target) if target else None
        self.screen.set_focus(found.first() if found else None)

    def action_escape(self) -> None:
        """Leave a text field (so single keys navigate again), else cancel the screen's job."""
        from textual.widgets import Input, TextArea

        if isinstance(self.focused, Input | TextArea):
            self.action_leave_field()
            return
        cancel = getattr(self.screen, "action_cancel", None)
        if cancel is not None:
            cancel()

    def review_jump(self, name: str, sample_id: int) -> None:
        """Open ``sample_id`` of dataset ``name`` in Review."""
        self.dataset = name
        self.pending_jump = (name, sample_id)
        if self.current_mode == "review":
            self.screen.refresh_data()  # type: ignore[attr-defined]
        else:
            self.go("review")

    def config_changed(self) -> None:
        """config.yaml was rewritten: screens showing config reload it when shown."""
        self.config_version += 1

    def open_settings(self, tab: str) -> None:
        """Show Settings with tab ``tab`` ("tab-prompts", "tab-keys", "tab-config")."""
        self.go("settings")
        self.call_after_refresh(lambda: getattr(self.screen, "show_tab", lambda t: None)(tab))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p): every screen, the screen's own actions (each with
        its key), and the places to edit the prompts."""
        for mode, key, label in SCREENS:
            yield SystemCommand(f"Go to {label}", f"open the {label} screen (key {key})",
                                lambda m=mode: self.go(m))
        yield SystemCommand("Go to Sources", "fetch samples from forums, wikis, sites and Nix "
                            "(key 0)", lambda: self.go("sources"))
        yield SystemCommand("Edit prompts (Settings)", "the free-mode prompt.txt and the "
                            "system prompts", lambda: self.open_settings("tab-prompts"))
        yield SystemCommand("Edit the free-mode instruction prompt (Configure)",
                            "prompts/free_mode/prompt.txt, with preview and compare",
                            lambda: self._configure_instruction())
        yield SystemCommand("API keys (Settings)", "which keys are set (masked)",
                            lambda: self.open_settings("tab-keys"))
        yield from self._screen_commands(screen)
        yield from super().get_system_commands(screen)

    def _configure_instruction(self) -> None:
        self.go("configure")
        self.call_after_refresh(self.screen.run_action, "edit_instruction")

    def _screen_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The actions the footer offers on ``screen`` (hidden ones too), by their words."""
        title = type(screen).__name__.removesuffix("Screen")
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            b = active.binding
            if not b.description or b.action in seen or b.action.startswith("go("):
                continue
            seen.add(b.action)
            yield SystemCommand(f"{title}: {b.description}", f"key {self.get_key_display(b)}",
                                lambda a=b.action, n=active.node: self.call_later(
                                    self.run_action, a, n))


def create_app(ctx: AppContext) -> FtbApp:
    """The app over an open context (the CLI, tests and snapshots all start here)."""
    return FtbApp(ctx)


class _Redact(logging.Filter):
    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = ()
        return True


def _log_to_file(ctx: AppContext) -> logging.Handler | None:
    """Send ftbuilder logs to memory/tui.log (never onto the screen), keys redacted.

    The file is created only when something is logged.
    """
    try:
        path = Path(ctx.settings.db_path).parent / "tui.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)  # no empty file
    except OSError:
        handler = None
    logger = logging.getLogger("ftbuilder")
    if handler is not None:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_Redact(ctx.settings.redact))
        logger.addHandler(handler)
    logger.propagate = False
    return handler


@contextmanager
def _terminal_on_stderr() -> Iterator[None]:
    """Textual draws on stderr: with stderr redirected (``ftb tui 2>log``) the app was drawn
    into the file. Draw on the terminal instead (stdout's, else /dev/tty) while the app
    runs, then give stderr back, so only what is written after the app ends reaches the
    file. Nothing logs to stderr meanwhile (logs go to memory/tui.log).

    Raises:
        UsageError: there is no terminal at all to draw on.
    """
    import sys

    from ftbuilder.core.errors import UsageError

    err = sys.__stderr__
    if err is None or err.isatty():
        yield
        return
    out = sys.__stdout__
    if out is not None and out.isatty():
        tty = os.dup(out.fileno())
    else:
        try:
            tty = os.open("/dev/tty", os.O_RDWR)
        except OSError:
            raise UsageError("ftb tui needs a terminal to draw on",
                             "run it in a terminal; the commands (ftb build, ...) work "
                             "without one") from None
    err.flush()
    saved = os.dup(2)
    os.dup2(tty, 2)
    os.close(tty)
    try:
        yield
    finally:
        err.flush()
        os.dup2(saved, 2)
        os.close(saved)


def run(config_path: str | Path | None = None, db: str | Path | None = None) -> int:
    """Open the context and run the app until the user quits. Returns an exit code."""
    import sys

    from ftbuilder.core.errors import FtbError
    from ftbuilder.services.context import open_context

    try:
        ctx = open_context(config_path, db)
    except FtbError as e:
        print(f"error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", 1)
    handler = _log_to_file(ctx)
    try:
        with _terminal_on_stderr():
            create_app(ctx).run()
    except FtbError as e:
        print(f"error: {e.message}\nhint: {e.hint}" if getattr(e, "hint", "") else
              f"error: {e}", file=sys.stderr)
        return getattr(e, "exit_code", 1)
    finally:
        if handler is not None:
            logging.getLogger("ftbuilder").removeHandler(handler)
            handler.close()
        ctx.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
