"""Conversations in tables (XLSX sheets, CSV) and flat JSON objects, found by column name.

Two table shapes:

* question/answer columns, one pair per row: ``Question``/``Answer``, ``prompt``/``response``,
  ``input``/``output``, ``instruction``(+``input``)/``output``, ``pregunta``/``respuesta``...
  Headers are compared lowercased, accents and punctuation removed; a header that merely
  contains "question"/"answer" ("Customer question") is the fallback.
* one turn per row: ``role`` + ``content`` columns, grouped by a conversation id column
  when there is one, else by runs of rows between empty rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ftbuilder.extract.labels import normalise_name, role_of

# Most specific first: the first name present wins.
QUESTION_NAMES = ("question", "questions", "q", "faq question", "user question", "prompt",
                  "instruction", "query", "user message", "user input", "user", "human",
                  "input", "pregunta", "frage", "question text")
ANSWER_NAMES = ("answer", "answers", "a", "faq answer", "response", "completion", "output",
                "reply", "assistant message", "assistant", "ai", "bot", "respuesta",
                "antwort", "reponse", "answer text")
SYSTEM_NAMES = ("system", "system prompt", "system message")
ROLE_NAMES = ("role", "speaker", "from", "author", "sender")
CONTENT_NAMES = ("content", "message", "text", "value", "utterance")
CONV_ID_NAMES = ("conversation id", "conversation", "conv id", "dialog id", "dialogue id",
                 "thread id", "session id", "chat id", "thread", "session", "dialog")


@dataclass(slots=True)
class Columns:
    """Column indexes (or keys) of a question/answer or role/content layout."""

    kind: str  # "qa" | "turns"
    question: int = -1
    answer: int = -1
    system: int = -1
    extra_input: int = -1  # Alpaca "input", appended to the instruction
    role: int = -1
    content: int = -1
    conv_id: int = -1

    def used(self) -> set[int]:
        return {self.question, self.answer, self.system, self.extra_input, self.role,
                self.content, self.conv_id} - {-1}


def _pick(names: list[str], wanted: Sequence[str], exclude: set[int] = frozenset()) -> int:
    for w in wanted:
        for i, n in enumerate(names):
            if n == w and i not in exclude:
                return i
    return -1


def _contains(names: list[str], word: str, exclude: set[int]) -> int:
    for i, n in enumerate(names):
        if i not in exclude and word in n.split():
            return i
    return -1


def match_columns(header: Sequence[Any]) -> Columns | None:
    """The conversation layout of a header row, or None when it has none."""
    names = [normalise_name(str(h or "")) for h in header]
    if "instruction" in names and "output" in names:
        q = names.index("instruction")
        a = names.index("output")
        extra = names.index("input") if "input" in names else -1
        return Columns("qa", q, a, _pick(names, SYSTEM_NAMES), extra)
    q = _pick(names, QUESTION_NAMES)
    a = _pick(names, ANSWER_NAMES, {q})
    if q < 0:
        q = _contains(names, "question", {a})
    if a < 0:
        a = _contains(names, "answer", {q})
    if q >= 0 and a >= 0:
        return Columns("qa", q, a, _pick(names, SYSTEM_NAMES, {q, a}))
    role, content = _pick(names, ROLE_NAMES), _pick(names, CONTENT_NAMES)
    if role >= 0 and content >= 0:
        return Columns("turns", role=role, content=content,
                       conv_id=_pick(names, CONV_ID_NAMES, {role, content}))
    return None


def _is_named(name: str, names: Sequence[str], word: str) -> bool:
    """``name`` is one of ``names``, or one of them with a number or qualifier added
    ("Question 2", "FAQ answer (EN)"), or holds ``word``."""
    base = " ".join(t for t in name.split() if not t.isdigit())
    return base in names or word in name.split()


def qa_column_pairs(header: Sequence[Any]) -> list[Columns]:
    """Every question/answer column pair of a header, left to right: a sheet may hold
    several ("Question | Answer | Question | Answer"). Each question column pairs with the
    first answer column to its right before the next question column. Fewer than two
    pairs: an empty list (:func:`match_columns` reads the one-pair layouts)."""
    names = [normalise_name(str(h or "")) for h in header]
    out: list[Columns] = []
    q = -1
    for i, n in enumerate(names):
        if _is_named(n, QUESTION_NAMES, "question"):
            q = i
        elif q >= 0 and _is_named(n, ANSWER_NAMES, "answer"):
            out.append(Columns("qa", q, i))
            q = -1
    return out if len(out) >= 2 else []


def _cell(row: Sequence[Any], i: int) -> str:
    if i < 0 or i >= len(row) or row[i] is None:
        return ""
    return str(row[i]).strip()


def qa_turns(row: Sequence[Any], cols: Columns) -> list[tuple[str, str]] | None:
    """The (role, content) turns of one question/answer row, or None if a side is empty."""
    q, a = _cell(row, cols.question), _cell(row, cols.answer)
    if not q or not a:
        return None
    extra = _cell(row, cols.extra_input)
    if extra:
        q = f"{q}\n\n{extra}"
    turns = [("user", q), ("assistant", a)]
    system = _cell(row, cols.system)
    return [("system", system), *turns] if system else turns


def row_context(header: Sequence[Any], row: Sequence[Any], cols: Columns) -> str:
    """The row's other non-empty cells as "Header: value; ..." (its surrounding text)."""
    used = cols.used()
    parts = [f"{str(h).strip()}: {_cell(row, i)}" for i, h in enumerate(header)
             if i not in used and _cell(row, i) and str(h or "").strip()]
    return "; ".join(parts)


def turn_groups(rows: Sequence[Sequence[Any]], cols: Columns
                ) -> list[tuple[int, int, list[tuple[str, str]]]]:
    """Role/content rows grouped into conversations: (first index, last index, turns)."""
    groups: list[tuple[int, int, list[tuple[str, str]]]] = []
    current: list[tuple[str, str]] = []
    first = last = -1
    key: str | None = None

    def close() -> None:
        if current:
            groups.append((first, last, list(current)))
        current.clear()

    for i, row in enumerate(rows):
        role_name, content = _cell(row, cols.role), _cell(row, cols.content)
        this_key = _cell(row, cols.conv_id) if cols.conv_id >= 0 else None
        if not role_name and not content:
            close()
            key = None
            continue
        if this_key != key:
            close()
            key = this_key
        role = role_of(role_name)
        if role is None or not content:
            continue
        if not current:
            first = i
        current.append((role, content))
        last = i
    close()
    return groups
