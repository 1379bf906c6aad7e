"""Validation of a training set against one target model: format rules, limits, statistics.

Records are checked in blocks: the per-provider rules (:mod:`ftbuilder.quality.rules`) run
on each parsed record, then the whole block is token-counted in one batch call
(:func:`ftbuilder.tokens.count_lists`) and summed per example with numpy. A JSONL file is
streamed (bounded memory); line numbers are 1-based.

The summary follows the OpenAI cookbook (Chat_finetuning_data_prep.ipynb): distributions
(min, max, mean, median, p5, p95) of messages, tokens and assistant tokens per example;
epochs by its rule; billed tokens = Σ min(limit, tokens); cost = epochs × billed × price.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ftbuilder import tokens
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.core.types import ModelSpec, Violation
from ftbuilder.quality.rules import CHECKERS, ERROR, WARNING
from ftbuilder.targets.limits import distribution, estimate_training
from ftbuilder.tokens import BatchCounts

__all__ = ["ValidationReport", "Validator", "validate_jsonl",
           "validate_records"]

BLOCK_FAST = 10_000  # records per batch for the quicktok counters
BLOCK_SLOW = 500  # for per-conversation counters (mistral-common, Gemma vocab)


@dataclass
class ValidationReport:
    """The result of validating a file or a dataset against one target model.

    ``ok`` is True when no violation has severity "error". ``line`` 0 in a violation means
    the whole file or dataset. ``estimate`` is True when token counts are estimates (Claude,
    Gemini): show them labelled so. ``price_unverified`` flags a registry price without a
    confirmed source.
    """

    source: str
    provider: str
    model: str
    format: str
    ok: bool = True
    examples: int = 0
    total_tokens: int = 0
    assistant_tokens: int = 0
    errors: int = 0
    warnings: int = 0
    over_limit: int = 0
    max_tokens_per_example: int | None = None
    limit_unverified: bool = False
    file_bytes: int = 0
    violations: list[Violation] = field(default_factory=list)
    by_code: dict[str, int] = field(default_factory=dict)
    summary: dict[str, dict[str, float] | None] = field(default_factory=dict)
    epochs: int | None = None
    billed_tokens: int = 0
    charged_tokens: int = 0
    estimated_cost: float | None = None
    price_per_1m_training_tokens: float | None = None
    price_unverified: bool = False
    estimate: bool = False
    method: str = ""
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["violations"] = [v.to_dict() for v in self.violations]
        return d


class Validator:
    """Accumulates rule violations and token counts block by block, then summarises."""

    def __init__(self, spec: ModelSpec, source: str) -> None:
        self.spec = spec
        self.source = source
        self.checker = CHECKERS.get(spec.format)
        if self.checker is None:
            raise ValueError(f"no validation rules for format {spec.format!r}")
        self.counter = tokens.counter_for(spec)
        self.block = BLOCK_FAST if tokens.is_exact(spec) and not spec.tokenizer.startswith(
            "mistral:") else BLOCK_SLOW
        self.limit = spec.max_tokens_per_example
        self.limit_verified = spec.is_verified("max_tokens_per_example")
        self.violations: list[Violation] = []
        self.examples = 0
        self._totals: list[np.ndarray] = []
        self._assistant: list[np.ndarray] = []
        self._messages: list[np.ndarray] = []
        self._train_mask: list[np.ndarray] = []
        self.notes: list[str] = []
        self.inexact = 0
        self.started = time.perf_counter()
        self.threads = 0
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[tuple[Future[BatchCounts], list[tuple[int, int | None]], list[bool],
                                  np.ndarray]] = []

    def close(self) -> None:
        """Stop the counting thread (finish() does it; call it when abandoning a run)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    # --- per line / record ----------------------------------------------------------------
    def problem(self, line: int, code: str, message: str, fix: str, severity: str = ERROR,
                sample_id: int | None = None) -> None:
        self.violations.append(Violation(line, code, message, fix, severity, sample_id))

    def add_block(self, items: list[tuple[int, int | None, Any]],
                  train: list[bool] | None = None) -> None:
        """Check and count ``(line, sample_id, record)`` items (records already parsed)."""
        check = self.checker
        lists: list[list[dict[str, Any]]] = []
        where: list[tuple[int, int | None]] = []
        keep_train: list[bool] = []
        vio = self.violations
        for k, (line, sid, rec) in enumerate(items):
            self.examples += 1
            if not isinstance(rec, dict):
                vio.append(Violation(line, "not_an_object",
                                     f"the line is a JSON {type(rec).__name__}, not an object",
                                     "write one JSON object per line", ERROR, sid))
                continue
            for code, msg, fix, sev in check(rec):  # type: ignore[misc]
                vio.append(Violation(line, code, msg, fix, sev, sid))
            msgs = tokens.to_messages(rec)
            if msgs:
                lists.append(msgs)
                where.append((line, sid))
                keep_train.append(True if train is None else train[k])
        if not lists:
            return
        n_msgs = np.fromiter((len(m) for m in lists), dtype=np.int64, count=len(lists))
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="ftb-count")
        # Counting releases the GIL (quicktok): block k is tokenized while k+1 is parsed.
        fut = self._pool.submit(self.counter.count_lists, lists, self.threads)
        self._pending.append((fut, where, keep_train, n_msgs))
        while len(self._pending) > 1:
            self._collect(*self._pending.pop(0))

    def _collect(self, fut: Future[BatchCounts], where: list[tuple[int, int | None]],
                 keep_train: list[bool], n_msgs: np.ndarray) -> None:
        b = fut.result()
        vio = self.violations
        self.inexact += len(b.inexact)
        for n in b.notes:
            if n not in self.notes:
                self.notes.append(n)
        self._totals.append(b.totals)
        self._assistant.append(b.assistant)
        self._messages.append(n_msgs)
        self._train_mask.append(np.asarray(keep_train, dtype=bool))
        if self.limit:
            for i in np.nonzero(b.totals > self.limit)[0].tolist():
                line, sid = where[i]
                n = int(b.totals[i])
                unv = "" if self.limit_verified else " (limit UNVERIFIED)"
                vio.append(Violation(
                    line, "too_many_tokens",
                    f"{n:,} tokens, over the {self.limit:,} limit of {self.spec.id}{unv}",
                    "shorten it, or fix with drop/truncate (ftb validate NAME --fix truncate)",
                    ERROR if self.limit_verified else WARNING, sid))

    # --- whole set ------------------------------------------------------------------------
    def _size_rules(self, file_bytes: int, n: int) -> None:
        spec = self.spec
        checks = [
            ("min_examples", spec.min_examples, n < (spec.min_examples or 0), "too_few_examples",
             f"{n} examples; {spec.id} needs at least {spec.min_examples}",
             "add examples (50-100 is where results usually start to improve)"),
            ("max_examples", spec.max_examples, bool(spec.max_examples) and n > spec.max_examples,
             "too_many_examples", f"{n:,} examples; {spec.id} takes at most "
             f"{spec.max_examples or 0:,}", "drop examples or split the set"),
            ("max_file_bytes", spec.max_file_bytes, bool(spec.max_file_bytes) and
             file_bytes > spec.max_file_bytes, "file_too_large",
             f"{file_bytes:,} bytes; {spec.id} takes files up to {spec.max_file_bytes or 0:,}",
             "split the file or drop examples"),
        ]
        for fname, limit, broken, code, msg, fix in checks:
            if limit is not None and broken:
                verified = spec.is_verified(fname)
                self.problem(0, code, msg + ("" if verified else " (limit UNVERIFIED)"), fix,
                             ERROR if verified else WARNING)

    def finish(self, file_bytes: int = 0, n_train: int | None = None) -> ValidationReport:
        """Apply the whole-set rules and build the report.

        ``n_train``: the examples the size limits apply to (the training split of a dataset);
        default all examples.
        """
        spec = self.spec
        while self._pending:
            self._collect(*self._pending.pop(0))
        self.close()
        self.violations.sort(key=_line_key)  # counting results arrive block by block
        self._size_rules(file_bytes, self.examples if n_train is None else n_train)
        totals = np.concatenate(self._totals) if self._totals else np.zeros(0, np.int64)
        assistant = np.concatenate(self._assistant) if self._assistant else totals
        messages = np.concatenate(self._messages) if self._messages else totals
        train = np.concatenate(self._train_mask) if self._train_mask else np.zeros(0, bool)
        by_code = Counter(v.code for v in self.violations)
        errors = sum(1 for v in self.violations if v.severity == ERROR)
        training = estimate_training(totals[train], spec)
        notes = list(self.notes)
        exact = tokens.is_exact(spec) and not self.inexact
        if not tokens.is_exact(spec):
            notes.append(f"token counts for {spec.id} are ESTIMATES (no exact offline tokenizer)")
        return ValidationReport(
            source=self.source, provider=spec.provider, model=spec.id, format=spec.format,
            ok=errors == 0, examples=self.examples, total_tokens=int(totals.sum()),
            assistant_tokens=int(assistant.sum()), errors=errors,
            warnings=len(self.violations) - errors, over_limit=by_code.get("too_many_tokens", 0),
            max_tokens_per_example=self.limit, limit_unverified=not self.limit_verified,
            file_bytes=file_bytes, violations=self.violations, by_code=dict(by_code),
            summary={"messages_per_example": distribution(messages),
                     "tokens_per_example": distribution(totals),
                     "assistant_tokens_per_example": distribution(assistant)},
            estimate=not exact, method=self.counter.method, notes=notes,
            seconds=round(time.perf_counter() - self.started, 3), **training)


