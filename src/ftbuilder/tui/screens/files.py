"""Files: browse input_files/ (or any folder), pick files, read them and see each one's report.

Reading runs in a worker through services.ingest; a bad file shows its error and the others go
on. The picked files are what Generate builds from. ``s`` shows the Sources section instead
(git repositories and Hugging Face / Parquet imports: :mod:`ftbuilder.tui.widgets.sources`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, DirectoryTree, Input, Label, ProgressBar

from ftbuilder.core.progress import Progress
from ftbuilder.tui.jobs import fmt_eta
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import SafeStatic, cell, num, safe
from ftbuilder.tui.widgets.sources import SourcesPanel

COUNTS = ("pages", "sheets", "slides")


def human_size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


class ProjectTree(DirectoryTree):
    """A directory tree whose root shows a short label (no absolute paths on screen)."""

    def __init__(self, path: Path, label: str, **kwargs) -> None:
        self.root_label = label
        super().__init__(path, **kwargs)

    def reset_node(self, node, label, data=None):  # type: ignore[no-untyped-def]
        if node is self.root:
            label = self.root_label
        return super().reset_node(node, label, data)

    def process_label(self, label):  # type: ignore[no-untyped-def]
        return super().process_label(Text(safe(label)) if isinstance(label, str) else label)

    def filter_paths(self, paths):  # type: ignore[no-untyped-def]
        return [p for p in paths if not p.name.startswith(".")]


class FilesScreen(FtbScreen):
    MODE = "files"
    AUTO_FOCUS = "#tree"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "add", "Pick"),
        Binding("a", "add_all", "Pick all"),
        Binding("x,delete", "remove", "Unpick"),
        Binding("ctrl+r", "read", "Read files"),
        Binding("s", "sources", "Sources"),
    ]
    RUN_BUTTONS = ("#read",)

    def __init__(self) -> None:
        super().__init__()
        self.reports: dict[str, object] = {}

    def compose_body(self) -> ComposeResult:
        s = self.ctx.settings
        with Horizontal(id="files-main"):
            with Vertical(id="files-left"):
                yield Label("Browse (type a folder and press enter)", classes="section")
                yield Input(s.config.input_dir, id="root")
                yield ProjectTree(s.input_dir, s.config.input_dir + "/", id="tree")
            with Vertical(id="files-right"):
                yield Label("Picked files", classes="section")
                yield DataTable(id="picked", cursor_type="row", zebra_stripes=True)
                yield SafeStatic("", id="detail", markup=False)
                yield ProgressBar(id="progress", show_eta=False)
                with Horizontal(classes="row"):
                    yield Button("Pick all (a)", id="add_all")
                    yield Button("Read files (ctrl+r)", id="read", variant="primary")
                    yield Button("Cancel", id="cancel", disabled=True)
        yield SourcesPanel(id="src-panel")

    def action_sources(self) -> None:
        """Show the Sources section (git repositories, dataset imports) or go back."""
        panel = self.query_one("#src-panel", SourcesPanel)
        showing = not panel.display
        panel.display = showing
        self.query_one("#files-main").display = not showing
        if showing:
            panel.refresh_data()
            self.query_one("#src-list").focus()
            self.status("Sources: Sync clones repos.txt; Prepare makes samples from the "
                        "repositories; Import reads hf:OWNER/NAME or Parquet/Arrow/CSV. "
                        "s goes back.")
        else:
            self.query_one("#tree").focus()
            self.rebuild()

    def on_mount(self) -> None:
        t = self.query_one("#picked", DataTable)
        # status second and short, so it shows at 120 columns; the highlighted file's full
        # error or warnings are in #detail under the table
        t.add_column("file", key="file")
        t.add_column("status", key="status")
        t.add_column("type", key="type")
        t.add_column("size", key="size")
        t.add_column("parts", key="parts")  # "12 pages", "3 sheets", "5 slides"
        t.add_column("tokens", key="tokens")
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#src-panel", SourcesPanel).display = False
        self.rebuild()

    def refresh_data(self) -> None:
        self.rebuild()
        panel = self.query_one("#src-panel", SourcesPanel)
        if panel.display:
            panel.refresh_data()

    # --- helpers ----------------------------------------------------------------------------
    def show(self, path: str | Path) -> str:
        p = Path(path)
        try:
            return str(p.resolve().relative_to(self.ctx.settings.root.resolve()))
        except ValueError:
            return str(p)

    def rebuild(self) -> None:
        t = self.query_one("#picked", DataTable)
        cursor = t.cursor_row
        t.clear()
        for path in self.ftb.selected_files:
            t.add_row(*self.cells(path), key=path)
        if t.row_count:
            t.move_cursor(row=min(cursor, t.row_count - 1))
        n = len(self.ftb.selected_files)
        errors = sum(1 for r in self.reports.values() if getattr(r, "status", "") == "error")
        if n and not errors:
            self.status(f"{n} file(s) picked. ctrl+r reads them; 4 goes to Generate.")
        elif not n:
            self.status("Pick files with p or enter (a picks the whole folder), then ctrl+r.")

    def cells(self, path: str) -> tuple[Text, ...]:
        rep = self.reports.get(str(Path(path).resolve()))
        p = Path(path)
        if rep is None:
            size = human_size(p.stat().st_size) if p.is_file() else "?"
            return (cell(self.show(p)), cell("not read yet", "muted"),
                    cell(p.suffix.lstrip(".").lower() or "?"), cell(size), cell(""), cell(""))
        parts = ", ".join(f"{getattr(rep, k)} {k}" for k in COUNTS if getattr(rep, k, None)) \
            or (f"{rep.chars:,} chars" if getattr(rep, "chars", 0) else "")  # text formats
        if rep.status == "error":
            status = cell("error", "error")
        elif getattr(rep, "warnings", None):
            status = cell(f"{rep.status}, {len(rep.warnings)} warning(s)", "warn")
        else:
            status = cell(rep.status, "ok")
        return (cell(self.show(rep.path)), status, cell(rep.type), cell(human_size(rep.bytes)),
                cell(parts), num(rep.tokens or None))

    @on(DataTable.RowHighlighted, "#picked")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        rep = self.reports.get(str(Path(str(event.row_key.value)).resolve()))
        detail = self.query_one("#detail", SafeStatic)
        if rep is None:
            detail.update("")
        elif rep.status == "error":
            detail.update(f"{self.show(rep.path)}: {rep.error}")
        elif getattr(rep, "warnings", None):
            detail.update(f"{self.show(rep.path)}: " + "; ".join(rep.warnings[:5]))
        else:
            detail.update(f"{self.show(rep.path)}: {rep.chars:,} characters, "
                          f"{rep.tokens:,} tokens")

    def pick(self, paths: list[Path]) -> None:
        have = set(self.ftb.selected_files)
        for p in paths:
            s = str(p.resolve())
            if s not in have:
                self.ftb.selected_files.append(s)
                have.add(s)
        self.rebuild()

    def discover(self, path: Path) -> list[Path] | None:
        ingest = self.service("ingest")
        return None if ingest is None else self.call_service(ingest.discover_files, [path])

    # --- actions ----------------------------------------------------------------------------
    @on(Input.Submitted, "#root")
    def _root(self, event: Input.Submitted) -> None:
        path = Path(event.value).expanduser()
        if not path.is_absolute():
            path = self.ctx.settings.root / path
        if not path.is_dir():
            self.fail(f"{event.value} is not a folder")
            return
        tree = self.query_one("#tree", ProjectTree)
        tree.root_label = event.value.rstrip("/") + "/"
        tree.path = path
        tree.focus()

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.pick([event.path])

    def action_add(self) -> None:
        tree = self.query_one("#tree", ProjectTree)
        node = tree.cursor_node
        if node is None or node.data is None:
            return
        path = Path(node.data.path)
        self.pick((self.discover(path) or []) if path.is_dir() else [path])

    @on(Button.Pressed, "#add_all")
    def action_add_all(self) -> None:
        tree = self.query_one("#tree", ProjectTree)
        found = self.discover(Path(tree.path))
        if found is not None:
            self.pick(found)
            self.status(f"{len(found)} file(s) found in {tree.root_label}", "ok")

    def action_remove(self) -> None:
        t = self.query_one("#picked", DataTable)
        if not t.row_count:
            return
        key = t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value
        if key in self.ftb.selected_files:
            self.ftb.selected_files.remove(key)
        self.rebuild()

    @on(Button.Pressed, "#read")
    def action_read(self) -> None:
        if not self.ftb.selected_files:
            self.fail("no files picked: pick some with p, enter or a")
            return
        ingest = self.service("ingest")
        if ingest is None:
            return
        self.start_cancellable("ingest", ingest.ingest_paths, self.ctx,
                               list(self.ftb.selected_files),
                               total=len(self.ftb.selected_files))
        self.status("Reading files…")

    def cancelling(self) -> None:
        self.status("Cancelling…", "warn")

    def show_progress(self, job: str, p: Progress) -> None:
        self.status(f"{p.stage}: {p.done}/{p.total} {p.message} · {p.rate:.1f}/s · "
                    f"ETA {fmt_eta(p.eta)}")

    def job_done(self, job: str, result: Any) -> None:
        for rep in result.reports:
            self.reports[str(Path(rep.path).resolve())] = rep
        self.ftb.last_ingest = result
        self.rebuild()
        failed = [i for i, path in enumerate(self.ftb.selected_files)
                  if getattr(self.reports.get(str(Path(path).resolve())), "status", "") == "error"]
        if failed:  # show the first bad file's error under the table
            self.query_one("#picked", DataTable).move_cursor(row=failed[0])
        kind = "warn" if result.failed else "ok"
        self.status(f"Read {result.ok} file(s), {result.failed} failed. "
                    "Press 4 to generate from them.", kind)
