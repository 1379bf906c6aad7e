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
from dataclasses import dataclass

from ftbuilder.extract.labels import PAIR
from ftbuilder.extract.lists import definitions, numbered
from ftbuilder.extract.rejoin import Line
from ftbuilder.extract.scan import (
    _BULLET_RE,
    BLANK,
    HEADING,
    LABEL,
    TEXT,
    Found,
    Scan,
    _is_title,
)
from ftbuilder.extract.sections import headings, knowledge_base
from ftbuilder.extract.speakers import interviews


@dataclass(slots=True)
class _Turn:
    role: str
    style: str
    content: str
    start: int  # logical line index
    end: int  # exclusive
    gap: str = "none"  # what separates it from the previous turn: none | blank | hard


def _labelled(sc: Scan) -> list[Found]:
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


def _group(sc: Scan, turns: list[_Turn]) -> list[Found]:
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


def _is_question_line(sc: Scan, i: int) -> bool:
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


def _plain_questions(sc: Scan) -> list[Found]:
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


def _contexts(sc: Scan) -> list[str]:
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
    sc = Scan(lines)
    found = _labelled(sc) + interviews(sc) + knowledge_base(sc) + numbered(sc)
    found += definitions(sc) + headings(sc) + _plain_questions(sc)
    if with_context:
        by_raw = {ln.start: i for i, ln in enumerate(lines)}
        contexts = _contexts(sc)
        for f in found:
            f.context = contexts[by_raw[f.start]]
    return sorted(found, key=lambda f: f.start)
