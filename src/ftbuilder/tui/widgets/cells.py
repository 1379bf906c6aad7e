"""Table cells as Rich Text: user strings are never parsed as markup, tones use the theme."""

from __future__ import annotations

from typing import Any

from rich.text import Text

# Overwritten from the app's theme on start (success / warning / error colours).
TONES = {"ok": "#4EBF71", "warn": "#ffa62b", "error": "#ba3c5b", "muted": "dim"}


def set_theme(theme: Any) -> None:
    """Take success / warning / error colours from a Textual theme."""
    for key, attr in (("ok", "success"), ("warn", "warning"), ("error", "error")):
        value = getattr(theme, attr, None)
        if value:
            TONES[key] = value


def cell(value: Any, tone: str = "", justify: str = "left") -> Text:
    """A table cell: ``value`` as plain text, coloured by tone ('', ok, warn, error, muted)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value, justify = f"{value:,}", "right"
    return Text(str(value), style=TONES.get(tone, ""), no_wrap=True,
                justify=justify)  # type: ignore[arg-type]


def num(value: Any) -> Text:
    """A right-aligned number cell ('' for None)."""
    if value is None:
        return Text("")
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    return Text(text, justify="right", no_wrap=True)


def plain(text: str) -> Text:
    """A label shown as typed (a Select option naming a dataset or a file): '[' is no markup."""
    return Text(text)
