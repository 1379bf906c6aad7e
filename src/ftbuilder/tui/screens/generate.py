"""Generate: run the configured mode over the picked files in a worker, with live progress.

Progress bar, samples and tokens so far, rate, ETA, estimated training cost, a live log, cancel
(work done so far is kept), and resume of an interrupted run (services.resume). The batch
switch sends the LLM work through the provider's batch API; the pending batches table lists
the batches not collected yet and c collects them (services.batch, docs/scale.md).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, DataTable, Label, ProgressBar, RichLog, Static, Switch

from ftbuilder.core.progress import Progress
from ftbuilder.services import batch as batch_service
from ftbuilder.services import browse, budget, resume
from ftbuilder.services import settings as edit
from ftbuilder.tui.jobs import fmt_eta
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import cell, escape, num, safe
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


class GenerateScreen(FtbScreen):
    MODE = "generate"
    AUTO_FOCUS = "#start"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("g", "start", "Generate"),
        Binding("r", "resume", "Resume"),
        Binding("c", "collect", "Collect batches"),
    ]
    RUN_BUTTONS = ("#start", "#resume", "#collect")
    HIDE_PROGRESS = False  # the last run's figures stay on screen

    def __init__(self) -> None:
        super().__init__()
        self.started = 0.0
        self.before = 0
        self.before_tokens = 0
        self.name_running = ""
        self._handler: _Forward | None = None
        self._again: Callable[[], None] | None = None  # the last build, confirmed
        self._last_line = ""
        self._last: tuple[int, int, float | None, str] = (0, 0, None, "")
        self.finished = False
        self.failures: list[str] = []

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="gen-left"):
                yield Label("Run", classes="section")
                yield Static(id="plan")
                with Horizontal(classes="row"):
                    yield Button("Generate (g)", id="start", variant="primary")
                    yield Button("Cancel (esc)", id="cancel", disabled=True)
                    yield Button("Resume (r)", id="resume")
                with Horizontal(classes="row"):
                    yield Switch(id="batch-mode", value=False)
                    yield Label("batch API: half price, within 24 h", id="batch-label")
                yield ProgressBar(id="progress", show_eta=False)
                yield Static(id="figures")
                yield Label("Unfinished runs", classes="section")
                yield DataTable(id="unfinished", cursor_type="row")
                with Horizontal(classes="row"):
                    yield Label("Pending batches", classes="section")
                    yield Button("Collect (c)", id="collect")
                yield DataTable(id="batches", cursor_type="row")
            with Vertical(id="gen-right"):
                yield Label("Log", classes="section")
                yield RichLog(id="log", wrap=True, markup=False, max_lines=2000, min_width=20)

    def on_mount(self) -> None:
        self.query_one("#unfinished", DataTable).add_columns("run", "dataset", "status",
                                                              "started")
        self.query_one("#batches", DataTable).add_columns("dataset", "provider", "batch",
                                                           "state", "items")
        # no bar (and no idle animation) until a run starts
        self.query_one("#progress", ProgressBar).display = False

    def refresh_data(self) -> None:
        other = {self.ctx.settings.config.output_name, self.ftb.dataset} != {self.name_running}
        if self.cancel_token is None and self.name_running and other:
            self.reset_run()  # another dataset now: the last run's figures are not its own
        self.query_one("#plan", Static).update(self.plan_text())
        t = self.query_one("#unfinished", DataTable)
        t.clear()
        for r in browse.interrupted_runs(self.ctx):
            if r["dataset"]:
                t.add_row(num(r["id"]), cell(r["dataset"]), cell(r["status"], "warn"),
                          cell((r["started_at"] or "").replace("T", " ").rstrip("Z")),
                          key=str(r["id"]))
        b = self.query_one("#batches", DataTable)
        b.clear()
        for row in batch_service.list_batches(self.ctx):
            if not row["collected"]:
                b.add_row(cell(row["dataset"]), cell(row["provider"]),
                          cell(row["batch_id"] or "(sending)"), cell(row["state"], "warn"),
                          num(row["items"]), key=str(row["id"]))
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
    def reset_run(self, clear_log: bool = True) -> None:
        """Forget the last run's progress, figures, failures (and log) on screen."""
        self._last = (0, 0, None, "")
        self.failures = []
        self.finished = False
        self.name_running = ""
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = False
        self.query_one("#figures", Static).update("")
        if clear_log:
            self.query_one("#log", RichLog).clear()

    def _begin(self, job: str, fn, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        name = self.ctx.settings.config.output_name if job == "build" else args[1]
        ds = browse.dataset_or_none(self.ctx, name)
        self.before = ds.total_samples if ds else 0
        self.before_tokens = ds.total_tokens if ds else 0
        self.reset_run()  # progress, figures, failures and log are per run
        self.name_running = name
        self.started = time.monotonic()
        self._handler = _Forward(self)
        logging.getLogger("ftbuilder").addHandler(self._handler)
        if logging.getLogger("ftbuilder").level in (logging.NOTSET,) or \
                logging.getLogger("ftbuilder").level > logging.INFO:
            logging.getLogger("ftbuilder").setLevel(logging.INFO)
        self.log_line(f"{job} {name}: started")
        self.start_cancellable(job, fn, *args, **kwargs)
        self.query_one("#figures", Static).update(escape(self.figures()))
        self.status(f"Running {job} into {name}…")

    def action_start(self) -> None:
        if self.cancel_token is not None:
            return
        c = self.ctx.settings.config
        if c.mode == "free" and c.agent.free.use_prompt_file and not edit.read_prompt(
                self.ctx, str(edit.FREE_PROMPT)).strip():
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
        batch = self.query_one("#batch-mode", Switch).value and c.mode != "identify"
        if batch:
            req_fields["batch"] = True
        budget = self.service("budget")
        est = budget and self.call_service(budget.estimate, self.ctx, c.mode, c.dataset_size,
                                           batch=batch)
        self.ask_cost(est, lambda yes: self._begin(
            "build", build, self.ctx, BuildRequest(**req_fields, confirmed=yes)))
        # a stop found during the run (identify's LLM fallback, priced once the patterns have
        # run): asked then, and the same build run again confirmed
        self._again = lambda: self._begin("build", build, self.ctx,
                                          BuildRequest(**req_fields, confirmed=True))

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
        budget = self.service("budget")
        est = budget and self.call_service(budget.estimate_retry, self.ctx, name)
        self.ask_cost(est, lambda yes: self._begin("resume", resume.resume, self.ctx, name,
                                                   confirmed=yes))

    @on(Button.Pressed, "#resume")
    def _resume_pressed(self) -> None:
        self.action_resume()

    def action_collect(self) -> None:
        """Collect the selected pending batch's dataset (or the configured one)."""
        if self.cancel_token is not None:
            return
        t = self.query_one("#batches", DataTable)
        name = str(t.get_row_at(t.cursor_row)[0]) if t.row_count else \
            self.ctx.settings.config.output_name
        if not any(not r["collected"] for r in batch_service.list_batches(self.ctx)):
            self.fail("no batches are waiting to be collected (switch batch mode on and "
                      "press g to send some)")
            return
        generate = self.service("generate")
        if generate is not None:
            self._begin("collect", generate.collect_batches, self.ctx, name)

    @on(Button.Pressed, "#collect")
    def _collect_pressed(self) -> None:
        self.action_collect()

    def cancelling(self) -> None:
        self.log_line("cancel requested: stopping (calls in flight are cut off and asked "
                      "again on resume; samples saved are kept)…")
        self.status("Cancelling… samples made so far are kept.", "warn")

    # --- feedback ---------------------------------------------------------------------------
    def log_line(self, text: str) -> None:
        self.query_one("#log", RichLog).write(safe(text, "\t"))

    @on(LogLine)
    def _log(self, event: LogLine) -> None:
        prefix = {logging.WARNING: "warning: ", logging.ERROR: "error: "}.get(event.level, "")
        self.log_line(prefix + event.text)

    def figures(self) -> str:
        done, total, eta, stage = self._last
        ds = browse.dataset_or_none(self.ctx, self.name_running)
        all_samples, all_tokens = (ds.total_samples, ds.total_tokens) if ds else (0, 0)
        samples, tokens = all_samples - self.before, all_tokens - self.before_tokens
        elapsed = max(time.monotonic() - self.started, 1e-6)
        c = self.ctx.settings.config
        provider, model = (ds.provider, ds.model) if ds else (c.provider, c.model)
        return "\n".join([
            f"samples so far  {samples:,}   (dataset total {all_samples:,})",
            f"tokens so far   {tokens:,}   (dataset total {all_tokens:,})",
            f"rate            {samples / elapsed:.1f} samples/s   "
            f"{stage or 'items'} {done}/{total or '?'}",
            f"elapsed / ETA   {fmt_eta(elapsed)} / {fmt_eta(eta)}",
            f"estimated cost  training {budget.epoch_cost_text(provider, model, all_tokens)}",
            *(["failures       " + "; ".join(self.failure_counts())]
              if self.failure_counts() else []),
        ])

    def failure_counts(self) -> list[str]:
        """The run's failures in short (the log has every line, with the error and hint)."""
        files = sum(f.startswith("file failed:") for f in self.failures)
        return ([f"{files} file(s) failed"] if files else []) + [
            f for f in self.failures if not f.startswith(("error:", "hint:", "file failed:"))]

    def show_progress(self, job: str, p: Progress) -> None:
        self._last = (p.done, p.total, p.eta, p.stage)
        self.query_one("#figures", Static).update(escape(self.figures()))
        line = f"{p.stage}: {p.message}".strip(": ")
        if line and line != self._last_line:
            self._last_line = line
            self.log_line(f"[{p.done}/{p.total or '?'}] {line}")

    def job_done(self, job: str, result: Any) -> None:
        from ftbuilder.services.runs import failure_lines

        data = result.to_dict() if hasattr(result, "to_dict") else {}
        self.failures = failure_lines(data)
        self.query_one("#figures", Static).update(escape(self.figures()))
        added = data.get("samples_added", "?")
        dup = data.get("duplicates", 0)
        self.log_line(f"done: {added} sample(s) added, {dup} duplicate(s) dropped")
        if data.get("capped"):
            self.log_line(f"{data['capped']} sample(s) beyond the dataset's size left out")
        gen = (data.get("stats") or {}).get("generation") or {}
        batch = gen.get("batch")
        if batch:
            self.log_line(f"batches {', '.join(batch.get('batches') or []) or 'none'}: "
                          f"{batch.get('sent', 0)} sent, {batch.get('succeeded', 0)} answered, "
                          f"{batch.get('failed', 0)} failed or expired; cost "
                          f"{gen.get('estimated_cost_usd')} USD at batch prices")
        for e in gen.get("endpoints") or []:
            self.log_line(f"endpoint {e.get('url')}: {e.get('ok', 0)} answered "
                          f"({100 * e.get('share', 0):.0f}%), {e.get('failed', 0)} failed, "
                          f"taken out {e.get('ejections', 0)} time(s), now {e.get('state')}")
        files = data.get("files") or {}
        failed = 0
        for path, f in files.items():
            if f.get("status") == "error":
                failed += 1
                self.log_line(f"error: {Path(path).name}: {f.get('error', '')}")
            else:
                self.log_line(f"{Path(path).name}: {f.get('found', 0)} found, "
                              f"{f.get('added', 0)} added")
        for line in self.failures:
            if not line.startswith("file failed:"):  # the files were logged above
                self.log_line(line)
        self.ftb.dataset = self.name_running
        self.finished = True
        self.refresh_data()
        short = next((f[len("error: "):] for f in self.failures if f.startswith("error: ")), "")
        if short:  # as the CLI: the build ended short of its size, and why
            self.status(f"Done, short: {short}. See the log for the reasons and what to do.",
                        "warn")
            return
        note = f" ({failed} file(s) failed: see the log)" if failed else ""
        self.status(f"Done: {added} sample(s) added to {self.name_running}{note}. "
                    "Press 5 to review, 6 to validate.", "warn" if failed else "ok")

    def job_failed(self, job: str, error: str, cancelled: bool) -> None:
        from ftbuilder.services.budget import BudgetExceeded

        again, self._again = self._again, None
        if isinstance(self.job_error, BudgetExceeded) and again is not None and job == "build":
            self.log_line(f"stopped before the LLM calls: {self.job_error}")
            self.finished = True
            self.refresh_data()
            self.ask_cost(self.job_error.estimate, lambda yes: again() if yes else None,
                          "turn the LLM fallback off")
            return
        self.query_one("#figures", Static).update(escape(self.figures()))
        prefix = "cancelled" if cancelled else "failed"
        self.log_line(error if error.lower().startswith(prefix) else f"{prefix}: {error}")
        self.finished = True
        self.refresh_data()
        if cancelled:
            self.status("Cancelled; samples made so far are kept. r resumes.", "warn")
        else:
            self.fail(error)

    def job_ended(self, job: str) -> None:
        if self._handler is not None:
            logging.getLogger("ftbuilder").removeHandler(self._handler)
            self._handler = None

