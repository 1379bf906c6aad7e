"""``ftb tui``: the terminal UI (Textual is imported only here, and only when run)."""

from __future__ import annotations

import argparse

from ftbuilder.cli.common import EXIT_OK, Session, add_command


def run(session: Session, args: argparse.Namespace) -> int:
    # Open (then close) the context first: a bad config or store gets the CLI's
    # error/hint lines and exit code before the full-screen app starts.
    session.ctx  # noqa: B018
    session.close()
    from ftbuilder.tui.app import run as run_app

    result = run_app(config_path=getattr(args, "config", None), db=getattr(args, "db", None))
    return result if isinstance(result, int) else EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    add_command(sub, common, "tui", "open the terminal UI", run, json_flag=False,
                epilog="The same store and config as the commands: datasets made here "
                       "appear in `ftb datasets` and the other way round.")
