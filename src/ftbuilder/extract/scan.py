"""The line scanner every identify pass reads: what kind each logical line is, and message bodies.

Kinds: blank, separator (``---``), heading (``#`` lines, bold question lines), code fence and
code, label (``Q:``, ``User:``...), note (a footnote or link-target line: ``[1] https://...``,
``[name]: url``, ``.. _name: url``; a "See also" line) and text. A message body ends at a
label, a separator, a note (footnotes and "See also" close an answer), a heading at or
above the section's level or a question heading, and at a blank line unless what follows
belongs to it (see :meth:`Scan.body`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ftbuilder.extract.labels import Label, parse_label
from ftbuilder.extract.rejoin import FENCE_RE, Line

_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SEPARATOR_RE = re.compile(r"^\s*([-*_=])(\s*\1){2,}\s*$")
_BOLD_LINE_RE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*$")
_NUMBERED_Q_RE = re.compile(r"^\s*\d{1,3}[.)]\s+(\S.*\?)\s*$")
_NUMBERED_RE = re.compile(r"^\s*\d{1,3}[.)]\s")
_BULLET_RE = re.compile(r"^\s*([-*+•]|\d{1,3}[.)])\s")
_TITLE_END = ".!?:;,"
BOLD_LEVEL = 7  # a bold question line nests under every markdown heading

BLANK, SEP, HEADING, FENCE, LABEL, TEXT, CODE, NOTE = (
    "blank", "sep", "heading", "fence", "label", "text", "code", "note")
_NOTE_RE = re.compile(
    r"^\s*(\[\d{1,3}\]\s+\S"  # [1] https://... (links as numbered footnotes)
    r"|\[[^\]\n]{1,60}\]:?\s+<?(https?://|www\.)\S+>?\s*$"  # [name] url / [name]: url
    r"|\[\^[^\]]+\]:"  # Markdown footnote definition
    r"|\.\.\s+(_[^:]*|__|\[[^\]]+\]):?(\s|$))"  # reST link target / footnote
    r"|^\s*(see also|related (articles|topics|links)|further reading)\b[^.?!]{0,60}:?\s*$",
    re.IGNORECASE)


def _maybe_note(text: str) -> bool:
    """A cheap test before the footnote pattern: most lines are prose."""
    head = text.lstrip()[:3].lower()
    return head[:1] in ("[", ".") or head in ("see", "rel", "fur")


@dataclass(slots=True)
class Found:
    """One conversation found: (role, content) turns over raw lines ``start``..``end``."""

    turns: list[tuple[str, str]]
    start: int
    end: int
    pattern: str
    context: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scan:
    lines: list[Line]
    kinds: list[str] = field(default_factory=list)
    labels: dict[int, Label] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)  # heading index -> level
    titles: dict[int, str] = field(default_factory=dict)
    taken: list[bool] = field(default_factory=list)
    stops: set[int] = field(default_factory=set)  # lines no body runs over (list items...)

    def __post_init__(self) -> None:
        in_fence = False
        for i, ln in enumerate(self.lines):
            kind = TEXT
            if FENCE_RE.match(ln.text):
                in_fence, kind = not in_fence, FENCE
            elif in_fence:
                kind = CODE
            elif not ln.text.strip():
                kind = BLANK
            elif _maybe_note(ln.text) and _NOTE_RE.match(ln.text):
                kind = NOTE
            elif _SEPARATOR_RE.match(ln.text):
                kind = SEP
            elif (lab := parse_label(ln.text)) is not None:
                kind, self.labels[i] = LABEL, lab
            elif m := _HEADING_RE.match(ln.text):
                kind, self.levels[i], self.titles[i] = HEADING, len(m.group(1)), m.group(2)
            elif (m := _BOLD_LINE_RE.match(ln.text)) and m.group(2).rstrip().endswith("?"):
                kind, self.levels[i], self.titles[i] = HEADING, BOLD_LEVEL, m.group(2).strip()
            self.kinds.append(kind)
        self.taken = [False] * len(self.lines)

    def next_nonblank(self, i: int, stop: int) -> int:
        while i < stop and self.kinds[i] == BLANK:
            i += 1
        return i

    def body(self, i: int, stop: int, multi_para: bool, stop_numbered: bool = False,
             stop_levels: int = 0, stop_title: bool = False) -> tuple[str, int]:
        """Text from line ``i`` on; returns (content, end index exclusive)."""
        parts: list[str] = []
        j = i
        while j < stop and not self.taken[j]:
            kind = self.kinds[j]
            if kind in (LABEL, SEP, NOTE) or j in self.stops:
                break
            if kind == HEADING and (not stop_levels or self.levels[j] <= stop_levels
                                    or self.titles[j].endswith("?")):
                break
            if kind == BLANK:
                n = self.next_nonblank(j, stop)
                if (n >= stop or self.taken[n] or self.kinds[n] in (LABEL, SEP, NOTE)
                        or n in self.stops or _NUMBERED_Q_RE.match(self.lines[n].text)):
                    break
                if not (multi_para or self.lines[n].text[:1].isspace()
                        or _BULLET_RE.match(self.lines[n].text)):
                    break
                if self.kinds[n] == HEADING and (not stop_levels or self.levels[n] <= stop_levels
                                                 or self.titles[n].endswith("?")):
                    break
                parts.append("")
                j = n
                continue
            if stop_numbered and parts and _NUMBERED_Q_RE.match(self.lines[j].text):
                break
            if stop_title and parts and _is_title(self.lines[j].text.strip()):
                break
            if kind == FENCE:  # a code block goes in whole
                k = j + 1
                while k < stop and self.kinds[k] != FENCE:
                    k += 1
                k = min(k + 1, stop)
                parts.extend(ln.text for ln in self.lines[j:k])
                j = k
                continue
            parts.append(self.lines[j].text)
            j += 1
        while parts and not parts[-1]:
            parts.pop()
        return "\n".join(parts).strip(), j

    def take(self, a: int, b: int) -> None:
        for k in range(a, b):
            self.taken[k] = True

    def found(self, turns: list[tuple[str, str]], a: int, b: int, pattern: str) -> Found:
        self.take(a, b)
        return Found(turns, self.lines[a].start, self.lines[b - 1].end, pattern)


def _is_title(s: str) -> bool:
    """A short line that starts upper-case and has no closing punctuation: a heading."""
    return (0 < len(s) <= 60 and len(s.split()) <= 8 and s[0].isupper()
            and s[-1] not in _TITLE_END)
