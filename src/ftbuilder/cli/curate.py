"""``ftb filter``, ``ftb dedup``, ``ftb scrub``: curation commands over a dataset.

Each prints per reason how many samples it flagged, removed or changed; removal and
rewriting back the store up first (the path is printed: copy it back to undo).
"""

from __future__ import annotations

import argparse
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    add_engine_options,
    table,
    to_jsonable,
)
from ftbuilder.config import RULE_NAMES

VERBS = {"flag": "flagged", "drop": "removed", "replace": "replaced"}


def render_report(d: dict[str, Any]) -> str:
    """Summary line, the counts per reason, clusters or examples, then the backup path."""
    cmd, action = d.get("command"), d.get("action")
    dry = " (dry run: nothing written)" if d.get("dry_run") else ""
    if cmd == "scrub":
        head = (f"{d['dataset']}: {d.get('flagged', 0):,} of {d.get('checked', 0):,} samples "
                f"held PII or secrets; {d.get('changed', 0):,} rewritten{dry}")
    elif action == "drop":
        head = (f"{d['dataset']}: {d.get('flagged', 0):,} of {d.get('checked', 0):,} samples "
                f"to remove, {d.get('removed', 0):,} removed{dry}")
    else:
        head = (f"{d['dataset']}: {d.get('flagged', 0):,} of {d.get('checked', 0):,} samples "
                f"flagged{dry}")
    lines = [head]
    settings = d.get("settings") or {}
    if settings:
        lines.append("settings: " + ", ".join(f"{k}={v if not isinstance(v, list) else ','.join(v)}"
                                              for k, v in settings.items()))
    reasons = d.get("by_reason") or {}
    if reasons:
        verb = "placeholders" if cmd == "scrub" else VERBS.get(action or "", "flagged")
        lines += ["", table(["reason", verb], [[k, v] for k, v in reasons.items()])]
    clusters = d.get("clusters") or []
    if clusters:
        shown = clusters[:15]
        lines += ["", table(["keep", "remove", "similarity"],
                            [[c["keep"], c["drop"], c["similarity"]] for c in shown],
                            max_width=60)]
        if len(clusters) > len(shown):
            lines.append(f"... and {len(clusters) - len(shown):,} more clusters (--json)")
    examples = d.get("examples") or []
    if examples and cmd == "filter":
        lines += ["", table(["sample", "rule", "reason"],
                            [[e.get("id"), e.get("rule"), e.get("reason")]
                             for e in examples[:15]], max_width=80)]
    lines.append(f"\n{d.get('remaining', 0):,} samples in the dataset")
    if d.get("backup"):
        lines.append(f"store backed up first (undo: copy it back): {d['backup']}")
    return "\n".join(lines)


def _emit(session: Session, result: Any) -> int:
    data = to_jsonable(result)
    session.emit(data, lambda: render_report(data))
    return EXIT_OK


def run_filter(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.curate import filter_dataset

    rules = args.rules.split(",") if args.rules else None
    with session.running() as cancel:
        rep = filter_dataset(session.ctx, args.name, rules, drop=args.drop, repo=args.repo,
                             dry_run=args.dry_run, progress=session.progress, cancel=cancel,
                             engine=args.engine, ray_address=args.ray_address)
    _emit(session, rep)
    return EXIT_FAIL if args.strict and rep.flagged else EXIT_OK


def run_dedup(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.curate import dedup_dataset

    with session.running() as cancel:
        rep = dedup_dataset(session.ctx, args.name, args.threshold, args.shingle, args.on,
                            args.dry_run, progress=session.progress, cancel=cancel,
                            engine=args.engine, ray_address=args.ray_address)
    return _emit(session, rep)


def run_scrub(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.curate import scrub_dataset

    with session.running() as cancel:
        rep = scrub_dataset(session.ctx, args.name, args.dry_run, progress=session.progress,
                            cancel=cancel)
    return _emit(session, rep)


def _threshold(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0 < x <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {x}")
    return x


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    f = add_command(
        sub, common, "filter", "content checks: flag (or drop) samples that fail them",
        run_filter,
        epilog="Rules: " + ", ".join(RULE_NAMES) + ".\nDefault rules: config.yaml "
               "quality.rules. Flags are stored on each sample (meta.flags, with the\n"
               "reason in meta.flag_reasons) and shown in the app's Review screen.\n"
               "--drop removes flagged samples after backing the store up.")
    f.add_argument("name", metavar="NAME", help="dataset name")
    f.add_argument("--rules", metavar="R1,R2", help="comma-separated rule names")
    f.add_argument("--drop", action="store_true", help="remove flagged samples (backup first)")
    f.add_argument("--repo", metavar="DIR", help="file-refs: the repository the samples "
                                                 "refer to (default: the source file's)")
    f.add_argument("--dry-run", action="store_true", help="report only; write nothing")
    f.add_argument("--strict", action="store_true", help="exit 1 when any sample is flagged")
    add_engine_options(f, "the rules")

    d = add_command(
        sub, common, "dedup", "remove near-duplicate samples (MinHash LSH)", run_dedup,
        epilog="Of each cluster of near-duplicates the best sample is kept: not flagged\n"
               "ungrounded, then the longer answer, then the earlier one. The store is\n"
               "backed up first. Defaults: config.yaml quality.dedup_*.")
    d.add_argument("name", metavar="NAME", help="dataset name")
    d.add_argument("--threshold", type=_threshold, metavar="T",
                   help="Jaccard similarity of word shingles from which samples are "
                        "near-duplicates (default 0.8)")
    d.add_argument("--shingle", type=int, metavar="N", help="words per shingle (default 3)")
    d.add_argument("--on", choices=("user", "conversation"),
                   help="compare the user messages only, or whole conversations")
    d.add_argument("--dry-run", action="store_true", help="show the clusters; remove nothing")
    add_engine_options(d, "the MinHash signatures")

    s = add_command(
        sub, common, "scrub", "replace PII and secrets with typed placeholders", run_scrub,
        epilog="E-mail addresses, phone numbers, IBANs, card numbers (Luhn), API keys and\n"
               "tokens, private-key blocks -> [EMAIL] [PHONE] [IBAN] [CARD] [API_KEY]\n"
               "[PRIVATE_KEY]. The store is backed up first.")
    s.add_argument("name", metavar="NAME", help="dataset name")
    s.add_argument("--dry-run", action="store_true", help="count what would change only")
