"""``ftb build`` (documents -> samples in a dataset) and ``ftb retry`` (resume an LLM build)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_batch_options,
    add_command,
    add_engine_options,
    cancelled_message,
    display_path,
    key_values,
    positive_int,
    table,
    to_jsonable,
)
from ftbuilder.cli.render import generation_lines
from ftbuilder.config import BACKENDS, MODES, PROVIDERS
from ftbuilder.core.errors import Cancelled
from ftbuilder.services.runs import shortfall  # shared with the app's Generate screen


def render_build(data: dict[str, Any]) -> str:
    """Summary line, per-file table, then the generation accounting of the LLM modes."""
    stats = data.get("stats") or {}
    head = (f"{data.get('name')} ({data.get('mode')}): {data.get('samples_added', 0):,} samples "
            f"added, {data.get('duplicates', 0):,} duplicates dropped")
    if data.get("found"):
        head += f", {data['found']:,} found"
    if data.get("capped"):
        head += f", {data['capped']:,} beyond the dataset's size left out"
    if "dataset_samples" in stats:
        head += f"; the dataset now has {stats['dataset_samples']:,}"
    parts = [head]
    files = data.get("files") or {}
    if files:
        with_found = any(f.get("found") for f in files.values())
        cols = ["file", "status", *(["found"] if with_found else []), "added", "error"]
        rows = [[display_path(p), f.get("status"), *([f.get("found")] if with_found else []),
                 f.get("added"), f.get("error", "")] for p, f in files.items()]
        parts.append(table(cols, rows, max_width=80))
        warned = [f"  {display_path(p)}: {w}" for p, f in files.items()
                  for w in f.get("warnings") or []]
        if warned:
            parts.append("skipped while reading:\n" + "\n".join(warned))
    methods = stats.get("token_method") or {}
    if methods:
        parts.append("token counts: " + "; ".join(f"{n:,} by {m}" for m, n in methods.items()))
    gen = stats.get("generation") or {}
    if gen:
        parts.append("generation:\n" + key_values(generation_lines(gen, data.get("name"))))
    if stats.get("resumed") == "items":
        parts.append("note: the build's inputs are no longer there, so only the work items "
                     "recorded before ran again; build again with --input to add more")
    fallback = stats.get("identify_llm") or {}
    if fallback:
        parts.append("LLM fallback (documents no pattern could read):\n"
                     + key_values(_fallback_lines(fallback)))
    return "\n\n".join(parts)


def _fallback_lines(g: dict[str, Any]) -> list[tuple[str, Any]]:
    """Identify's LLM fallback: what was asked, kept and rejected (by reason)."""
    lines = dict(generation_lines({**g, "target": g.get("target") or 0}))
    out: list[tuple[str, Any]] = [
        ("agent", g.get("agent")),
        ("asked", f"{g.get('documents', 0):,} documents in {g.get('chunks', 0):,} chunks"
                  + (f" ({g['items_skipped']:,} done by an earlier run)"
                     if g.get("items_skipped") else "")),
        ("verbatim", f"{g.get('accepted', 0):,} conversations found word for word, "
                     f"{g.get('samples_added', 0):,} added"),
        ("rejected", g.get("rejected") or "none"),
    ]
    out += [(k, lines[k]) for k in ("LLM calls", "tokens", "estimated cost")]
    if g.get("stopped") and g["stopped"] != "no more work":
        out.append(("stopped", g["stopped"]))
    if g.get("items_failed"):
        out.append(("next", "run the same build again: failed chunks are asked again"))
    return out


def _samples_in(session: Session, name: str) -> int:
    ds = session.ctx.store.find_dataset(name)
    return ds.total_samples if ds else 0


