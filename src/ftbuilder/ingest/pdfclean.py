"""Clean the text of PDF pages before anything reads it: what typesetting adds, not the words.

Applied to all pages of a document together, line for line where it can be:

* running headers and footers: a line among the first or last four of a page that comes
  back (digits aside) on at least half the pages, two or more, is dropped;
* page numbers: a line of its own at the top or bottom of a page that is only a number,
  "Page 3", "3 of 12", "- 3 -" is dropped;
* doubled spaces from justified text become one (indentation kept);
* hyphenation at line ends: ``Stu-`` + ``dio and`` becomes ``Studio`` + ``and`` (the rest
  of the word moves up, so line numbers stay) unless the hyphen is a real one: the
  hyphenated word is written elsewhere in the document, or both halves are words of three
  letters or more found elsewhere while the joined word is not (``first-`` + ``class``);
* headings: a line set in a larger font than the body text, or in bold on a line of its
  own, gets a Markdown heading mark (``## What is X?``), larger fonts higher levels, so
  the detector sees the structure the layout showed.
"""

from __future__ import annotations

import re
from collections import Counter

_PAGE_NO_RE = re.compile(r"^\s*(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?\s*(?:(?:of|/)\s*\d{1,4})?\s*$",
                         re.IGNORECASE)
_EDGE = 4
_SPACES_RE = re.compile(r"(?<=\S) {2,}(?=\S)")
_HYPHEN_END_RE = re.compile(r"(?<![-\w])([^\W\d_]+)-$")
_FIRST_WORD_RE = re.compile(r"^([^\W\d_]+)(.*)$")
_WORD_RE = re.compile(r"[^\W\d_]+")
_HYPHENATED_RE = re.compile(r"(?<![^\W\d_])[^\W\d_]+-[^\W\d_]+")
_MIN_HALF = 3
_BROKEN_RE = re.compile(r"[^\W\d_]+-\n\s*[^\W\d_]+")


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.lower().split()))


def _edges(lines: list[str]) -> list[int]:
    filled = [i for i, ln in enumerate(lines) if ln.strip()]
    return sorted(set(filled[:_EDGE] + filled[-_EDGE:]))


def _drop(lines: list[str], drop: set[int]) -> list[str]:
    return [ln for i, ln in enumerate(lines) if i not in drop]


def drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without running headers, footers and page numbers (see the module rules)."""
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_key(lines[i]) for i in _edges(lines)})
    need = max(2, (len(pages) + 1) // 2)
    out = []
    for lines in pages:
        if len(pages) >= 2:
            lines = _drop(lines, {i for i in _edges(lines) if counts[_key(lines[i])] >= need})
        out.append(_drop(lines, {i for i in _edges(lines) if _PAGE_NO_RE.match(lines[i])}))
    return out


def _soft(left: str, right: str, words: set[str], hyphenated: set[str]) -> bool:
    lo, ro = left.lower(), right.lower()
    if f"{lo}-{ro}" in hyphenated:
        return False
    both_words = len(lo) >= _MIN_HALF and len(ro) >= _MIN_HALF and lo in words and ro in words
    return not (both_words and lo + ro not in words)


def join_hyphens(pages: list[list[str]]) -> list[list[str]]:
    """Soft hyphens at line ends removed by moving the word's end up (see the rules)."""
    flat = [ln for lines in pages for ln in lines]
    if not any(ln.rstrip().endswith("-") for ln in flat):
        return pages
    text = "\n".join(ln.rstrip() for ln in flat)
    low = _BROKEN_RE.sub(" ", text.lower())  # the halves of broken words are no evidence
    words = set(_WORD_RE.findall(low))
    hyphenated = set(_HYPHENATED_RE.findall(low))
    sizes = [len(lines) for lines in pages]
    for i in range(len(flat) - 1):
        m = _HYPHEN_END_RE.search(flat[i].rstrip())
        nxt = flat[i + 1].lstrip()
        w = _FIRST_WORD_RE.match(nxt) if m else None
        if not (m and w and nxt[:1].islower()):
            continue
        if _soft(m.group(1), w.group(1), words, hyphenated):
            rest = w.group(2)
            punct = re.match(r"^[^\s]*", rest).group(0)  # type: ignore[union-attr]
            flat[i] = flat[i].rstrip()[:-1] + w.group(1) + punct
            flat[i + 1] = rest[len(punct):].lstrip()
    out, k = [], 0
    for n in sizes:
        out.append(flat[k:k + n])
        k += n
    return out


def single_spaces(line: str) -> str:
    return _SPACES_RE.sub(" ", line) if "  " in line else line


class FontLines:
    """Font of each whole line of text, gathered from pypdf's ``visitor_text`` callback."""

    def __init__(self) -> None:
        self.lines: dict[str, tuple[float, bool]] = {}
        self.chars: Counter[float] = Counter()
        self._text: list[str] = []
        self._fonts: set[tuple[float, bool]] = set()
        self._known: dict[tuple[int, float, float], tuple[float, bool]] = {}

    def visit(self, text: str, cm: object, tm: list[float], font: object, size: float) -> None:
        if not text:
            return
        key = (id(font), size, tm[3] if tm else 1)
        found = self._known.get(key)
        if found is None:
            try:
                eff = round(float(size) * (abs(float(tm[3])) or 1.0), 1)
                name = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
            except (TypeError, ValueError, IndexError):
                return
            found = self._known[key] = (eff, "bold" in name.lower() or "black" in name.lower())
        if "\n" not in text:
            self._text.append(text)
            self._fonts.add(found)
            self.chars[found[0]] += len(text)
            return
        for k, piece in enumerate(text.split("\n")):
            if k:
                self._close()
            if piece.strip():
                self._text.append(piece)
                self._fonts.add(found)
                self.chars[found[0]] += len(piece)

    def _close(self) -> None:
        if len(self._fonts) == 1:  # a line set in one font: a heading candidate
            line = " ".join("".join(self._text).split())
            if line and len(line) <= 160:
                self.lines[line] = next(iter(self._fonts))
        self._text, self._fonts = [], set()

    def body(self) -> float:
        return self.chars.most_common(1)[0][0] if self.chars else 0.0


def mark_headings(lines: list[str], fonts: FontLines) -> list[str]:
    """``lines`` with a heading mark on each line set alone in a font larger than the body
    text, or in bold: larger fonts are higher levels (``##`` the largest)."""
    body = fonts.body()
    if not body:
        return lines
    sizes = sorted({s for s, _b in fonts.lines.values() if s > body * 1.1}, reverse=True)
    out = []
    for ln in lines:
        found = fonts.lines.get(" ".join(ln.split()))
        if found is None or len(ln) > 160 or ln.lstrip().startswith("#"):
            out.append(ln)
            continue
        size, bold = found
        if size in sizes:
            level = sizes.index(size) + 1
        elif bold and size >= body * 0.95:
            level = len(sizes) + 1
        else:
            out.append(ln)
            continue
        out.append("#" * min(level + 1, 6) + " " + ln.strip())
    return out
