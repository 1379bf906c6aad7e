"""``ftb judge NAME``: score every sample 1-10 with an LLM (prompts/system/judge.txt)."""

from __future__ import annotations

import argparse
from typing import Any

from ftbuilder.cli.common import EXIT_OK, Session, add_command, positive_int, table, to_jsonable
from ftbuilder.config import PROVIDERS


def render(d: dict[str, Any]) -> str:
    lines = [f"{d['dataset']}: {d.get('judged', 0):,} samples scored by {d.get('agent')}, "
             f"{d.get('below', 0):,} under {d.get('threshold')}"
             + (f", {d.get('removed', 0):,} removed" if d.get("removed") else " (flagged "
                "'judge')" if d.get("below") else "")]
    cost = d.get("cost")
    lines.append(f"calls: {d.get('requests', 0):,} ({d.get('cached', 0):,} answered from the "
                 f"cache), tokens {d.get('prompt_tokens', 0):,} in / "
                 f"{d.get('completion_tokens', 0):,} out, cost "
                 + ("unknown" if cost is None else f"${cost:,.4f}"))
    scores = d.get("scores") or {}
    if scores:
        lines += ["", table(["score", "samples"], [[int(k), v] for k, v in scores.items()])]
    if d.get("lowest"):
        lines += ["", table(["sample", "score", "reason"],
                            [[x["id"], x["score"], x["reason"]] for x in d["lowest"]],
                            max_width=80)]
    if d.get("failed"):
        lines.append(f"\n{d['failed']:,} samples got no score:")
        lines += [f"  {e}" for e in d.get("errors") or []]
    if d.get("backup"):
        lines.append(f"store backed up first (undo: copy it back): {d['backup']}")
    return "\n".join(lines)


def run(session: Session, args: argparse.Namespace) -> int:
    from ftbuilder.services.judge import judge_dataset

    with session.running() as cancel:
        rep = judge_dataset(session.ctx, args.name, args.agent_provider, args.agent_model,
                            args.base_url, args.threshold, args.drop, args.concurrency,
                            progress=session.progress, cancel=cancel)
    data = to_jsonable(rep)
    session.emit(data, lambda: render(data))
    return EXIT_OK


def _score(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a score 1-10, got {text!r}") from None
    if not 1 <= n <= 10:
        raise argparse.ArgumentTypeError(f"must be 1-10, got {n}")
    return n


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = add_command(
        sub, common, "judge", "score samples 1-10 with an LLM judge and flag low ones", run,
        epilog="The rubric is prompts/system/judge.txt (helpfulness, faithfulness to the\n"
               "source, format). Scores and reasons are kept on each sample; replies are\n"
               "cached, so judging again costs nothing. The judge backend defaults to\n"
               "config.yaml system.agentic_llm.")
    p.add_argument("name", metavar="NAME", help="dataset name")
    p.add_argument("--agent-provider", choices=PROVIDERS, help="the judge's backend")
    p.add_argument("--agent-model", metavar="ID", help="the judge's model (or GGUF path)")
    p.add_argument("--base-url", metavar="URL", help="OpenAI-compatible endpoint")
    p.add_argument("--threshold", type=_score, metavar="N",
                   help="flag samples scored under N (default quality.judge_threshold, 6)")
    p.add_argument("--drop", action="store_true",
                   help="remove samples under the threshold (store backed up first)")
    p.add_argument("--concurrency", type=positive_int, metavar="N",
                   help="parallel calls (default system.concurrency)")
