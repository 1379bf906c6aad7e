"""The top bar: one clickable tab per screen with its key, the current one highlighted."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

SCREENS = [
    ("home", "1", "Home"),
    ("configure", "2", "Configure"),
    ("files", "3", "Files"),
    ("generate", "4", "Generate"),
    ("review", "5", "Review"),
    ("curate", "u", "Curate"),
    ("validate", "6", "Validate"),
    ("split", "7", "Split"),
    ("export", "8", "Export"),
    ("settings", "9", "Settings"),
    ("help", "?", "Help"),
]


class NavBar(Static):
    """Tabs for every screen; click one or press its key."""

    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, current: str) -> None:
        super().__init__(self._content(current))

    @staticmethod
    def _content(current: str) -> Content:
        parts = [Content.styled(" ftbuilder ", "bold $text on $primary")]
        for mode, key, label in SCREENS:
            style = "bold reverse" if mode == current else ""
            parts.append(Content.from_markup(
                f"[@click=app.go('{mode}')] [$accent]{key}[/] $label [/]", label=label
            ).stylize(style) if style else Content.from_markup(
                f"[@click=app.go('{mode}')] [$accent]{key}[/] $label [/]", label=label))
        return Content("").join(parts)
