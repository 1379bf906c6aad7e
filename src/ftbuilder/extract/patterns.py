"""Find the conversations already written in a piece of text. Pure, no LLM.

Passes, in this order, each over the lines the earlier ones did not take:

1. labelled turns (see :mod:`ftbuilder.extract.labels`): ``Q:``/``A:`` pairs and
   ``User:``/``Assistant:`` transcripts. Transcripts end at ``---``, a heading, or a
   paragraph without a label; blank lines split them too when the text also writes turns on
   consecutive lines (then blank lines are what separates conversations).
2. numbered Q&A: ``1. What is X?`` followed by its answer.
3. question headings: ``## How do I reset my password?`` (or a bold line ending in ``?``)
   followed by the section under it.
4. plain question lines: a line of its own ending in ``?`` followed by its answer (PDF and
   DOCX FAQs lose their heading marks). The caller keeps these only when a document has two
   or more of them, so a stray rhetorical question in prose does not become a sample.

A message is the source text after the label, line breaks kept, wrapped lines re-joined
(:mod:`ftbuilder.extract.rejoin`). A message ends at a blank line unless the next paragraph
is a list item or indented (question headings take their whole section).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from ftbuilder.extract.labels import PAIR, Label, parse_label
from ftbuilder.extract.rejoin import FENCE_RE, Line

_HEADING_RE = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SEPARATOR_RE = re.compile(r"^\s*([-*_=])(\s*\1){2,}\s*$")
_BOLD_LINE_RE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*$")
_NUMBERED_Q_RE = re.compile(r"^\s*\d{1,3}[.)]\s+(\S.*\?)\s*$")
_NUMBERED_RE = re.compile(r"^\s*\d{1,3}[.)]\s")
_BULLET_RE = re.compile(r"^\s*([-*+•]|\d{1,3}[.)])\s")
_TITLE_END = ".!?:;,"
BOLD_LEVEL = 7  # a bold question line nests under every markdown heading

BLANK, SEP, HEADING, FENCE, LABEL, TEXT, CODE = (
    "blank", "sep", "heading", "fence", "label", "text", "code")


@dataclass(slots=True)
class Found:
    """One conversation found: (role, content) turns over raw lines ``start``..``end``."""

    turns: list[tuple[str, str]]
    start: int
    end: int
    pattern: str
    context: str = ""


@dataclass(slots=True)
class _Turn:
    role: str
    style: str
    content: str
    start: int  # logical line index
    end: int  # exclusive
    gap: str = "none"  # what separates it from the previous turn: none | blank | hard


@dataclass
class _Scan:
    lines: list[Line]
    kinds: list[str] = field(default_factory=list)
    labels: dict[int, Label] = field(default_factory=dict)
    levels: dict[int, int] = field(default_factory=dict)  # heading index -> level
    titles: dict[int, str] = field(default_factory=dict)
    taken: list[bool] = field(default_factory=list)

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
            if kind in (LABEL, SEP):
                break
            if kind == HEADING and (not stop_levels or self.levels[j] <= stop_levels
                                    or self.titles[j].endswith("?")):
                break
            if kind == BLANK:
                n = self.next_nonblank(j, stop)
                if (n >= stop or self.taken[n] or self.kinds[n] in (LABEL, SEP)
                        or _NUMBERED_Q_RE.match(self.lines[n].text)):
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


def _labelled(sc: _Scan) -> list[Found]:
    n = len(sc.lines)
    turns: list[_Turn] = []
    last_end = 0
    i = 0
    while i < n:
        if sc.kinds[i] != LABEL:
            i += 1
            continue
        lab = sc.labels[i]
        start = i + 1
        if not lab.rest:  # "**Question**" alone: the text follows, maybe after a blank line
            start = sc.next_nonblank(i + 1, min(n, i + 3))
        content, end = sc.body(start, n, multi_para=False)
        if lab.rest:
            content = (lab.rest + ("\n" + content if content else "")).strip()
        end = max(end, i + 1)
        between = sc.kinds[last_end:i] if turns else []
        gap = ("hard" if any(k != BLANK for k in between)
               else "blank" if between else "none")
        turns.append(_Turn(lab.role, lab.style, content, i, end, gap))
        last_end = i = end
    return _group(sc, turns)


def _group(sc: _Scan, turns: list[_Turn]) -> list[Found]:
    runs: list[list[_Turn]] = []
    for t in turns:
        if not runs or t.gap == "hard" or t.style != runs[-1][-1].style:
            runs.append([t])
        else:
            runs[-1].append(t)
    out: list[Found] = []
    for run in runs:
        if run[0].style == PAIR:
            for q, a in itertools.pairwise(run):
                if q.role == "user" and a.role == "assistant" and q.content and a.content:
                    out.append(sc.found([("user", q.content), ("assistant", a.content)],
                                        q.start, a.end, "qa_labels"))
            continue
        gaps = {t.gap for t in run[1:]}
        parts: list[list[_Turn]] = [[run[0]]]
        for t in run[1:]:
            if t.gap == "blank" and "none" in gaps:
                parts.append([t])
            else:
                parts[-1].append(t)
        for part in parts:
            conv = _trim([t for t in part if t.content])
            if conv:
                out.append(sc.found([(t.role, t.content) for t in conv], conv[0].start,
                                    conv[-1].end, "transcript"))
    return out


def _trim(turns: list[_Turn]) -> list[_Turn]:
    """Start at the first user turn (keeping a system turn before it), end at the last reply."""
    system = [t for t in turns[:1] if t.role == "system"]
    rest = turns[len(system):]
    while rest and rest[0].role != "user":
        rest.pop(0)
    while rest and rest[-1].role != "assistant":
        rest.pop()
    return system + rest if rest else []


def _numbered(sc: _Scan) -> list[Found]:
    out = []
    n = len(sc.lines)
    for i in range(n):
        if sc.taken[i] or sc.kinds[i] != TEXT:
            continue
        m = _NUMBERED_Q_RE.match(sc.lines[i].text)
        if not m:
            continue
        start = sc.next_nonblank(i + 1, min(n, i + 3))
        if start >= n or sc.kinds[start] != TEXT or _NUMBERED_RE.match(sc.lines[start].text):
            continue
        answer, end = sc.body(start, n, multi_para=False, stop_numbered=True)
        if answer:
            out.append(sc.found([("user", m.group(1).strip()), ("assistant", answer)], i, end,
                                "numbered"))
    return out


def _headings(sc: _Scan) -> list[Found]:
    out = []
    for i, kind in enumerate(sc.kinds):
        if kind != HEADING or sc.taken[i] or not sc.titles[i].endswith("?"):
            continue
        answer, end = sc.body(i + 1, len(sc.lines), multi_para=True,
                              stop_levels=sc.levels[i])
        if answer:
            out.append(sc.found([("user", sc.titles[i]), ("assistant", answer)], i, end,
                                "faq_heading"))
    return out


def _is_question_line(sc: _Scan, i: int) -> bool:
    s = sc.lines[i].text.strip()
    if sc.taken[i] or sc.kinds[i] != TEXT or not s.endswith("?") or len(s) > 200:
        return False
    if not (s[0].isupper() or s[0] in "¿¡") or len(s.split()) < 2 or _BULLET_RE.match(s):
        return False
    if i == 0:
        return True
    prev = sc.lines[i - 1].text.strip()
    return (sc.kinds[i - 1] != TEXT or sc.taken[i - 1] or not prev
            or prev[-1] in ".!?:\"')]”" or _is_title(prev))


def _is_title(s: str) -> bool:
    """A short line that starts upper-case and has no closing punctuation: a heading."""
    return (0 < len(s) <= 60 and len(s.split()) <= 8 and s[0].isupper()
            and s[-1] not in _TITLE_END)


def _plain_questions(sc: _Scan) -> list[Found]:
    n = len(sc.lines)
    cands = [i for i in range(n) if _is_question_line(sc, i)]
    out = []
    for k, i in enumerate(cands):
        nxt = cands[k + 1] if k + 1 < len(cands) else n
        start = sc.next_nonblank(i + 1, min(nxt, i + 3))
        if start >= nxt or sc.kinds[start] != TEXT:
            continue
        # The last answer has no next question to end it: it also ends at a title line.
        answer, end = sc.body(start, nxt, multi_para=nxt < n, stop_title=nxt == n)
        if answer:
            out.append(sc.found([("user", sc.lines[i].text.strip()), ("assistant", answer)],
                                i, end, "faq_question"))
    return out


def _contexts(sc: _Scan) -> list[str]:
    """For each line, the heading chain above it ("A > B"), else the nearest free title line.

    One pass over the lines (a document can hold thousands of conversations).
    """
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (level, title) of the open headings
    title = ""
    for i, kind in enumerate(sc.kinds):
        out.append(" > ".join(t for _, t in stack) if stack else title)
        if kind == HEADING and not sc.titles[i].endswith("?"):
            while stack and stack[-1][0] >= sc.levels[i]:
                stack.pop()
            stack.append((sc.levels[i], sc.titles[i]))
        elif kind == TEXT and not sc.taken[i] and _is_title(sc.lines[i].text.strip()):
            title = sc.lines[i].text.strip()
    return out


def find_conversations(lines: list[Line], with_context: bool = True) -> list[Found]:
    """Every conversation written in ``lines`` (one segment), in text order.

    Plain question lines (pattern ``faq_question``) are included; callers drop them when the
    whole document has fewer than two.
    """
    sc = _Scan(lines)
    found = _labelled(sc) + _numbered(sc) + _headings(sc) + _plain_questions(sc)
    if with_context:
        by_raw = {ln.start: i for i, ln in enumerate(lines)}
        contexts = _contexts(sc)
        for f in found:
            f.context = contexts[by_raw[f.start]]
    return sorted(found, key=lambda f: f.start)
