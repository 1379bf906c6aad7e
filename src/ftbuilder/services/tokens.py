"""``ftb tokens FILE``: token counts of a dataset file (or a text file) for a target model.

JSONL lines in any supported layout (OpenAI / Mistral / Llama ``messages``, Anthropic
``system`` + ``messages``, Gemini ``contents``, ShareGPT, Alpaca, prompt/completion, text) are
counted with the target's chat template, in batches. Any other file is counted as plain text.
Counts are exact or labelled "estimate" (Claude, Gemini).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ftbuilder import tokens
from ftbuilder.core.errors import UsageError
from ftbuilder.core.files import check_input_file, open_regular
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.services.context import AppContext
from ftbuilder.services.validate import resolve_spec
from ftbuilder.targets.limits import distribution

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
BLOCK = 20_000
SKIPPED_SHOWN = 20


@dataclass
class TokenFileReport:
    """Token counts of one file for one model.

    ``label`` is "exact" or "estimate" (show it next to every figure); ``skipped_lines`` lists
    the first lines that were not JSON records of a known layout (1-based).
    """

    path: str
    provider: str
    model: str
    kind: str
    label: str
    method: str
    examples: int = 0
    counted: int = 0
    skipped: int = 0
    skipped_lines: list[int] = field(default_factory=list)
    total_tokens: int = 0
    assistant_tokens: int = 0
    tokens_per_example: dict[str, float] | None = None
    max_tokens_per_example: int | None = None
    over_limit: int = 0
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def exact(self) -> bool:
        return self.label == "exact"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def count_file(ctx: AppContext, path: str | Path, provider: str | None = None,
               model: str | None = None, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> TokenFileReport:
    """Count the tokens of ``path`` for a target model (default: config.yaml's).

    Output: a TokenFileReport (totals, per-example distribution, exact/estimate label).
    Raises:
        NotFoundError: the file does not exist, or the provider/model is unknown.
        UsageError: the path is a folder or not a regular file (a FIFO, a device), cannot
            be read, or a text file is not UTF-8.
        Cancelled: ``cancel`` was triggered.
    """
    path = Path(path)
    spec = resolve_spec(ctx, provider, model)
    check_input_file(path)
    counter = tokens.counter_for(spec)
    rep = TokenFileReport(str(path), spec.provider, spec.id, "jsonl",
                          "exact" if tokens.is_exact(spec) else "estimate", counter.method,
                          max_tokens_per_example=spec.max_tokens_per_example)
    started = time.perf_counter()
    try:
        if path.suffix.lower() in JSONL_SUFFIXES:
            _count_jsonl(path, spec, rep, progress, cancel)
        else:
            rep.kind = "text"
            try:
                with open_regular(path, UsageError) as f:
                    text = f.read().decode("utf-8")
            except UnicodeDecodeError:
                raise UsageError(f"{path} is not UTF-8 text",
                                 "convert it to UTF-8, or ingest it with `ftb ingest`") from None
            rep.total_tokens = tokens.count_text(text, spec)
            rep.method = counter.method.split(" + ")[0] + " (plain text, no chat template)"
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}", "check permissions") from None
    rep.seconds = round(time.perf_counter() - started, 3)
    return rep


def _count_jsonl(path: Path, spec: Any, rep: TokenFileReport, progress: ProgressFn | None,
                 cancel: CancelToken | None) -> None:
    size = path.stat().st_size
    totals: list[np.ndarray] = []
    assistant: list[np.ndarray] = []
    lists: list[list[dict[str, Any]]] = []
    done = 0
    started = time.monotonic()
    inexact = 0

    def flush() -> None:
        nonlocal inexact
        if lists:
            b = tokens.count_lists(lists, spec)
            totals.append(b.totals)
            assistant.append(b.assistant)
            inexact += len(b.inexact)
            rep.notes.extend(n for n in b.notes if n not in rep.notes)
            lists.clear()
        if cancel is not None:
            cancel.check()
        report(progress, "tokens", done, size, f"{rep.examples:,} lines", started)

    with open_regular(path, UsageError) as f:
        for lineno, raw in enumerate(f, 1):
            done += len(raw)
            if not raw.strip():
                continue
            rep.examples += 1
            try:
                msgs = tokens.to_messages(json.loads(raw))
            except (ValueError, RecursionError):  # not JSON, or nested too deeply
                msgs = None
            if msgs is None:
                rep.skipped += 1
                if len(rep.skipped_lines) < SKIPPED_SHOWN:
                    rep.skipped_lines.append(lineno)
                continue
            lists.append(msgs)
            if len(lists) >= BLOCK:
                flush()
    flush()
    t = np.concatenate(totals) if totals else np.zeros(0, np.int64)
    a = np.concatenate(assistant) if assistant else t
    rep.counted = len(t)
    rep.total_tokens = int(t.sum())
    rep.assistant_tokens = int(a.sum())
    rep.tokens_per_example = distribution(t)
    if spec.max_tokens_per_example:
        rep.over_limit = int((t > spec.max_tokens_per_example).sum())
    if inexact:
        rep.label = "estimate"
    if rep.skipped:
        rep.notes.append(f"{rep.skipped} line(s) were not JSON records of a known layout "
                         f"(first: {', '.join(map(str, rep.skipped_lines[:5]))})")
