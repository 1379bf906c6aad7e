"""Read-only queries for browsing a dataset (the review table, charts, filters).

The review table pages through a filtered list of sample ids: :meth:`filtered_ids` runs the
filter once (ids only, cheap even at 100,000 rows) and :meth:`rows_for_ids` fetches the few
rows a screen shows, so random access stays O(page) wherever the cursor is.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

# The first user-facing message (skipping a system prompt) as a short preview, in SQL so that
# a page of rows never parses whole conversations in Python.
_PREVIEW = ("substr(replace(CASE WHEN json_extract(messages, '$[0].role') = 'system' "
            "THEN json_extract(messages, '$[1].content') "
            "ELSE json_extract(messages, '$[0].content') END, char(10), ' '), 1, 160)")
_ROW_COLS = (f"id, {_PREVIEW}, token_count, topic_keywords, source_file, location, split, "
             "json_array_length(messages), json_extract(meta, '$.flags'), "
             "json_extract(meta, '$.origin')")


@dataclass(slots=True)
class SampleFilter:
    """What the review table shows. Empty fields do not filter.

    ``split`` is a split name, or ``"none"`` for samples not assigned yet.
    ``flag`` matches one entry of ``meta.flags``, or ``"no_tokens"`` (token count unknown).
    """

    source: str = ""
    keyword: str = ""
    split: str = ""
    min_tokens: int | None = None
    max_tokens: int | None = None
    flag: str = ""

    def sql(self) -> tuple[str, list[Any]]:
        """An SQL fragment over fixed column names, with its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        if self.source:
            parts.append("source_file = ?")
            args.append(self.source)
        if self.keyword:
            parts.append("(messages LIKE ? ESCAPE '\\' OR topic_keywords LIKE ? ESCAPE '\\')")
            pat = "%" + self.keyword.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            args += [pat, pat]
        if self.split == "none":
            parts.append("split IS NULL")
        elif self.split:
            parts.append("split = ?")
            args.append(self.split)
        if self.min_tokens is not None:
            parts.append("token_count >= ?")
            args.append(self.min_tokens)
        if self.max_tokens is not None:
            parts.append("token_count <= ?")
            args.append(self.max_tokens)
        if self.flag == "no_tokens":
            parts.append("token_count IS NULL")
        elif self.flag:
            parts.append("EXISTS (SELECT 1 FROM json_each(samples.meta, '$.flags') "
                         "WHERE json_each.value = ?)")
            args.append(self.flag)
        return " AND ".join(parts), args


@dataclass(slots=True)
class SampleRow:
    """One line of the review table."""

    id: int
    preview: str
    tokens: int | None
    keywords: list[str]
    source: str
    location: str
    split: str
    messages: int
    flags: list[str]
    origin: str = ""  # found (identify, import) or written (generated) by an LLM

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class BrowseMixin:
    """Browsing queries of :class:`~ftbuilder.store.db.Store` (read only)."""

    _db: sqlite3.Connection

    def filtered_ids(self, dataset_id: int, filters: SampleFilter | None = None,
                     limit: int | None = None, offset: int = 0) -> list[int]:
        """Ids of the dataset's samples matching ``filters``, in id order (a page of them
        with ``limit``/``offset``)."""
        where, args = (filters or SampleFilter()).sql()
        q = "SELECT id FROM samples WHERE dataset_id = ?" + (f" AND {where}" if where else "")
        q += " ORDER BY id"
        params: list[Any] = [dataset_id, *args]
        if limit is not None:
            q += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [r[0] for r in self._db.execute(q, params)]

    def rows_for_ids(self, ids: list[int]) -> list[SampleRow]:
        """Table rows of these sample ids, in the order given (missing ids are left out)."""
        out: dict[int, SampleRow] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            q = f"SELECT {_ROW_COLS} FROM samples WHERE id IN ({','.join('?' * len(part))})"
            for r in self._db.execute(q, part):
                out[r[0]] = SampleRow(
                    id=r[0], preview=r[1] or "", tokens=r[2],
                    keywords=json.loads(r[3] or "[]"), source=r[4] or "", location=r[5] or "",
                    split=r[6] or "", messages=r[7] or 0,
                    flags=json.loads(r[8]) if r[8] else [], origin=r[9] or "")
        return [out[i] for i in ids if i in out]

    def source_counts(self, dataset_id: int) -> list[tuple[str, int]]:
        """(source file, samples) of a dataset, most samples first."""
        rows = self._db.execute(
            "SELECT COALESCE(source_file, ''), COUNT(*) FROM samples WHERE dataset_id = ? "
            "GROUP BY source_file ORDER BY COUNT(*) DESC, source_file", (dataset_id,)).fetchall()
        return [(r[0], r[1]) for r in rows]

    def flag_counts(self, dataset_id: int) -> list[tuple[str, int]]:
        """(flag, samples) over ``meta.flags`` of a dataset, plus ``no_tokens`` when any."""
        rows = self._db.execute(
            "SELECT json_each.value, COUNT(*) FROM samples, json_each(samples.meta, '$.flags') "
            "WHERE samples.dataset_id = ? GROUP BY json_each.value ORDER BY 2 DESC",
            (dataset_id,)).fetchall()
        out = [(str(r[0]), r[1]) for r in rows]
        missing = self._db.execute("SELECT COUNT(*) FROM samples WHERE dataset_id = ? AND "
                                   "token_count IS NULL", (dataset_id,)).fetchone()[0]
        if missing:
            out.append(("no_tokens", missing))
        return out

    def token_lengths(self, dataset_id: int) -> dict[str, list[int]]:
        """Token counts of a dataset's samples grouped by split ("" = not assigned)."""
        out: dict[str, list[int]] = defaultdict(list)
        for split, tokens in self._db.execute(
                "SELECT split, token_count FROM samples WHERE dataset_id = ? AND token_count IS "
                "NOT NULL", (dataset_id,)):
            out[split or ""].append(tokens)
        return dict(out)

    def sample_groups(self, dataset_id: int) -> dict[int, tuple[str, int | None]]:
        """sample id -> (source file, token count)."""
        return {r[0]: (r[1] or "", r[2]) for r in self._db.execute(
            "SELECT id, source_file, token_count FROM samples WHERE dataset_id = ?",
            (dataset_id,))}
