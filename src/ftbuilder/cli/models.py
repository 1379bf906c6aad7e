"""``ftb models``: the fine-tunable targets and their limits, UNVERIFIED figures marked."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from ftbuilder.cli.common import EXIT_OK, Session, add_command, fmt_value, table
from ftbuilder.config import PROVIDERS
from ftbuilder.core.types import ModelSpec

# The limit fields shown in the table: (field, column header).
LIMIT_COLUMNS = (
    ("max_tokens_per_example", "max tok/example"),
    ("context", "context"),
    ("min_examples", "min ex"),
    ("max_examples", "max ex"),
    ("max_validation_examples", "max val ex"),
    ("max_file_bytes", "max file"),
    ("price_per_1m_training_tokens", "$/1M train tok"),
)
LIMIT_FIELDS = (*(f for f, _ in LIMIT_COLUMNS), "max_training_tokens",
                "max_validation_file_bytes")
UNVERIFIED = "UNVERIFIED"


def unverified_fields(spec: ModelSpec) -> list[str]:
    """Limit fields without a confirmed source: all of them when the entry is unverified."""
    if not spec.verified:
        return [f for f in LIMIT_FIELDS if getattr(spec, f) is not None]
    return [f for f in spec.unverified if f in LIMIT_FIELDS or hasattr(spec, f)]


def _cell(spec: ModelSpec, field: str, unverified: list[str]) -> str:
    v = getattr(spec, field)
    if v is None:
        return "-"
    if field.endswith("_bytes"):
        text = f"{v / 2**30:g} GB" if v >= 2**30 else f"{v / 2**20:g} MB"
    elif field.startswith("price"):
        text = f"${v:g}"
    else:
        text = fmt_value(v)
    return f"{text} {UNVERIFIED}" if field in unverified else text


def spec_dict(spec: ModelSpec) -> dict[str, Any]:
    d = asdict(spec)
    d["unverified"] = unverified_fields(spec)
    return d


def run(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.targets.registry import list_models

    specs = list_models(args.provider)
    if session.json:
        session.emit([spec_dict(s) for s in specs])
        return EXIT_OK
    rows = []
    for s in specs:
        unv = unverified_fields(s)
        rows.append([s.provider, s.id, s.format, s.tokenizer,
                     *(_cell(s, f, unv) for f, _ in LIMIT_COLUMNS)])
    headers = ["provider", "model", "format", "tokenizer", *(h for _, h in LIMIT_COLUMNS)]
    notes = [table(headers, rows), "",
             f"{UNVERIFIED}: no confirmed public source for that figure; treat it as a guess.",
             "'-' = unknown. Token counts for anthropic and google models are estimates."]
    session.out("\n".join(notes))
    return EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(sub, common, "models", "fine-tunable models and their limits", run,
                    epilog="Limits live in targets/models.yaml, each with its source.")
    p.add_argument("--provider", choices=PROVIDERS, help="only this provider's models")
