"""FAQs written as lists: numbered or lettered questions, and definition lists.

* Numbered/lettered series (``1. Is zlib thread-safe?`` / ``a) ...``) where each item is
  followed by its answer (the next lines, or a paragraph after a blank line). Items ending
  in ``?`` are questions; the other items of the same series ("8. I found a bug in zlib.")
  are questions too when most of the series' answered items are. A question may wrap over
  a few lines. An answer runs to the next item of the series (it may hold paragraphs,
  indented code and lists) or a heading, label or footnote block.
* Definition lists: reST (a term line with its definition indented under it), AsciiDoc
  (``Term::`` / ``Term:: text``) and Markdown-extra / HTML (``Term`` then ``: text``). A
  list whose terms are mostly questions gives one pair per term.

Items with no answer text are not questions (a plain list of steps is no FAQ).
"""

from __future__ import annotations

import re

from ftbuilder.extract.scan import BLANK, HEADING, TEXT, Found, Scan

_ITEM_RE = re.compile(r"^(\s*)(\d{1,3}|[A-Za-z])([.)])\s+(\S.*)$")
_ADOC_TERM_RE = re.compile(r"^(\S.*?)(:{2,4}|;;)(?:\s+(\S.*))?$")
_COLON_DEF_RE = re.compile(r"^\s*:\s+\S")
_QUESTION_SHARE = 0.5


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip())


def _is_question(text: str) -> bool:
    return text.rstrip().rstrip("*_").endswith("?")


def _item_key(sc: Scan, i: int) -> tuple[int, str, str] | None:
    if sc.kinds[i] != TEXT or sc.taken[i]:
        return None
    head = sc.lines[i].text.lstrip()[:5]
    m = _ITEM_RE.match(sc.lines[i].text) if ("." in head or ")" in head) else None
    if not m:
        return None
    kind = "num" if m.group(2).isdigit() else ("upper" if m.group(2).isupper() else "lower")
    if kind != "num" and len(m.group(4).split()) < 2:
        return None
    return len(m.group(1).expandtabs()), kind, m.group(3)


def _question(sc: Scan, i: int, items: set[int]) -> tuple[str, int]:
    """The item's text (wrapped lines joined by a line break) and the next line index."""
    text = _ITEM_RE.match(sc.lines[i].text).group(4).strip()  # type: ignore[union-attr]
    j = i + 1
    while (j < len(sc.lines) and j - i <= 3 and j not in items and sc.kinds[j] == TEXT
           and not text.endswith(("?", ".", "!", ":")) and not sc.taken[j]):
        text += "\n" + sc.lines[j].text.strip()
        j += 1
    return text, j


def numbered(sc: Scan) -> list[Found]:
    """Numbered and lettered FAQ items (see the module rules)."""
    n = len(sc.lines)
    series: dict[tuple[int, str, str], list[int]] = {}
    for i in range(n):
        key = _item_key(sc, i)
        if key is not None:
            for (ind, kind, mark), idx in series.items():  # alignment may differ by a space
                if kind == key[1] and mark == key[2] and abs(ind - key[0]) <= 2:
                    idx.append(i)
                    break
            else:
                series[key] = [i]
    out: list[Found] = []
    for items in series.values():
        members = set(items)
        cands = []
        for i in items:
            q, after = _question(sc, i, members)
            start = sc.next_nonblank(after, min(n, after + 3))
            if start >= n or start in members or sc.kinds[start] != TEXT:
                continue
            if _ITEM_RE.match(sc.lines[start].text) and not sc.lines[start].text[:1].isspace():
                continue
            cands.append((i, q, start))
        if not cands:
            continue
        asked = sum(_is_question(q) for _i, q, _s in cands)
        whole = asked >= 2 and asked >= _QUESTION_SHARE * len(cands)
        sc.stops |= members
        for i, q, start in cands:
            if not (_is_question(q) or (whole and len(q.split()) >= 3)):
                continue
            answer, end = sc.body(start, n, multi_para=False)
            if answer:
                out.append(sc.found([("user", q), ("assistant", answer)], i, end, "numbered"))
        sc.stops -= members
    return out


def _term_at(sc: Scan, i: int) -> tuple[str, str, int] | None:
    """(term, text on the term line, first definition line) when line ``i`` starts a
    definition list entry, else None."""
    if sc.kinds[i] != TEXT or sc.taken[i]:
        return None
    s = sc.lines[i].text
    n = len(sc.lines)
    m = _ADOC_TERM_RE.match(s) if ("::" in s or ";;" in s) else None
    if m and not s[:1].isspace() and "://" not in m.group(1):
        return m.group(1).strip(), (m.group(3) or "").strip(), i + 1
    if s[:1].isspace() or _ITEM_RE.match(s) or i + 1 >= n or sc.kinds[i + 1] != TEXT:
        return None
    nxt = sc.lines[i + 1].text
    if _COLON_DEF_RE.match(nxt):
        return s.strip(), "", i + 1
    if _indent(nxt) > _indent(s) and not nxt.lstrip().startswith(("- ", "* ")):
        return s.strip(), "", i + 1
    return None


def _definition(sc: Scan, start: int, base: int) -> tuple[list[str], int]:
    """Lines of a definition: indented deeper than ``base`` (or ``: `` lines), blank lines
    inside kept; returns (lines, end index exclusive)."""
    parts: list[str] = []
    j = start
    n = len(sc.lines)
    while j < n and not sc.taken[j]:
        s = sc.lines[j].text
        if sc.kinds[j] == BLANK:
            k = sc.next_nonblank(j, n)
            if k < n and _indent(sc.lines[k].text) > base and sc.kinds[k] != HEADING:
                parts.append("")
                j = k
                continue
            break
        if sc.kinds[j] == HEADING or not (_indent(s) > base or _COLON_DEF_RE.match(s)):
            break
        if s.lstrip().startswith(".. _"):  # a reST link target inside the definition
            j += 1
            continue
        parts.append(s.strip()[2:] if _COLON_DEF_RE.match(s) and not _indent(s) else s.strip())
        j += 1
    while parts and not parts[-1]:
        parts.pop()
    return parts, j


def definitions(sc: Scan) -> list[Found]:
    """Definition-list FAQs (see the module rules)."""
    n = len(sc.lines)
    runs: list[list[tuple[int, str, str, int]]] = []
    i = 0
    last_end = -10
    while i < n:
        t = _term_at(sc, i)
        if t is None:
            i += 1
            continue
        term, inline, start = t
        lines, end = _definition(sc, start, _indent(sc.lines[i].text))
        text = "\n".join(([inline] if inline else []) + lines).strip()
        if not text:
            i += 1
            continue
        entry = (i, term, text, end)
        if runs and i - last_end <= 2 and all(sc.kinds[k] == BLANK for k in range(last_end, i)):
            runs[-1].append(entry)
        else:
            runs.append([entry])
        last_end = end
        i = max(end, i + 1)
    out: list[Found] = []
    for run in runs:
        asked = sum(_is_question(term) for _i, term, _t, _e in run)
        if not asked or (len(run) > 1 and asked < max(1, _QUESTION_SHARE * len(run))):
            continue
        for i, term, text, end in run:
            out.append(sc.found([("user", term), ("assistant", text)], i, end, "definition"))
    return out
