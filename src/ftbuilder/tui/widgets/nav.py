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


def tab_labels(width: int, current: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The brand and (mode, key, label) of every tab, labels shortened until all fit in
    ``width`` columns: full (the brand shortened first), 4 letters, 3 letters (the current
    screen's label whole while it fits), without the brand, 2 letters, then keys only."""
    def size(brand: str, tabs: list[tuple[str, str, str]]) -> int:
        return len(brand) + sum(len(label) + 4 for _, _, label in tabs)

    tabs: list[tuple[str, str, str]] = []
    for brand, cut, whole in ((" ftbuilder ", None, True), (" ftb ", None, True),
                              (" ftbuilder ", 4, True),
                              (" ftb ", 4, True), (" ftb ", 3, True), (" ftb ", 3, False),
                              ("", 3, False), ("", 2, False), ("", 0, True)):
        tabs = [(m, k, label if cut is None or (whole and m == current) else label[:cut])
                for m, k, label in SCREENS]
        if size(brand, tabs) <= width:
            return brand, tabs
    return "", tabs


class NavBar(Static):
    """Tabs for every screen; click one or press its key. Labels shorten to fit the width."""

    DEFAULT_CSS = """
    NavBar { height: 1; background: $panel; color: $text-muted; }
    """

    def __init__(self, current: str) -> None:
        self.current = current
        super().__init__(self._content(current, 200))

    def on_resize(self) -> None:
        self.update(self._content(self.current, self.size.width))

    @staticmethod
    def _content(current: str, width: int) -> Content:
        brand, tabs = tab_labels(width, current)
        parts = [Content.styled(brand, "bold $text on $primary")]
        for mode, key, label in tabs:
            tab = Content.from_markup(
                f"[@click=app.go('{mode}')] [$accent]{key}[/] $label [/]"
                if label else f"[@click=app.go('{mode}')] [$accent]{key}[/] [/]", label=label)
            parts.append(tab.stylize("bold reverse") if mode == current else tab)
        return Content("").join(parts)
