"""Identify mode: extract the conversations a document already contains, verbatim. No LLM.

Sources of conversations, per :class:`~ftbuilder.core.types.Document` part:

* ``segments`` (text of pages, slides, lines): labelled Q/A and chat transcripts, numbered
  Q&A, FAQ headings and FAQ question lines (:mod:`ftbuilder.extract.patterns`), with lines
  wrapped by PDF extraction re-joined first (:mod:`ftbuilder.extract.rejoin`).
* ``tables`` (sheets, CSV): question/answer or role/content columns found by header on any
  sheet (:mod:`ftbuilder.extract.columns`).
* ``records`` (JSON/JSONL): existing chat datasets (OpenAI messages, ShareGPT, Alpaca...)
  parsed by :mod:`ftbuilder.formats`, and flat objects with question/answer keys.

Every message is source text: never rewritten, never invented. A document without
conversations yields none. Each sample records its file and a precise location ("page 3,
lines 4-9", "sheet FAQ row 7", "record line 42"). The only text the tool adds is the optional
configured system prompt, marked ``meta["system_prompt_added"] = True``.

Documents where no pattern applies can be handed to the agent LLM when
``agent.identify.llm_fallback`` is on (:mod:`ftbuilder.agents.identify_llm`); whatever it
returns is checked against the source text and kept only if it is there verbatim.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from ftbuilder import formats
from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import Conversation, Document, Message, Segment, Table
from ftbuilder.extract.blocks import blocks_of
from ftbuilder.extract.columns import (
    match_columns,
    qa_column_pairs,
    qa_turns,
    row_context,
    turn_groups,
)
from ftbuilder.extract.markup import normalise
from ftbuilder.extract.patterns import find_conversations
from ftbuilder.extract.rejoin import Vocabulary, logical_lines

ORIGIN = "identify"
MIN_PLAIN_QUESTIONS = 2  # plain "...?" lines count as an FAQ only with company
_ROW_LOC_RE = re.compile(r"\brow \d+$")
_PAGE_RE = re.compile(r"\bpage (\d+)")
_SHEET_TYPES = {"xlsx", "xlsm", "xls", "ods"}


@dataclass(slots=True)
class IdentifyOptions:
    """``agent.identify`` settings plus the optional configured system prompt."""

    min_turns: int = 2
    include_context: bool = True
    system_prompt: str = ""
    llm_fallback: bool = False  # ask the agent LLM about documents no pattern can read

    @classmethod
    def from_settings(cls, settings: Any) -> IdentifyOptions:
        cfg = settings.config
        return cls(cfg.agent.identify.min_turns, cfg.agent.identify.include_context,
                   cfg.system_prompt.strip(), cfg.agent.identify.llm_fallback)


def citation(doc: Document, location: str, heading: str, meta: dict[str, Any]
             ) -> dict[str, Any]:
    """Where a conversation is: file name, location, and the page, heading path, speaker
    and first timestamp when the document gives them (shown in Review, exported in
    metadata.csv)."""
    cite: dict[str, Any] = {"file": os.path.basename(doc.path), "location": location}
    if m := _PAGE_RE.search(location):
        cite["page"] = int(m.group(1))
    if heading:
        cite["heading"] = heading
    if meta.get("speaker"):
        cite["speaker"] = meta["speaker"]
    if meta.get("timestamps"):
        cite["timestamp"] = meta["timestamps"][0]
    return cite


def _conv(doc: Document, turns: list[tuple[str, str]], location: str, pattern: str,
          context: str, opts: IdentifyOptions, extra: dict[str, Any] | None = None
          ) -> Conversation:
    meta: dict[str, Any] = {"origin": ORIGIN, "pattern": pattern}
    if context and opts.include_context:
        meta["context"] = context
    meta.update(extra or {})
    meta["citation"] = citation(doc, location, context if pattern.startswith(
        ("faq", "numbered", "definition", "interview", "kb", "qa", "transcript")) else "", meta)
    return Conversation([Message(r, c) for r, c in turns], source_file=doc.path,
                        location=location, meta=meta)


def _text_segments(doc: Document) -> list[Segment]:
    """Segments holding prose: not the row texts of tables, not the JSON of records."""
    if doc.records:
        return []  # records are read as records (string records by _from_records)
    if doc.tables:
        return [s for s in doc.segments if not _ROW_LOC_RE.search(s.location or "")]
    return list(doc.segments)


def _broken_word(text: str) -> bool:
    """Whether a line of ``text`` ends in "letter-" (a word a line break may have split)."""
    i = text.find("-\n")
    while i > 0:
        if text[i - 1].isalpha():
            return True
        i = text.find("-\n", i + 2)
    return False


def _scan(doc: Document, segments: list[Segment], opts: IdentifyOptions,
          where: str = "") -> list[Conversation]:
    """Conversations written in ``segments``; ``where`` replaces the location prefix."""
    whole = "\n".join(s.text for s in segments)
    # The vocabulary is the evidence for soft hyphens at line ends: without a line ending
    # in "letters-" it would never be read (and it costs a scan of the whole text).
    vocab = Vocabulary.of(whole) if _broken_word(whole) else None
    out: list[Conversation] = []
    for block in blocks_of(segments):
        text = "\n".join(normalise(block.lines))
        for f in find_conversations(logical_lines(text, vocab), opts.include_context):
            loc = block.location(f.start, f.end)
            if where:
                first, last = f.start + 1, f.end + 1
                loc = where + (f", line {first}" if first == last else f", lines {first}-{last}")
            out.append(_conv(doc, f.turns, loc, f.pattern, f.context, opts, f.meta))
    return out


def _from_segments(doc: Document, opts: IdentifyOptions) -> list[Conversation]:
    return _scan(doc, _text_segments(doc), opts)


def _row_location(doc: Document, table: Table, first: int, last: int | None = None) -> str:
    rows = f"row {first}" if last is None or last == first else f"rows {first}-{last}"
    kind = doc.type.lower().lstrip(".")
    if kind in _SHEET_TYPES or doc.sheets:
        return f"sheet {table.name} {rows}"
    return rows if kind in ("csv", "tsv") else f"{table.name} {rows}"  # DOCX: "table 1 row 3"


def _letter(i: int) -> str:
    """The spreadsheet letter of column index ``i`` (0 -> A, 26 -> AA)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _from_tables(doc: Document, opts: IdentifyOptions) -> list[Conversation]:
    out: list[Conversation] = []
    for table in doc.tables:
        cols = match_columns(table.header)
        if cols is None:
            continue
        if cols.kind == "qa":
            layouts = qa_column_pairs(table.header) or [cols]
            for i, row in enumerate(table.rows):
                for k, pair in enumerate(layouts):
                    turns = qa_turns(row, pair)
                    if not turns:
                        continue
                    loc = _row_location(doc, table, table.first_row + i)
                    if len(layouts) > 1:
                        loc += f", columns {_letter(pair.question)}-{_letter(pair.answer)}"
                    ctx = row_context(table.header, row, cols) if k == 0 else ""
                    out.append(_conv(doc, turns, loc, "table", ctx, opts,
                                     {"columns": [table.header[pair.question],
                                                  table.header[pair.answer]]}))
        else:
            for a, b, turns in turn_groups(table.rows, cols):
                loc = _row_location(doc, table, table.first_row + a, table.first_row + b)
                out.append(_conv(doc, turns, loc, "table_turns", "", opts))
    return out