def _run_counting(session: Session, name: str, call: Callable[[], Any]) -> Any:
    """Run ``call``; on cancel, report how many samples this run added (they are kept)."""
    before = _samples_in(session, name)
    try:
        return call()
    except Cancelled:
        raise Cancelled(cancelled_message(_samples_in(session, name) - before),
                        f"`ftb retry {name}` (LLM modes) or the same command continues; "
                        "nothing is done twice") from None


def _free_instruction(session: Session) -> str | None:
    """Free mode: None when the prompt file will be used, else ask on a terminal.

    Without a terminal nothing is asked: the build service raises the error naming the
    file to write.
    """
    from ftbuilder.agents.free import free_instruction, read_free_prompt

    settings = session.ctx.settings
    if read_free_prompt(settings) or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return None
    import questionary

    def ask() -> str | None:
        return questionary.text("Free-mode instruction (what should each sample be?):").ask()

    return free_instruction(settings, ask)


def _say_agent(session: Session, agent: dict[str, Any], mode: str = "",
               instruction: str | None = None) -> None:
    """One note on stderr naming the model that writes the samples (and that it is the
    embedded local model when no key is configured), once the build can start: a missing
    key or free-mode instruction is the only thing said."""
    from ftbuilder.services.agent import describe_agent
    from ftbuilder.services.generate import check_llm_build

    check_llm_build(session.ctx, mode, agent, instruction)
    session.info(describe_agent(session.ctx.settings, agent.get("provider"),
                                agent.get("model"), agent.get("base_url"),
                                agent.get("base_urls")))


def scale_fields(args: argparse.Namespace) -> dict[str, Any]:
    """BuildRequest fields of --base-url (repeatable), --batch, --engine (docs/scale.md)."""
    urls = list(dict.fromkeys(args.base_url or []))
    return {"base_url": urls[0] if len(urls) == 1 else None,
            "base_urls": urls if len(urls) > 1 else None, "batch": args.batch,
            "batch_retry": args.batch_retry, "engine": args.engine,
            "ray_address": args.ray_address}


def add_scale_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", metavar="URL", action="append",
                   help="OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server...); "
                        "repeat it for a fleet: requests spread over them (least "
                        "outstanding), a failing one is taken out and tried again later")
    add_batch_options(p)
    add_engine_options(p, "ingest and identify")


