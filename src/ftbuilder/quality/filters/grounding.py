"""Grounding: the facts of an LLM-written answer must be in the chunk it was written from.

Checked spans of each assistant message: e-mail addresses, URLs, prices and other numbers,
dates, quoted phrases (3+ words) and names (capitalised words that do not start a
sentence). A span counts as supported when it appears in the source chunk kept with the
sample (meta ``source_text``), compared case-insensitively with whitespace collapsed;
numbers are compared by value ("$2,000" = "2000", "12.50" = "12.5"; a price only with the
source's amounts, not with its years or dates), dates by day and month. Names and quoted
phrases may also come from the user's own messages. Small
integers (0-10) are not checked (list numbering, counts written as words in the source).

Samples without a kept chunk (identified, imported, free mode without a document) are
not checked: there is nothing to ground them in. The reason names the first unsupported
span, e.g. ``ungrounded price "$2,000"``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ftbuilder.quality.filters.base import FilterOptions, SampleView, cut

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"'`]+", re.I)
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
_MONTH_RE = "|".join([m[:3] + f"(?:{m[3:]})?" for m in _MONTHS] + ["sept"])
DATE_RE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?"
    rf"|({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?)\b(?:,?\s+(\d{{4}}))?"
    r"|\b(\d{4})-(\d{2})-(\d{2})\b", re.I)
DASH_DATE_RE = re.compile(r"\b\d{1,2}[-/ ][A-Za-z]{3,9}[-/ ]\d{4}\b|"
                          r"\b\d{4}[-/]\d{1,2}[-/]\d{1,2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")
PRICE_RE = re.compile(r"(?:[$€£¥]\s?\d[\d,]*(?:\.\d+)?|\d[\d,]*(?:\.\d+)?\s?(?:USD|EUR|GBP|"
                      r"dollars?|euros?|pounds?)\b)", re.I)
NUMBER_RE = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])\d+(?:\.\d+)?"
                       r"(?![\w])")
QUOTE_RE = re.compile(r"[\"“”«»]([^\"“”«»\n]{3,200})[\"“”«»]")
NAME_RE = re.compile(r"(?<![\w.@/])([A-Z][a-z]+(?:[A-Z][a-z]+)*(?:\s+[A-Z][a-z]+)*)\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n\s*(?:[-*+]|\d+[.)])?\s*|[\"“(]\s*)$")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_COMMON = frozenset((
    "I", "I'm", "I've", "I'll", "I'd", "You", "Your", "Yes", "No", "Not", "Please",
    "Thanks", "Thank", "Hi", "Hello", "Dear", "Note", "Also", "However", "If", "When",
    "Then", "This", "That", "These", "Those", "There", "Here", "It", "Its", "We", "Our",
    "They", "Their", "He", "She", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December", "Step", "First", "Second",
    "Third", "Finally", "Next", "Sure", "Okay", "OK", "Great", "For", "To", "In", "On",
    "At", "By", "With", "From", "Of", "And", "Or", "But", "So", "As", "A", "An", "The",
    "My", "Me", "Mine", "What", "Why", "How", "Who", "Where", "Which", "Do", "Does", "Did",
    "Is", "Are", "Was", "Were", "Be", "Can", "Could", "Should", "Would", "Will",
))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _value(num: str) -> str:
    """A number's canonical value: commas and currency dropped, trailing zeros cut."""
    s = re.sub(r"[^\d.]", "", num)
    if s.count(".") > 1 or not s or s == ".":
        return s
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.lstrip("0") or "0"


def numbers_of(text: str) -> set[str]:
    return {_value(m.group(0)) for m in NUMBER_RE.finditer(text)}


def _month(name: str) -> int:
    name = name.lower()[:3]
    return next(i for i, m in enumerate(_MONTHS, 1) if m.startswith(name))


def dates_of(text: str) -> set[tuple[int, int]]:
    """(month, day) pairs of the dates written in ``text``."""
    out: set[tuple[int, int]] = set()
    for m in DATE_RE.finditer(text):
        if m.group(6):
            out.add((int(m.group(7)), int(m.group(8))))
        elif m.group(1):
            out.add((_month(m.group(2)), int(m.group(1))))
        else:
            out.add((_month(m.group(3)), int(m.group(4))))
    return out


def _in(span: str, haystack: str) -> bool:
    return _norm(span) in haystack


def _names(text: str) -> list[str]:
    out = []
    for m in NAME_RE.finditer(text):
        before = text[max(0, m.start() - 6):m.start()]
        words = [w for w in m.group(1).split() if w not in _COMMON]
        if not words:
            continue
        if _SENTENCE_START.search(before) and len(m.group(1).split()) == 1:
            continue  # one capitalised word opening a sentence: ordinary capitalisation
        out.append(" ".join(words))
    return out


@lru_cache(maxsize=256)
def _source_facts(source: str) -> tuple[str, set[tuple[int, int]], set[str], set[str], set[str]]:
    """What a source offers, computed once per chunk (several samples share one):
    normalised text, dates, numbers, amounts (numbers outside dates), words."""
    src = _norm(source)
    return (src, dates_of(source), numbers_of(source),
            numbers_of(DASH_DATE_RE.sub(" ", DATE_RE.sub(" ", source))),
            set(_WORD_RE.findall(src)))


def unsupported(answer: str, source: str, context: str = "") -> tuple[str, str] | None:
    """The first (kind, span) of ``answer`` not supported by ``source``, or None.

    ``context`` (the user's messages) also supports names and quoted phrases.
    """
    src, src_dates, src_numbers, amounts, src_words = _source_facts(source)
    ctx = _norm(context)
    for m in EMAIL_RE.finditer(answer):
        if not _in(m.group(0), src):
            return "e-mail", m.group(0)
    for m in URL_RE.finditer(answer):
        url = m.group(0).rstrip(".,;:!?")
        if not _in(url.rstrip("/"), src):
            return "URL", url
    masked = EMAIL_RE.sub(" ", URL_RE.sub(" ", answer))
    for m in DATE_RE.finditer(masked):
        d = dates_of(m.group(0))
        if d and not d <= src_dates:
            return "date", m.group(0)
    # a price must be an amount of the source: a year or a day of a date is not one
    for m in PRICE_RE.finditer(masked):
        if _value(m.group(0)) not in amounts:
            return "price", m.group(0).strip()
    for m in NUMBER_RE.finditer(DATE_RE.sub(" ", masked)):
        v = _value(m.group(0))
        if v in src_numbers or (v.isdigit() and int(v) <= 10):
            continue
        return "number", m.group(0)
    for m in QUOTE_RE.finditer(masked):
        phrase = m.group(1).strip()
        if len(phrase.split()) >= 3 and not (_in(phrase, src) or _in(phrase, ctx)):
            return "quote", phrase
    ctx_words = set(_WORD_RE.findall(ctx))
    for name in _names(masked):
        if not all(w.lower() in src_words or w.lower() in ctx_words for w in name.split()):
            return "name", name
    return None


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    if not sample.source_text:
        return None
    context = "\n".join(sample.questions)
    for answer in sample.answers:
        found = unsupported(answer, sample.source_text, context)
        if found is not None:
            kind, span = found
            return f'ungrounded {kind} "{cut(span)}"'
    return None
