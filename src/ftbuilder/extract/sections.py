"""Heading-structured FAQs and knowledge-base articles.

* Question headings: a heading that ends in ``?`` takes the section under it. Its siblings
  (headings of the same level) that do not end in ``?`` are questions too when most
  headings of that level are questions: a FAQ section called "My database is corrupt" or
  "configure fails when using static libraries". "See also", "References", "Contents"...
  never are. An answer runs to the next heading of the same or a higher level (deeper
  headings are part of it), a question heading, a footnote block or a "See also" line.
* Knowledge-base articles: a problem section (Symptoms, Problem, Issue...) followed by
  Cause / Resolution / Solution / Workaround / Status sections: the problem is the
  question, those sections together the answer. Section titles may be headings or label
  lines alone ("**Cause**", "Solution:").
"""

from __future__ import annotations

import re
from collections import Counter

from ftbuilder.extract.labels import normalise_name
from ftbuilder.extract.scan import BOLD_LEVEL, HEADING, TEXT, Found, Scan

PROBLEM_NAMES = frozenset({
    "symptom", "symptoms", "problem", "the problem", "problem description", "issue",
    "description", "error", "error message", "what happened"})
ANSWER_NAMES = frozenset({
    "cause", "causes", "root cause", "reason", "resolution", "resolutions", "solution",
    "solutions", "workaround", "workarounds", "fix", "how to fix", "status", "answer",
    "resolution steps", "steps to resolve", "solution workaround"})
_NOT_QUESTIONS = frozenset({
    "see also", "references", "reference", "contents", "table of contents", "toc",
    "related", "related articles", "related topics", "further reading", "links", "footnotes",
    "notes", "license", "licence", "credits", "acknowledgements", "changelog", "applies to",
    "feedback", "summary", "introduction", "overview", "faq", "frequently asked questions",
    "contact", "contact us", "getting help", "still have questions"})
_LABEL_LINE_RE = re.compile(r"^\s*(\*\*|__)?([A-Za-z][A-Za-z /]{1,30}?)(\*\*|__)?\s*:?\s*"
                            r"(\*\*|__)?\s*$")
_QUESTION_SHARE = 0.5
MIN_STATEMENT_WORDS = 3
_FAQ_TITLE_RE = re.compile(
    r"\b(faqs?|frequently asked|troubleshoot\w*|common (issues|problems|errors|questions)|"
    r"known (issues|problems)|q ?& ?a|questions and answers)\b", re.IGNORECASE)


def _is_question(title: str) -> bool:
    return title.rstrip().rstrip("*_").endswith("?")


def _statement(title: str) -> bool:
    """A heading that can stand for a question: a phrase of three words or more ("My
    database is corrupt"), not a topic name ("Contact", "Backups") or a "See also"."""
    name = normalise_name(title)
    return len(name.split()) >= MIN_STATEMENT_WORDS and name not in _NOT_QUESTIONS


def question_levels(sc: Scan) -> set[int]:
    """Heading levels where statements count as questions: most headings of the level are
    questions, or the level sits under a FAQ / troubleshooting title ("Common Issues") and
    most of its headings are statements (three words or more)."""
    total: Counter[int] = Counter()
    asked: Counter[int] = Counter()
    stated: Counter[int] = Counter()
    faq_level = 99
    for i, kind in enumerate(sc.kinds):
        if kind == HEADING and not sc.taken[i]:
            title, level = sc.titles[i], sc.levels[i]
            if _FAQ_TITLE_RE.search(title):
                faq_level = min(faq_level, level)
            if normalise_name(title) in _NOT_QUESTIONS:
                continue
            total[level] += 1
            asked[level] += _is_question(title)
            stated[level] += _is_question(title) or _statement(title)
    return {lv for lv, n in total.items()
            if (asked[lv] >= 2 and asked[lv] >= _QUESTION_SHARE * n)
            or (lv > faq_level and stated[lv] >= 2 and stated[lv] >= _QUESTION_SHARE * n)}


def headings(sc: Scan) -> list[Found]:
    """Question headings and their statement siblings (see the module rules). Deeper
    levels first: a question under a section that is itself a question level is its own
    pair, not part of the section's answer."""
    levels = question_levels(sc)
    out = []
    order = sorted((i for i, kind in enumerate(sc.kinds) if kind == HEADING),
                   key=lambda i: (-sc.levels[i], i))
    for i in order:
        if sc.taken[i]:
            continue
        title = sc.titles[i]
        if not (_is_question(title) or (sc.levels[i] in levels and _statement(title))):
            continue
        answer, end = sc.body(i + 1, len(sc.lines), multi_para=True,
                              stop_levels=sc.levels[i])
        if answer:
            out.append(sc.found([("user", title), ("assistant", answer)], i, end,
                                "faq_heading"))
    return out


def _section_title(sc: Scan, i: int) -> tuple[str, int] | None:
    """(normalised title, level) when line ``i`` opens a section, else None."""
    if sc.kinds[i] == HEADING:
        return normalise_name(sc.titles[i]), sc.levels[i]
    text = sc.lines[i].text.rstrip()
    if (sc.kinds[i] == TEXT and len(text) <= 40 and text.endswith((":", "**", "__"))
            and (m := _LABEL_LINE_RE.match(text))):
        name = normalise_name(m.group(2))
        if name in PROBLEM_NAMES or name in ANSWER_NAMES:
            return name, BOLD_LEVEL + 1
    return None


def knowledge_base(sc: Scan) -> list[Found]:
    """Problem / Cause / Solution articles (see the module rules)."""
    n = len(sc.lines)
    titles = {i: t for i in range(n) if not sc.taken[i] and (t := _section_title(sc, i))}
    order = sorted(titles)
    out = []
    for k, i in enumerate(order):
        name, level = titles[i]
        if name not in PROBLEM_NAMES or sc.taken[i]:
            continue
        question, q_end = sc.body(i + 1, n, multi_para=True, stop_levels=level)
        parts, end = [], q_end
        for j in order[k + 1:]:
            jname, jlevel = titles[j]
            if jlevel < level:
                break
            if jlevel > level:
                continue
            if jname not in ANSWER_NAMES:
                break
            if any(sc.kinds[x] == TEXT and not sc.taken[x] for x in range(end, j)
                   if sc.lines[x].text.strip()) and parts:
                break
            text, end = sc.body(j + 1, n, multi_para=True, stop_levels=level)
            if text:
                parts.append(text)
        if question and parts:
            out.append(sc.found([("user", question), ("assistant", "\n\n".join(parts))],
                                i, end, "kb_article"))
    return out
