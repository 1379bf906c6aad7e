"""Curate: content checks, near-duplicates, PII scrubbing and the LLM judge on a dataset.

Every action calls one service (services.curate, services.judge) in a worker and shows per
reason how many samples were flagged, removed or changed; a destructive action asks first
and reports the store backup it made (copy it back to undo). Flags show in Review (5).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, DataTable, Input, Label, Select, SelectionList, Static

from ftbuilder.tui.jobs import JobDone, JobFailed
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import cell, num
from ftbuilder.tui.widgets.modals import ConfirmScreen

ACTIONS = {  # button id -> (label, service module, destructive)
    "check": ("Check (flag)", "curate", False),
    "drop": ("Check and drop", "curate", True),
    "dedup_preview": ("Near-duplicates: preview", "curate", False),
    "dedup": ("Remove near-duplicates", "curate", True),
    "scrub_preview": ("PII: preview", "curate", False),
    "scrub": ("Scrub PII", "curate", True),
    "judge": ("Judge (LLM)", "judge", False),
}


def summary(d: dict[str, Any]) -> str:
    """The one-line outcome of a curation report (as the CLI prints it)."""
    if "judged" in d:
        return (f"{d['judged']:,} scored by {d['agent']}, {d['below']:,} under "
                f"{d['threshold']} (flagged 'judge'); {d['cached']:,} from the cache")
    dry = " (preview: nothing written)" if d.get("dry_run") else ""
    verb = {"flag": "flagged", "drop": "removed", "replace": "rewritten"}[d["action"]]
    n = d["removed"] if d["action"] == "drop" and not d.get("dry_run") else \
        d["changed"] if d["action"] == "replace" and not d.get("dry_run") else d["flagged"]
    where = " on Ray" if (d.get("settings") or {}).get("engine") == "ray" else ""
    return f"{d['command']}: {n:,} of {d['checked']:,} samples {verb}{where}{dry}"


class CurateScreen(FtbScreen):
    MODE = "curate"
    AUTO_FOCUS = "#rules"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "check", "Check")]

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="filters"):
            yield Select([], id="dataset", prompt="dataset", allow_blank=True)
            yield Label("dedup threshold", classes="inline")
            yield Input(id="threshold", type="number", classes="short")
            yield Label("judge under", classes="inline")
            yield Input(id="judge_threshold", type="integer", classes="short")
        with Horizontal():
            with Vertical(id="curate-left"):
                yield Label("Rules", classes="section")
                yield SelectionList[str](id="rules")
                for bid, (label, _, danger) in ACTIONS.items():
                    yield Button(label, id=bid, variant="error" if danger else "default")
            with VerticalScroll(id="curate-right", classes="panel"):
                yield Label("Result per reason", classes="section")
                yield Static("", id="summary", markup=False)
                yield DataTable(id="reasons", zebra_stripes=True)
                yield Label("Examples", classes="section")
                yield DataTable(id="examples", zebra_stripes=True)

    def on_mount(self) -> None:
        q = self.ctx.settings.config.quality
        rules = self.query_one("#rules", SelectionList)
        curate = self.service("curate")
        for name in curate.rule_names() if curate else []:
            rules.add_option((name, name, name in q.rules))
        with self.prevent(Input.Changed):
            self.query_one("#threshold", Input).value = f"{q.dedup_threshold:g}"
            self.query_one("#judge_threshold", Input).value = str(q.judge_threshold)

    def refresh_data(self) -> None:
        want = self.fill_dataset_select()
        if not want:
            self.status("No datasets yet: generate one first (4).", "warn")

    @on(Select.Changed, "#dataset")
    def _dataset(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.ftb.dataset = event.value

    def dataset_name(self) -> str | None:
        v = self.query_one("#dataset", Select).value
        return v if isinstance(v, str) else None

    def action_check(self) -> None:
        self.run_action("check")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id in ACTIONS:
            self.run_action(event.button.id)

    def run_action(self, action: str) -> None:
        name = self.dataset_name()
        if name is None:
            self.status("Pick a dataset first.", "warn")
            return
        label, module, danger = ACTIONS[action]
        svc = self.service(module)
        if svc is None:
            return
        try:
            threshold = float(self.query_one("#threshold", Input).value or 0.8)
            judge_at = int(self.query_one("#judge_threshold", Input).value or 6)
        except ValueError:
            self.status("the dedup threshold is a number in (0, 1]; judge under is 1-10",
                        "error")
            return
        rules = list(self.query_one("#rules", SelectionList).selected)
        calls = {
            "check": (getattr(svc, "filter_dataset", None), dict(rules=rules)),
            "drop": (getattr(svc, "filter_dataset", None), dict(rules=rules, drop=True)),
            "dedup_preview": (getattr(svc, "dedup_dataset", None),
                              dict(threshold=threshold, dry_run=True)),
            "dedup": (getattr(svc, "dedup_dataset", None), dict(threshold=threshold)),
            "scrub_preview": (getattr(svc, "scrub_dataset", None), dict(dry_run=True)),
            "scrub": (getattr(svc, "scrub_dataset", None), {}),
            "judge": (getattr(svc, "judge_dataset", None), dict(threshold=judge_at)),
        }
        fn, kwargs = calls[action]

        def go(yes: bool | None = True) -> None:
            if yes:
                self.status(f"{label}: working…")
                self.start("curate", fn, self.ctx, name, **kwargs)

        if danger:
            self.app.push_screen(ConfirmScreen(
                f"{label} in '{name}'? The store is backed up first (undo: copy the backup "
                "back).", yes=label), go)
        else:
            go()

    @on(JobDone)
    def _done(self, event: JobDone) -> None:
        d = event.result.to_dict()
        self.query_one("#summary", Static).update(
            summary(d) + (f"\nbackup: {d['backup']}" if d.get("backup") else ""))
        reasons = self.query_one("#reasons", DataTable)
        reasons.clear(columns=True)
        examples = self.query_one("#examples", DataTable)
        examples.clear(columns=True)
        if "judged" in d:
            reasons.add_columns("score", "samples")
            for score, n in (d.get("scores") or {}).items():
                reasons.add_row(num(score), num(n))
            examples.add_columns("sample", "score", "reason")
            for x in d.get("lowest") or []:
                examples.add_row(num(x["id"]), num(x["score"]), cell(x["reason"]))
        else:
            reasons.add_columns("reason", "samples")
            for reason, n in (d.get("by_reason") or {}).items():
                reasons.add_row(cell(reason), num(n))
            if d.get("clusters"):
                examples.add_columns("keep", "remove", "similarity")
                for c in d["clusters"][:200]:
                    examples.add_row(num(c["keep"]), cell(", ".join(map(str, c["drop"]))),
                                     cell(f"{c['similarity']:.2f}"))
            else:
                examples.add_columns("sample", "rule", "reason")
                for e in d.get("examples") or []:
                    examples.add_row(num(e.get("id")), cell(e.get("rule") or ""),
                                     cell(e.get("reason") or str(e.get("found") or "")))
        self.status(summary(d) + " · flags show in Review (5)", "ok")

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        self.fail(event.error)
