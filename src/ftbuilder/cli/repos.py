"""``ftb repos sync | prepare | status``: git repositories as a source (services/repos.py)."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_batch_options,
    add_command,
    fmt_value,
    key_values,
    positive_int,
    table,
    to_jsonable,
)
from ftbuilder.config import PROVIDERS


def _skipped(d: dict[str, int] | None) -> str:
    return ", ".join(f"{n} {r}" for r, n in sorted((d or {}).items(), key=lambda x: -x[1])) \
        or "-"


def render_sync(data: dict[str, Any]) -> str:
    rows = [[r["repo"], r["status"], r["reason"] or "-", r["commit"] or "-",
             r.get("detail") if r["status"] == "error" else ""] for r in data["repos"]]
    counts = ", ".join(f"{n} {s}" for s, n in data["counts"].items())
    head = f"{len(rows)} repositories into {fmt_value(data['dir'])}: {counts}"
    return head + "\n\n" + table(["repo", "status", "reason", "commit", "detail"], rows,
                                 max_width=70)


def render_prepare(data: dict[str, Any]) -> str:
    """Summary, one row per repository, the LLM accounting, failed files and what next."""
    from ftbuilder.cli.render import generation_lines

    stats = data.get("stats") or {}
    name = data.get("name") or "NAME"
    head = (f"{name}: {data.get('samples_added', 0):,} samples added "
            f"({data.get('pairs_added', 0):,} pairs without an LLM)")
    if data.get("samples_replaced"):
        head += f", {data['samples_replaced']:,} old samples of changed files replaced"
    if "dataset_samples" in stats:
        head += f"; the dataset now has {stats['dataset_samples']:,}"
    parts = [head]
    repos = data.get("repos") or []
    if repos:
        cols = ["repo", "commit", "files", "new", "changed", "unchanged", "removed", "done",
                "failed", "pairs", "skipped"]
        parts.append(table(cols, [[*(r.get(c) for c in cols[:-1]), _skipped(r.get("skipped"))]
                                  for r in repos], max_width=80))
    gen = stats.get("generation")
    if gen:
        lines = [(k, v) for k, v in generation_lines(gen, name)
                 if k not in ("samples", "next")]
        parts.append("LLM (one work item per file piece):\n" + key_values(lines))
    elif repos and not any(r.get("items") for r in repos):
        parts.append("LLM: no call (nothing new or changed, or --no-llm)")
    failed = data.get("failed_files") or []
    if failed:
        parts.append("failed files:\n" + table(["repo", "path", "error"],
                                               [[f["repo"], f["path"], f["error"]]
                                                for f in failed], max_width=90))
        parts.append(f"next: `ftb retry {shlex.quote(name)}` runs only the failed files again")
    return "\n\n".join(parts)


def render_status(data: dict[str, Any]) -> str:
    rows = data.get("repos") or []
    if not rows:
        return (f"no repository under {fmt_value(data.get('dir'))} and no repository dataset "
                "yet (list them in repos.txt, then `ftb repos sync`)")
    cols = ["dataset", "repo", "commit", "files", "done", "failed", "pending", "samples"]
    body = table([*cols, "skipped"], [[*(r.get(c) for c in cols), _skipped(r.get("skipped"))]
                                      for r in rows], max_width=80)
    failed = data.get("failed_files") or []
    if failed:
        body += "\n\nfailed files (`ftb retry NAME` runs them again):\n" + table(
            ["dataset", "repo", "path", "error"],
            [[f["dataset"], f["repo"], f["path"], f["error"]] for f in failed], max_width=90)
    return body


def run_sync(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.repos import sync_repos

    with session.running() as cancel:
        result = sync_repos(session.ctx, args.list, args.dir, shallow=not args.full,
                            progress=session.progress, cancel=cancel)
    data = to_jsonable(result)
    session.emit(result, lambda: render_sync(data))
    return EXIT_FAIL if result.failed else EXIT_OK


def run_prepare(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.repos import PrepareRequest, prepare

    provider = model = None
    if args.provider or args.model:
        provider, model = session.target(args.provider, args.model)
    req = PrepareRequest(
        name=args.name, repos=args.repo or [], folder=args.dir, include=args.include or [],
        exclude=args.exclude or [], max_file_kb=args.max_file_kb,
        chunk_tokens=args.chunk_tokens, provider=provider, model=model,
        agent_provider=args.agent_provider, agent_model=args.agent_model,
        base_url=args.base_url, concurrency=args.concurrency, llm=args.llm,
        confirmed=args.yes, batch=args.batch, batch_retry=args.batch_retry)
    if args.llm:
        from ftbuilder.services.agent import describe_agent

        session.info(describe_agent(session.ctx.settings, args.agent_provider,
                                    args.agent_model, args.base_url))
    with session.running() as cancel:
        result = prepare(session.ctx, req, progress=session.progress, cancel=cancel)
    data = to_jsonable(result)
    session.emit(result, lambda: render_prepare(data))
    return EXIT_FAIL if result.failed else EXIT_OK


def run_status(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.repos import repos_status

    data = to_jsonable(repos_status(session.ctx, args.name, args.dir))
    session.emit(data, lambda: render_status(data))
    return EXIT_OK


PREPARE_EPILOG = """\
Files: what git lists (tracked, plus untracked ones .gitignore does not exclude); images,
archives and binaries (by content, not only by name), lock files, vendored and build folders
and files over --max-file-kb are skipped and counted by reason.
Each file (each piece of a large one, cut at functions and classes) is one LLM work item;
docstrings and Markdown files of the same stem also give pairs without an LLM.
A file unchanged since its last successful prepare is not sent again; a changed one
replaces its samples. Failed files: `ftb retry NAME`. Exit 1 when a file failed."""


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("repos", help="git repositories as a source: sync, prepare, status",
                       parents=[common],
                       description="Clone the repositories of repos.txt, then make samples "
                                   "from their source files.",
                       epilog="typical run:\n  ftb repos sync\n  ftb repos prepare --name "
                              "code\n  ftb repos status code\n  ftb retry code",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    rsub = p.add_subparsers(dest="repos_command", metavar="ACTION", title="actions")
    rsub.required = True

    s = add_command(rsub, common, "sync", "clone or update (fetch + fast-forward) every "
                                          "repository of the list", run_sync,
                    epilog="One line per repository: cloned, updated, unchanged or error "
                           "(not found, authentication required, not a git repository...).\n"
                           "Exit 1 when any entry failed; the others are synced anyway.")
    s.add_argument("--list", metavar="FILE", help="repository list, one URL or local path "
                                                  "per line (default: repos.txt)")
    s.add_argument("--dir", metavar="DIR", help="where clones go (default: repos/)")
    s.add_argument("--full", action="store_true",
                   help="clone the whole history (default: shallow, the last commit)")

    pr = add_command(rsub, common, "prepare", "make samples from the repositories' source "
                                              "files into a dataset", run_prepare,
                     epilog=PREPARE_EPILOG)
    pr.add_argument("--name", required=True, help="dataset to create or add to")
    pr.add_argument("--repo", action="append", metavar="ORG/REPO",
                    help="only this repository; repeatable (default: all under --dir)")
    pr.add_argument("--dir", metavar="DIR", help="where the clones are (default: repos/)")
    pr.add_argument("--include", action="append", metavar="GLOB",
                    help="only paths matching; repeatable (e.g. 'packages/api/**', '*.py')")
    pr.add_argument("--exclude", action="append", metavar="GLOB",
                    help="skip paths matching; repeatable")
    pr.add_argument("--max-file-kb", type=positive_int, default=256, metavar="N",
                    help="skip files larger than this (default: 256)")
    pr.add_argument("--chunk-tokens", type=positive_int, metavar="N",
                    help="largest piece of code per LLM item (default: 2000)")
    pr.add_argument("--no-llm", dest="llm", action="store_false",
                    help="only the pairs found without an LLM (docstrings, Markdown)")
    pr.add_argument("--provider", choices=PROVIDERS,
                    help="target provider of a new dataset (default: config)")
    pr.add_argument("--model", help="target model of a new dataset (default: config)")
    pr.add_argument("--agent-provider", choices=PROVIDERS,
                    help="LLM backend that writes samples (default: config)")
    pr.add_argument("--agent-model", metavar="M", help="model of that backend, or a GGUF path")
    pr.add_argument("--base-url", metavar="URL", help="OpenAI-compatible endpoint")
    pr.add_argument("--concurrency", type=positive_int, metavar="N",
                    help="parallel LLM calls (default: config system.concurrency)")
    pr.add_argument("--yes", action="store_true",
                    help="go on when the LLM calls would cost more than "
                         "system.max_cost_usd")
    add_batch_options(pr, collect="nothing else")

    st = add_command(rsub, common, "status", "per repository: files, done, skipped by reason, "
                                             "failed", run_status)
    st.add_argument("name", metavar="NAME", nargs="?", help="one repository dataset")
    st.add_argument("--dir", metavar="DIR", help="where the clones are (default: repos/)")
