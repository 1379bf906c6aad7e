"""Export a dataset as provider-ready files, streamed from the store in one pass.

Layout, written directly into ``out_dir`` (the CLI passes :func:`default_out_dir`,
``<output.dir>/<NAME>``, by default, ``<output.dir>/<NAME>/<FORMAT>`` when several formats are
asked; NAME made a safe folder name by :func:`folder_name`)::

    train.jsonl, validation.jsonl, test.jsonl   one per split present, or
    dataset.jsonl                               when the dataset is not split
    unsplit.jsonl                               samples added after a split (with a warning)
    metadata.csv                                one row per sample (include_csv)
    stats.json                                  dataset statistics + what was written

Files are written under temporary names and renamed at the end, so a cancelled or failed
export (a full disk included) leaves the previous files as they were. ftb replaces or
removes only files it wrote itself (listed with their content hash in ``.ftb-export.json``,
services/export_files.py): a file of one of these names that ftb did not write makes the
export refuse, naming it, before anything is written. JSONL files of these names left by an
earlier export and not written this time are removed. NUL characters are dropped from what
is written. With ``fmt="csv"`` only metadata.csv and stats.json are written. Each JSONL file
is then checked with the validator (``services.validate.validate_file``) against the
provider whose format it is.

Formats whose ``ext`` is ``parquet`` write ``train.parquet``... instead of the JSONL files;
formats with an entry in ``formats.trainers.EXTRAS`` also write the files it returns
(dataset_info.json and llamafactory.yaml, axolotl.yaml, the README.md dataset card),
committed with the rest.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import FormatError, FtbError, NotFoundError, UsageError
from ftbuilder.core.files import DISK_FULL, os_error
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import DatasetInfo, ModelSpec
from ftbuilder.formats import (
    EXPORT_FORMATS,
    FORMAT_PROVIDERS,
    PROVIDER_FORMATS,
    get_format,
)
from ftbuilder.formats import FORMATS as RECORD_FORMATS
from ftbuilder.formats.csvmeta import MetadataWriter
from ftbuilder.formats.stats import DatasetStats
from ftbuilder.services.context import AppContext
from ftbuilder.services.datasets import token_label, training_estimate
from ftbuilder.services.export_files import (
    WRITE_HINT,
    ExportFolder,
    NulFree,
    Outputs,
    dumps,
    finish,
    no_nul,
)
from ftbuilder.targets.registry import default_model, get_model

SPLIT_FILES = {"train": "train.jsonl", "validation": "validation.jsonl", "test": "test.jsonl"}
ALL_FILE = "dataset.jsonl"
UNSPLIT_FILE = "unsplit.jsonl"
OUR_JSONL = (*SPLIT_FILES.values(), ALL_FILE, UNSPLIT_FILE)
OUR_PARQUET = tuple(n.replace(".jsonl", ".parquet") for n in OUR_JSONL)
TRAINING_FILES = ("train.jsonl", ALL_FILE)
TRAINING_ONLY_CODES = ("too_few_examples",)
MAX_REASONS = 10
# What the faces offer: format name -> label. "target" = the dataset's provider format.
FORMATS = {"target": "the dataset's provider format",
           **{k: v.description for k, v in RECORD_FORMATS.items() if v.exportable},
           "csv": "metadata.csv and stats.json only"}
STEP = 2000
_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f/\\<>:"|?*]')


_SUFFIXED_RE = re.compile(r"-[0-9a-f]{8}$")


def folder_name(name: str) -> str:
    """Dataset ``name`` as one safe folder name, distinct for distinct names.

    Path separators and characters Windows refuses become "_", leading/trailing dots and
    spaces go, so an export folder always stays inside the output folder. A name changed by
    that (or one that looks like such a result) gets "-" and 8 hex digits of its SHA-256, so
    ".", ".." and "dataset" get three folders ("." -> "dataset-cdb4ee2a", "../x" ->
    "_x-…"); a name already safe is kept as it is.
    """
    safe = _UNSAFE_RE.sub("_", name).strip(" .") or "dataset"
    if safe == name and not _SUFFIXED_RE.search(name):
        return name
    return f"{safe}-{hashlib.sha256(name.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def default_out_dir(ctx: AppContext, name: str) -> Path:
    """Where dataset ``name`` is exported by default: ``<output.dir>/<folder_name(name)>``."""
    return ctx.settings.output_dir / folder_name(name)


@dataclass
class ExportFile:
    """One JSONL file written and its validation status (ok | failed | not validated), with
    the validator's error and warning counts."""

    name: str
    path: str
    examples: int = 0
    bytes: int = 0
    validation: str = "not validated"
    ok: bool | None = None
    violations: int = 0
    warnings: int = 0
    note: str = ""


