"""The Sources section of the Files screen: git repositories (sync, prepare, retry, status)
and columnar / Hugging Face imports. Every action is one service call in a worker
(services.repos, services.datasets); this widget only shows what they return.

A prepare or retry over ``system.max_cost_usd`` stops before its first LLM call with
BudgetExceeded; the section then asks with the screen's cost dialog (the one Generate shows)
and, on yes, runs the same job again confirmed (the files it recorded are still pending)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label

from ftbuilder.services.budget import BudgetExceeded
from ftbuilder.tui.jobs import JobDone, JobFailed, JobProgress, fmt_eta, start_job
from ftbuilder.tui.widgets.cells import SafeStatic, cell, num

JOBS = ("repos-sync", "repos-prepare", "repos-pairs", "repos-retry", "import")
COLUMNS = ("repo", "dataset", "commit", "files", "done", "failed", "samples", "skipped")


def skipped_text(d: dict[str, int] | None) -> str:
    return ", ".join(f"{n} {r}" for r, n in sorted((d or {}).items(), key=lambda x: -x[1]))


class SourcesPanel(Vertical):
    """Git repositories and dataset imports; shown by the Files screen's ``s`` key."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cancel_token = None
        # what a yes to the cost dialog runs: the last prepare or retry again, confirmed
        self.confirmed_again: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Label("Git repositories: the list is cloned into repos/<org>/<repo>",
                    classes="section")
        with Horizontal(classes="row"):
            yield Input("repos.txt", id="src-list", placeholder="repository list file")
            yield Button("Sync", id="src-sync")
        with Horizontal(classes="row"):
            yield Input("", id="src-name", placeholder="dataset name")
            yield Button("Prepare", id="src-prepare", variant="primary")
            yield Button("Pairs only", id="src-pairs")
            yield Button("Retry failed", id="src-retry")
        yield DataTable(id="src-table", cursor_type="row", zebra_stripes=True)
        yield Label("Hugging Face, Parquet, Arrow, CSV", classes="section")
        with Horizontal(classes="row"):
            yield Input("", id="src-path", placeholder="hf:OWNER/NAME or a file or folder")
            yield Input("", id="src-map", placeholder="map (optional): user=q,assistant=a")
            yield Button("Import", id="src-import")
            yield Button("Cancel", id="src-cancel", disabled=True)
        yield SafeStatic("", id="src-detail", markup=False)

    def on_mount(self) -> None:
        t = self.query_one("#src-table", DataTable)
        for c in COLUMNS:
            t.add_column(c, key=c)

    # --- helpers ----------------------------------------------------------------------------
    @property
    def ftb_screen(self) -> Any:
        return self.screen

    def refresh_data(self) -> None:
        repos = self.ftb_screen.service("repos")
        if repos is None:
            return
        data = self.ftb_screen.call_service(repos.repos_status, self.ftb_screen.ctx)
        if data is None:
            return
        t = self.query_one("#src-table", DataTable)
        t.clear()
        for r in data["repos"]:
            t.add_row(cell(r["repo"]), cell(r["dataset"] or "not prepared",
                                            "" if r["dataset"] else "muted"),
                      cell(r["commit"] or "-"), num(r["files"]), num(r["done"]),
                      cell(str(r["failed"]) if r["failed"] else "",
                           "error" if r["failed"] else ""),
                      num(r["samples"]), cell(skipped_text(r["skipped"])))
        failed = data.get("failed_files") or []
        self.query_one("#src-detail", SafeStatic).update(
            "failed: " + "; ".join(f"{f['repo']}/{f['path']}: {f['error']}" for f in failed[:3])
            if failed else "")

    def _dataset_name(self) -> str | None:
        name = self.query_one("#src-name", Input).value.strip()
        if not name:
            self.ftb_screen.fail("type a dataset name first")
            return None
        return name

    def _begin_job(self, job: str, fn: Any, *args: Any,
                   again: Callable[[], None] | None = None, **kwargs: Any) -> None:
        self.confirmed_again = again
        for b in self.query(Button):
            b.disabled = b.id != "src-cancel"
        self.cancel_token = start_job(self, job, fn, *args,
                                      redact=self.ftb_screen.ctx.settings.redact, **kwargs)
        self.ftb_screen.status(f"{job}…")

    def _end_job(self) -> None:
        self.cancel_token = None
        for b in self.query(Button):
            b.disabled = b.id == "src-cancel"

    # --- actions ----------------------------------------------------------------------------
    @on(Button.Pressed, "#src-sync")
    def sync(self) -> None:
        repos = self.ftb_screen.service("repos")
        if repos is not None:
            lst = self.query_one("#src-list", Input).value.strip() or None
            self._begin_job("repos-sync", repos.sync_repos, self.ftb_screen.ctx, lst)

    @on(Button.Pressed, "#src-prepare")
    @on(Button.Pressed, "#src-pairs")
    def prepare(self, event: Button.Pressed) -> None:
        repos = self.ftb_screen.service("repos")
        name = self._dataset_name()
        if repos is None or name is None:
            return
        llm = event.button.id == "src-prepare"
        req = repos.PrepareRequest(name=name, llm=llm)
        job = "repos-prepare" if llm else "repos-pairs"
        ctx = self.ftb_screen.ctx
        self._begin_job(job, repos.prepare, ctx, req, again=lambda: self._begin_job(
            job, repos.prepare, ctx, replace(req, confirmed=True)))

    @on(Button.Pressed, "#src-retry")
    def retry(self) -> None:
        repos = self.ftb_screen.service("repos")
        name = self._dataset_name()
        if repos is not None and name is not None:
            ctx = self.ftb_screen.ctx
            self._begin_job("repos-retry", repos.retry_prepare, ctx, name,
                            again=lambda: self._begin_job("repos-retry", repos.retry_prepare,
                                                          ctx, name, confirmed=True))

    @on(Button.Pressed, "#src-import")
    def import_(self) -> None:
        datasets = self.ftb_screen.service("datasets")
        name = self._dataset_name()
        path = self.query_one("#src-path", Input).value.strip()
        if datasets is None or name is None:
            return
        if not path:
            self.ftb_screen.fail("type a hf:OWNER/NAME id or a file or folder to import")
            return
        mapping = self.query_one("#src-map", Input).value.strip() or None
        self._begin_job("import", datasets.import_file, self.ftb_screen.ctx, path, name,
                    mapping=mapping)

    @on(Button.Pressed, "#src-cancel")
    def cancel(self) -> None:
        if self.cancel_token is not None:
            self.cancel_token.cancel()
            self.ftb_screen.status("Cancelling…", "warn")

    # --- job messages -----------------------------------------------------------------------
    @on(JobProgress)
    def _progress(self, event: JobProgress) -> None:
        if event.job not in JOBS:
            return
        event.stop()
        p = event.progress
        total = f"/{p.total}" if p.total else ""
        self.ftb_screen.status(f"{p.stage}: {p.done}{total} {p.message} · ETA {fmt_eta(p.eta)}")

    @on(JobDone)
    def _done(self, event: JobDone) -> None:
        if event.job not in JOBS:
            return
        event.stop()
        self._end_job()
        r = event.result
        if event.job == "repos-sync":
            counts = ", ".join(f"{n} {s}" for s, n in r.counts().items())
            errors = [f"{x.repo}: {x.reason}" for x in r.repos if x.status == "error"]
            self.ftb_screen.status(f"Synced {len(r.repos)} repositories: {counts}"
                                   + (f" ({'; '.join(errors)})" if errors else ""),
                                   "warn" if errors else "ok")
        elif event.job == "import":
            self.ftb_screen.status(f"Imported {r.added:,} samples into {r.dataset} "
                                   f"({r.format}); {r.skipped:,} rows skipped",
                                   "warn" if r.skipped else "ok")
        else:
            self.ftb_screen.status(
                f"{r.name}: {r.samples_added:,} samples added ({r.pairs_added:,} pairs "
                f"without an LLM), {r.failed} file(s) failed"
                + (": Retry failed runs them again" if r.failed else ""),
                "warn" if r.failed else "ok")
        self.refresh_data()

    @on(JobFailed)
    def _failed(self, event: JobFailed) -> None:
        if event.job not in JOBS:
            return
        event.stop()
        self._end_job()
        again, self.confirmed_again = self.confirmed_again, None
        if isinstance(event.exc, BudgetExceeded) and again is not None:
            # nothing was sent: ask with the figures, and run it again confirmed on yes
            self.ftb_screen.ask_cost(
                event.exc.estimate, lambda yes: again() if yes else None,
                "use Pairs only, which makes no LLM call" if event.job == "repos-prepare" else None)
        else:
            self.ftb_screen.fail(event.error)
        self.refresh_data()
