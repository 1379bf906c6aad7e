"""Re-join lines wrapped by PDF (or e-mail / hard-wrapped text) extraction into logical lines.

The rules, applied outside fenced code blocks only:

1. A line that ends without sentence punctuation (``. ! ? : ;``) followed by a line that
   starts with a lowercase letter is a wrapped line: the two are joined with one space.
2. A line ending in ``letters-`` followed by a line starting with a lowercase letter is a
   hyphenated line end. The hyphen is dropped ("infor-" + "mation" -> "information") ONLY
   when it is a soft wrap, which we accept only on evidence from the same document: the
   joined word appears elsewhere in it unhyphenated, and the hyphenated form does not.
   Otherwise the hyphen is kept and only the line break goes ("well-" + "known" ->
   "well-known"). No dictionary guesses: without evidence the source text is kept.

Nothing else is changed: every other line break stays, so message text is the source text
up to whitespace (and proven soft hyphens).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE_END = ".!?:;"
FENCE_RE = re.compile(r"^\s*(```|~~~)")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s")
_SEPARATOR_RE = re.compile(r"^\s*([-*_=])(\s*\1){2,}\s*$")
_HYPHEN_END_RE = re.compile(r"(?<![-\w])([^\W\d_]+)-$")
_FIRST_WORD_RE = re.compile(r"[^\W\d_]+")
_WORD_RE = re.compile(r"[^\W\d_]+")
# A match starts at a word start only: linear on long letter runs (no re-scan per letter).
_HYPHENATED_RE = re.compile(r"(?<![^\W\d_])[^\W\d_]+-[^\W\d_]+")


@dataclass(slots=True)
class Line:
    """A logical line: ``text`` (right-stripped) of raw lines ``start``..``end`` (0-based)."""

    text: str
    start: int
    end: int


@dataclass(slots=True)
class Vocabulary:
    """Words of a document, the evidence for soft-hyphen joins."""

    words: frozenset[str]
    hyphenated: frozenset[str]

    @classmethod
    def of(cls, text: str) -> Vocabulary:
        low = text.lower()
        return cls(frozenset(_WORD_RE.findall(low)), frozenset(_HYPHENATED_RE.findall(low)))

    def is_soft_hyphen(self, left: str, right: str) -> bool:
        left, right = left.lower(), right.lower()
        return left + right in self.words and f"{left}-{right}" not in self.hyphenated


def _joinable(prev: str, cur: str, tail: str | None = None) -> bool:
    """Whether ``cur`` continues ``prev``. ``prev`` may be only the start of the logical line
    (its first raw line and a few characters more) when ``tail``, its last characters, is
    given: the rules look at nothing else."""
    stripped = cur.lstrip()
    if not prev.strip() or not stripped or not stripped[0].islower():
        return False
    end = prev if tail is None else tail
    if (_HEADING_RE.match(prev) or _SEPARATOR_RE.match(prev) or FENCE_RE.match(prev)
            or end.endswith(("**", "__"))):  # a bold heading or label line stays whole
        return False
    return end[-1] not in SENTENCE_END


def _join_piece(prev: str, cur: str, vocab: Vocabulary | None) -> tuple[bool, str]:
    """How ``cur`` joins ``prev``: (drop prev's final hyphen, text to append).

    Only the end of ``prev`` counts (its trailing letters and hyphen, and the character
    before them), so ``prev`` may be just that end of a long logical line.
    """
    nxt = cur.strip()
    m = _HYPHEN_END_RE.search(prev) if prev.endswith("-") else None
    if m:
        w = _FIRST_WORD_RE.match(nxt)
        if w and vocab is not None and vocab.is_soft_hyphen(m.group(1), w.group(0)):
            return True, nxt
        return False, nxt
    return False, " " + nxt


def join_pair(prev: str, cur: str, vocab: Vocabulary | None) -> str:
    """The logical line made of ``prev`` followed by the wrapped line ``cur``."""
    drop, piece = _join_piece(prev, cur, vocab)
    return (prev[:-1] if drop else prev) + piece


HEAD_EXTRA = 16  # characters past the first raw line the start-of-line rules may look at


def logical_lines(text: str, vocab: Vocabulary | None = None) -> list[Line]:
    """Split ``text`` into lines, re-joining wrapped ones (see the module rules).

    ``vocab`` is the document's vocabulary (``Vocabulary.of(doc.text)``); without it soft
    hyphens are never dropped. Linear in the text: a logical line is kept as pieces while
    it grows, and the join rules look only at its start and its end.
    """
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Line] = []
    parts: list[str] = []  # pieces of out[-1].text while it grows
    # What the rules read of out[-1].text: its start (the first raw line + HEAD_EXTRA
    # characters), its end since the last plain join (which is always " " + text), its size.
    head = end = ""
    head_max = size = 0
    in_fence = False

    def close() -> None:
        if len(parts) > 1:
            out[-1].text = "".join(parts)

    for i, line in enumerate(raw):
        s = line.rstrip()
        if FENCE_RE.match(s):
            in_fence = not in_fence
        elif not in_fence and out and _joinable(head, s, end[-2:]):
            drop, piece = _join_piece(end, s, vocab)
            if drop:  # a soft hyphen: the line's final "-" goes
                parts[-1] = parts[-1][:-1]
                end = end[:-1]
                head = head[:-1] if len(head) == size else head
                size -= 1
            parts.append(piece)
            end = piece if piece.startswith(" ") else end + piece
            size += len(piece)
            if len(head) < head_max:
                head = (head + piece)[:head_max]
            out[-1].end = i
            continue
        close()
        out.append(Line(s, i, i))
        parts = [s]
        head = end = s
        head_max, size = len(s) + HEAD_EXTRA, len(s)
    close()
    return out
