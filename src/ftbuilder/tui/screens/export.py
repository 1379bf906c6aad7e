"""Export: format(s), destination, CSV and stats options; shows the files written and whether
each one passes the target's validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    ProgressBar,
    Select,
    SelectionList,
    Switch,
)

from ftbuilder.core.progress import Progress
from ftbuilder.services import browse
from ftbuilder.tui.jobs import fmt_eta
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.screens.files import human_size
from ftbuilder.tui.widgets.cells import SafeStatic, cell, num

# The export formats the TUI offers; "target" = the dataset's provider format.
FALLBACK_FORMATS = [("target provider format", "target"), ("ShareGPT", "sharegpt"),
                    ("Alpaca", "alpaca")]


def export_formats() -> list[tuple[str, str]]:
    """(label, value) of every export format the export service knows."""
    try:
        from ftbuilder.services import export

        fmts = getattr(export, "FORMATS", None)
    except ImportError:
        fmts = None
    if not fmts:
        return FALLBACK_FORMATS
    if isinstance(fmts, dict):
        return [(f"{k}: {v}", k) for k, v in fmts.items()]
    return [(f, f) for f in fmts]


def file_errors(ctx: Any, path: str, fmt: str, dataset: str) -> list[str]:
    """Why an exported file failed validation: its errors (the first 5), each with its fix.

    The file is checked as the export checked it: against its format's provider, the
    dataset's model when that provider is the dataset's target, else the provider's default.
    """
    from ftbuilder.services import export, validate

    provider = export.FORMAT_PROVIDERS.get(fmt)
    if provider is None:
        return [f"no provider rules for the {fmt} format"]
    ds = browse.dataset_or_none(ctx, dataset)
    model = ds.model if ds and ds.provider == provider else export.default_model(provider).id
    report = validate.validate_file(ctx, path, provider, model)
    errors = [v for v in report.violations if v.severity == "error"
              and (Path(path).name in export.TRAINING_FILES
                   or v.code not in export.TRAINING_ONLY_CODES)]
    lines = [f"{'file' if not v.line else f'line {v.line}'}: {v.message}"
             + (f" ({v.fix})" if v.fix else "") for v in errors[:5]]
    if len(errors) > 5:
        lines.append(f"+{len(errors) - 5} more: `ftb validate {path}` lists them all")
    return lines


class ExportScreen(FtbScreen):
    MODE = "export"
    AUTO_FOCUS = "#formats"
    # priority: ctrl+e exports from any field (an Input would take it as "end of line")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+e", "export", "Export",
                                                     priority=True)]

    RUN_BUTTONS = ("#export",)

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []
        self.failed: dict[str, tuple[str, str]] = {}

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="exp-left"):
                yield Label("Dataset", classes="field")
                yield Select([], id="dataset", prompt="dataset", allow_blank=True)
                yield Label("Formats", classes="field")
                yield SelectionList(id="formats")
                yield Label("Destination (a folder per dataset)", classes="field")
                yield Input(id="dest")
                with Horizontal(classes="row"):
                    yield Switch(id="csv")
                    yield Label("metadata.csv", classes="inline")
                with Horizontal(classes="row"):
                    yield Switch(id="stats")
                    yield Label("stats.json", classes="inline")
                with Horizontal(classes="row"):
                    yield Button("Export (ctrl+e)", id="export", variant="primary")
                    yield Button("Cancel", id="cancel", disabled=True)
                yield ProgressBar(id="progress", show_eta=False)
            with Vertical(id="exp-right"):
                yield Label("Files written", classes="section")
                yield DataTable(id="written", zebra_stripes=True, cursor_type="row")
                yield SafeStatic(id="exp-note", classes="note", markup=False)

    def on_mount(self) -> None:
        c = self.ctx.settings.config
        # the export service (and datasketch, scipy behind it) loads in a worker: importing it
        # here froze the screen for 0.5 s the first time Export was opened
        self.start("formats", export_formats)
        self.query_one("#dest", Input).value = c.output.dir
        self.query_one("#csv", Switch).value = c.output.include_csv
        self.query_one("#stats", Switch).value = c.output.include_stats
        self.query_one("#written", DataTable).add_columns("file", "validation", "errors",
                                                          "warnings", "examples", "size")
        self.query_one("#progress", ProgressBar).display = False

    def refresh_data(self) -> None:
        want = self.fill_dataset_select()
        if not want:
            self.status("No datasets yet.", "warn")
        elif self.cancel_token is None:
            self.status(f"ctrl+e exports {want}.")

    def show(self, path: str | Path) -> str:
        p = Path(path)
        try:
            return str(p.resolve().relative_to(self.ctx.settings.root.resolve()))
        except ValueError:
            return str(p)

    @on(Input.Submitted, "#dest")
    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        if self.cancel_token is not None:  # an export is running
            return
        name = self.query_one("#dataset", Select).value
        formats = self.query_one("#formats", SelectionList)
        # the list is still loading: the default choice is the dataset's own format
        fmts = list(formats.selected) if formats.option_count else ["target"]
        if not isinstance(name, str):
            self.fail("pick a dataset to export")
            return
        if not fmts:
            self.fail("pick at least one format")
            return
        dest = Path(self.query_one("#dest", Input).value.strip() or "output_datasets")
        if not dest.is_absolute():
            dest = self.ctx.settings.root / dest
        export = self.service("export")
        if export is None:
            return
        self.query_one("#written", DataTable).clear()
        self.notes: list[str] = []
        self.failed: dict[str, tuple[str, str]] = {}  # path -> (format, dataset)
        self.all_ok = True
        self._queue = list(fmts)
        self._several = len(fmts) > 1
        self._args = (name, dest / export.folder_name(name), self.query_one("#csv", Switch).value,
                      self.query_one("#stats", Switch).value)
        self._export_next()

    def _export_next(self) -> None:
        export = self.service("export")
        fmt = self._queue.pop(0)
        name, dest, csv, stats = self._args
        self.status(f"Exporting {name} as {fmt}…")
        folder = browse.target_format(self.ctx, name) if fmt == "target" else fmt
        out = dest / folder if self._several else dest
        self.start_cancellable("export", export.export_dataset, self.ctx, name, fmt, out,
                               include_csv=csv, include_stats=stats)

    def cancelling(self) -> None:
        self._queue = []
        super().cancelling()

    def show_progress(self, job: str, p: Progress) -> None:
        self.status(f"{p.stage}: {p.done:,}/{p.total:,} · ETA {fmt_eta(p.eta)}")

    def job_done(self, job: str, result: Any) -> None:
        if job == "formats":
            sel = self.query_one("#formats", SelectionList)
            for i, (label, value) in enumerate(result):
                sel.add_option((label, value, i == 0))
            return
        if job == "why":
            self.query_one("#exp-note", SafeStatic).update(
                "\n".join(["Why it failed:", *result, "", *self.notes]))
            return
        self.add_files(result)
        if self._queue:
            self._export_next()
            return
        if self.all_ok:
            self.status("Export done: every file passes the target's validation.", "ok")
        else:
            self.status("Export done, but some files fail validation or skipped samples: "
                        "enter on a failed file says why.", "warn")
            if self.failed:
                t = self.query_one("#written", DataTable)
                t.move_cursor(row=t.get_row_index(next(iter(self.failed))))
                t.focus()

    @on(DataTable.RowSelected, "#written")
    def _why(self, event: DataTable.RowSelected) -> None:
        path = str(event.row_key.value)
        if path in self.failed:
            self.start("why", file_errors, self.ctx, path, *self.failed[path])

    def short(self, path: str | Path) -> str:
        """A written file's path inside the dataset's export folder (e.g. openai/train.jsonl),
        so the table's columns fit the screen; the folder is in the notes."""
        base = self._args[1] if getattr(self, "_args", None) else None
        try:
            return str(Path(path).resolve().relative_to(Path(base).resolve()))
        except (TypeError, ValueError):
            return self.show(path)

    def add_files(self, result: Any) -> None:
        t = self.query_one("#written", DataTable)
        notes = [f"{result.format}: {result.examples:,} example(s) into "
                 f"{self.show(result.out_dir)}"]
        for f in result.files:
            tone = "ok" if f.ok else ("error" if f.ok is False else "muted")
            if f.note:
                notes.append(f"{self.short(f.path)}: {f.note}")
            status = "unchecked" if f.ok is None else f.validation
            if f.ok is False:
                self.failed[f.path] = (result.format, result.dataset)
            t.add_row(cell(self.short(f.path)), cell(status, tone), num(f.violations),
                      num(f.warnings), num(f.examples), cell(human_size(f.bytes)), key=f.path)
        for path in (result.metadata_csv, result.stats_json,
                     *(getattr(result, "extra_files", None) or [])):
            if path:
                t.add_row(cell(self.short(path)), cell("written", "muted"), cell(""), cell(""),
                          cell(""), cell(""))
        if result.skipped:
            notes.append(f"{result.skipped:,} sample(s) skipped: " + ", ".join(
                f"{k} {v}" for k, v in result.skip_reasons.items()))
        notes += result.warnings
        self.notes.extend(notes)
        self.query_one("#exp-note", SafeStatic).update("\n".join(self.notes))
        self.all_ok = self.all_ok and result.ok

