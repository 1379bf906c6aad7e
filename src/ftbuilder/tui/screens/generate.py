"""Generate: run the configured mode over the picked files in a worker, with live progress.

Progress bar, samples and tokens so far, rate, ETA, estimated training cost, a live log, cancel
(work done so far is kept), and resume of an interrupted run (services.build.retry).
"""

from __future__ import annotations

import logging
import time
from dataclasses import fields
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.widgets import Button, DataTable, Label, ProgressBar, RichLog, Static

from ftbuilder.services import browse
from ftbuilder.tui.jobs import JobDone, JobFailed, JobProgress, fmt_eta
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import cell, num
from ftbuilder.tui.widgets.modals import AskScreen


class LogLine(Message):
    def __init__(self, text: str, level: int) -> None:
        super().__init__()
        self.text = text
        self.level = level


class _Forward(logging.Handler):
    """Forwards ftbuilder log records (from worker threads) to the screen as messages."""

    def __init__(self, screen: GenerateScreen) -> None:
        super().__init__(logging.INFO)
        self.screen = screen

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.screen.ctx.settings.redact(record.getMessage())
        except Exception:  # a log line must never break the run
            return
        self.screen.post_message(LogLine(text, record.levelno))


def estimate_cost(provider: str, model: str, tokens: int) -> str:
    """Training cost of ``tokens`` for one epoch at the registry price (or why unknown)."""
    from ftbuilder.core.errors import FtbError
    from ftbuilder.targets.registry import get_model

    try:
        spec = get_model(provider, model)
    except FtbError:
        return "unknown model"
    if spec.price_per_1m_training_tokens is None:
        return "no price in the registry"
    cost = tokens / 1_000_000 * spec.price_per_1m_training_tokens
    tag = "" if spec.is_verified("price_per_1m_training_tokens") else " (price UNVERIFIED)"
    return f"${cost:,.2f} per epoch{tag}"


