"""Configure: target provider and model (with their limits), mode, size, system prompt, split.

Every change is validated (as typing pauses); ctrl+s writes config.yaml. In free mode the
instruction (prompts/free_mode/prompt.txt) is shown and edited here, ctrl+t previews a few
samples from the real agent (services/preview.py: nothing is written to the dataset) and
ctrl+o compares the last runs and the preview side by side (services/runs.py).
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    Static,
    Switch,
    TextArea,
)

from ftbuilder.config import BACKENDS, PROVIDERS
from ftbuilder.core.errors import FtbError
from ftbuilder.tui.screens.base import FtbScreen
from ftbuilder.tui.widgets.cells import escape
from ftbuilder.tui.widgets.editor import Editor

MODES = {  # one line each that fits the form at 80 columns
    "identify": "conversations found in your files (no LLM)",
    "create": "an LLM writes Q&A from your documents",
    "hybrid": "found ones, an LLM writes the rest",
    "free": "an LLM follows your instruction",
}


def fmt_limit(value: Any, verified: bool, unit: str = "") -> str:
    if value is None:
        return "[$text-muted]unknown[/]"
    text = f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"
    return text if verified else f"{text} [$warning]UNVERIFIED[/]"


def limits_text(provider: str, model: str) -> str:
    """The registry's limits of a model, unverified numbers marked."""
    from ftbuilder.services.settings import target_spec

    try:
        m = target_spec(provider, model)
    except FtbError as e:
        return f"[$error]{escape(str(e))}[/]"
    resolved = [f"[$text-muted]model {escape(model)} -> {escape(m.id)}[/]"] if model != m.id \
        else []
    v = m.is_verified
    price = (f"${m.price_per_1m_training_tokens:g}"
             if m.price_per_1m_training_tokens is not None else None)
    rows = [  # short names: "65,536 UNVERIFIED" stays on its line in a 44-column panel
        ("format/tokenizer", f"{m.format} / {m.tokenizer}"),
        ("max tokens/example", fmt_limit(m.max_tokens_per_example,
                                         v("max_tokens_per_example"))),
        ("context", fmt_limit(m.context, v("context"))),
        ("min examples", fmt_limit(m.min_examples, v("min_examples"))),
        ("max examples", fmt_limit(m.max_examples, v("max_examples"))),
        ("max validation", fmt_limit(m.max_validation_examples,
                                     v("max_validation_examples"))),
        ("max train tokens", fmt_limit(m.max_training_tokens, v("max_training_tokens"))),
        ("max file size", fmt_limit(m.max_file_bytes // 1_048_576 if m.max_file_bytes else None,
                                    v("max_file_bytes"), " MB")),
        ("price/1M train tok", fmt_limit(price, v("price_per_1m_training_tokens"))),
        ("registry entry", "[$success]verified[/]" if m.verified else
         "[$warning]not verified[/]"),
    ]
    out = [f"[b]{escape(m.provider)} / {escape(m.id)}[/b]", *resolved]
    out += [f"{k:<19}{val}" for k, val in rows]
    if m.notes:
        out.append(f"  [$text-muted]{escape(m.notes)}[/]")
    return "\n".join(out)


