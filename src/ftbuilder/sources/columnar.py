"""Columnar files as a source: Parquet, Arrow (IPC file or stream, Feather v2) and CSV/TSV,
one file or a folder of them, read in record batches with pyarrow so memory stays bounded
whatever the number of rows. ``hf:OWNER/NAME[:CONFIG][@SPLIT]`` ids go to
:mod:`ftbuilder.sources.hf`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import IngestError, NotFoundError

BATCH_ROWS = 5000
KINDS = {".parquet": "parquet", ".pq": "parquet", ".arrow": "arrow", ".feather": "arrow",
         ".ipc": "arrow", ".arrows": "arrow", ".csv": "csv", ".tsv": "csv"}
HF_PREFIX = "hf:"

Rows = list[dict[str, Any]]


@dataclass
class TableSource:
    """Rows to import: ``batches`` yields (file label, first row number, rows).

    ``total`` is the number of rows when known before reading (Parquet, Arrow files),
    ``columns`` the column names of the first file.
    """

    label: str
    kind: str
    columns: list[str]
    total: int | None
    batches: Iterator[tuple[str, int, Rows]]
    files: list[str] = field(default_factory=list)


def is_columnar(path: str | Path) -> bool:
    """True for what this module reads rather than the record importer: an ``hf:`` id, an
    Arrow or CSV file, a folder holding Parquet/Arrow/CSV files, or a Parquet file whose
    rows are not conversations already (no ``messages`` column). A Parquet file with one
    (our exports: formats/parquet.py) or that cannot be read goes to the record importer,
    which keeps the exported metadata and says what is wrong with the file."""
    text = str(path)
    if text.startswith(HF_PREFIX):
        return True
    p = Path(text)
    kind = KINDS.get(p.suffix.lower())
    if kind == "parquet" and p.is_file():
        try:
            columns, _ = _schema(p)
        except IngestError:
            return False
        return "messages" not in columns
    if kind is not None:
        return True
    if p.is_dir():
        return any(f.suffix.lower() in KINDS for f in p.rglob("*") if f.is_file())
    return False


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in KINDS
                       and not any(part.startswith(".") for part in f.relative_to(path).parts))
        if not found:
            raise NotFoundError(f"no Parquet, Arrow or CSV file in {path}")
        return found
    if not path.exists():
        raise NotFoundError(f"{path} does not exist")
    return [path]


def _bad(path: Path, e: Exception) -> IngestError:
    return IngestError(f"cannot read {path.name} as {KINDS.get(path.suffix.lower(), 'a table')}"
                       f": {' '.join(str(e).split())[:200]}",
                       "check that the file is complete and of the type its name says")


def _open_arrow(path: Path) -> tuple[Any, int | None]:
    import pyarrow as pa

    source = pa.memory_map(str(path), "r")
    try:
        reader = pa.ipc.open_file(source)
        return reader, sum(reader.get_batch(i).num_rows
                           for i in range(reader.num_record_batches))
    except pa.ArrowInvalid:
        source.seek(0)
        return pa.ipc.open_stream(source), None


def _schema(path: Path) -> tuple[list[str], int | None]:
    import pyarrow as pa

    kind = KINDS[path.suffix.lower()]
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(str(path))
            return meta.schema_arrow.names, meta.metadata.num_rows
        if kind == "arrow":
            reader, total = _open_arrow(path)
            return reader.schema.names, total
        import pyarrow.csv as pcsv

        reader = _csv_reader(path, pcsv)
        return reader.schema.names, None
    except (pa.ArrowException, OSError) as e:
        raise _bad(path, e) from None


def _csv_reader(path: Path, pcsv: Any) -> Any:
    import pyarrow as pa

    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    names = pcsv.open_csv(str(path), parse_options=pcsv.ParseOptions(delimiter=delimiter),
                          read_options=pcsv.ReadOptions(block_size=1 << 20)).schema.names
    types = {n: pa.string() for n in names}  # cells as written: no guessed types
    return pcsv.open_csv(str(path), parse_options=pcsv.ParseOptions(delimiter=delimiter,
                                                                     newlines_in_values=True),
                         read_options=pcsv.ReadOptions(block_size=4 << 20),
                         convert_options=pcsv.ConvertOptions(column_types=types))


def _batches(path: Path, batch_rows: int) -> Iterator[Rows]:
    import pyarrow as pa

    kind = KINDS[path.suffix.lower()]
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(str(path)).iter_batches(batch_size=batch_rows):
                yield batch.to_pylist()
            return
        if kind == "arrow":
            reader, _ = _open_arrow(path)
            if hasattr(reader, "num_record_batches"):
                batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
            else:
                batches = iter(reader)
        else:
            import pyarrow.csv as pcsv

            batches = iter(_csv_reader(path, pcsv))
        for batch in batches:
            for start in range(0, batch.num_rows, batch_rows):
                yield batch.slice(start, batch_rows).to_pylist()
    except (pa.ArrowException, OSError) as e:
        raise _bad(path, e) from None


def open_table(path: str | Path, batch_rows: int = BATCH_ROWS) -> TableSource:
    """The rows of a Parquet/Arrow/CSV file or folder, in batches.

    Raises:
        NotFoundError: the path does not exist, or the folder holds no such file.
        IngestError: a file cannot be read (corrupt, truncated, not of its type).
    """
    p = Path(path)
    files = _files(p)
    columns, total = _schema(files[0])
    totals = [total] + [_schema(f)[1] for f in files[1:]]
    known = None if any(t is None for t in totals) else sum(t or 0 for t in totals)

    def gen() -> Iterator[tuple[str, int, Rows]]:
        for f in files:
            label = str(f.relative_to(p)) if p.is_dir() else f.name
            row = 1
            for rows in _batches(f, batch_rows):
                yield label, row, rows
                row += len(rows)

    kinds = sorted({KINDS[f.suffix.lower()] for f in files})
    return TableSource(p.name, "+".join(kinds), columns, known, gen(),
                       [str(f) for f in files])
