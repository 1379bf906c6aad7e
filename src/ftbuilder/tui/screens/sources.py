"""Network sources: run a connector (Nix fast mode, Discourse, MediaWiki, web crawl) into a
dataset, with progress and Cancel; the same service as ``ftb sources ...``."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, ProgressBar, Select, Switch

from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import SafeStatic

KINDS = [("Nix (search.nixos.org, fast)", "nix"), ("Discourse forum", "discourse"),
         ("MediaWiki (api.php)", "wiki"), ("Web site crawl", "web")]
DEFAULT_URL = {"nix": "https://search.nixos.org/backend",
               "discourse": "https://discourse.nixos.org",
               "wiki": "https://wiki.nixos.org/w/api.php", "web": "https://nixos.org/learn/"}


def run_source(ctx: Any, kind: str, url: str, name: str, limit: int, rate: float,
               progress: Any = None, cancel: Any = None, rephrase: bool = False) -> Any:
    """The service call of one kind (runs in the job's worker); ``rephrase`` (nix): the
    search Q&A are rewritten by the configured agent LLM (system.agentic_llm)."""
    from ftbuilder.services import sources

    common = {"rate": rate, "progress": progress, "cancel": cancel}
    if kind == "nix":
        from ftbuilder.sources.nix import NixOptions

        opts = NixOptions(search_api_only=True, search_url=url, max_packages=limit,
                          max_options=limit)
        return sources.nix(ctx, name, opts, rephrase_agent={} if rephrase else None, **common)
    if kind == "discourse":
        return sources.discourse(ctx, name, url, max_topics=limit, **common)
    if kind == "wiki":
        return sources.wiki(ctx, name, url, max_pages=limit, **common)
    return sources.web(ctx, name, [url], max_pages=limit, **common)


def summary(d: Any) -> str:
    lines = [f"{d.source} -> {d.name}: {d.found:,} found, {d.added:,} added, "
             f"{d.duplicates:,} duplicates; {d.requests:,} requests, {d.cache_hits:,} from "
             f"cache, {d.seconds:.1f} s"]
    if d.valid is not None:
        lines.append(f"validated: {d.valid:,} of {d.total_samples:,} without errors")
    lines += [f"{k}: {v:,}" for k, v in d.counts.items()]
    lines += [f"skipped ({k}): {v:,}" for k, v in d.skipped.items()]
    lines += [f"failed: {e['url']}: {e['error']}" for e in d.errors[:10]]
    return "\n".join(lines)


class SourcesScreen(FtbScreen):
    MODE = "sources"
    RUN_BUTTONS: ClassVar[tuple[str, ...]] = ("#run",)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "run", "Fetch")]

    def compose_body(self) -> ComposeResult:
        yield Label("Network sources: every sample cites its URL; fetched pages are cached "
                    "(a re-run asks nothing again)", classes="section")
        with Horizontal(classes="filters"):
            yield Select(KINDS, id="kind", allow_blank=False, value="nix")
            yield Input(DEFAULT_URL["nix"], id="url", placeholder="URL")
        with Horizontal(classes="filters"):
            yield Label("dataset", classes="inline")
            yield Input("nix", id="name", classes="short")
            yield Label("max", classes="inline")
            yield Input("250", id="max", type="integer", classes="short")
            yield Label("rate/s", classes="inline")
            yield Input("2", id="rate", type="number", classes="short")
            yield Label("rephrase", classes="inline")
            yield Switch(False, id="rephrase")
        with Horizontal(classes="row"):
            yield Button("Fetch (ctrl+r)", id="run", variant="primary")
            yield Button("Cancel", id="cancel", disabled=True)
        yield ProgressBar(id="progress", show_eta=False)
        with VerticalScroll(classes="panel"):
            yield SafeStatic("", id="result", markup=False)

    def on_mount(self) -> None:
        self.query_one("#progress", ProgressBar).display = False

    @on(Select.Changed, "#kind")
    def _kind(self, event: Select.Changed) -> None:
        self.query_one("#url", Input).value = DEFAULT_URL.get(str(event.value), "")

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        if self.running_job:
            return
        kind = str(self.query_one("#kind", Select).value)
        url = self.query_one("#url", Input).value.strip()
        name = self.query_one("#name", Input).value.strip()
        try:
            limit = int(self.query_one("#max", Input).value or 100)
            rate = float(self.query_one("#rate", Input).value or 2)
        except ValueError:
            self.status("max is a whole number, rate a number of requests per second",
                        "error")
            return
        if not url or not name or limit < 1 or rate <= 0:
            self.status("give a URL, a dataset name, max of 1 or more and a rate above 0",
                        "error")
            return
        self.status(f"fetching {url} ...")
        rephrase = kind == "nix" and self.query_one("#rephrase", Switch).value
        self.start_cancellable("sources", run_source, self.ctx, kind, url, name, limit, rate,
                               rephrase=rephrase)

    def job_done(self, job: str, result: Any) -> None:
        self.query_one("#result", SafeStatic).update(summary(result))
        self.ftb.dataset = result.name
        kind = "warn" if result.failed else "ok"
        self.status(f"{result.added:,} samples added to {result.name}", kind)
