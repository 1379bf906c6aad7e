"""Validate: the target provider's report on a dataset, with fixes that ask first.

Violations (enter jumps to the sample), token distribution, epochs and cost estimate; drop or
truncate the over-limit samples after a confirmation (the service backs the store up first).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Label, Select, Static

from ftbuilder.config import PROVIDERS
from ftbuilder.core.progress import Progress
from ftbuilder.services import browse
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.screens.files import human_size
from ftbuilder.tui.widgets.cells import cell, escape, num, plain
from ftbuilder.tui.widgets.charts import histogram_rows
from ftbuilder.tui.widgets.modals import ConfirmScreen


def fmt_num(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def report_text(r: Any) -> str:
    """The report's figures for people: target, sizes, tokens, epochs and cost, notes."""
    unv = " [$warning]UNVERIFIED[/]"
    est = " [$warning](estimate)[/]" if r.estimate else ""
    lines = [
        f"examples       {r.examples:,} ({escape(r.format)} format)",
        f"tokens         {r.total_tokens:,}{est}  (assistant {r.assistant_tokens:,})",
        f"limit/example  {fmt_num(r.max_tokens_per_example)}"
        + (unv if r.limit_unverified else "") + f"   over it: {r.over_limit:,}",
        f"file size      {human_size(r.file_bytes)}",
        f"epochs         {fmt_num(r.epochs)}",
        f"billed tokens  {r.billed_tokens:,} per epoch, {r.charged_tokens:,} charged",
    ]
    if r.estimated_cost is not None:
        lines.append(f"cost estimate  ${r.estimated_cost:,.2f}"
                     + (unv if r.price_unverified else ""))
    else:
        lines.append("cost estimate  no price in the registry")
    dist = (r.summary or {}).get("tokens_per_example")
    if dist:
        lines.append("per example    " + "  ".join(
            f"{k} {fmt_num(dist[k])}" for k in ("min", "median", "p95", "max") if k in dist))
    if r.by_code:
        lines.append("rules broken   " + escape(", ".join(
            f"{code} {n:,}" for code, n in sorted(r.by_code.items(), key=lambda kv: -kv[1]))))
    lines += [f"[$text-muted]{escape(n)}[/]" for n in r.notes]
    return "\n".join(lines)


MAX_ROWS = 5000


def histogram_of(ctx: Any, name: str) -> str:
    """Markup: the token-length histogram of every sample of dataset ``name``."""
    lengths = browse.token_lengths(ctx, name)
    every = {"all samples": [v for vals in lengths.values() for v in vals]}
    return histogram_rows(every, bins=24, label_width=12)


