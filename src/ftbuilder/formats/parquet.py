"""Parquet datasets: one file per split and a Hugging Face dataset card.

Each row: ``messages`` (a list of ``{role, content}`` structs, the layout TRL and
``datasets`` chat recipes read) and the metadata columns ``id``, ``split``, ``source_file``,
``location``, ``topic_keywords`` (list of strings), ``token_count`` and ``meta`` (its JSON
text: free-form objects have no fixed Parquet type). ``datasets.load_dataset("parquet",
data_files=...)`` loads the files, and ``load_dataset(<folder>)`` reads the splits from the
card's YAML front matter (``configs``). Rows are written in row groups as they come
(bounded memory). Reading yields each row as a generic record (``meta`` parsed back), so
``ftb import`` reads our files and any Parquet with a ``messages`` or ``conversations``
column.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import Conversation
from ftbuilder.formats.base import fail

ROW_GROUP = 10_000


def schema() -> Any:
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    return pa.schema([("messages", pa.list_(message)), ("id", pa.int64()),
                      ("split", pa.string()), ("source_file", pa.string()),
                      ("location", pa.string()), ("topic_keywords", pa.list_(pa.string())),
                      ("token_count", pa.int64()), ("meta", pa.string())])


def to_record(conv: Conversation) -> dict[str, Any]:
    if not conv.messages:
        raise fail("the sample has no messages")
    for i, m in enumerate(conv.messages, 1):
        if m.extra.get("tool_calls") or m.extra.get("function_call"):
            raise fail(f"message {i} has tool calls, which the parquet messages column "
                       "(role, content) cannot hold")
    return {"messages": [{"role": m.role, "content": m.content} for m in conv.messages],
            "id": conv.id, "split": conv.split, "source_file": conv.source_file,
            "location": conv.location, "topic_keywords": list(conv.topic_keywords),
            "token_count": conv.token_count,
            "meta": json.dumps(conv.meta, ensure_ascii=False, default=str)}


def from_record(obj: Any) -> Conversation:
    """A row as read from our files (``meta`` as JSON text or already parsed)."""
    from ftbuilder.formats.generic import from_record as generic_record

    if isinstance(obj, dict) and isinstance(obj.get("meta"), str):
        try:
            obj = {**obj, "meta": json.loads(obj["meta"])}
        except ValueError:
            raise fail("column 'meta' is not JSON text") from None
    if isinstance(obj, dict):
        obj = {k: v for k, v in obj.items() if v is not None}
    return generic_record(obj)


class ParquetSink:
    """A file-like sink: :meth:`add` rows, :meth:`close` writes the last row group."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        self.schema = schema()
        self.writer = pq.ParquetWriter(str(path), self.schema, compression="zstd")
        self.rows: list[dict[str, Any]] = []
        self.closed = False

    def add(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        if len(self.rows) >= ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._flush()
            finally:
                self.writer.close()


def num_rows(path: str | Path) -> int:
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(str(path)).metadata.num_rows
    except Exception as e:  # ArrowInvalid, OSError: not a Parquet file
        raise FormatError(f"{Path(path).name} is not a readable Parquet file: {e}",
                          "export it again, or convert it to JSONL") from None


def iter_rows(path: str | Path) -> Iterator[tuple[int, Any, str]]:
    """``(row, record, reason)`` for each row (1-based), like ``jsonl.iter_records``."""
    import pyarrow.parquet as pq

    num_rows(path)  # a clear FormatError for a file that is not Parquet
    n = 0
    for batch in pq.ParquetFile(str(path)).iter_batches(batch_size=ROW_GROUP):
        for row in batch.to_pylist():
            n += 1
            meta = row.get("meta")
            if isinstance(meta, str):
                try:
                    row["meta"] = json.loads(meta)
                except ValueError:
                    yield n, None, "column 'meta' is not JSON text"
                    continue
            yield n, {k: v for k, v in row.items() if v is not None and k != "id"}, ""


# --- the dataset card ------------------------------------------------------------------------
def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                         (1_000_000, "100K<n<1M")):
        if n < limit:
            return label
    return "1M<n<10M"


def dataset_card(name: str, files: dict[str, tuple[str, int]], stats: dict[str, Any]) -> str:
    """README.md in the Hugging Face card layout: YAML front matter (``configs`` naming each
    split's file, ``dataset_info`` features and split sizes), then the splits, counts, token
    statistics and sources. ``files``: split name -> (file name, rows)."""
    import yaml

    total = sum(n for _, n in files.values())
    front = {
        "configs": [{"config_name": "default",
                     "data_files": [{"split": s, "path": f} for s, (f, _) in files.items()]}],
        "dataset_info": {
            "features": [
                {"name": "messages", "list": [{"name": "role", "dtype": "string"},
                                              {"name": "content", "dtype": "string"}]},
                {"name": "id", "dtype": "int64"}, {"name": "split", "dtype": "string"},
                {"name": "source_file", "dtype": "string"},
                {"name": "location", "dtype": "string"},
                {"name": "topic_keywords", "list": "string"},
                {"name": "token_count", "dtype": "int64"}, {"name": "meta", "dtype": "string"}],
            "splits": [{"name": s, "num_examples": n} for s, (_, n) in files.items()]},
        "task_categories": ["text-generation"],
        "tags": ["fine-tuning", "conversational", "ftbuilder"],
        "size_categories": [_size_category(total)],
    }
    lines = ["---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).rstrip(), "---",
             "", f"# {name}", "",
             f"Conversations for fine-tuning {stats.get('provider')} {stats.get('model')}, "
             "written by ftbuilder (`ftb export --format parquet`).", "",
             "## Splits", "", "| split | file | conversations |", "|---|---|---|"]
    lines += [f"| {s} | {f} | {n:,} |" for s, (f, n) in files.items()]
    tokens = stats.get("tokens") or {}
    lines += ["", "## Token statistics", "",
              f"Counted for {stats.get('model')} ({stats.get('token_counts', 'unknown')} "
              "counts).", ""]
    if isinstance(tokens, dict) and tokens:
        lines += ["| " + " | ".join(tokens) + " |", "|" + "---|" * len(tokens),
                  "| " + " | ".join(str(v) for v in tokens.values()) + " |"]
    else:
        lines.append("not counted")
    sources = stats.get("sources") or {}
    lines += ["", "## Sources", ""]
    if isinstance(sources, dict) and sources:
        lines += [f"- {src}: {n:,}" if isinstance(n, int) else f"- {src}"
                  for src, n in sources.items()]
    else:
        lines.append("none recorded")
    lines += ["", "## Loading", "", "```python", "from datasets import load_dataset",
              "ds = load_dataset(\"parquet\", data_files={"
              + ", ".join(f"\"{s}\": \"{f}\"" for s, (f, _) in files.items()) + "})", "```", ""]
    return "\n".join(lines)
