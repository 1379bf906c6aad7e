"""What every command shares: the session (context, output, progress, cancel) and formatting.

Commands stay thin: they read ``args``, call one service through ``session.ctx`` and hand
the result to :meth:`Session.emit`, which prints JSON (``--json``) or a human rendering.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ftbuilder.cli.progress import ProgressPrinter, cancel_on_interrupt
from ftbuilder.core.errors import UsageError
from ftbuilder.core.progress import CancelToken
from ftbuilder.core.text import bounded, json_safe, visible

if TYPE_CHECKING:
    from ftbuilder.services.context import AppContext

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130


def to_jsonable(obj: Any) -> Any:
    """A result object as plain JSON data: ``to_dict()``, dataclasses, Paths, sets."""
    if hasattr(obj, "to_dict"):
        return to_jsonable(obj.to_dict())
    if is_dataclass(obj) and not isinstance(obj, type):
        return to_jsonable(asdict(obj))
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def display_path(path: str) -> str:
    """An absolute ``path`` inside the current folder, shown relative (shorter tables)."""
    if not path.startswith("/"):
        return path
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


def fmt_value(v: Any) -> str:
    """A cell: thousands separators for ints, 4 significant digits for floats, '-' for None."""
    if v is None or v == "":
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.4g}"
    if isinstance(v, list | tuple):
        return ", ".join(fmt_value(x) for x in v) or "-"
    if isinstance(v, dict):
        return ", ".join(f"{visible(str(k))}={fmt_value(x)}" for k, x in v.items()) or "-"
    return visible(display_path(str(v)))  # a name's ESC or newline shown, never obeyed


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> str:
    """A plain aligned text table; numeric columns right-aligned, long cells cut with '…'."""
    cells = [[fmt_value(c) for c in r] for r in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in r] for r in cells]
    widths = [len(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(c))
    numeric = [all(isinstance(r[i], int | float) or r[i] is None for r in rows) and bool(rows)
               for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        out = [v.rjust(w) if num else v.ljust(w)
               for v, w, num in zip(values, widths, numeric, strict=True)]
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths)
    return "\n".join([line(list(headers)), sep, *(line(r) for r in cells)])


def key_values(pairs: Sequence[tuple[str, Any]]) -> str:
    """``key: value`` lines with the keys aligned."""
    keys = [visible(display_path(k)) for k, _ in pairs]
    width = max((len(k) for k in keys), default=0)
    return "\n".join(f"{k.ljust(width)}  {fmt_value(v)}"
                     for k, (_, v) in zip(keys, pairs, strict=True))


MAX_ITEMS = 12  # entries of a key/value section shown by human renderings


def render_result(data: dict[str, Any]) -> str:
    """Scalars as key/values, then one table per list of records (e.g. per-file counts).

    Long key/value sections (keyword counts...) show their first MAX_ITEMS entries.
    """
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, list | dict)]
    parts = [key_values(scalars)] if scalars else []
    for key, value in data.items():
        if isinstance(value, dict) and value and all(not isinstance(v, dict | list)
                                                     for v in value.values()):
            items = list(value.items())
            more = f"\n... and {len(items) - MAX_ITEMS} more (--json lists all)" \
                if len(items) > MAX_ITEMS else ""
            parts.append(f"\n{key}:\n" + key_values(items[:MAX_ITEMS]) + more)
        elif isinstance(value, dict) and value and all(isinstance(v, dict)
                                                       for v in value.values()):
            cols = list(dict.fromkeys(c for v in value.values() for c in v))
            rows = [[k, *(v.get(c) for c in cols)] for k, v in value.items()]
            parts.append(f"\n{key}:\n" + table([key.rstrip("s") or key, *cols], rows))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            cols = list(dict.fromkeys(c for v in value for c in v))
            parts.append(f"\n{key}:\n" + table(cols, [[v.get(c) for c in cols] for v in value]))
        elif isinstance(value, list) and value:
            parts.append(f"\n{key}: {fmt_value(value)}")
    return "\n".join(parts)


class Session:
    """One CLI call: parsed args, the lazily opened AppContext, output and progress."""

    def __init__(self, args: argparse.Namespace, stdout: TextIO | None = None,
                 stderr: TextIO | None = None) -> None:
        self.args = args
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.json = bool(getattr(args, "json", False))
        self._ctx: AppContext | None = None
        self.progress = ProgressPrinter(self.stderr)

    # --- context ----------------------------------------------------------------------------
    @property
    def ctx(self) -> AppContext:
        """The AppContext, opened on first use with --config / --db."""
        if self._ctx is None:
            from ftbuilder.services.context import open_context

            self._ctx = open_context(getattr(self.args, "config", None),
                                     getattr(self.args, "db", None))
        return self._ctx

    @property
    def config(self) -> Any:
        """The validated config.yaml (FileConfig)."""
        return self.ctx.settings.config

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None

    def redact(self, text: str) -> str:
        """``text`` with every API key value replaced by ``***``."""
        if self._ctx is not None:
            return self._ctx.settings.redact(text)
        for var, value in os.environ.items():  # no settings yet: keys from the environment
            if var.endswith("_API_KEY") and len(value) >= 4:
                text = text.replace(value, "***")
        return text

    # --- output: every line the CLI prints goes through out/info/line --------------------------
    def line(self, text: str, limit: int | None = None) -> str:
        """``text`` as printed: keys redacted, then control characters made visible (a file
        name's ESC sequence is shown as ``^[``, never obeyed; newlines and tabs of a
        rendering stay), then cut to ``limit`` characters when one is given."""
        text = visible(self.redact(text), "\n\t")
        return bounded(text, limit) if limit else text

    def out(self, text: str = "") -> None:
        self.progress.clear()
        self.stdout.write(self.line(text) + "\n")

    def info(self, text: str) -> None:
        """A note for humans on stderr (never mixed into --json stdout)."""
        self.progress.clear()
        self.stderr.write(self.line(text) + "\n")
        self.stderr.flush()

    def emit(self, data: Any, human: Callable[[], str] | str | None = None) -> None:
        """Print ``data`` as JSON with --json, else the human rendering (or key/values).

        JSON stays valid JSON: json.dumps escapes the C0 controls, json_safe DEL and C1."""
        if self.json:
            text = json.dumps(to_jsonable(data), ensure_ascii=False, indent=2, default=str)
            self.out(json_safe(text))
            return
        if human is None:
            plain = to_jsonable(data)
            human = key_values(list(plain.items())) if isinstance(plain, dict) else str(plain)
        self.out(human() if callable(human) else human)

    # --- long operations --------------------------------------------------------------------
    @contextmanager
    def running(self) -> Iterator[CancelToken]:
        """Ctrl-C sets the yielded token; the progress line is cleared afterwards."""
        try:
            with cancel_on_interrupt() as token:
                yield token
        finally:
            self.progress.clear()

    # --- defaults from config.yaml ----------------------------------------------------------
    def target(self, provider: str | None, model: str | None) -> tuple[str, str]:
        """(provider, model): flags, else config.yaml; a provider alone gets its first model.

        An alias the provider documents is resolved to its snapshot, said on stderr
        ("model gpt-4o-mini -> gpt-4o-mini-2024-07-18"); an unknown id is left for the
        command to refuse with the list of known ones."""
        provider, model = self._target(provider, model)
        from ftbuilder.core.errors import NotFoundError
        from ftbuilder.targets.registry import resolve

        try:
            spec, said = resolve(provider, model)
        except NotFoundError:
            return provider, model
        if said:
            self.info(said)
        return provider, spec.id

    def _target(self, provider: str | None, model: str | None) -> tuple[str, str]:
        cfg = self.config
        if provider is None:
            return cfg.provider, model or cfg.model
        if model is None:
            if provider == cfg.provider:
                return provider, cfg.model
            from ftbuilder.targets.registry import default_model, list_models

            if not list_models(provider):
                raise UsageError(f"unknown provider '{provider}'",
                                 "use one of: openai, anthropic, google, mistral, llama")
            return provider, default_model(provider).id
        return provider, model


def cancelled_message(kept: int | None) -> str:
    return f"cancelled; {kept} samples kept" if kept is not None else "cancelled"


def add_command(sub: argparse._SubParsersAction, common: argparse.ArgumentParser, name: str,
                help_text: str, func: Callable[[Session, argparse.Namespace], int],
                json_flag: bool = True, description: str | None = None,
                epilog: str | None = None) -> argparse.ArgumentParser:
    """Add one sub-command with the shared options (--db, --config, --json)."""
    p = sub.add_parser(name, help=help_text, description=description or help_text,
                       parents=[common], epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    if json_flag:
        p.add_argument("--json", action="store_true",
                       help="print only JSON on stdout (progress and notes go to stderr)")
    p.set_defaults(func=func)
    return p


def positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def fraction(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}") \
            from None
    if not 0 <= x < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {x}")
    return x


def add_engine_options(p: argparse.ArgumentParser, stages: str) -> None:
    """--engine and --ray-address (builds, ftb filter, ftb dedup; docs/scale.md)."""
    p.add_argument("--engine", choices=("local", "ray"), default=None,
                   help=f"where {stages} run: this process or Ray (pip install "
                        "'ftbuilder[scale]'); default: config.yaml system.engine (local)")
    p.add_argument("--ray-address", metavar="ADDR",
                   help="a Ray cluster for --engine ray, e.g. ray://HOST:10001 (default: "
                        "system.ray_address, else a local Ray)")


def add_batch_options(p: argparse.ArgumentParser, collect: str = "`ftb batches collect`") -> None:
    """--batch and --batch-retry (builds and `ftb repos prepare`)."""
    p.add_argument("--batch", action="store_true",
                   help="send the LLM work through the provider's batch API (openai, "
                        "anthropic, google, mistral): half price, results within 24 h; "
                        f"`ftb batches` lists them, the same command or {collect} "
                        "picks them up")
    p.add_argument("--batch-retry", choices=("batch", "live"), default=None,
                   help="items a batch failed or let expire: in a new batch (default) or "
                        "asked live")
