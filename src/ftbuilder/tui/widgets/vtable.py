"""A virtual table: millions of rows, only the visible ones are fetched and drawn.

The table holds just the row keys (e.g. sample ids). ``fetch(keys) -> rows of cell strings`` is
called for pages of rows as they scroll into view; pages are kept in a small LRU cache. The
header stays put while the body scrolls. Line API (``render_line``), like Textual's Log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ftbuilder.tui.widgets.cells import safe

PAGE = 100
Fetch = Callable[[Sequence[int]], list[Sequence[str]]]


@dataclass(frozen=True, slots=True)
class Column:
    """A column: label and width in cells; ``flex`` columns share the width left over."""

    label: str
    width: int
    flex: bool = False


class VirtualTable(ScrollView, can_focus=True):
    """Keyboard- and mouse-driven table over ``keys`` with lazily fetched rows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"vtable--header", "vtable--cursor", "vtable--odd"}
    DEFAULT_CSS = """
    VirtualTable { background: $surface; height: 1fr; }
    VirtualTable > .vtable--header { background: $panel; color: $foreground; text-style: bold; }
    VirtualTable > .vtable--cursor { background: $accent 40%; }
    VirtualTable:focus > .vtable--cursor { background: $accent; color: $text; }
    VirtualTable > .vtable--odd { background: $surface-lighten-1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=True),
    ]

    cursor: reactive[int] = reactive(0, repaint=False)

    class Selected(Message):
        """Enter (or a double click) on a row."""

        def __init__(self, table: VirtualTable, index: int, key: int) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class Highlighted(Message):
        """The cursor moved to a row."""

        def __init__(self, table: VirtualTable, index: int, key: int | None) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(self, columns: Sequence[Column], fetch: Fetch, *, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self.fetch = fetch
        self.keys: list[int] = []
        self._pages: LRUCache[int, list[Sequence[str]]] = LRUCache(64)
        self._widths = [c.width for c in self.columns]
        self.fetches = 0  # pages fetched: read by the bench

    # --- data -------------------------------------------------------------------------------
    def set_keys(self, keys: list[int], keep_cursor: bool = False) -> None:
        """Show these row keys (e.g. filtered sample ids); rows are fetched when visible."""
        old = self.keys[self.cursor] if keep_cursor and 0 <= self.cursor < len(self.keys) else None
        self.keys = keys
        self._pages.clear()
        self._update_virtual_size()
        target = 0
        if old is not None:
            import bisect
            target = min(bisect.bisect_left(keys, old), max(len(keys) - 1, 0))
        self.cursor = target
        if not keep_cursor:
            self.scroll_to(y=0, animate=False)
        self._scroll_cursor_into_view()
        self.refresh()

    def invalidate(self) -> None:
        """Drop cached rows (after an edit) and redraw."""
        self._pages.clear()
        self.refresh()

    def row(self, index: int) -> Sequence[str] | None:
        """The cells of row ``index`` (fetched with its page when not cached)."""
        if not 0 <= index < len(self.keys):
            return None
        page_no = index // PAGE
        page = self._pages.get(page_no)
        if page is None:
            start = page_no * PAGE
            # user data (names, sample text) shown with its control characters escaped
            page = [tuple(safe(c) for c in r) for r in self.fetch(self.keys[start:start + PAGE])]
            self.fetches += 1
            self._pages[page_no] = page
        off = index - page_no * PAGE
        return page[off] if off < len(page) else None

    @property
    def current_key(self) -> int | None:
        return self.keys[self.cursor] if 0 <= self.cursor < len(self.keys) else None

    # --- layout -----------------------------------------------------------------------------
    def _update_virtual_size(self) -> None:
        fixed = sum(c.width for c in self.columns if not c.flex) + len(self.columns)
        flex = [c for c in self.columns if c.flex]
        spare = max(0, self.size.width - fixed)
        self._widths = [max(c.width, spare // len(flex)) if c.flex else c.width
                        for c in self.columns]
        total = sum(self._widths) + len(self.columns)
        self.virtual_size = Size(total, len(self.keys) + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    @property
    def body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # --- rendering --------------------------------------------------------------------------
    def _line(self, cells: Sequence[str], style: Style) -> list[Segment]:
        segs = []
        for text, width in zip(cells, self._widths, strict=False):
            segs.append(Segment(" " + set_cell_size(str(text), width), style))
        return segs

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("vtable--header")
            strip = Strip(self._line([c.label for c in self.columns], style))
            return strip.crop_extend(scroll_x, scroll_x + width, style)
        index = scroll_y + y - 1
        cells = self.row(index)
        if cells is None:
            return Strip.blank(width, base)
        if index == self.cursor:
            style = base + self.get_component_rich_style("vtable--cursor")
        elif index % 2:
            style = base + self.get_component_rich_style("vtable--odd")
        else:
            style = base
        return Strip(self._line(cells, style)).crop_extend(scroll_x, scroll_x + width, style)

    # --- cursor -----------------------------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.Highlighted(self, new, self.current_key))

    def _scroll_cursor_into_view(self) -> None:
        top = round(self.scroll_y)
        h = self.body_height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + h:
            self.scroll_to(y=self.cursor - h + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped)."""
        self.cursor = max(0, min(index, len(self.keys) - 1)) if self.keys else 0

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * self.body_height)

    def action_jump(self, where: int) -> None:
        self.move_to(len(self.keys) - 1 if where < 0 else where)

    def action_select(self) -> None:
        if self.current_key is not None:
            self.post_message(self.Selected(self, self.cursor, self.current_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self.keys):
            self.focus()
            self.cursor = index
            if event.chain >= 2:
                self.action_select()
