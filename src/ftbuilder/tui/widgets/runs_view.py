"""Dialogs of free mode's loop: a preview's samples, and runs compared side by side."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Label

from ftbuilder.tui.widgets.cells import SafeStatic, cell
from ftbuilder.tui.widgets.modals import CloseScreen
from ftbuilder.tui.widgets.sample_view import conversation_widgets


class PreviewScreen(CloseScreen):
    """The samples a preview made (not saved anywhere), with their figures."""

    def __init__(self, preview: Any) -> None:  # services.preview.Preview
        super().__init__()
        self.preview = preview

    def compose(self) -> ComposeResult:
        p = self.preview
        f = p.figures.cells() if p.figures is not None else {}
        head = (f"{len(p.samples)} sample(s) · on topic {f.get('on topic (keywords)', '-')} · "
                f"grounding flags {f.get('grounding flags', '-')} · cost "
                f"{f.get('estimated cost', '-')} · not saved: run with 4, g")
        with Vertical(classes="dialog wide"):
            yield Label("Preview of free mode", classes="question")
            yield SafeStatic(f"instruction: {' '.join(p.instruction.split())}", markup=False,
                             classes="note")
            yield SafeStatic(head, markup=False, classes="note")
            for line in p.failures:
                yield SafeStatic(line, markup=False, classes="warn")
            with VerticalScroll(id="conversation"):
                for i, conv in enumerate(p.samples, 1):
                    yield Label(f"sample {i}", classes="section")
                    yield from conversation_widgets(conv)
            yield Button("Close (esc)", id="close")


class CompareScreen(CloseScreen):
    """Runs (and the last preview) side by side: one column each, newest first."""

    def __init__(self, figures: list[Any]) -> None:  # services.runs.RunFigures
        super().__init__()
        self.figures = figures

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Free-mode runs compared (on topic: samples naming a word of the "
                        "instruction)", classes="question")
            yield DataTable(id="compare", cursor_type="row", zebra_stripes=True)
            yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        from ftbuilder.services.runs import compare_rows

        t = self.query_one("#compare", DataTable)
        rows = compare_rows(self.figures)
        t.add_columns("", *(f.label for f in self.figures))
        for row in rows[1:]:
            t.add_row(*(cell(v if len(v) <= 60 else v[:59] + "…") for v in row))
        t.focus()
