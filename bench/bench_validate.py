"""`ftb validate` on 100,000 OpenAI examples vs the OpenAI cookbook's validator.

Baseline: the cookbook approach (Chat_finetuning_data_prep.ipynb) written out straight:
``json.loads`` per line, its format checks, ``num_tokens_from_messages`` and
``num_assistant_tokens_from_messages`` with tiktoken ``encode`` per value, distributions and
the epoch/billing estimate. Ours: ``services.validate.validate_file`` (what the command runs).
Both on the same generated file for gpt-4o-mini (o200k_base; the tiktoken encoding is
rebuilt offline and hash-checked). Target: >= 3x faster, same totals.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.bench_tokens import make_texts
from ftbuilder.config import load_settings
from ftbuilder.services.context import AppContext
from ftbuilder.services.validate import validate_file
from ftbuilder.store.db import Store
from ftbuilder.tokens.reference import tiktoken_encoding

N_EXAMPLES = 100_000
MODEL = "gpt-4o-mini-2024-07-18"
MAX_TOKENS = 65_536
TARGET = 3.0
SYSTEMS = ["You are a helpful support assistant for an online shop.",
           "You answer questions about the employee handbook, briefly and precisely.",
           "You are a patient tutor. Explain step by step.",
           "Answer in the style of a friendly pirate.", ""]


def write_examples(path: Path, n: int, seed: int = 11) -> None:
    """``n`` OpenAI chat lines: optional system, 1-3 user/assistant turns; 1% lack the answer."""
    rng = random.Random(seed)
    users = make_texts(n * 2, seed=seed, lo=8, hi=60)
    answers = make_texts(n * 2, seed=seed + 1, lo=30, hi=220)
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            msgs: list[dict[str, Any]] = []
            system = rng.choice(SYSTEMS)
            if system:
                msgs.append({"role": "system", "content": system})
            for t in range(rng.choice((1, 1, 2, 3))):
                msgs.append({"role": "user", "content": users[(2 * i + t) % len(users)]})
                msgs.append({"role": "assistant", "content": answers[(2 * i + t) % len(answers)]})
            if rng.random() < 0.01:
                msgs.pop()
            f.write(json.dumps({"messages": msgs}, ensure_ascii=False) + "\n")


def cookbook_validate(path: Path, encoding: Any) -> dict[str, Any]:
    """The cookbook's checks and token statistics, per example with tiktoken."""
    dataset = [json.loads(line) for line in path.open(encoding="utf-8")]
    format_errors: dict[str, int] = defaultdict(int)
    for ex in dataset:
        if not isinstance(ex, dict):
            format_errors["data_type"] += 1
            continue
        messages = ex.get("messages", None)
        if not messages:
            format_errors["missing_messages_list"] += 1
            continue
        for message in messages:
            if "role" not in message or "content" not in message:
                format_errors["message_missing_key"] += 1
            if any(k not in ("role", "content", "name", "function_call", "weight")
                   for k in message):
                format_errors["message_unrecognized_key"] += 1
            if message.get("role", None) not in ("system", "user", "assistant", "function"):
                format_errors["unrecognized_role"] += 1
            content = message.get("content", None)
            function_call = message.get("function_call", None)
            if (not content and not function_call) or not isinstance(content, str):
                format_errors["missing_content"] += 1
        if not any(message.get("role", None) == "assistant" for message in messages):
            format_errors["example_missing_assistant_message"] += 1

    def num_tokens_from_messages(messages: list[dict[str, Any]]) -> int:
        num_tokens = 0
        for message in messages:
            num_tokens += 3
            for key, value in message.items():
                num_tokens += len(encoding.encode(value))
                if key == "name":
                    num_tokens += 1
        num_tokens += 3
        return num_tokens

    def num_assistant_tokens_from_messages(messages: list[dict[str, Any]]) -> int:
        return sum(len(encoding.encode(m["content"])) for m in messages
                   if m["role"] == "assistant")

    n_missing_system = n_missing_user = 0
    n_messages, convo_lens, assistant_lens = [], [], []
    for ex in dataset:
        messages = ex["messages"]
        if not any(m["role"] == "system" for m in messages):
            n_missing_system += 1
        if not any(m["role"] == "user" for m in messages):
            n_missing_user += 1
        n_messages.append(len(messages))
        convo_lens.append(num_tokens_from_messages(messages))
        assistant_lens.append(num_assistant_tokens_from_messages(messages))
    for values in (n_messages, convo_lens, assistant_lens):
        np.min(values), np.max(values), np.mean(values), np.median(values)
        np.quantile(values, 0.05), np.quantile(values, 0.95)
    n_too_long = sum(length > MAX_TOKENS for length in convo_lens)
    n_train = len(dataset)
    n_epochs = 3
    if n_train * 3 < 100:
        n_epochs = min(25, 100 // n_train)
    elif n_train * 3 > 25000:
        n_epochs = max(1, 25000 // n_train)
    billed = sum(min(MAX_TOKENS, length) for length in convo_lens)
    return {"errors": dict(format_errors), "total": sum(convo_lens),
            "assistant": sum(assistant_lens), "too_long": n_too_long, "epochs": n_epochs,
            "billed": billed, "no_system": n_missing_system}


def run(out: Callable[[str], None]) -> None:
    enc = tiktoken_encoding("o200k_base")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "train.jsonl"
        write_examples(path, N_EXAMPLES)
        out(f"{N_EXAMPLES:,} examples, {path.stat().st_size / 1e6:.1f} MB, {MODEL}; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        ctx = AppContext(load_settings(root=Path(tmp), environ={}), Store(":memory:"))
        validate_file(ctx, _warm(path), "openai", MODEL)
        c0, t0 = time.process_time(), time.perf_counter()
        base = cookbook_validate(path, enc)
        t_base, c_base = time.perf_counter() - t0, time.process_time() - c0
        c0, t0 = time.process_time(), time.perf_counter()
        ours = validate_file(ctx, path, "openai", MODEL)
        t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0
        ctx.close()
    same = (base["total"] == ours.total_tokens and base["assistant"] == ours.assistant_tokens
            and base["billed"] == ours.billed_tokens and base["epochs"] == ours.epochs
            and base["errors"].get("example_missing_assistant_message", 0)
            == ours.by_code.get("no_assistant_message", 0)
            and base["no_system"] == ours.by_code.get("no_system_message", 0))
    ratio = t_base / t_ours
    out(f"cookbook validator (tiktoken): {t_base:.2f} s wall, {c_base:.2f} s CPU; ftb validate: "
        f"{t_ours:.2f} s wall, {c_ours:.2f} s CPU ({N_EXAMPLES / t_ours:,.0f} examples/s)")
    out(f"totals: tokens {ours.total_tokens:,} vs {base['total']:,}, assistant "
        f"{ours.assistant_tokens:,} vs {base['assistant']:,}, billed {ours.billed_tokens:,}, "
        f"missing answers {ours.by_code.get('no_assistant_message', 0)}")
    out(f"ratio {ratio:.1f}x wall ({c_base / c_ours:.1f}x CPU); same totals: "
        f"{'yes' if same else 'NO'}; target >={TARGET:g}x: "
        f"{'MET' if ratio >= TARGET and same else 'NOT MET'}")


def _warm(path: Path) -> Path:
    """A 1,000-line copy to load the tokenizer before timing."""
    warm = path.with_name("warm.jsonl")
    with path.open("rb") as src, warm.open("wb") as dst:
        for i, line in enumerate(src):
            if i >= 1000:
                break
            dst.write(line)
    return warm


if __name__ == "__main__":
    run(print)