def run_build(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.build import BuildRequest, build

    cfg = session.config
    provider, model = session.target(args.provider, args.model)
    mode = args.mode or cfg.mode
    name = args.name or cfg.output_name
    inputs = args.input or [str(session.ctx.settings.input_dir)]
    fields = dict(mode=mode, input_paths=inputs, name=name, provider=provider, model=model,
                  size=args.size, agent_provider=args.agent_provider,
                  agent_model=args.agent_model, concurrency=args.concurrency,
                  llm_fallback=args.llm_fallback, confirmed=args.yes, **scale_fields(args))
    if mode == "free":
        instruction = _free_instruction(session)
        if instruction is not None:
            fields["instruction"] = instruction
    req = BuildRequest(**fields)
    fallback = cfg.agent.identify.llm_fallback if args.llm_fallback is None \
        else args.llm_fallback
    if mode != "identify" or fallback:
        _say_agent(session, {"provider": args.agent_provider, "model": args.agent_model,
                             "base_url": req.base_url, "base_urls": req.base_urls}, mode,
                   req.instruction)
    with session.running() as cancel:
        result = _run_counting(
            session, name, lambda: build(session.ctx, req, progress=session.progress,
                                         cancel=cancel))
    data = to_jsonable(result)
    session.emit(result, lambda: render_build(data))
    return _exit(session, data)


def _exit(session: Session, data: dict[str, Any]) -> int:
    """Exit 1 with an error line for a partial build (the result itself is printed)."""
    if not _partial(data):
        return EXIT_OK
    short = shortfall(data)
    if short is not None:
        session.info(f"error: {short[0]}")
        session.info(f"hint: {short[1]}")
    return EXIT_FAIL


def _partial(data: dict[str, Any]) -> bool:
    """Exit 1: an input file failed, or the LLM modes ended short of the requested size
    (failed items, or an agent yielding too few usable samples). Failed items that other
    items made up for do not fail the build."""
    gen = (data.get("stats") or {}).get("generation") or {}
    short = gen.get("existing", 0) + gen.get("samples_added", 0) < gen.get("target", 0)
    return bool(data.get("failed_files") or short)


def run_retry(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.resume import resume

    ds = session.ctx.store.find_dataset(args.name)
    agent = ((ds.config if ds else {}).get("generation") or {}).get("agent")
    if agent is not None:
        _say_agent(session, agent)
    with session.running() as cancel:
        result = _run_counting(
            session, args.name, lambda: resume(session.ctx, args.name, progress=session.progress,
                                               cancel=cancel, confirmed=args.yes))
    data = to_jsonable(result)
    if "repos" in data:  # a repository dataset: its failed files ran again
        from ftbuilder.cli.repos import render_prepare

        session.emit(result, lambda: render_prepare(data))
        return EXIT_FAIL if data.get("failed") else EXIT_OK
    session.emit(result, lambda: render_build(data))
    return _exit(session, data)


BUILD_EPILOG = """\
modes:
  identify  extract the conversations already in the files (Q&A, transcripts, chat logs)
  create    write new conversations grounded in the files with an LLM (--size N)
  hybrid    both: identified ones plus generated ones (agent.hybrid.generation_ratio)
  free      follow the instruction in prompts/free_mode/prompt.txt (asked if missing)
Defaults come from config.yaml (mode, provider, model, output_name, input_dir).
Building into an existing name adds to it; exact duplicates are dropped.
Ctrl-C stops cleanly: samples already made are kept; `ftb retry NAME` resumes."""


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(sub, common, "build", "make samples from your files into a dataset",
                    run_build, epilog=BUILD_EPILOG)
    p.add_argument("--mode", choices=MODES, help="how samples are made (default: config mode)")
    p.add_argument("--input", action="append", metavar="DIR",
                   help="input folder or file; repeatable (default: config input_dir)")
    p.add_argument("--name", help="dataset name (default: config output_name)")
    p.add_argument("--provider", choices=PROVIDERS,
                   help="target provider whose format and limits apply (default: config)")
    p.add_argument("--model", help="target model id (default: config, or the provider's first)")
    p.add_argument("--size", type=positive_int, metavar="N",
                   help="the dataset's target size, in every mode: a build adds new samples "
                        "up to it (hybrid keeps every identified pair); default: config "
                        "dataset_size")
    p.add_argument("--agent-provider", choices=BACKENDS,
                   help="LLM backend that writes samples (default: config system.agentic_llm; "
                        "llama = embedded local model)")
    p.add_argument("--agent-model", metavar="M", help="model of that backend, or a GGUF path")
    add_scale_options(p)
    p.add_argument("--concurrency", type=positive_int, metavar="N",
                   help="parallel LLM calls (default: config system.concurrency)")
    p.add_argument("--llm-fallback", action=argparse.BooleanOptionalAction, default=None,
                   help="identify: ask the agent LLM about files no pattern can read; only "
                        "text found there word for word is kept (default: config "
                        "agent.identify.llm_fallback)")

    r = add_command(sub, common, "retry", "resume an LLM build: failed and unfinished work "
                                          "runs again, then it continues to its size",
                    run_retry, epilog="Work items that failed or never finished run again, then "
                                      "the build continues from its inputs until the dataset "
                                      "has the size asked (with its inputs gone, only the "
                                      "recorded items run). Finished work is never asked "
                                      "again.")
    r.add_argument("name", metavar="NAME", help="dataset name")
    for q in (p, r):
        q.add_argument("--yes", action="store_true",
                       help="start even when the estimated cost is over system.max_cost_usd "
                            "(or the size over 100,000 on a paid backend)")
