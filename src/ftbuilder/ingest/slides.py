"""PPTX with python-pptx: each slide's text (title first, as "# Title") and its notes.

Locations: "slide 2" and "slide 2 notes". Text inside groups and tables is included.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import IngestError
from ftbuilder.core.types import Document, Segment


def _shape_texts(shapes: Iterable[Any], skip: Any, out: list[str]) -> None:
    for shape in shapes:
        if skip is not None and shape.shape_id == skip:
            continue
        if getattr(shape, "shape_type", None) == 6:  # MSO_SHAPE_TYPE.GROUP
            _shape_texts(shape.shapes, None, out)
        elif getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                if any(cells):
                    out.append(" | ".join(cells))
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            text = shape.text_frame.text.strip()
            if text:
                out.append(text)


def _notes(slide: Any) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return frame.text.strip() if frame is not None else ""


def read_pptx(path: Path) -> Document:
    """A .pptx file: a segment per slide with text and per slide with notes."""
    import pptx  # python-pptx; heavy import, only when a PPTX is read

    try:
        prs = pptx.Presentation(str(path))
    except Exception as e:  # zip/XML/KeyError...: python-pptx raises many kinds
        raise IngestError(f"corrupt or not a real .pptx ({type(e).__name__})",
                          "open it in PowerPoint and save it again") from None
    doc = Document(path=str(path), sha256="", type="pptx")
    try:
        slides = list(prs.slides)
        doc.slides = len(slides)
        for n, slide in enumerate(slides, 1):
            texts: list[str] = []
            title = slide.shapes.title
            if title is not None and title.has_text_frame and title.text_frame.text.strip():
                texts.append("# " + " ".join(title.text_frame.text.split()))
            _shape_texts(slide.shapes, title.shape_id if title is not None else None, texts)
            if texts:
                doc.segments.append(Segment("\n".join(texts), f"slide {n}"))
            notes = _notes(slide)
            if notes:
                doc.segments.append(Segment(notes, f"slide {n} notes"))
    except Exception as e:
        raise IngestError(f"corrupt .pptx: a slide could not be read ({type(e).__name__})",
                          "open it in PowerPoint and save it again") from None
    return doc