@dataclass
class ExportResult:
    """What an export wrote. ``ok`` is False when a file fails validation or a sample could
    not be written in the format (``skipped``, with its reasons)."""

    dataset: str
    format: str
    out_dir: str
    files: list[ExportFile] = field(default_factory=list)
    metadata_csv: str | None = None
    stats_json: str | None = None
    extra_files: list[str] = field(default_factory=list)
    examples: int = 0
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    ok: bool = True
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _target_spec(ds: DatasetInfo) -> ModelSpec | None:
    try:
        return get_model(ds.provider, ds.model)
    except NotFoundError:
        return None


def _validate(ctx: AppContext, f: ExportFile, fmt: str, ds: DatasetInfo,
              cancel: CancelToken | None) -> None:
    provider = FORMAT_PROVIDERS.get(fmt)
    if provider is None:
        f.note = f"no provider rules for the {fmt} format"
        return
    try:
        from ftbuilder.services import validate as validator
    except ImportError:
        f.note = "validator not available"
        return
    model = ds.model if ds.provider == provider else default_model(provider).id
    try:
        rep = validator.validate_file(ctx, f.path, provider, model, cancel=cancel)
    except FtbError as e:
        f.note = f"not validated: {e}"
        return
    errors = [v for v in rep.violations if v.severity == "error"]
    f.note = f"checked against {provider} {model}"
    if f.name not in TRAINING_FILES:
        # A provider's minimum example count is a rule of the training file.
        waived = [v for v in errors if v.code in TRAINING_ONLY_CODES]
        errors = [v for v in errors if v.code not in TRAINING_ONLY_CODES]
        if waived:
            f.note += "; minimum example count applies to the training file only"
    f.violations = len(errors)
    f.warnings = sum(1 for v in rep.violations if v.severity != "error")
    f.validation = "failed" if errors else "ok"
    f.ok = not errors


def split_of(fname: str) -> str:
    """The split a written file holds: train.jsonl -> train; dataset.* (unsplit) -> train."""
    stem = fname.rsplit(".", 1)[0]
    return "train" if stem == "dataset" else stem


def _write_extras(outputs: Outputs, ds: DatasetInfo, fmt: str, acc: DatasetStats,
                  spec_label: str) -> None:
    """The files a trainer needs beside the records (formats.trainers.EXTRAS), if any."""
    from ftbuilder.formats.trainers import EXTRAS

    hook = EXTRAS.get(fmt)
    if hook is None:
        return
    order = ("train", "validation", "test", "unsplit")
    files = dict(sorted(((split_of(n), (n, c)) for n, c in outputs.counts.items()
                         if n.endswith((".jsonl", ".parquet")) and c),
                        key=lambda item: order.index(item[0]) if item[0] in order else 9))
    stats = {"provider": ds.provider, "model": ds.model, "token_counts": spec_label,
             **acc.to_dict()}
    for name, text in hook(ds.name, outputs.out, files, stats).items():
        outputs.open(name).write(text)


