"""Keys out of every text ftb shows, stores or logs (README "Environment variables").

:func:`redact` replaces each key value in a text, and also any token-like run that shares
``WINDOW`` (12) or more consecutive characters with a key: a key cut short by some other
program's truncation (a server echoing part of it, an SDK clipping its message) is still
caught. Callers redact first and cut (preview, format) after, never the other way round.

:class:`RedactFilter` does the same to every log record of the ``ftbuilder`` loggers, with
the keys registered by :func:`register_secrets` (the settings register theirs when loaded).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

WINDOW = 12  # a shared run this long of a key's characters counts as the key
MIN_KEY = 4  # shorter values are not redacted (they would blank ordinary words)
MARK = "***"
# characters a key is made of (and that extend a partial match to the whole token)
_TOKEN_CHAR = re.compile(r"[A-Za-z0-9_\-+/=]")

_registered: set[str] = set()
_lock = threading.Lock()


def clean_secrets(values: Iterable[str | None]) -> list[str]:
    """The usable key values: stripped, long enough, longest first."""
    out = {v.strip() for v in values if v and len(v.strip()) >= MIN_KEY}
    return sorted(out, key=len, reverse=True)


def _windows(secrets: list[str]) -> set[str]:
    return {s[i:i + WINDOW] for s in secrets if len(s) > WINDOW
            for i in range(len(s) - WINDOW + 1)}


_REACH = 256  # how far a partial match is widened to its token, each way (keys are shorter)


def _expand(text: str, start: int, end: int) -> tuple[int, int]:
    low, high = max(0, start - _REACH), min(len(text), end + _REACH)
    while start > low and _TOKEN_CHAR.match(text[start - 1]):
        start -= 1
    while end < high and _TOKEN_CHAR.match(text[end]):
        end += 1
    return start, end


def redact(text: str, secrets: Iterable[str | None], mark: str = MARK) -> str:
    """``text`` with each of ``secrets`` replaced by ``mark``, and each token that shares
    ``WINDOW`` or more consecutive characters with one of them (in any case) replaced whole."""
    keys = clean_secrets(secrets)
    if not keys or not text:
        return text
    for k in keys:
        if k in text:
            text = text.replace(k, mark)
    # pieces are matched without regard to case (a key lowercased on the way, as keywords
    # are, is still the key), unless lowercasing changes the text's length
    folded = text.lower()
    haystack, windows = (folded, {w.lower() for w in _windows(keys)}) \
        if len(folded) == len(text) else (text, _windows(keys))
    spans: list[tuple[int, int]] = []
    for w in windows:
        i = haystack.find(w)
        while i != -1:
            spans.append((i, i + WINDOW))
            i = haystack.find(w, i + 1)
    if not spans:
        return text
    spans.sort()
    merged = [_expand(text, *spans[0])]
    for s, e in spans[1:]:
        if s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append(_expand(text, s, e))
    merged = [_expand(text, s, e) for s, e in merged]
    parts, last = [], 0
    for s, e in merged:
        parts += [text[last:s], mark]
        last = e
    parts.append(text[last:])
    return "".join(parts)


def register_secrets(values: Iterable[str | None]) -> None:
    """Keys the log filter removes from now on (this process)."""
    keys = clean_secrets(values)
    with _lock:
        _registered.update(keys)


def registered() -> list[str]:
    with _lock:
        return list(_registered)


class RedactFilter(logging.Filter):
    """Removes every registered key from a record: its message (arguments merged in) and
    its exception text. Attached to the ``ftbuilder`` loggers (see :func:`protect`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        keys = registered()
        if not keys:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep as is
            message = str(record.msg)
        record.msg, record.args = redact(message, keys), ()
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = redact(text, keys), None
        if record.stack_info:
            record.stack_info = redact(record.stack_info, keys)
        return True


FILTER = RedactFilter()
LOGGERS = ("ftbuilder", "ftbuilder.backends", "ftbuilder.agents", "ftbuilder.services",
           "ftbuilder.tui", "ftbuilder.cli")


def protect(*names: str) -> None:
    """Attach the redacting filter to ``names`` (default: every ftbuilder logger in use).

    A logger's filters see only the records logged on that logger itself, not those its
    children pass up, so each logger ftb logs on gets it.
    """
    for name in names or LOGGERS:
        logger = logging.getLogger(name)
        if FILTER not in logger.filters:
            logger.addFilter(FILTER)


protect()
