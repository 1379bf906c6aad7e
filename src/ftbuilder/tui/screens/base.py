"""What every screen shares: the nav bar, the footer, a status line, jobs and error display."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from ftbuilder.core.errors import FtbError
from ftbuilder.core.progress import CancelToken
from ftbuilder.tui.jobs import error_line, start_job
from ftbuilder.tui.widgets.cells import SafeStatic
from ftbuilder.tui.widgets.nav import NavBar

DEBOUNCE_S = 0.3

if TYPE_CHECKING:
    from ftbuilder.services.context import AppContext
    from ftbuilder.tui.app import FtbApp


class FtbScreen(Screen[None]):
    """A main screen (one per mode): subclasses implement ``compose_body`` and ``refresh_data``."""

    MODE = ""
    TITLE_TEXT = ""

    def compose(self) -> ComposeResult:
        yield NavBar(self.MODE)
        with Container(id="body"):
            yield from self.compose_body()
        yield SafeStatic("", id="status", markup=False)  # names and errors, sanitized
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def ftb(self) -> FtbApp:
        return self.app  # type: ignore[return-value]

    @property
    def ctx(self) -> AppContext:
        return self.ftb.ctx

    _under_modal = False

    def on_screen_suspend(self) -> None:
        # suspended by one of our dialogs (confirm, ask, sample...), or by another screen
        self._under_modal = self.app.screen is not self and self.app.screen.is_modal

    def on_screen_resume(self) -> None:
        # back from a dialog: its callback already acted (and reports itself); reloading here
        # would start a second job and overwrite that report (split: "nothing written")
        if self._under_modal:
            self._under_modal = False
            return
        self.refresh_data()

    def refresh_data(self) -> None:
        """Reload what the screen shows from the services (cheap reads only)."""

    # --- feedback ---------------------------------------------------------------------------
    def status(self, text: str, kind: str = "") -> None:
        """One line above the footer; kind: '', 'ok', 'warn' or 'error' (colours)."""
        bar = self.query_one("#status", SafeStatic)
        bar.update(text)
        bar.set_classes(kind)

    def fail(self, err: BaseException | str) -> None:
        text = err if isinstance(err, str) else error_line(err, self.ctx.settings.redact)
        self.status(text, "error")
        self.notify(text, severity="error", timeout=8, markup=False)

    def call_service(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call a quick service function; a user error is shown, and None returned."""
        try:
            return fn(*args, **kwargs)
        except FtbError as e:
            self.fail(e)
            return None

    def service(self, name: str) -> Any:
        """Import ``ftbuilder.services.<name>`` when first needed (keeps start-up fast).

        Returns None, with the reason shown, when that service is not available.
        """
        import importlib

        try:
            return importlib.import_module(f"ftbuilder.services.{name}")
        except ImportError as e:
            self.fail(f"this needs the {name} service, which could not be loaded ({e})")
            return None

    # --- typing is debounced ----------------------------------------------------------------
    _debounce: Timer | None = None

    def debounce(self, callback: Callable[[], Any], delay: float = DEBOUNCE_S) -> None:
        """Call ``callback`` once typing pauses for ``delay`` seconds (restarted per key)."""
        if self._debounce is not None:
            self._debounce.stop()

        def fire() -> None:
            self._debounce = None
            callback()

        self._debounce = self.set_timer(delay, fire)

    @property
    def input_pending(self) -> bool:
        """True while a debounced reaction to typing has not run yet (tests wait on it)."""
        return self._debounce is not None

    def start(self, job: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> CancelToken:
        """Run a long service call in a worker (see jobs.start_job)."""
        return start_job(self, job, fn, *args, redact=self.ctx.settings.redact, **kwargs)