def export_dataset(ctx: AppContext, name: str, fmt: str, out_dir: str | Path,
                   include_csv: bool = True, include_stats: bool = True,
                   progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None) -> ExportResult:
    """Write dataset ``name`` in ``fmt`` into ``out_dir`` (layout in the module docstring).

    Args:
        fmt: a name of ``FORMATS`` (openai ... parquet), csv (metadata only), or
            ``target`` (the format of the dataset's provider).

    Returns an :class:`ExportResult` listing each file with its example count and
    validation status.

    Raises:
        NotFoundError: no dataset ``name``.
        UsageError: unknown format, empty dataset, or ``out_dir`` cannot be written.
        Cancelled: ``cancel`` was set; no file is replaced.
    """
    started = time.monotonic()
    if fmt == "target":
        ds = ctx.store.get_dataset(name)
        fmt = PROVIDER_FORMATS.get(ds.provider, ds.provider)
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format '{fmt}'", "use one of: "
                         + ", ".join(EXPORT_FORMATS))
    ds = ctx.store.get_dataset(name)
    if ds.total_samples == 0:
        raise UsageError(f"dataset '{name}' has no samples to export",
                         "add samples with `ftb build` or `ftb import` first")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        if e.errno in DISK_FULL:
            raise os_error(e, f"the export folder {out}", WRITE_HINT) from None
        raise UsageError(f"cannot create {out}: {e.strerror}", "pick another --out") from None
    result = ExportResult(ds.name, fmt, str(out))
    split_counts = ctx.store.split_counts(ds.id)
    is_split = any(s is not None for s in split_counts)
    if not is_split and ctx.settings.config.split.enabled:
        result.warnings.append("split.enabled is true but this dataset is not split: "
                               "everything goes to dataset.jsonl; run `ftb split "
                               f"{ds.name}` first for train/validation files")
    if is_split and split_counts.get(None):
        result.warnings.append(f"{split_counts[None]} samples have no split (added after it): "
                               f"written to {UNSPLIT_FILE}; run `ftb split` again to place them")
    convert = get_format(fmt).to_record if fmt != "csv" else None
    folder = ExportFolder(out)
    planned = {"metadata.csv"} if include_csv else set()
    planned |= {"stats.json"} if include_stats else set()
    ext = get_format(fmt).ext if fmt != "csv" else "jsonl"
    if convert is not None:
        planned |= {(SPLIT_FILES.get(s or "", UNSPLIT_FILE) if is_split else ALL_FILE)
                    .replace(".jsonl", f".{ext}") for s in split_counts}
    folder.check(planned)  # a file ftb did not write: refuse before writing anything
    outputs = Outputs(folder)
    acc = DatasetStats(ctx.settings.root)  # source paths relative to the project
    try:
        meta = (MetadataWriter(NulFree(outputs.open("metadata.csv", newline="")),
                               ctx.settings.root)
                if include_csv else None)
        for n, conv in enumerate(ctx.store.iter_samples(ds.id), 1):
            acc.add(conv)
            if meta is not None:
                meta.write(conv)
            if convert is not None:
                try:
                    rec = convert(conv)
                    line = dumps(rec) if ext == "jsonl" else ""
                except FormatError as e:
                    result.skipped += 1
                    reason = e.message
                    if reason in result.skip_reasons or len(result.skip_reasons) < MAX_REASONS:
                        result.skip_reasons[reason] = result.skip_reasons.get(reason, 0) + 1
                else:
                    target = (SPLIT_FILES.get(conv.split or "", UNSPLIT_FILE) if is_split
                              else ALL_FILE)
                    if ext != "jsonl":
                        target = target.replace(".jsonl", f".{ext}")
                        outputs.open(target).add(no_nul(rec))  # type: ignore[attr-defined]
                    else:
                        outputs.open(target).write(line + "\n")
                    outputs.counts[target] += 1
            if n % STEP == 0:
                if cancel is not None:
                    cancel.check()
                report(progress, "export", n, ds.total_samples, started=started)
        if include_stats:
            spec = _target_spec(ds)
            stats = {"dataset": ds.name, "provider": ds.provider, "model": ds.model,
                     "format": fmt, "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                  time.gmtime()),
                     "token_counts": token_label(spec), **acc.to_dict(),
                     "training": training_estimate(acc.tokens, spec),
                     "files": {k: v for k, v in outputs.counts.items()
                               if k.endswith((".jsonl", ".parquet"))},
                     "skipped": result.skipped, "skip_reasons": result.skip_reasons}
            outputs.open("stats.json").write(dumps(stats, indent=2))
        _write_extras(outputs, ds, fmt, acc, spec_label=token_label(_target_spec(ds)))
    except OSError as e:  # a full disk while writing: no temporary file is left
        outputs.abort()
        raise os_error(e, f"the export in {out}", WRITE_HINT) from None
    except BaseException:
        outputs.abort()
        raise
    digests = outputs.commit()
    report(progress, "export", ds.total_samples, ds.total_samples, started=started)
    written = set(outputs.handles)
    stale = [n for n in (*OUR_JSONL, *OUR_PARQUET) if n not in written] \
        if convert is not None else []
    for name in finish(folder, digests, stale):
        result.warnings.append(f"{out / name} was not written by ftb: left as it is (it is not "
                               "part of this export)")
    names = [f for f in (*OUR_JSONL, *OUR_PARQUET) if f in written]
    for i, fname in enumerate(names):
        report(progress, "validate", i, len(names), fname, started=started)
        f = ExportFile(fname, str(out / fname), outputs.counts[fname],
                       (out / fname).stat().st_size)
        if fname.endswith(".jsonl"):
            _validate(ctx, f, fmt, ds, cancel)
        else:
            f.note = f"no provider rules for the {fmt} format"
        result.files.append(f)
    result.metadata_csv = str(out / "metadata.csv") if include_csv else None
    result.stats_json = str(out / "stats.json") if include_stats else None
    from ftbuilder.formats.trainers import EXTRAS

    extra = EXTRAS.get(fmt)
    result.extra_files = [str(out / n) for n in written if extra is not None and
                          n not in (*OUR_JSONL, *OUR_PARQUET, "metadata.csv", "stats.json")]
    result.examples = sum(f.examples for f in result.files)
    result.ok = result.skipped == 0 and all(f.validation != "failed" for f in result.files)
    result.seconds = round(time.monotonic() - started, 3)
    return result
