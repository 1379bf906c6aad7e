"""A text editor that never traps the keyboard (docs/tui.md: keyboard).

Tab moves to the next field, as everywhere else in the app, until the user turns on the
explicit edit mode (f2: Tab indents); esc is never taken by the editor: it reaches the
screen (leave the field, cancel a dialog) in both modes. Textual's own TextArea in "indent"
mode took esc to move focus to the next widget, so a dialog's Cancel needed esc twice and
Settings landed on its Save button.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import TextArea


class Editor(TextArea):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2", "toggle_indent", "Tab indents / moves on"),
    ]

    def __init__(self, text: str = "", **kwargs: object) -> None:
        kwargs.setdefault("tab_behavior", "focus")
        super().__init__(text, **kwargs)  # type: ignore[arg-type]

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.prevent_default()  # not TextArea's: the key goes on to the screen's bindings
            return
        await super()._on_key(event)

    @property
    def indenting(self) -> bool:
        return self.tab_behavior == "indent"

    def action_toggle_indent(self) -> None:
        self.tab_behavior = "focus" if self.indenting else "indent"
        self.notify("Tab now indents (f2: Tab moves to the next field)" if self.indenting
                    else "Tab moves to the next field (f2: Tab indents)", timeout=3)
