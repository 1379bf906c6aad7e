"""The virtual table: 100,000 rows, only visible pages fetched; keys, mouse and selection."""

from __future__ import annotations

from textual.app import App, ComposeResult

from ftbuilder.tui.widgets.vtable import PAGE, Column, VirtualTable

N = 100_000


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.fetched: list[int] = []
        self.selected: list[int] = []

    def fetch(self, keys):
        self.fetched.extend(keys)
        return [(str(k), f"row {k}") for k in keys]

    def compose(self) -> ComposeResult:
        yield VirtualTable([Column("id", 8), Column("text", 20, flex=True)], self.fetch)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).set_keys(list(range(1, N + 1)))
        self.query_one(VirtualTable).focus()

    def on_virtual_table_selected(self, event: VirtualTable.Selected) -> None:
        self.selected.append(event.key)


async def test_only_visible_pages_are_fetched():
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        assert table.virtual_size.height == N + 1
        assert len(app.fetched) == PAGE  # the first page only
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor == N - 1 and table.current_key == N
        assert len(app.fetched) <= 3 * PAGE
        await pilot.press("pageup", "pageup", "up")
        await pilot.pause()
        assert table.cursor == N - 1 - 2 * table.body_height - 1
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [table.current_key]
        await pilot.press("home")
        await pilot.pause()
        assert table.cursor == 0 and round(table.scroll_y) == 0
        assert len(app.fetched) <= 4 * PAGE


async def test_click_moves_the_cursor_and_double_click_opens():
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        await pilot.click(VirtualTable, offset=(3, 4))  # header is line 0
        await pilot.pause()
        table = app.query_one(VirtualTable)
        assert table.cursor == 3
        await pilot.click(VirtualTable, offset=(3, 4), times=2)
        await pilot.pause()
        assert app.selected == [4]


async def test_set_keys_keeps_the_cursor_on_the_same_key():
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.move_to(500)
        await pilot.pause()
        key = table.current_key
        table.set_keys([k for k in range(1, N + 1) if k % 2 == 0 or k == key],
                       keep_cursor=True)
        await pilot.pause()
        assert table.current_key == key
        table.set_keys([])
        await pilot.pause()
        assert table.current_key is None and table.row(0) is None
