"""Put a document's text segments back together so a conversation can span several of them.

Readers cut text into segments (TXT/MD/HTML paragraphs "lines 10-14", DOCX "paragraph 12",
PDF "page 3", PPTX "slide 2"). A question in one paragraph and its answer in the next must
be seen together, so consecutive segments of one kind are joined into a :class:`Block`:

* "line N" / "lines A-B" and "paragraph N": joined in order, with a blank line where the
  numbering skips (a blank line or an empty paragraph was there in the file); segments
  that share a source line (HTML elements on one line) go on the same block;
* "page N": pages joined line to line (an answer may go on over a page break);
* anything else ("slide 2", "slide 2 notes"...): a block of its own.

:meth:`Block.location` turns raw line indexes of the block text back into a citation.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ftbuilder.core.types import Segment

_UNIT_RE = re.compile(r"^(line|lines|paragraph|page)\s+(\d+)(?:\s*-\s*(\d+))?$", re.IGNORECASE)


@dataclass(slots=True)
class _Piece:
    location: str
    first_line: int  # index of its first line in the block text
    n_lines: int
    base: int  # its number: first source line, paragraph or page


@dataclass
class Block:
    """Joined text of one or more segments, and where each of its lines came from."""

    unit: str  # "line" | "paragraph" | "page" | "" (a single segment)
    pieces: list[_Piece] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    _last: int = 0  # last number covered (line or paragraph) by the pieces so far

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def add(self, seg: Segment, first: int, last: int) -> None:
        if self.pieces and self.unit in ("line", "paragraph") and first > self._last + 1:
            self.lines.append("")  # the source had a blank line / empty paragraph here
        seg_lines = seg.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.pieces.append(_Piece(seg.location, len(self.lines), len(seg_lines), first))
        self.lines.extend(seg_lines)
        self._last = last

    def _where(self, raw: int) -> tuple[_Piece, int]:
        k = max(bisect.bisect_right(self.pieces, raw, key=lambda p: p.first_line) - 1, 0)
        found = self.pieces[k]
        return found, min(raw - found.first_line, found.n_lines - 1)

    def location(self, start: int, end: int) -> str:
        """A citation for block lines ``start``..``end`` (0-based, inclusive)."""
        (pa, oa), (pb, ob) = self._where(start), self._where(end)
        if self.unit == "line":
            a, b = pa.base + oa, pb.base + ob
            return f"line {a}" if a == b else f"lines {a}-{b}"
        if self.unit == "paragraph":
            a, b = pa.base, pb.base
            return f"paragraph {a}" if a == b else f"paragraphs {a}-{b}"
        if pa is pb:
            if pa.n_lines == 1:
                return pa.location
            span = f"line {oa + 1}" if oa == ob else f"lines {oa + 1}-{ob + 1}"
            return f"{pa.location}, {span}"
        return f"{pa.location}, line {oa + 1} to {pb.location}, line {ob + 1}"


def blocks_of(segments: list[Segment]) -> list[Block]:
    """Consecutive segments grouped into blocks (see the module rules), in order."""
    out: list[Block] = []
    for seg in segments:
        m = _UNIT_RE.match((seg.location or "").strip())
        unit = ""
        first = last = 0
        if m:
            unit = {"lines": "line"}.get(m.group(1).lower(), m.group(1).lower())
            first = int(m.group(2))
            last = int(m.group(3) or first)
        if unit and out and out[-1].unit == unit and (
                first > out[-1]._last or (unit == "line" and first == out[-1]._last)):
            # Several segments on one source line (minified HTML): still one block.
            out[-1].add(seg, first, last)
            continue
        block = Block(unit)
        block.add(seg, first, last)
        out.append(block)
    return out
