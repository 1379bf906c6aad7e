"""The ``ftb`` command: argument parsing, dispatch, and errors mapped to exit codes.

Exit codes: 0 ok, 1 violations or partial failure (or an error), 2 usage error,
130 cancelled with Ctrl-C. Errors are one ``error:`` line and one ``hint:`` line on stderr;
``FTB_DEBUG=1`` adds the traceback of an unexpected exception.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from ftbuilder import __version__
from ftbuilder.cli import (
    batches,
    build,
    config,
    curate,
    datasets,
    export,
    ingest,
    judge,
    models,
    repos,
    sources,
    split,
    tui,
    validate,
)
from ftbuilder.cli.common import EXIT_CANCELLED, EXIT_FAIL, EXIT_USAGE, Session
from ftbuilder.core.errors import Cancelled, FtbError
from ftbuilder.core.text import MAX_LINE

# Order of `ftb --help`; each module registers its commands.
COMMAND_MODULES = (ingest, build, batches, repos, sources, datasets, curate, judge, validate,
                   split, export, models, config, tui)

DESCRIPTION = "Fine-Tuning Dataset Builder: provider-ready fine-tuning datasets from your files."
EPILOG = """\
typical run:
  ftb ingest input_files/
  ftb build --mode identify --input input_files/ --name support
  ftb filter support && ftb dedup support && ftb scrub support
  ftb validate support
  ftb split support --ratio 0.8
  ftb export support --format openai
exit codes: 0 ok, 1 violations or partial failure, 2 usage error, 130 cancelled"""


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """--db/--config accepted before or after the command (after wins)."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="the dataset store (default: memory/dataset_builder.db, env FTB_DB)")
    parser.add_argument("--config", metavar="PATH", default=default,
                        help="config file (default: config.yaml of the project root)")


def build_parser() -> argparse.ArgumentParser:
    """The full ``ftb`` parser (used by main and by the help tests)."""
    parser = argparse.ArgumentParser(
        prog="ftb", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"ftb {__version__}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


def default_hint(err: FtbError, command: str | None) -> str:
    """The hint of an error raised without one: every error line comes with a hint line."""
    from ftbuilder.core.errors import (
        ConfigError,
        FormatError,
        IngestError,
        MissingKeyError,
        NotFoundError,
        ProviderError,
        UsageError,
    )

    help_line = f"see `ftb {command} --help`" if command else "see `ftb --help`"
    for cls, hint in ((ConfigError, "see README 'Configuration' for every key and its values"),
                      (UsageError, help_line),
                      (NotFoundError, "list what there is with `ftb datasets` or `ftb models`"),
                      (MissingKeyError, "set the key in .env or the environment"),
                      (IngestError, "check the file; `ftb ingest FILE` shows its report"),
                      (FormatError, "`ftb validate FILE` lists the problems, line by line"),
                      (ProviderError, "check the backend and your key; `ftb retry NAME` "
                                      "continues where the run stopped")):
        if isinstance(err, cls):
            return hint
    return help_line


def _print_error(session: Session, stderr: object, err: FtbError) -> None:
    """``error: <message>`` and ``hint: <hint>``: redacted, control characters made visible,
    each line bounded (MAX_LINE characters), whatever the message embeds."""
    out = stderr.write  # type: ignore[attr-defined]
    hint = err.hint or default_hint(err, getattr(session.args, "command", None))
    out(f"error: {_one_line(session, err.message)}\n")
    out(f"hint: {_one_line(session, hint)}\n")


def _one_line(session: Session, text: str) -> str:
    return session.line(" ".join(str(text).split("\n")), MAX_LINE)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ftb`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as e:  # argparse: --help/--version (0) or a usage error (2)
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    session = Session(args)
    try:
        return int(args.func(session, args) or 0)
    except Cancelled as err:
        session.progress.clear()
        sys.stderr.write(f"{_one_line(session, err.message)}\n")
        if err.hint:
            sys.stderr.write(f"hint: {_one_line(session, err.hint)}\n")
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        session.progress.clear()
        sys.stderr.write("\ncancelled\n")
        return EXIT_CANCELLED
    except FtbError as err:
        session.progress.clear()
        _print_error(session, sys.stderr, err)
        return err.exit_code
    except BrokenPipeError:  # `ftb datasets | head`: the reader went away; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        session.progress.clear()
        if os.environ.get("FTB_DEBUG"):
            sys.stderr.write(session.line(traceback.format_exc()))
        msg = " ".join(str(exc).split()) or type(exc).__name__
        sys.stderr.write(f"internal error: {type(exc).__name__}: {_one_line(session, msg)} "
                         "(run with FTB_DEBUG=1 for the traceback)\n")
        return EXIT_FAIL
    finally:
        session.close()


__all__ = ["EXIT_USAGE", "build_parser", "main"]
