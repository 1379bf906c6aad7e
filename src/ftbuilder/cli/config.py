"""``ftb config``: read and change config.yaml and the prompt files from the command line.

The same service the app's Configure and Settings screens use (services.settings): values
are validated before anything is written, and config.yaml keeps its comments and layout.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ftbuilder.cli.common import EXIT_OK, Session, add_command, table
from ftbuilder.core.errors import UsageError


def _flat(data: dict, prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for k, v in data.items():
        if isinstance(v, dict) and v:
            out += _flat(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", v))
    return out


def run_get(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import settings

    if args.key:
        value = settings.get_value(session.ctx, args.key)
        session.emit({args.key: value}, lambda: str(value))
        return EXIT_OK
    data = session.ctx.settings.config.model_dump()
    session.emit(data, lambda: table(["key", "value"], _flat(data), max_width=70))
    return EXIT_OK


def run_set(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import settings

    settings.set_value(session.ctx, args.key, args.value)
    path = session.ctx.settings.config_path
    value = settings.get_value(session.ctx, args.key)
    session.emit({"key": args.key, "value": value, "path": str(path)},
                 lambda: f"{args.key} = {value} (saved {path})")
    return EXIT_OK


def run_prompt(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services import settings

    if args.file is None:
        files = settings.prompt_files(session.ctx)
        session.emit(files, lambda: "\n".join(files))
        return EXIT_OK
    if args.set_from is None:
        text = settings.read_prompt(session.ctx, args.file)
        session.emit({"file": args.file, "text": text}, lambda: text.rstrip("\n"))
        return EXIT_OK
    if args.set_from == "-":
        text = sys.stdin.read()
    else:
        src = Path(args.set_from)
        if not src.is_file():
            raise UsageError(f"{src} is not a file", "give a text file, or - for stdin")
        text = src.read_text(encoding="utf-8")
    path = settings.write_prompt(session.ctx, args.file, text)
    session.emit({"file": args.file, "path": str(path), "chars": len(text)},
                 lambda: f"saved {path} ({len(text):,} characters)")
    return EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("config", help="read or change config.yaml and the prompt files",
                       parents=[common],
                       description="Read or change config.yaml (comments kept, values "
                                   "validated before saving) and the prompt files.")
    verbs = p.add_subparsers(dest="config_command", metavar="ACTION", title="actions")
    verbs.required = True
    g = add_command(verbs, common, "get", "print every key, or one (dotted: split.ratio)",
                    run_get)
    g.add_argument("key", nargs="?", help="a dotted key, e.g. split.ratio")
    s = add_command(verbs, common, "set", "set one key (the value is read as YAML)", run_set)
    s.add_argument("key", help="a dotted key, e.g. split.ratio")
    s.add_argument("value", help="the new value: 0.75, true, create, '[a, b]'")
    pr = add_command(verbs, common, "prompt",
                     "list the prompt files, print one, or replace one (--set FILE|-)",
                     run_prompt)
    pr.add_argument("file", nargs="?", help="relative to prompts/, e.g. free_mode/prompt.txt")
    pr.add_argument("--set", dest="set_from", metavar="SOURCE",
                    help="replace the prompt with this file's text (- reads stdin)")
