"""Interviews and other transcripts whose speakers go by name: ``**Jane Doe:** Why ...?``.

A speaker label starts a line: ``**Name:**``, ``**Name**:``, ``Name:``, ``**Name**`` (bold,
then the text), optionally after a timestamp (``[07:41]``, ``00:12:31.2``). Names are one
to four capitalised words (initials such as ``M/G/S`` too). Labels of known chat roles
(User, Agent...) are read by :mod:`ftbuilder.extract.labels`, not here; words such as
"Note" or "Warning" are never speakers.

A run of labelled turns is a transcript when two or more speakers take four or more turns.
The interviewer is the user: the speaker whose turns most often ask (contain ``?``), the
first one on a tie. Each interviewer turn (consecutive ones merged) with the other
speakers' turns after it (merged) is one question/answer pair; a question nobody answers
is left out. A turn runs over blank lines to the next label or heading.

Timestamps at the start of a turn or paragraph, and stage directions (``[laughter]``,
``(laughs)``, ``[crosstalk]``...), are dropped from the text and kept in the metadata:
``speaker``, ``answered_by``, ``timestamps``, ``stage_directions``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ftbuilder.extract.labels import normalise_name
from ftbuilder.extract.scan import HEADING, LABEL, SEP, TEXT, Found, Scan

_TS = r"[\[(]?\\?\[?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\\?\]?[\])]?"
_TS_RE = re.compile(rf"^\s*{_TS}\s*")
_NAME = r"[A-Z][\w.'’\-]*(?:[ /][A-Z0-9][\w.'’\-]*){0,3}"
_LABEL_RES = [
    re.compile(rf"^(?P<ts>{_TS}\s+)?\*\*(?P<name>{_NAME})\s*:\s*\*\*\s*(?P<rest>.*)$"),
    re.compile(rf"^(?P<ts>{_TS}\s+)?\*\*(?P<name>{_NAME})\*\*\s*:\s*(?P<rest>.*)$"),
    re.compile(rf"^(?P<ts>{_TS}\s+)?__(?P<name>{_NAME})\s*:?\s*__\s*:?\s*(?P<rest>.*)$"),
    re.compile(rf"^(?P<ts>{_TS}\s+)?\*\*(?P<name>{_NAME})\*\*\s+(?P<rest>\S.*)$"),
    re.compile(rf"^(?P<ts>{_TS}\s+)?(?P<name>{_NAME})\s*:\s+(?P<rest>\S.*)$"),
]
_STAGE_RE = re.compile(
    r"\s*[\[(]\s*\*?(?:laugh\w*|chuckl\w*|crosstalk|cross-talk|inaudible|unintelligible|"
    r"music|applause|pause|silence|sighs?|coughs?|clears throat|break|beep|"
    r"background noise|phone rings|audio cuts out|overlapping)[^\])]{0,40}\*?[\])]",
    re.IGNORECASE)
NOT_SPEAKERS = frozenset({
    "note", "notes", "warning", "tip", "tips", "example", "examples", "important", "caution",
    "info", "hint", "step", "update", "edit", "source", "sources", "summary", "description",
    "usage", "error", "output", "input", "result", "results", "returns", "see also",
    "cause", "solution", "workaround", "symptoms", "resolution", "status", "problem",
    "answer", "question", "response", "reply", "disclosure", "disclaimer", "todo", "fixme",
    "break", "intro", "outro", "transcript", "date", "time", "title", "author", "location",
    "tags", "category", "version", "license", "http", "https", "ps", "nb", "tl;dr", "tldr",
    "pros", "cons", "goal", "goals", "why", "how", "what", "when", "where", "who"})
MIN_TURNS = 4


@dataclass
class _Turn:
    speaker: str
    start: int
    end: int
    parts: list[str] = field(default_factory=list)
    timestamps: list[str] = field(default_factory=list)
    stage: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.parts).strip()


def _label(line: str) -> tuple[str, str, str] | None:
    """(speaker, timestamp, rest of the line) for a speaker label line, else None."""
    s = line.strip()
    if not s or (":" not in s[:64] and s[0] not in "*_") or not (s[0].isupper()
                                                                 or s[0] in "*_[(0123456789"):
        return None  # cheap test first: most lines are prose
    for rx in _LABEL_RES:
        m = rx.match(s)
        if m:
            name = m.group("name").strip()
            if normalise_name(name) in NOT_SPEAKERS or len(name) > 40:
                return None
            return name, (m.group("ts") or "").strip(), m.group("rest")
    return None


def _bare(ts: str) -> str:
    """A timestamp without brackets or Markdown escapes (``\\[04:01\\]`` -> ``04:01``)."""
    return ts.strip().strip("[]()\\").strip("[]()\\")


def _clean(text: str, turn: _Turn) -> str:
    """``text`` without a leading timestamp or stage directions (kept on ``turn``)."""
    m = _TS_RE.match(text)
    if m and m.end() < len(text):
        turn.timestamps.append(_bare(m.group(0)))
        text = text[m.end():]
    for d in _STAGE_RE.findall(text):
        turn.stage.append(d.strip())
    return _STAGE_RE.sub("", text).strip() if turn.stage else text


def _turns(sc: Scan) -> list[list[_Turn]]:
    """Runs of labelled turns, split where something other than a turn comes between."""
    runs: list[list[_Turn]] = [[]]
    cur: _Turn | None = None
    for i, ln in enumerate(sc.lines):
        kind = sc.kinds[i]
        lab = _label(ln.text) if kind == TEXT and not sc.taken[i] else None
        if lab:
            name, ts, rest = lab
            cur = _Turn(name, i, i + 1)
            if ts:
                cur.timestamps.append(_bare(ts))
            cur.parts.append(_clean(rest, cur))
            runs[-1].append(cur)
            continue
        if kind in (HEADING, SEP, LABEL) or sc.taken[i]:
            cur = None
            if runs[-1]:
                runs.append([])
            continue
        if cur is not None and kind != TEXT and ln.text.strip() == "":
            cur.parts.append("")
            continue
        if cur is not None:
            cur.parts.append(_clean(ln.text.rstrip(), cur) if ln.text.strip() else "")
            cur.end = i + 1
    return [r for r in runs if r]


def _interviewer(run: list[_Turn]) -> str:
    names = list(dict.fromkeys(t.speaker for t in run))
    share = {n: sum("?" in t.text for t in run if t.speaker == n)
             / max(1, sum(t.speaker == n for t in run)) for n in names}
    return max(names, key=lambda n: (share[n], -names.index(n)))


def _merge(turns: list[_Turn]) -> tuple[str, list[str], list[str]]:
    text = "\n\n".join(t.text for t in turns if t.text)
    return text, [x for t in turns for x in t.timestamps], [x for t in turns for x in t.stage]


def interviews(sc: Scan) -> list[Found]:
    """Question/answer pairs of name-labelled transcripts (see the module rules)."""
    out: list[Found] = []
    for run in _turns(sc):
        speakers = {t.speaker for t in run}
        if len(speakers) < 2 or len(run) < MIN_TURNS:
            continue
        host = _interviewer(run)
        k = 0
        while k < len(run):
            if run[k].speaker != host:
                k += 1
                continue
            q = [run[k]]
            k += 1
            while k < len(run) and run[k].speaker == host:
                q.append(run[k])
                k += 1
            a = []
            while k < len(run) and run[k].speaker != host:
                a.append(run[k])
                k += 1
            question, q_ts, q_stage = _merge(q)
            answer, a_ts, a_stage = _merge(a)
            if not (question and answer):
                continue
            f = sc.found([("user", question), ("assistant", answer)], q[0].start, a[-1].end,
                         "interview")
            f.meta = {"speaker": host,
                      "answered_by": list(dict.fromkeys(t.speaker for t in a))}
            if q_ts or a_ts:
                f.meta["timestamps"] = q_ts + a_ts
            if q_stage or a_stage:
                f.meta["stage_directions"] = q_stage + a_stage
            out.append(f)
    return out
