"""Text that is safe to show: control characters made visible, lengths bounded.

User data (file names, dataset names, sample text, server replies) can hold terminal escape
sequences: ``ESC ]0;title BEL`` sets the window title, ``ESC [2J`` clears the screen, the
single byte CSI ``\\x9b`` starts a sequence on some terminals. Every face sends what it
shows through :func:`visible` (the CLI's output path, the app's cells and labels), so such a
name is shown as ``^[]0;title^G`` instead of being obeyed. :func:`bounded` cuts a line to a
fixed length after it is formatted, so no value can make an error line huge.
"""

from __future__ import annotations

import re

# C0 controls, DEL and C1 controls (Unicode category Cc).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

MAX_VALUE = 200  # characters of a user value embedded in a message
MAX_LINE = 1000  # characters of one error or hint line


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return "^" + chr(code + 0x40)  # caret notation, as `cat -v`: ESC -> ^[, BEL -> ^G
    if code == 0x7F:
        return "^?"
    return f"\\x{code:02x}"  # C1: no caret form


def visible(text: str, keep: str = "") -> str:
    """``text`` with every control character replaced by a visible escape (``^[``, ``^G``,
    ``\\x9b``); the characters in ``keep`` (e.g. ``"\\n\\t"`` for multi-line output) stay."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _escape(m.group()), text)


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def bounded(text: str, limit: int = MAX_LINE) -> str:
    """``text`` cut to at most about ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


def json_safe(text: str) -> str:
    """JSON text (already escaped by ``json.dumps``) with DEL and the C1 controls escaped too:
    ``ensure_ascii=False`` leaves them raw, and a terminal may act on them. Still valid JSON."""
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)