def validate_jsonl(path: str | Path, spec: ModelSpec, progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None) -> ValidationReport:
    """Validate a JSONL file of provider records for ``spec`` (streamed, 1-based lines).

    Blank lines are reported as warnings and not counted as examples.
    Raises:
        OSError: the file cannot be read (the service turns it into a NotFoundError).
        Cancelled: ``cancel`` was triggered; nothing is written anyway.
    """
    path = Path(path)
    size = path.stat().st_size
    v = Validator(spec, str(path))
    try:
        _read_lines(path, v, size, progress, cancel)
    except BaseException:
        v.close()
        raise
    return v.finish(file_bytes=size)


def _read_lines(path: Path, v: Validator, size: int, progress: ProgressFn | None,
                cancel: CancelToken | None) -> None:
    loads = json.JSONDecoder().decode
    items: list[tuple[int, int | None, Any]] = []
    done = 0
    started = time.monotonic()
    with path.open("rb") as f:
        for lineno, raw in enumerate(f, 1):
            done += len(raw)
            if raw.isspace():
                v.problem(lineno, "blank_line", "blank line", "remove it", WARNING)
                continue
            try:
                rec = loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
            except UnicodeDecodeError:
                v.examples += 1
                v.problem(lineno, "invalid_json", "the line is not valid UTF-8",
                          "save the file as UTF-8")
                continue
            except ValueError as e:
                v.examples += 1
                v.problem(lineno, "invalid_json", f"not valid JSON ({str(e).split(':')[0]})",
                          "fix the line: one complete JSON object per line")
                continue
            items.append((lineno, None, rec))
            if len(items) >= v.block:
                v.add_block(items)
                items = []
                if cancel is not None:
                    cancel.check()
                report(progress, "validate", done, size, f"{v.examples:,} examples", started)
    v.add_block(items)
    report(progress, "validate", size, size, f"{v.examples:,} examples", started)


def _line_key(v: Violation) -> int:
    return v.line


def validate_records(records: Iterable[tuple[int, int | None, Any]], spec: ModelSpec,
                     source: str, file_bytes: int = 0,
                     train: Iterable[bool] | None = None) -> ValidationReport:
    """Validate already-parsed ``(line, sample_id, record)`` items (small sets, tests)."""
    v = Validator(spec, source)
    items = list(records)
    v.add_block(items, list(train) if train is not None else None)
    return v.finish(file_bytes=file_bytes)
