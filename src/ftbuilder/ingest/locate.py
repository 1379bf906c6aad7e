"""Map a character span of ``Document.text`` back to a citable location.

Agents work on ``doc.text`` (segments joined by a blank line); an example found at
``text[start:end]`` cites ``location_for_span(doc, start, end)``: "page 3", "pages 3-4",
"lines 12-15", "sheet Sales rows 5-7", "slide 2 to slide 2 notes".
"""

from __future__ import annotations

import bisect
import re

from ftbuilder.core.types import Document

SEPARATOR = "\n\n"  # how Document.text joins segments
_LOC = re.compile(r"^(?P<prefix>.*?)\b(?P<unit>pages?|slides?|rows?|lines?|paragraphs?)"
                  r" (?P<a>\d+)(?:-(?P<b>\d+))?(?P<suffix>.*)$")


def segment_spans(doc: Document) -> list[tuple[int, int, str]]:
    """(start, end, location) of each segment inside ``doc.text``."""
    spans = []
    pos = 0
    for seg in doc.segments:
        spans.append((pos, pos + len(seg.text), seg.location))
        pos += len(seg.text) + len(SEPARATOR)
    return spans


def _line_in(seg_text: str, seg_loc: str, offset: int) -> str:
    """For a "lines a-b" segment, the exact line holding ``offset`` (chars into the segment)."""
    m = _LOC.match(seg_loc)
    if not m or not m["unit"].startswith("line"):
        return seg_loc
    first = int(m["a"])
    last = int(m["b"] or first)
    return f"line {min(first + seg_text.count(chr(10), 0, offset), last)}"


def _merge(a: str, b: str) -> str:
    if a == b:
        return a
    ma, mb = _LOC.match(a), _LOC.match(b)
    if (ma and mb and ma["prefix"] == mb["prefix"] and not ma["suffix"] and not mb["suffix"]
            and ma["unit"].rstrip("s") == mb["unit"].rstrip("s")):
        unit = ma["unit"].rstrip("s") + "s"
        return f"{ma['prefix']}{unit} {ma['a']}-{mb['b'] or mb['a']}"
    return f"{a} to {b}"


def location_for_span(doc: Document, start: int, end: int) -> str:
    """The location of ``doc.text[start:end]``; "" if the document has no segments."""
    spans = segment_spans(doc)
    if not spans:
        return ""
    end = max(end, start + 1)
    starts = [s for s, _e, _loc in spans]
    i = max(bisect.bisect_right(starts, start) - 1, 0)
    j = max(bisect.bisect_right(starts, end - 1) - 1, i)
    si, _ei, loc_i = spans[i]
    sj, _ej, loc_j = spans[j]
    first = _line_in(doc.segments[i].text, loc_i, max(start - si, 0))
    last = _line_in(doc.segments[j].text, loc_j, max(end - 1 - sj, 0))
    return _merge(first, last)