class ConfigureScreen(FtbScreen):
    MODE = "configure"
    AUTO_FOCUS = "#provider"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"), Binding("ctrl+r", "revert", "Revert"),
        Binding("ctrl+e", "edit_instruction", "Instruction"),
        Binding("ctrl+t", "preview", "Preview 5"),
        Binding("ctrl+o", "compare", "Compare runs"),
        Binding("ctrl+l", "limits", "Limits", show=False)]
    PREVIEW_N = 5
    RUN_BUTTONS = ("#preview",)

    def compose_body(self) -> ComposeResult:
        with Horizontal():
            with VerticalScroll(id="cfg-form"):
                yield Label("Target provider", classes="field")
                yield Select([(p, p) for p in PROVIDERS], id="provider", allow_blank=False)
                yield Label("Target model", classes="field")
                yield Select([], id="model", allow_blank=True, prompt="pick a model")
                yield Label("Mode", classes="field")
                with RadioSet(id="mode"):
                    for mode, text in MODES.items():
                        yield RadioButton(f"{mode}: {text}", name=mode)
                with Vertical(id="free-box"):
                    yield Label("Free-mode instruction · prompts/free_mode/prompt.txt "
                                "(saved with ctrl+s)", classes="field", id="instr-label")
                    yield Editor(id="instruction", soft_wrap=True, show_line_numbers=False)
                    with Horizontal(classes="row"):
                        yield Button("Preview 5 (ctrl+t)", id="preview")
                        yield Button("Compare runs (ctrl+o)", id="compare")
                with Horizontal(classes="row"):
                    with Vertical():
                        yield Label("Dataset size", classes="field")
                        yield Input(id="dataset_size", type="integer")
                    with Vertical():
                        yield Label("Dataset name", classes="field")
                        yield Input(id="output_name")
                yield Static(id="size-note", classes="note")
                yield Label("System prompt (optional)", classes="field")
                yield Editor(id="system_prompt", soft_wrap=True, show_line_numbers=False)
                yield Label("Split", classes="field")
                with Horizontal(classes="row"):
                    yield Switch(id="split_enabled")
                    yield Label("write train/validation(/test) files on export",
                                classes="inline")
                with Horizontal(classes="row"):
                    yield Label("train share", classes="inline")
                    yield Input(id="split_ratio", type="number", classes="short")
                    yield Label("test share", classes="inline")
                    yield Input(id="split_test", type="number", classes="short")
                    yield Label("seed", classes="inline")
                    yield Input(id="split_seed", type="integer", classes="short")
                with Horizontal(classes="row"):
                    yield Select([("weighted: each group split at the ratio", "weighted"),
                                  ("random", "random")], id="split_strategy", allow_blank=False)
                    yield Select([("group by source file", "source"),
                                  ("group by keywords", "keywords")], id="split_weight_by",
                                 allow_blank=False)
                yield Label("Writer (the LLM that makes samples)", classes="field")
                with Horizontal(classes="row"):
                    yield Select([(p, p) for p in BACKENDS], id="agentic_llm",
                                 allow_blank=False)
                    yield Input(id="agentic_model", placeholder="default model / embedded GGUF")
                with Horizontal(classes="row"):
                    yield Button("Save (ctrl+s)", id="save", variant="primary")
                    yield Button("Revert", id="revert")
            with VerticalScroll(id="cfg-side", classes="panel"):
                yield Label("Limits of the target", classes="section")
                yield Static(id="limits")

    def on_mount(self) -> None:
        self.load_form()
        # focusing the provider scrolled its "Target provider" label off the top
        self.call_after_refresh(self.query_one("#cfg-form").scroll_home, animate=False)

    _seen_version = 0

    def refresh_data(self) -> None:
        if self._seen_version != self.ftb.config_version:  # config.yaml saved elsewhere
            self.load_form()
        else:
            self.validate_form()

    def load_form(self) -> None:
        self._seen_version = self.ftb.config_version
        c = self.ctx.settings.config
        with self.prevent(Select.Changed, Input.Changed, RadioSet.Changed, Switch.Changed,
                          TextArea.Changed):
            self.query_one("#provider", Select).value = c.provider
            self._fill_models(c.provider, c.model)
            for button in self.query(RadioButton):
                button.value = button.name == c.mode
            self.query_one("#dataset_size", Input).value = str(c.dataset_size)
            self.query_one("#output_name", Input).value = c.output_name
            self.query_one("#system_prompt", TextArea).text = c.system_prompt
            self.query_one("#split_enabled", Switch).value = c.split.enabled
            self.query_one("#split_ratio", Input).value = f"{c.split.ratio:g}"
            self.query_one("#split_test", Input).value = f"{c.split.test:g}"
            self.query_one("#split_seed", Input).value = str(c.split.seed)
            self.query_one("#split_strategy", Select).value = c.split.strategy
            self.query_one("#split_weight_by", Select).value = c.split.weight_by
            self.query_one("#agentic_llm", Select).value = c.system.agentic_llm
            self.query_one("#agentic_model", Input).value = c.system.agentic_model
            self.query_one("#instruction", TextArea).text = self.saved_instruction()
        self.validate_form()

    def saved_instruction(self) -> str:
        from ftbuilder.services.settings import FREE_PROMPT, read_prompt

        return read_prompt(self.ctx, str(FREE_PROMPT))

    def _fill_models(self, provider: str, model: str | None) -> None:
        from ftbuilder.services.settings import target_specs

        specs = target_specs(provider)
        models = [m.id for m in specs]
        # Snapshots, then the aliases the provider documents (picked as typed, resolved in
        # the limits panel: "model gpt-4o-mini -> gpt-4o-mini-2024-07-18").
        aliases = [(f"{a} -> {m.id}", a) for m in specs for a in m.aliases]
        sel = self.query_one("#model", Select)
        sel.set_options([(m, m) for m in models] + aliases)
        models += [a for _, a in aliases]
        if model in models:
            sel.value = model
        elif models:
            sel.value = models[0]

    # --- form <-> config --------------------------------------------------------------------
    def form_data(self) -> dict[str, Any]:
        """The config as a mapping: the current config with the form's values over it."""
        data = self.ctx.settings.config.model_dump()

        def val(wid: str) -> str:
            return self.query_one(f"#{wid}", Input).value.strip()

        def num(wid: str, cast: type) -> Any:
            text = val(wid)
            try:
                return cast(text)
            except ValueError:
                return text  # let validation name the key and the bad value

        model = self.query_one("#model", Select).value
        pressed = self.query_one("#mode", RadioSet).pressed_button
        data.update(
            provider=self.query_one("#provider", Select).value,
            model=model if isinstance(model, str) else "",
            mode=pressed.name if pressed is not None else data["mode"],
            dataset_size=num("dataset_size", int),
            output_name=val("output_name"),
            system_prompt=self.query_one("#system_prompt", TextArea).text,
        )
        data["split"].update(
            enabled=self.query_one("#split_enabled", Switch).value,
            ratio=num("split_ratio", float), test=num("split_test", float),
            seed=num("split_seed", int),
            strategy=self.query_one("#split_strategy", Select).value,
            weight_by=self.query_one("#split_weight_by", Select).value)
        data["system"].update(agentic_llm=self.query_one("#agentic_llm", Select).value,
                              agentic_model=val("agentic_model"))
        return data

    def validate_form(self):  # -> FileConfig | None
        """Validate the form; show the error or the size check. Returns the config if valid."""
        from ftbuilder.services.settings import check_form

        data = self.form_data()
        self.query_one("#free-box").display = data["mode"] == "free"
        self.query_one("#limits", Static).update(limits_text(data["provider"], data["model"]))
        note = self.query_one("#size-note", Static)
        try:
            form = check_form(data)
        except FtbError as e:
            self.status(str(e), "error")
            note.update("")
            self.query_one("#save", Button).disabled = True
            return None
        self.query_one("#save", Button).disabled = False
        config, check = form.config, form.size
        lines = []
        if check.summary:
            lines.append(f"[$warning]{escape(check.summary)}[/]")
        lines += [f"[$warning]![/] {escape(w)}" for w in check.warnings]
        if config.mode == "identify":
            lines.append("[$text-muted]identify keeps every conversation it finds[/]")
        else:
            lines.append("[$text-muted]the dataset's target size: a build adds samples up to "
                         "it" + ("; hybrid keeps every identified pair" if config.mode ==
                                 "hybrid" else "") + "[/]")
        note.update("\n".join(lines))
        self.status("valid — ctrl+s saves config.yaml", "ok")
        return config

    @on(Select.Changed, "#provider")
    def _provider_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            with self.prevent(Select.Changed):
                self._fill_models(event.value, None)
        self.validate_form()

    @on(Select.Changed)
    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(Switch.Changed)
    @on(TextArea.Changed)
    def _changed(self, event) -> None:
        if getattr(event, "control", None) is not None and getattr(event.control, "id",
                                                                   "") == "provider":
            return
        self.validate_form()

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        config = self.validate_form()
        if config is None:
            return
        from ftbuilder.services.settings import (
            FREE_PROMPT,
            save_config_keeping_comments,
            write_prompt,
        )

        instruction = self.query_one("#instruction", TextArea).text
        saved = []
        try:
            if instruction.strip() and instruction != self.saved_instruction():
                write_prompt(self.ctx, str(FREE_PROMPT), instruction)
                saved.append(f"prompts/{FREE_PROMPT.as_posix()}")
            path = save_config_keeping_comments(self.ctx, config)
        except (FtbError, OSError) as e:
            self.fail(e)
            return
        self.ftb.config_changed()
        text = "saved " + " and ".join([path.name, *saved])
        self.status(text, "ok")
        self.notify(text[0].upper() + text[1:], severity="information")

    @on(Button.Pressed, "#revert")
    def action_revert(self) -> None:
        self.load_form()
        self.status("form reset to the saved config", "")

    def action_limits(self) -> None:
        """The target's limits in a dialog (the side panel is hidden under 90 columns)."""
        from textual.content import Content

        from ftbuilder.tui.widgets.modals import TextScreen

        data = self.form_data()
        text = Content.from_markup(limits_text(data["provider"], data["model"])).plain
        self.app.push_screen(TextScreen("Limits of the target", text))

    # --- free mode: the instruction, a preview, runs compared -----------------------------
    def action_edit_instruction(self) -> None:
        """Show free mode's instruction editor (switching the form to free mode)."""
        for button in self.query(RadioButton):
            if button.name == "free" and not button.value:
                button.value = True
        self.query_one("#free-box").display = True
        editor = self.query_one("#instruction", Editor)
        editor.focus()
        editor.scroll_visible(animate=False)
        self.status("free-mode instruction: type, then esc; ctrl+s saves it, ctrl+t previews "
                    f"{self.PREVIEW_N} samples", "")

    _preview = None  # the last preview (services.preview.Preview), compared with the runs

    @on(Button.Pressed, "#preview")
    def action_preview(self) -> None:
        """Make PREVIEW_N samples with the instruction as typed (saved or not)."""
        if self.cancel_token is not None:
            return
        service = self.service("preview")
        if service is None:
            return
        text = self.query_one("#instruction", TextArea).text.strip() or None
        self.start_cancellable("preview", service.preview, self.ctx, text, self.PREVIEW_N,
                               list(self.ftb.selected_files) or None)
        self.status(f"previewing {self.PREVIEW_N} samples with the agent (esc cancels; "
                    "nothing is added to the dataset)…")

    @on(Button.Pressed, "#compare")
    def action_compare(self) -> None:
        """The last two free runs of the dataset (and the last preview) side by side."""
        runs = self.service("runs")
        if runs is None:
            return
        name = self.ctx.settings.config.output_name
        self.start("compare", runs.run_figures, self.ctx, name)

    def job_done(self, job: str, result: Any) -> None:
        from ftbuilder.tui.widgets.runs_view import CompareScreen, PreviewScreen

        if job == "preview":
            self._preview = result
            n = len(result.samples)
            self.status(f"preview: {n} sample(s); ctrl+o compares it with the runs",
                        "ok" if n else "warn")
            self.app.push_screen(PreviewScreen(result))
        elif job == "compare":
            figures = list(result)
            if self._preview is not None and self._preview.figures is not None:
                figures.insert(0, self._preview.figures)
            if not figures:
                self.status("nothing to compare yet: run free mode (4, g) or preview (ctrl+t)",
                            "warn")
                return
            self.app.push_screen(CompareScreen(figures))
