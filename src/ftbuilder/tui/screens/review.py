"""Review: every sample of a dataset in a virtual table (fast at 100,000+ rows), with filters.

Filtering runs in a worker (ids only); rows are fetched a page at a time as they scroll into
view (services.browse). Enter opens a sample to read, edit or delete it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Input, Label, Select

from ftbuilder.services import browse
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import plain
from ftbuilder.tui.widgets.modals import ConfirmScreen
from ftbuilder.tui.widgets.sample_view import EditScreen, SampleScreen
from ftbuilder.tui.widgets.vtable import Column, VirtualTable

COLUMNS = [Column("id", 7), Column("split", 10), Column("tokens", 7), Column("msgs", 4),
           Column("origin", 8), Column("flags", 12), Column("source", 20),
           Column("keywords", 14), Column("first message", 30, flex=True)]


def origin_label(origin: str) -> str:
    """found (extracted from the files or imported) vs written (by the agent LLM)."""
    return {"generated": "written", "identify": "found", "import": "imported"}.get(
        origin, origin or "-")
SPLITS = [("any split", ""), ("train", "train"), ("validation", "validation"),
          ("test", "test"), ("not split", "none")]


def facets_of(ctx, name: str):  # type: ignore[no-untyped-def]
    """(name, samples per source, samples per flag) of dataset ``name``: the filters' choices."""
    return name, browse.sources(ctx, name), browse.flags(ctx, name)


def _int(text: str) -> int | None:
    text = text.strip().replace(",", "")
    return int(text) if text.isdigit() else None


