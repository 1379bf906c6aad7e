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
_HYPHENATED_RE = re.compile(r"[^\W\d_]+-[^\W\d_]+")


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


def _joinable(prev: str, cur: str) -> bool:
    stripped = cur.lstrip()
    if not prev.strip() or not stripped or not stripped[0].islower():
        return False
    if (_HEADING_RE.match(prev) or _SEPARATOR_RE.match(prev) or FENCE_RE.match(prev)
            or prev.endswith(("**", "__"))):  # a bold heading or label line stays whole
        return False
    return prev[-1] not in SENTENCE_END


def join_pair(prev: str, cur: str, vocab: Vocabulary | None) -> str:
    """The logical line made of ``prev`` followed by the wrapped line ``cur``."""
    nxt = cur.strip()
    m = _HYPHEN_END_RE.search(prev)
    if m:
        w = _FIRST_WORD_RE.match(nxt)
        if w and vocab is not None and vocab.is_soft_hyphen(m.group(1), w.group(0)):
            return prev[:-1] + nxt
        return prev + nxt
    return prev + " " + nxt


def logical_lines(text: str, vocab: Vocabulary | None = None) -> list[Line]:
    """Split ``text`` into lines, re-joining wrapped ones (see the module rules).

    ``vocab`` is the document's vocabulary (``Vocabulary.of(doc.text)``); without it soft
    hyphens are never dropped.
    """
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[Line] = []
    in_fence = False
    for i, line in enumerate(raw):
        s = line.rstrip()
        if FENCE_RE.match(s):
            in_fence = not in_fence
            out.append(Line(s, i, i))
            continue
        if not in_fence and out and _joinable(out[-1].text, s):
            out[-1].text = join_pair(out[-1].text, s, vocab)
            out[-1].end = i
            continue
        out.append(Line(s, i, i))
    return out
