"""What every screen shares: the nav bar, the footer, a status line, jobs and error display."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, Footer, ProgressBar

from ftbuilder.core.errors import FtbError
from ftbuilder.core.progress import CancelToken, Progress
from ftbuilder.tui.jobs import JobDone, JobFailed, JobProgress, error_line, fmt_eta, start_job
from ftbuilder.tui.widgets.cells import SafeStatic
from ftbuilder.tui.widgets.modals import ConfirmScreen
from ftbuilder.tui.widgets.nav import NavBar

DEBOUNCE_S = 0.3

if TYPE_CHECKING:
    from ftbuilder.services.budget import BuildEstimate
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

    def fill_dataset_select(self, selector: str = "#dataset") -> str | None:
        """Offer the store's datasets in the ``selector`` Select, the app's current dataset
        picked (else the first); returns the picked name, None when there is none."""
        from textual.widgets import Select

        from ftbuilder.services import browse
        from ftbuilder.tui.widgets.cells import plain

        names = [d.name for d in browse.list_datasets(self.ctx)]
        want = self.ftb.dataset if self.ftb.dataset in names else (names[0] if names else None)
        with self.prevent(Select.Changed):
            sel = self.query_one(selector, Select)
            sel.set_options([(plain(n), n) for n in names])
            if want:
                sel.value = want
        return want

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

    def ask_cost(self, est: BuildEstimate | None, go: Callable[[bool], Any],
                 instead: str | None = "lower the dataset size") -> None:
        """``go(False)`` when the estimate (services.budget) is within system.max_cost_usd;
        else a dialog with the figures, and ``go(True)`` if the user confirms; if not, a
        status line says it was not started and why (``instead``: what else would do).

        Generate asks before a build or resume, the Files screen's Sources section when a
        prepare stops with BudgetExceeded: one dialog, the same words."""
        if est is None or not est.over:
            go(False)
            return

        from ftbuilder.services.budget import MAX_PAID_SAMPLES

        priced_over = est.cost_usd is not None and est.cost_usd > est.max_cost_usd

        def answer(yes: bool | None) -> None:
            if yes:
                go(True)
            elif priced_over:
                self.status("Not started: over system.max_cost_usd (raise it in Configure "
                            "or config.yaml" + (f", or {instead}" if instead else "") + ").",
                            "warn")
            else:  # the size cap of a paid build, whatever system.max_cost_usd says
                self.status(f"Not started: {est.samples:,} samples is over the "
                            f"{MAX_PAID_SAMPLES:,} of a paid build without confirmation "
                            "(lower the dataset size, or start it and confirm).", "warn")

        text = est.text()
        samples = f", {est.samples:,} samples" if est.samples else ""
        self.app.push_screen(ConfirmScreen(
            f"{text[0].upper()}{text[1:]}.\n{est.calls:,} calls × ({est.prompt_tokens:,} prompt "
            f"+ {est.output_tokens:,} reply tokens){samples}.\nStart it anyway?",
            yes="Start"), answer)

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

    _deferred = 0

    def after_refresh(self, callback: Callable[..., Any], *args: Any) -> None:
        """Run ``callback`` once the screen is drawn (a read that would delay the first
        frame waits for it); counted as pending until it has run."""
        self._deferred += 1

        def run() -> None:
            self._deferred -= 1
            callback(*args)

        self.call_after_refresh(run)

    @property
    def input_pending(self) -> bool:
        """True while a debounced reaction to typing, or a read deferred until the screen is
        drawn, has not run yet (tests wait on it)."""
        return self._debounce is not None or self._deferred > 0

    # --- jobs: every screen starts, follows and ends them the same way ----------------------
    # Buttons disabled while a cancellable job runs (the #cancel button is enabled instead).
    RUN_BUTTONS: ClassVar[tuple[str, ...]] = ()
    # Hide the #progress bar when the cancellable job ends (Generate keeps its last figures).
    HIDE_PROGRESS: ClassVar[bool] = True
    cancel_token: CancelToken | None = None
    running_job: str | None = None
    job_error: BaseException | None = None  # the last failed job's exception

    def start(self, job: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> CancelToken:
        """Run a service call in a worker (see jobs.start_job); its end reaches
        :meth:`job_done` or :meth:`job_failed`."""
        return start_job(self, job, fn, *args, redact=self.ctx.settings.redact, **kwargs)

    def start_cancellable(self, job: str, fn: Callable[..., Any], *args: Any,
                          total: int | None = None, **kwargs: Any) -> CancelToken:
        """A long job the user may cancel: RUN_BUTTONS off, #cancel on, #progress shown (with
        ``total`` when known); :meth:`action_cancel` stops it."""
        self._set_running(True)
        for bar in self.query("#progress").results(ProgressBar):
            bar.display = True
            bar.update(total=total, progress=0)
        self.running_job = job
        self.cancel_token = self.start(job, fn, *args, **kwargs)
        return self.cancel_token

    def _set_running(self, running: bool) -> None:
        for sel in self.RUN_BUTTONS:
            for b in self.query(sel).results(Button):
                b.disabled = running
        for b in self.query("#cancel").results(Button):
            b.disabled = not running

    def _end_running(self, job: str) -> None:
        if job != self.running_job:
            return
        self.running_job = None
        self.cancel_token = None
        self._set_running(False)
        if self.HIDE_PROGRESS:
            for bar in self.query("#progress").results(ProgressBar):
                bar.display = False
        self.job_ended(job)

    def action_cancel(self) -> None:
        """Cancel the running job (work it committed is kept)."""
        if self.cancel_token is not None:
            self.cancel_token.cancel()
            self.cancelling()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(JobProgress)
    def _job_progress(self, event: JobProgress) -> None:
        p = event.progress
        if event.job == self.running_job:
            for bar in self.query("#progress").results(ProgressBar):
                bar.update(total=p.total or None, progress=p.done)
        self.show_progress(event.job, p)

    @on(JobDone)
    def _job_done(self, event: JobDone) -> None:
        self._end_running(event.job)
        self.job_done(event.job, event.result)

    @on(JobFailed)
    def _job_failed(self, event: JobFailed) -> None:
        self._end_running(event.job)
        self.job_error = event.exc  # the exception, for a hook that acts on its kind
        self.job_failed(event.job, event.error, event.cancelled)

    # hooks a screen overrides
    def show_progress(self, job: str, p: Progress) -> None:
        """A job reported progress (the bar is already updated): one status line."""
        total = f"/{p.total:,}" if p.total else ""
        self.status(f"{p.stage}: {p.done:,}{total} {p.message} · ETA {fmt_eta(p.eta)}".strip())

    def cancelling(self) -> None:
        """The user asked to cancel the running job."""
        self.status("Cancelling… work done so far is kept.", "warn")

    def job_ended(self, job: str) -> None:
        """The cancellable job ended (done, failed or cancelled), before job_done/failed."""

    def job_done(self, job: str, result: Any) -> None:
        """A job finished; ``result`` is what its service returned."""

    def job_failed(self, job: str, error: str, cancelled: bool) -> None:
        """A job failed or was cancelled; ``error`` is one redacted line."""
        if cancelled:
            self.status(error if error.lower().startswith("cancel") else
                        f"cancelled: {error}", "warn")
        else:
            self.fail(error)