class GenerateScreen(FtbScreen):
    MODE = "generate"
    AUTO_FOCUS = "#start"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "start", "Generate"),
        Binding("r", "resume", "Resume"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.cancel_token = None
        self.started = 0.0
        self.before = 0
        self.before_tokens = 0
        self.name_running = ""
        self._handler: _Forward | None = None
        self._last_line = ""
        self._last = (0, 0, None)
        self.finished = False

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="gen-left"):
                yield Label("Run", classes="section")
                yield Static(id="plan")
                with Horizontal(classes="row"):
                    yield Button("Generate (g)", id="start", variant="primary")
                    yield Button("Cancel (esc)", id="cancel", disabled=True)
                    yield Button("Resume (r)", id="resume")
                yield ProgressBar(id="progress", show_eta=False)
                yield Static(id="figures")
                yield Label("Unfinished runs", classes="section")
                yield DataTable(id="unfinished", cursor_type="row")
            with Vertical(id="gen-right"):
                yield Label("Log", classes="section")
                yield RichLog(id="log", wrap=True, markup=False, max_lines=2000, min_width=20)

    def on_mount(self) -> None:
        self.query_one("#unfinished", DataTable).add_columns("run", "dataset", "status",
                                                              "started")
        # no bar (and no idle animation) until a run starts
        self.query_one("#progress", ProgressBar).display = False

    def refresh_data(self) -> None:
        self.query_one("#plan", Static).update(self.plan_text())
        t = self.query_one("#unfinished", DataTable)
        t.clear()
        for r in browse.interrupted_runs(self.ctx):
            if r["dataset"]:
                t.add_row(num(r["id"]), cell(r["dataset"]), cell(r["status"], "warn"),
                          cell((r["started_at"] or "").replace("T", " ").rstrip("Z")),
                          key=str(r["id"]))
        if self.cancel_token is None and not self.finished:
            self.status("g starts a run; esc cancels (samples made so far are kept).")

    def inputs(self) -> list[str]:
        return list(self.ftb.selected_files) or [str(self.ctx.settings.input_dir)]

    def plan_text(self) -> str:
        c = self.ctx.settings.config
        writer = browse.writer_status(self.ctx)
        writer_text = escape(writer.text) if writer.ready else \
            f"[$warning]{escape(writer.text)}[/]"
        files = self.ftb.selected_files
        src = (f"{len(files)} picked file(s)" if files else f"all of {c.input_dir}/")
        size = "everything found" if c.mode == "identify" else f"{c.dataset_size:,} samples"
        return "\n".join([
            f"dataset   [b]{escape(c.output_name)}[/b]",
            f"mode      {c.mode}  ({size})",
            f"target    {c.provider} / {escape(c.model)}",
            f"writer    {writer_text}" if c.mode != "identify" else
            "writer    none needed (identify)",
            f"inputs    {escape(src)}",
        ])

    # --- run --------------------------------------------------------------------------------
    def _begin(self, job: str, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        name = self.ctx.settings.config.output_name if job == "build" else args[1]
        ds = browse.dataset_or_none(self.ctx, name)
        self.before = ds.total_samples if ds else 0
        self.before_tokens = ds.total_tokens if ds else 0
        self.name_running = name
        self.started = time.monotonic()
        self._last = (0, 0, None)
        self.finished = False
        self._handler = _Forward(self)
        logging.getLogger("ftbuilder").addHandler(self._handler)
        if logging.getLogger("ftbuilder").level in (logging.NOTSET,) or \
                logging.getLogger("ftbuilder").level > logging.INFO:
            logging.getLogger("ftbuilder").setLevel(logging.INFO)
        self.query_one("#start", Button).disabled = True
        self.query_one("#resume", Button).disabled = True
        self.query_one("#cancel", Button).disabled = False
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.log_line(f"{job} {name}: started")
        self.cancel_token = self.start(job, fn, *args, **kwargs)
        self.status(f"Running {job} into {name}…")

    def action_start(self) -> None:
        if self.cancel_token is not None:
            return
        c = self.ctx.settings.config
        if c.mode == "free" and c.agent.free.use_prompt_file and not browse.read_prompt(
                self.ctx, str(browse.FREE_PROMPT)).strip():
            def got(text: str | None) -> None:
                if text:
                    self._start_build(instruction=text)
            self.app.push_screen(AskScreen(
                "Free mode: what should each sample be? (or write prompts/free_mode/prompt.txt)"),
                got)
            return
        self._start_build()

    def _start_build(self, instruction: str | None = None) -> None:
        service = self.service("build")
        if service is None:
            return
        BuildRequest, build = service.BuildRequest, service.build
        c = self.ctx.settings.config
        req_fields = dict(mode=c.mode, input_paths=self.inputs(), name=c.output_name,
                          provider=c.provider, model=c.model,
                          size=None if c.mode == "identify" else c.dataset_size)
        if instruction and "instruction" in {f.name for f in fields(BuildRequest)}:
            req_fields["instruction"] = instruction
        self._begin("build", build, self.ctx, BuildRequest(**req_fields))

    @on(Button.Pressed, "#start")
    def _start_pressed(self) -> None:
        self.action_start()

    def action_resume(self) -> None:
        if self.cancel_token is not None:
            return
        t = self.query_one("#unfinished", DataTable)
        name = None
        if t.row_count:
            name = str(t.get_row_at(t.cursor_row)[1])
        name = name or self.ctx.settings.config.output_name
        if browse.dataset_or_none(self.ctx, name) is None:
            self.fail(f"nothing to resume: there is no dataset '{name}' yet (g starts a run)")
            return
        self._begin("resume", browse.resume_build, self.ctx, name)

    @on(Button.Pressed, "#resume")
    def _resume_pressed(self) -> None:
        self.action_resume()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.cancel_token is not None:
            self.cancel_token.cancel()
            self.log_line("cancel requested: stopping (calls in flight are cut off and asked "
                          "again on resume; samples saved are kept)…")
            self.status("Cancelling… samples made so far are kept.", "warn")

    # --- feedback ---------------------------------------------------------------------------
    def log_line(self, text: str) -> None:
        self.query_one("#log", RichLog).write(text)

    @on(LogLine)
    def _log(self, event: LogLine) -> None:
        prefix = {logging.WARNING: "warning: ", logging.ERROR: "error: "}.get(event.level, "")
        self.log_line(prefix + event.text)

    def figures(self) -> str:
        done, total, eta = self._last
        ds = browse.dataset_or_none(self.ctx, self.name_running)
        all_samples, all_tokens = (ds.total_samples, ds.total_tokens) if ds else (0, 0)
        samples, tokens = all_samples - self.before, all_tokens - self.before_tokens
        elapsed = max(time.monotonic() - self.started, 1e-6)
        c = self.ctx.settings.config
        provider, model = (ds.provider, ds.model) if ds else (c.provider, c.model)
        return "\n".join([
            f"samples so far  {samples:,}   (dataset total {all_samples:,})",
            f"tokens so far   {tokens:,}   (dataset total {all_tokens:,})",
            f"rate            {samples / elapsed:.1f} samples/s   items {done}/{total or '?'}",
            f"elapsed / ETA   {fmt_eta(elapsed)} / {fmt_eta(eta)}",
            f"estimated cost  training {estimate_cost(provider, model, all_tokens)}",
        ])

    @on(JobProgress)
    def _progress(self, event: JobProgress) -> None:
        p = event.progress
        self.query_one("#progress", ProgressBar).update(total=p.total or None, progress=p.done)
        self._last = (p.done, p.total, p.eta)
        self.query_one("#figures", Static).update(escape(self.figures()))
        line = f"{p.stage}: {p.message}".strip(": ")
        if line and line != self._last_line:
            self._last_line = line
            self.log_line(f"[{p.done}/{p.total or '?'}] {line}")

    @on(JobDone)
    def _done(self, event: JobDone) -> None:
        r = event.result
        data = r.to_dict() if hasattr(r, "to_dict") else {}
        self._finish()
        self.query_one("#figures", Static).update(escape(self.figures()))
        added = data.get("samples_added", "?")
        dup = data.get("duplicates", 0)
        self.log_line(f"done: {added} sample(s) added, {dup} duplicate(s) dropped")
        if data.get("capped"):
            self.log_line(f"{data['capped']} sample(s) beyond the dataset's size left out")
        files = data.get("files") or {}
        failed = 0
        for path, f in files.items():
            if f.get("status") == "error":
                failed += 1
                self.log_line(f"error: {Path(path).name}: {f.get('error', '')}")
            else:
                self.log_line(f"{Path(path).name}: {f.get('found', 0)} found, "
                              f"{f.get('added', 0)} added")
        self.ftb.dataset = self.name_running
        self.finished = True
        self.refresh_data()
        note = f" ({failed} file(s) failed: see the log)" if failed else ""
        self.status(f"Done: {added} sample(s) added to {self.name_running}{note}. "
                    "Press 5 to review, 6 to validate.", "warn" if failed else "ok")

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        self._finish()
        self.query_one("#figures", Static).update(escape(self.figures()))
        prefix = "cancelled" if event.cancelled else "failed"
        text = event.error
        self.log_line(text if text.lower().startswith(prefix) else f"{prefix}: {text}")
        self.finished = True
        self.refresh_data()
        if event.cancelled:
            self.status("Cancelled; samples made so far are kept. r resumes.", "warn")
        else:
            self.fail(event.error)

    def _finish(self) -> None:
        self.cancel_token = None
        if self._handler is not None:
            logging.getLogger("ftbuilder").removeHandler(self._handler)
            self._handler = None
        self.query_one("#start", Button).disabled = False
        self.query_one("#resume", Button).disabled = False
        self.query_one("#cancel", Button).disabled = True