class ValidateScreen(FtbScreen):
    MODE = "validate"
    AUTO_FOCUS = "#violations"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "validate", "Validate"),
        Binding("d", "fix('drop')", "Drop over-limit"),
        Binding("t", "fix('truncate')", "Truncate over-limit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.report: Any = None
        self.reported = ""  # the dataset of the report shown

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Select([], id="dataset", prompt="dataset", allow_blank=True)
            yield Select([(p, p) for p in PROVIDERS], id="provider", allow_blank=True,
                         prompt="its target")
            yield Select([], id="model", allow_blank=True, prompt="its model")
            yield Button("Validate (v)", id="validate", variant="primary")
        with Horizontal():
            with Vertical(id="val-left"):
                yield Label("Violations (enter opens the sample)", classes="section")
                yield DataTable(id="violations", cursor_type="row", zebra_stripes=True)
                with Horizontal(classes="row"):
                    yield Button("Drop over-limit (d)", id="drop", variant="error",
                                 disabled=True)
                    yield Button("Truncate over-limit (t)", id="truncate", variant="warning",
                                 disabled=True)
            with VerticalScroll(id="val-right", classes="panel"):
                yield Label("Report", classes="section")
                yield Static(id="verdict")
                yield Label("Token distribution", classes="section")
                yield Static(id="histogram")
                yield Static(id="summary")

    def on_mount(self) -> None:
        self.query_one("#violations", DataTable).add_columns("line", "sample", "code",
                                                              "message", "fix")

    def refresh_data(self) -> None:
        names = [d.name for d in browse.list_datasets(self.ctx)]
        sel = self.query_one("#dataset", Select)
        want = self.ftb.dataset if self.ftb.dataset in names else (names[0] if names else None)
        with self.prevent(Select.Changed):
            sel.set_options([(plain(n), n) for n in names])
            if want:
                sel.value = want
        if want and want != self.reported:  # another dataset chosen on another screen
            self.clear_report()
        if want:  # after the screen is drawn (the reading thread competes for the GIL)
            self.after_refresh(self.show_histogram, want)
            if self.report is None:
                self.status("v validates the dataset against its target's rules.")
        else:
            self.status("No datasets yet.", "warn")

    def show_histogram(self, name: str) -> None:
        """Draw the dataset's token histogram; read in a worker (0.2 s at 100,000 samples)."""
        self.start("hist", histogram_of, self.ctx, name)

    def _selected(self, wid: str) -> str | None:
        v = self.query_one(f"#{wid}", Select).value
        return v if isinstance(v, str) else None

    def clear_report(self) -> None:
        """Forget the shown report: it was for another dataset or target."""
        if self.report is None:
            return
        self.report = None
        self.query_one("#violations", DataTable).clear()
        self.query_one("#verdict", Static).update("")
        self.query_one("#summary", Static).update("")
        self.query_one("#drop", Button).disabled = True
        self.query_one("#truncate", Button).disabled = True
        self.status("v validates the dataset against its target's rules.")

    @on(Select.Changed, "#dataset")
    def _dataset(self, event: Select.Changed) -> None:
        self.clear_report()
        if isinstance(event.value, str):
            self.ftb.dataset = event.value
            self.show_histogram(event.value)

    @on(Select.Changed, "#provider")
    def _provider(self, event: Select.Changed) -> None:
        from ftbuilder.targets.registry import list_models

        self.clear_report()
        models = list_models(event.value) if isinstance(event.value, str) else []
        self.query_one("#model", Select).set_options([(m.id, m.id) for m in models])

    @on(Select.Changed, "#model")
    def _model(self) -> None:
        self.clear_report()

    @on(Button.Pressed, "#validate")
    def action_validate(self) -> None:
        name = self._selected("dataset")
        if not name:
            self.fail("no dataset to validate")
            return
        validate = self.service("validate")
        if validate is None:
            return
        self.query_one("#validate", Button).disabled = True
        self.reported = name
        self.status(f"Validating {name}…")
        self.start("validate", validate.validate_dataset, self.ctx, name,
                   provider=self._selected("provider"), model=self._selected("model"))

    @on(Button.Pressed, "#drop")
    def _drop(self) -> None:
        self.action_fix("drop")

    @on(Button.Pressed, "#truncate")
    def _truncate(self) -> None:
        self.action_fix("truncate")


    def action_fix(self, action: str) -> None:
        name = self._selected("dataset")
        if not name or self.report is None:
            self.fail("validate first: fixes act on the over-limit samples it finds")
            return
        n = self.report.over_limit
        what = "Drop" if action == "drop" else "Truncate"

        def confirmed(yes: bool | None) -> None:
            validate = self.service("validate") if yes else None
            if validate is not None:
                self.status(f"{what} over-limit samples of {name}…", "warn")
                self.start("fix", validate.fix_dataset, self.ctx, name, action,
                           provider=self._selected("provider"), model=self._selected("model"))

        self.app.push_screen(ConfirmScreen(
            f"{what} the {n} over-limit sample(s) of '{name}'?\n"
            "The store is backed up first (memory/backups/).", yes=what), confirmed)

    @on(DataTable.RowSelected, "#violations")
    def _jump(self, event: DataTable.RowSelected) -> None:
        sample = str(event.row_key.value).partition(":")[2]
        name = self._selected("dataset")
        if sample.isdigit() and name:
            self.ftb.review_jump(name, int(sample))
        elif name:
            self.status("this rule is about the whole dataset, not one sample")

    def show_progress(self, job: str, p: Progress) -> None:
        self.status(f"{p.stage}: {p.done:,}/{p.total:,} {p.message}")

    def job_done(self, job: str, result: Any) -> None:
        if job == "hist":
            self.query_one("#histogram", Static).update(result)
            return
        self.query_one("#validate", Button).disabled = False
        if job == "fix":
            data = result.to_dict() if hasattr(result, "to_dict") else {}
            self.status("fixed: " + ", ".join(f"{k} {v}" for k, v in data.items()
                                              if not isinstance(v, dict | list)), "ok")
            name = self._selected("dataset")
            if name:
                self.show_histogram(name)  # the lengths changed
            self.action_validate()
            return
        self.show_report(result)

    def show_report(self, report: Any) -> None:
        self.report = report
        t = self.query_one("#violations", DataTable)
        t.clear()
        ordered = sorted(report.violations, key=lambda v: (v.severity != "error", v.line))
        for i, v in enumerate(ordered[:MAX_ROWS]):
            tone = "error" if v.severity == "error" else "warn"
            t.add_row(num(v.line), num(v.sample_id), cell(v.code, tone), cell(v.message),
                      cell(v.fix, "muted"), key=f"{i}:{v.sample_id if v.sample_id else ''}")
        n = len(report.violations)
        verdict = self.query_one("#verdict", Static)
        if report.ok:
            verdict.update(f"[$success]✓ ready for {escape(report.provider)} / "
                           f"{escape(report.model)}[/]"
                           + (f"  [$warning]{report.warnings:,} warning(s)[/]"
                              if report.warnings else ""))
        else:
            verdict.update(f"[$error]✗ {report.errors:,} error(s)[/]  "
                           f"[$warning]{report.warnings:,} warning(s)[/]")
        if n > MAX_ROWS:
            self.notify(f"showing the first {MAX_ROWS:,} of {n:,} violations (errors first)")
        self.query_one("#summary", Static).update(report_text(report))
        has_over = report.over_limit > 0
        self.query_one("#drop", Button).disabled = not has_over
        self.query_one("#truncate", Button).disabled = not has_over
        self.status(("valid" if report.ok else f"{n} violation(s)") +
                    (" · d drops / t truncates the over-limit ones" if has_over else ""),
                    "ok" if report.ok else "error")

    def job_failed(self, job: str, error: str, cancelled: bool) -> None:
        if job != "hist":
            self.query_one("#validate", Button).disabled = False
        self.fail(error)