def _chat_record(obj: dict[str, Any]) -> tuple[str, list[Message]] | None:
    """(format name, messages) of a chat-dataset record, parsed by :mod:`ftbuilder.formats`;
    None when the record is no chat format (or a broken one)."""
    try:
        fmt = formats.detect_format(obj)
        return fmt, formats.from_record(obj, fmt).messages
    except FormatError:
        return None


def _from_records(doc: Document, opts: IdentifyOptions) -> list[Conversation]:
    out: list[Conversation] = []
    for line, obj in doc.records:
        items = list(enumerate(obj, 1)) if isinstance(obj, list) else [(0, obj)]
        for k, item in items:
            loc = f"record line {line}" + (f" item {k}" if k else "")
            chat = _chat_record(item) if isinstance(item, dict) else None
            if chat is not None:
                fmt, msgs = chat
                conv = _conv(doc, [], loc, f"record:{fmt}", "", opts)
                conv.messages = msgs
                out.append(conv)
                continue
            if isinstance(item, str):
                out.extend(_scan(doc, [Segment(item, loc)], opts, where=loc))
                continue
            if isinstance(item, dict):
                keys = list(item)
                cols = match_columns(keys)
                values = [item[k] if isinstance(item[k], str) else None for k in keys]
                turns = qa_turns(values, cols) if cols and cols.kind == "qa" else None
                if turns:
                    out.append(_conv(doc, turns, loc, "record:qa", "", opts))
    return out


def _has_text(conv: Conversation, role: str) -> bool:
    return any(m.role == role and isinstance(m.content, str) and m.content.strip()
               for m in conv.messages)


def _keep(conv: Conversation, opts: IdentifyOptions) -> bool:
    turns = sum(m.role != "system" for m in conv.messages)
    return turns >= opts.min_turns and _has_text(conv, "user") and _has_text(conv, "assistant")


def usable(conv: Conversation, opts: IdentifyOptions) -> bool:
    """True when ``conv`` is long enough to keep: ``opts.min_turns`` messages (system not
    counted) with a user and an assistant message; the rule for every identified sample."""
    return _keep(conv, opts)


def identify_document(doc: Document, opts: IdentifyOptions | None = None) -> list[Conversation]:
    """The conversations already written in ``doc``, in document order, verbatim.

    Conversations shorter than ``opts.min_turns`` messages (system messages not counted),
    or without both a user and an assistant message, are left out. When
    ``opts.system_prompt`` is set and a conversation has no system message, the prompt is
    prepended as one and ``meta["system_prompt_added"]`` is True: that text comes from the
    configuration, not from the document.
    """
    opts = opts or IdentifyOptions()
    found = _from_segments(doc, opts) + _from_tables(doc, opts) + _from_records(doc, opts)
    if sum(c.meta["pattern"] == "faq_question" for c in found) < MIN_PLAIN_QUESTIONS:
        found = [c for c in found if c.meta["pattern"] != "faq_question"]
    kept = [c for c in found if _keep(c, opts)]
    if opts.system_prompt:
        for c in kept:
            if not any(m.role == "system" for m in c.messages):
                c.messages.insert(0, Message("system", opts.system_prompt))
                c.meta["system_prompt_added"] = True
    return kept
