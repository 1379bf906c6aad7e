"""User data made safe to show: the app's one sanitizer, and table cells as Rich Text.

Every place user data (dataset, file and source names, sample text, errors) becomes a cell,
label or text block goes through :func:`safe` (via :func:`cell`, :func:`plain`,
:func:`escape`, :class:`SafeStatic` or the virtual table): control characters are shown as
``^[``, ``\\x9b``..., so an ESC sequence in a name is never sent to the terminal (it would
clear the screen or set the window title), and '[' is never parsed as markup.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.markup import escape as _markup_escape
from textual.widgets import Static

from ftbuilder.core.text import visible

# Overwritten from the app's theme on start (success / warning / error colours).
TONES = {"ok": "#4EBF71", "warn": "#ffa62b", "error": "#ba3c5b", "muted": "dim"}


def safe(value: Any, keep: str = "") -> str:
    """``value`` as text with its control characters made visible (those in ``keep``, e.g.
    ``"\\n\\t"`` for a multi-line block, stay)."""
    return visible(str(value), keep)


def escape(text: str) -> str:
    """``text`` for a markup string: sanitized, and '[' escaped (newlines kept)."""
    return _markup_escape(safe(text, "\n\t"))


class SafeStatic(Static):
    """A Static whose string content (plain or markup) is sanitized, when built and updated."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        super().__init__(safe(content, "\n\t") if isinstance(content, str) else content,
                         **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(safe(content, "\n\t") if isinstance(content, str) else content,
                       layout=layout)


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
    return Text(safe(value), style=TONES.get(tone, ""), no_wrap=True,
                justify=justify)  # type: ignore[arg-type]


def num(value: Any) -> Text:
    """A right-aligned number cell ('' for None)."""
    if value is None:
        return Text("")
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    return Text(text, justify="right", no_wrap=True)


def plain(text: str) -> Text:
    """A label shown as typed (a Select option naming a dataset or a file): '[' is no markup."""
    return Text(safe(text))
