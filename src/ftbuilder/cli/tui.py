"""``ftb tui``: the terminal UI (Textual is imported only here, and only when run)."""

from __future__ import annotations

import argparse

from ftbuilder.cli.common import EXIT_OK, Session, add_command


def run(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.tui.app import run as run_app

    result = run_app(config_path=getattr(args, "config", None), db=getattr(args, "db", None))
    return result if isinstance(result, int) else EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    add_command(sub, common, "tui", "open the terminal UI", run, json_flag=False)
