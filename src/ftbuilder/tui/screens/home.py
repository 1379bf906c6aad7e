"""Home: the datasets in the store, recent runs, and what is configured or missing."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, Static

from ftbuilder.config import KEY_VARS
from ftbuilder.services import browse
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import cell, escape, num
from ftbuilder.tui.widgets.modals import AskScreen, ConfirmScreen


def rel(ctx_root, path) -> str:
    """A path relative to the project root when inside it (screens never show tmp paths)."""
    from pathlib import Path

    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path(ctx_root).resolve()))
    except ValueError:
        return str(p)


class HomeScreen(FtbScreen):
    MODE = "home"
    AUTO_FOCUS = "#datasets"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open"),
        Binding("c", "duplicate", "Duplicate"),
        Binding("x,delete", "delete", "Delete"),  # the footer shows x, as Help says
        Binding("r", "reload", "Refresh"),
    ]

    def compose_body(self) -> ComposeResult:
        # datasets across the whole width (every column fits 120 columns), runs and setup below
        with Vertical(id="home-top"):
            yield Label("Datasets", classes="section")
            yield DataTable(id="datasets", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="home-bottom"):
            with Vertical(id="home-left"):
                yield Label("Recent runs", classes="section")
                yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
            with Vertical(id="home-right", classes="panel"):
                yield Label("Setup", classes="section")
                yield Static(id="setup")

    def on_mount(self) -> None:
        t = self.query_one("#datasets", DataTable)
        t.add_columns("name", "target", "mode", "samples", "tokens", "created")
        r = self.query_one("#runs", DataTable)
        r.add_columns("run", "dataset", "kind", "status", "started", "result")

    def refresh_data(self) -> None:
        t = self.query_one("#datasets", DataTable)
        keep = self._selected()  # the cursor stays on the same dataset, wherever it moves
        t.clear()
        datasets = browse.list_datasets(self.ctx)
        for d in datasets:
            t.add_row(cell(d.name), cell(f"{d.provider}/{d.model}"), cell(d.mode),
                      num(d.total_samples), num(d.total_tokens),
                      cell(d.created_at.replace("T", " ").rstrip("Z")), key=d.name)
        names = [d.name for d in datasets]
        if keep in names:
            t.move_cursor(row=names.index(keep))
        runs = self.query_one("#runs", DataTable)
        runs.clear()
        for run in browse.list_runs(self.ctx, 12):
            stats = run.get("stats") or {}
            result = run["error"] or ", ".join(f"{k} {v}" for k, v in list(stats.items())[:3]
                                               if isinstance(v, int | float | str))
            tone = {"done": "ok", "ok": "ok", "finished": "ok", "failed": "error",
                    "cancelled": "warn", "running": "warn",
                    "interrupted": "warn"}.get(run["status"], "")
            runs.add_row(num(run["id"]), cell(run["dataset"] or ""), cell(run["kind"]),
                         cell(run["status"], tone),
                         cell((run["started_at"] or "").replace("T", " ").rstrip("Z")),
                         cell(result[:60], "error" if run["error"] else ""))
        self.query_one("#setup", Static).update(self.setup_text())
        if not datasets:
            self.status("No datasets yet: press 2 to configure, 3 to pick files, 4 to generate.")
        else:
            self.status(f"{len(datasets)} dataset(s). Enter opens one in Review.")

    def setup_text(self) -> str:
        s = self.ctx.settings
        c = s.config
        ok, warn = "[$success]✓[/]", "[$warning]![/]"
        lines = []
        cfg = s.config_path
        if cfg is not None and cfg.is_file():
            lines.append(f"{ok} config: {escape(rel(s.root, cfg))}")
        else:
            lines.append(f"{warn} no config.yaml yet: press 2 to configure")
        lines.append(f"  target  {c.provider}/{escape(c.model)}")
        lines.append(f"  mode    {c.mode}, size {c.dataset_size:,}")
        lines.append(f"  name    {escape(c.output_name)}")
        split = (f"{c.split.ratio:.0%} train" + (f", {c.split.test:.0%} test" if c.split.test
                                                 else "") + f", {c.split.strategy}")
        lines.append(f"  split   {split if c.split.enabled else 'off'}")
        writer = browse.writer_status(self.ctx)
        if writer.embedded and not any(s.has_key(p) for p in KEY_VARS):
            lines.append(f"{ok} no key: running on the embedded local model")
        elif writer.ready:
            lines.append(f"{ok} writer: {escape(writer.text)}")
        else:
            lines.append(f"{warn} writer: {escape(writer.text)}, or use llama (the embedded "
                         "local model)")
        lines.append("")
        lines.append("[b]Keys[/b] (.env or environment)")
        for var, state in s.key_status().items():
            mark = ok if state != "missing" else "[$text-muted]·[/]"
            lines.append(f" {mark} {var}: {escape(state)}")
        lines.append("")
        inputs = s.input_dir
        n = sum(1 for p in inputs.rglob("*") if p.is_file() and not p.name.startswith(".")) \
            if inputs.is_dir() else 0
        lines.append(f"{ok if n else warn} {escape(c.input_dir)}/: {n} file(s)"
                     + ("" if n else " (put your documents there, or pick any folder in 3)"))
        return "\n".join(lines)

    # --- actions ----------------------------------------------------------------------------
    def _selected(self) -> str | None:
        t = self.query_one("#datasets", DataTable)
        if t.row_count == 0:
            return None
        return t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value

    @on(DataTable.RowSelected, "#datasets")
    def _row_selected(self) -> None:
        self.action_open()

    def action_reload(self) -> None:
        self.refresh_data()

    def action_open(self) -> None:
        name = self._selected()
        if name:
            self.ftb.dataset = name
            self.ftb.go("review")

    def action_duplicate(self) -> None:
        name = self._selected()
        if not name:
            return

        def done(new: str | None) -> None:
            datasets = self.service("datasets") if new else None
            if datasets is not None:
                self.start("duplicate", datasets.duplicate_dataset, self.ctx, name, new)
                self.status(f"Duplicating {name} as {new}…")

        self.app.push_screen(AskScreen(f"Copy '{name}' as:", f"{name}_copy"), done)

    def action_delete(self) -> None:
        name = self._selected()
        if not name:
            return

        def done(yes: bool | None) -> None:
            datasets = self.service("datasets") if yes else None
            if datasets is not None:
                self.start("delete", datasets.delete_dataset, self.ctx, name)
                self.status(f"Backing up the store, then deleting {name}…", "warn")

        self.app.push_screen(ConfirmScreen(
            f"Delete dataset '{name}' and all its samples?\n"
            "A backup of the store is made first (memory/backups/).", yes="Delete"), done)

    def job_done(self, job: str, result: Any) -> None:
        self.refresh_data()
        self.status(f"{job}: done", "ok")
        if job == "delete" and self.ftb.dataset and not browse.dataset_or_none(
                self.ctx, self.ftb.dataset):
            self.ftb.dataset = ""