class ReviewScreen(FtbScreen):
    MODE = "review"
    AUTO_FOCUS = "#samples"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=False),
        Binding("e", "edit", "Edit"),
        Binding("x,delete", "delete", "Delete"),  # the footer shows x, as Help says
        Binding("slash", "find", "Filter"),
        Binding("ctrl+l", "clear_filters", "Clear filters"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._pending_jump: int | None = None
        self.loaded_name = ""
        self.total = 0

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Select([], id="dataset", prompt="dataset", allow_blank=True)
            yield Select([], id="source", prompt="any source", allow_blank=True)
            yield Input(placeholder="keyword", id="keyword")
            yield Select(SPLITS, id="split", allow_blank=False, value="")
            yield Input(placeholder="min tok", id="min_tokens", type="integer", classes="short")
            yield Input(placeholder="max tok", id="max_tokens", type="integer", classes="short")
            yield Select([], id="flag", prompt="any flag", allow_blank=True)
        yield VirtualTable(COLUMNS, self.fetch, id="samples")
        yield Label("", id="count")

    # --- data -------------------------------------------------------------------------------
    def fetch(self, ids: Sequence[int]) -> list[Sequence[str]]:
        rows = browse.rows_for_ids(self.ctx, list(ids))
        by_id = {r.id: r for r in rows}
        out: list[Sequence[str]] = []
        for i in ids:
            r = by_id.get(i)
            if r is None:
                out.append((str(i), "", "", "", "", "", "(deleted)", "", ""))
                continue
            out.append((str(r.id), r.split or "-", "?" if r.tokens is None else f"{r.tokens:,}",
                        str(r.messages), origin_label(r.origin),
                        ("⚑ " + ",".join(r.flags)) if r.flags else "",
                        r.source.rsplit("/", 1)[-1], ", ".join(r.keywords), r.preview))
        return out

    def refresh_data(self) -> None:
        jump = self.ftb.pending_jump
        if jump is not None:  # from Validate: show that sample with no filter hiding it
            self.ftb.pending_jump = None
            self.ftb.dataset, self._pending_jump = jump
            self.clear_filter_fields()
            self.loaded_name = ""
        datasets = browse.list_datasets(self.ctx)
        names = [d.name for d in datasets]
        sel = self.query_one("#dataset", Select)
        want = self.ftb.dataset if self.ftb.dataset in names else (names[0] if names else None)
        with self.prevent(Select.Changed):
            sel.set_options([(plain(n), n) for n in names])
            if want:
                sel.value = want
        if not want:
            self.query_one(VirtualTable).set_keys([])
            self.query_one("#count", Label).update("")
            self.status("No datasets yet: generate one first (4).", "warn")
            return
        if want != self.loaded_name:
            self.load_dataset(want)
        else:
            self.reload(keep_cursor=True)

    def load_dataset(self, name: str) -> None:
        self.ftb.dataset = name
        self.loaded_name = name
        self.total = browse.dataset_or_none(self.ctx, name).total_samples  # type: ignore[union-attr]
        # the filters' choices are counted in a worker (0.3 s at 100,000 samples)
        self.start("facets", facets_of, self.ctx, name)
        self.reload()

    def show_facets(self, name: str, sources: list[tuple[str, int]],
                    flags: list[tuple[str, int]]) -> None:
        if name != self.loaded_name:  # another dataset was picked meanwhile
            return
        with self.prevent(Select.Changed):
            src = self.query_one("#source", Select)
            src.set_options([(plain(f"{s.rsplit('/', 1)[-1] or '(none)'} ({n:,})"), s)
                             for s, n in sources])
            flag = self.query_one("#flag", Select)
            flag.set_options([(plain(f"{f} ({n:,})"), f) for f, n in flags])

    def filters(self) -> browse.SampleFilter:
        def sval(wid: str) -> str:
            v = self.query_one(f"#{wid}", Select).value
            return v if isinstance(v, str) else ""

        return browse.SampleFilter(
            source=sval("source"), keyword=self.query_one("#keyword", Input).value.strip(),
            split=sval("split"), min_tokens=_int(self.query_one("#min_tokens", Input).value),
            max_tokens=_int(self.query_one("#max_tokens", Input).value), flag=sval("flag"))

    def reload(self, keep_cursor: bool = False) -> None:
        if not self.loaded_name:
            return
        self._keep = keep_cursor
        self.query_one("#count", Label).update("filtering…")
        self.start("filter", browse.sample_ids, self.ctx, self.loaded_name, self.filters())

    def job_done(self, job: str, result: Any) -> None:
        if job == "facets":
            self.show_facets(*result)
        elif job == "filter":
            table = self.query_one(VirtualTable)
            table.set_keys(result, keep_cursor=getattr(self, "_keep", False))
            ds = browse.dataset_or_none(self.ctx, self.loaded_name)
            self.total = ds.total_samples if ds else 0
            self.query_one("#count", Label).update(
                f"{len(result):,} of {self.total:,} samples · enter opens, e edits, "
                "x deletes, / filters")
            if self._pending_jump is not None:
                self._jump(self._pending_jump)
            self.status(f"{self.loaded_name}: {len(result):,} shown")
        elif job in ("update", "delete"):
            self.status(f"sample {job}d", "ok")
            self.query_one(VirtualTable).invalidate()
            self.reload(keep_cursor=True)


    # --- filters ----------------------------------------------------------------------------
    @on(Select.Changed, "#dataset")
    def _dataset_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.loaded_name:
            self.load_dataset(event.value)

    @on(Select.Changed, "#source, #split, #flag")
    def _select_filter(self) -> None:
        self.reload()

    @on(Input.Changed)
    def _typed(self) -> None:
        self.debounce(self.reload)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.query_one(VirtualTable).focus()

    def action_find(self) -> None:
        self.query_one("#keyword", Input).focus()

    def clear_filter_fields(self) -> None:
        with self.prevent(Input.Changed, Select.Changed):
            for wid in ("keyword", "min_tokens", "max_tokens"):
                self.query_one(f"#{wid}", Input).value = ""
            self.query_one("#source", Select).clear()
            self.query_one("#flag", Select).clear()
            self.query_one("#split", Select).value = ""

    def action_clear_filters(self) -> None:
        self.clear_filter_fields()
        self.reload()

    # --- samples ----------------------------------------------------------------------------
    def _jump(self, sample_id: int) -> None:
        import bisect

        self._pending_jump = None
        table = self.query_one(VirtualTable)
        i = bisect.bisect_left(table.keys, sample_id)
        if i < len(table.keys) and table.keys[i] == sample_id:
            table.move_to(i)
            table.focus()
            self.open_sample(sample_id)
        else:
            self.fail(f"sample {sample_id} is not in {self.loaded_name}")

    @on(VirtualTable.Selected)
    def _selected(self, event: VirtualTable.Selected) -> None:
        self.open_sample(event.key)

    def action_open(self) -> None:
        key = self.query_one(VirtualTable).current_key
        if key is not None:
            self.open_sample(key)

    def open_sample(self, sample_id: int) -> None:
        conv = self.call_service(browse.get_sample, self.ctx, sample_id)
        if conv is None:
            return

        def after(choice: str | None) -> None:
            if choice == "edit":
                self.edit_sample(sample_id)
            elif choice == "delete":
                self.delete_sample(sample_id)

        self.app.push_screen(SampleScreen(conv, self.ctx.settings.root), after)

    def action_edit(self) -> None:
        key = self.query_one(VirtualTable).current_key
        if key is not None:
            self.edit_sample(key)

    def action_delete(self) -> None:
        key = self.query_one(VirtualTable).current_key
        if key is not None:
            self.delete_sample(key)

    def edit_sample(self, sample_id: int) -> None:
        conv = self.call_service(browse.get_sample, self.ctx, sample_id)
        if conv is None:
            return

        def saved(messages) -> None:  # type: ignore[no-untyped-def]
            datasets = self.service("datasets") if messages else None
            if datasets is not None:
                conv.messages = messages
                self.start("update", datasets.update_sample, self.ctx, conv)

        self.app.push_screen(EditScreen(conv), saved)

    def delete_sample(self, sample_id: int) -> None:
        name = self.loaded_name

        def confirmed(yes: bool | None) -> None:
            datasets = self.service("datasets") if yes else None
            if datasets is not None:
                self.start("delete", datasets.delete_samples, self.ctx, name, [sample_id])

        self.app.push_screen(ConfirmScreen(f"Delete sample {sample_id} from {name}?",
                                           yes="Delete"), confirmed)
