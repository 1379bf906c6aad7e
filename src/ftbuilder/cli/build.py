"""``ftb build`` (documents -> samples in a dataset) and ``ftb retry`` (re-run failed work)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ftbuilder.cli.common import (
    EXIT_FAIL,
    EXIT_OK,
    Session,
    add_command,
    cancelled_message,
    fmt_value,
    key_values,
    positive_int,
    table,
    to_jsonable,
)
from ftbuilder.config import MODES, PROVIDERS
from ftbuilder.core.errors import Cancelled, UsageError

FREE_PROMPT = "free_mode/prompt.txt"


def render_result(data: dict[str, Any]) -> str:
    """Scalars as key/values, then one table per list of records (e.g. per-file counts)."""
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, list | dict)]
    parts = [key_values(scalars)] if scalars else []
    for key, value in data.items():
        if isinstance(value, dict) and value and all(not isinstance(v, dict | list)
                                                     for v in value.values()):
            parts.append(f"\n{key}:\n" + key_values(list(value.items())))
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


def _samples_in(session: Session, name: str) -> int:
    ds = session.ctx.store.find_dataset(name)
    return ds.total_samples if ds else 0


def _run_counting(session: Session, name: str, call: Callable[[], Any]) -> Any:
    """Run ``call``; on cancel, report how many samples this run added (they are kept)."""
    before = _samples_in(session, name)
    try:
        return call()
    except Cancelled:
        raise Cancelled(cancelled_message(_samples_in(session, name) - before)) from None


def _free_instruction(session: Session) -> str | None:
    """Free mode: the prompt file, else ask on a terminal, else a usage error."""
    cfg = session.config
    path = session.ctx.settings.prompts_dir / FREE_PROMPT
    if cfg.agent.free.use_prompt_file and path.is_file() and path.read_text("utf-8").strip():
        return None  # the service reads the file itself
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise UsageError(f"free mode needs an instruction and {path} is missing or empty",
                         f"write the instruction into {path}")
    import questionary

    answer = questionary.text("Free-mode instruction (what should each sample be?):").ask()
    if not answer or not answer.strip():
        raise UsageError("no instruction given", f"write one into {path}")
    return answer.strip()


def run_build(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.build import BuildRequest, build

    cfg = session.config
    provider, model = session.target(args.provider, args.model)
    mode = args.mode or cfg.mode
    name = args.name or cfg.output_name
    inputs = args.input or [str(session.ctx.settings.input_dir)]
    fields = dict(mode=mode, input_paths=inputs, name=name, provider=provider, model=model,
                  size=args.size, agent_provider=args.agent_provider,
                  agent_model=args.agent_model, base_url=args.base_url,
                  concurrency=args.concurrency)
    if mode == "free":
        instruction = _free_instruction(session)
        if instruction is not None:
            fields["instruction"] = instruction
    req = BuildRequest(**fields)
    with session.running() as cancel:
        result = _run_counting(
            session, name, lambda: build(session.ctx, req, progress=session.progress,
                                         cancel=cancel))
    data = to_jsonable(result)
    session.emit(result, lambda: render_result(data))
    return EXIT_FAIL if _partial(data) else EXIT_OK


def _partial(data: dict[str, Any]) -> bool:
    """True when some files or chunks failed (exit 1: partial failure)."""
    for key in ("failed", "failed_files", "errors", "failed_chunks"):
        v = data.get(key)
        if v:
            return True
    return False


def run_retry(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.build import retry

    with session.running() as cancel:
        result = _run_counting(
            session, args.name, lambda: retry(session.ctx, args.name, progress=session.progress,
                                              cancel=cancel))
    data = to_jsonable(result)
    session.emit(result, lambda: render_result(data))
    return EXIT_FAIL if _partial(data) else EXIT_OK


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
                   help="samples to generate (create/hybrid/free; default: config dataset_size)")
    p.add_argument("--agent-provider", choices=PROVIDERS,
                   help="LLM backend that writes samples (default: config system.agentic_llm; "
                        "llama = embedded local model)")
    p.add_argument("--agent-model", metavar="M", help="model of that backend, or a GGUF path")
    p.add_argument("--base-url", metavar="URL",
                   help="OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp server...)")
    p.add_argument("--concurrency", type=positive_int, metavar="N",
                   help="parallel LLM calls (default: config system.concurrency)")

    r = add_command(sub, common, "retry", "re-run the failed or unfinished work of a build",
                    run_retry, epilog="Only work items that failed or never finished run again; "
                                      "finished ones come from the store.")
    r.add_argument("name", metavar="NAME", help="dataset name")
