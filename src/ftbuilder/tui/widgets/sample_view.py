"""A sample opened in full: every message, its metadata; edit (as JSON) and delete from here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static, TextArea

from ftbuilder.core.types import Conversation, Message
from ftbuilder.tui.widgets.cells import SafeStatic, escape
from ftbuilder.tui.widgets.editor import Editor

ROLE_TONE = {"system": "$warning", "user": "$accent", "assistant": "$success"}


def conversation_widgets(conv: Conversation) -> list[Static]:
    """One block per message; content shown verbatim (no markup)."""
    out = []
    for i, m in enumerate(conv.messages, 1):
        tone = ROLE_TONE.get(m.role, "$text-muted")
        out.append(Static(f"[b {tone}]{i}. {escape(m.role)}[/]", classes="role"))
        body = m.content if isinstance(m.content, str) else json.dumps(m.content, indent=1)
        out.append(SafeStatic(body, markup=False, classes="message"))
        if m.extra:
            out.append(SafeStatic(json.dumps(m.extra, ensure_ascii=False), markup=False,
                              classes="note"))
    return out


def short_path(path: str | None, root: Path | None) -> str:
    """``path`` relative to the project root when inside it."""
    if not path:
        return "-"
    if root is not None:
        try:
            return str(Path(path).resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return path


def meta_text(conv: Conversation, root: Path | None = None) -> str:
    tokens = conv.token_count if conv.token_count is not None else "?"
    parts = [f"id {conv.id}", f"tokens {tokens}",
             f"split {conv.split or '-'}", f"source {short_path(conv.source_file, root)}"]
    if conv.location:
        parts.append(conv.location)
    cite = (conv.meta or {}).get("citation") or {}
    parts += [f"{label}{cite[key]}" for key, label in
              (("heading", "under "), ("speaker", "asked by "), ("timestamp", "at "))
              if cite.get(key)]
    if conv.topic_keywords:
        parts.append("keywords: " + ", ".join(conv.topic_keywords))
    return " · ".join(parts)


class SampleScreen(ModalScreen[str | None]):
    """Read a whole sample. Dismisses with 'edit', 'delete' or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"), Binding("e", "edit", "Edit"),
        Binding("x,delete", "delete", "Delete")]

    def __init__(self, conv: Conversation, root: Path | None = None) -> None:
        super().__init__()
        self.conv = conv
        self.root = root

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"Sample {self.conv.id}", classes="question")
            yield SafeStatic(meta_text(self.conv, self.root), markup=False, classes="note")
            with VerticalScroll(id="conversation"):
                yield from conversation_widgets(self.conv)
                meta = self.conv.meta or {}
                flags = meta.get("flags")
                if meta:
                    extra = {k: v for k, v in meta.items()
                             if k not in ("context", "citation", "source_text", "flag_reasons")}
                    text = json.dumps(extra, ensure_ascii=False, default=str)[:600]
                    yield SafeStatic("meta: " + text, markup=False, classes="note")
                if flags:
                    reasons = meta.get("flag_reasons") or {}
                    yield SafeStatic("flags:\n" + "\n".join(
                        f"  {f}: {reasons.get(f, '')}" for f in map(str, flags)),
                        markup=False, classes="warn")
                if meta.get("source_text"):  # what a written answer must be grounded in
                    yield SafeStatic("source chunk it was written from:\n"
                                     + str(meta["source_text"])[:1500], markup=False,
                                     classes="note")
            with Horizontal(classes="buttons"):
                yield Button("Edit (e)", id="edit")
                yield Button("Delete (x)", id="delete", variant="error")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#conversation").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_edit(self) -> None:
        self.dismiss("edit")

    def action_delete(self) -> None:
        self.dismiss("delete")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id if event.button.id != "close" else None)


def parse_messages(text: str) -> list[Message]:
    """Edited JSON -> messages. Raises ValueError with a one-line reason."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON at line {e.lineno}: {e.msg}") from None
    if not isinstance(data, list) or not data:
        raise ValueError("expected a non-empty list of messages")
    out = []
    for i, m in enumerate(data, 1):
        if not isinstance(m, dict) or "role" not in m or "content" not in m:
            raise ValueError(f"message {i} needs a role and a content")
        out.append(Message.from_dict(m))
    return out


class EditScreen(ModalScreen[list[Message] | None]):
    """Edit a sample's messages as JSON; ctrl+s saves (validated), escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, conv: Conversation) -> None:
        super().__init__()
        self.conv = conv

    def compose(self) -> ComposeResult:
        text = json.dumps([m.to_dict() for m in self.conv.messages], ensure_ascii=False,
                          indent=2)
        with Vertical(classes="dialog wide"):
            yield Label(f"Edit sample {self.conv.id} (JSON list of messages)",
                        classes="question")
            yield Editor(text, id="editor", soft_wrap=True)  # esc cancels at once
            yield Static("", id="edit-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#editor", TextArea).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        try:
            msgs = parse_messages(self.query_one("#editor", TextArea).text)
        except ValueError as e:
            self.query_one("#edit-error", Static).update(str(e))
            return
        self.dismiss(msgs)

    @on(TextArea.Changed)
    def _changed(self) -> None:
        try:
            parse_messages(self.query_one("#editor", TextArea).text)
            self.query_one("#edit-error", Static).update("")
        except ValueError as e:
            self.query_one("#edit-error", Static).update(str(e))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)
